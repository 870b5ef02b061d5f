package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/capsim/capsim/scenarios"
)

// RampingVUs moves the number of active VUs linearly through stages (k6 ramping-vus, a
// closed model with think time). A VU above the current target finishes its hit, then waits.
type RampingVUs struct {
	cfg RampingVUsConfig
}

var _ Executor = (*RampingVUs)(nil)

// RampingVUsConfig is k6's ramping-vus config plus a think time. Stage targets are VU counts.
type RampingVUsConfig struct {
	StartVUs     int
	Stages       []Stage
	GracefulStop time.Duration
	Think        scenarios.Dist
	Seed         uint64
}

// Validate returns every problem of the config.
func (c RampingVUsConfig) Validate() []error {
	var errs []error
	if c.StartVUs < 0 {
		errs = append(errs, fmt.Errorf("loadgen: %s: startVUs must be ≥ 0", ExecRampingVUs))
	}
	if len(c.Stages) == 0 {
		errs = append(errs, fmt.Errorf("loadgen: %s: at least one stage is needed", ExecRampingVUs))
	}
	for i, s := range c.Stages {
		if s.Duration <= 0 {
			errs = append(errs, fmt.Errorf("loadgen: %s: stage %d: duration must be > 0", ExecRampingVUs, i))
		}
		if s.Target < 0 || s.Target > 1e6 {
			errs = append(errs, fmt.Errorf("loadgen: %s: stage %d: target must be in [0, 1e6]", ExecRampingVUs, i))
		}
	}
	if _, err := NewSampler(c.Think, 0, 0); err != nil {
		errs = append(errs, fmt.Errorf("loadgen: %s: think: %w", ExecRampingVUs, err))
	}
	return errs
}

// NewRampingVUs validates cfg and returns the executor.
func NewRampingVUs(cfg RampingVUsConfig) (*RampingVUs, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &RampingVUs{cfg: cfg}, nil
}

// Name implements Executor.
func (e *RampingVUs) Name() string { return ExecRampingVUs }

// Active is the number of VUs that should be running at elapsed (k6 rounds down).
func (e *RampingVUs) Active(elapsed time.Duration) int {
	a := float64(e.cfg.StartVUs)
	var t0 time.Duration
	for _, s := range e.cfg.Stages {
		if elapsed < t0+s.Duration {
			f := float64(elapsed-t0) / float64(s.Duration)
			return int(math.Floor(a + (s.Target-a)*f))
		}
		t0 += s.Duration
		a = s.Target
	}
	return 0
}

// Run implements Executor.
func (e *RampingVUs) Run(ctx context.Context, t Target, opts ...Option) (*Result, error) {
	c := e.cfg
	maxVUs := c.StartVUs
	var total time.Duration
	for _, s := range c.Stages {
		maxVUs = max(maxVUs, int(math.Ceil(s.Target)))
		total += s.Duration
	}
	r := newRun(ctx, e.Name(), t, withGraceful(c.GracefulStop, opts))
	return r.runClosed(e.Active, maxVUs, total, thinkers(c.Think, c.Seed)), nil
}
