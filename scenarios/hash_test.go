package scenarios

import (
	"path/filepath"
	"strings"
	"testing"
)

// The composed tier of compose_test.go written as one file: the same resolved content.
const composeFlat = `name: tier
assumptions:
  - {what: "web CPU per request", value: "2ms", source: "assumed"}
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
    concurrency: 50
    placement: [n1, n2]
    balancer: {overhead: 100us, policy: least_conn}
    handlers:
      - class: get
        cpu: 2ms
        calls:
          - {database: pg, op: read}
databases:
  - name: pg
    primary: db
    pool: 20
    read: {cpu: 500us}
    write: {cpu: 1ms, disk: 500us}
flows:
  - {name: get, rate: 50/s, entry: {service: web, class: get}}
`

// TestScenarioSHA256: the hash is of the resolved content: a composed scenario and the same
// model in one file (in another folder) hash alike; an override or a changed value changes it.
func TestScenarioSHA256(t *testing.T) {
	dir := writeFiles(t, map[string]string{"system/web.yaml": composeSystem, "tier.yaml": composeTier, "elsewhere/flat.yaml": composeFlat})
	load := func(name string, opts ...Option) string {
		t.Helper()
		s, err := LoadFile(filepath.Join(dir, name), opts...)
		if err != nil {
			t.Fatalf("%s: %v", name, verbose(err))
		}
		h := s.SHA256()
		if len(h) != 64 {
			t.Fatalf("hash %q is not a hex SHA-256", h)
		}
		return h
	}
	composed, flat := load("tier.yaml"), load("elsewhere/flat.yaml")
	if composed != flat {
		t.Errorf("composed %s ≠ one file %s", composed, flat)
	}
	if again := load("tier.yaml"); again != composed {
		t.Errorf("not stable: %s then %s", composed, again)
	}
	if set := load("tier.yaml", WithSet("load.design=200")); set == composed {
		t.Error("an override leaves the hash unchanged")
	}
	if same := load("tier.yaml", WithSet("load.design=100")); same != composed {
		t.Error("an override to the value already there changes the hash")
	}
}

// TestBuiltinDidYouMean: a mistyped built-in name gets the nearest built-in (edit distance ≤ 2,
// or the same last path element); a name near nothing gets the list only.
func TestBuiltinDidYouMean(t *testing.T) {
	for arg, want := range map[string]string{
		"medum": "medium", "larg": "large", "mm1": "examples/mm1", "thingspanel/smal": "thingspanel/small",
		"medium-failure": "medium-failures", "examples/mm2": "examples/mm1",
	} {
		_, err := LoadFile(arg)
		if err == nil || !strings.Contains(err.Error(), `did you mean "`+want+`"?`) {
			t.Errorf("%s: %v, want did you mean %q", arg, err, want)
		}
	}
	if _, err := LoadFile("xyzzy-nothing"); err == nil || strings.Contains(err.Error(), "did you mean") || !strings.Contains(err.Error(), "built-ins: ") {
		t.Errorf("xyzzy-nothing: %v", err)
	}
}
