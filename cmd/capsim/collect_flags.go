package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/loadgen/collect"
	"github.com/capsim/capsim/scenarios"
)

type collectFlags struct {
	listen, config, out, flow string
	thresholds, sets          []string
	runners                   int
	lostAfter, timeout        time.Duration
	linger, quiet             bool
}

// collectOpts holds the flags of `capsim collect` (a package variable so tests can reset it).
var collectOpts collectFlags

func init() {
	f := &collectOpts
	cmd := &cobra.Command{
		Use:   "collect [SCENARIO]",
		Short: "Receive per-second HDR histograms from many load generators and merge them exactly while the test runs",
		Long: `Listen for runners — k6 processes run with --out capsim=http://HOST:PORT (k6-operator
TestRuns, see capsim load --k6 --operator) or capsim load --collect http://HOST:PORT --segment i/n —
and merge their per-second HDR histograms and counters exactly, by second and by tag. The
scenario's loadtest thresholds (or --threshold, k6 syntax) are evaluated on the merged data as it
arrives: when one with abortOnFail fails, every runner is answered with a stop. A batch received
twice is counted once. A runner silent for --lost-after is reported lost with its segment.

The collection ends when every runner has sent its last batch or is lost, and --runners have
(without --runners: when their segments cover the whole test), or on Ctrl-C (partial results),
or at --timeout. Writes DIR/result.json and DIR/load.json as capsim
load does (load.json adds "collect": runners, coverage of the segments, duplicates, per-second
series). With --linger it keeps serving GET /v1/status and the two files
(GET /v1/results/result.json, /v1/results/load.json) afterwards, as in a Deployment.

Exit codes: 0 every threshold passed; 99 a threshold failed on the merged data; 1 interrupted,
timed out, or a runner was lost (results written); 2 invalid input.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runCollect(cmd, args, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:7070", "address to listen on (runners POST to http://ADDR/v1/batches)")
	fl.StringVar(&f.config, "config", "", "collector config (JSON: thresholds, expected runners, the plan's description), as capsim load --operator writes it")
	fl.StringArrayVar(&f.thresholds, "threshold", nil, "k6 threshold METRIC=EXPR[,abortOnFail][,delayAbortEval=DUR], e.g. 'http_req_duration=p(95)<500' (repeatable)")
	fl.IntVar(&f.runners, "runners", 0, "number of runners to wait for (default: the config's, else until the finished runners' segments cover the whole test)")
	fl.StringVar(&f.out, "out", "", "output folder (default out/<scenario>-collect)")
	fl.DurationVar(&f.lostAfter, "lost-after", collect.DefaultLostAfter, "a runner silent this long (before its last batch) is reported lost")
	fl.DurationVar(&f.timeout, "timeout", 24*time.Hour, "end the collection after this long")
	fl.BoolVar(&f.linger, "linger", false, "after writing the results, keep serving /v1/status until terminated")
	fl.BoolVar(&f.quiet, "quiet", false, "print nothing but errors")
	fl.StringVar(&f.flow, "flow", "", "scenario flow (default: the loadtest's, else the first)")
	fl.StringArrayVar(&f.sets, "set", nil, "override a scenario value (repeatable)")
	rootCmd.AddCommand(cmd)
}

func collectConfig(args []string, f *collectFlags) (collect.Config, error) {
	var cfg collect.Config
	switch {
	case len(args) == 1 && f.config != "":
		return cfg, errors.New("give a SCENARIO or --config, not both")
	case len(args) == 1:
		sc, err := scenarios.LoadFile(args[0], scenarios.WithSet(f.sets...))
		if err != nil {
			return cfg, err
		}
		lt := scenarios.LoadTest{}
		if sc.LoadTest != nil {
			lt = *sc.LoadTest
		}
		if f.flow != "" {
			lt.Flow = f.flow
		}
		base := ""
		if st, err := os.Stat(args[0]); err == nil && !st.IsDir() {
			base = filepath.Dir(args[0])
		}
		plan, err := loadgen.NewPlan(sc, &lt, base)
		if err != nil {
			return cfg, err
		}
		cfg = collect.ConfigFromPlan(plan)
	case f.config != "":
		b, err := os.ReadFile(f.config)
		if err != nil {
			return cfg, err
		}
		if cfg, err = collect.ReadConfig(b); err != nil {
			return cfg, err
		}
	}
	var errs []error
	for _, s := range f.thresholds {
		spec, err := collect.ParseThresholdFlag(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cfg.Thresholds = append(cfg.Thresholds, spec)
	}
	if f.runners < 0 {
		errs = append(errs, fmt.Errorf("--runners %d must be ≥ 0", f.runners))
	}
	if f.runners > 0 {
		cfg.Runners = f.runners
	}
	if f.lostAfter <= 0 || f.timeout <= 0 {
		errs = append(errs, errors.New("--lost-after and --timeout must be > 0"))
	}
	if cfg.Scenario == "" {
		cfg.Scenario = "collect"
	}
	_, err := cfg.ParsedThresholds()
	return cfg, errors.Join(append(errs, err)...)
}
