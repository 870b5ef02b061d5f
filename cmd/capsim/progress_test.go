package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/capsim/capsim/scenarios"
)

// progressTier has two nodes, an availability section and a node crash, so `capsim run --n-1`
// goes through every phase: the design load, the availability Monte Carlo, the failure runs
// and the N-1 analysis.
const progressTier = `
name: tier
load: {design: 100}
slo: {p95: {req: 500ms}}
nodes:
  - {name: a, cores: 4}
  - {name: b, cores: 4}
services:
  - name: api
    placement: [a, b]
    handlers: [{class: get, cpu: 10ms}]
flows:
  - {name: req, rate: 100/s, entry: {service: api, class: get}}
ha:
  health_check: {inter: 5s, fall: 3, rise: 2}
failures:
  - {at: 20s, node: a, kind: crash, recover_after: 60s}
availability: {mtbf: 100h, mttr: 2h, replications: 20}
sim: {warmup: 5s, duration: 20s}
`

// TestRunProgressEveryPhase: on a terminal every long phase shows its own bar, named after the
// phase; before, one bar said "simulating" throughout (the failure runs counted as replications
// of it, the availability run reported nothing) and the N-1 runs had none.
func TestRunProgressEveryPhase(t *testing.T) {
	s, err := scenarios.Load("tier.yaml", []byte(progressTier))
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	f := &runFlags{noSweep: true, replications: 2, nMinus1: true}
	res, err := simulate(context.Background(), s, "tier.yaml", f, &stderr, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.NMinus1) != 2 || len(res.Failures) != 1 || res.Availability == nil {
		t.Fatalf("the run lacks a phase: %d N-1 rows, %d failures, availability %v", len(res.NMinus1), len(res.Failures), res.Availability)
	}
	out := stderr.String()
	for _, want := range []string{"tier: simulating", "tier: availability", "tier: failures (simulated s)", "tier: N-1"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q bar on the terminal; it showed:\n%q", want, out)
		}
	}
}
