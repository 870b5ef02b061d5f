package scenarios

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const plainBase = `name: plain
stations:
  - name: a
    servers: 2
    service: 10ms
  - name: b
    service: {dist: uniform, min: 1ms, max: 3ms}
flows:
  - name: jobs
    rate: 80/s
    route:
      - station: a
      - branch:
          - probability: 0.5
            route: [{station: b}]
          - probability: 0.4
            route: [{station: a}]
`

// posOf is the 1-based line and column (in characters) of the unique occurrence of at in text,
// plus off characters: the independent truth of where an error must point.
func posOf(t *testing.T, text, at string, off int) (int, int) {
	t.Helper()
	i := strings.Index(text, at)
	if i < 0 || strings.Count(text, at) != 1 {
		t.Fatalf("marker %q found %d times in the test input", at, strings.Count(text, at))
	}
	i += len(at[:off])
	line := 1 + strings.Count(text[:i], "\n")
	lineStart := strings.LastIndex(text[:i], "\n") + 1
	return line, 1 + utf8.RuneCountInString(text[lineStart:i])
}

func TestValidationErrors(t *testing.T) {
	deploy := readTestdata(t, "deploy.yaml")
	cases := []struct {
		name     string
		base     string // "" = deploy.yaml
		old, new string
		msg      string // substring of the error message
		at       string // unique substring of the mutated text where the error points
		off      int    // characters into at
	}{
		{"unknown key", "", "    cores: 4\n", "    cores: 4\n    corez: 5\n", `unknown field "corez" in nodes; did you mean "cores"?`, "corez", 0},
		{"duplicate key", "", "    cores: 4\n", "    cores: 4\n    cores: 5\n", `mapping key "cores" already defined`, "cores: 5", 0},
		{"integer expected", "", "  - name: lb-1\n    cores: 4", "  - name: lb-1\n    cores: many", "expected a whole number, got a string \"many\"", "many", 0},
		{"float for int", "", "  - name: lb-1\n    cores: 4", "  - name: lb-1\n    cores: 4.5", "expected a whole number", "4.5", 0},
		{"list expected", "", "placement: [lb-1]", "placement: lb-1", "expected a list, got a string", "lb-1\n    handlers", 0},
		{"mapping expected", "", "slo:\n  p95:", "slo: 3\nxslo:\n  p95:", "expected a mapping", "slo: 3", 5},
		{"empty name", "", "name: deploy", `name: ""`, "the scenario needs a name", `""`, 0},
		{"placement node", "", "placement: [lb-1]", "placement: [lb-9]", `service "haproxy": no node "lb-9" (nodes: db-1, db-2, lb-1, search-1, search-2, search-3)`, "lb-9", 0},
		{"duplicate node", "", "  - name: lb-1\n    cores: 4", "  - name: lb-1\n    cores: 4\n  - name: lb-1\n    cores: 2", `duplicate node name "lb-1" (first at line 14)`, "lb-1\n    cores: 2", 0},
		{"single instance", "", "  - name: agent-manager\n    placement:", "  - name: agent-manager\n    single_instance: true\n    placement:", `service "agent-manager" is single_instance but placed 2 times`, "[search-1, search-2]", 0},
		{"weights count", "", "weights: [2, 1]", "weights: [2, 1, 1]", "3 balancer weights for 2 instances", "[2, 1, 1]", 0},
		{"availability node", "", "flows:\n  - name: ingest", "availability:\n  mtbf: 15768h\n  mttr: 4h\n  nodes:\n    db-1: {mtbf: 15768h, mttr: 8h}\n    serch-1: {mtbf: 15768h, mttr: 8h}\nflows:\n  - name: ingest",
			`availability.nodes: no node "serch-1" (nodes: db-1, db-2, lb-1, search-1, search-2, search-3)`, "serch-1: {mtbf", 10},
		{"availability mtbf", "", "flows:\n  - name: ingest", "availability:\n  mtbf: 15768h\n  mttr: 4h\n  nodes:\n    db-1: {mttr: 8h}\nflows:\n  - name: ingest",
			`availability.nodes.db-1.mtbf must be > 0`, "db-1: {mttr", 7},
		{"policy enum", "", "policy: weighted", "policy: fastest", `balancer policy must be round_robin, least_conn, weighted, source_hash or random, got "fastest"`, "fastest", 0},
		{"call class", "", "- {service: agent-manager, class: ingest}", "- {service: agent-manager, class: nope}", `service "agent-manager" has no handler for class "nope" (handlers: ingest, search)`, "nope", 0},
		{"call service", "", "- {service: agent-manager, class: ingest}", "- {service: agent-mgr, class: ingest}", `no service "agent-mgr"`, "agent-mgr", 0},
		{"call without class", "", "- {service: agent-manager, class: ingest}", "- {service: agent-manager}", `a call to service "agent-manager" needs a class`, "service: agent-manager}", 0},
		{"two targets", "", "- {queue: correlate}", "- {queue: correlate, cache: redis}", "a call has exactly one target, this one has queue, cache", "queue: correlate, cache", 0},
		{"no target", "", "- {queue: correlate}", "- {probability: 0.5}", "a call needs exactly one target", "probability: 0.5}\n      - class", 0},
		{"queue ref", "", "- {queue: correlate}", "- {queue: correlat}", `no queue "correlat"`, "correlat}", 0},
		{"consumer ref", "", "consumer: {service: correlation,", "consumer: {service: correlator,", `no service "correlator"`, "correlator", 0},
		{"queue concurrency", "", "    concurrency: 8\n", "    concurrency: 0\n", `queue "correlate" needs concurrency ≥ 1`, "concurrency: 0", 13},
		{"overflow enum", "", "overflow: drop", "overflow: spill", `overflow must be block or drop, got "spill"`, "spill", 0},
		{"store node", "", "nodes: [search-1, search-2, search-3]", "nodes: [search-1, search-2, search-9]", `store "es": no node "search-9"`, "search-9", 0},
		{"store op", "", "{store: es, op: index}", "{store: es, op: write}", `a store call needs op index or query, got "write"`, "write}", 0},
		{"shards per node", "", "total_shards_per_node: 4", "total_shards_per_node: 3", "impossible shard allocation: store \"es\": 6 shards × 2 copies = 12 shard copies do not fit on 3 nodes × total_shards_per_node 3 = 9", "total_shards_per_node: 3", 23},
		{"replicas vs nodes", "", "    replicas: 1\n    total", "    replicas: 3\n    total", "impossible shard allocation: store \"es\": each shard has 4 copies (1 primary + 3 replicas) that need 4 distinct nodes, but the store has 3", "replicas: 3", 10},
		{"db primary", "", "primary: db-1", "primary: db-7", `database "pg": no node "db-7"`, "db-7", 0},
		{"db op", "", "{database: pg, op: read,", "{database: pg, op: query,", `a database call needs op read or write, got "query"`, "query,", 0},
		{"read routing", "", "read_routing: replicas", "read_routing: nearest", `read_routing must be primary, replicas or all, got "nearest"`, "nearest", 0},
		{"hit ratio", "", "hit_ratio: 0.8", "hit_ratio: 1.5", "hit_ratio must be in [0, 1], got 1.5", "1.5", 0},
		{"cache node", "", "    nodes: [db-2]\n    hit_ratio", "    nodes: [db-3]\n    hit_ratio", `cache "redis": no node "db-3"`, "db-3", 0},
		{"probability", "", "probability: 0.5", "probability: 1.5", "probability must be in (0, 1], got 1.5", "1.5", 0},
		{"probability zero", "", "probability: 0.5", "probability: 0", "probability 0 means the call is never made", "probability: 0}", 13},
		{"call cycle", "", "          - {store: es, op: index}", "          - {service: agent-manager, class: ingest}", "call cycle: agent-manager.ingest → correlation.correlate → agent-manager.ingest", "service: agent-manager, class: ingest}\nqueues", 0},
		{"negative", "", "concurrency: 10", "concurrency: -1", "must not be negative, got -1", "concurrency: -1", 13},
		{"lognormal p95", "", "p95: 80ms", "p95: 20ms", "lognormal p95 (20ms) must be greater than its mean (30ms)", "20ms", 0},
		{"lognormal sigma", "", "p95: 80ms", "p95: 3s", "no lognormal has mean 30ms and p95 3s", "3s}", 0},
		{"gamma cv", "", "{dist: gamma, mean: 200us, cv: 0.5}", "{dist: gamma, mean: 200us}", "gamma distribution needs cv > 0", "dist: gamma", 0},
		{"dist unknown key", "", "{dist: gamma, mean: 200us, cv: 0.5}", "{dist: gamma, mean: 200us, cv: 0.5, shape: 2}", `unknown field "shape" in cpu (known: cv, dist, max, mean, min, p95, samples)`, "shape", 0},
		{"dist kind", "", "{dist: gamma, mean: 200us, cv: 0.5}", "{dist: weibull, mean: 200us}", `unknown distribution "weibull"`, "weibull", 0},
		{"dist bad duration", "", "cpu: 1ms\n", "cpu: 1 ms\n", `invalid duration "1 ms"`, "1 ms", 0},
		{"duration without unit", "", "cpu: 10us", "cpu: 10", "duration 10 needs a unit, e.g. 10ms or 10s", "cpu: 10\n", 5},
		{"bad rate", "", "events_per_source: 2/s", "events_per_source: 2/fortnight", `invalid rate unit "fortnight"`, "2/fortnight", 0},
		{"bad size", "", "event_size: 600B", "event_size: lots", `invalid size "lots"`, "lots", 0},
		{"sizing cores", "", "slo:\n", "sizing: {cores: 0, load: 5000, source: \"seed 000\"}\nslo:\n", "sizing.cores must be > 0", "cores: 0", 7},
		{"sizing load", "", "slo:\n", "sizing: {cores: 32, load: 0, source: \"seed 000\"}\nslo:\n", "sizing.load must be > 0", "load: 0", 6},
		{"sizing source", "", "slo:\n", "sizing: {cores: 32, load: 5000}\nslo:\n", "sizing.source must cite where the seed gives this sizing", "cores: 32, load: 5000}", 0},
		{"flow two forms", "", "    events_per_source: 2/s", "    rate: 9/s\n    events_per_source: 2/s", `flow "ingest" has rate and events_per_source: give exactly one`, "name: ingest\n", 0},
		{"flow no form", "", "    events_per_source: 2/s\n", "", `flow "ingest" needs one of rate, events_per_source (or bytes_per_month + event_size), population`, "name: ingest\n", 0},
		{"bytes without size", "", "    events_per_source: 2/s", "    bytes_per_month: 10TB", `flow "ingest": bytes_per_month needs event_size`, "10TB", 0},
		{"entry and mix", "", "    think: 5s\n", "    think: 5s\n    entry: {service: haproxy, class: ingest}\n", `flow "search" has entry and mix: give exactly one`, "name: search\n", 0},
		{"think without population", "", "    batch: 100\n", "    batch: 100\n    think: 1s\n", `flow "ingest": think is only for a closed flow`, "1s\n", 0},
		{"mix weight", "", "weight: 3", "weight: 0", "mix weight must be > 0", "0, entry", 0},
		{"mix entry and route", "", "{name: heavy, weight: 1, entry: {service: agent-manager, class: search}}", "{name: heavy, weight: 1, entry: {service: agent-manager, class: search}, route: [{station: a}]}", `mix entry "heavy" has entry and route`, "name: heavy", 0},
		{"batch zero", "", "batch: 100", "batch: 0", "batch must be > 0 (leave it out for the default)", "batch: 0", 7},
		{"slo flow", "", "p95: {ingest: 2s,", "p95: {ingst: 2s,", `slo.p95: no flow "ingst" (flows: ingest, search)`, "2s,", 0},
		{"slo utilization", "", "utilization: 0.7", "utilization: 1", "slo.utilization must be in (0, 1)", "1\nstorage", 0},
		{"slo memory zero", "", "utilization: 0.7", "utilization: 0.7\n  memory: 0", "slo.memory must be > 0", "memory: 0", 8},
		{"storage store", "", "  store: es\n", "  store: ex\n", `storage.store: no store "ex"`, "ex\n", 0},
		{"cpu_limit over cores", "", "  - name: lb-1\n    cores: 4\n", "  - name: lb-1\n    cores: 4\n    cpu_limit: 6\n", `cpu_limit 6 is more than node "lb-1"'s 4 cores`, "cpu_limit: 6", 11},
		{"cpu_limit zero", "", "  - name: lb-1\n    cores: 4\n", "  - name: lb-1\n    cores: 4\n    cpu_limit: 0\n", "cpu_limit must be > 0 (leave it out for no limit)", "cpu_limit: 0", 11},
		{"cpu_period without limit", "", "  - name: lb-1\n    cores: 4\n", "  - name: lb-1\n    cores: 4\n    cpu_period: 50ms\n", `cpu_period is the period of a cpu_limit: node "lb-1" has none`, "50ms", 0},
		{"cpu_period too long", "", "  - name: lb-1\n    cores: 4\n", "  - name: lb-1\n    cores: 4\n    cpu_limit: 0.5\n    cpu_period: 1500ms\n", "cpu_period must be in (0, 1s], got 1.5s", "1500ms", 0},
		{"cpu_period zero", "", "  - name: lb-1\n    cores: 4\n", "  - name: lb-1\n    cores: 4\n    cpu_limit: 0.5\n    cpu_period: 0\n", "cpu_period must be > 0 (leave it out for the default)", "cpu_period: 0", 12},
		{"yaml syntax", "", "placement: [lb-1]", "placement: [lb-1", "", "", 0},
		// Plain queueing networks.
		{"route station", plainBase, "      - station: a\n      - branch", "      - station: c\n      - branch", `no station "c" (stations: a, b)`, "c\n", 0},
		{"branch sum", plainBase, "probability: 0.4", "probability: 0.6", "branch probabilities of one step sum to 1.1, more than 1", "- probability: 0.5", 0},
		{"branch probability", plainBase, "probability: 0.4", "probability: 1.4", "branch probability must be in [0, 1], got 1.4", "1.4", 0},
		{"uniform", plainBase, "min: 1ms, max: 3ms", "min: 3ms, max: 1ms", "uniform distribution needs min < max", "dist: uniform", 0},
		{"empirical", plainBase, "{dist: uniform, min: 1ms, max: 3ms}", "{dist: empirical, samples: []}", "empirical distribution needs at least one sample", "dist: empirical", 0},
		{"unused parameter", plainBase, "{dist: uniform, min: 1ms, max: 3ms}", "{dist: uniform, min: 1ms, max: 3ms, mean: 2ms}", "mean is not a parameter of the uniform distribution", "2ms}", 0},
		{"servers zero", plainBase, "servers: 2", "servers: 0", "servers must be > 0", "0\n", 0},
		{"discipline", plainBase, "servers: 2", "servers: 2\n    discipline: lifo", `discipline must be fcfs or ps, got "lifo"`, "lifo", 0},
		{"service required", plainBase, "    service: 10ms\n", "", "a service-time distribution is required", "name: a", 0},
		{"route and entry", plainBase, "    rate: 80/s\n", "    rate: 80/s\n    entry: {queue: q}\n", `flow "jobs" has entry and route: give exactly one`, "name: jobs", 0},
		{"no flows", plainBase, "flows:\n", "flowz:\n", `unknown field "flowz" at the top level; did you mean "flows"?`, "flowz", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := tc.base
			if base == "" {
				base = deploy
			}
			if strings.Count(base, tc.old) != 1 {
				t.Fatalf("old text %q found %d times", tc.old, strings.Count(base, tc.old))
			}
			text := strings.Replace(base, tc.old, tc.new, 1)
			_, err := Load("t.yaml", []byte(text), WithEnv(func(string) (string, bool) { return "", false }))
			if err == nil {
				t.Fatalf("no error for:\n%s", text)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("not an ErrorList: %T %v", err, err)
			}
			if tc.at == "" { // a syntax error: any position on a real line
				if list[0].Line < 1 || list[0].Snippet == "" {
					t.Errorf("syntax error without position: %#v", list[0])
				}
				return
			}
			line, col := posOf(t, text, tc.at, tc.off)
			for _, e := range list {
				if strings.Contains(e.Msg, tc.msg) {
					if e.Line != line || e.Col != col {
						t.Errorf("%q at %d:%d, want %d:%d\n%s", e.Msg, e.Line, e.Col, line, col, list.Verbose())
					}
					if !strings.HasPrefix(e.Error(), "t.yaml:") || !strings.Contains(e.Snippet, "^") {
						t.Errorf("bad formatting: %q / %q", e.Error(), e.Snippet)
					}
					return
				}
			}
			t.Errorf("no error containing %q in:\n%s", tc.msg, list.Verbose())
		})
	}
}

// TestEveryProblemAtOnce: independent problems of different stages (an unknown key, a bad
// unit, a dangling reference, a range) all come back from one Load.
func TestEveryProblemAtOnce(t *testing.T) {
	text := readTestdata(t, "deploy.yaml")
	for _, r := range [][2]string{
		{"    cores: 4\n", "    cores: 4\n    corez: 5\n"},
		{"cpu: 10us", "cpu: 10 us"},
		{"placement: [lb-1]", "placement: [lb-9]"},
		{"hit_ratio: 0.8", "hit_ratio: 2"},
	} {
		text = strings.Replace(text, r[0], r[1], 1)
	}
	_, err := Load("t.yaml", []byte(text))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %v", err)
	}
	want := []string{`unknown field "corez"`, `no node "lb-9"`, "hit_ratio must be in [0, 1]", `invalid duration "10 us"`}
	if len(list) != len(want) {
		t.Errorf("%d errors, want %d:\n%s", len(list), len(want), list.Verbose())
	}
	for i, w := range want {
		if i < len(list) && !strings.Contains(list[i].Msg, w) {
			t.Errorf("error %d = %q, want %q (sorted by position)", i, list[i].Msg, w)
		}
	}
}

// TestCPULimitDefaults: a node with cpu_limit gets the CFS default period of 100 ms; a node
// without one gets no period (and no limit).
func TestCPULimitDefaults(t *testing.T) {
	text := strings.Replace(readTestdata(t, "deploy.yaml"), "  - name: lb-1\n    cores: 4\n", "  - name: lb-1\n    cores: 4\n    cpu_limit: 0.5\n", 1)
	s, err := Load("t.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Nodes[0]; n.CPULimit != 0.5 || n.CPUPeriod != Duration(100*time.Millisecond) {
		t.Errorf("lb-1: cpu_limit %g, cpu_period %v; want 0.5 and 100ms", n.CPULimit, n.CPUPeriod)
	}
	if n := s.Nodes[1]; n.CPULimit != 0 || n.CPUPeriod != 0 {
		t.Errorf("search-1 without a limit: cpu_limit %g, cpu_period %v", n.CPULimit, n.CPUPeriod)
	}
}

// TestByteOrderMark: a UTF-8 byte order mark before the first key (as Windows editors write)
// is not part of the key: the file loads as it does without the mark.
func TestByteOrderMark(t *testing.T) {
	bom := "\ufeff"
	s, err := Load("t.yaml", []byte(bom+plainBase))
	if err != nil {
		t.Fatalf("file with a BOM: %v", err)
	}
	if s.Name != "plain" {
		t.Errorf("name %q, want plain", s.Name)
	}
	// an error on line 1 still points at the key's column as the editor shows it (the mark is
	// invisible): column 1 of "nam: plain"
	_, err = Load("t.yaml", []byte(bom+strings.Replace(plainBase, "name: plain", "nam: plain", 1)))
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 || list[0].Line != 1 || list[0].Col != 1 || !strings.Contains(list[0].Msg, `"nam"`) || strings.Contains(list[0].Msg, bom) {
		t.Errorf("misspelt first key after a BOM: %v, want unknown field \"nam\" at 1:1", err)
	}
}

// TestYAML12Floats: YAML 1.2's core schema reads a plain 1e4 as the float 10000, as it reads
// 1.0e4; a quoted "1e4" stays a string and is rejected where a number is wanted.
func TestYAML12Floats(t *testing.T) {
	for _, v := range []string{"1e4", "1.0e4", "+1E+4", "10000"} {
		s, err := Load("t.yaml", []byte("load: {design: "+v+"}\n"+plainBase))
		if err != nil {
			t.Errorf("design: %s: %v", v, err)
			continue
		}
		if s.Load.Design != 10000 {
			t.Errorf("design: %s read as %v, want 10000", v, s.Load.Design)
		}
	}
	if _, err := Load("t.yaml", []byte("load: {design: \"1e4\"}\n"+plainBase)); err == nil || !strings.Contains(err.Error(), "expected a number") {
		t.Errorf(`design: "1e4" (quoted) gave %v, want "expected a number"`, err)
	}
}

// TestRootCauseOnly: `mean: 10` is a duration without a unit; the distribution's "needs mean > 0"
// is only its consequence and is not listed (let alone before it).
func TestRootCauseOnly(t *testing.T) {
	text := strings.Replace(plainBase, "service: 10ms", "service: {dist: exponential, mean: 10}", 1)
	_, err := Load("t.yaml", []byte(text))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %v, want an error list", err)
	}
	if len(list) != 1 || !strings.Contains(list[0].Msg, "duration 10 needs a unit") {
		t.Errorf("errors:\n%s\nwant only \"duration 10 needs a unit\"", list.Verbose())
	}
	// a mean written as 0 is the problem itself, reported at its value
	text = strings.Replace(plainBase, "service: 10ms", "service: {dist: exponential, mean: 0ms}", 1)
	_, err = Load("t.yaml", []byte(text))
	line, col := posOf(t, text, "mean: 0ms", len("mean: "))
	if !errors.As(err, &list) || len(list) != 1 || !strings.Contains(list[0].Msg, "needs mean > 0") || list[0].Line != line || list[0].Col != col {
		t.Errorf("mean: 0ms gave %v, want \"needs mean > 0\" at %d:%d", err, line, col)
	}
}
