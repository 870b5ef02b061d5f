package reports

import (
	"strings"

	"github.com/capsim/capsim/sim"
)

// tierCap is the tier's capacity as the report states it: Result.CapacityBinds (the typed
// Result.Capacity and Result.CapacityLimit).
type tierCap struct {
	Value float64
	// CI is the saturation point's 95 % interval when performance binds (zero otherwise).
	CI [2]float64
	// Storage is true when the storage-limited capacity binds.
	Storage bool
	// Bounded is false when performance binds and the SLO still held at the search maximum.
	Bounded bool
	// Reason says what binds, phrased to follow "limited by storage: " / "limited by
	// performance: ".
	Reason string
}

// capacityOf reads Result.Capacity and Result.CapacityBinds; ok is false when the result has
// no capacity (a run without a sweep, a measured result).
func capacityOf(r *sim.Result) (c tierCap, ok bool) {
	if !finite(r.Capacity) || r.Capacity <= 0 {
		return tierCap{}, false
	}
	c = tierCap{Value: r.Capacity, Bounded: true}
	b := r.CapacityBinds
	if b == nil {
		return c, true
	}
	c.Storage, c.Bounded = b.Binds == sim.LimitStorage, b.Bounded
	if b.CI95 != nil {
		c.CI = *b.CI95
	}
	if c.Storage {
		c.Reason = storageReason(b.Reason)
	} else {
		c.Reason = limitPhrase(b.Reason)
	}
	return c, true
}

// kindWord is "storage" or "performance".
func (c tierCap) kindWord() string {
	if c.Storage {
		return "storage"
	}
	return "performance"
}

// storageReason is "search-1 disk reaches the 85 % watermark with 30 days retained" for the
// storage violation that binds a capacity.
func storageReason(vs []sim.Violation) string {
	for _, v := range vs {
		if v.Criterion == sim.CriterionStorage {
			s := v.Subject + " disk reaches the " + fmtPct(sim.DiskWatermark) + " watermark"
			if v.RetentionDays > 0 {
				s += " with " + fmtDays(v.RetentionDays) + " retained"
			}
			return s
		}
	}
	return ""
}

// limitPhrase turns the criteria that bind a saturation point (Saturation.Binds) into words
// that continue "saturates at 6,900 when …": "the P95 of ingest passes 2,000 ms",
// "search-1/cpu passes the 70 % utilization trigger", several joined by " and ".
func limitPhrase(vs []sim.Violation) string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		var part string
		switch v.Criterion {
		case sim.CriterionP95:
			part = "the P95 of " + v.Subject + " passes " + fmtMS(v.Limit)
		case sim.CriterionOffered:
			part = v.Subject + " is offered more work than it can serve"
		case sim.CriterionUtilization:
			part = v.Subject + " passes the " + fmtPct(v.Limit) + " utilization trigger"
		case sim.CriterionDropRatio:
			part = v.Subject + " drops more than " + fmtPct(v.Limit) + " of its requests"
		case sim.CriterionNoRequests:
			part = v.Subject + " completes no request"
		case sim.CriterionQueues:
			part = "queues grow without bound"
		default:
			part = v.String()
		}
		out = append(out, part)
	}
	return strings.Join(out, " and ")
}

// storageLimitText describes the storage-limited capacity: "2,318 sources (search-1 reaches
// the 85 % watermark with 30 days retained)"; "" when the result has none.
func storageLimitText(st *sim.StorageResult, load func(float64) string) string {
	if st == nil || !finite(st.CapacityLoad) || st.CapacityLoad <= 0 {
		return ""
	}
	s := load(st.CapacityLoad)
	var why []string
	if st.CapacityNode != "" {
		w := st.CapacityNode + " fills"
		if st.Watermark > 0 {
			w = st.CapacityNode + " reaches the " + fmtPct(st.Watermark) + " disk watermark"
		}
		why = append(why, w)
	}
	if st.RetentionDays > 0 {
		why = append(why, "with "+fmtDays(st.RetentionDays)+" retained")
	}
	if len(why) > 0 {
		s += " (" + strings.Join(why, " ") + ")"
	}
	return s
}
