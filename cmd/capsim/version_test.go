package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/capsim/capsim/sim"
)

// TestVersionRecorded: `capsim version` prints the version and the Go version; the
// result.json of `capsim run` and of `capsim load` records the same version and the
// scenario's SHA-256, which an override changes.
func TestVersionRecorded(t *testing.T) {
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	code := run([]string{"version"})
	rootCmd.SetOut(nil)
	first, _, _ := strings.Cut(out.String(), "\n")
	if code != ExitOK || !strings.HasPrefix(first, "capsim ") || !strings.Contains(out.String(), runtime.Version()) {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	printed := strings.TrimPrefix(first, "capsim ")

	dir := t.TempDir()
	settings := func(name string, sets ...string) sim.Settings {
		t.Helper()
		o := filepath.Join(dir, name)
		f := runFlags{noSweep: true, replications: 2, duration: 5 * time.Second, warmup: time.Second, quiet: true, out: o, sets: sets}
		if code, out := runCase(t, f, "examples/mm1"); code != ExitOK {
			t.Fatalf("%v: exit %d\n%s", sets, code, out)
		}
		var r sim.Result
		b, err := os.ReadFile(filepath.Join(o, "result.json"))
		if err != nil || json.Unmarshal(b, &r) != nil {
			t.Fatalf("result.json: %v", err)
		}
		return r.Settings
	}
	base, set := settings("base"), settings("set", "flows.jobs.rate=40/s")
	if base.Version != printed {
		t.Errorf("settings.version %q, capsim version %q", base.Version, printed)
	}
	if len(base.ScenarioSHA256) != 64 || strings.Trim(base.ScenarioSHA256, "0123456789abcdef") != "" {
		t.Errorf("settings.scenario_sha256 %q is not a hex SHA-256", base.ScenarioSHA256)
	}
	if again := settings("again"); again.ScenarioSHA256 != base.ScenarioSHA256 {
		t.Errorf("same scenario, two hashes: %s, %s", base.ScenarioSHA256, again.ScenarioSHA256)
	}
	if set.ScenarioSHA256 == base.ScenarioSHA256 {
		t.Error("an override leaves settings.scenario_sha256 unchanged")
	}
}

// TestVersionOf: the module version, then the VCS revision Go recorded (marked +modified),
// else the one given at link time, else a note that there is none.
func TestVersionOf(t *testing.T) {
	bi := func(version string, kv ...string) *debug.BuildInfo {
		b := &debug.BuildInfo{Main: debug.Module{Path: "github.com/capsim/capsim", Version: version}}
		for i := 0; i+1 < len(kv); i += 2 {
			b.Settings = append(b.Settings, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return b
	}
	const rev = "3605661abcdef0123456789abcdef0123456789a"
	for _, c := range []struct {
		bi   *debug.BuildInfo
		ok   bool
		link string
		want string
	}{
		{bi("v1.2.3", "vcs.revision", rev, "vcs.modified", "false"), true, "", "v1.2.3 rev " + rev},
		{bi("(devel)", "vcs.revision", rev, "vcs.modified", "true"), true, "ffff", "(devel) rev " + rev + "+modified"},
		{bi(""), true, rev, "(devel) rev " + rev},
		{bi("(devel)"), true, "", "(devel) (no VCS revision recorded)"},
		{nil, false, "", "(devel) (no VCS revision recorded)"},
	} {
		if got := versionOf(c.bi, c.ok, c.link); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

// TestVersionRevision builds capsim as `task build` does and checks that `capsim version`
// names the revision git reports for HEAD.
func TestVersionRevision(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skip("not a git checkout")
	}
	rev := strings.TrimSpace(string(head))
	bin := filepath.Join(t.TempDir(), "capsim")
	if b, err := exec.Command("go", "build", "-ldflags", "-X main.revision="+rev, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.Contains(string(out), "rev "+rev) {
		t.Errorf("capsim version: %v\n%s\nwant rev %s", err, out, rev)
	}
}
