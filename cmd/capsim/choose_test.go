package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capsim/capsim/reports"
)

// tierYAML is a one-service tier on one node of the given cores: each request costs 6 ms of
// CPU, the SLO wants utilization ≤ 0.7 and 30 % headroom. By the utilization law the tier's
// capacity is 0.7 × cores ÷ 6 ms = 116.7 req/s per core.
func tierYAML(name string, cores int) string {
	return fmt.Sprintf(`name: %s
load: {variable: requests, unit: req/s, design: 50}
slo: {p95: {get: 1s}, utilization: 0.7, headroom: 0.3}
sim: {duration: 20s, warmup: 5s, replications: 3}
nodes:
  - {name: n1, cores: %d}
services:
  - name: web
    placement: [n1]
    handlers:
      - {class: get, cpu: {dist: deterministic, mean: 6ms}}
flows:
  - {name: get, rate: 50/s, entry: {service: web, class: get}}
`, name, cores)
}

// TestWhichTier: three tiers (4, 1 and 2 cores, given in that order) at --load 100 req/s.
// The utilization law says: one core meets the SLO at 100 req/s (U = 0.6) but its capacity
// 116.7 req/s leaves +17 % headroom, below the wanted 30 %; two cores carry 233 req/s
// (+133 %). The answer is "two", the one-core tier fails for its headroom, and the terminal
// and comparison.json lead with that answer.
func TestWhichTier(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, c := range []struct {
		name  string
		cores int
	}{{"four", 4}, {"one", 1}, {"two", 2}} {
		p := filepath.Join(dir, c.name+".yaml")
		if err := os.WriteFile(p, []byte(tierYAML(c.name, c.cores)), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	out := filepath.Join(dir, "out")
	f := runFlags{out: out, noAdvice: true, load: 100, given: map[string]bool{"load": true}}
	code, stdout := runCase(t, f, files...)
	if code != ExitOK { // every tier meets its SLO at 100 req/s (headroom is not part of it)
		t.Errorf("exit %d", code)
	}
	cmpIdx := strings.Index(stdout, "Tier comparison")
	if cmpIdx < 0 {
		t.Fatalf("no comparison:\n%s", stdout)
	}
	lead := stdout[cmpIdx:]
	t.Log(lead)
	want := "For 100 req/s: two is the smallest tier that meets the SLO with the wanted headroom"
	if i := strings.Index(lead, want); i < 0 || strings.Index(lead, "scenario ") < i {
		t.Errorf("the comparison does not lead with %q:\n%s", want, lead)
	}
	if !strings.Contains(lead, "one fails: capacity headroom +17 % is below the wanted 30 %") {
		t.Errorf("the reason the one-core tier fails is missing:\n%s", lead)
	}
	b, err := os.ReadFile(filepath.Join(out, "comparison+load.design=100", "comparison.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c reports.Comparison
	if err := json.Unmarshal(b, &c); err != nil || c.Choice == nil {
		t.Fatalf("comparison.json: %v\n%s", err, b)
	}
	var order []string
	for _, tf := range c.Choice.Tiers {
		order = append(order, tf.Scenario)
	}
	if c.Choice.Chosen != "two" || strings.Join(order, ",") != "one,two,four" || c.Choice.Tiers[0].Fits || !c.Choice.Tiers[1].Fits {
		t.Errorf("choice %+v", c.Choice)
	}
	html, _ := os.ReadFile(filepath.Join(out, "comparison+load.design=100", "report.html"))
	if i, j := strings.Index(string(html), "two is the smallest tier"), strings.Index(string(html), "<table"); i < 0 || i > j {
		t.Errorf("report.html does not lead with the answer (at %d, first table at %d)", i, j)
	}
}
