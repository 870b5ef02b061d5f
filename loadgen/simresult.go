package loadgen

import (
	"fmt"
	"time"

	"github.com/capsim/capsim/sim"
)

func single(v float64) sim.Interval { return sim.Interval{Mean: v, CI95: [2]float64{v, v}} }

// FlowResult expresses a run as the model's flow result (one measured run: every Interval has
// Lo = Hi = the value). Latency is from the intended send time, in ms; throughput is OK hits
// per wall second; DropRatio is (dropped + failed + timed out) / (scheduled − interrupted).
func (r *Result) FlowResult(name string, offeredPerS float64, eventsPerHit float64, p95Target time.Duration) sim.FlowResult {
	q := func(p float64) sim.Interval { return single(float64(r.Latency.ValueAtQuantile(p)) / 1000) }
	fr := sim.FlowResult{
		Name:           name,
		OfferedPerS:    offeredPerS,
		ThroughputPerS: single(r.ThroughputPerS()),
		LatencyMS: sim.Latency{
			Mean: single(r.Latency.Mean() / 1000), P50: q(50), P95: q(95), P99: q(99),
		},
	}
	if r.EventsSent > 0 && r.Duration > 0 {
		fr.EventsPerS = float64(r.EventsAcked) / r.Duration.Seconds()
		if fr.EventsPerS == 0 {
			fr.EventsPerS = float64(r.EventsSent) / r.Duration.Seconds()
		}
	} else {
		fr.EventsPerS = fr.ThroughputPerS.Mean * eventsPerHit
	}
	if den := r.Scheduled - r.Interrupted; den > 0 {
		fr.DropRatio = single(float64(r.Dropped+r.Failed+r.TimedOut) / float64(den))
	}
	fr.SLOMet = true
	if p95Target > 0 {
		fr.P95TargetMS = float64(p95Target) / 1e6
		fr.SLOMet = fr.LatencyMS.P95.Mean <= fr.P95TargetMS
	}
	return fr
}

// SimResult builds the result.json of `capsim load` in the model's shape (sim.Result), so one
// report can put predicted and measured side by side. Threshold failures are Violations;
// validity, abort and accounting go to Notes.
func (p *Plan) SimResult(r *Result) sim.Result {
	fr := r.FlowResult(p.Flow.Name, p.OfferedPerS, float64(max(1, p.Batch)), p.Flow.P95Target)
	out := sim.Result{
		Scenario: p.Scenario, LoadVariable: "measured", DesignLoad: 1,
		Flows:    []sim.FlowResult{fr},
		Settings: sim.Settings{Replications: 1, DurationS: r.Duration.Seconds()},
		SLOMet:   fr.SLOMet && r.ThresholdsPassed(),
	}
	for _, t := range r.Thresholds {
		if !t.Passed {
			out.Violations = append(out.Violations, fmt.Sprintf("threshold %s %s failed (value %.4g)", t.Metric, t.Expr, t.Value))
		}
	}
	if !fr.SLOMet {
		out.Violations = append(out.Violations, fmt.Sprintf("p95 %s %.1fms > %.1fms", fr.Name, fr.LatencyMS.P95.Mean, fr.P95TargetMS))
	}
	out.Notes = append(out.Notes,
		fmt.Sprintf("measured by capsim load: %s against %s (%s)", p.Describe, p.Target, p.Protocol),
		fmt.Sprintf("accounting: scheduled %d = ok %d + failed %d + timed out %d + dropped %d + interrupted %d",
			r.Scheduled, r.OK, r.Failed, r.TimedOut, r.Dropped, r.Interrupted),
		"latency is measured from the intended send time (no coordinated omission)")
	if !r.Valid {
		for _, s := range r.Invalid {
			out.Notes = append(out.Notes, "INVALID: "+s)
		}
	}
	if r.Aborted {
		out.Notes = append(out.Notes, "ABORTED: "+r.AbortReason+" (partial results)")
	}
	return out
}
