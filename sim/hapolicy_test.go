package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/capsim/capsim/sim/availability"
)

// haTier has every HA rule of scenarios/hapolicy.go in play: a balanced service on two nodes,
// a single-instance service, a Patroni pair (promotion of the first replica) and a three-node
// search store (master quorum, replicas). %s is the store's ha.search block.
const haTier = `
name: ha
load: {design: 100}
slo:
  p95: {web: 1s, solo: 1s}
nodes:
  - {name: app-1, cores: 8}
  - {name: app-2, cores: 8}
  - {name: solo, cores: 4}
  - {name: pg-1, cores: 4}
  - {name: pg-2, cores: 4}
  - {name: s1, cores: 4}
  - {name: s2, cores: 4}
  - {name: s3, cores: 4}
services:
  - name: web
    placement: [app-1, app-2]
    handlers:
      - class: get
        cpu: 1ms
        calls:
          - {database: pg, op: write}
          - {store: es, op: index}
  - name: solo
    placement: [solo]
    handlers: [{class: get, cpu: 1ms}]
databases:
  - name: pg
    primary: pg-1
    replicas: [pg-2]
    replication: sync
    read: {cpu: 1ms}
    write: {cpu: 2ms}
stores:
  - {name: es, nodes: [s1, s2, s3], shards: 3, replicas: 1, index: {cpu: 1ms}, query: {cpu: 1ms}}
flows:
  - {name: web, rate: 50/s, entry: {service: web, class: get}}
  - {name: solo, rate: 20/s, entry: {service: solo, class: get}}
ha:
  patroni: {ttl: 30s}
  search: {shard_size: 10MB%s}
availability: {mtbf: 10000h, mttr: 4h}
sim: {warmup: 5s, duration: 120s, seed: 3}
`

// TestHAViewsAgree: the three views of a node's loss apply the same HA policy
// (scenarios/hapolicy.go) — the static one (an N-1 row), the dynamic one (a crash run of the same
// node at design load, never repaired) and the availability structure function (every node up
// but that one) — so a node whose loss N-1 says the tier survives recovers within the RTO target
// in the crash run and leaves the structure function up, and a node whose loss it does not
// survive never recovers and takes the structure function down. The tier has capacity to spare,
// so only the HA rules decide. Each variant makes one rule decide: no replica (promotion),
// a master quorum of 3 (quorum), the single-instance service (placement without orchestrator),
// an orchestrator with room on its pool and without (the orchestrator's target, orchPlacer).
func TestHAViewsAgree(t *testing.T) {
	tests := []struct {
		name     string
		search   string
		replace  []string // old, new pairs
		survives map[string]bool
	}{
		{name: "replicated",
			survives: map[string]bool{"app-1": true, "app-2": true, "solo": false, "pg-1": true, "pg-2": true, "s1": true, "s2": true, "s3": true}},
		{name: "quorum of 3", search: ", minimum_master_nodes: 3",
			survives: map[string]bool{"app-1": true, "app-2": true, "solo": false, "pg-1": true, "pg-2": true, "s1": false, "s2": false, "s3": false}},
		{name: "no replica", replace: []string{"    replicas: [pg-2]\n    replication: sync\n", ""},
			survives: map[string]bool{"app-1": true, "app-2": true, "solo": false, "pg-1": false, "pg-2": true, "s1": true, "s2": true, "s3": true}},
		// the orchestrator restarts solo on app-1 or app-2 (its pool); short timeouts so the
		// move comes within the RTO target
		{name: "orchestrator", replace: []string{"ha:\n", "ha:\n  orchestrator: {node_down_timeout: 40s, start_delay: 10s}\n"},
			survives: map[string]bool{"app-1": true, "app-2": true, "solo": true, "pg-1": true, "pg-2": true, "s1": true, "s2": true, "s3": true}},
		// ... but not when no node of the pool has memory for it
		{name: "orchestrator without room", replace: []string{
			"ha:\n", "ha:\n  orchestrator: {node_down_timeout: 40s, start_delay: 10s}\n",
			"{name: app-1, cores: 8}", "{name: app-1, cores: 8, memory: 4GiB}",
			"{name: app-2, cores: 8}", "{name: app-2, cores: 8, memory: 4GiB}",
			"{name: solo, cores: 4}", "{name: solo, cores: 4, memory: 4GiB}",
			"    placement: [app-1, app-2]\n", "    placement: [app-1, app-2]\n    memory: 3GiB\n",
			"    placement: [solo]\n", "    placement: [solo]\n    memory: 2GiB\n"},
			survives: map[string]bool{"app-1": true, "app-2": true, "solo": false, "pg-1": true, "pg-2": true, "s1": true, "s2": true, "s3": true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y := fmt.Sprintf(haTier, tc.search)
			for i := 0; i < len(tc.replace); i += 2 {
				if strings.Count(y, tc.replace[i]) != 1 {
					t.Fatalf("variant: %q not once in the tier", tc.replace[i])
				}
				y = strings.Replace(y, tc.replace[i], tc.replace[i+1], 1)
			}
			s := nm1Load(t, y)
			am, err := availability.Derive(s)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := mustCompile(t, s).NMinus1(WithDuration(30*time.Second, 5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				fr, err := mustCompile(t, nm1Load(t, y+fmt.Sprintf("failures:\n  - {at: 20s, node: %s, kind: crash}\n", r.Node))).Failures(WithReplications(2))
				if err != nil {
					t.Fatal(err)
				}
				f := fr[0]
				dynamic := f.Recovered && f.RTOMet
				t.Logf("%-6s N-1 survives %-5v (%s); crash run recovered %v, RTO %.1f s", r.Node, r.Survives, r.Why, f.Recovered, f.RTOS.Mean)
				if r.Survives != dynamic {
					t.Errorf("%s: N-1 says survives %v (%s), the crash run says recovered within the RTO %v (RTO %.1f s)", r.Node, r.Survives, r.Why, dynamic, f.RTOS.Mean)
				}
				up := make([]bool, len(s.Nodes))
				for i, n := range s.Nodes {
					up[i] = n.Name != r.Node
				}
				if structural := am.Up(up); r.Survives != structural {
					t.Errorf("%s: N-1 says survives %v (%s), the availability structure function says up %v", r.Node, r.Survives, r.Why, structural)
				}
				if want := tc.survives[r.Node]; r.Survives != want {
					t.Errorf("%s: N-1 survives %v, want %v (%s)", r.Node, r.Survives, want, r.Why)
				}
			}
		})
	}
}

// TestNMinus1RestartTime: a service whose every instance was on the lost node is down until the
// orchestrator restarts it, node_down_timeout + start_delay after the loss — the time the crash
// run's move takes (faults.go) — and the N-1 row says so, and says when that is longer than the
// RTO target: with the default orchestrator (340 s + 30 s) it is, with 40 s + 10 s it is not. A
// service with an instance left (web on app-2) is not named.
func TestNMinus1RestartTime(t *testing.T) {
	for _, tc := range []struct {
		orch, after string
		over        bool
	}{
		{"{}", "6m10s", true},
		{"{node_down_timeout: 40s, start_delay: 10s}", "50s", false},
	} {
		y := strings.Replace(fmt.Sprintf(haTier, ""), "ha:\n", "ha:\n  orchestrator: "+tc.orch+"\n", 1)
		rows, err := mustCompile(t, nm1Load(t, y)).NMinus1(nm1Fast...)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			names := strings.Contains(r.Why, "down until the orchestrator restarts them")
			switch r.Node {
			case "solo":
				want := "solo down until the orchestrator restarts them, " + tc.after + " after the loss"
				if !strings.Contains(r.Why, want) {
					t.Errorf("orchestrator %s, without solo: %q, want %q", tc.orch, r.Why, want)
				}
				if over := strings.Contains(r.Why, "longer than the 5m0s RTO target"); over != tc.over {
					t.Errorf("orchestrator %s, without solo: over the RTO %v, want %v (%s)", tc.orch, over, tc.over, r.Why)
				}
			case "app-1", "app-2":
				if names {
					t.Errorf("without %s: %q names an outage, but web keeps an instance", r.Node, r.Why)
				}
			}
		}
	}
}
