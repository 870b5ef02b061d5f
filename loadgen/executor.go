package loadgen

import (
	"context"
	"fmt"
	"time"
)

// Executor names, as in k6.
const (
	ExecConstantArrivalRate = "constant-arrival-rate"
	ExecRampingArrivalRate  = "ramping-arrival-rate"
	ExecConstantVUs         = "constant-vus"
	ExecRampingVUs          = "ramping-vus"
	ExecReplay              = "replay"
)

// Executor runs a schedule of hits against a target and returns what it measured. Run returns
// an error only when it could not start (bad options); a run stopped by ctx returns its partial
// Result marked Aborted.
type Executor interface {
	Name() string
	Run(ctx context.Context, t Target, opts ...Option) (*Result, error)
}

// Arrivals of open executors.
const (
	// ArrivalsUniform spaces hits evenly (k6's behaviour). Default.
	ArrivalsUniform = "uniform"
	// ArrivalsPoisson draws exponential gaps with the same rate (a Poisson process, as the
	// model's open flows assume).
	ArrivalsPoisson = "poisson"
)

func gracefulOr(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return DefaultGracefulStop
}

func withGraceful(d time.Duration, opts []Option) []Option {
	return append([]Option{WithGracefulStop(gracefulOr(d))}, opts...)
}

// vuPoolErrors checks the VU pool of an open executor: preAllocatedVUs ≥ 1 and maxVUs, when
// given, not below it.
func vuPoolErrors(exec string, pre, max int) []error {
	var errs []error
	if pre < 1 {
		errs = append(errs, fmt.Errorf("loadgen: %s: preAllocatedVUs must be ≥ 1", exec))
	}
	if max != 0 && max < pre {
		errs = append(errs, fmt.Errorf("loadgen: %s: maxVUs %d < preAllocatedVUs %d", exec, max, pre))
	}
	return errs
}
