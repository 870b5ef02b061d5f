package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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

func runLoad(cmd *cobra.Command, args []string, f *loadFlags) error {
	stdout, stderr := io.Writer(termWriter{cmd.OutOrStdout()}), io.Writer(termWriter{cmd.ErrOrStderr()})
	sc, baseDir, err := loadScenarioForLoad(args, f)
	if err != nil {
		var list scenarios.ErrorList
		if errors.As(err, &list) {
			err = errors.New(list.VerboseN(maxListedProblems))
		}
		return invalid(err)
	}
	lt := scenarios.LoadTest{}
	if sc.LoadTest != nil {
		lt = *sc.LoadTest
	}
	applyLoadFlags(&lt, f)
	if f.cluster != "" {
		note, err := targetCluster(cmd.Context(), sc, &lt, f)
		if err != nil {
			return err
		}
		if !f.quiet {
			fmt.Fprintln(stderr, "capsim load:", note)
		}
	}
	plan, err := loadgen.NewPlan(sc, &lt, baseDir)
	if err != nil {
		return invalid(err)
	}
	if plan.Target == "" {
		return invalid(errors.New("no target: set loadtest.target in the scenario or pass --target"))
	}
	if f.operator != 0 {
		if f.k6 == "" {
			return invalid(errors.New("--operator writes k6-operator manifests: give --k6 too"))
		}
		if f.segment != "" || f.collectURL != "" {
			return invalid(errors.New("--operator: the operator gives each runner its segment and the manifests point them at the collector; drop --segment and --collect"))
		}
		sc.LoadTest = &lt
		return writeOperator(cmd, sc, plan, f)
	}
	seg, err := loadgen.ParseSegment(f.segment, f.segmentSeq)
	if err != nil {
		return invalid(err)
	}
	if f.k6 != "" && (f.segment != "" || f.collectURL != "") {
		return invalid(errors.New("--segment and --collect drive the Go generator; k6 takes --execution-segment and --out capsim=URL"))
	}
	var collector *collect.Client
	if f.collectURL != "" {
		if collector, err = collect.NewClient(f.collectURL); err != nil {
			return invalid(err)
		}
		pctx, pcancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = collector.Ping(pctx)
		pcancel()
		if err != nil {
			return err
		}
	}
	guard, err := loadgen.NewGuard(f.allow...)
	if err != nil {
		return invalid(err)
	}
	parent := cmd.Context()
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancelCause := context.WithCancelCause(parent)
	cancel := func() { cancelCause(nil) }
	defer cancel()
	if err := guard.CheckTarget(ctx, plan.Target); err != nil {
		return invalid(err)
	}
	out := f.out
	if out == "" {
		out = filepath.Join("out", sanitizeName(sc.Name)+"-load")
	}
	if f.k6 != "" && k6Runner == nil {
		return invalid(errors.New("--k6: this capsim was built without the k6 integration"))
	}
	var target loadgen.Target
	runID := randomID()
	if f.k6 == "" {
		conns := 100
		if plan.OfferedPerS > 0 {
			conns = max(conns, int(plan.OfferedPerS*2))
		}
		if target, err = plan.NewTarget(guard, runID, min(conns, 20000)); err != nil {
			return invalid(err)
		}
		if c, ok := target.(io.Closer); ok {
			defer c.Close()
		}
	}

	// First Ctrl-C: stop sending (k6: stop k6), drain, write partial results. Second: exit at
	// once.
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		select {
		case <-sig:
		case <-ctx.Done():
			return
		}
		fmt.Fprintln(stderr, "\ncapsim load: stopping — draining in-flight requests (Ctrl-C again to quit now)")
		cancel()
		<-sig
		fmt.Fprintln(stderr, "capsim load: interrupted")
		os.Exit(130)
	}()

	if f.k6 != "" {
		sc.LoadTest = &lt // the script follows the flags and --cluster, not only the file
		if !f.quiet {
			fmt.Fprintf(stderr, "capsim load: %s → %s (%s), with k6 (%s)\n", plan.Describe, plan.Target, plan.Protocol, f.k6)
		}
		res, err := k6Runner(ctx, cmd, sc, plan, out, f.k6, f.quiet)
		if err != nil {
			return err
		}
		if err := reportLoad(stdout, out, plan, res, seg, f.quiet); err != nil {
			return err
		}
		return loadExit(res)
	}

	if f.lagBudget < 0 {
		return invalid(fmt.Errorf("--lag-budget must be > 0, got %v", f.lagBudget))
	}
	if f.lagBudget == 0 {
		f.lagBudget = loadgen.DefaultLagBudget
	}
	opts := []loadgen.Option{loadgen.WithLagBudget(f.lagBudget), loadgen.WithSegment(seg)}
	if collector == nil {
		opts = append(opts, loadgen.WithThresholds(plan.Thresholds...))
	}
	if plan.Timeout > 0 {
		opts = append(opts, loadgen.WithTimeout(plan.Timeout))
	}
	if plan.MaxRequests > 0 {
		opts = append(opts, loadgen.WithMaxRequests(plan.MaxRequests))
	}
	live := !f.quiet && isTerminal(cmd.ErrOrStderr())
	var progress []func(loadgen.Snapshot)
	if live {
		progress = append(progress, func(s loadgen.Snapshot) {
			fmt.Fprintf(stderr, "\r\033[K%6.1fs  %s", s.Elapsed.Seconds(), progressLine(s))
		})
	}
	var streamer *collect.Streamer
	if collector != nil {
		latency := collect.MetricLatency
		if !strings.HasPrefix(plan.Protocol, "http") || plan.Protocol == loadgen.ProtoHTTPIngest {
			latency = collect.MetricBatchLat
		}
		streamer = collect.NewStreamer(collector, collect.RunnerID("go"), seg, latency, func(reason string) {
			cancelCause(&collectorStop{reason})
		})
		progress = append(progress, streamer.Progress)
	}
	if len(progress) > 0 {
		opts = append(opts, loadgen.WithProgress(func(s loadgen.Snapshot) {
			for _, p := range progress {
				p(s)
			}
		}, time.Second))
	}
	if !f.quiet {
		where := ""
		if !seg.Whole() {
			where = fmt.Sprintf(", segment %s of %s", seg, seg.Sequence())
		}
		if collector != nil {
			where += ", streaming to " + f.collectURL
		}
		fmt.Fprintf(stderr, "capsim load: %s → %s (%s), run %s%s\n", plan.Describe, plan.Target, plan.Protocol, runID, where)
	}
	res, err := plan.Executor.Run(ctx, target, opts...)
	if live {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	var streamErr error
	if streamer != nil {
		fctx, fcancel := context.WithTimeout(context.Background(), 30*time.Second)
		streamErr = streamer.Finish(fctx, res)
		fcancel()
	}
	if err := reportLoad(stdout, out, plan, res, seg, f.quiet); err != nil {
		return err
	}
	var stop *collectorStop
	switch {
	case errors.As(context.Cause(ctx), &stop):
		return &exitError{code: ExitSLOBreached, err: stop}
	case streamErr != nil && !(res.Aborted && res.AbortedBy == loadgen.AbortInterrupt):
		return &exitError{code: ExitError, err: streamErr}
	}
	return loadExit(res)
}

// reportLoad writes a run's result.json and load.json and prints its summary (unless quiet):
// the end of every `capsim load`, with the Go generator or k6, before its exit (loadExit).
func reportLoad(stdout io.Writer, out string, plan *loadgen.Plan, res *loadgen.Result, seg loadgen.Segment, quiet bool) error {
	if err := writeLoadResults(out, plan, res, seg); err != nil {
		return err
	}
	if !quiet {
		printLoadSummary(stdout, plan, res)
		fmt.Fprintf(stdout, "\n  wrote %s and %s\n", filepath.Join(out, "result.json"), filepath.Join(out, "load.json"))
	}
	return nil
}
