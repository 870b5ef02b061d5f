package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/loadgen/collect"
)

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
	k6 := r.Generator != ""
	fmt.Fprintf(w, "  %s %d  %.1f/s\n", dots(reqs), r.Completed(), float64(r.Completed())/secs)
	trend(dur, r.Latency)
	if k6 {
		fmt.Fprintf(w, "    (from the actual send, as k6 measures it)\n")
	} else {
		fmt.Fprintf(w, "    (from the intended send time; from the actual send:)\n")
		trend("service_time", r.Service)
		trend("send_lag", r.SendLag)
	}
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
	if k6 {
		fmt.Fprintf(w, "  %s %s\n", dots("generator"), r.Generator)
	} else {
		fmt.Fprintf(w, "  %s CPU %.2fs (%.0f req/CPU-s), scheduling lag p99 %s\n", dots("generator"), r.CPU.Seconds(), r.RequestsPerCPUSecond(), ms(r.SchedLag.ValueAtQuantile(99)))
	}
	switch {
	case r.Valid && k6:
		fmt.Fprintf(w, "  %s valid: k6 dropped no iteration\n", dots("validity"))
	case r.Valid:
		fmt.Fprintf(w, "  %s valid: the generator kept its schedule\n", dots("validity"))
	default:
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
