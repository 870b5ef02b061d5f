package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
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

func runCollect(cmd *cobra.Command, args []string, f *collectFlags) error {
	stdout, stderr := io.Writer(termWriter{cmd.OutOrStdout()}), io.Writer(termWriter{cmd.ErrOrStderr()})
	cfg, err := collectConfig(args, f)
	if err != nil {
		return invalid(err)
	}
	out := f.out
	if out == "" {
		out = filepath.Join("out", sanitizeName(cfg.Scenario)+"-collect")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return invalid(err)
	}
	live := !f.quiet && isTerminal(cmd.ErrOrStderr())
	logf := func(format string, a ...any) {
		if f.quiet {
			return
		}
		if live {
			fmt.Fprint(stderr, "\r\033[K")
		}
		fmt.Fprintf(stderr, "capsim collect: "+format+"\n", a...)
	}
	c, err := collect.New(cfg, collect.WithLostAfter(f.lostAfter), collect.WithEvents(func(e collect.Event) { logf("%s", e) }))
	if err != nil {
		return invalid(err)
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return invalid(fmt.Errorf("--listen %s: %w", f.listen, err))
	}
	mux := http.NewServeMux()
	mux.Handle("/", c.Handler())
	mux.HandleFunc("GET /v1/results/{file}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		if name != "result.json" && name != "load.json" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, filepath.Join(out, name)) // 404 until the collection has ended
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	expect := "any number of runners"
	if cfg.Runners > 0 {
		expect = fmt.Sprintf("%d runners", cfg.Runners)
	}
	logf("listening on http://%s%s for %s; %d threshold(s) on the merged data", ln.Addr(), collect.PathBatches, expect, len(cfg.Thresholds))

	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	deadline := time.NewTimer(f.timeout)
	defer deadline.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var ended string
	for ended == "" {
		select {
		case <-tick.C:
			if c.Check() {
				ended = "done"
			} else if live {
				fmt.Fprintf(stderr, "\r\033[K%s", collectProgress(c.Status()))
			}
		case <-sig:
			ended = "interrupted"
		case <-deadline.C:
			ended = "timeout"
		case <-ctx.Done():
			ended = "interrupted"
		}
	}
	if live {
		fmt.Fprint(stderr, "\r\033[K")
	}
	// A second Ctrl-C while the results are written exits at once.
	go func() {
		if ended == "interrupted" {
			<-sig
			fmt.Fprintln(stderr, "capsim collect: interrupted")
			os.Exit(ExitInterrupted)
		}
	}()
	plan, res, rep := cfg.Plan(), c.Result(), c.Report()
	if plan.Protocol == "" { // flags only: name the latency as the runners did
		if _, ok := rep.Series[collect.MetricLatency]; ok {
			plan.Protocol = "http"
		}
	}
	switch ended {
	case "interrupted":
		res.Aborted, res.AbortReason = true, joinNonEmpty(res.AbortReason, "collection interrupted before every runner finished")
	case "timeout":
		res.Aborted, res.AbortReason = true, joinNonEmpty(res.AbortReason, fmt.Sprintf("collection timed out after %v", f.timeout))
	}
	if err := writeCollectResults(out, plan, res, &rep); err != nil {
		return err
	}
	if !f.quiet {
		printLoadSummary(stdout, plan, res)
		printRunners(stdout, rep)
		fmt.Fprintf(stdout, "\n  wrote %s and %s\n", filepath.Join(out, "result.json"), filepath.Join(out, "load.json"))
	}
	if f.linger && ended != "interrupted" {
		logf("results written; serving http://%s%s until terminated", ln.Addr(), collect.PathStatus)
		select {
		case <-sig:
		case <-ctx.Done():
		}
	}
	lost := 0
	for _, r := range rep.Runners {
		if r.State == "lost" {
			lost++
		}
	}
	switch {
	case !res.ThresholdsPassed():
		return &exitError{code: ExitSLOBreached}
	case ended != "done":
		return &exitError{code: ExitError, err: fmt.Errorf("collection %s; partial results written", ended)}
	case lost > 0:
		return &exitError{code: ExitError, err: fmt.Errorf("%d runner(s) lost; the result misses their share", lost)}
	case len(rep.Runners) == 0:
		return &exitError{code: ExitError, err: errors.New("no runner sent data")}
	}
	return nil
}

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func collectProgress(s collect.Status) string {
	var running, silent, finished, lost int
	for _, r := range s.Runners {
		switch r.State {
		case "running":
			running++
		case "silent":
			silent++
		case "finished":
			finished++
		case "lost":
			lost++
		}
	}
	line := fmt.Sprintf("%6.0fs  runners: %d running, %d finished", s.ElapsedS, running, finished)
	if silent+lost > 0 {
		line += fmt.Sprintf(", %d silent, %d LOST", silent, lost)
	}
	line += fmt.Sprintf("  ok %d failed %d dropped %d", s.Counts.OK, s.Counts.Failed+s.Counts.TimedOut, s.Counts.Dropped)
	for _, t := range s.Thresholds {
		if !t.Passed {
			line += fmt.Sprintf("  ✗ %s %s", t.Metric, t.Expr)
		}
	}
	return line
}

func printRunners(w io.Writer, rep collect.Report) {
	fmt.Fprintf(w, "\n  runners (segments cover %.4g of the test; %d batches, %d duplicates, %d late):\n", rep.Coverage, rep.Batches, rep.Duplicates, rep.Late)
	for _, r := range rep.Runners {
		fmt.Fprintf(w, "    %-10s %-9s %s  %d batches, seconds %d…%d, last seen %s\n", r.Segment, r.State, r.ID, r.Batches,
			r.FirstSecond, r.LastSecond, r.LastSeen.UTC().Format(time.TimeOnly))
	}
	for _, wr := range rep.Warnings {
		fmt.Fprintf(w, "    WARNING: %s\n", wr)
	}
}

// writeCollectResults writes result.json and load.json the way capsim load does, plus the
// collector's report in load.json.
func writeCollectResults(out string, plan *loadgen.Plan, res *loadgen.Result, rep *collect.Report) error {
	sr := plan.ModelResult(res, capsimVersion())
	segs := make([]string, 0, len(rep.Runners))
	for _, r := range rep.Runners {
		segs = append(segs, r.Segment+" "+r.State)
	}
	sr.Notes = append(sr.Notes, fmt.Sprintf("merged by capsim collect from %d runner(s): %s", len(rep.Runners), strings.Join(segs, ", ")))
	if err := writeJSON(filepath.Join(out, "result.json"), sr); err != nil {
		return err
	}
	lj := newLoadJSON(plan, res)
	lj.Collect = rep
	return writeJSON(filepath.Join(out, "load.json"), lj)
}
