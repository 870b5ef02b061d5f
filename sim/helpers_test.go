package sim

import (
	"testing"

	"github.com/capsim/capsim/scenarios"
)

// mustCompile compiles s or fails the test.
func mustCompile(t testing.TB, s *scenarios.Scenario) *Model {
	t.Helper()
	m, err := Compile(s)
	if err != nil {
		t.Fatalf("compile %s: %v", s.Name, err)
	}
	return m
}
