package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/loadgen/k6ext/k6script"
	"github.com/capsim/capsim/scenarios"
)

// capsim load --k6: write the k6 script for the scenario's load plan and run bin/k6 (built by
// `task k6`) with the capsim extension; failed k6 thresholds exit 99 like k6 itself. A k6 that
// is still running past its limit (schedule + gracefulStop + k6script.StartAllowance) gets
// SIGINT, then SIGKILL 10 s later, and the command exits 3.
func init() {
	k6Runner = func(cmd *cobra.Command, sc *scenarios.Scenario, plan *loadgen.Plan, out string) error {
		lt := scenarios.LoadTest{}
		if sc.LoadTest != nil {
			lt = *sc.LoadTest
		}
		js, err := k6script.Script(plan, lt)
		if err != nil {
			return invalid(err)
		}
		err = k6script.Run(cmd.Context(), js, k6script.RunOptions{Dir: out, Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr(),
			Limit: k6script.Limit(plan, lt)})
		switch {
		case errors.Is(err, k6script.ErrThresholds):
			return &exitError{code: ExitSLOBreached, err: err}
		case errors.Is(err, k6script.ErrStopped):
			return &exitError{code: ExitAborted, err: err}
		}
		return err
	}
}
