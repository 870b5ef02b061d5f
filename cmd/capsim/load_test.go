package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/capsim/capsim/fixtures/loopback"
	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/scenarios"
	"github.com/capsim/capsim/sim"
)

func runLoadArgs(args ...string) int {
	defer func() { loadOpts = loadFlags{} }()
	return run(args)
}

func TestLoadCommand(t *testing.T) {
	srv, err := loopback.Start(loopback.Config{GRPCAddr: "off", Workers: 4,
		Service: scenarios.Dist{Kind: scenarios.Deterministic, Mean: scenarios.Duration(time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()

	out := filepath.Join(dir, "plain")
	// --lag-budget 1s: this checks the exit code and the files of a plain run, not the
	// scheduler's timing, which a loaded CI machine can push past the 10 ms default (exit 98).
	if code := runLoadArgs("load", "--target", srv.URL(), "--rate", "100", "--duration", "1s", "--lag-budget", "1s", "--out", out, "--quiet"); code != ExitOK {
		t.Fatalf("plain load: exit %d", code)
	}
	var r sim.Result
	b, err := os.ReadFile(filepath.Join(out, "result.json"))
	if err != nil || json.Unmarshal(b, &r) != nil || len(r.Flows) != 1 || r.Flows[0].LatencyMS.P95.Mean < 1 || r.Flows[0].OfferedPerS != 100 {
		t.Fatalf("result.json: %v %s", err, b)
	}
	if _, err := os.Stat(filepath.Join(out, "load.json")); err != nil {
		t.Error(err)
	}

	// A scenario whose threshold cannot hold: exit 99 (k6's code), results still written.
	sc := filepath.Join(dir, "s.yaml")
	yaml := fmt.Sprintf(`name: s
stations: [{name: st, servers: 4, service: 1ms}]
flows: [{name: f, rate: 50/s, route: [{station: st}]}]
loadtest:
  target: %s
  duration: 1s
  thresholds:
    http_req_duration: ["p(95)<0.001"]
`, srv.URL())
	if err := os.WriteFile(sc, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out2 := filepath.Join(dir, "thr")
	if code := runLoadArgs("load", sc, "--lag-budget", "1s", "--out", out2, "--quiet"); code != ExitSLOBreached {
		t.Errorf("failing threshold: exit %d, want %d", code, ExitSLOBreached)
	}
	if b, err := os.ReadFile(filepath.Join(out2, "result.json")); err != nil || !bytes.Contains(b, []byte("threshold http_req_duration p(95)<0.001 failed")) {
		t.Errorf("violations not in result.json: %v %s", err, b)
	}

	for _, c := range []struct {
		name string
		args []string
	}{
		{"disallowed host", []string{"load", "--target", "http://10.255.255.1:80", "--rate", "10", "--duration", "1s"}},
		{"no target", []string{"load", "--rate", "10"}},
		{"no rate", []string{"load", "--target", srv.URL()}},
		{"bad executor", []string{"load", sc, "--executor", "nope"}},
		{"bad scenario", []string{"load", "no-such-scenario", "--target", srv.URL()}},
	} {
		if code := runLoadArgs(append(c.args, "--out", filepath.Join(dir, "x"), "--quiet")...); code != ExitInvalid {
			t.Errorf("%s: exit %d, want %d", c.name, code, ExitInvalid)
		}
	}
}

func TestTraceGenCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "t.jsonl")
	if code := run([]string{"trace", "gen", "examples/mm1", "--duration", "2s", "-o", out}); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := loadgen.ReadTrace(f)
	// mm1: Poisson 80/s for 2 s: 160 ± 4σ (σ ≈ 12.6).
	if err != nil || len(recs) < 110 || len(recs) > 210 || recs[0].Flow != "jobs" {
		t.Errorf("trace: %v, %d records", err, len(recs))
	}
	if code := run([]string{"trace", "gen", "examples/mm1", "--duration", "-1s"}); code != ExitInvalid {
		t.Errorf("negative duration: exit %d", code)
	}
}

// interruptChild runs test (this binary's) as a child that runs `capsim ARGS --out DIR` (the
// arguments in the environment variable env), sends it one SIGINT after wait, and returns its
// exit code, how long it ran after the start, its output and DIR. It fails the test if the
// child has not stopped within limit of the signal.
func interruptChild(t *testing.T, test, env, args string, wait, limit time.Duration) (code int, took time.Duration, output, out string) {
	t.Helper()
	out = t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), env+"="+args+" --out "+out)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	time.Sleep(wait)
	_ = cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		t.Fatalf("%s did not stop after SIGINT", args)
	}
	return cmd.ProcessState.ExitCode(), time.Since(start), buf.String(), out
}

// TestLoadInterrupt runs `capsim load` in a child process, sends one SIGINT mid-run, and
// checks that it stops early, writes partial results marked aborted, and exits 1.
func TestLoadInterrupt(t *testing.T) {
	if os.Getenv("CAPSIM_LOAD_CHILD") != "" {
		os.Exit(run(strings.Fields(os.Getenv("CAPSIM_LOAD_CHILD"))))
	}
	srv, err := loopback.Start(loopback.Config{GRPCAddr: "off"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	code, took, output, out := interruptChild(t, "TestLoadInterrupt", "CAPSIM_LOAD_CHILD",
		"load --target "+srv.URL()+" --rate 200 --duration 30s --quiet", 1500*time.Millisecond, 20*time.Second)
	if code != ExitError || took > 15*time.Second {
		t.Errorf("exit %d after %v; stderr: %s", code, took, output)
	}
	b, err := os.ReadFile(filepath.Join(out, "result.json"))
	if err != nil || !bytes.Contains(b, []byte("ABORTED")) {
		t.Errorf("partial result not marked aborted: %v %s", err, b)
	}
}
