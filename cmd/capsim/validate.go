package main

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/fixtures/images"
	"github.com/capsim/capsim/fixtures/validate"
	"github.com/capsim/capsim/loadgen/k6ext/k6script"
	"github.com/capsim/capsim/reports"
	"github.com/capsim/capsim/sim"
)

type validateFlags struct {
	cluster, flow, out, cpuset string
	loads                      string
	step, warmup               time.Duration
	scale, calibrateAt         float64
	sets                       []string
	calibrateOn, checkOn       []string
	replications               int
	retries, bisections        int
	// failure twins (--failures)
	failures bool
	only     []string
	after    time.Duration
	repeat   int
	calTwins bool
	k6       string
}

func init() {
	var f validateFlags
	cmd := &cobra.Command{
		Use:   "validate SCENARIO",
		Short: "Calibrate the model on the scenario's miniature, predict, measure a load ladder and report the error",
		Long: `capsim validate checks the model against the containerized miniature of a scenario:

  1. calibrate: drive the flow at 15 % (--calibrate-at) of the uncalibrated model's saturation
     point for one step (lengthened to about 600 requests) and measure every process's CPU per
     operation, less its background CPU (utilization law); apply what the scenario format can
     hold (handler, database, cache and store CPU) as cost overrides, and the fixed delay no
     CPU explains as the entry's balancer overhead;
  2. predict with the calibrated model of the miniature: the saturation point, and at each
     ladder load (--loads, fractions of it) the flow's throughput, P95 and node utilization;
  3. measure the same loads on the cluster with the Go generator (open, Poisson), pinned off
     the cluster's CPUs, recording the machine's load average per step (--k6: with k6, its
     arrivals evenly spaced, its latency from the actual send; INVALID if it drops an
     iteration);
  4. compare, and judge against the fidelity goals (throughput ±5 %, P95 ±20 %, saturation
     ±10 %, node utilization ±5 points), with no tuning after the measurement.

With --failures it runs the scenario's failures instead, each as a twin: the model's failure
run of the miniature, and the same fault injected at the same offset into a freshly started
miniature under the same load (crash, stop, pause, partition of a node; crash, stop, pause of
a service instance), with detection, RTO and failed requests side by side and every event id
the generator sent checked against every copy read back from the stores (lost, duplicated,
recovered). Writes DIR/failures.json; --failure NAME picks one.

Held-out configurations: --calibrate-on and --check-on take --set assignments (repeatable).
The model is calibrated on a miniature of the file with --set and --calibrate-on values and
checked there; then a second miniature with --set and --check-on values is started and checked
with the same calibration, never recalibrated: e.g. calibrate on two API replicas, check on
three (--check-on services.api.replicas=3), or on another CPU limit or batch size. Both ladders
are reported; the held-out one is the test of the model.

With --cluster RUN it uses a running miniature started from the same file and --set values
(capsim cluster up); otherwise it starts one and removes it at the end, also on Ctrl-C.
Writes DIR/validate.json (every pair), DIR/validate.html (the same as a page: verdicts, charts
of P95, throughput and node utilization against load, the step and calibration tables) and
DIR/calibration.yaml (the profile) and DIR/result.json (the calibrated model's result of the
miniature, with the whole report as its "validation" section).

Exit codes: 0 every goal met; 99 a goal not met, inconclusive or without data; 2 invalid
input; 130 interrupted (the cluster it started is removed); 1 anything else.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runValidate(cmd, args[0], &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.cluster, "cluster", "", "use this running miniature (capsim cluster up) instead of starting one")
	fl.StringVar(&f.flow, "flow", "", "flow to drive (default: the first; open flows only)")
	fl.StringVar(&f.loads, "loads", "0.2,0.4,0.6,0.8,0.9,1.0,1.1", "ladder loads as fractions of the calibrated model's saturation point")
	fl.DurationVar(&f.step, "step", validate.DefaultStep, "measured time per step (and for the calibration step)")
	fl.DurationVar(&f.warmup, "warmup", validate.DefaultWarmup, "warm-up before each step, at the step's rate, discarded")
	fl.StringVar(&f.out, "out", "", "output folder (default out/<scenario>-validate)")
	fl.Float64Var(&f.scale, "scale", 0, "scale of the miniature it starts (default: the scenario's cluster.scale, else what fits one core)")
	fl.StringVar(&f.cpuset, "cpuset", defaultCPUSet(), "pin the miniature it starts to these CPUs; the generator uses the others")
	fl.StringArrayVar(&f.sets, "set", nil, "override a scenario value (repeatable; a --cluster run must have been started with the same)")
	fl.StringArrayVar(&f.calibrateOn, "calibrate-on", nil, "held-out check: a --set assignment of the configuration calibrated on (repeatable)")
	fl.StringArrayVar(&f.checkOn, "check-on", nil, "held-out check: a --set assignment of the configuration checked with that calibration on a second miniature (repeatable)")
	fl.Float64Var(&f.calibrateAt, "calibrate-at", validate.DefaultCalibrationFraction, "calibration load as a fraction of the uncalibrated model's saturation point ")
	fl.IntVar(&f.retries, "retries", validate.DefaultRetries, "measure an INVALID step (generator late, a counter silent) again up to this many times")
	fl.IntVar(&f.bisections, "bisections", validate.DefaultBisections, "after the ladder, up to this many steps on the cluster halve the measured saturation bracket (or, when every step met the criteria, go 25 % beyond the highest)")
	fl.IntVar(&f.replications, "replications", 0, "model replications per load (default: the scenario's)")
	fl.StringVar(&f.k6, "k6", "", "drive the steps with k6 instead of the Go generator: bin/k6 ("+k6script.BuildCommand+"), or --k6=PATH")
	fl.Lookup("k6").NoOptDefVal = k6script.DefaultK6
	fl.BoolVar(&f.failures, "failures", false, "run the scenario's failures as twins: the same fault in the model and in a fresh miniature under the same load, with every event id accounted for (writes DIR/failures.json)")
	fl.StringArrayVar(&f.only, "failure", nil, "with --failures: run only the failure with this name (repeatable)")
	fl.BoolVar(&f.calTwins, "calibrate", false, "with --failures: measure the flow's costs first on a miniature of their own, at the twins' load with no fault, and run the model with them")
	fl.IntVar(&f.repeat, "repeat", 1, "with --failures: repetitions per failure, each on a fresh miniature (intervals need 2 or more)")
	fl.DurationVar(&f.after, "after", validate.DefaultTwinAfter, "with --failures: measured time after the repair")
	rootCmd.AddCommand(cmd)
}

func runValidate(cmd *cobra.Command, file string, f *validateFlags) error {
	if f.failures {
		if f.k6 != "" {
			return invalid(errors.New("--failures needs the Go generator (it accounts for every event id it sent); --k6 drives the ladder only"))
		}
		return runTwins(cmd, file, f)
	}
	if f.step <= 0 || f.step > time.Hour {
		return invalid(fmt.Errorf("--step must be in (0, 1h], got %v", f.step))
	}
	if f.warmup < 0 || f.warmup > time.Hour {
		return invalid(fmt.Errorf("--warmup must be in [0, 1h], got %v", f.warmup))
	}
	if !(f.calibrateAt > 0 && f.calibrateAt <= 1) {
		return invalid(fmt.Errorf("--calibrate-at must be in (0, 1], got %v", f.calibrateAt))
	}
	if f.retries < 0 || f.retries > 10 || f.bisections < 0 || f.bisections > 10 {
		return invalid(fmt.Errorf("--retries and --bisections must be in 0–10, got %d and %d", f.retries, f.bisections))
	}
	if f.replications < 0 || f.replications > 10000 {
		return invalid(fmt.Errorf("--replications must be in 1–10,000, got %d", f.replications))
	}
	var loads []float64
	for _, x := range strings.Split(f.loads, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return invalid(fmt.Errorf("--loads: %q is not a number", x))
		}
		loads = append(loads, v)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stderr := termWriter{cmd.ErrOrStderr()}
	o := validate.Options{File: file, Sets: f.sets, Flow: f.flow, Cluster: f.cluster, Scale: f.scale, CPUSet: f.cpuset,
		Retries: cmp.Or(f.retries, -1), Bisections: cmp.Or(f.bisections, -1), CalibrateOn: f.calibrateOn, CheckOn: f.checkOn, Loads: loads, Step: f.step, Warmup: f.warmup, CalibrationFraction: f.calibrateAt, Log: stderr, K6: f.k6}
	if f.replications > 0 {
		o.SimOptions = append(o.SimOptions, sim.WithReplications(f.replications))
	}
	if f.k6 != "" { // before any image is built
		if _, err := k6script.Version(ctx, f.k6); err != nil {
			return invalid(fmt.Errorf("--k6: %w", err))
		}
	}
	if f.cluster == "" {
		img, err := images.NodeImage(ctx, images.Options{Out: stderr})
		if err != nil {
			return err
		}
		o.Image = img
	}
	rep, err := validate.Run(ctx, o)
	switch {
	case errors.Is(err, validate.ErrInput):
		return invalid(err)
	case err != nil && ctx.Err() != nil:
		msg := "interrupted"
		if rep != nil && rep.Started {
			msg += ": the cluster it started was removed"
		}
		return &exitError{code: ExitInterrupted, err: errors.New(msg)}
	case err != nil:
		return err
	}
	out := f.out
	if out == "" {
		out = filepath.Join("out", sanitizeName(rep.Scenario)+"-validate")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(out, "validate.json"), rep.WriteJSON); err != nil {
		return err
	}
	if m := rep.ModelResult(); m != nil {
		if err := writeFile(filepath.Join(out, "result.json"), func(w io.Writer) error { return reports.WriteJSON(w, m) }); err != nil {
			return err
		}
	}
	if err := writeFile(filepath.Join(out, "validate.html"), rep.WriteHTML); err != nil {
		return err
	}
	prof, err := rep.Calibration.YAML()
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(out, "calibration.yaml"), func(w io.Writer) error { _, err := w.Write(prof); return err }); err != nil {
		return err
	}
	var buf bytes.Buffer
	rep.WriteTable(&buf)
	stdout := termWriter{cmd.OutOrStdout()}
	stdout.Write(buf.Bytes())
	fmt.Fprintf(stdout, "\n  wrote %s, %s, %s and %s\n", filepath.Join(out, "validate.json"), filepath.Join(out, "validate.html"), filepath.Join(out, "calibration.yaml"), filepath.Join(out, "result.json"))
	verdicts := rep.Verdicts
	if rep.HeldOut != nil {
		verdicts = append(slices.Clone(verdicts), rep.HeldOut.Verdicts...)
	}
	for _, v := range verdicts {
		if v.Verdict != validate.Met {
			return &exitError{code: ExitSLOBreached}
		}
	}
	return nil
}
