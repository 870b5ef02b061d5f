package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capsim/capsim/fixtures/loopback"
	"github.com/capsim/capsim/scenarios"
	"github.com/capsim/capsim/sim"
)

// TestLoadExitCodes: capsim load says no to bad runs, each with its own code, and result.json
// agrees (slo_met false). No case sets a threshold: the defaults decide.
//   - every request answered 500, or 302: k6's default http_req_failed rate<0.01 fails → 99;
//   - a target that serves one request at a time for 50 ms (20/s) driven at 200/s by 2 VUs:
//     the schedule slips because of the target's concurrency limit → INVALID, 98, and the
//     message says so;
//   - a run cut by its request cap → 3.
func TestLoadExitCodes(t *testing.T) {
	status := func(code int) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if code == http.StatusFound {
				http.Redirect(w, r, "/elsewhere", code)
				return
			}
			w.WriteHeader(code)
		}))
	}
	s500, s302 := status(500), status(http.StatusFound)
	defer s500.Close()
	defer s302.Close()
	slow, err := loopback.Start(loopback.Config{GRPCAddr: "off", Workers: 1,
		Service: scenarios.Dist{Kind: scenarios.Deterministic, Mean: scenarios.Duration(50 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast, err := loopback.Start(loopback.Config{GRPCAddr: "off"})
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	dir := t.TempDir()
	// Cases other than target-bound allow 1 s of scheduling lag: on a loaded CI machine the
	// generator can be 10–50 ms late, which would turn them into invalid measurements (98); the
	// exit codes they check do not depend on it.
	for _, c := range []struct {
		name     string
		args     []string
		code     int
		sloMet   bool
		mentions string
	}{
		{"500", []string{"--target", s500.URL, "--rate", "50", "--lag-budget", "1s", "--duration", "1s"}, ExitSLOBreached, false, "http_req_failed rate<0.01"},
		{"302", []string{"--target", s302.URL, "--rate", "50", "--lag-budget", "1s", "--duration", "1s"}, ExitSLOBreached, false, "http_req_failed rate<0.01"},
		{"target-bound", []string{"--target", slow.URL(), "--rate", "200", "--vus", "2", "--duration", "1s"}, ExitMeasurementInvalid, false, "target's concurrency limit"},
		{"request cap", []string{"--target", fast.URL(), "--rate", "100", "--lag-budget", "1s", "--duration", "2s", "--max-requests", "10"}, ExitAborted, false, "MaxRequests 10 reached"},
		{"good", []string{"--target", fast.URL(), "--rate", "50", "--lag-budget", "1s", "--duration", "1s"}, ExitOK, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.name)
			var stdout bytes.Buffer
			rootCmd.SetOut(&stdout)
			defer rootCmd.SetOut(nil)
			code := runLoadArgs(append([]string{"load", "--out", out}, c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s", code, c.code, stdout.String())
			}
			b, err := os.ReadFile(filepath.Join(out, "result.json"))
			var r sim.Result
			if err != nil || json.Unmarshal(b, &r) != nil {
				t.Fatalf("result.json: %v", err)
			}
			if r.Settings.Version != capsimVersion() || len(r.Settings.ScenarioSHA256) != 64 {
				t.Errorf("settings: version %q (want %q), scenario_sha256 %q", r.Settings.Version, capsimVersion(), r.Settings.ScenarioSHA256)
			}
			if r.SLOMet != c.sloMet {
				t.Errorf("slo_met %v, want %v: %v", r.SLOMet, c.sloMet, r.Violations)
			}
			// the flow's own rule (drop ratio within max_drop_ratio) fails when requests fail or drop
			if failing := c.code == ExitSLOBreached || c.code == ExitMeasurementInvalid; r.Flows[0].SLOMet == failing {
				t.Errorf("flow slo_met %v with drop ratio %v", r.Flows[0].SLOMet, r.Flows[0].DropRatio.Mean)
			}
			if c.mentions != "" && (!strings.Contains(stdout.String(), c.mentions) || !strings.Contains(string(b), c.mentions)) {
				t.Errorf("%q not in the summary and result.json:\n%s\n%s", c.mentions, stdout.String(), b)
			}
		})
	}
}
