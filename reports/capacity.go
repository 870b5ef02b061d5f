package reports

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/capsim/capsim/sim"
)

// tierCap is the tier's capacity as the report states it: Result.Capacity and what binds it
// (Result.CapacityLimit, "performance: …" or "storage: …").
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

// capacityOf reads Result.Capacity; ok is false when the result has none (an older result,
// or a run without a sweep).
func capacityOf(r *sim.Result) (c tierCap, ok bool) {
	if !finite(r.Capacity) || r.Capacity <= 0 {
		return tierCap{}, false
	}
	c = tierCap{Value: r.Capacity, Bounded: true}
	lim := r.CapacityLimit
	switch {
	case strings.HasPrefix(lim, "storage:"):
		c.Storage, c.Reason = true, strings.TrimSpace(strings.TrimPrefix(lim, "storage:"))
	case strings.HasPrefix(lim, "performance:"):
		c.Reason = limitPhrase(strings.TrimSpace(strings.TrimPrefix(lim, "performance:")))
	default:
		c.Storage = strings.HasPrefix(strings.ToLower(lim), "storage")
		c.Reason = limitPhrase(lim)
	}
	if s := r.Saturation; s != nil && !c.Storage && s.Value == r.Capacity {
		c.Bounded = s.Bounded
		if s.Bounded {
			c.CI = s.CI95
		}
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

var (
	reP95      = regexp.MustCompile(`^P95 of (.+) (\S+) ms > (\S+) ms$`)
	reUtil     = regexp.MustCompile(`^utilization of (.+) (\S+) > (\S+)$`)
	reOffered  = regexp.MustCompile(`^offered utilization of (.+) (\S+) ≥ 1 \(no steady state\)$`)
	reDrops    = regexp.MustCompile(`^(.+) drops (\S+) % > (\S+) %$`)
	reNoReq    = regexp.MustCompile(`^(.+) completed no request$`)
	reUnbound  = regexp.MustCompile(`^queues grow without bound`)
	reSearchUp = regexp.MustCompile(`^SLO still met at the search maximum$`)
)

// limitPhrase turns the saturation criterion the model records (Saturation.Limit: "P95 of
// ingest 2300 ms > 2000 ms", "utilization of search-1/cpu 0.71 > 0.70", several joined by
// "; ") into words that continue "saturates at 6,900 when …": "the P95 of ingest passes
// 2,000 ms", "search-1/cpu passes the 70 % utilization trigger". Text in another form is
// kept as it is.
func limitPhrase(limit string) string {
	var out []string
	for _, part := range strings.Split(limit, "; ") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		num := func(s string) (float64, bool) {
			v, err := strconv.ParseFloat(s, 64)
			return v, err == nil
		}
		switch {
		case reP95.MatchString(part):
			m := reP95.FindStringSubmatch(part)
			if t, ok := num(m[3]); ok {
				part = "the P95 of " + m[1] + " passes " + fmtMS(t)
			}
		case reOffered.MatchString(part):
			m := reOffered.FindStringSubmatch(part)
			part = m[1] + " is offered more work than it can serve"
		case reUtil.MatchString(part):
			m := reUtil.FindStringSubmatch(part)
			if t, ok := num(m[3]); ok {
				part = m[1] + " passes the " + fmtPct(t) + " utilization trigger"
			}
		case reDrops.MatchString(part):
			m := reDrops.FindStringSubmatch(part)
			if t, ok := num(m[3]); ok {
				part = m[1] + " drops more than " + fmtPercent(t) + " of its requests"
			}
		case reNoReq.MatchString(part):
			part = reNoReq.FindStringSubmatch(part)[1] + " completes no request"
		case reUnbound.MatchString(part):
			part = "queues grow without bound"
		case reSearchUp.MatchString(part):
			continue
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
