package k6ext

import (
	"errors"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"net/http/httptest"
	"testing"
	"time"

	"go.k6.io/k6/errext"
	"go.k6.io/k6/lib"
	"go.k6.io/k6/metrics"
	"go.k6.io/k6/output"

	"github.com/capsim/capsim/loadgen/collect"
	"github.com/capsim/capsim/loadgen/k6ext/capout"
)

// Two outputs with --out capsim=http://… (segments 0:1/2 and 1/2:1) stream to one collector:
// it holds exactly the histogram of all samples, the tagged submetrics, both runners finished;
// an abortOnFail threshold that fails on the merged data stops k6 with exit code 99.
func TestOutputStreamsToCollector(t *testing.T) {
	c, err := collect.New(collect.Config{Runners: 2, Thresholds: []collect.ThresholdSpec{
		{Metric: "http_req_duration", Expr: "max<900", AbortOnFail: true}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c.Handler())
	defer srv.Close()
	reg := metrics.NewRegistry()
	dur := reg.MustNewMetric("http_req_duration", metrics.Trend, metrics.Time)
	reqs := reg.MustNewMetric("http_reqs", metrics.Counter)
	t0 := time.Now().Add(-10 * time.Second).Truncate(time.Second)
	var stops []error
	for i, segStr := range []string{"0:1/2", "1/2:1"} {
		seg, _ := lib.NewExecutionSegmentFromString(segStr)
		o, err := NewOutput(output.Params{ConfigArgument: srv.URL, ScriptOptions: lib.Options{ExecutionSegment: seg},
			Environment: map[string]string{EnvTags: "name"}})
		if err != nil {
			t.Fatal(err)
		}
		o.(output.WithTestRunStop).SetTestRunStopCallback(func(err error) { stops = append(stops, err) })
		if err := o.Start(); err != nil {
			t.Fatal(err)
		}
		var ss metrics.Samples
		for k := range 500 { // runner 0: 1 … 500 ms, runner 1: 501 … 1000 ms, over 3 seconds
			v := float64(i*500 + k + 1)
			at := t0.Add(time.Duration(k) * 6 * time.Millisecond)
			ss = append(ss,
				metrics.Sample{TimeSeries: metrics.TimeSeries{Metric: dur, Tags: reg.RootTagSet().With("name", "list")}, Time: at, Value: v},
				metrics.Sample{TimeSeries: metrics.TimeSeries{Metric: reqs, Tags: reg.RootTagSet()}, Time: at, Value: 1})
		}
		o.AddMetricSamples([]metrics.SampleContainer{ss})
		if err := o.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	if !c.Check() {
		t.Fatalf("collection not complete: %+v", c.Report().Runners)
	}
	rep := c.Report()
	got := rep.Series["http_req_duration"]
	if got.Count != 1000 || got.Min != 1 || got.Max != 1000 || got.Sum != 1000*1001/2 || rep.Series["http_req_duration{name:list}"].Count != 1000 {
		t.Errorf("merged %+v", got)
	}
	if rep.Series["http_reqs"].Sum != 1000 || rep.Coverage != 1 || len(rep.Intervals) != 3 {
		t.Errorf("http_reqs %v, coverage %v, %d intervals", rep.Series["http_reqs"].Sum, rep.Coverage, len(rep.Intervals))
	}
	// One histogram of all samples has the same percentiles exactly.
	ref := hdrhistogram.New(1, capout.DefaultHighestTrackable, capout.DefaultSignificantDigits)
	for v := 1; v <= 1000; v++ {
		_ = ref.RecordValue(int64(v) * capout.DefaultScale)
	}
	s := c.Snapshot()
	for _, q := range []float64{50, 90, 95, 99, 99.9} {
		if g, w := s.Latency.ValueAtQuantile(q), ref.ValueAtQuantile(q); g != w {
			t.Errorf("p%v: collector %d, one histogram %d", q, g, w)
		}
	}
	// max<900 failed with abortOnFail once the second runner's data arrived: it was told to stop.
	if len(stops) != 1 || errext.IsInterruptError(stops[0]) {
		t.Fatalf("stop callbacks %v", stops)
	}
	var ec errext.HasExitCode
	if !errors.As(stops[0], &ec) || ec.ExitCode() != 99 {
		t.Errorf("stop error %v has no exit code 99", stops[0])
	}
}
