package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capsim/capsim/fixtures/loopback"
	"github.com/capsim/capsim/loadgen/k6ext/k6test"
	"github.com/capsim/capsim/scenarios"
	"github.com/capsim/capsim/sim"
)

// k6Root builds (or finds) the repository's bin/k6 and makes the repository root the working
// directory, where `capsim load --k6` looks for bin/k6. It skips the test as k6test does (with
// -short, or when the Go module proxy cannot be reached to build k6).
func k6Root(t *testing.T) {
	t.Helper()
	k6test.Bin(t)
	root, err := k6test.Root()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	t.Setenv("K6_NO_USAGE_REPORT", "true")
	t.Setenv("K6_AUTO_EXTENSION_RESOLUTION", "false")
}

// TestLoadK6Results: `capsim load --k6` writes result.json and load.json as the Go generator's
// run does, converted from k6's capsim output, prints the same summary and exits by the same
// rules (the cases of TestLoadExitCodes, run by k6 against the loopback target):
//   - a good run → 0, slo_met, result.json's flow measured at the rate, k6 named;
//   - a threshold that cannot hold → 99, the violation in result.json and the summary;
//   - every request answered 500 → 99 by the default http_req_failed rate<0.01;
//   - a target serving one request at a time for 50 ms (20/s) driven at 200/s by 2 VUs: k6
//     drops iterations because of the target's concurrency limit → INVALID, 98, saying so.
//
// Before, --k6 wrote only k6's own files (no result.json, no load.json) and exited with k6's
// code: 0 for the target-bound run.
func TestLoadK6Results(t *testing.T) {
	k6Root(t)
	fast, err := loopback.Start(loopback.Config{GRPCAddr: "off"})
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	slow, err := loopback.Start(loopback.Config{GRPCAddr: "off", Workers: 1,
		Service: scenarios.Dist{Kind: scenarios.Deterministic, Mean: scenarios.Duration(50 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	s500 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer s500.Close()
	dir := t.TempDir()
	sc := filepath.Join(dir, "s.yaml")
	yaml := fmt.Sprintf(`name: s
stations: [{name: st, servers: 4, service: 1ms}]
flows: [{name: f, rate: 50/s, route: [{station: st}]}]
loadtest:
  target: %s
  duration: 1s
  thresholds:
    http_req_duration: ["p(95)<0.001"]
`, fast.URL())
	if err := os.WriteFile(sc, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		args     []string
		code     int
		sloMet   bool
		mentions string
	}{
		{"good", []string{"--target", fast.URL(), "--rate", "50", "--duration", "2s"}, ExitOK, true, "k6 v"},
		{"threshold", []string{sc}, ExitSLOBreached, false, "http_req_duration p(95)<0.001"},
		{"500", []string{"--target", s500.URL, "--rate", "50", "--duration", "1s"}, ExitSLOBreached, false, "http_req_failed rate<0.01"},
		{"target-bound", []string{"--target", slow.URL(), "--rate", "200", "--vus", "2", "--duration", "1s"}, ExitMeasurementInvalid, false, "target's concurrency limit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.name)
			var stdout bytes.Buffer
			rootCmd.SetOut(&stdout)
			defer rootCmd.SetOut(nil)
			code := runLoadArgs(append([]string{"load", "--k6", "--out", out}, c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s", code, c.code, stdout.String())
			}
			b, err := os.ReadFile(filepath.Join(out, "result.json"))
			var r sim.Result
			if err != nil || json.Unmarshal(b, &r) != nil || len(r.Flows) != 1 {
				t.Fatalf("result.json: %v\n%s", err, b)
			}
			if r.SLOMet != c.sloMet || r.Settings.Version != capsimVersion() {
				t.Errorf("slo_met %v (want %v), version %q: %v", r.SLOMet, c.sloMet, r.Settings.Version, r.Violations)
			}
			if c.mentions != "" && (!strings.Contains(stdout.String(), c.mentions) || !strings.Contains(string(b), c.mentions)) {
				t.Errorf("%q not in the summary and result.json:\n%s\n%s", c.mentions, stdout.String(), b)
			}
			var lj struct {
				Result struct {
					Generator string `json:"generator"`
					Scheduled uint64 `json:"scheduled"`
					OK        uint64 `json:"ok"`
				} `json:"result"`
			}
			if b, err := os.ReadFile(filepath.Join(out, "load.json")); err != nil || json.Unmarshal(b, &lj) != nil || !strings.HasPrefix(lj.Result.Generator, "k6 v") {
				t.Errorf("load.json: %v %+v", err, lj)
			}
			if c.name == "good" {
				// k6 starts an iteration every 20 ms from 0: 100 in 2 s (101 when the last
				// falls on the end), all served
				if thr := r.Flows[0].ThroughputPerS.Mean; lj.Result.OK != lj.Result.Scheduled || lj.Result.OK < 99 || lj.Result.OK > 102 || thr < 40 || thr > 52 {
					t.Errorf("%d of %d ok, %.1f/s, want 100 ± 2 at 50/s", lj.Result.OK, lj.Result.Scheduled, thr)
				}
			}
		})
	}
}

// TestLoadK6Interrupt runs `capsim load --k6` in a child process and sends it one SIGINT
// mid-run: capsim stops k6 (its own process group: one SIGINT, so k6 writes its summary),
// writes the partial results marked aborted and exits 1, as the Go generator does. Before, it
// ended only with k6's schedule (30 s), killed by the signal, and wrote nothing.
func TestLoadK6Interrupt(t *testing.T) {
	if args := os.Getenv("CAPSIM_LOADK6_CHILD"); args != "" {
		os.Exit(run(strings.Fields(args)))
	}
	k6Root(t)
	srv, err := loopback.Start(loopback.Config{GRPCAddr: "off"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// k6 starts in about 1 s
	code, took, output, out := interruptChild(t, "TestLoadK6Interrupt", "CAPSIM_LOADK6_CHILD",
		"load --k6 --target "+srv.URL()+" --rate 50 --duration 30s --quiet", 4*time.Second, 40*time.Second)
	if code != ExitError || took > 20*time.Second {
		t.Errorf("exit %d after %v; output:\n%s", code, took, output)
	}
	b, err := os.ReadFile(filepath.Join(out, "result.json"))
	if err != nil || !bytes.Contains(b, []byte("ABORTED")) || !bytes.Contains(b, []byte("interrupted")) {
		t.Errorf("partial result not marked aborted: %v %s", err, b)
	}
	var r sim.Result
	if json.Unmarshal(b, &r) != nil || len(r.Flows) != 1 || r.Flows[0].ThroughputPerS.Mean < 20 {
		t.Errorf("partial result without the requests served before the interrupt: %s", b)
	}
}
