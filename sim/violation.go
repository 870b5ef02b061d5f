package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Criterion names what a Violation checks. The values are stable: they appear in result.json.
type Criterion string

// The criteria of the SLO at one load (Model.criterion) and of the design-load verdict
// (DesignVerdict). The units of Violation.Value and Violation.Limit are given for each.
const (
	// CriterionP95: a flow's P95 response time over its target. Subject the flow; Value the
	// P95 and Limit the target, in ms (Value is NaN when no request completed).
	CriterionP95 Criterion = "p95"
	// CriterionNoRequests: a flow with a P95 target completed no request. Subject the flow;
	// Value its throughput (0 requests/s), Limit 0.
	CriterionNoRequests Criterion = "no_requests"
	// CriterionDropRatio: a flow lost more requests than the SLO's max_drop_ratio. Subject the
	// flow; Value the drop ratio and Limit the allowed one, fractions in [0, 1].
	CriterionDropRatio Criterion = "drop_ratio"
	// CriterionUtilization: the busiest station or pool is over the SLO's utilization
	// trigger. Subject the station ("search-1/cpu") or pool; Value and Limit in [0, 1].
	CriterionUtilization Criterion = "utilization"
	// CriterionOffered: an unbounded station is offered more work than it can serve (the
	// utilization law λ·D/c ≥ 1: no steady state). Subject the station; Value λ·D/c, Limit 1.
	CriterionOffered Criterion = "offered_utilization"
	// CriterionQueues: queues grew without bound in a replication (throughput below offered
	// load). No subject; Value and Limit 0.
	CriterionQueues Criterion = "queues"
	// CriterionAborted: a replication was stopped by a limit (the kernel's event budget) and
	// measured too little to judge. Detail says what stopped it; Value and Limit 0.
	CriterionAborted Criterion = "aborted"
	// CriterionStorage: the data nodes' disks cannot retain the design load for the
	// retention. Subject the data node that fills first; Value the storage-limited capacity and
	// Limit the design load, in load units (Unit); RetentionDays the retention.
	CriterionStorage Criterion = "storage"
)

// Violation is one SLO criterion that fails at a load: what (Criterion), of what (Subject),
// the measured figure (Value) and the bound it passes (Limit), in the units its Criterion
// states. String gives the sentence result.json's "violations" and "limit" fields hold.
type Violation struct {
	Criterion Criterion `json:"criterion"`
	Subject   string    `json:"subject,omitempty"`
	Value     float64   `json:"value"`
	Limit     float64   `json:"limit"`
	// Unit is the unit of Value and Limit where the criterion's own is not fixed: the load
	// unit of a storage violation.
	Unit string `json:"unit,omitempty"`
	// RetentionDays is the retention a storage violation is judged for (days).
	RetentionDays float64 `json:"retention_days,omitempty"`
	// Detail is the reason of an aborted replication.
	Detail string `json:"detail,omitempty"`
}

// String is the violation as a sentence: "P95 of ingest 2300 ms > 2000 ms", "utilization of
// search-1/cpu 0.71 > 0.70", "api drops 0.50 % > 0.10 %".
func (v Violation) String() string {
	switch v.Criterion {
	case CriterionP95:
		return fmt.Sprintf("P95 of %s %.0f ms > %.0f ms", v.Subject, v.Value, v.Limit)
	case CriterionNoRequests:
		return v.Subject + " completed no request"
	case CriterionDropRatio:
		return fmt.Sprintf("%s drops %.2f %% > %.2f %%", v.Subject, 100*v.Value, 100*v.Limit)
	case CriterionUtilization:
		return fmt.Sprintf("utilization of %s %.2f > %.2f", v.Subject, v.Value, v.Limit)
	case CriterionOffered:
		return fmt.Sprintf("offered utilization of %s %s ≥ 1 (no steady state)", v.Subject, fmtRatio(v.Value))
	case CriterionQueues:
		return "queues grow without bound (throughput below offered load)"
	case CriterionAborted:
		return v.Detail
	case CriterionStorage:
		return fmt.Sprintf("storage: the disks cannot retain the design load for %.0f days (%s reaches the %.0f %% disk watermark at %.0f %s)",
			v.RetentionDays, v.Subject, DiskWatermark*100, v.Value, v.Unit)
	}
	return fmt.Sprintf("%s of %s %g > %g", v.Criterion, v.Subject, v.Value, v.Limit)
}

// MarshalJSON writes a value or limit that JSON cannot hold (NaN, ±Inf: the P95 of a flow
// that completed nothing) as null.
func (v Violation) MarshalJSON() ([]byte, error) {
	type plain Violation
	out := struct {
		plain
		Value *float64 `json:"value"`
		Limit *float64 `json:"limit"`
	}{plain: plain(v)}
	if !math.IsNaN(v.Value) && !math.IsInf(v.Value, 0) {
		out.Value = &v.Value
	}
	if !math.IsNaN(v.Limit) && !math.IsInf(v.Limit, 0) {
		out.Limit = &v.Limit
	}
	return json.Marshal(out)
}

// violationTexts is String of every violation, in order (nil for none).
func violationTexts(vs []Violation) []string {
	if len(vs) == 0 {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}

// JoinViolations is the violations' sentences joined by sep.
func JoinViolations(vs []Violation, sep string) string {
	return strings.Join(violationTexts(vs), sep)
}

// Limit is what bounds a tier's capacity.
type Limit string

// The limits a capacity can have.
const (
	// LimitPerformance: the saturation point, the largest load at which every SLO criterion
	// holds.
	LimitPerformance Limit = "performance"
	// LimitStorage: the storage-limited capacity, the load whose retained data fills the
	// fullest data node to the disk watermark.
	LimitStorage Limit = "storage"
)

// Capacity is the tier's capacity and what binds it (Result.Capacity and Result.CapacityLimit
// in typed form).
type Capacity struct {
	// Value is the capacity in load units: the smaller of the saturation point and the
	// storage-limited capacity.
	Value float64 `json:"value"`
	// Binds says which of the two it is.
	Binds Limit `json:"binds"`
	// Reason is what fails just above Value. Performance: the SLO criteria that failed at the
	// saturation point's upper bracket (Saturation.Binds; empty when the SLO still held at the
	// top of the search). Storage: one CriterionStorage violation whose Subject is the data
	// node that fills first (Value the storage-limited capacity, Limit the design load).
	Reason []Violation `json:"reason,omitempty"`
	// Bounded is false when performance binds and the SLO still held at the top of the search
	// (Value is then a lower bound).
	Bounded bool `json:"bounded"`
	// CI95 is the saturation point's 95 % interval when performance binds (nil otherwise).
	CI95 *[2]float64 `json:"ci95,omitempty"`
}

// searchMaxText is the saturation limit of a replication in which the SLO still held at the top
// of the search.
const searchMaxText = "SLO still met at the search maximum"

// limitText is the sentence of one replication's binding criteria (Saturation.Limit): the
// violations joined by "; ", or searchMaxText for none.
func limitText(vs []Violation) string {
	if len(vs) == 0 {
		return searchMaxText
	}
	return JoinViolations(vs, "; ")
}

// String is the capacity limit as result.json's "capacity_limit" states it: "performance: P95
// of ingest 2300 ms > 2000 ms", "storage: search-1 disk reaches the 85 % watermark with 30 days
// retained".
func (c Capacity) String() string {
	if c.Binds == LimitStorage && len(c.Reason) > 0 {
		v := c.Reason[0]
		return fmt.Sprintf("storage: %s disk reaches the %.0f %% watermark with %.0f days retained", v.Subject, DiskWatermark*100, v.RetentionDays)
	}
	return string(LimitPerformance) + ": " + limitText(c.Reason)
}
