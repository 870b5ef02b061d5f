package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capsim/capsim/scenarios"
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

// TestLintFollowsIncludes: lint checks the files a scenario includes and reports a problem in
// one of them at its own file and line.
func TestLintFollowsIncludes(t *testing.T) {
	dir := t.TempDir()
	system := "stations:\n  - {name: s, servers: 1, service: 10ms}\n"
	tier := "include: [system.yaml]\nname: tier\nflows: [{name: f, rate: 50/s, route: [{station: s}]}]\n"
	for name, text := range map[string]string{"system.yaml": system, "tier.yaml": tier} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&out)
	defer func() { rootCmd.SetOut(nil); rootCmd.SetErr(nil) }()
	tierPath := filepath.Join(dir, "tier.yaml")
	if code := run([]string{"lint", tierPath}); code != ExitOK || !strings.Contains(out.String(), "with "+filepath.Join(dir, "system.yaml")) {
		t.Errorf("lint tier: exit %d, output %q", code, out.String())
	}
	out.Reset()
	if err := os.WriteFile(filepath.Join(dir, "system.yaml"), []byte(strings.Replace(system, "servers: 1", "servers: -1", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"lint", tierPath}); code != ExitInvalid || !strings.Contains(out.String(), filepath.Join(dir, "system.yaml")+":2:") {
		t.Errorf("lint tier with a bad system file: exit %d, output %q", code, out.String())
	}
}

// TestLintBoundedErrors: a file with 8,000 bad stations prints maxListedProblems of its
// problems and "… and N more problems", N the rest of the loader's count; stderr stays small.
func TestLintBoundedErrors(t *testing.T) {
	const k = 8000
	var b strings.Builder
	b.WriteString("name: many\nstations:\n")
	for i := range k {
		fmt.Fprintf(&b, "  - {name: s%d, servers: x, service: 1ms}\n", i)
	}
	b.WriteString("flows: [{name: f, rate: 1/s, route: [{station: s0}]}]\n")
	file := filepath.Join(t.TempDir(), "many.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := scenarios.LoadFile(file)
	var list scenarios.ErrorList
	if !errors.As(err, &list) || len(list) < k {
		t.Fatalf("the loader found %d problems, want ≥ %d (one per station)", len(list), k)
	}
	var stderr bytes.Buffer
	rootCmd.SetErr(&stderr)
	code := run([]string{"lint", file})
	rootCmd.SetErr(nil)
	lintSets = nil
	want := fmt.Sprintf("… and %s more problems", thousandsInt(len(list)-maxListedProblems))
	if code != ExitInvalid || !strings.Contains(stderr.String(), want) || stderr.Len() > 32<<10 {
		t.Errorf("exit %d, %d bytes on stderr, want %q:\n%.2000s", code, stderr.Len(), want, stderr.String())
	}
}

// thousandsInt formats n with comma separators, independently of the code under test.
func thousandsInt(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// TestLintThresholds: lint rejects the loadtest thresholds capsim load rejects (the same
// parser: loadgen.NewPlan), and accepts the ones it accepts.
func TestLintThresholds(t *testing.T) {
	dir := t.TempDir()
	write := func(name, thresholds string) string {
		p := filepath.Join(dir, name+".yaml")
		text := "name: " + name + "\nstations: [{name: s, servers: 1, service: 10ms}]\nflows: [{name: f, rate: 10/s, route: [{station: s}]}]\n" +
			"loadtest:\n  target: http://127.0.0.1:1\n  thresholds:\n" + thresholds
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, thresholds, msg string
	}{
		{"number", "    http_req_duration: [\"p(95)<abc\"]\n", `value "abc" is not a number`},
		{"metric", "    http_req_durations: [\"p(95)<500\"]\n", `unknown metric "http_req_durations"`},
		{"aggregation", "    http_req_failed: [\"p(95)<0.01\"]\n", "is a rate: use rate"},
	} {
		f := write(c.name, c.thresholds)
		var stderr bytes.Buffer
		rootCmd.SetErr(&stderr)
		code := run([]string{"lint", f})
		rootCmd.SetErr(nil)
		if code != ExitInvalid || !strings.Contains(stderr.String(), c.msg) {
			t.Errorf("%s: exit %d, want %d with %q:\n%s", c.name, code, ExitInvalid, c.msg, stderr.String())
		}
		// capsim load says the same
		if code := runLoadArgs("load", f, "--out", filepath.Join(dir, "out"), "--quiet"); code != ExitInvalid {
			t.Errorf("%s: capsim load exit %d", c.name, code)
		}
	}
	good := write("good", "    http_req_duration: [\"p(95)<500\"]\n    http_req_failed: [{threshold: \"rate<0.01\", abortOnFail: true}]\n")
	if code := run([]string{"lint", good}); code != ExitOK {
		t.Errorf("good thresholds: exit %d", code)
	}
}

// TestLintAvailabilityNode: lint rejects a mistyped node name in availability.nodes at its
// file:line:col (the override's first key, as every map entry's error points), where capsim
// run used to reject it only after the whole sweep.
func TestLintAvailabilityNode(t *testing.T) {
	file := filepath.Join(t.TempDir(), "avail.yaml")
	text := "name: avail\nnodes: [{name: app, cores: 2}]\nstations: [{name: s, servers: 1, service: 10ms}]\n" +
		"flows: [{name: f, rate: 10/s, route: [{station: s}]}]\n" +
		"availability:\n  mtbf: 1000h\n  mttr: 1h\n  nodes:\n    ap: {mtbf: 500h, mttr: 2h}\n"
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	rootCmd.SetErr(&stderr)
	code := run([]string{"lint", file})
	rootCmd.SetErr(nil)
	want := file + ":9:10: "
	if code != ExitInvalid || !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), `no node "ap"`) {
		t.Errorf("exit %d, want %d with %q and no node \"ap\":\n%s", code, ExitInvalid, want, stderr.String())
	}
}
