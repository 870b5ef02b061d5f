package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capsim/capsim/scenarios"
)

// TestOutputStaysInFolder: a scenario name cannot lead the output out of out/ (or --out), a
// file or symlink planted in the output folder is never written through, and control bytes in
// names reach neither the terminal nor a folder name (issue 10, problem 8).
func TestOutputStaysInFolder(t *testing.T) {
	top := t.TempDir()
	work := filepath.Join(top, "a", "b")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	fast := runFlags{noSweep: true, replications: 2, duration: 5 * time.Second, warmup: time.Second}

	// a hostile name, with the default output folder and with several files under --out
	_, mm1, err := scenarios.Resolve("examples/mm1")
	if err != nil {
		t.Fatal(err)
	}
	hostile := filepath.Join(work, "hostile.yaml")
	if err := os.WriteFile(hostile, []byte(strings.Replace(string(mm1), "name: mm1", "name: ../../escaped", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		out  string
		sets []string
		args []string
	}{
		{"", []string{"name=../../escaped"}, []string{"examples/mm1"}},
		{"", nil, []string{hostile}},
		{filepath.Join(work, "many"), nil, []string{hostile, "examples/md1"}},
	} {
		f := fast
		f.out, f.sets = c.out, c.sets
		if code, out := runCase(t, f, c.args...); code != ExitOK {
			t.Fatalf("exit %d\n%s", code, out)
		}
	}
	var outside []string
	filepath.Walk(top, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && p != hostile && !strings.HasPrefix(p, filepath.Join(work, "out")+string(filepath.Separator)) &&
			!strings.HasPrefix(p, filepath.Join(work, "many")+string(filepath.Separator)) {
			outside = append(outside, p)
		}
		return nil
	})
	if len(outside) > 0 {
		t.Errorf("files written outside the output folders: %q", outside)
	}

	// planted symlinks: at the temporary name the old code used and at the final name
	dir := filepath.Join(top, "planted")
	victim := filepath.Join(top, "victim.txt")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"result.json.tmp", "report.html.tmp", "result.json"} {
		if err := os.Symlink(victim, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	f := fast
	f.out = dir
	if code, out := runCase(t, f, "examples/mm1"); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the symlink's target was overwritten: %.40q", b)
	}
	if fi, err := os.Lstat(filepath.Join(dir, "result.json")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("result.json is not a regular file: %v %v", fi, err)
	}

	// control bytes: escaped on the terminal, replaced in folder names
	f = fast
	f.sets = []string{`name="evil\e[31mred\u202e"`}
	code, out := runCase(t, f, "examples/mm1")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if strings.ContainsAny(out, "\x1b\u202e") || !strings.Contains(out, `evil\u001b[31mred\u202e`) {
		t.Errorf("control characters reach the terminal:\n%q", out)
	}
	ents, _ := os.ReadDir("out")
	for _, e := range ents {
		if strings.ContainsAny(e.Name(), "\x1b\u202e/") {
			t.Errorf("folder name %q holds control characters", e.Name())
		}
	}
}
