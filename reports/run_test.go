package reports

import (
	"testing"
	"time"

	"github.com/capsim/capsim/scenarios"
	"github.com/capsim/capsim/sim"
)

// shortRun simulates a built-in scenario briefly and deterministically (seed 7, 2
// replications of 5 s after a 1 s warm-up, no advice): a real Result for the reporters, so a
// change in what sim says reaches these tests. sets are what-if overrides (--set).
func shortRun(t *testing.T, name string, sweep bool, sets ...string) *sim.Result {
	t.Helper()
	m, err := sim.Compile(loadBuiltin(t, name, sets...))
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Run(shortOptions(sweep)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// shortOptions are shortRun's settings.
func shortOptions(sweep bool) []sim.Option {
	return []sim.Option{sim.WithReplications(2), sim.WithDuration(5*time.Second, time.Second), sim.WithSeed(7),
		sim.WithAdvice(false), sim.WithSweep(sweep)}
}

// loadBuiltin loads a built-in scenario with what-if overrides.
func loadBuiltin(t *testing.T, name string, sets ...string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.LoadFile(name, scenarios.WithSet(sets...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
