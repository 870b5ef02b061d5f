package availability

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/capsim/capsim/scenarios"
)

// tier: api on n1+n2 (1-of-2) in series with a database whose only node is n3; n4 runs a
// service no flow calls, so its failures must not matter.
const tierYAML = `
name: avail
load: {design: 10}
nodes:
  - {name: n1, cores: 4, memory: 8GiB}
  - {name: n2, cores: 4, memory: 8GiB}
  - {name: n3, cores: 4, memory: 8GiB}
  - {name: n4, cores: 4, memory: 8GiB}
services:
  - name: api
    placement: [n1, n2]
    memory: 1GiB
    handlers:
      - class: get
        cpu: 1ms
        calls:
          - {database: pg, op: read}
  - name: idle
    placement: [n4]
    handlers:
      - {class: x, cpu: 1ms}
databases:
  - name: pg
    primary: n3
    read: {cpu: 1ms}
    write: {cpu: 1ms}
flows:
  - name: web
    rate: 10/s
    entry: {service: api, class: get}
availability:
  mtbf: 100h
  mttr: 5h
`

func load(t *testing.T, y string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load("t.yaml", []byte(y))
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	return s
}

func TestFromScenarioSeriesParallel(t *testing.T) {
	s := load(t, tierYAML)
	comps, up, err := FromScenario(s)
	if err != nil {
		t.Fatal(err)
	}
	want := []Component{{"n1", 100, 5}, {"n2", 100, 5}, {"n3", 100, 5}, {"n4", 100, 5}}
	if d := cmp.Diff(want, comps); d != "" {
		t.Fatalf("components (-want +got):\n%s", d)
	}
	for _, tc := range []struct {
		up   []bool
		want bool
	}{
		{[]bool{true, true, true, true}, true},
		{[]bool{false, true, true, false}, true}, // one api node and the unused n4 down
		{[]bool{false, false, true, true}, false},
		{[]bool{true, true, false, true}, false}, // database has no replica
	} {
		if got := up(tc.up); got != tc.want {
			t.Errorf("up(%v) = %v, want %v", tc.up, got, tc.want)
		}
	}
	mean, lo, hi, err := Estimate(comps, up, 87600, 200, testSeed)
	if err != nil {
		t.Fatal(err)
	}
	a := Steady(100, 5)
	closed := KofN(1, 2, a) * a
	t.Logf("derived structure: %.5f [%.5f, %.5f], closed form (1-(1-a)²)·a = %.5f", mean, lo, hi, closed)
	if closed < lo || closed > hi || hi-lo > 0.003 {
		t.Errorf("closed form %.5f outside [%.5f, %.5f]", closed, lo, hi)
	}
}

func TestFromScenarioOrchestrator(t *testing.T) {
	// a single instance on n1: without an orchestrator n1 alone carries it; with one, any node
	// with free memory can host it
	y := strings.Replace(tierYAML, "placement: [n1, n2]", "placement: [n1]", 1)
	plain := load(t, y)
	_, up, err := FromScenario(plain)
	if err != nil {
		t.Fatal(err)
	}
	n1Down := []bool{false, true, true, true}
	if up(n1Down) {
		t.Error("single instance on a down node: tier should be down")
	}
	orch := load(t, y+"ha:\n  orchestrator: {}\n")
	_, up, err = FromScenario(orch)
	if err != nil {
		t.Fatal(err)
	}
	if !up(n1Down) {
		t.Error("orchestrator: the instance can restart on n2 or n4, tier should be up")
	}
	// n2 and n4 full: nowhere to go (n3 holds the database, also full)
	full := strings.NewReplacer("{name: n2, cores: 4, memory: 8GiB}", "{name: n2, cores: 4, memory: 512MiB}",
		"{name: n3, cores: 4, memory: 8GiB}", "{name: n3, cores: 4, memory: 512MiB}",
		"{name: n4, cores: 4, memory: 8GiB}", "{name: n4, cores: 4, memory: 512MiB}").Replace(y)
	_, up, err = FromScenario(load(t, full+"ha:\n  orchestrator: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if up(n1Down) {
		t.Error("no node has 1GiB free: tier should be down")
	}
}

const storeYAML = `
name: store
load: {design: 10}
nodes:
  - {name: s1, cores: 4}
  - {name: s2, cores: 4}
  - {name: s3, cores: 4}
  - {name: s4, cores: 4}
services:
  - name: ing
    placement: [s1, s2, s3, s4]
    handlers:
      - class: i
        cpu: 1ms
        calls:
          - {store: es, op: index}
stores:
  - name: es
    nodes: [s1, s2, s3, s4]
    shards: 4
    replicas: 1
    index: {cpu: 1ms}
    query: {cpu: 1ms}
flows:
  - name: ingest
    rate: 10/s
    entry: {service: ing, class: i}
availability: {mtbf: 100h, mttr: 5h}
`

func TestFromScenarioStore(t *testing.T) {
	s := load(t, storeYAML)
	_, up, err := FromScenario(s)
	if err != nil {
		t.Fatal(err)
	}
	copies, err := scenarios.AllocateShards(s.Stores[0])
	if err != nil {
		t.Fatal(err)
	}
	// any one node down: every shard keeps a copy, and 3 of 4 ≥ the majority quorum 3
	for i := 0; i < 4; i++ {
		st := []bool{true, true, true, true}
		st[i] = false
		if !up(st) {
			t.Errorf("node %d down: tier should be up", i)
		}
	}
	// the two nodes of shard 0 down: that shard has no copy (and the quorum is lost too)
	st := []bool{true, true, true, true}
	for _, j := range copies[0] {
		st[j] = false
	}
	if up(st) {
		t.Errorf("both copies of shard 0 down (%v): tier should be down", st)
	}
	// quorum alone: lower it to 1, then two nodes that share no shard can be down
	low := load(t, storeYAML+"ha:\n  search: {minimum_master_nodes: 1}\n")
	_, up, err = FromScenario(low)
	if err != nil {
		t.Fatal(err)
	}
	var pair []int
	for a := 0; a < 4 && pair == nil; a++ {
		for b := a + 1; b < 4 && pair == nil; b++ {
			ok := true
			for _, cp := range copies {
				if (cp[0] == a || cp[0] == b) && (cp[1] == a || cp[1] == b) {
					ok = false
				}
			}
			if ok {
				pair = []int{a, b}
			}
		}
	}
	if pair == nil {
		t.Fatal("allocation puts a shard on every pair of nodes; test needs another layout")
	}
	st = []bool{true, true, true, true}
	st[pair[0]], st[pair[1]] = false, false
	if !up(st) {
		t.Errorf("quorum 1, nodes %v down, every shard has a copy: tier should be up", pair)
	}
	_, up, _ = FromScenario(s)
	if up(st) {
		t.Errorf("majority quorum 3, 2 of 4 up: writes stop, tier should be down")
	}
}

func TestFromScenarioErrors(t *testing.T) {
	noSpec := load(t, strings.Split(tierYAML, "availability:")[0])
	if _, _, err := FromScenario(noSpec); !errors.Is(err, ErrNoModel) {
		t.Errorf("no availability section: got %v, want ErrNoModel", err)
	}
	mm1, err := scenarios.LoadFile("examples/mm1")
	if err != nil {
		t.Fatal(err)
	}
	mm1.Availability = &scenarios.AvailabilitySpec{MTBF: 1, MTTR: 1}
	if _, _, err := FromScenario(mm1); !errors.Is(err, ErrNoModel) {
		t.Errorf("no nodes: got %v, want ErrNoModel", err)
	}
	// The loader rejects an override of an unknown node (scenarios validates availability:);
	// FromScenario still refuses one set after loading.
	if _, err := scenarios.Load("t.yaml", []byte(tierYAML+"  nodes: {nx: {mtbf: 1h, mttr: 1h}}\n")); err == nil || !strings.Contains(err.Error(), `no node "nx"`) {
		t.Errorf("load with an override of an unknown node: got %v", err)
	}
	bad := load(t, tierYAML)
	bad.Availability.Nodes = map[string]scenarios.MTBFMTTR{"nx": {MTBF: scenarios.Duration(time.Hour), MTTR: scenarios.Duration(time.Hour)}}
	if _, _, err := FromScenario(bad); err == nil || !strings.Contains(err.Error(), `no node "nx"`) {
		t.Errorf("override of an unknown node: got %v", err)
	}
}

func TestFlowUses(t *testing.T) {
	s, err := scenarios.Load("deploy.yaml", mustRead(t))
	if err != nil {
		t.Fatal(err)
	}
	got := FlowUses(s)
	byName := map[string]FlowUse{}
	for _, u := range got {
		byName[u.Flow] = u
	}
	ing, ok := byName["ingest"]
	if !ok {
		t.Fatalf("no ingest flow in %v", got)
	}
	// haproxy → agent-manager (ingest) → queue correlate → correlation → es index
	if d := cmp.Diff([]string{"agent-manager", "correlation", "haproxy"}, ing.Services); d != "" {
		t.Errorf("ingest services (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"es"}, ing.StoreWrites); d != "" {
		t.Errorf("ingest store writes (-want +got):\n%s", d)
	}
}

func mustRead(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../scenarios/testdata/deploy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
