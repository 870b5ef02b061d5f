package loadgen

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/capsim/capsim/scenarios"
)

// ConstantVUs runs VUs users for Duration, each looping send → wait → think (k6
// constant-vus, a closed model: the offered rate falls when the target slows down).
type ConstantVUs struct {
	cfg ConstantVUsConfig
}

var _ Executor = (*ConstantVUs)(nil)

// ConstantVUsConfig is k6's constant-vus config plus a think time.
type ConstantVUsConfig struct {
	VUs          int
	Duration     time.Duration
	GracefulStop time.Duration
	// Think is the think time after each response (zero: none); drawn per VU from Seed.
	Think scenarios.Dist
	Seed  uint64
}

// Validate returns every problem of the config.
func (c ConstantVUsConfig) Validate() []error {
	var errs []error
	if c.VUs < 1 {
		errs = append(errs, fmt.Errorf("loadgen: %s: vus must be ≥ 1", ExecConstantVUs))
	}
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("loadgen: %s: duration must be > 0", ExecConstantVUs))
	}
	if _, err := NewSampler(c.Think, 0, 0); err != nil {
		errs = append(errs, fmt.Errorf("loadgen: %s: think: %w", ExecConstantVUs, err))
	}
	return errs
}

// NewConstantVUs validates cfg and returns the executor.
func NewConstantVUs(cfg ConstantVUsConfig) (*ConstantVUs, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &ConstantVUs{cfg: cfg}, nil
}

// Name implements Executor.
func (e *ConstantVUs) Name() string { return ExecConstantVUs }

// Run implements Executor.
func (e *ConstantVUs) Run(ctx context.Context, t Target, opts ...Option) (*Result, error) {
	c := e.cfg
	r := newRun(ctx, e.Name(), t, withGraceful(c.GracefulStop, opts))
	return r.runClosed(func(time.Duration) int { return c.VUs }, c.VUs, c.Duration, thinkers(c.Think, c.Seed)), nil
}

func thinkers(d scenarios.Dist, seed uint64) func(int) func() time.Duration {
	if d.IsZero() {
		return nil
	}
	return func(vu int) func() time.Duration {
		s, err := NewSampler(d, seed, uint64(vu)+1)
		if err != nil {
			return nil
		}
		return s
	}
}
