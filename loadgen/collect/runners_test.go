package collect_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/capsim/capsim/fixtures/loopback"
	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/loadgen/collect"
	"github.com/capsim/capsim/scenarios"
)

// Three Go runners, each with its execution segment (1/3, 2/3, 3/3) of one constant-arrival-rate
// schedule, drive the loopback target and stream to one collector over HTTP on 127.0.0.1. The
// collector's merged accounting and latency histogram equal the merge of the runners' own
// Results exactly (percentiles, min, max, mean: equality, not a tolerance); a batch posted
// twice is counted once; a threshold each runner passes alone fails on the merged data.
func TestThreeGoRunners(t *testing.T) {
	srv, err := loopback.Start(loopback.Config{GRPCAddr: "off", Workers: 2, Seed: 7,
		Service: scenarios.Dist{Kind: scenarios.Exponential, Mean: scenarios.Duration(2 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// Poisson arrivals at 150/s for 2 s (seeded: 315 hits): about 105 per runner, all together
	// more than 250.
	c, err := collect.New(collect.Config{Runners: 3, Thresholds: []collect.ThresholdSpec{
		{Metric: "http_reqs", Expr: "count<250"}, {Metric: "http_req_failed", Expr: "rate<0.01"}}})
	if err != nil {
		t.Fatal(err)
	}
	var bodyMu sync.Mutex
	var bodies [][]byte
	h := c.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			bodyMu.Lock()
			bodies = append(bodies, b)
			bodyMu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		h.ServeHTTP(w, r)
	}))
	defer ts.Close()

	exec, err := loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 150, Duration: 2 * time.Second,
		PreAllocatedVUs: 12, MaxVUs: 60, Arrivals: loadgen.ArrivalsPoisson, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	guard, _ := loadgen.NewGuard()
	client, err := collect.NewClient(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	results := make([]*loadgen.Result, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			seg, err := loadgen.ParseSegment(fmt.Sprintf("%d/3", i+1), "")
			if err != nil {
				t.Error(err)
				return
			}
			target, err := loadgen.NewRawHTTPAPI(srv.URL(), loadgen.DefaultAPIMix, guard, uint64(i+1))
			if err != nil {
				t.Error(err)
				return
			}
			st := collect.NewStreamer(client, fmt.Sprintf("go-%d", i), seg, collect.MetricLatency, nil)
			// Each runner's own thresholds hold: 100 requests each.
			th, _ := loadgen.ParseThreshold("http_reqs", "count<250")
			res, err := exec.Run(context.Background(), target, loadgen.WithSegment(seg), loadgen.WithThresholds(th),
				loadgen.WithProgress(st.Progress, 500*time.Millisecond))
			if err != nil {
				t.Error(err)
				return
			}
			if !res.ThresholdsPassed() {
				t.Errorf("runner %d alone fails its threshold: %+v", i, res.Thresholds)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := st.Finish(ctx, res); err != nil {
				t.Error(err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if !c.Check() {
		t.Fatalf("collection not complete after three final batches: %+v", c.Report().Runners)
	}

	// One batch again: counted once.
	before := c.Snapshot()
	resp, err := http.Post(ts.URL+collect.PathBatches, "application/json", bytes.NewReader(bodies[1]))
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(rb, []byte(`"duplicate":true`)) {
		t.Errorf("re-posted batch: %s", rb)
	}
	got := c.Result()
	if got.Counts != before.Counts || got.Latency.TotalCount() != before.Latency.TotalCount() {
		t.Errorf("a duplicate changed the totals: %+v → %+v", before.Counts, got.Counts)
	}

	// The runners' own results, merged as one histogram.
	want := loadgen.NewHistogram()
	var counts loadgen.Counts
	for _, r := range results {
		want.Merge(r.Latency)
		counts.Scheduled += r.Scheduled
		counts.OK += r.OK
		counts.Failed += r.Failed
		counts.TimedOut += r.TimedOut
		counts.Dropped += r.Dropped
		counts.Interrupted += r.Interrupted
		counts.BytesSent += r.BytesSent
	}
	p, _ := exec.Pacer()
	var n uint64
	for ; ; n++ {
		if _, ok := p.(loadgen.SendTimer).SendTime(n); !ok {
			break
		}
	}
	if counts.Scheduled != n || counts.OK != n || n < 250 {
		t.Errorf("runners scheduled %d, ok %d; want the schedule's %d (> 250)", counts.Scheduled, counts.OK, n)
	}
	if got.Counts != counts {
		t.Errorf("collector counts %+v, runners %+v", got.Counts, counts)
	}
	if st := srv.Stats(); st.Requests != counts.OK {
		t.Errorf("target saw %d requests, runners %d", st.Requests, counts.OK)
	}
	compareHist(t, got.Latency, want)

	// count<250 fails only in aggregate; rate<0.01 passes.
	if got.ThresholdsPassed() || got.Thresholds[0].Passed || got.Thresholds[0].Value != float64(n) || !got.Thresholds[1].Passed {
		t.Errorf("thresholds %+v: want http_reqs count<250 failed at %d", got.Thresholds, n)
	}
	if !got.Valid {
		t.Logf("merged result invalid (a runner's self-check on this shared machine): %v", got.Invalid)
	}
	rep := c.Report()
	if rep.Coverage != 1 || len(rep.Runners) != 3 || rep.Duplicates != 1 {
		t.Errorf("coverage %v runners %d duplicates %d", rep.Coverage, len(rep.Runners), rep.Duplicates)
	}
}

func compareHist(t *testing.T, got, want *hdrhistogram.Histogram) {
	t.Helper()
	if got.TotalCount() != want.TotalCount() || got.Min() != want.Min() || got.Max() != want.Max() || got.Mean() != want.Mean() {
		t.Errorf("merged n/min/max/mean %d/%d/%d/%v, single histogram %d/%d/%d/%v", got.TotalCount(), got.Min(), got.Max(), got.Mean(),
			want.TotalCount(), want.Min(), want.Max(), want.Mean())
	}
	for _, q := range []float64{50, 90, 95, 99, 99.9} {
		if g, w := got.ValueAtQuantile(q), want.ValueAtQuantile(q); g != w {
			t.Errorf("p%v: collector %d µs, single histogram %d µs", q, g, w)
		}
	}
}
