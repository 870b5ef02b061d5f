package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/capsim/capsim/scenarios"
	"github.com/capsim/capsim/sim"
)

// simulate runs one scenario (file names it in messages and in the result) with the options
// the flags ask for, then its N-1 analysis on request (--n-1) and for a failure file with node
// failures (their degraded capacity). With showProgress every phase (warm-up, design load and
// sweep, availability, failures, N-1) shows a progress bar on stderr (simProgress).
func simulate(ctx context.Context, s *scenarios.Scenario, file string, f *runFlags, stderr io.Writer, showProgress bool) (*sim.Result, error) {
	opts := []sim.Option{sim.WithAnalytic(f.analytic), sim.WithSweep(!f.noSweep), sim.WithAdvice(!f.noAdvice), sim.WithContext(ctx)}
	if f.seed != 0 {
		opts = append(opts, sim.WithSeed(f.seed))
	}
	if f.replications > 0 {
		opts = append(opts, sim.WithReplications(f.replications))
	}
	if f.precision > 0 {
		opts = append(opts, sim.WithPrecision(f.precision))
	}
	if f.duration > 0 {
		opts = append(opts, sim.WithMeasuredTime(f.duration))
	}
	if f.warmup > 0 {
		opts = append(opts, sim.WithWarmup(f.warmup))
	}
	if showProgress {
		bar := newSimProgress(stderr, s.Name)
		defer bar.finish()
		opts = append(opts, sim.WithProgress(bar.update))
	}
	m, err := sim.Compile(s)
	if err != nil {
		return nil, runError(file, err)
	}
	res, err := m.Run(opts...)
	if err != nil {
		return nil, runError(file, err)
	}
	res.File = file
	res.Settings.Version, res.Settings.ScenarioSHA256 = capsimVersion(), s.SHA256()
	// N-1 on request, and for failure files with node failures (their degraded capacity)
	nodeFailure := false
	for _, fr := range s.Failures {
		if fr.Node != "" {
			nodeFailure = true
		}
	}
	if f.nMinus1 || nodeFailure {
		rows, err := m.NMinus1(opts...)
		if errors.Is(err, sim.ErrNoNodes) {
			return nil, invalid(fmt.Errorf("%s: --n-1 needs a deployment with nodes: %w", file, err))
		}
		if err != nil {
			return nil, runError(file+": N-1 analysis", err)
		}
		res.SetNMinus1(rows)
	}
	return res, nil
}
