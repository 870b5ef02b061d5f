package sim

import "math"

// The figures every reporter states about a Result (the terminal summary, report.html,
// comparison.json) are derived here, once, so no two views of one result can disagree.

// Verdict is the answer at design load: the SLO verdict (SLOMet, the exit status follows it)
// and everything else a tier must satisfy to be judged sound. OK is true when every part holds.
type Verdict struct {
	// SLOMet is Result.SLOMet: every SLO criterion holds at design load and the disks retain
	// it (DesignVerdict); Breaches say what fails.
	SLOMet   bool
	Breaches []Violation
	// CapacityBelowDesign: the tier's capacity (performance and storage) is below the design
	// load.
	CapacityBelowDesign bool
	// HeadroomPercent is the headroom on every limit, (capacity / design − 1) × 100
	// (Result.CapacityHeadroomPercent), and HasHeadroom says whether a saturation search gave
	// one. HeadroomShort: the
	// SLO wants a headroom (Result.HeadroomTarget, %) and HeadroomPercent is below it.
	HeadroomPercent float64
	HasHeadroom     bool
	HeadroomShort   bool
	// TriggersFired are the scaling triggers that fire at design load, in result order.
	TriggersFired []Trigger
	// Failures is the number of scheduled failures; RTOMet and RPOMet how many meet seed 001's
	// RTO < 5 min and RPO < 1 min.
	Failures, RTOMet, RPOMet int
	// NMinus1 says whether the result has an N-1 analysis; SurvivesNMinus1 whether the tier
	// survives the loss of any one node (true without an analysis); WorstNMinus1 is the row
	// WorstNMinus1 picks.
	NMinus1         bool
	SurvivesNMinus1 bool
	WorstNMinus1    NMinus1Row
	// OK: SLOMet, capacity ≥ design load, headroom not short, no trigger fires, every failure
	// meets its RTO and RPO targets, and the tier survives N-1.
	OK bool
}

// Verdict decides the result's Verdict.
func (r *Result) Verdict() Verdict {
	v := Verdict{SLOMet: r.SLOMet, Breaches: r.Breaches}
	if r.Capacity > 0 && finite(r.Capacity) && r.DesignLoad > 0 && finite(r.DesignLoad) && r.Capacity < r.DesignLoad {
		v.CapacityBelowDesign = true
	}
	if r.Saturation != nil {
		v.HasHeadroom = true
		v.HeadroomPercent = r.CapacityHeadroomPercent
		v.HeadroomShort = r.HeadroomTarget > 0 && v.HeadroomPercent < r.HeadroomTarget
	}
	for _, t := range r.Triggers {
		if t.Fired {
			v.TriggersFired = append(v.TriggersFired, t)
		}
	}
	v.Failures = len(r.Failures)
	for _, f := range r.Failures {
		if f.RTOMet {
			v.RTOMet++
		}
		if f.RPOMet {
			v.RPOMet++
		}
	}
	v.SurvivesNMinus1 = true
	if len(r.NMinus1) > 0 {
		v.NMinus1 = true
		v.WorstNMinus1, v.SurvivesNMinus1 = WorstNMinus1(r.NMinus1)
	}
	v.OK = v.SLOMet && !v.CapacityBelowDesign && !v.HeadroomShort && len(v.TriggersFired) == 0 &&
		v.RTOMet == v.Failures && v.RPOMet == v.Failures && v.SurvivesNMinus1
	return v
}

// WorstNMinus1 is the one rule for "the worst node to lose": among the rows (at least one),
// a row that fails before any that survives, then the smallest FractionOfDesign (NaN last),
// then the first. all is true when every row survives.
func WorstNMinus1(rows []NMinus1Row) (worst NMinus1Row, all bool) {
	all = true
	wi := -1
	for i, n := range rows {
		if !n.Survives {
			all = false
		}
		if wi < 0 {
			wi = i
			continue
		}
		w := rows[wi]
		switch {
		case w.Survives && !n.Survives:
			wi = i
		case w.Survives == n.Survives && lessFinite(n.FractionOfDesign, w.FractionOfDesign):
			wi = i
		}
	}
	if wi >= 0 {
		worst = rows[wi]
	}
	return worst, all
}

// lessFinite is a < b with NaN ordered after every number.
func lessFinite(a, b float64) bool {
	if math.IsNaN(b) {
		return !math.IsNaN(a)
	}
	return a < b
}

// CapacityClaimDifference is how far the tier's capacity is from the seed's claim,
// (Capacity − ClaimedCapacity) / ClaimedCapacity × 100 (%, positive when the model carries
// more); ok is false without a claim or a capacity.
func (r *Result) CapacityClaimDifference() (pct float64, ok bool) {
	if r.ClaimedCapacity <= 0 || r.Capacity <= 0 {
		return 0, false
	}
	return (r.Capacity - r.ClaimedCapacity) / r.ClaimedCapacity * 100, true
}

// SaturationClaimDifference is CapacityClaimDifference for the saturation point (performance
// alone); ok is false without a claim or a saturation search.
func (r *Result) SaturationClaimDifference() (pct float64, ok bool) {
	if r.ClaimedCapacity <= 0 || r.Saturation == nil {
		return 0, false
	}
	return (r.Saturation.Value - r.ClaimedCapacity) / r.ClaimedCapacity * 100, true
}

// SetNMinus1 records the N-1 analysis (NMinus1's rows) in the result, and for every failure
// whose target is a whole node the saturation point with that node down
// (FailureResult.DegradedSaturation).
func (r *Result) SetNMinus1(rows []NMinus1Row) {
	r.NMinus1 = rows
	for fi := range r.Failures {
		f := &r.Failures[fi]
		if f.On.Kind != ComponentNode {
			continue
		}
		for _, row := range rows {
			if row.Node == f.On.Node {
				f.DegradedSaturation = row.Saturation
			}
		}
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// FillsFirst is the data node whose disk fills first at design load (the smallest positive,
// finite DaysUntilFull; the first on a tie); ok is false when no node fills.
func (st *StorageResult) FillsFirst() (n NodeStorage, ok bool) {
	if st == nil {
		return NodeStorage{}, false
	}
	for _, x := range st.Nodes {
		if finite(x.DaysUntilFull) && x.DaysUntilFull > 0 && (!ok || x.DaysUntilFull < n.DaysUntilFull) {
			n, ok = x, true
		}
	}
	return n, ok
}
