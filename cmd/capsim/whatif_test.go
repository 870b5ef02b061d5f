package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunWhatIfRecordsOverrides: --load N is --set load.design=N; result.json lists every
// override (settings.overrides), the report shows them, and the default output folder differs
// from the baseline's so a what-if never overwrites it (issue 10, problem 1).
func TestRunWhatIfRecordsOverrides(t *testing.T) {
	t.Chdir(t.TempDir())
	fast := runFlags{noSweep: true, replications: 2, duration: 10 * time.Second, warmup: time.Second}
	if code, out := runCase(t, fast, "examples/mm1"); code != ExitOK {
		t.Fatalf("baseline: exit %d\n%s", code, out)
	}
	f := fast
	f.load = 40
	f.sets = []string{"slo.p95.jobs=900ms"}
	if code, out := runCase(t, f, "examples/mm1"); code != ExitOK {
		t.Fatalf("what-if: exit %d\n%s", code, out)
	}
	base := readResult(t, filepath.Join("out", "mm1", "result.json"))
	dir := filepath.Join("out", "mm1+load.design=40+slo.p95.jobs=900ms")
	what := readResult(t, filepath.Join(dir, "result.json"))
	if len(base.Settings.Overrides) != 0 {
		t.Errorf("baseline overrides %q, want none", base.Settings.Overrides)
	}
	want := []string{"load.design=40", "slo.p95.jobs=900ms"}
	if strings.Join(what.Settings.Overrides, " ") != strings.Join(want, " ") {
		t.Errorf("what-if overrides %q, want %q", what.Settings.Overrides, want)
	}
	// mm1 writes its 80 req/s at a design load of 80: at 40 it offers half
	if base.Flows[0].OfferedPerS != 80 || what.Flows[0].OfferedPerS != 40 {
		t.Errorf("offered %g and %g req/s, want 80 and 40", base.Flows[0].OfferedPerS, what.Flows[0].OfferedPerS)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"What-if run", "What-if override of load.design", "slo.p95.jobs=900ms"} {
		if !strings.Contains(string(html), s) {
			t.Errorf("report lacks %q", s)
		}
	}
}

type resultFile struct {
	Settings struct {
		Overrides []string `json:"overrides"`
	} `json:"settings"`
	SLOMet     bool     `json:"slo_met"`
	Violations []string `json:"violations"`
	Flows      []struct {
		Name        string  `json:"name"`
		OfferedPerS float64 `json:"offered_per_s"`
	} `json:"flows"`
}

func readResult(t *testing.T, path string) resultFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r resultFile
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// TestRunMediumStorageBreach: the medium tier's disks cannot retain its design load of 5,000
// sources for 30 days (the storage-limited capacity is about 2,318), so `capsim run medium`
// exits 99 and says why (issue 10, problem 2).
func TestRunMediumStorageBreach(t *testing.T) {
	dir := t.TempDir()
	f := runFlags{noSweep: true, replications: 2, duration: 10 * time.Second, warmup: time.Second, out: dir}
	code, out := runCase(t, f, "medium")
	if code != ExitSLOBreached {
		t.Errorf("exit %d, want %d", code, ExitSLOBreached)
	}
	if !strings.Contains(out, "disks cannot retain the design load") || !strings.Contains(out, "SLO BREACHED") {
		t.Errorf("summary does not say the disks cannot retain the design load:\n%s", out)
	}
	if r := readResult(t, filepath.Join(dir, "result.json")); r.SLOMet {
		t.Errorf("result.json slo_met true")
	}
}
