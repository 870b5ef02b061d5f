package sim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/capsim/capsim/scenarios"
)

// runGuarded runs fn and fails the test if it has not returned after two minutes: a hang
// guard, not a performance assertion (the runs below take well under a second).
func runGuarded(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the run did not end: an overloaded model must be stopped, not simulated forever")
	}
}

// TestOverloadedRunIsBounded: a load that overloads a station ends with a verdict naming it,
// both when the offered load is absurd (not simulated: the open flow alone would exceed the
// event limit) and when the queue grows past the in-system limit; the work done stays within
// the limits (issue 10, problem 7).
func TestOverloadedRunIsBounded(t *testing.T) {
	for _, c := range []struct {
		rate string
		want string
	}{
		{"1e308/s", "server is overloaded: offered utilization"},
		{"20000/s", "server is overloaded: more than 5000 requests in the system"},
	} {
		t.Run(c.rate, func(t *testing.T) {
			s, err := scenarios.LoadFile("examples/mm1", scenarios.WithSet("flows.jobs.rate="+c.rate))
			if err != nil {
				t.Fatal(err)
			}
			var res *Result
			const maxEvents, reps = 1_000_000, 2
			runGuarded(t, func() {
				res, err = mustCompile(t, s).Run(WithReplications(reps), WithDuration(20*time.Second, 2*time.Second),
					WithLimits(Limits{MaxEvents: maxEvents, MaxInSystem: 5000}))
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.SLOMet || !strings.Contains(strings.Join(res.Violations, "; "), c.want) {
				t.Errorf("slo_met %v, violations %q; want %q", res.SLOMet, res.Violations, c.want)
			}
			// design, sweep, bisection and advice replications, each within the event limit
			if limit := int64(200 * reps * maxEvents); res.Settings.Events > limit {
				t.Errorf("%d kernel events, more than %d", res.Settings.Events, limit)
			}
		})
	}
}

// TestRunLimitErrors: a run too long for the event limit at design load (not an overload) is an
// error wrapping ErrLimit; a run whose context ends is an error wrapping ErrAborted.
func TestRunLimitErrors(t *testing.T) {
	s := mustLoad(t, "examples/mm1")
	_, err := mustCompile(t, s).Run(WithReplications(2), WithDuration(1000*time.Hour, time.Second), WithLimits(Limits{MaxEvents: 1_000_000}))
	if !errors.Is(err, ErrLimit) {
		t.Errorf("1,000 h at 80 req/s with a limit of 1e6 events: error %v, want ErrLimit", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = mustCompile(t, s).Run(WithReplications(2), WithContext(ctx))
	if !errors.Is(err, ErrAborted) || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: error %v, want ErrAborted and context.Canceled", err)
	}
}
