package scenarios

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBuiltins loads every scenario file compiled into the binary, so the tier files written by
// hand are checked in CI.
func TestBuiltins(t *testing.T) {
	names := Builtins()
	for _, want := range []string{"examples/mm1", "examples/mmc", "examples/md1"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("Builtins() = %v, lacks %s", names, want)
		}
	}
	for _, n := range names {
		if strings.HasPrefix(n, "testdata") {
			t.Errorf("testdata file %s listed as built-in", n)
		}
		t.Run(n, func(t *testing.T) {
			s, err := LoadFile(n, WithEnv(func(string) (string, bool) { return "", false }))
			if err != nil {
				var l ErrorList
				if errors.As(err, &l) {
					t.Fatalf("\n%s", l.Verbose())
				}
				t.Fatal(err)
			}
			if s.Name == "" || len(s.Flows) == 0 {
				t.Errorf("loaded %s without name or flows", n)
			}
		})
	}
	// Every YAML file on disk under scenarios/ (two levels) is a built-in, except the system
	// files that tiers include.
	disk, _ := filepath.Glob("*.yaml")
	sub, _ := filepath.Glob("*/*.yaml")
	for _, f := range append(disk, sub...) {
		if strings.HasPrefix(f, "testdata") || strings.HasPrefix(filepath.ToSlash(f), systemsDir+"/") {
			continue
		}
		n := strings.TrimSuffix(filepath.ToSlash(f), ".yaml")
		found := false
		for _, b := range names {
			found = found || b == n
		}
		if !found {
			t.Errorf("%s on disk but not a built-in", f)
		}
	}
}

func TestResolve(t *testing.T) {
	name, data, err := Resolve("examples/mm1")
	if err != nil || name != "scenarios/examples/mm1.yaml" || !strings.Contains(string(data), "name: mm1") {
		t.Errorf("Resolve(examples/mm1) = %q, %d bytes, %v", name, len(data), err)
	}
	for _, alias := range []string{"examples/mm1.yaml", "scenarios/examples/mm1.yaml"} {
		if _, d2, err := Resolve(alias); err != nil || string(d2) != string(data) {
			t.Errorf("Resolve(%s): %v", alias, err)
		}
	}
	// An existing path wins.
	p := filepath.Join(t.TempDir(), "x.yaml")
	if err := os.WriteFile(p, []byte("name: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n, d, err := Resolve(p); err != nil || n != p || string(d) != "name: x\n" {
		t.Errorf("Resolve(path) = %q %q %v", n, d, err)
	}
	for _, bad := range []string{"nope", "../examples/mm1", "testdata/deploy", ""} {
		if _, _, err := Resolve(bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("Resolve(%q) = %v, want ErrNotFound", bad, err)
		}
	}
	// A file over the limit is refused without reading it all.
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+10), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Resolve(big); !errors.Is(err, ErrInvalid) {
		t.Errorf("Resolve(big) = %v, want ErrInvalid", err)
	}
}

func env(m map[string]string) Option {
	return WithEnv(func(k string) (string, bool) { v, ok := m[k]; return v, ok })
}

func TestInterpolation(t *testing.T) {
	const text = `name: ${NAME}
# ${NOT_A_VAR} in a comment is left alone
title: "price $${X} for ${WHO:-nobody}"
stations:
  - {name: s, servers: ${SERVERS:-2}, service: ${MEAN}}
flows:
  - {name: f, rate: ${RATE:-80/s}, route: [{station: s}]}
`
	s, err := Load("i.yaml", []byte(text), env(map[string]string{"NAME": "interp", "MEAN": "5ms", "RATE": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "interp" || s.Title != "price ${X} for nobody" || s.Stations[0].Servers != 2 ||
		s.Stations[0].Service.Mean != Duration(5*time.Millisecond) || s.Flows[0].Rate != 80 {
		t.Errorf("got name %q title %q servers %d mean %v rate %v", s.Name, s.Title, s.Stations[0].Servers, s.Stations[0].Service.Mean, s.Flows[0].Rate)
	}
	// A value is type-checked after substitution, and the error points at the ${...} as written.
	_, err = Load("i.yaml", []byte(text), env(map[string]string{"NAME": "x", "MEAN": "5ms", "SERVERS": "many"}))
	line, col := posOf(t, text, "${SERVERS", 0)
	wantAt(t, err, "expected a whole number", line, col)
	// Columns after a substitution on the same line map back to the file as written.
	_, err = Load("i.yaml", []byte(text), env(map[string]string{"NAME": "x", "MEAN": "5 ms"}))
	line, col = posOf(t, text, "${MEAN}", 0)
	wantAt(t, err, `invalid duration "${MEAN}"`, line, col) // the value is hidden: it could be a secret
	// Unset without default.
	_, err = Load("i.yaml", []byte(text), env(map[string]string{"NAME": "x"}))
	wantAt(t, err, "variable MEAN is not set", line, col)
	// Malformed references.
	_, err = Load("i.yaml", []byte("name: ${1A}\n"), env(nil))
	wantAt(t, err, "invalid variable reference ${1A}", 1, 7)
	_, err = Load("i.yaml", []byte("name: x\ntitle: ${A\n"), env(nil))
	wantAt(t, err, "unterminated ${", 2, 8)
	// A value cannot add lines (keys).
	_, err = Load("i.yaml", []byte("name: ${A}\n"), env(map[string]string{"A": "x\nflows: []"}))
	wantAt(t, err, "variable A contains a line break", 1, 7)
}

func wantAt(t *testing.T, err error, msg string, line, col int) {
	t.Helper()
	var l ErrorList
	if !errors.As(err, &l) {
		t.Fatalf("want ErrorList with %q, got %v", msg, err)
	}
	for _, e := range l {
		if strings.Contains(e.Msg, msg) {
			if e.Line != line || e.Col != col {
				t.Errorf("%q at %d:%d, want %d:%d", e.Msg, e.Line, e.Col, line, col)
			}
			return
		}
	}
	t.Errorf("no %q in:\n%s", msg, l.Verbose())
}

func TestSet(t *testing.T) {
	data := []byte(readTestdata(t, "deploy.yaml"))
	s, err := Load("deploy.yaml", data, WithSet(
		"load.design=8000",
		"nodes.search-1.cores=64",
		"services.agent-manager.concurrency=20",
		"flows.ingest.batch=200",
		"services.agent-manager.handlers.search.cpu={dist: gamma, mean: 2ms, cv: 0.5}",
		"stores.0.replicas=2",
		"stores.es.total_shards_per_node=6",
		"nodes.lb-1.disk_parallelism=8", // not in the file: added
		"sim.seed=42",                   // section not in the file: added
		"slo.p95.search=750ms",
		"services.haproxy.placement=[lb-1, db-1]",
	))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		got, want any
	}{
		{s.Load.Design, 8000.0},
		{s.Nodes[1].Cores, 64},
		{s.Services[1].Concurrency, 20},
		{s.Flows[0].Batch, 200},
		{s.Services[1].Handlers[1].CPU, Dist{Kind: Gamma, Mean: Duration(2 * time.Millisecond), CV: 0.5}},
		{s.Stores[0].Replicas, 2},
		{s.Nodes[0].DiskParallelism, 8},
		{s.Sim.Seed, uint64(42)},
		{s.SLO.P95["search"], Duration(750 * time.Millisecond)},
		{len(s.Services[0].Placement), 2},
		// the flows stay written at the file's design load (rates_at); the model scales them
		// by design / rates_at, so the source form's default stays with the file
		{s.Load.RatesAt, 5000.0},
		{s.Flows[0].Sources, 5000.0},
	}
	for i, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("check %d: got %v, want %v", i, c.got, c.want)
		}
	}
	bad := []struct{ set, msg string }{
		{"nodes.search-1.cores=many", "expected a whole number"},
		{"nodes.search-9.cores=4", `no element of nodes is named "search-9"`},
		{"nodes.7.cores=4", "nodes has 6 elements, no index 7"},
		{"load.desgn=5", `unknown field "desgn" in load; did you mean "design"?`},
		{"name.x=1", `name is a string, it has no element "x"`},
		{"load.design", "expected key=value"},
		{"load..design=1", "empty element"},
		{"load.design=[1", "value is not valid YAML"},
		{"stores.es.replicas=5", "impossible shard allocation"},
	}
	for _, b := range bad {
		_, err := Load("deploy.yaml", data, WithSet(b.set))
		var l ErrorList
		if !errors.As(err, &l) {
			t.Errorf("--set %s: got %v", b.set, err)
			continue
		}
		found := false
		for _, e := range l {
			if strings.Contains(e.Msg, b.msg) {
				found = true
				// Errors in the value name the assignment; errors found later point at the file.
				if e.Line == 0 && e.File != "--set "+b.set {
					t.Errorf("--set %s: error names %q", b.set, e.File)
				}
			}
		}
		if !found {
			t.Errorf("--set %s: no %q in\n%s", b.set, b.msg, l.Verbose())
		}
	}
	// An error in a set value names the assignment, not a line of the file.
	_, err = Load("deploy.yaml", data, WithSet("nodes.search-1.cores=many"))
	if err == nil || !strings.HasPrefix(err.Error(), "--set nodes.search-1.cores=many: ") {
		t.Errorf("got %v", err)
	}
}

func TestHostile(t *testing.T) {
	laughs := "name: lol\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 'b'; i <= 'j'; i++ {
		laughs += fmt.Sprintf("%c: &%c [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", i, i, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = string(i)
	}
	cases := []struct {
		name, text, msg string
	}{
		{"too big", "name: x\n" + strings.Repeat("#", MaxFileSize), "larger than the"},
		{"billion laughs", laughs, "more than 100000 nodes once aliases are expanded"},
		{"deep flow", "name: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000), "nesting deeper than 64"},
		{"deep block", deepBlock(200), "nesting deeper than 64"},
		{"deep dashes", strings.Repeat("- ", 100) + "x\n", "nesting deeper than 64"},
		{"many items", "a: [" + strings.Repeat("1,", 300000) + "1]\n", "more than 200000 lines and list items"},
		{"not utf-8", "name: \xff\xfe\n", "not UTF-8"},
		{"two documents", "name: a\n---\nname: b\n", "one YAML document"},
		{"empty", "# nothing\n", "empty scenario"},
		// a variable cannot add structure at all, let alone nesting
		{"interpolated nesting", "name: ${DEEP}\n", "its value is not a single scalar"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("h.yaml", []byte(tc.text), env(map[string]string{"DEEP": strings.Repeat("[", 1000)}))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %v, want %q", err, tc.msg)
			}
		})
	}
	// Nesting at the limit of a real file is fine: 20 levels.
	if err := prescan([]byte(deepBlock(20))); err != nil {
		t.Errorf("20 levels rejected: %v", err)
	}
}

func deepBlock(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat(" ", i))
		b.WriteString(fmt.Sprintf("k%d:\n", i))
	}
	b.WriteString(strings.Repeat(" ", n) + "v\n")
	return b.String()
}

func TestAllocateShards(t *testing.T) {
	for nodes := 1; nodes <= 6; nodes++ {
		for shards := 1; shards <= 8; shards++ {
			for replicas := 0; replicas <= 3; replicas++ {
				for cap := 0; cap <= 5; cap++ {
					st := Store{Name: "s", Nodes: make([]string, nodes), Shards: shards, Replicas: replicas, TotalShardsPerNode: cap}
					copies := shards * (replicas + 1)
					feasible := replicas+1 <= nodes && (cap == 0 || copies <= nodes*cap)
					alloc, err := AllocateShards(st)
					if feasible != (err == nil) {
						t.Fatalf("%+v: feasible %v, err %v", st, feasible, err)
					}
					if err != nil {
						continue
					}
					per := make([]int, nodes)
					prim := make([]int, nodes)
					for _, cp := range alloc {
						if len(cp) != replicas+1 {
							t.Fatalf("%+v: %d copies", st, len(cp))
						}
						seen := map[int]bool{}
						for _, n := range cp {
							if n < 0 || n >= nodes || seen[n] {
								t.Fatalf("%+v: copies %v not on distinct nodes", st, cp)
							}
							seen[n] = true
							per[n]++
						}
						prim[cp[0]]++
					}
					lo, hi := spread(per)
					if hi-lo > 1 || cap > 0 && hi > cap {
						t.Errorf("%+v: copies per node %v", st, per)
					}
					if lo, hi := spread(prim); hi-lo > 1 && shards >= nodes {
						t.Errorf("%+v: primaries per node %v", st, prim)
					}
					again, _ := AllocateShards(st)
					if fmt.Sprint(again) != fmt.Sprint(alloc) {
						t.Fatalf("not deterministic")
					}
				}
			}
		}
	}
}

func spread(xs []int) (lo, hi int) {
	lo, hi = xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return
}

func TestDefaults(t *testing.T) {
	s, err := Load("d.yaml", []byte(`name: d
load: {design: 400}
stations: [{name: s, service: 1ms}]
nodes: [{name: n, cores: 2}]
services: [{name: a, placement: [n], handlers: [{class: c, calls: [{queue: q}]}]}]
queues: [{name: q, concurrency: 1, consumer: {service: b, class: c}}]
databases: [{name: db, primary: n}]
flows:
  - {name: f, route: [{station: s}], events_per_source: 1/s}
  - {name: g, rate: 1/s, entry: {service: a, class: c}}
`+"services2: x\n"[:0]+`services:
  - {name: b, placement: [n], handlers: [{class: c}]}
`), env(nil))
	if err == nil {
		t.Fatal("two services keys accepted")
	}
	s, err = Load("d.yaml", []byte(`name: d
load: {design: 400}
stations: [{name: s, service: 1ms}]
nodes: [{name: n, cores: 2}]
services:
  - {name: a, placement: [n], handlers: [{class: c, calls: [{queue: q}]}]}
  - {name: b, placement: [n], handlers: [{class: c}]}
queues: [{name: q, concurrency: 1, consumer: {service: b, class: c}}]
databases: [{name: db, primary: n}]
flows:
  - {name: f, route: [{station: s}], events_per_source: 1/s}
  - {name: g, rate: 1/s, entry: {service: a, class: c}}
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := []any{s.Load.Variable, s.Load.Unit, s.Load.Design, s.Load.Min, s.Load.Max, s.Load.Points,
		s.SLO.Memory, s.SLO.QueueTrigger, s.SLO.MaxDropRatio,
		s.Sim.Seed, s.Sim.Replications, s.Sim.Duration, s.Sim.Warmup,
		s.Stations[0].Servers, s.Stations[0].Discipline, s.Nodes[0].DiskParallelism,
		s.Services[0].Balancer.Policy, s.Queues[0].Overflow, s.Databases[0].ReadRouting, s.Databases[0].Replication,
		s.Flows[0].Arrivals, s.Flows[0].PeakFactor, s.Flows[0].Batch, s.Flows[0].Sources, s.Flows[1].Sources,
		s.Flows[1].Entry.Probability, s.Services[0].Handlers[0].Calls[0].Probability, s.Storage.IndexRatio,
		s.Stations[0].Service.Kind}
	want := []any{"scale", "scale", 400.0, 20.0, 8000.0, 8,
		0.8, 100.0, 0.001,
		uint64(1), 0, Duration(60 * time.Second), Duration(0),
		1, "fcfs", 4,
		"round_robin", "block", "primary", "async",
		"poisson", 1.0, 1, 400.0, 0.0,
		1.0, 1.0, 1.0,
		Exponential}
	for i := range want {
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
			t.Errorf("default %d: got %v, want %v", i, got[i], want[i])
		}
	}
	// Idempotent.
	before := fmt.Sprintf("%+v", *s)
	s.ApplyDefaults()
	if after := fmt.Sprintf("%+v", *s); after != before {
		t.Errorf("ApplyDefaults not idempotent")
	}
}

func TestJSONSchema(t *testing.T) {
	b, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Ref  string `json:"$ref"`
		Defs map[string]struct {
			Properties           map[string]json.RawMessage `json:"properties"`
			AdditionalProperties *bool                      `json:"additionalProperties"`
			OneOf                []json.RawMessage          `json:"oneOf"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	sc, ok := doc.Defs["Scenario"]
	if !ok || doc.Ref != "#/$defs/Scenario" {
		t.Fatalf("no Scenario definition: ref %q", doc.Ref)
	}
	for _, k := range []string{"name", "load", "stations", "nodes", "services", "flows", "slo"} {
		if _, ok := sc.Properties[k]; !ok {
			t.Errorf("schema lacks property %s", k)
		}
	}
	if sc.AdditionalProperties == nil || *sc.AdditionalProperties {
		t.Errorf("unknown keys are not refused")
	}
	if d, ok := doc.Defs["Dist"]; !ok || len(d.OneOf) != 2 {
		t.Errorf("Dist is not scalar-or-mapping: %+v", d)
	}
}

// FuzzLoad: whatever the bytes, Load returns a scenario or an error, never panics, and a
// returned scenario passes validation again.
func FuzzLoad(f *testing.F) {
	for _, n := range Builtins() {
		_, data, err := Resolve(n)
		if err == nil {
			f.Add(data)
		}
	}
	if b, err := os.ReadFile("testdata/deploy.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("a: &a [1]\nb: [*a, *a]\nname: ${X:-y}\n"))
	f.Add([]byte("{name: x, flows: [{name: f, rate: 1, route: [{station: s}]}], stations: [{name: s, service: 1ms}]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Load("f.yaml", data, env(map[string]string{"X": "1"}))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("loaded scenario fails Validate: %v", err)
		}
	})
}

// BenchmarkLoad measures loading the largest built-in tier (decode, defaults, validation).
func BenchmarkLoad(b *testing.B) {
	_, data, err := Resolve("large")
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load("large.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBillionLaughs: the alias bomb is refused before anything expands it.
func BenchmarkBillionLaughs(b *testing.B) {
	laughs := "name: lol\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 'b'; i <= 'j'; i++ {
		laughs += fmt.Sprintf("%c: &%c [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", i, i, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = string(i)
	}
	data := []byte(laughs)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load("lol.yaml", data); err == nil {
			b.Fatal("accepted")
		}
	}
}

func TestLoadTestSection(t *testing.T) {
	base := readTestdata(t, "deploy.yaml") + `loadtest:
  target: http://127.0.0.1:8080
  executor: constant-arrival-rate
  rate: 200
  timeUnit: 1s
  thresholds:
    http_req_duration: ["p(95)<500", {threshold: "p(99)<900", abortOnFail: true}]
`
	s, err := Load("lt.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if s.LoadTest == nil || s.LoadTest.Rate != 200 || len(s.LoadTest.Thresholds["http_req_duration"]) != 2 ||
		!s.LoadTest.Thresholds["http_req_duration"][1].AbortOnFail {
		t.Errorf("loadtest decoded as %+v", s.LoadTest)
	}
	bad := strings.Replace(base, "executor: constant-arrival-rate", "executor: warp-speed", 1)
	_, err = Load("lt.yaml", []byte(bad))
	line, col := posOf(t, bad, "warp-speed", 0)
	wantAt(t, err, `loadtest.executor "warp-speed"`, line, col)
}
