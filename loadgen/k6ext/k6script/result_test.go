package k6script

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/loadgen/k6ext/capout"
)

// k6Output writes what the capsim output writes for a run: 10 requests 10 … 100 ms, of which
// 3 failed (one timed out), 2 iterations dropped, vus_max 4; every sample at start.
func k6Output(t *testing.T, start time.Time) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	rec, err := capout.NewRecorder(&buf, capout.NewHeader("", start))
	if err != nil {
		t.Fatal(err)
	}
	add := func(name, typ string, isTime bool, v float64) {
		if err := rec.Add(name, typ, isTime, start, v); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		failed := 0.0
		if i < 3 {
			failed = 1
		}
		add("http_reqs", capout.TypeCounter, false, 1)
		add("iterations", capout.TypeCounter, false, 1)
		add("http_req_failed", capout.TypeRate, false, failed)
		add("http_req_duration", capout.TypeTrend, true, float64(10*(i+1)))
	}
	add(TimedOutMetric, capout.TypeCounter, false, 1)
	add("dropped_iterations", capout.TypeCounter, false, 2)
	add("vus_max", capout.TypeGauge, false, 4)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

// TestResultOf maps k6's output, as the capsim output writes it, to the generator's result:
// 10 requests of which 3 failed (one timed out) and 2 iterations dropped, which makes it INVALID.
func TestResultOf(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_000)
	f, err := capout.Read(OutputFile, k6Output(t, at))
	if err != nil {
		t.Fatal(err)
	}
	m, err := capout.Merge(f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ResultOf(m, at, 2, false, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := loadgen.Counts{Scheduled: 12, OK: 7, Failed: 2, TimedOut: 1, Dropped: 2}
	if res.Counts != want || !res.Balanced() {
		t.Errorf("counts %+v, want %+v", res.Counts, want)
	}
	if res.ThroughputPerS() != 3.5 || res.VUs != 4 || res.Generator != "k6" {
		t.Errorf("throughput %v VUs %d generator %q, want 7 OK / 2 s, 4 and k6", res.ThroughputPerS(), res.VUs, res.Generator)
	}
	if p50, mean := float64(res.Latency.ValueAtQuantile(50))/1000, res.Latency.Mean()/1000; math.Abs(p50-50) > 0.05 || math.Abs(mean-55) > 0.06 {
		t.Errorf("p50 %v mean %v ms, want 50 and 55", p50, mean)
	}
	if res.Valid || len(res.Invalid) != 1 || !strings.Contains(res.Invalid[0], "k6 dropped 2 of 12 iterations") ||
		!strings.Contains(res.Invalid[0], "the generator did not keep") || res.LateBy != loadgen.LateGenerator {
		t.Errorf("valid %v %q by %q, want INVALID naming k6's 2 dropped iterations and the generator", res.Valid, res.Invalid, res.LateBy)
	}
	// The same requests over 0.6 s with one VU: by Little's law 0.55 s of answers in 0.6 s
	// kept the one VU waiting for the target (0.92 ≥ 80 % of the pool): the target's
	// concurrency limit dropped the iterations, not k6.
	res, err = ResultOf(m, at, 0.6, false, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.LateBy != loadgen.LateTarget || len(res.Invalid) != 1 || !strings.Contains(res.Invalid[0], "target's concurrency limit") {
		t.Errorf("late by %q: %q, want the target's concurrency limit", res.LateBy, res.Invalid)
	}
}

// TestReadResultThresholds: thresholds take their value from the result and their verdict from
// k6's summary, under the name the script gives the metric (k6Metric, the one rule for both).
func TestReadResultThresholds(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, OutputFile), k6Output(t, time.UnixMilli(1_700_000_000_000)).Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := `{"metrics": {"iterations": {"count": 10, "rate": 5},
	  "http_req_duration": {"thresholds": {"p(95)<50": true}},
	  "http_req_failed": {"thresholds": {"rate<0.5": false}}}}`
	if err := os.WriteFile(filepath.Join(dir, SummaryFile), []byte(sum), 0o644); err != nil {
		t.Fatal(err)
	}
	ths := []loadgen.Threshold{threshold(t, "http_req_duration", "p(95)<50"), threshold(t, "http_req_failed", "rate<0.5"),
		threshold(t, "dropped_iterations", "count<1")}
	res, err := ReadResult(dir, ReadOptions{Thresholds: ths})
	if err != nil {
		t.Fatal(err)
	}
	if res.Duration != 2*time.Second || len(res.Thresholds) != 3 {
		t.Fatalf("duration %v, thresholds %+v", res.Duration, res.Thresholds)
	}
	want := []struct {
		value  float64
		passed bool
	}{{100, false}, {0.3, true}, {2, false}} // k6's verdict, k6's verdict, evaluated here
	for i, w := range want {
		if got := res.Thresholds[i]; math.Abs(got.Value-w.value) > 0.1 || got.Passed != w.passed {
			t.Errorf("threshold %d: %+v, want value %v passed %v", i, got, w.value, w.passed)
		}
	}
	if res.ThresholdsPassed() {
		t.Error("thresholds passed")
	}
	if k6Metric("http_req_duration", true) != "capsim_batch_duration" || k6Metric("http_req_failed", true) != "capsim_batches_failed" {
		t.Error("agent traffic's thresholds are not on capsim_batch_duration and capsim_batches_failed")
	}
}
