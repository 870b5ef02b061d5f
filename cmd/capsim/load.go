package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
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
	"github.com/capsim/capsim/loadgen/k6ext/k6operator"
	"github.com/capsim/capsim/scenarios"
)

type loadFlags struct {
	target, out, executor, protocol, flow string
	rate                                  float64
	duration                              time.Duration
	vus, batch                            int
	allow, sets                           []string
	maxRequests                           uint64
	quiet, k6                             bool
	lagBudget                             time.Duration
	cluster                               string
	segment, segmentSeq, collectURL       string
	operator, collectorPort               int
	runnerImage, collectorImage, ns       string
}

// k6Runner runs the plan through bin/k6 with the capsim extension (`capsim load --k6`). It is
// set by the k6 integration when that is built in; nil means unavailable.
var k6Runner func(cmd *cobra.Command, sc *scenarios.Scenario, plan *loadgen.Plan, out string) error

// loadOpts holds the flags of `capsim load` (a package variable so tests can reset it).
var loadOpts loadFlags

func init() {
	f := &loadOpts
	cmd := &cobra.Command{
		Use:   "load [SCENARIO]",
		Short: "Drive real load at a target with the Go generator; writes result.json in the model's shape",
		Long: `Run the scenario's loadtest section (or a plain load given by flags) against a real
target with capsim's Go load generator, measuring latency from the intended send time.

Without a scenario, --target and --rate (open, constant-arrival-rate) or --vus (closed,
constant-vus) describe the load. Flags override the scenario's loadtest section.

Only 127.0.0.0/8 and ::1 are allowed as targets unless --allow-host names more (checked on the
address resolved at dial time). Proxy variables are ignored. The first Ctrl-C stops sending,
drains in-flight requests and writes partial results marked aborted; the second exits at once.

VUs whose connection fails reconnect with backoff (50 ms doubling to 1 s). Only a 2xx answer
is a success; a 3xx is a failure and is not followed. Without a threshold on failed requests,
http_req_failed rate<0.01 applies (k6's convention). No hit is sent after --duration, however
far behind the generator is.

Writes DIR/result.json (sim.Result shape: one flow with throughput and latency mean/p50/p95/
p99 in ms; slo_met is false when the P95 target, slo.max_drop_ratio or a threshold fails, or
the run is invalid or aborted) and DIR/load.json (accounting, thresholds, validity). Exit
codes: 0 a valid, complete run whose thresholds passed; 99 a threshold failed; 98 invalid
measurement (the schedule was not kept: the message says whether the generator or the
target's concurrency limit was late); 3 aborted by a limit (--max-requests); 2 invalid input;
1 anything else (an I/O error, stopped by Ctrl-C).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runLoad(cmd, args, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.target, "target", "", "target base URL (http://127.0.0.1:8080) or host:port for gRPC")
	fl.Float64Var(&f.rate, "rate", 0, "arrival rate, requests per second (constant-arrival-rate)")
	fl.DurationVar(&f.duration, "duration", 0, "test duration (default: the scenario's, else 30s)")
	fl.IntVar(&f.vus, "vus", 0, "virtual users (constant-vus; with --rate: the VU pool limit)")
	fl.StringVar(&f.out, "out", "", "output folder (default out/<scenario>-load)")
	fl.StringArrayVar(&f.allow, "allow-host", nil, "also allow this host, IP or CIDR as a target (repeatable)")
	fl.StringVar(&f.executor, "executor", "", "k6 executor: constant-arrival-rate, ramping-arrival-rate, constant-vus, ramping-vus, replay")
	fl.StringVar(&f.protocol, "protocol", "", "http-api, http-ingest, grpc, grpc-upload or grpc-unary")
	fl.StringVar(&f.flow, "flow", "", "scenario flow to drive (default: the loadtest's, else the first)")
	fl.IntVar(&f.batch, "batch", 0, "events per request of agent traffic")
	fl.Uint64Var(&f.maxRequests, "max-requests", 0, "bound on the number of requests (default 50,000,000)")
	fl.StringArrayVar(&f.sets, "set", nil, "override a scenario value (repeatable)")
	fl.DurationVar(&f.lagBudget, "lag-budget", loadgen.DefaultLagBudget, "scheduling-lag p99 above which the run is marked invalid (the generator was the bottleneck)")
	fl.BoolVar(&f.quiet, "quiet", false, "print nothing but errors")
	fl.BoolVar(&f.k6, "k6", false, "write the k6 script for the scenario and run bin/k6 with the capsim extension")
	fl.StringVar(&f.segment, "segment", "", "run only this execution segment of the test: i/n (the i-th of n equal parts, as k6-operator splits) or k6's from:to")
	fl.StringVar(&f.segmentSeq, "segment-sequence", "", "k6's --execution-segment-sequence for a from:to --segment (default: its own boundaries)")
	fl.StringVar(&f.collectURL, "collect", "", "stream per-second histograms to capsim collect at this URL (http://HOST:PORT); thresholds are evaluated there, on the merged data")
	fl.IntVar(&f.operator, "operator", 0, "with --k6: write k6-operator manifests for N runners streaming to capsim collect (into --out), run nothing")
	fl.StringVar(&f.runnerImage, "runner-image", "", "--operator: the k6 runner image (default "+k6operator.DefaultRunnerImage+")")
	fl.StringVar(&f.collectorImage, "collector-image", "", "--operator: the capsim image of the collector (default "+k6operator.DefaultCollectorImage+")")
	fl.IntVar(&f.collectorPort, "collector-port", k6operator.DefaultCollectorPort, "--operator: the collector Service's port")
	fl.StringVar(&f.ns, "namespace", "", "--operator: namespace of the manifests (default: kubectl's)")
	fl.StringVar(&f.cluster, "cluster", "", "target the running miniature of this run (capsim cluster up; \"auto\" = the only run): its entry point for the flow, rates and VUs scaled by the cluster's scale")
	rootCmd.AddCommand(cmd)
}

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
		if !f.k6 {
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
	if f.k6 && (f.segment != "" || f.collectURL != "") {
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
	if f.k6 {
		if k6Runner == nil {
			return invalid(errors.New("--k6: this capsim was built without the k6 integration"))
		}
		sc.LoadTest = &lt // the script follows the flags and --cluster, not only the file
		return k6Runner(cmd, sc, plan, out)
	}
	runID := randomID()
	conns := 100
	if plan.OfferedPerS > 0 {
		conns = max(conns, int(plan.OfferedPerS*2))
	}
	target, err := plan.NewTarget(guard, runID, min(conns, 20000))
	if err != nil {
		return invalid(err)
	}
	if c, ok := target.(io.Closer); ok {
		defer c.Close()
	}

	// First Ctrl-C: stop sending, drain, write partial results. Second: exit at once.
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
	if err := writeLoadResults(out, plan, res, seg); err != nil {
		return err
	}
	if !f.quiet {
		printLoadSummary(stdout, plan, res)
		fmt.Fprintf(stdout, "\n  wrote %s and %s\n", filepath.Join(out, "result.json"), filepath.Join(out, "load.json"))
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

// loadExit is the exit of a finished run: an interrupt (1) or a limit (3) before anything
// else, since a partial run decides nothing; then an invalid measurement (98), whose
// latencies do not describe the target; then failed thresholds (99, as k6).
func loadExit(res *loadgen.Result) error {
	switch {
	case res.Aborted && res.AbortedBy == loadgen.AbortInterrupt:
		return &exitError{code: ExitError, err: errors.New("aborted by interrupt; partial results written")}
	case res.Aborted && res.AbortedBy == loadgen.AbortLimit:
		return &exitError{code: ExitAborted, err: fmt.Errorf("aborted: %s; partial results written", res.AbortReason)}
	case !res.Valid:
		return &exitError{code: ExitMeasurementInvalid, err: fmt.Errorf("invalid measurement: %s", strings.Join(res.Invalid, "; "))}
	case !res.ThresholdsPassed():
		var failed []string
		for _, t := range res.Thresholds {
			if !t.Passed {
				failed = append(failed, fmt.Sprintf("%s %s (value %.4g)", t.Metric, t.Expr, t.Value))
			}
		}
		return &exitError{code: ExitSLOBreached, err: fmt.Errorf("threshold failed: %s", strings.Join(failed, "; "))}
	}
	return nil
}

// collectorStop is the cause of a run stopped by the collector (an abortOnFail threshold failed
// on the merged data).
type collectorStop struct{ reason string }

func (e *collectorStop) Error() string { return "stopped by capsim collect: " + e.reason }

func loadScenarioForLoad(args []string, f *loadFlags) (*scenarios.Scenario, string, error) {
	if len(args) == 0 {
		if f.target == "" {
			return nil, "", errors.New("give a SCENARIO, or --target with --rate or --vus")
		}
		if f.rate <= 0 && f.vus <= 0 {
			return nil, "", errors.New("without a scenario, give --rate (requests/s) or --vus")
		}
		sc := &scenarios.Scenario{Name: "load", Flows: []scenarios.Flow{{Name: "requests", Rate: scenarios.Rate(f.rate), Arrivals: "deterministic"}}}
		if f.rate <= 0 {
			sc.Flows[0] = scenarios.Flow{Name: "requests", Population: f.vus}
		}
		return sc, "", nil
	}
	sc, err := loadScenario(args[0], scenarios.WithSet(f.sets...))
	if err != nil {
		return nil, "", err
	}
	return sc, scenarioDir(args[0]), nil
}

// scenarioDir is the folder a scenario file's relative paths (a trace) are read from: the
// file's folder, "" for a built-in.
func scenarioDir(arg string) string {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		return filepath.Dir(arg)
	}
	return ""
}

func applyLoadFlags(lt *scenarios.LoadTest, f *loadFlags) {
	if f.target != "" {
		lt.Target = f.target
	}
	if f.flow != "" {
		lt.Flow = f.flow
	}
	if f.executor != "" {
		lt.Executor = f.executor
	}
	if f.protocol != "" {
		lt.Protocol = f.protocol
	}
	if f.duration > 0 {
		lt.Duration = scenarios.Duration(f.duration)
	}
	if f.batch > 0 {
		lt.Batch = f.batch
	}
	if f.maxRequests > 0 {
		lt.MaxRequests = f.maxRequests
	}
	if f.rate > 0 {
		lt.Rate, lt.TimeUnit = f.rate, scenarios.Duration(time.Second)
		if f.executor == "" {
			lt.Executor = loadgen.ExecConstantArrivalRate
			lt.Stages = nil
		}
		if f.vus > 0 {
			lt.MaxVUs = f.vus
			lt.PreAllocatedVUs = min(max(lt.PreAllocatedVUs, 1), f.vus)
		}
	} else if f.vus > 0 {
		lt.VUs = f.vus
		if f.executor == "" {
			lt.Executor = loadgen.ExecConstantVUs
			lt.Stages = nil
		}
	}
}

func randomID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func progressLine(s loadgen.Snapshot) string {
	p95 := float64(s.Latency.ValueAtQuantile(95)) / 1000
	line := fmt.Sprintf("ok %d  failed %d  timed out %d  dropped %d  VUs %d  p95 %.1fms", s.OK, s.Failed, s.TimedOut, s.Dropped, s.VUs, p95)
	if s.Rate > 0 {
		line = fmt.Sprintf("rate %.0f/s  ", s.Rate) + line
	}
	return line
}

type loadJSON struct {
	Scenario string                    `json:"scenario"`
	Plan     string                    `json:"plan"`
	Target   string                    `json:"target"`
	Protocol string                    `json:"protocol"`
	Result   *loadgen.Result           `json:"result"`
	Latency  map[string]float64        `json:"latency_ms"`
	Service  map[string]float64        `json:"service_time_ms"`
	SendLag  map[string]float64        `json:"send_lag_ms"`
	Sched    map[string]float64        `json:"sched_lag_ms"`
	Thresh   []loadgen.ThresholdResult `json:"thresholds"`
	ReqCPU   float64                   `json:"requests_per_cpu_second"`
	// Segment is the execution segment of a run with --segment.
	Segment string `json:"segment,omitempty"`
	// Collect is the collector's report (capsim collect).
	Collect *collect.Report `json:"collect,omitempty"`
}

func newLoadJSON(plan *loadgen.Plan, res *loadgen.Result) loadJSON {
	return loadJSON{Scenario: plan.Scenario, Plan: plan.Describe, Target: plan.Target, Protocol: plan.Protocol, Result: res,
		Latency: quantiles(res.Latency), Service: quantiles(res.Service), SendLag: quantiles(res.SendLag), Sched: quantiles(res.SchedLag),
		Thresh: res.Thresholds, ReqCPU: res.RequestsPerCPUSecond()}
}

func quantiles(h interface {
	ValueAtQuantile(float64) int64
	Mean() float64
	Max() int64
}) map[string]float64 {
	m := map[string]float64{"mean": h.Mean() / 1000, "max": float64(h.Max()) / 1000}
	for _, p := range []float64{50, 90, 95, 99, 99.9} {
		m[fmt.Sprintf("p%g", p)] = float64(h.ValueAtQuantile(p)) / 1000
	}
	return m
}

func writeLoadResults(out string, plan *loadgen.Plan, res *loadgen.Result, seg loadgen.Segment) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	sr := plan.ModelResult(res, capsimVersion())
	lj := newLoadJSON(plan, res)
	if !seg.Whole() {
		lj.Segment = seg.String()
		sr.Notes = append(sr.Notes, fmt.Sprintf("execution segment %s of %s: this generator's share of the test only", seg, seg.Sequence()))
	}
	if err := writeJSON(filepath.Join(out, "result.json"), sr); err != nil {
		return err
	}
	return writeJSON(filepath.Join(out, "load.json"), lj)
}

// writeJSON writes v indented, without HTML escaping (thresholds keep their "<").
func writeJSON(path string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return writeFile(path, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err })
}

func printLoadSummary(w io.Writer, plan *loadgen.Plan, r *loadgen.Result) {
	ms := func(us int64) string { return fmt.Sprintf("%.2fms", float64(us)/1000) }
	trend := func(name string, h interface {
		ValueAtQuantile(float64) int64
		Mean() float64
		Min() int64
		Max() int64
		TotalCount() int64
	}) {
		if h.TotalCount() == 0 { // nothing measured (k6 runners send no service time)
			fmt.Fprintf(w, "  %s (not measured)\n", dots(name))
			return
		}
		fmt.Fprintf(w, "  %s avg=%s min=%s med=%s max=%s p(90)=%s p(95)=%s p(99)=%s\n", dots(name),
			fmt.Sprintf("%.2fms", h.Mean()/1000), ms(h.Min()), ms(h.ValueAtQuantile(50)), ms(h.Max()),
			ms(h.ValueAtQuantile(90)), ms(h.ValueAtQuantile(95)), ms(h.ValueAtQuantile(99)))
	}
	secs := r.Duration.Seconds()
	reqs, dur, failed := "http_reqs", "http_req_duration", "http_req_failed"
	if !strings.HasPrefix(plan.Protocol, "http") {
		reqs, dur, failed = "iterations", "capsim_batch_duration", "failed"
	}
	fmt.Fprintf(w, "\n  scenario: %s, flow %s — %s\n  target: %s (%s)\n\n", plan.Scenario, plan.Flow.Name, plan.Describe, plan.Target, plan.Protocol)
	fmt.Fprintf(w, "  %s %d  %.1f/s\n", dots(reqs), r.Completed(), float64(r.Completed())/secs)
	trend(dur, r.Latency)
	fmt.Fprintf(w, "    (from the intended send time; from the actual send:)\n")
	trend("service_time", r.Service)
	trend("send_lag", r.SendLag)
	fail := 0.0
	if c := r.Completed(); c > 0 {
		fail = float64(r.Failed+r.TimedOut) / float64(c) * 100
	}
	fmt.Fprintf(w, "  %s %.2f%%  %d failed, %d timed out\n", dots(failed), fail, r.Failed, r.TimedOut)
	fmt.Fprintf(w, "  %s %d\n", dots("dropped_iterations"), r.Dropped)
	fmt.Fprintf(w, "  %s %d\n", dots("interrupted"), r.Interrupted)
	if r.EventsSent > 0 {
		fmt.Fprintf(w, "  %s %d sent, %d acked  %.0f/s\n", dots("capsim_events"), r.EventsSent, r.EventsAcked, float64(r.EventsSent)/secs)
	}
	fmt.Fprintf(w, "  %s %d\n", dots("vus_max"), r.VUs)
	fmt.Fprintf(w, "  %s scheduled %d = ok %d + failed %d + timed out %d + dropped %d + interrupted %d\n", dots("accounting"),
		r.Scheduled, r.OK, r.Failed, r.TimedOut, r.Dropped, r.Interrupted)
	fmt.Fprintf(w, "  %s CPU %.2fs (%.0f req/CPU-s), scheduling lag p99 %s\n", dots("generator"), r.CPU.Seconds(), r.RequestsPerCPUSecond(), ms(r.SchedLag.ValueAtQuantile(99)))
	if r.Valid {
		fmt.Fprintf(w, "  %s valid: the generator kept its schedule\n", dots("validity"))
	} else {
		fmt.Fprintf(w, "  %s INVALID — %s\n", dots("validity"), strings.Join(r.Invalid, "; "))
	}
	if r.Aborted {
		fmt.Fprintf(w, "  %s ABORTED — %s (partial results)\n", dots("status"), r.AbortReason)
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "\n  errors:\n")
		for msg, n := range r.Errors {
			fmt.Fprintf(w, "    %6d × %s\n", n, msg)
		}
	}
	if len(r.Thresholds) > 0 {
		fmt.Fprintln(w)
	}
	for _, t := range r.Thresholds {
		mark := "✓"
		if !t.Passed {
			mark = "✗"
		}
		fmt.Fprintf(w, "  %s %s %s (value %.4g)\n", mark, t.Metric, t.Expr, t.Value)
	}
}

func dots(name string) string {
	const width = 20
	if len(name) >= width {
		return name + ":"
	}
	return name + strings.Repeat(".", width-len(name)) + ":"
}
