package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/fixtures/images"
	"github.com/capsim/capsim/fixtures/validate"
	"github.com/capsim/capsim/sim"
)

// runTwins is capsim validate --failures: every failure of the file as a twin.
func runTwins(cmd *cobra.Command, file string, f *validateFlags) error {
	if f.cluster != "" {
		return invalid(errors.New("--failures starts a fresh miniature per failure (a fault changes the cluster): drop --cluster"))
	}
	if f.after <= 0 {
		return invalid(fmt.Errorf("--after must be > 0, got %v", f.after))
	}
	if f.repeat < 1 || f.repeat > 100 {
		return invalid(fmt.Errorf("--repeat must be in 1–100, got %d", f.repeat))
	}
	if f.replications < 0 || f.replications > 10000 {
		return invalid(fmt.Errorf("--replications must be in 1–10,000, got %d", f.replications))
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stderr := termWriter{cmd.ErrOrStderr()}
	img, err := images.NodeImage(ctx, images.Options{Out: stderr})
	if err != nil {
		return err
	}
	o := validate.FailureOptions{File: file, Sets: f.sets, Flow: f.flow, Only: f.only, Image: img, Scale: f.scale,
		CPUSet: f.cpuset, After: f.after, Repeat: f.repeat, Calibrate: f.calTwins, Log: stderr}
	if f.replications > 0 {
		o.SimOptions = append(o.SimOptions, sim.WithReplications(f.replications))
	}
	rep, err := validate.RunFailures(ctx, o)
	switch {
	case errors.Is(err, validate.ErrInput):
		return invalid(err)
	case err != nil && ctx.Err() != nil:
		return &exitError{code: ExitInterrupted, err: errors.New("interrupted: the clusters it started were removed")}
	case err != nil:
		return err
	}
	out := f.out
	if out == "" {
		out = filepath.Join("out", sanitizeName(rep.Scenario)+"-failures")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(out, "failures.json"), rep.WriteJSON); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(out, "failures.html"), rep.WriteHTML); err != nil {
		return err
	}
	var buf bytes.Buffer
	rep.WriteTable(&buf)
	stdout := termWriter{cmd.OutOrStdout()}
	stdout.Write(buf.Bytes())
	fmt.Fprintf(stdout, "\n  wrote %s and %s\n", filepath.Join(out, "failures.json"), filepath.Join(out, "failures.html"))
	for _, t := range rep.Twins {
		if !t.Measured.Valid || len(t.Findings) > 0 {
			return &exitError{code: ExitSLOBreached}
		}
	}
	return nil
}
