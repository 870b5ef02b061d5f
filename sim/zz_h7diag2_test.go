package sim

import (
	"testing"

	"github.com/capsim/capsim/scenarios"
)

func TestZZProbes(t *testing.T) {
	s, _ := scenarios.LoadFile("large")
	m0, _ := Compile(s)
	cfg := newConfig(s, []Option{WithReplications(3)})
	var vs []*nm1Variant
	for i := range s.Nodes {
		v, notes, _ := withoutNode(s, m0, i)
		vm, _ := Compile(v)
		vs = append(vs, &nm1Variant{row: i, s: v, m: vm, notes: notes, bound: vm.utilBound(v)})
	}
	r := &runner{cfg: &cfg}
	nm1Search(vs, r, loadSettings(s))
	for _, v := range vs {
		t.Logf("bound %.0f sat %.0f design %.0f", v.bound, v.sat.Value, v.m.design)
		for _, b := range v.reps {
			t.Logf("  %+v", b)
		}
	}
	t.Logf("done %d", r.done)
}
