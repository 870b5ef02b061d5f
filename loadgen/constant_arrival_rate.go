package loadgen

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ConstantArrivalRate starts Rate hits every TimeUnit for Duration, whatever the target's
// response time (k6 constant-arrival-rate, an open model). Hits wait for a free VU; the pool
// grows from PreAllocatedVUs to MaxVUs; a hit no VU takes within MaxLag is dropped.
type ConstantArrivalRate struct {
	cfg ConstantArrivalRateConfig
}

var _ Executor = (*ConstantArrivalRate)(nil)

// ConstantArrivalRateConfig is k6's constant-arrival-rate config.
type ConstantArrivalRateConfig struct {
	// Rate hits per TimeUnit (default 1s).
	Rate     float64
	TimeUnit time.Duration
	Duration time.Duration
	// PreAllocatedVUs start at once; MaxVUs (default PreAllocatedVUs) is the pool's limit.
	PreAllocatedVUs int
	MaxVUs          int
	GracefulStop    time.Duration
	// Arrivals: ArrivalsUniform (default, k6) or ArrivalsPoisson, drawn from Seed.
	Arrivals string
	Seed     uint64
}

// Validate returns every problem of the config.
func (c ConstantArrivalRateConfig) Validate() []error {
	var errs []error
	if !(c.Rate > 0) {
		errs = append(errs, fmt.Errorf("loadgen: %s: rate must be > 0", ExecConstantArrivalRate))
	}
	if c.TimeUnit < 0 {
		errs = append(errs, fmt.Errorf("loadgen: %s: timeUnit must be > 0", ExecConstantArrivalRate))
	}
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("loadgen: %s: duration must be > 0", ExecConstantArrivalRate))
	}
	errs = append(errs, vuPoolErrors(ExecConstantArrivalRate, c.PreAllocatedVUs, c.MaxVUs)...)
	if c.Arrivals != "" && c.Arrivals != ArrivalsUniform && c.Arrivals != ArrivalsPoisson {
		errs = append(errs, fmt.Errorf("loadgen: %s: arrivals %q: want uniform or poisson", ExecConstantArrivalRate, c.Arrivals))
	}
	return errs
}

// NewConstantArrivalRate validates cfg and returns the executor.
func NewConstantArrivalRate(cfg ConstantArrivalRateConfig) (*ConstantArrivalRate, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.TimeUnit == 0 {
		cfg.TimeUnit = time.Second
	}
	if cfg.MaxVUs == 0 {
		cfg.MaxVUs = cfg.PreAllocatedVUs
	}
	return &ConstantArrivalRate{cfg: cfg}, nil
}

// Name implements Executor.
func (e *ConstantArrivalRate) Name() string { return ExecConstantArrivalRate }

// Pacer returns the schedule: evenly spaced (exact integer times when Rate is whole) or Poisson.
func (e *ConstantArrivalRate) Pacer() (Pacer, error) {
	c := e.cfg
	perSec := c.Rate / c.TimeUnit.Seconds()
	if c.Arrivals == ArrivalsPoisson {
		return NewPoissonPacer(perSec, c.Duration, c.Seed)
	}
	if c.Rate == float64(uint64(c.Rate)) {
		return ConstantPacer{Freq: uint64(c.Rate), Per: c.TimeUnit, Duration: c.Duration}, nil
	}
	return NewRampingPacer(perSec, []Stage{{Duration: c.Duration, Target: perSec}})
}

// Run implements Executor.
func (e *ConstantArrivalRate) Run(ctx context.Context, t Target, opts ...Option) (*Result, error) {
	p, err := e.Pacer()
	if err != nil {
		return nil, err
	}
	r := newRun(ctx, e.Name(), t, withGraceful(e.cfg.GracefulStop, opts))
	return r.runOpen(p, e.cfg.PreAllocatedVUs, e.cfg.MaxVUs, nil), nil
}
