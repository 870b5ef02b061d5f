package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestRunRejectsBadRunSettings: flags that are not a run, absurd magnitudes and an output
// folder that cannot be written are invalid input (exit 2), reported before anything is
// simulated or written; none is silently replaced by a default (issue 10, problem 7).
func TestRunRejectsBadRunSettings(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fast := runFlags{noSweep: true, replications: 2, duration: 5 * time.Second, warmup: time.Second}
	for _, c := range []struct {
		name string
		mod  func(*runFlags)
		want string
	}{
		{"seed 0", func(f *runFlags) { f.seed = 0; f.given = map[string]bool{"seed": true} }, "--seed must be ≥ 1"},
		{"negative duration", func(f *runFlags) { f.duration = -5 * time.Second }, "--duration must be > 0"},
		{"zero warm-up", func(f *runFlags) { f.warmup = 0; f.given = map[string]bool{"warmup": true} }, "--warmup must be > 0"},
		{"a billion replications", func(f *runFlags) { f.replications = 1_000_000_000 }, "--replications must be in [1, 10000]"},
		{"a million hours", func(f *runFlags) { f.duration = 1_000_000 * time.Hour }, "longer than 8760h"},
		{"design 1e308", func(f *runFlags) { f.sets = []string{"load.design=1.0e308"} }, "load.design 1e+308 is beyond 1e+12"},
		{"huge --load", func(f *runFlags) { f.load = 1e308; f.given = map[string]bool{"load": true} }, "--load must be in (0, 1e+12]"},
		{"output folder is a file", func(f *runFlags) { f.out = file }, "output folder"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := fast
			f.out = filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-"))
			c.mod(&f)
			code, out := runCase(t, f, "examples/mm1")
			if code != ExitInvalid || !strings.Contains(out, c.want) {
				t.Errorf("exit %d, want %d with %q:\n%s", code, ExitInvalid, c.want, out)
			}
			if f.out != file {
				if _, err := os.Stat(f.out); err == nil {
					t.Errorf("invalid input wrote %s", f.out)
				}
			}
		})
	}
}

// TestRunOverloadEndsNamingTheStation: `capsim run examples/mm1 --set flows.jobs.rate=1e308/s`
// ends (exit 99) naming the server as overloaded; a run stopped by --timeout exits 3.
func TestRunOverloadEndsNamingTheStation(t *testing.T) {
	dir := t.TempDir()
	f := runFlags{replications: 2, duration: 10 * time.Second, warmup: time.Second, out: dir, sets: []string{"flows.jobs.rate=1e308/s"}}
	code, out := runCase(t, f, "examples/mm1")
	if code != ExitSLOBreached || !strings.Contains(out, "server is overloaded") {
		t.Errorf("exit %d, want %d naming the server as overloaded:\n%s", code, ExitSLOBreached, out)
	}
	f = runFlags{out: filepath.Join(dir, "timeout"), timeout: time.Nanosecond}
	if code, out := runCase(t, f, "medium"); code != ExitAborted || !strings.Contains(out, "wall-time limit") {
		t.Errorf("--timeout 1ns: exit %d, want %d:\n%s", code, ExitAborted, out)
	}
}

// TestCrashIsNotInvalidInput: a panic anywhere in a command exits 1 with a short message and
// the stack trace in a file, never with Go's exit code 2 (which means invalid input here).
func TestCrashIsNotInvalidInput(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // where the stack trace goes
	rootCmd.AddCommand(&cobra.Command{Use: "crash-for-test", Hidden: true, RunE: func(*cobra.Command, []string) error { panic("boom") }})
	if code := run([]string{"crash-for-test"}); code != ExitError {
		t.Errorf("exit %d, want %d", code, ExitError)
	}
}
