package scenarios

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestHAPolicy pins each rule of the HA policy: the master quorum (a majority unless set), the
// promoted replica (the first, in file order), the orchestrator's pool (nodes running a service
// instance) and the memory room of a moved instance.
func TestHAPolicy(t *testing.T) {
	for _, tc := range []struct {
		set, nodes, want int
	}{{0, 1, 1}, {0, 2, 2}, {0, 3, 2}, {0, 4, 3}, {0, 5, 3}, {2, 5, 2}, {3, 3, 3}} {
		if got := (SearchHA{MinimumMasterNodes: tc.set}).MasterQuorum(tc.nodes); got != tc.want {
			t.Errorf("MasterQuorum(minimum_master_nodes %d, %d nodes) = %d, want %d", tc.set, tc.nodes, got, tc.want)
		}
	}

	type promoted struct {
		Primary string
		Rest    []string
		OK      bool
	}
	for _, tc := range []struct {
		replicas []string
		want     promoted
	}{
		{nil, promoted{}},
		{[]string{"pg-2"}, promoted{"pg-2", []string{}, true}},
		{[]string{"pg-3", "pg-2"}, promoted{"pg-3", []string{"pg-2"}, true}},
	} {
		p, rest, ok := Promote(tc.replicas)
		if diff := cmp.Diff(tc.want, promoted{p, rest, ok}, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Promote(%v) (-want +got):\n%s", tc.replicas, diff)
		}
	}

	s := &Scenario{
		Nodes:    []Node{{Name: "a"}, {Name: "b"}, {Name: "db"}},
		Services: []Service{{Name: "web", Placement: []string{"a", "b"}}, {Name: "api", Placement: []string{"b"}}},
	}
	if diff := cmp.Diff(map[string]bool{"a": true, "b": true}, s.OrchestratorPool()); diff != "" {
		t.Errorf("OrchestratorPool (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		memory, used, need float64
		want               bool
	}{{0, 1e12, 1e9, true}, {8e9, 6e9, 2e9, true}, {8e9, 6e9, 2e9 + 1, false}, {8e9, 0, 9e9, false}} {
		if got := HasRoom(tc.memory, tc.used, tc.need); got != tc.want {
			t.Errorf("HasRoom(%g, %g, %g) = %v, want %v", tc.memory, tc.used, tc.need, got, tc.want)
		}
	}
}
