package loadgen

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RampingArrivalRate moves the arrival rate linearly through stages (k6 ramping-arrival-rate,
// an open model). VU pool and drops as in ConstantArrivalRate.
type RampingArrivalRate struct {
	cfg RampingArrivalRateConfig
}

var _ Executor = (*RampingArrivalRate)(nil)

// RampingArrivalRateConfig is k6's ramping-arrival-rate config. Rates are hits per TimeUnit
// (default 1s).
type RampingArrivalRateConfig struct {
	StartRate       float64
	TimeUnit        time.Duration
	Stages          []Stage
	PreAllocatedVUs int
	MaxVUs          int
	GracefulStop    time.Duration
	Arrivals        string
	Seed            uint64
}

// Validate returns every problem of the config.
func (c RampingArrivalRateConfig) Validate() []error {
	var errs []error
	if c.StartRate < 0 {
		errs = append(errs, fmt.Errorf("loadgen: %s: startRate must be ≥ 0", ExecRampingArrivalRate))
	}
	if c.TimeUnit < 0 {
		errs = append(errs, fmt.Errorf("loadgen: %s: timeUnit must be > 0", ExecRampingArrivalRate))
	}
	if len(c.Stages) == 0 {
		errs = append(errs, fmt.Errorf("loadgen: %s: at least one stage is needed", ExecRampingArrivalRate))
	}
	for i, s := range c.Stages {
		if s.Duration <= 0 {
			errs = append(errs, fmt.Errorf("loadgen: %s: stage %d: duration must be > 0", ExecRampingArrivalRate, i))
		}
		if s.Target < 0 {
			errs = append(errs, fmt.Errorf("loadgen: %s: stage %d: target must be ≥ 0", ExecRampingArrivalRate, i))
		}
	}
	errs = append(errs, vuPoolErrors(ExecRampingArrivalRate, c.PreAllocatedVUs, c.MaxVUs)...)
	if c.Arrivals != "" && c.Arrivals != ArrivalsUniform && c.Arrivals != ArrivalsPoisson {
		errs = append(errs, fmt.Errorf("loadgen: %s: arrivals %q: want uniform or poisson", ExecRampingArrivalRate, c.Arrivals))
	}
	return errs
}

// NewRampingArrivalRate validates cfg and returns the executor.
func NewRampingArrivalRate(cfg RampingArrivalRateConfig) (*RampingArrivalRate, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.TimeUnit == 0 {
		cfg.TimeUnit = time.Second
	}
	if cfg.MaxVUs == 0 {
		cfg.MaxVUs = cfg.PreAllocatedVUs
	}
	return &RampingArrivalRate{cfg: cfg}, nil
}

// Name implements Executor.
func (e *RampingArrivalRate) Name() string { return ExecRampingArrivalRate }

// Pacer returns the schedule in hits per second.
func (e *RampingArrivalRate) Pacer() (Pacer, error) {
	c := e.cfg
	k := 1 / c.TimeUnit.Seconds()
	st := make([]Stage, len(c.Stages))
	for i, s := range c.Stages {
		st[i] = Stage{Duration: s.Duration, Target: s.Target * k}
	}
	rp, err := NewRampingPacer(c.StartRate*k, st)
	if err != nil {
		return nil, err
	}
	if c.Arrivals == ArrivalsPoisson {
		return &PoissonPacer{Ramp: rp, Seed: c.Seed}, nil
	}
	return rp, nil
}

// Run implements Executor.
func (e *RampingArrivalRate) Run(ctx context.Context, t Target, opts ...Option) (*Result, error) {
	p, err := e.Pacer()
	if err != nil {
		return nil, err
	}
	r := newRun(ctx, e.Name(), t, withGraceful(e.cfg.GracefulStop, opts))
	return r.runOpen(p, e.cfg.PreAllocatedVUs, e.cfg.MaxVUs, nil), nil
}
