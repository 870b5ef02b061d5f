package k6ext

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.k6.io/k6/lib"
	"go.k6.io/k6/metrics"
	"go.k6.io/k6/output"

	"github.com/capsim/capsim/loadgen/k6ext/capout"
)

// The output turns k6 samples into capout records: a counter's sum, a trend's exact
// percentiles, the execution segment in the header.
func TestOutputWritesCapout(t *testing.T) {
	reg := metrics.NewRegistry()
	dur := reg.MustNewMetric("http_req_duration", metrics.Trend, metrics.Time)
	ev := reg.MustNewMetric(MetricEvents, metrics.Counter)
	seg, err := lib.NewExecutionSegmentFromString("1/2:1")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "out.ndjson")
	o, err := NewOutput(output.Params{ConfigArgument: path, ScriptOptions: lib.Options{ExecutionSegment: seg},
		Environment: map[string]string{EnvTags: "name, scenario"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(); err != nil {
		t.Fatal(err)
	}
	t0 := time.UnixMilli(1_800_000_000_000)
	list, search := reg.RootTagSet().With("name", "list"), reg.RootTagSet().With("name", "search").With("status", "200")
	tags := reg.RootTagSet()
	var ss metrics.Samples
	for i := range 1000 { // 1 … 1000 ms over two 1-s intervals; odd values are "list", even "search"
		at := t0.Add(time.Duration(i) * 2 * time.Millisecond)
		cls := list
		if (i+1)%2 == 0 {
			cls = search
		}
		ss = append(ss,
			metrics.Sample{TimeSeries: metrics.TimeSeries{Metric: dur, Tags: cls}, Time: at, Value: float64(i + 1)},
			metrics.Sample{TimeSeries: metrics.TimeSeries{Metric: ev, Tags: tags}, Time: at, Value: 10})
	}
	o.AddMetricSamples([]metrics.SampleContainer{ss})
	if err := o.Stop(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	file, err := capout.Read(path, f)
	if err != nil {
		t.Fatal(err)
	}
	if file.Header.Segment != "1/2:1" {
		t.Errorf("segment %q", file.Header.Segment)
	}
	m, err := capout.Merge(file)
	if err != nil {
		t.Fatal(err)
	}
	d := m.Metrics["http_req_duration"]
	// Nearest-rank percentiles of 1 … 1000 are 500, 950, 990; HDR keeps 3 digits.
	for p, want := range map[string]float64{"p(50)": 500, "p(95)": 950, "p(99)": 990} {
		if got := d.Percentiles[p]; got < want*0.999 || got > want*1.001 {
			t.Errorf("%s = %v, want %v", p, got, want)
		}
	}
	// Submetrics by the "name" tag: list holds 1, 3, …, 999 (median 499), search 2, …, 1000.
	l, sr := m.Metrics["http_req_duration{name:list}"], m.Metrics["http_req_duration{name:search}"]
	if l.Count != 500 || sr.Count != 500 || l.Max != 999 || sr.Min != 2 || math.Abs(l.Percentiles["p(50)"]-499) > 0.5 {
		t.Errorf("submetrics: list %+v, search %+v", l, sr)
	}
	if _, ok := m.Metrics[MetricEvents+"{name:list}"]; ok {
		t.Error("untagged counter got a submetric")
	}
	if d.Count != 1000 || !d.IsTime || m.Metrics[MetricEvents].Sum != 10000 || len(m.Intervals) != 2 {
		t.Errorf("count %d, is_time %v, events %v, intervals %d", d.Count, d.IsTime, m.Metrics[MetricEvents].Sum, len(m.Intervals))
	}
}

func TestOutputConfigErrors(t *testing.T) {
	for _, arg := range []string{"", " ", "-"} {
		if _, err := NewOutput(output.Params{ConfigArgument: arg}); err == nil {
			t.Errorf("--out capsim=%q: no error", arg)
		}
	}
	o, err := NewOutput(output.Params{ConfigArgument: filepath.Join(t.TempDir(), "no", "such", "dir", "f")})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(); err == nil {
		t.Error("Start into a missing directory: no error")
	}
}
