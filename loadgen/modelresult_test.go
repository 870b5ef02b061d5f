package loadgen_test

import (
	"math"
	"testing"
	"time"

	"github.com/capsim/capsim/loadgen"
)

// TestModelResult checks the result.json shape against a run built by hand: one flow,
// degenerate intervals, quantiles from the histogram, violations from failed thresholds.
func TestModelResult(t *testing.T) {
	h := loadgen.NewHistogram()
	for i := 1; i <= 1000; i++ {
		_ = h.RecordValue(int64(i) * 100) // 0.1 .. 100 ms
	}
	r := &loadgen.Result{Latency: h, Service: h, SendLag: h, SchedLag: h, Duration: 10 * time.Second, Valid: true,
		Thresholds: []loadgen.ThresholdResult{{Metric: "http_req_duration", Expr: "p(95)<50", Value: 95, Passed: false}}}
	r.Scheduled, r.OK, r.Failed, r.Dropped = 1010, 990, 10, 10
	p := &loadgen.Plan{Scenario: "s", Flow: loadgen.FlowLoad{Name: "api", P95Target: 80 * time.Millisecond}, OfferedPerS: 101, Batch: 1}
	sr := p.ModelResult(r, "test")
	if len(sr.Flows) != 1 || sr.Flows[0].Name != "api" || sr.SLOMet {
		t.Fatalf("%+v", sr)
	}
	f := sr.Flows[0]
	if math.Abs(f.LatencyMS.P95.Mean-95) > 0.1 || f.LatencyMS.P95.CI95 != [2]float64{f.LatencyMS.P95.Mean, f.LatencyMS.P95.Mean} ||
		math.Abs(f.LatencyMS.P50.Mean-50) > 0.1 || math.Abs(f.ThroughputPerS.Mean-99) > 1e-9 || f.SLOMet || f.P95TargetMS != 80 {
		t.Errorf("flow %+v", f)
	}
	if want := 20.0 / 1010; math.Abs(f.DropRatio.Mean-want) > 1e-12 {
		t.Errorf("drop ratio %v, want %v", f.DropRatio.Mean, want)
	}
	// the threshold, the P95 over its target, and 20 of 1010 not served > max_drop_ratio 0.001
	if len(sr.Violations) != 3 {
		t.Errorf("violations %v", sr.Violations)
	}
}
