package reports

import (
	"math"

	"github.com/capsim/capsim/sim"
)

// The failure fixtures are hand-built from a fluid model, so they are deterministic and the
// table agrees with the timeline: offered ingest λ requests/s, a service capacity μ(t) that
// drops when the target fails, agents that hold what was not served for retry (the backlog)
// up to a bounded buffer, P95 = base / (1 − ρ). RTO, drain time, failed requests and peak
// P95 are then computed from that timeline the way issue 3 defines them.

// withCapacity adds the storage limit (retention and watermark, the search nodes filling
// first), Result.Capacity as the smaller of it and the saturation point, the N-1 rows and
// an availability estimate.
func withCapacity(r *sim.Result, retentionDays float64, survivesN1 bool) *sim.Result {
	st := r.Storage
	st.RetentionDays, st.Watermark = retentionDays, 0.85
	sn := st.Nodes[0]
	// the load whose retained data fills search-1 to the watermark
	st.CapacityLoad = r.DesignLoad * (st.Watermark * sn.DiskBytes) / (sn.BytesPerDay * retentionDays)
	st.CapacityNode = sn.Node
	ci := r.Saturation.CI95
	c := sim.Capacity{Value: r.Saturation.Value, Binds: sim.LimitPerformance, Bounded: true, CI95: &ci, Reason: r.Saturation.Binds}
	if st.CapacityLoad < r.Saturation.Value {
		c = sim.Capacity{Value: st.CapacityLoad, Binds: sim.LimitStorage, Bounded: true, Reason: []sim.Violation{{
			Criterion: sim.CriterionStorage, Subject: sn.Node, Value: st.CapacityLoad, Limit: r.DesignLoad, Unit: r.LoadUnit, RetentionDays: retentionDays}}}
	}
	r.Capacity, r.CapacityLimit, r.CapacityBinds = c.Value, c.String(), &c
	r.CapacityHeadroomPercent = (c.Value/r.DesignLoad - 1) * 100
	d := r.DesignLoad
	row := func(node, role string, sat float64, why string) sim.NMinus1Row {
		return sim.NMinus1Row{Node: node, Role: role, Saturation: sat, FractionOfDesign: sat / d, Survives: sat >= d && why == "", Why: why}
	}
	r.NMinus1 = []sim.NMinus1Row{
		row("mgmt-1", "management", 0, "backend has no instance left"),
		row("db-1", "database primary", d*1.12, ""),
		row("db-2", "database replica", d*1.31, ""),
		row("search-1", "search", d*1.06, ""),
		row("search-2", "search", d*1.07, ""),
		row("search-3", "search", d*1.07, ""),
		row("worker-1", "processing", d*0.71, "utilization of worker-2/cpu 0.98 > 0.70"),
		row("worker-2", "processing", d*0.70, "utilization of worker-1/cpu 0.99 > 0.70"),
	}
	if survivesN1 {
		r.NMinus1 = r.NMinus1[1:6]
	}
	a := 0.99962
	if survivesN1 {
		a = 0.9987
	}
	r.Availability = &sim.AvailabilityResult{
		Availability:     sim.Interval{Mean: a, CI95: [2]float64{a - 0.00012, a + 0.0001}},
		DowntimePerYearH: (1 - a) * 8760,
		Tier:             availabilityTier(a),
		TierReached:      a >= 0.99,
		Method:           "Structure function over the nodes (ingest needs 2 of 3 search nodes, 1 of 2 workers, the management node); exponential times between failures (MTBF 2,000 h) and log-normal repairs (median 4 h); 10-year horizon, 200 replications.",
	}
	return r
}

// availabilityTier is seed 001's tier for an availability fraction.
func availabilityTier(a float64) string {
	switch {
	case a >= 0.99999:
		return "Mission Critical 99.999%"
	case a >= 0.9999:
		return "Very High 99.99%"
	case a >= 0.999:
		return "High 99.9%"
	case a >= 0.99:
		return "Standard 99.0%"
	}
	return "below 99.0%"
}

// fluidSpec is one failure for the fluid model.
type fluidSpec struct {
	name, target, kind string
	at, recoverAfter   float64
	detect             float64 // seconds after the fault; requests sent to the dead target fail until then
	deadShare          float64 // share of requests routed to the dead target before detection
	mu0, muDown        float64 // service capacity (requests/s) before and while the target is down
	buffer             float64 // agents' retry buffer (requests); beyond it they drop
	seconds            int
	health             func(t float64) string
	events             []sim.TimelineEvent
	rpoEvents, rpoS    float64
	degraded           float64
	// searchSlow multiplies the search flow's P95 while the target is down (0: 1).
	searchSlow float64
}

const (
	fixtureLambda    = 4000.0 // ingest requests/s at design load (medium fixture)
	fixtureBatch     = 50.0   // events per request
	fixtureBaseP95MS = 90.0
	fixtureTargetMS  = 1500.0 // the strictest P95 target of the medium fixture (search)
	// the search flow: fixtureSearchRate queries/s with a steady P95 of fixtureSearchP95MS
	fixtureSearchRate   = 10.0
	fixtureSearchP95MS  = 430.0
	fixtureIngestTarget = 2000.0
)

// fluid runs the fluid model one second at a time and derives the measures.
func fluid(s fluidSpec) sim.FailureResult {
	f := sim.FailureResult{Name: s.name, Target: s.target, Kind: s.kind, AtS: s.at, RecoverAfterS: s.recoverAfter,
		DegradedSaturation: s.degraded, Events: s.events, RPOS: s.rpoS}
	backlog, failed, dropped, peak := 0.0, 0.0, 0.0, 0.0
	repairedAt := s.at + s.recoverAfter
	drainEnd := math.NaN()
	ingest := sim.FlowTimeline{Flow: "ingest", P95TargetMS: fixtureIngestTarget}
	search := sim.FlowTimeline{Flow: "search", P95TargetMS: fixtureTargetMS}
	for i := 0; i < s.seconds; i++ {
		t := float64(i)
		down := t >= s.at && (s.recoverAfter == 0 || t < repairedAt)
		mu := s.mu0
		if down {
			mu = s.muDown
		}
		want := fixtureLambda + backlog
		errs := 0.0
		if down && t < s.at+s.detect {
			errs = want * s.deadShare // sent to the dead target, fail, retried later
			want -= errs
		}
		served := math.Min(mu, want)
		backlog = want - served + errs
		drop := 0.0
		if backlog > s.buffer {
			drop, backlog = backlog-s.buffer, s.buffer
		}
		failed += errs
		dropped += drop
		rho := math.Min(served/s.mu0, 0.995)
		if down {
			rho = math.Min(served/mu, 0.995)
		}
		p95 := fixtureBaseP95MS / (1 - rho)
		if t >= s.at {
			peak = math.Max(peak, p95)
		}
		if s.recoverAfter > 0 && t >= repairedAt && backlog == 0 && math.IsNaN(drainEnd) {
			drainEnd = t
		}
		h := ""
		if s.health != nil {
			h = s.health(t)
		}
		downN := 0
		if down && t >= s.at+s.detect {
			downN = 1
		}
		f.Timeline = append(f.Timeline, sim.TimePoint{T: t, ThroughputPerS: served + fixtureSearchRate, EventsPerS: served * fixtureBatch,
			P95MS: p95, Errors: errs, Dropped: drop, Backlog: backlog, Health: h, Down: downN})
		// the search flow's queries (a few among thousands of bulk requests: the all-flows P95
		// is the ingest flow's)
		sp := fixtureSearchP95MS
		if down && s.searchSlow > 0 {
			sp *= s.searchSlow
		}
		ingest.P95MS, ingest.ThroughputPerS = append(ingest.P95MS, p95), append(ingest.ThroughputPerS, served)
		search.P95MS, search.ThroughputPerS = append(search.P95MS, sp), append(search.ThroughputPerS, fixtureSearchRate)
	}
	f.FlowTimelines = []sim.FlowTimeline{ingest, search}
	// RTO: from the fault until P95 is under the target with no backlog for 10 seconds
	rto, ok := 0.0, false
	run := 0
	for _, p := range f.Timeline {
		if p.T < s.at {
			continue
		}
		if p.P95MS <= fixtureTargetMS && p.Backlog == 0 && p.Errors == 0 {
			run++
			if run == 10 {
				rto, ok = p.T-9-s.at, true
				break
			}
		} else {
			run = 0
		}
	}
	if !ok {
		rto = float64(s.seconds) - s.at
	}
	f.Recovered = ok
	f.RTOS = sim.Interval{Mean: rto, CI95: [2]float64{rto * 0.92, rto * 1.08}}
	f.RTOMet = ok && rto < 300
	f.DetectionS = sim.Interval{Mean: s.detect, CI95: [2]float64{s.detect - 2.5, s.detect + 2.5}}
	f.Detected = s.detect > 0
	f.RPOEvents = sim.Interval{Mean: s.rpoEvents, CI95: [2]float64{s.rpoEvents * 0.8, s.rpoEvents * 1.2}}
	f.RPOMet = s.rpoS < 60
	f.LostEvents = sim.Interval{Mean: dropped*fixtureBatch + s.rpoEvents, CI95: [2]float64{dropped * fixtureBatch * 0.9, dropped*fixtureBatch*1.1 + s.rpoEvents*1.2}}
	f.DroppedEvents = sim.Interval{Mean: dropped * fixtureBatch, CI95: [2]float64{dropped * fixtureBatch * 0.9, dropped * fixtureBatch * 1.1}}
	f.DuplicatedEvents = sim.Interval{Mean: failed * 0.05 * fixtureBatch, CI95: [2]float64{failed * 0.04 * fixtureBatch, failed * 0.06 * fixtureBatch}}
	f.FailedRequests = sim.Interval{Mean: failed, CI95: [2]float64{failed * 0.95, failed * 1.05}}
	f.PeakP95MS = sim.Interval{Mean: peak, CI95: [2]float64{peak * 0.9, peak * 1.1}}
	if !math.IsNaN(drainEnd) {
		d := drainEnd - repairedAt
		f.DrainS = sim.Interval{Mean: d, CI95: [2]float64{d * 0.9, d * 1.1}}
	}
	return f
}

// sampleFailures are three failures of the medium fixture: a search data node lost at peak
// and repaired (health bands, backlog drained), a processing node lost for good (the
// backlog overflows the agents' buffer, never recovers), and the database primary lost
// with a Patroni failover (asynchronous replication loses the lag window).
func sampleFailures() []sim.FailureResult {
	search := fluid(fluidSpec{
		name: "search-2 data node crash at peak", target: "search-2", kind: "crash", at: 60, recoverAfter: 120,
		detect: 15, deadShare: 1.0 / 3, mu0: 5600, muDown: 3900, buffer: 1e9, seconds: 300,
		health: func(t float64) string {
			switch {
			case t < 60:
				return "green"
			case t < 75:
				return "green" // the master has not noticed yet
			case t < 220:
				return "yellow"
			}
			return "green"
		},
		events: []sim.TimelineEvent{
			{T: 75, What: "master drops search-2 after 3 missed pings (detection)"},
			{T: 75, What: "replica shards on search-1 and search-3 promoted to primary; health yellow"},
			{T: 180, What: "search-2 restarts and rejoins the cluster"},
			{T: 220, What: "shard recovery complete; health green"},
		},
		degraded: 6420, searchSlow: 2.6,
	})
	worker := fluid(fluidSpec{
		name: "worker-2 lost, not replaced", target: "worker-2", kind: "crash", at: 90,
		detect: 15, deadShare: 0.5, mu0: 5600, muDown: 2800, buffer: 60000, seconds: 300,
		events: []sim.TimelineEvent{
			{T: 105, What: "HAProxy marks worker-2 DOWN (inter 5000 fall 3)"},
		},
		degraded: 3500,
	})
	db := fluid(fluidSpec{
		name: "PostgreSQL primary db-1 crash", target: "db-1", kind: "crash", at: 40,
		detect: 30, deadShare: 0.1, mu0: 5600, muDown: 5400, buffer: 1e9, seconds: 200,
		events: []sim.TimelineEvent{
			{T: 70, What: "Patroni leader key expires (ttl 30)"},
			{T: 72, What: "db-2 promoted to primary"},
			{T: 75, What: "HAProxy routes writes to db-2"},
		},
		rpoEvents: 0.4 * fixtureLambda * 0.1 * fixtureBatch, rpoS: 0.4, degraded: 5600,
	})
	return []sim.FailureResult{search, worker, db}
}
