package loadgen_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/capsim/capsim/loadgen"
)

// TestDurationWhenBehind: a schedule the generator cannot keep (10¹² hits/s) still ends
// with its duration, and every hit of the schedule is accounted for: the truth is the
// schedule's own count, rate × duration (∫ rate for a ramp; Poisson within 6σ).
func TestDurationWhenBehind(t *testing.T) {
	const dur = 2 * time.Second
	nop := loadgen.TargetFunc(func(context.Context, *loadgen.Hit) error { return nil })
	for _, c := range []struct {
		name  string
		ex    func() (loadgen.Executor, error)
		want  float64 // hits in the schedule
		sigma float64 // allowed deviation
	}{
		{"uniform", func() (loadgen.Executor, error) {
			return loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 1e12, Duration: dur, PreAllocatedVUs: 4, MaxVUs: 4})
		}, 2e12, 0},
		{"poisson", func() (loadgen.Executor, error) {
			return loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 1e12, Duration: dur, PreAllocatedVUs: 4, MaxVUs: 4, Arrivals: loadgen.ArrivalsPoisson, Seed: 7})
		}, 2e12, 6 * math.Sqrt(2e12)},
		{"ramp", func() (loadgen.Executor, error) {
			return loadgen.NewRampingArrivalRate(loadgen.RampingArrivalRateConfig{Stages: []loadgen.Stage{{Duration: dur, Target: 1e12}}, PreAllocatedVUs: 4, MaxVUs: 4})
		}, 1e12, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ex, err := c.ex()
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res, err := ex.Run(context.Background(), nop)
			if err != nil {
				t.Fatal(err)
			}
			wall := time.Since(start)
			t.Logf("%+v in %v, aborted %v %s", res.Counts, wall, res.Aborted, res.AbortReason)
			if wall > dur+time.Second {
				t.Errorf("a %v schedule ran %v", dur, wall)
			}
			if !res.Balanced() {
				t.Errorf("accounting: %+v", res.Counts)
			}
			if d := math.Abs(float64(res.Scheduled) - c.want); d > c.sigma {
				t.Errorf("scheduled %d, want %.0f ± %.0f (every hit of the schedule)", res.Scheduled, c.want, c.sigma)
			}
			if res.Aborted || res.Valid || res.LateBy != loadgen.LateGenerator {
				t.Errorf("aborted %v (%s), valid %v %v: want a complete run marked invalid, the generator late", res.Aborted, res.AbortReason, res.Valid, res.Invalid)
			}
		})
	}
}

// TestLateCauseTarget: a target that serves 2 requests at a time, 20 ms each (100/s), driven
// at 400/s with 4 VUs. Every VU waits for the target, the schedule slips, and the INVALID
// message names the target's concurrency limit, not the generator.
func TestLateCauseTarget(t *testing.T) {
	sem := make(chan struct{}, 2)
	target := loadgen.TargetFunc(func(ctx context.Context, h *loadgen.Hit) error {
		sem <- struct{}{}
		defer func() { <-sem }()
		time.Sleep(20 * time.Millisecond)
		return nil
	})
	ex, err := loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 400, Duration: time.Second, PreAllocatedVUs: 2, MaxVUs: 4})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ex.Run(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	msg := strings.Join(res.Invalid, "; ")
	t.Logf("%+v: %s", res.Counts, msg)
	if res.Valid || !strings.Contains(msg, "target's concurrency limit") || strings.Contains(msg, "the generator, not the target") || res.LateBy != loadgen.LateTarget {
		t.Errorf("valid %v, late by %q: %s", res.Valid, res.LateBy, msg)
	}
}
