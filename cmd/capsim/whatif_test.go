package main

import (
	"encoding/json"
	"math"
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

// TestRunClusterScale: --cluster-scale S predicts for the containerized miniature: node CPU
// limits of cores × S (at most the one pinned CPU), every flow offered S times its full-tier
// rate, the design load in miniature units; result.json and the report say so, and the output
// folder differs from the tier's. A scale outside (0, 1] or a scenario without nodes is invalid
// input.
func TestRunClusterScale(t *testing.T) {
	t.Chdir(t.TempDir())
	fast := runFlags{noSweep: true, replications: 2, duration: 10 * time.Second, warmup: time.Second}
	if code, out := runCase(t, fast, "small"); code != ExitOK && code != ExitSLOBreached {
		t.Fatalf("full tier: exit %d\n%s", code, out)
	}
	f := fast
	f.clusterScale = 0.05
	if code, out := runCase(t, f, "small"); code != ExitOK && code != ExitSLOBreached {
		t.Fatalf("miniature: exit %d\n%s", code, out)
	}
	type result struct {
		Settings struct {
			Overrides []string `json:"overrides"`
			Miniature *struct {
				Scale      float64 `json:"cluster_scale"`
				PinnedCPUs int     `json:"pinned_cpus"`
			} `json:"miniature"`
		} `json:"settings"`
		DesignLoad float64 `json:"design_load"`
		Flows      []struct {
			OfferedPerS float64 `json:"offered_per_s"`
		} `json:"flows"`
		Nodes []struct {
			Name     string  `json:"name"`
			Cores    int     `json:"cores"`
			CPULimit float64 `json:"cpu_limit"`
		} `json:"nodes"`
	}
	read := func(dir string) result {
		b, err := os.ReadFile(filepath.Join(dir, "result.json"))
		if err != nil {
			t.Fatal(err)
		}
		var r result
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	full := read(filepath.Join("out", "utmstack-small"))
	dir := filepath.Join("out", "utmstack-small+cluster-scale=0.05")
	mini := read(dir)
	if mo := mini.Settings.Miniature; mo == nil || mo.Scale != 0.05 || mo.PinnedCPUs != 1 || full.Settings.Miniature != nil {
		t.Errorf("settings.miniature %+v (full tier: %+v)", mo, full.Settings.Miniature)
	}
	if math.Abs(mini.DesignLoad-0.05*full.DesignLoad) > 1e-9*full.DesignLoad {
		t.Errorf("design load %g, want 0.05 × %g", mini.DesignLoad, full.DesignLoad)
	}
	for i := range full.Flows {
		if w := 0.05 * full.Flows[i].OfferedPerS; math.Abs(mini.Flows[i].OfferedPerS-w) > 1e-9*w {
			t.Errorf("flow %d offered %g/s, want 0.05 × %g", i, mini.Flows[i].OfferedPerS, full.Flows[i].OfferedPerS)
		}
	}
	for i, n := range mini.Nodes {
		if want := math.Min(float64(full.Nodes[i].Cores)*0.05, 1); n.Cores != 1 || n.CPULimit != want {
			t.Errorf("%s: cores %d, cpu_limit %g; want 1 and %g", n.Name, n.Cores, n.CPULimit, want)
		}
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "Prediction for the containerized miniature") {
		t.Error("the report does not say it predicts for the miniature")
	}
	for _, c := range []struct {
		file  string
		scale float64
	}{{"small", 1.5}, {"examples/mm1", 0.5}} {
		f.clusterScale = c.scale
		if code, out := runCase(t, f, c.file); code != ExitInvalid {
			t.Errorf("%s --cluster-scale %g: exit %d, want %d\n%s", c.file, c.scale, code, ExitInvalid, out)
		}
	}
}
