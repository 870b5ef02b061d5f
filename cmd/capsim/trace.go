package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/scenarios"
)

func init() {
	traceCmd := &cobra.Command{
		Use:   "trace",
		Short: "Traffic traces (JSON Lines: offset_ms, source, size, kind, events, flow)",
	}
	var out string
	var dur time.Duration
	var flows, sets []string
	var seed uint64
	gen := &cobra.Command{
		Use:   "gen SCENARIO",
		Short: "Generate a trace from a scenario's workload (so the model and the load share one definition)",
		Long: `Generate a JSON Lines trace from the scenario's flows at design load: open flows are
Poisson streams at their rate (agent flows: batches from uniformly drawn sources), closed flows
are approximated by population / mean think time. Replay it with a loadtest section
"executor: replay, trace: FILE" (timeScale and sourceScale scale it). The trace is written
as it is generated: memory stays bounded whatever --duration is.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dur <= 0 || dur > loadgen.DefaultMaxDuration {
				return invalid(fmt.Errorf("--duration must be in (0, %v]", loadgen.DefaultMaxDuration))
			}
			sc, err := loadScenario(args[0], scenarios.WithSet(sets...))
			if err != nil {
				return invalid(err)
			}
			if seed == 0 {
				seed = max(sc.Sim.Seed, 1)
			}
			// every error of the input comes before the file is created; the trace is
			// then written as it is generated (memory does not grow with --duration)
			g, err := loadgen.NewTraceGen(sc, flows, dur, seed)
			if err != nil {
				return invalid(err)
			}
			if out == "" || out == "-" {
				_, err := g.WriteTo(cmd.OutOrStdout())
				return err
			}
			f, err := os.Create(out)
			if err != nil {
				return err
			}
			_, err = g.WriteTo(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "capsim trace gen: %d records over %v → %s\n", g.Count(), dur, out)
			return nil
		},
	}
	gen.Flags().StringVarP(&out, "out", "o", "", "output file (default standard output)")
	gen.Flags().DurationVar(&dur, "duration", time.Minute, "length of the trace")
	gen.Flags().StringArrayVar(&flows, "flow", nil, "flows to include (repeatable; default all)")
	gen.Flags().StringArrayVar(&sets, "set", nil, "override a scenario value (repeatable)")
	gen.Flags().Uint64Var(&seed, "seed", 0, "seed of the draws (default: the scenario's sim.seed, else 1)")
	traceCmd.AddCommand(gen)
	rootCmd.AddCommand(traceCmd)
}
