package loadgen

import (
	"cmp"
	"fmt"
	"time"

	"github.com/capsim/capsim/scenarios"
	"github.com/capsim/capsim/sim"
)

func singleInterval(v float64) sim.Interval { return sim.Interval{Mean: v, CI95: [2]float64{v, v}} }

// flowResult expresses a run as the model's flow result (one measured run: every Interval has
// Lo = Hi = the value). Latency is from the intended send time, in ms; throughput is OK hits
// per wall second; DropRatio is (dropped + failed + timed out) / (scheduled − interrupted).
// SLOMet is the model's rule for a flow: P95 within its target, the drop ratio at most the
// SLO's max_drop_ratio (maxDrop), and at least one request served.
func flowResult(r *Result, name string, offeredPerS float64, eventsPerHit float64, p95Target time.Duration, maxDrop float64) sim.FlowResult {
	q := func(p float64) sim.Interval { return singleInterval(float64(r.Latency.ValueAtQuantile(p)) / 1000) }
	fr := sim.FlowResult{
		Name:           name,
		OfferedPerS:    offeredPerS,
		ThroughputPerS: singleInterval(r.ThroughputPerS()),
		LatencyMS: sim.Latency{
			Mean: singleInterval(r.Latency.Mean() / 1000), P50: q(50), P95: q(95), P99: q(99),
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
		fr.DropRatio = singleInterval(float64(r.Dropped+r.Failed+r.TimedOut) / float64(den))
	}
	fr.SLOMet = fr.DropRatio.Mean <= maxDrop && r.OK > 0
	if p95Target > 0 {
		fr.P95TargetMS = float64(p95Target) / 1e6
		fr.SLOMet = fr.SLOMet && fr.LatencyMS.P95.Mean <= fr.P95TargetMS
	}
	return fr
}

// ModelResult is run r of the plan in the model's shape (sim.Result, the result.json of
// `capsim load`), so one report can put predicted and measured side by side: one flow
// (flowResult), LoadVariable "measured" at DesignLoad 1, one replication of r's duration.
// Failed thresholds, the P95 over its target, a drop ratio over the SLO's max_drop_ratio
// (scenarios.DefaultMaxDropRatio when the plan's flow has none), no request served, an invalid
// measurement and an abort are Violations (SLOMet is true without any); validity, abort and
// accounting go to Notes, and who measured (capsim's generator, or k6: Result.Generator) with
// where its latency runs from. version is the Settings.Version to record (capsim's).
func (p *Plan) ModelResult(r *Result, version string) sim.Result {
	maxDrop := cmp.Or(p.Flow.MaxDropRatio, scenarios.DefaultMaxDropRatio)
	fr := flowResult(r, p.Flow.Name, p.OfferedPerS, float64(max(1, p.Batch)), p.Flow.P95Target, maxDrop)
	out := sim.Result{
		Scenario: p.Scenario, LoadVariable: "measured", DesignLoad: 1,
		Flows:    []sim.FlowResult{fr},
		Settings: sim.Settings{Replications: 1, DurationS: r.Duration.Seconds(), Version: version, ScenarioSHA256: p.ScenarioSHA256},
	}
	for _, t := range r.Thresholds {
		if !t.Passed {
			out.Violations = append(out.Violations, fmt.Sprintf("threshold %s %s failed (value %.4g)", t.Metric, t.Expr, t.Value))
		}
	}
	if fr.P95TargetMS > 0 && fr.LatencyMS.P95.Mean > fr.P95TargetMS {
		out.Violations = append(out.Violations, fmt.Sprintf("p95 %s %.1fms > %.1fms", fr.Name, fr.LatencyMS.P95.Mean, fr.P95TargetMS))
	}
	if fr.DropRatio.Mean > maxDrop {
		out.Violations = append(out.Violations, fmt.Sprintf("%s: %.2f %% of requests not served (%d failed, %d timed out, %d dropped) > max_drop_ratio %.2f %%",
			fr.Name, 100*fr.DropRatio.Mean, r.Failed, r.TimedOut, r.Dropped, 100*maxDrop))
	}
	if r.OK == 0 {
		out.Violations = append(out.Violations, fr.Name+": no request was served")
	}
	// a run that did not keep its schedule, or stopped early, shows nothing is met
	for _, s := range r.Invalid {
		out.Violations = append(out.Violations, "invalid measurement: "+s)
	}
	if r.Aborted {
		out.Violations = append(out.Violations, "aborted: "+r.AbortReason)
	}
	out.SLOMet = len(out.Violations) == 0
	by, latency := "capsim load", "latency is measured from the intended send time (no coordinated omission)"
	if r.Generator != "" {
		by = r.Generator + " (capsim load --k6)"
		latency = "latency is measured from the actual send, as k6 measures it: coordinated omission is avoided only by starting each iteration on a free VU (an iteration dropped for want of one makes the run invalid); k6's arrival-rate executors space arrivals evenly (k6 has no Poisson arrivals)"
	}
	out.Notes = append(out.Notes,
		fmt.Sprintf("measured by %s: %s against %s (%s)", by, p.Describe, p.Target, p.Protocol),
		fmt.Sprintf("accounting: scheduled %d = ok %d + failed %d + timed out %d + dropped %d + interrupted %d",
			r.Scheduled, r.OK, r.Failed, r.TimedOut, r.Dropped, r.Interrupted),
		latency)
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
