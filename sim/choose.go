package sim

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// TierFit is one tier judged against a load: whether it carries it, and if not, why.
type TierFit struct {
	Scenario string `json:"scenario"`
	// Cores is the tier's size: the cores of all its nodes.
	Cores int `json:"cores"`
	// Fits is true when the tier meets its SLO at the load (DesignVerdict, as Result.SLOMet
	// records it: every SLO criterion and the storage-limited capacity), with at least the
	// SLO's wanted capacity headroom, and — when N-1 counts — survives the loss of any one node.
	Fits bool `json:"fits"`
	// CapacityHeadroomPercent is Result.CapacityHeadroomPercent (nil without a saturation
	// search) and HeadroomTargetPercent the SLO's wanted headroom.
	CapacityHeadroomPercent *float64 `json:"capacity_headroom_percent,omitempty"`
	HeadroomTargetPercent   float64  `json:"headroom_target_percent,omitempty"`
	// Why lists what fails, each a sentence: the verdict's violations, a headroom below the
	// wanted one, the N-1 rows that fail.
	Why []string `json:"why,omitempty"`
}

// TierChoice answers "which tier for this load": the smallest of several tiers evaluated at
// one load that carries it.
type TierChoice struct {
	Load float64 `json:"load"`
	Unit string  `json:"unit,omitempty"`
	// NMinus1 is true when survival of N-1 counts: every tier has an N-1 analysis (--n-1).
	NMinus1 bool `json:"n_minus_1"`
	// Chosen is the smallest tier that fits; "" when none does.
	Chosen string `json:"chosen,omitempty"`
	// Tiers are every tier, smallest first: by cores, then memory, then input order.
	Tiers []TierFit `json:"tiers"`
}

// ChooseTier judges every result (each a tier evaluated at the same load: capsim run T1 T2 …
// --load N) with FitOf and names the smallest that fits. ok is false when there are fewer
// than two results or they were evaluated at different loads or in different units (no
// common question to answer).
func ChooseTier(rs []*Result) (TierChoice, bool) {
	if len(rs) < 2 {
		return TierChoice{}, false
	}
	nm1 := true
	for _, r := range rs {
		if r == nil || r.DesignLoad != rs[0].DesignLoad || r.LoadUnit != rs[0].LoadUnit {
			return TierChoice{}, false
		}
		if len(r.NMinus1) == 0 {
			nm1 = false
		}
	}
	type sized struct {
		i      int
		cores  int
		memory float64
	}
	order := make([]sized, len(rs))
	for i, r := range rs {
		order[i].i = i
		for _, n := range r.Nodes {
			order[i].cores += n.Cores
			order[i].memory += n.MemoryBytes
		}
	}
	slices.SortStableFunc(order, func(a, b sized) int {
		return cmp.Or(cmp.Compare(a.cores, b.cores), cmp.Compare(a.memory, b.memory))
	})
	c := TierChoice{Load: rs[0].DesignLoad, Unit: rs[0].LoadUnit, NMinus1: nm1}
	for _, o := range order {
		f := FitOf(rs[o.i], nm1)
		f.Cores = o.cores
		if f.Fits && c.Chosen == "" {
			c.Chosen = f.Scenario
		}
		c.Tiers = append(c.Tiers, f)
	}
	return c, true
}

// FitOf judges one result at its design load: the design-load verdict (Result.SLOMet and
// Violations, decided by DesignVerdict), the capacity headroom against the SLO's wanted
// headroom, and with nMinus1 every N-1 row (decided by DesignVerdict with the node down).
func FitOf(r *Result, nMinus1 bool) TierFit {
	f := TierFit{Scenario: r.Scenario, HeadroomTargetPercent: r.HeadroomTarget}
	f.Why = append(f.Why, r.Violations...)
	if !r.SLOMet && len(r.Violations) == 0 {
		f.Why = append(f.Why, "the SLO is not met at this load")
	}
	if r.Saturation != nil {
		h := r.CapacityHeadroomPercent
		f.CapacityHeadroomPercent = &h
		if r.Verdict().HeadroomShort && r.SLOMet {
			f.Why = append(f.Why, fmt.Sprintf("capacity headroom %+.0f %% is below the wanted %.0f %% (capacity %.0f %s, %s)",
				h, r.HeadroomTarget, r.Capacity, r.LoadUnit, r.CapacityLimit))
		}
	} else if r.HeadroomTarget > 0 {
		f.Why = append(f.Why, "capacity headroom unknown: no saturation search ran")
	}
	if nMinus1 {
		for _, row := range r.NMinus1 {
			if row.Survives {
				continue
			}
			why := fmt.Sprintf("N-1: without node %s the tier fails (capacity %.0f %% of the load)", row.Node, row.FractionOfDesign*100)
			if row.Why != "" {
				why += ": " + row.Why
			}
			f.Why = append(f.Why, why)
		}
	}
	f.Fits = len(f.Why) == 0
	return f
}

// Headline is the answer in one sentence, numbers formatted by num: "For 3,000 sources:
// utmstack-large is the smallest tier that meets the SLO with the wanted headroom and
// survives N-1." The terminal and the report both print it.
func (c TierChoice) Headline(num func(float64) string) string {
	what := "meets the SLO with the wanted headroom"
	if c.NMinus1 {
		what += " and survives N-1"
	}
	load := num(c.Load)
	if c.Unit != "" {
		load += " " + c.Unit
	}
	if c.Chosen == "" {
		return fmt.Sprintf("For %s: no tier %s.", load, strings.Replace(what, "meets", "meet", 1))
	}
	return fmt.Sprintf("For %s: %s is the smallest tier that %s.", load, c.Chosen, what)
}

// Smaller are the tiers smaller than the chosen one, each with why it fails (every tier when
// none fits).
func (c TierChoice) Smaller() []TierFit {
	for i, f := range c.Tiers {
		if f.Scenario == c.Chosen {
			return c.Tiers[:i]
		}
	}
	return c.Tiers
}
