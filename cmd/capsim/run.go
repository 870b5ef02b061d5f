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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

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
			if err := sim.CheckAnalytic(s); err != nil {
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
		nOpts := append([]sim.Option(nil), opts...) // N-1 runs without the progress bar
		var bar *progressbar.ProgressBar
		if showProgress {
			bar = progressbar.NewOptions(-1,
				progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription(fmt.Sprintf("%s: simulating", s.Name)),
				progressbar.OptionShowCount(),
				progressbar.OptionSetElapsedTime(true),
				progressbar.OptionClearOnFinish(),
			)
			opts = append(opts, sim.WithProgress(func(done, total int) {
				bar.ChangeMax(total)
				_ = bar.Set(done)
			}))
		}
		start := time.Now()
		res, err := sim.Run(s, opts...)
		if bar != nil {
			_ = bar.Finish()
		}
		if err != nil {
			return runError(files[i], err)
		}
		res.File = files[i]
		res.Settings.Version, res.Settings.ScenarioSHA256 = capsimVersion(), s.SHA256()
		// N-1 on request, and for failure files with node failures (their degraded capacity)
		nodeFailure := false
		for _, fr := range s.Failures {
			if fr.Node != "" {
				nodeFailure = true
			}
		}
		if f.nMinus1 || nodeFailure {
			rows, err := sim.NMinus1(s, nOpts...)
			if errors.Is(err, sim.ErrNoNodes) {
				return invalid(fmt.Errorf("%s: --n-1 needs a deployment with nodes: %w", files[i], err))
			}
			if err != nil {
				return runError(files[i]+": N-1 analysis", err)
			}
			res.SetNMinus1(rows)
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

// check rejects flag values that are not a run: every problem at once. A flag given with its
// "unset" value (--seed 0, --duration 0s) is an error, never silently the default.
func (f *runFlags) check() error {
	var errs []error
	given := func(name string) bool { return f.given[name] }
	if given("seed") && f.seed == 0 {
		errs = append(errs, errors.New("--seed must be ≥ 1 (0 is not a seed; leave the flag out for the scenario's sim.seed)"))
	}
	if (given("replications") || f.replications != 0) && (f.replications < 1 || f.replications > scenarios.MaxReplications) {
		errs = append(errs, fmt.Errorf("--replications must be in [1, %d], got %d", scenarios.MaxReplications, f.replications))
	}
	if (given("precision") || f.precision != 0) && !(f.precision > 0 && f.precision < 1) {
		errs = append(errs, fmt.Errorf("--precision must be a fraction in (0, 1) (0.05 = ±5 %%), got %v", f.precision))
	}
	maxDur := time.Duration(scenarios.MaxSimDuration)
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"duration", f.duration}, {"warmup", f.warmup}} {
		if !given(d.name) && d.v == 0 {
			continue
		}
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("--%s must be > 0, got %v", d.name, d.v))
		} else if d.v > maxDur {
			errs = append(errs, fmt.Errorf("--%s %v is longer than %v of simulated time per replication", d.name, d.v, maxDur))
		}
	}
	if given("timeout") && f.timeout <= 0 {
		errs = append(errs, fmt.Errorf("--timeout must be > 0, got %v", f.timeout))
	}
	if given("load") && !(f.load > 0 && f.load <= scenarios.MaxLoad) {
		errs = append(errs, fmt.Errorf("--load must be in (0, %g] load units, got %v", scenarios.MaxLoad, f.load))
	}
	if (given("cluster-scale") || f.clusterScale != 0) && !(f.clusterScale > 0 && f.clusterScale <= 1) {
		errs = append(errs, fmt.Errorf("--cluster-scale must be in (0, 1], got %v", f.clusterScale))
	}
	if (given("cluster-cpus") || f.clusterCPUs != 0) && f.clusterCPUs < 1 {
		errs = append(errs, fmt.Errorf("--cluster-cpus must be ≥ 1, got %d", f.clusterCPUs))
	}
	return errors.Join(errs...)
}

// miniature is the scenario of the containerized miniature (--cluster, --cluster-scale): at
// --cluster-scale, else the file's cluster.scale, else the scale `capsim cluster up` picks.
func miniature(s *scenarios.Scenario, f *runFlags) (*scenarios.Scenario, error) {
	cpus := max(1, f.clusterCPUs)
	scale := f.clusterScale
	if scale == 0 && s.Cluster != nil {
		scale = s.Cluster.Scale
	}
	if scale == 0 {
		scale = s.DefaultClusterScale(float64(cpus))
	}
	return s.Miniature(scale, cpus)
}

// runTags names what a run changed against the file, for its default output folder: the
// overrides, then the miniature's scale (and pinned CPUs when not 1).
func runTags(s *scenarios.Scenario) []string {
	mo := s.MiniatureOf
	if mo == nil {
		return s.Overrides
	}
	tags := append(append([]string(nil), s.Overrides...), "cluster-scale="+yamlFloat(mo.Scale))
	if mo.PinnedCPUs != 1 {
		tags = append(tags, fmt.Sprintf("cluster-cpus=%d", mo.PinnedCPUs))
	}
	return tags
}

// runError maps an error of the simulation to an exit code: stopped by an interrupt (130), by
// a limit (--timeout, the event limit: 3), a model that cannot be built (invalid input, 2).
func runError(what string, err error) error {
	switch {
	case errors.Is(err, context.Canceled) && errors.Is(err, sim.ErrAborted):
		return &exitError{code: ExitInterrupted, err: fmt.Errorf("%s: interrupted; nothing written for it", what)}
	case errors.Is(err, sim.ErrAborted), errors.Is(err, sim.ErrLimit):
		return &exitError{code: ExitAborted, err: fmt.Errorf("%s: run aborted: %w", what, err)}
	case errors.Is(err, sim.ErrModel), errors.Is(err, sim.ErrNoNodes):
		return invalid(fmt.Errorf("%s: %w", what, err))
	}
	return fmt.Errorf("%s: %w", what, err)
}

func orContext(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// checkOutDir creates dir if needed and checks that it is a folder capsim can write into.
func checkOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output folder %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".capsim-check-*")
	if err != nil {
		return fmt.Errorf("output folder %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("output folder %s: %w", dir, err)
	}
	return nil
}

// yamlFloat writes x so that YAML reads it back as a number ("1.0e+308", not the string
// "1e+308").
func yamlFloat(x float64) string {
	s := strconv.FormatFloat(x, 'g', -1, 64)
	if i := strings.IndexByte(s, 'e'); i >= 0 && !strings.Contains(s[:i], ".") {
		s = s[:i] + ".0" + s[i:]
	}
	return s
}

func orDur(d scenarios.Duration, def time.Duration) time.Duration {
	if d > 0 {
		return time.Duration(d)
	}
	return def
}

func orStr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// outDir is the output folder of one scenario: --out itself for one file, else
// (--out or "out")/<folder name>. The folder name is the scenario name followed by its
// overrides, so a what-if run never overwrites the baseline's folder.
func outDir(out, name string, overrides []string, n int) string {
	if out == "" {
		return filepath.Join("out", folderName(name, overrides))
	}
	if n > 1 {
		return filepath.Join(out, folderName(name, overrides))
	}
	return out
}

func writeOutputs(dir string, res *sim.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	if err := writeFile(filepath.Join(dir, "result.json"), func(w io.Writer) error { return reports.WriteJSON(w, res) }); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "report.html"), func(w io.Writer) error { return reports.WriteHTML(w, []*sim.Result{res}) })
}

func writeComparison(dir string, rs []*sim.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	if err := writeFile(filepath.Join(dir, "comparison.json"), func(w io.Writer) error { return reports.WriteComparisonJSON(w, rs) }); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "report.html"), func(w io.Writer) error { return reports.WriteHTML(w, rs) })
}
