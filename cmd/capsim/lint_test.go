package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLintExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: bad\nstations: [{name: s, servers: 0, service: 1ms}]\nflows: [{name: f, rate: 1, route: [{station: t}]}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want int
	}{
		{[]string{"lint", "examples/mm1", "examples/mmc"}, ExitOK},
		{[]string{"lint", "examples/mm1", bad}, ExitInvalid},
		{[]string{"lint", "no-such-scenario"}, ExitInvalid},
		{[]string{"lint", "--set", "load.design=-1", "examples/mm1"}, ExitInvalid},
		{[]string{"lint"}, ExitInvalid},
		{[]string{"schema"}, ExitOK},
	}
	for _, c := range cases {
		if got := run(c.args); got != c.want {
			t.Errorf("capsim %v: exit %d, want %d", c.args, got, c.want)
		}
		lintSets = nil
	}
}
