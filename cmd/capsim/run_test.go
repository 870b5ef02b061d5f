package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// runCase runs `capsim run` with fresh flags and returns the exit code and standard output.
func runCase(t *testing.T, f runFlags, args ...string) (int, string) {
	t.Helper()
	cmd := &cobra.Command{}
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := runRun(cmd, args, &f)
	if err == nil {
		return ExitOK, out.String()
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code, out.String() + err.Error()
	}
	return ExitError, out.String() + err.Error()
}

func TestRunExitCodesAndOutputs(t *testing.T) {
	dir := t.TempDir()
	fast := runFlags{noSweep: true, replications: 2, duration: 20 * time.Second, warmup: 2 * time.Second, out: dir}

	// 0: ran, SLO holds; writes report.html and result.json
	code, out := runCase(t, fast, "examples/mm1")
	if code != ExitOK {
		t.Fatalf("mm1: exit %d: %s", code, out)
	}
	for _, f := range []string{"report.html", "result.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "result.json"))
	var res struct {
		Flows []struct {
			Name           string `json:"name"`
			ThroughputPerS struct {
				Mean float64 `json:"mean"`
			} `json:"throughput_per_s"`
		} `json:"flows"`
	}
	if err := json.Unmarshal(b, &res); err != nil || len(res.Flows) != 1 || res.Flows[0].Name != "jobs" {
		t.Fatalf("result.json: %v %+v", err, res)
	}
	if x := res.Flows[0].ThroughputPerS.Mean; x < 70 || x > 90 {
		t.Errorf("throughput %.1f/s, want ≈ 80/s (the offered rate)", x)
	}
	if !strings.Contains(out, "P95 at design") {
		t.Errorf("summary lacks the P95 line:\n%s", out)
	}

	// 99: ran, SLO breached at design load (M/M/1 P95 ≈ 150 ms > 50 ms)
	f := fast
	f.sets = []string{"slo.p95.jobs=50ms"}
	if code, out := runCase(t, f, "examples/mm1"); code != ExitSLOBreached {
		t.Errorf("breached SLO: exit %d, want %d\n%s", code, ExitSLOBreached, out)
	}
	// 2: invalid input, nothing written
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: bad\nflows: [{name: f, rate: 1/s, route: [{station: nowhere}]}]\n"), 0o644)
	f = fast
	f.out = filepath.Join(dir, "nothing")
	if code, out := runCase(t, f, "examples/mm1", bad); code != ExitInvalid || !strings.Contains(out, "bad.yaml:2:") {
		t.Errorf("invalid file: exit %d, want %d with file:line\n%s", code, ExitInvalid, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "nothing")); err == nil {
		t.Error("an invalid run wrote output")
	}
	// 2: a closed form with utilization ≥ 1 (M/M/1 at 120/s with E[S] = 10 ms: ρ = 1.2)
	f = fast
	f.analytic = true
	f.sets = []string{"flows.jobs.rate=120/s"}
	if code, out := runCase(t, f, "examples/mm1"); code != ExitInvalid || !strings.Contains(out, "1.200") {
		t.Errorf("ρ ≥ 1 with --analytic: exit %d, want %d naming ρ = 1.200\n%s", code, ExitInvalid, out)
	}
	// several files: a comparison report too
	f = fast
	f.out = filepath.Join(dir, "many")
	if code, out := runCase(t, f, "examples/mm1", "examples/md1"); code != ExitOK || !strings.Contains(out, "Tier comparison") {
		t.Errorf("two files: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "many", "comparison", "report.html")); err != nil {
		t.Errorf("no comparison report: %v", err)
	}
}
