package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/loadgen/k6ext/k6script"
	"github.com/capsim/capsim/scenarios"
)

// capsim load --k6: write the k6 script for the scenario's load plan, run the custom k6 (k6,
// default bin/k6, built by `task k6`) with the capsim output into out, and read that output
// back as the Go generator's Result (k6script.ReadResult: counts, latency, thresholds with
// k6's verdict, INVALID when k6 dropped iterations), so runLoad writes result.json and
// load.json, prints the summary and exits by the Go generator's rules (loadExit).
//
// A k6 that is still running past its limit (schedule + gracefulStop +
// k6script.StartAllowance) gets SIGINT, then SIGKILL 10 s later: the run is aborted by a limit
// (exit 3). The first Ctrl-C stops k6 (SIGINT, once: k6 runs in its own process group) and its
// partial output is written, aborted by interrupt (exit 1). With --quiet k6's own output goes
// to out/k6.log. A k6 binary that is missing or
// lacks capsim's extension is invalid input (2); a k6 that fails otherwise (a script error) is
// an error (1), with nothing written but k6's own files.
func init() {
	k6Runner = func(ctx context.Context, cmd *cobra.Command, sc *scenarios.Scenario, plan *loadgen.Plan, out, k6 string, quiet bool) (*loadgen.Result, error) {
		lt := scenarios.LoadTest{}
		if sc.LoadTest != nil {
			lt = *sc.LoadTest
		}
		js, err := k6script.Script(plan, lt)
		if err != nil {
			return nil, invalid(err)
		}
		version, err := k6script.Version(ctx, k6)
		if err != nil {
			return nil, invalid(fmt.Errorf("--k6: %w", err))
		}
		stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
		if quiet { // k6's banner, progress and summary go to a log beside its output
			if err := os.MkdirAll(out, 0o755); err != nil {
				return nil, err
			}
			log, err := os.Create(filepath.Join(out, "k6.log"))
			if err != nil {
				return nil, err
			}
			defer log.Close()
			stdout, stderr = log, log
		}
		limit := k6script.Limit(plan, lt)
		runErr := k6script.Run(ctx, js, k6script.RunOptions{K6: k6, Dir: out, Stdout: stdout, Stderr: stderr,
			Env: []string{k6script.TagsEnv}, Limit: limit})
		if errors.Is(runErr, k6script.ErrNoK6) {
			return nil, invalid(runErr)
		}
		interrupted := ctx.Err() != nil
		if runErr != nil && !interrupted && !errors.Is(runErr, k6script.ErrThresholds) && !errors.Is(runErr, k6script.ErrStopped) {
			return nil, runErr // k6 could not run the script: nothing was measured
		}
		agent := plan.Protocol != loadgen.ProtoHTTPAPI
		res, err := k6script.ReadResult(out, k6script.ReadOptions{Agent: agent, Thresholds: plan.Thresholds})
		if err != nil {
			if runErr != nil {
				return nil, fmt.Errorf("%w; its output: %w", runErr, err)
			}
			return nil, fmt.Errorf("k6 output: %w", err)
		}
		res.Generator, res.Executor = version, plan.Executor.Name()
		switch {
		case interrupted:
			res.Aborted, res.AbortedBy, res.AbortReason = true, loadgen.AbortInterrupt, "interrupted: k6 was stopped"
		case errors.Is(runErr, k6script.ErrStopped):
			res.Aborted, res.AbortedBy = true, loadgen.AbortLimit
			res.AbortReason = fmt.Sprintf("k6 was still running at its limit of %v (schedule + gracefulStop + %v) and was stopped", limit, k6script.StartAllowance)
		case errors.Is(runErr, k6script.ErrThresholds) && res.ThresholdsPassed():
			// k6's exit code is the verdict even when its summary named no threshold
			res.Thresholds = append(res.Thresholds, loadgen.ThresholdResult{Metric: "k6", Expr: "thresholds (k6 exited 99)"})
		}
		return res, nil
	}
}
