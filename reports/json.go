package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/capsim/capsim/sim"
)

// ErrNoResults is returned when a writer is given no result (or a nil one).
var ErrNoResults = errors.New("reports: no results")

// WriteJSON writes r as indented JSON (two spaces, one trailing newline): the result.json
// file. The field order is the declaration order of sim.Result, so the same Result always
// gives the same bytes. HTML characters are not escaped ("p95 > 2000ms" stays readable).
// It fails on a nil Result, on NaN or ±Inf anywhere in it (JSON has no such numbers; the
// error names the first field that holds one) and on a write error.
func WriteJSON(w io.Writer, r *sim.Result) error {
	if r == nil {
		return ErrNoResults
	}
	return writeIndented(w, r)
}

// TierComparison is one tier in the comparison of several results (comparison.json and
// the tier-comparison section of report.html). Loads are in the tier's own LoadUnit.
// Fields after SLOMet summarise the failure analysis when the result has one.
type TierComparison struct {
	Scenario     string `json:"scenario"`
	Title        string `json:"title,omitempty"`
	LoadVariable string `json:"load_variable"`
	LoadUnit     string `json:"load_unit,omitempty"`
	// DesignLoad is the load the tier is planned for.
	DesignLoad float64 `json:"design_load"`
	// ClaimedCapacity is the capacity the seed claims (0 when none).
	ClaimedCapacity float64 `json:"claimed_capacity,omitempty"`
	// Predicted is the model's saturation point and its 95 % interval; nil when no sweep ran.
	Predicted *float64    `json:"predicted_saturation,omitempty"`
	CI95      *[2]float64 `json:"predicted_ci95,omitempty"`
	// Bounded is false when the SLO still held at the search maximum (Predicted is then a
	// lower bound).
	Bounded bool `json:"bounded"`
	// Capacity is Result.Capacity, the smaller of the saturation point and the
	// storage-limited capacity, and CapacityLimit what binds it ("performance: …",
	// "storage: …"); nil when the result has none.
	Capacity      *float64 `json:"capacity,omitempty"`
	CapacityLimit string   `json:"capacity_limit,omitempty"`
	// CapacityBinds is what binds Capacity, typed: "performance" or "storage"
	// (Result.CapacityBinds.Binds; "" when the result does not say).
	CapacityBinds sim.Limit `json:"capacity_binds,omitempty"`
	// DifferencePercent is (Capacity / ClaimedCapacity − 1) × 100, or with Predicted when the
	// result has no Capacity: positive when the model carries more than the seed claims. nil
	// without a claim or a prediction.
	DifferencePercent *float64 `json:"difference_percent,omitempty"`
	// SaturationDifferencePercent is (Predicted / ClaimedCapacity − 1) × 100, given when it
	// differs from DifferencePercent (storage binds).
	SaturationDifferencePercent *float64 `json:"saturation_difference_percent,omitempty"`
	Bottleneck                  string   `json:"bottleneck,omitempty"`
	// HeadroomPercent is (Capacity / DesignLoad − 1) × 100, the headroom on every limit
	// (Result.HeadroomPercent, performance alone, when the result has no capacity).
	HeadroomPercent float64 `json:"headroom_percent"`
	SLOMet          bool    `json:"slo_met"`
	// SurvivesNMinus1 says whether the tier survives the loss of any one node (nil without an
	// N-1 analysis); NMinus1Worst is the node whose loss leaves the least capacity and
	// NMinus1WorstFraction that capacity ÷ design load.
	SurvivesNMinus1      *bool    `json:"survives_n_minus_1,omitempty"`
	NMinus1Worst         string   `json:"n_minus_1_worst,omitempty"`
	NMinus1WorstFraction *float64 `json:"n_minus_1_worst_fraction,omitempty"`
	// Availability is the Monte Carlo availability (0..1) and AvailabilityTier the seed's tier
	// it reaches; nil / "" without an availability estimate.
	Availability     *float64 `json:"availability,omitempty"`
	AvailabilityTier string   `json:"availability_tier,omitempty"`
	// Failures is the number of scheduled failures; RTOMet and RPOMet how many of them meet
	// the seed's RTO < 5 min and RPO < 1 min (nil without failures).
	Failures int  `json:"failures,omitempty"`
	RTOMet   *int `json:"rto_met,omitempty"`
	RPOMet   *int `json:"rpo_met,omitempty"`
}

// Comparison is predicted against claimed capacity over several tiers, in input order. Choice
// answers "which tier for this load" (sim.ChooseTier) when every tier was evaluated at the
// same load; nil otherwise.
type Comparison struct {
	Choice *sim.TierChoice  `json:"choice,omitempty"`
	Tiers  []TierComparison `json:"tiers"`
}

// Compare builds the comparison of results in the order given. It fails with ErrNoResults
// when results is empty or holds a nil.
func Compare(results []*sim.Result) (Comparison, error) {
	if len(results) == 0 {
		return Comparison{}, ErrNoResults
	}
	c := Comparison{Tiers: make([]TierComparison, 0, len(results))}
	for i, r := range results {
		if r == nil {
			return Comparison{}, fmt.Errorf("%w: result %d is nil", ErrNoResults, i)
		}
		t := TierComparison{
			Scenario:        r.Scenario,
			Title:           r.Title,
			LoadVariable:    r.LoadVariable,
			LoadUnit:        r.LoadUnit,
			DesignLoad:      r.DesignLoad,
			ClaimedCapacity: r.ClaimedCapacity,
			Bottleneck:      r.Bottleneck,
			HeadroomPercent: r.HeadroomPercent,
			SLOMet:          r.SLOMet,
		}
		vd := r.Verdict()
		// the headroom on every limit, as the tier card states it
		if finite(r.Capacity) && r.Capacity > 0 && r.DesignLoad > 0 {
			t.HeadroomPercent = vd.HeadroomPercent
		}
		if s := r.Saturation; s != nil {
			v, ci := s.Value, s.CI95
			t.Predicted, t.CI95, t.Bounded = &v, &ci, s.Bounded
			if d, ok := r.SaturationClaimDifference(); ok {
				t.DifferencePercent = &d
			}
		}
		if r.Capacity > 0 {
			c := r.Capacity
			t.Capacity, t.CapacityLimit = &c, r.CapacityLimit
			if b := r.CapacityBinds; b != nil {
				t.CapacityBinds = b.Binds
			}
			if d, ok := r.CapacityClaimDifference(); ok {
				if t.DifferencePercent != nil && *t.DifferencePercent != d {
					t.SaturationDifferencePercent = t.DifferencePercent
				}
				t.DifferencePercent = &d
			}
		}
		if vd.NMinus1 {
			all, fr := vd.SurvivesNMinus1, vd.WorstNMinus1.FractionOfDesign
			t.SurvivesNMinus1, t.NMinus1Worst, t.NMinus1WorstFraction = &all, vd.WorstNMinus1.Node, &fr
		}
		if a := r.Availability; a != nil {
			v := a.Availability.Mean
			t.Availability, t.AvailabilityTier = &v, a.Tier
		}
		if vd.Failures > 0 {
			rto, rpo := vd.RTOMet, vd.RPOMet
			t.Failures, t.RTOMet, t.RPOMet = vd.Failures, &rto, &rpo
		}
		c.Tiers = append(c.Tiers, t)
	}
	if ch, ok := sim.ChooseTier(results); ok {
		c.Choice = &ch
	}
	return c, nil
}

// WriteComparisonJSON writes Compare(results) as indented JSON (comparison.json). Errors as
// WriteJSON, and ErrNoResults for an empty slice or a nil entry.
func WriteComparisonJSON(w io.Writer, results []*sim.Result) error {
	c, err := Compare(results)
	if err != nil {
		return err
	}
	return writeIndented(w, c)
}

func writeIndented(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		var uv *json.UnsupportedValueError
		if errors.As(err, &uv) {
			if path := findNonFinite(v); path != "" {
				return fmt.Errorf("reports: %s is %s, which JSON cannot hold: %w", path, uv.Str, err)
			}
		}
		return fmt.Errorf("reports: encode JSON: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("reports: write JSON: %w", err)
	}
	return nil
}

// findNonFinite returns the JSON path of the first NaN or ±Inf in v ("flows[0].latency_ms.p95.mean"),
// or "" when there is none. It walks the generic JSON form of v with NaN replaced, which is
// simpler than reflecting over tags.
func findNonFinite(v any) string {
	return walkNonFinite(reflectValue(v), "")
}

func isBad(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }
