package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// Replay sends the records of a trace at their offsets (scaled), as an open schedule: each
// record becomes one hit carrying its source, kind, size and events.
type Replay struct {
	cfg     ReplayConfig
	recs    []TraceRecord
	offsets []time.Duration
}

var _ Executor = (*Replay)(nil)

// ReplayConfig configures a replay. TimeScale multiplies offsets (0.5 = twice as fast,
// default 1); SourceScale multiplies the number of sources (see ScaleTrace, default 1).
type ReplayConfig struct {
	Trace           []TraceRecord
	TimeScale       float64
	SourceScale     float64
	PreAllocatedVUs int
	MaxVUs          int
	GracefulStop    time.Duration
}

// Validate returns every problem of the config.
func (c ReplayConfig) Validate() []error {
	var errs []error
	if len(c.Trace) == 0 {
		errs = append(errs, fmt.Errorf("loadgen: %s: the trace is empty", ExecReplay))
	}
	if c.TimeScale < 0 {
		errs = append(errs, fmt.Errorf("loadgen: %s: time scale must be > 0", ExecReplay))
	}
	if c.SourceScale < 0 {
		errs = append(errs, fmt.Errorf("loadgen: %s: source scale must be > 0", ExecReplay))
	}
	errs = append(errs, vuPoolErrors(ExecReplay, c.PreAllocatedVUs, c.MaxVUs)...)
	return errs
}

// NewReplay validates cfg, scales the trace and returns the executor.
func NewReplay(cfg ReplayConfig) (*Replay, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.TimeScale == 0 {
		cfg.TimeScale = 1
	}
	if cfg.SourceScale == 0 {
		cfg.SourceScale = 1
	}
	if cfg.MaxVUs == 0 {
		cfg.MaxVUs = cfg.PreAllocatedVUs
	}
	recs, err := ScaleTrace(cfg.Trace, cfg.TimeScale, cfg.SourceScale)
	if err != nil {
		return nil, err
	}
	offs := make([]time.Duration, len(recs))
	for i, r := range recs {
		offs[i] = time.Duration(r.OffsetMS * float64(time.Millisecond))
	}
	return &Replay{cfg: cfg, recs: recs, offsets: offs}, nil
}

// Name implements Executor.
func (e *Replay) Name() string { return ExecReplay }

// Records returns the scaled trace the executor replays.
func (e *Replay) Records() []TraceRecord { return e.recs }

// Run implements Executor.
func (e *Replay) Run(ctx context.Context, t Target, opts ...Option) (*Result, error) {
	r := newRun(ctx, e.Name(), t, withGraceful(e.cfg.GracefulStop, opts))
	p := OffsetPacer{Offsets: e.offsets, TimeScale: 1}
	return r.runOpen(p, e.cfg.PreAllocatedVUs, e.cfg.MaxVUs, func(n uint64, h *Hit) {
		rec := &e.recs[n]
		h.Source, h.Kind, h.Size, h.Events = rec.Source, rec.Kind, rec.Size, rec.Events
	}), nil
}
