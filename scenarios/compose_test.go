package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// writeFiles writes name → text under a new temporary folder and returns the folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A system file: what the system is (services, handlers, costs), no deployment.
const composeSystem = `assumptions:
  - {what: "web CPU per request", value: "2ms", source: "assumed"}
services:
  - name: web
    concurrency: 50
    balancer: {overhead: 100us}
    handlers:
      - class: get
        cpu: 2ms
        calls:
          - {database: pg, op: read}
databases:
  - name: pg
    pool: 20
    read: {cpu: 500us}
    write: {cpu: 1ms, disk: 500us}
`

// A tier file: where it runs and how it is used.
const composeTier = `include: [system/web.yaml]
name: tier
assumptions:
  - {what: "users per node", value: "100", source: "assumed"}
load: {variable: users, design: 100}
slo: {p95: {get: 500ms}}
sim: {duration: 30s, seed: 7}
nodes:
  - {name: n1, cores: 4}
  - {name: n2, cores: 4}
  - {name: db, cores: 8}
services:
  - name: web
    placement: [n1, n2]
    balancer: {policy: least_conn}
databases:
  - name: pg
    primary: db
flows:
  - {name: get, rate: 50/s, entry: {service: web, class: get}}
`

func TestComposeInclude(t *testing.T) {
	dir := writeFiles(t, map[string]string{"system/web.yaml": composeSystem, "tier.yaml": composeTier})
	tier := filepath.Join(dir, "tier.yaml")
	s, err := LoadFile(tier)
	if err != nil {
		t.Fatalf("%v", verbose(err))
	}
	web := s.Services[0]
	if len(s.Services) != 1 || web.Name != "web" || web.Concurrency != 50 ||
		!cmp.Equal(web.Placement, []string{"n1", "n2"}) || web.Balancer.Policy != "least_conn" ||
		web.Balancer.Overhead != Duration(100*time.Microsecond) || len(web.Handlers) != 1 ||
		web.Handlers[0].CPU.Mean != Duration(2*time.Millisecond) {
		t.Errorf("service not composed from both files: %+v", web)
	}
	if db := s.Databases[0]; db.Primary != "db" || db.Pool != 20 || db.Write.Disk.Mean != Duration(500*time.Microsecond) {
		t.Errorf("database not composed: %+v", db)
	}
	system := filepath.Join(dir, "system", "web.yaml")
	if diff := cmp.Diff([]string{tier, system}, s.Files); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
	var got [][2]string
	for _, a := range s.Assumptions {
		got = append(got, [2]string{a.What, a.File})
	}
	want := [][2]string{{"web CPU per request", system}, {"users per node", tier}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("assumptions and their files (-want +got):\n%s", diff)
	}
	// A --set reaches a value written in the included file.
	s, err = LoadFile(tier, WithSet("services.web.handlers.get.cpu=3ms"))
	if err != nil || s.Services[0].Handlers[0].CPU.Mean != Duration(3*time.Millisecond) {
		t.Errorf("--set on an included value: %v", verbose(err))
	}
}

func TestComposeOverride(t *testing.T) {
	// A calibration profile includes the system file and overrides one measured cost; the tier
	// includes the profile. The including file wins over the included one, field by field.
	calib := `include: [system/web.yaml]
assumptions:
  - {what: "web CPU per request, measured", value: "2.6ms", source: "capsim load, 2026-12"}
services:
  - name: web
    handlers:
      - class: get
        cpu: {dist: gamma, mean: 2.6ms, cv: 0.4}
`
	dir := writeFiles(t, map[string]string{
		"system/web.yaml": composeSystem,
		"calib.yaml":      calib,
		"tier.yaml":       strings.Replace(composeTier, "include: [system/web.yaml]", "include: [calib.yaml]", 1),
	})
	s, err := LoadFile(filepath.Join(dir, "tier.yaml"), WithSet("sim.duration=10s"))
	if err != nil {
		t.Fatalf("%v", verbose(err))
	}
	h := s.Services[0].Handlers[0]
	if h.CPU.Kind != Gamma || h.CPU.Mean != Duration(2600*time.Microsecond) || len(h.Calls) != 1 {
		t.Errorf("handler = %+v, want the profile's cpu and the system file's calls", h)
	}
	if len(s.Assumptions) != 3 || len(s.Files) != 3 || s.Sim.Seed != 7 || s.Sim.Duration != Duration(10*time.Second) {
		t.Errorf("assumptions %d, files %v, sim %+v", len(s.Assumptions), s.Files, s.Sim)
	}
}

func TestComposeExtends(t *testing.T) {
	failures := `# faults only
extends: tier.yaml
name: tier-failures
sim: {duration: 600s, replications: 3}
failures:
  - {name: "n2 lost", at: 60s, node: n2, kind: crash, recover_after: 2m}
`
	dir := writeFiles(t, map[string]string{"system/web.yaml": composeSystem, "tier.yaml": composeTier, "f.yaml": failures})
	s, err := LoadFile(filepath.Join(dir, "f.yaml"))
	if err != nil {
		t.Fatalf("%v", verbose(err))
	}
	if s.Name != "tier-failures" || s.Sim.Duration != Duration(600*time.Second) || s.Sim.Seed != 7 ||
		s.Sim.Replications != 3 || len(s.Failures) != 1 || len(s.Nodes) != 3 || len(s.Services[0].Placement) != 2 {
		t.Errorf("extends: name %q sim %+v failures %d nodes %d", s.Name, s.Sim, len(s.Failures), len(s.Nodes))
	}
	if len(s.Files) != 3 {
		t.Errorf("Files = %v", s.Files)
	}
}

// TestComposeErrors: every problem is reported at the file, line and column where it was
// written, included files too.
func TestComposeErrors(t *testing.T) {
	peer := `services:
  - name: web
    handlers: [{class: get, cpu: 1ms}]
`
	tests := []struct {
		name  string
		files map[string]string
		root  string
		// want: file (relative to the folder), line, col and a part of the message.
		file      string
		line, col int
		msg       string
	}{
		{
			name: "value in the included file",
			files: map[string]string{
				"system/web.yaml": strings.Replace(composeSystem, "cpu: 2ms", "cpu: -2ms", 1),
				"tier.yaml":       composeTier,
			},
			file: "system/web.yaml", line: 9, col: 14, msg: "negative",
		},
		{
			name: "unknown key in the included file",
			files: map[string]string{
				"system/web.yaml": strings.Replace(composeSystem, "concurrency: 50", "concurency: 50", 1),
				"tier.yaml":       composeTier,
			},
			file: "system/web.yaml", line: 5, col: 5, msg: `unknown field "concurency"`,
		},
		{
			name: "reference from the tier to a name the system lacks",
			files: map[string]string{
				"system/web.yaml": composeSystem,
				"tier.yaml":       strings.Replace(composeTier, "entry: {service: web, class: get}", "entry: {service: web, class: put}", 1),
			},
			file: "tier.yaml", line: 20, col: 58, msg: `no handler for class "put"`,
		},
		{
			name: "${VAR} in the included file",
			files: map[string]string{
				"system/web.yaml": strings.Replace(composeSystem, "pool: 20", "pool: ${POOL}", 1),
				"tier.yaml":       composeTier,
			},
			file: "system/web.yaml", line: 14, col: 11, msg: "variable POOL is not set",
		},
		{
			name: "a whole-scenario problem points at the including file",
			files: map[string]string{
				"system/web.yaml": composeSystem,
				"tier.yaml":       strings.Replace(composeTier, "name: tier\n", "", 1),
			},
			file: "tier.yaml", line: 2, col: 1, msg: "needs a name",
		},
		{
			name: "a component the including file completes: its problem points there",
			files: map[string]string{
				"system/web.yaml": composeSystem,
				"tier.yaml":       strings.Replace(composeTier, "    placement: [n1, n2]\n", "", 1),
			},
			file: "tier.yaml", line: 13, col: 5, msg: "needs at least one node",
		},
		{
			name:  "missing file",
			files: map[string]string{"tier.yaml": composeTier},
			file:  "tier.yaml", line: 1, col: 11, msg: `"system/web.yaml": no such file`,
		},
		{
			name: "missing base",
			files: map[string]string{
				"f.yaml": "name: f\nextends: nowhere.yaml\n",
			},
			root: "f.yaml", file: "f.yaml", line: 2, col: 10, msg: `"nowhere.yaml": no such file`,
		},
		{
			name: "cycle",
			files: map[string]string{
				"a.yaml": "name: a\nextends: b.yaml\n",
				"b.yaml": "include:\n  - c.yaml\n",
				"c.yaml": "extends: a.yaml\n",
			},
			root: "a.yaml", file: "c.yaml", line: 1, col: 10, msg: "include cycle: ",
		},
		{
			name: "included twice",
			files: map[string]string{
				"system/web.yaml": composeSystem,
				"tier.yaml":       strings.Replace(composeTier, "include: [system/web.yaml]", "include: [system/web.yaml, system/../system/web.yaml]", 1),
			},
			file: "tier.yaml", line: 1, col: 28, msg: "already part of this scenario",
		},
		{
			name: "a component defined in two included files",
			files: map[string]string{
				"system/web.yaml": composeSystem,
				"peer.yaml":       peer,
				"tier.yaml":       strings.Replace(composeTier, "include: [system/web.yaml]", "include: [system/web.yaml, peer.yaml]", 1),
			},
			file: "peer.yaml", line: 2, col: 5, msg: `service "web" is defined in two included files: here and at ` + "DIR/system/web.yaml:4:5",
		},
		{
			name: "a value set in two included files",
			files: map[string]string{
				"system/web.yaml": composeSystem,
				"peer.yaml":       "sim: {duration: 5s}\n",
				"other.yaml":      "sim:\n  duration: 6s\n",
				"tier.yaml":       strings.Replace(composeTier, "include: [system/web.yaml]", "include: [system/web.yaml, peer.yaml, other.yaml]", 1),
			},
			file: "other.yaml", line: 2, col: 13, msg: "sim.duration is set in two included files: here and at DIR/peer.yaml:1:17",
		},
		{
			name:  "include is not a list",
			files: map[string]string{"tier.yaml": strings.Replace(composeTier, "include: [system/web.yaml]", "include: system/web.yaml", 1)},
			file:  "tier.yaml", line: 1, col: 10, msg: "include: expected a list of file names",
		},
		{
			name: "included file is not a mapping",
			files: map[string]string{
				"system/web.yaml": "- a\n- b\n",
				"tier.yaml":       composeTier,
			},
			file: "system/web.yaml", line: 1, col: 1, msg: "must be a mapping",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			root := tt.root
			if root == "" {
				root = "tier.yaml"
			}
			_, err := LoadFile(filepath.Join(dir, root), WithEnv(func(string) (string, bool) { return "", false }))
			var l ErrorList
			if !errors.As(err, &l) {
				t.Fatalf("want an ErrorList, got %v", err)
			}
			msg := strings.ReplaceAll(tt.msg, "DIR", dir)
			for _, e := range l {
				if !strings.Contains(e.Msg, msg) {
					continue
				}
				if e.File != filepath.Join(dir, tt.file) || e.Line != tt.line || tt.col != 0 && e.Col != tt.col {
					t.Errorf("%q at %s:%d:%d, want %s:%d:%d", e.Msg, e.File, e.Line, e.Col, tt.file, tt.line, tt.col)
				}
				if e.Snippet == "" {
					t.Errorf("%q has no source snippet", e.Msg)
				}
				return
			}
			t.Errorf("no %q in:\n%s", msg, l.Verbose())
		})
	}
}

// TestComposeAnchors: anchors belong to the file that defines them, so two files may use the
// same anchor name.
func TestComposeAnchors(t *testing.T) {
	system := strings.Replace(composeSystem, "cpu: 2ms", "cpu: &c 2ms", 1)
	system = strings.Replace(system, "read: {cpu: 500us}", "read: {cpu: *c}", 1)
	tier := strings.Replace(composeTier, "sim: {duration: 30s, seed: 7}", "sim: {duration: &c 30s, seed: 7, warmup: *c}", 1)
	dir := writeFiles(t, map[string]string{"system/web.yaml": system, "tier.yaml": tier})
	s, err := LoadFile(filepath.Join(dir, "tier.yaml"))
	if err != nil {
		t.Fatalf("%v", verbose(err))
	}
	if s.Databases[0].Read.CPU.Mean != Duration(2*time.Millisecond) || s.Sim.Warmup != Duration(30*time.Second) {
		t.Errorf("aliases resolved across files: read cpu %v, warmup %v", s.Databases[0].Read.CPU.Mean, s.Sim.Warmup)
	}
}

// TestBuiltinComposition: the UTMStack tiers include one system file; failure files extend a
// tier; includes of built-ins are read from the built-in files.
func TestBuiltinComposition(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files []string
	}{
		{"medium", []string{"scenarios/medium.yaml", "scenarios/systems/utmstack.yaml"}},
		{"medium-failures", []string{"scenarios/medium-failures.yaml", "scenarios/medium.yaml", "scenarios/systems/utmstack.yaml"}},
		{"elma365/cluster-failures", []string{"scenarios/elma365/cluster-failures.yaml", "scenarios/elma365/cluster.yaml"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadFile(tt.name)
			if err != nil {
				t.Fatalf("%v", verbose(err))
			}
			if diff := cmp.Diff(tt.files, s.Files); diff != "" {
				t.Errorf("Files (-want +got):\n%s", diff)
			}
			for _, a := range s.Assumptions {
				if a.File == "" {
					t.Errorf("assumption %q has no file", a.What)
				}
			}
		})
	}
	for _, b := range Builtins() {
		if strings.HasPrefix(b, systemsDir+"/") {
			t.Errorf("system file %s listed as a built-in scenario", b)
		}
	}
}

func verbose(err error) string {
	var l ErrorList
	if errors.As(err, &l) {
		return l.Verbose()
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
