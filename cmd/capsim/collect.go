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
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/loadgen/collect"
)

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
