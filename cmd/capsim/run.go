package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/reports"
	"github.com/capsim/capsim/scenarios"
	"github.com/capsim/capsim/sim"
)

type runFlags struct {
	out          string
	seed         uint64
	replications int
	precision    float64
	sets         []string
	load         float64
	json         bool
	quiet        bool
	analytic     bool
	noSweep      bool
	noAdvice     bool
	nMinus1      bool
	duration     time.Duration
	warmup       time.Duration
	timeout      time.Duration
	cluster      bool
	clusterScale float64
	clusterCPUs  int
	// given lists the flags set on the command line (a value equal to the default included)
	given map[string]bool
}

func init() {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run FILE...",
		Short: "Simulate scenarios: saturation point, bottleneck, headroom, advice; writes report.html and result.json",
		Long: `Simulate each scenario (a path, or a built-in name such as "medium" or "examples/mm1")
at design load, sweep the load variable to the saturation point, name the bottleneck and
re-simulate "+1 node / +1 replica" of it. Writes DIR/report.html and DIR/result.json
(default DIR: out/<scenario name>, or out/<scenario name>+<overrides> for a what-if); with
several files also a comparison report (DIR/comparison/report.html, default out/comparison).

Exit codes: 0 every scenario meets its SLO at design load; 99 it ran but for at least one an
SLO criterion fails at design load or its capacity (performance and storage) is below it;
2 invalid input (nothing simulated); 3 aborted by a limit (--timeout, the event limit);
130 interrupted; 1 anything else (an I/O error, a crash).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.given = map[string]bool{}
			for _, name := range []string{"seed", "replications", "precision", "duration", "warmup", "load", "timeout", "cluster-scale", "cluster-cpus"} {
				f.given[name] = cmd.Flags().Changed(name)
			}
			return runRun(cmd, args, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "output folder (default out/<scenario name>; with several files the parent of one folder per scenario, default out)")
	fl.Uint64Var(&f.seed, "seed", 0, "seed of every random stream (default: the scenario's sim.seed, else 1)")
	fl.IntVar(&f.replications, "replications", 0, "independent replications per load, a fixed count (default: the scenario's sim.replications, else added at design load until --precision is reached)")
	fl.Float64Var(&f.precision, "precision", 0, "relative half-width wanted of the 95 % interval of every flow's mean and P95 at design load, e.g. 0.05 = ±5 % (default: the scenario's sim.precision, else 0.05)")
	fl.StringArrayVar(&f.sets, "set", nil, "override a scenario value, e.g. --set load.design=8000 --set nodes.search-1.cores=64 (repeatable)")
	fl.Float64Var(&f.load, "load", 0, "design load to evaluate, in the scenario's load unit: a shortcut for --set load.design=N (flows given per load unit scale with it)")
	fl.BoolVar(&f.json, "json", false, "print result.json to standard output instead of the summary")
	fl.BoolVar(&f.quiet, "quiet", false, "print nothing but errors")
	fl.BoolVar(&f.analytic, "analytic", false, "show closed-form / operational-analysis means beside simulated ones")
	fl.BoolVar(&f.noSweep, "no-sweep", false, "simulate the design load only (no saturation search, no advice)")
	fl.BoolVar(&f.noAdvice, "no-advice", false, "skip the +1 node / +1 replica re-simulation")
	fl.BoolVar(&f.nMinus1, "n-1", false, "take each node down in turn at design load: does the tier survive the loss of any one node, at what fraction of its design load")
	fl.DurationVar(&f.duration, "duration", 0, "measured simulated time per replication (default: the scenario's sim.duration, else 60s)")
	fl.DurationVar(&f.warmup, "warmup", 0, "fixed warm-up discarded per replication (default: sim.warmup, else detected by MSER-5)")
	fl.DurationVar(&f.timeout, "timeout", DefaultRunTimeout, "wall-time limit of the whole command; reaching it stops the run (exit 3)")
	fl.BoolVar(&f.cluster, "cluster", false, "predict for the containerized miniature `capsim cluster up` starts, at the scenario's cluster.scale (else the scale cluster up picks)")
	fl.Float64Var(&f.clusterScale, "cluster-scale", 0, "predict for the miniature at this scale in (0, 1]: node CPUs become CFS quotas of cores × S, the load × S (implies --cluster)")
	fl.IntVar(&f.clusterCPUs, "cluster-cpus", 1, "physical CPUs the miniature's containers are pinned to (with --cluster)")
	rootCmd.AddCommand(cmd)
}

// DefaultRunTimeout is the default wall-time limit of `capsim run` (--timeout).
const DefaultRunTimeout = time.Hour

func runRun(cmd *cobra.Command, args []string, f *runFlags) error {
	stdout, stderr := io.Writer(termWriter{cmd.OutOrStdout()}), cmd.ErrOrStderr()
	// validate every file before running any: bad input loses nothing and runs nothing
	var scs []*scenarios.Scenario
	var files []string
	if err := f.check(); err != nil {
		return invalid(err)
	}
	var bad []string
	sets := f.sets
	if f.given["load"] || f.load != 0 {
		if !(f.load > 0) || math.IsInf(f.load, 0) {
			return invalid(fmt.Errorf("--load must be a positive number of load units, got %v", f.load))
		}
		sets = append([]string{"load.design=" + yamlFloat(f.load)}, sets...)
	}
	for _, a := range args {
		s, err := loadScenario(a, scenarios.WithSet(sets...))
		if err != nil {
			var list scenarios.ErrorList
			if errors.As(err, &list) {
				bad = append(bad, list.VerboseN(maxListedProblems))
			} else {
				bad = append(bad, fmt.Sprintf("%s: %v", a, err))
			}
			continue
		}
		if f.cluster || f.clusterScale != 0 || f.given["cluster-cpus"] {
			if s, err = miniature(s, f); err != nil {
				bad = append(bad, fmt.Sprintf("%s: %v", a, err))
				continue
			}
		}
		scs = append(scs, s)
		files = append(files, a)
	}
	if len(bad) > 0 {
		return invalid(fmt.Errorf("invalid input, nothing ran:\n%s", strings.Join(bad, "\n")))
	}
	if f.analytic {
		for i, s := range scs {
			m, err := sim.Compile(s)
			if err == nil {
				err = m.CheckAnalytic()
			}
			if err != nil {
				return invalid(fmt.Errorf("%s: --analytic: %w", files[i], err))
			}
		}
	}
	names := map[string]bool{}
	for _, s := range scs {
		fn := folderName(s.Name, runTags(s))
		if names[fn] && len(scs) > 1 {
			return invalid(fmt.Errorf("two scenarios are named %q; their outputs would overwrite each other", s.Name))
		}
		names[fn] = true
	}
	// every output folder is checked (created, writable) before anything is simulated
	dirs := make([]string, len(scs))
	for i, s := range scs {
		dirs[i] = outDir(f.out, s.Name, runTags(s), len(scs))
	}
	compDir := filepath.Join(orStr(f.out, "out"), folderName("comparison", sets))
	check := dirs
	if len(scs) > 1 {
		check = append(append([]string(nil), dirs...), compDir)
	}
	for _, d := range check {
		if err := checkOutDir(d); err != nil {
			return invalid(err)
		}
	}

	// the wall-time limit and Ctrl-C stop the simulation, not only the process
	ctx, stop := signal.NotifyContext(orContext(cmd.Context()), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cancel := context.CancelFunc(func() {})
	if f.timeout > 0 {
		ctx, cancel = context.WithTimeoutCause(ctx, f.timeout, fmt.Errorf("the wall-time limit --timeout %v was reached", f.timeout))
	}
	defer cancel()

	showProgress := !f.quiet && !f.json && isTerminal(stderr)
	var results []*sim.Result
	breached := false
	for i, s := range scs {
		start := time.Now()
		res, err := simulate(ctx, s, files[i], f, stderr, showProgress)
		if err != nil {
			return err
		}
		results = append(results, res)
		dir := dirs[i]
		if err := writeOutputs(dir, res); err != nil {
			return err
		}
		if !res.SLOMet {
			breached = true
		}
		switch {
		case f.json:
			if err := reports.WriteJSON(stdout, res); err != nil {
				return err
			}
		case !f.quiet:
			o := reports.TextOptions{Report: filepath.Join(dir, "report.html"), Took: time.Since(start)}
			if err := reports.WriteText(stdout, res, o); err != nil {
				return err
			}
		}
	}
	if len(results) > 1 {
		dir := compDir
		if err := writeComparison(dir, results); err != nil {
			return err
		}
		if !f.quiet && !f.json {
			if err := reports.WriteComparisonText(stdout, results, filepath.Join(dir, "report.html")); err != nil {
				return err
			}
		}
	}
	if breached {
		return &exitError{code: ExitSLOBreached}
	}
	return nil
}
