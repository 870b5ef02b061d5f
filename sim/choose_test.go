package sim

import (
	"strings"
	"testing"
)

// TestChooseTier: hand-made results. The smallest tier (by cores) that meets its SLO, has the
// wanted headroom and, when every tier has an N-1 analysis, survives it, is chosen; tiers at
// different loads give no choice.
func TestChooseTier(t *testing.T) {
	sat := &Saturation{Value: 1}
	tier := func(name string, cores int, slo bool, headroom float64, n1 ...NMinus1Row) *Result {
		r := &Result{Scenario: name, DesignLoad: 3000, LoadUnit: "sources", SLOMet: slo, Saturation: sat,
			CapacityHeadroomPercent: headroom, HeadroomTarget: 30, NMinus1: n1,
			Nodes: []NodeResult{{Name: "a", Cores: cores / 2}, {Name: "b", Cores: cores - cores/2}}}
		if !slo {
			r.Violations = []string{"storage: the disks cannot retain the design load"}
		}
		return r
	}
	ok, down := NMinus1Row{Node: "x", Survives: true}, NMinus1Row{Node: "y", FractionOfDesign: 0.4, Why: "P95 of api 900 ms > 500 ms"}
	rs := []*Result{
		tier("large", 64, true, 100, ok),
		tier("tiny", 4, false, -80, ok),
		tier("medium", 32, true, 40, ok, down),
		tier("small", 16, true, 10, ok),
	}
	c, found := ChooseTier(rs)
	if !found || !c.NMinus1 || c.Chosen != "large" {
		t.Fatalf("%+v", c)
	}
	var order []string
	for _, f := range c.Tiers {
		order = append(order, f.Scenario)
	}
	if strings.Join(order, " ") != "tiny small medium large" {
		t.Errorf("order %v", order)
	}
	why := map[string]string{}
	for _, f := range c.Smaller() {
		why[f.Scenario] = strings.Join(f.Why, "; ")
	}
	for name, want := range map[string]string{"tiny": "storage", "small": "headroom +10 % is below the wanted 30 %", "medium": "N-1: without node y"} {
		if !strings.Contains(why[name], want) {
			t.Errorf("%s: %q, want %q", name, why[name], want)
		}
	}
	if h := c.Headline(func(x float64) string { return "3,000" }); h != "For 3,000 sources: large is the smallest tier that meets the SLO with the wanted headroom and survives N-1." {
		t.Errorf("headline %q", h)
	}
	// without an N-1 analysis on every tier, N-1 does not count: medium fits
	rs[3].NMinus1 = nil
	if c, _ := ChooseTier(rs); c.NMinus1 || c.Chosen != "medium" {
		t.Errorf("N-1 counted without every tier's analysis: %+v", c)
	}
	// different loads: no common question
	rs[0].DesignLoad = 10000
	if _, found := ChooseTier(rs); found {
		t.Error("a choice over tiers at different loads")
	}
}
