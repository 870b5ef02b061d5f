package loadgen_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/capsim/capsim/loadgen"
)

// TestAccountingIdentity drives a target that succeeds, fails, times out and blocks, with a
// VU pool too small to take every hit and a cancellation mid-run, and checks that every
// scheduled hit lands in exactly one bucket — and that each bucket was actually exercised.
func TestAccountingIdentity(t *testing.T) {
	var calls atomic.Uint64
	target := loadgen.TargetFunc(func(ctx context.Context, h *loadgen.Hit) error {
		switch calls.Add(1) % 10 {
		case 1:
			return errors.New("boom") // failed
		case 2: // timed out: wait past the deadline
			select {
			case <-time.After(time.Until(h.Deadline)):
				return context.DeadlineExceeded
			case <-ctx.Done():
				return ctx.Err()
			}
		case 3: // long: holds the VU (causes drops) and is in flight at the end (interrupted)
			select {
			case <-time.After(5 * time.Second):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	ex, err := loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{
		Rate: 400, Duration: 1500 * time.Millisecond, PreAllocatedVUs: 5, MaxVUs: 20,
		GracefulStop: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer cancel()
	res, err := ex.Run(ctx, target, loadgen.WithTimeout(30*time.Millisecond), loadgen.WithMaxLag(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Counts
	t.Logf("%+v aborted=%v (%s)", c, res.Aborted, res.AbortReason)
	if !c.Balanced() {
		t.Fatalf("identity broken: scheduled %d ≠ ok %d + failed %d + timed out %d + dropped %d + interrupted %d",
			c.Scheduled, c.OK, c.Failed, c.TimedOut, c.Dropped, c.Interrupted)
	}
	if c.OK == 0 || c.Failed == 0 || c.TimedOut == 0 || c.Dropped == 0 || c.Interrupted == 0 {
		t.Errorf("a bucket was not exercised: %+v", c)
	}
	if !res.Aborted || res.AbortedBy != loadgen.AbortInterrupt {
		t.Errorf("run canceled by its context: aborted %v by %q", res.Aborted, res.AbortedBy)
	}
	if got := uint64(res.Latency.TotalCount()); got != c.Completed() {
		t.Errorf("latency histogram has %d values, want one per completed hit (%d)", got, c.Completed())
	}
	// A canceled run never schedules past the cancellation: 400/s × 1.2 s ≈ 480, ±1 hit.
	if c.Scheduled > 482 {
		t.Errorf("scheduled %d hits in 1.2 s at 400/s", c.Scheduled)
	}
}

// TestClosedAccounting: constant-vus balances too, and its rate follows the response time
// (closed model: N VUs / (response + think)).
func TestClosedAccounting(t *testing.T) {
	target := loadgen.TargetFunc(func(ctx context.Context, h *loadgen.Hit) error {
		time.Sleep(10 * time.Millisecond)
		return nil
	})
	ex, err := loadgen.NewConstantVUs(loadgen.ConstantVUsConfig{VUs: 4, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ex.Run(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Balanced() || res.OK == 0 || res.Aborted {
		t.Fatalf("%+v aborted=%v", res.Counts, res.Aborted)
	}
	// 4 VUs × 1 s / ≥10 ms ⇒ at most ~400 hits (sleep only ever overshoots).
	if res.OK > 404 {
		t.Errorf("closed model sent %d hits, more than N/R allows (400)", res.OK)
	}
}

func TestMaxRequestsBound(t *testing.T) {
	ex, _ := loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 10000, Duration: 10 * time.Second, PreAllocatedVUs: 2})
	res, err := ex.Run(context.Background(), loadgen.TargetFunc(func(context.Context, *loadgen.Hit) error { return nil }), loadgen.WithMaxRequests(100))
	if err != nil {
		t.Fatal(err)
	}
	if res.Scheduled != 100 || !res.Aborted || res.AbortedBy != loadgen.AbortLimit || !res.Balanced() {
		t.Errorf("scheduled %d aborted %v: want exactly 100, aborted", res.Scheduled, res.Aborted)
	}
}

func TestMaxDurationBound(t *testing.T) {
	nop := loadgen.TargetFunc(func(context.Context, *loadgen.Hit) error { return nil })
	ex, _ := loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 100, Duration: time.Hour, PreAllocatedVUs: 2})
	res, _ := ex.Run(context.Background(), nop, loadgen.WithMaxDuration(300*time.Millisecond))
	cv, _ := loadgen.NewConstantVUs(loadgen.ConstantVUsConfig{VUs: 2, Duration: time.Hour})
	res2, _ := cv.Run(context.Background(), nop, loadgen.WithMaxDuration(300*time.Millisecond))
	for _, r := range []*loadgen.Result{res, res2} {
		if !r.Aborted || !strings.Contains(r.AbortReason, "MaxDuration") || r.Duration > 3*time.Second || !r.Balanced() {
			t.Errorf("%s: aborted %v %q after %v", r.Executor, r.Aborted, r.AbortReason, r.Duration)
		}
	}
	if res.Scheduled != 30 {
		t.Errorf("scheduled %d in 300 ms at 100/s, want 30", res.Scheduled)
	}
}

func TestAbortOnFail(t *testing.T) {
	th, err := loadgen.ParseThreshold("http_req_failed", "rate<0.01")
	if err != nil {
		t.Fatal(err)
	}
	th.AbortOnFail = true
	ex, _ := loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 200, Duration: 20 * time.Second, PreAllocatedVUs: 2})
	start := time.Now()
	res, err := ex.Run(context.Background(), loadgen.TargetFunc(func(context.Context, *loadgen.Hit) error { return errors.New("down") }),
		loadgen.WithThresholds(th), loadgen.WithProgress(nil, 100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Aborted || res.AbortedBy != loadgen.AbortThreshold || res.ThresholdsPassed() || time.Since(start) > 10*time.Second {
		t.Errorf("aborted %v (%s), thresholds passed %v", res.Aborted, res.AbortReason, res.ThresholdsPassed())
	}
}

func TestParseThreshold(t *testing.T) {
	good := []struct{ metric, expr string }{
		{"http_req_duration", "p(95)<500"}, {"http_req_duration", "p(99.9) <= 1500"},
		{"http_req_duration", "avg<200"}, {"http_req_duration", "med<100"}, {"service_time", "max<2000"},
		{"http_req_failed", "rate<0.01"}, {"dropped_iterations", "count==0"}, {"http_reqs", "rate>100"},
		{"capsim_events_acked", "count>0"},
	}
	for _, g := range good {
		if _, err := loadgen.ParseThreshold(g.metric, g.expr); err != nil {
			t.Errorf("%s %q: %v", g.metric, g.expr, err)
		}
	}
	bad := []struct{ metric, expr string }{
		{"http_req_duration", "p(95)"}, {"http_req_duration", "rate<0.1"}, {"nope", "avg<1"},
		{"http_req_failed", "p(95)<1"}, {"http_req_duration", "p(101)<1"}, {"http_req_duration", "p(95)<abc"},
		{"dropped_iterations", "avg<1"}, {"http_req_duration", "<5"},
	}
	for _, b := range bad {
		if _, err := loadgen.ParseThreshold(b.metric, b.expr); err == nil {
			t.Errorf("%s %q accepted", b.metric, b.expr)
		}
	}
	// Evaluate against a known histogram: 100 values 1..100 ms.
	h := loadgen.NewHistogram()
	for i := 1; i <= 100; i++ {
		_ = h.RecordValue(int64(i) * 1000)
	}
	s := loadgen.Snapshot{Latency: h, Elapsed: 10 * time.Second}
	s.OK, s.Failed, s.Scheduled = 98, 2, 100
	for _, c := range []struct {
		metric, expr string
		pass         bool
	}{
		{"http_req_duration", "p(95)<96", true}, {"http_req_duration", "p(95)<95", false},
		{"http_req_duration", "avg<51", true}, {"http_req_failed", "rate<0.01", false},
		{"http_req_failed", "rate<=0.02", true}, {"http_reqs", "rate>=10", true}, {"http_reqs", "count>100", false},
	} {
		th, _ := loadgen.ParseThreshold(c.metric, c.expr)
		if r := th.Eval(s); r.Passed != c.pass {
			t.Errorf("%s %s on 1..100 ms: value %v passed %v, want %v", c.metric, c.expr, r.Value, r.Passed, c.pass)
		}
	}
}

// TestAbandonedVUs: a target that ignores cancellation cannot hold a run past gracefulStop +
// DrainBound, and the identity still holds (its hits count as interrupted).
func TestAbandonedVUs(t *testing.T) {
	if testing.Short() {
		t.Skip("waits DrainBound")
	}
	block := make(chan struct{})
	defer close(block)
	target := loadgen.TargetFunc(func(ctx context.Context, h *loadgen.Hit) error {
		if h.Seq%5 == 4 {
			<-block // ignores ctx
		}
		return nil
	})
	ex, _ := loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 50, Duration: 200 * time.Millisecond, PreAllocatedVUs: 4, MaxVUs: 10, GracefulStop: 100 * time.Millisecond})
	start := time.Now()
	res, _ := ex.Run(context.Background(), target)
	if el := time.Since(start); el > loadgen.DrainBound+2*time.Second {
		t.Errorf("run took %v", el)
	}
	if !res.Balanced() || res.Interrupted == 0 || !res.Aborted {
		t.Errorf("%+v aborted %v %q", res.Counts, res.Aborted, res.AbortReason)
	}
}
