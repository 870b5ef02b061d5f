package sim

import (
	"encoding/json"
	"math"
	"testing"
)

// twoFlows: flow "hit" goes through api, on nodes a and b (one core each, ρ = 0.4); node a
// crashes for good at 30 s, so b carries all of it (ρ = 0.8) and its P95 rises. Flow "calm"
// goes through other on node c, which nothing touches: its P95 stays where it was.
const twoFlows = `
name: two-flows
load: {design: 100}
slo: {p95: {hit: 400ms, calm: 250ms}}
nodes:
  - {name: a, cores: 1}
  - {name: b, cores: 1}
  - {name: c, cores: 1}
services:
  - name: api
    placement: [a, b]
    handlers: [{class: get, cpu: {dist: exponential, mean: 8ms}}]
  - name: other
    placement: [c]
    handlers: [{class: get, cpu: {dist: exponential, mean: 5ms}}]
flows:
  - {name: hit, rate: 100/s, entry: {service: api, class: get}}
  - {name: calm, rate: 60/s, entry: {service: other, class: get}}
ha:
  health_check: {inter: 1s, fall: 2, rise: 2}
failures:
  - {at: 30s, node: a, kind: crash}
sim: {warmup: 5s, duration: 200s}
`

// flowTimelineJSON is the shape result.json gives each flow's per-second series of a failure.
type flowTimelineJSON struct {
	Timeline []struct {
		T     float64 `json:"t"`
		P95MS float64 `json:"p95_ms"`
	} `json:"timeline"`
	FlowTimelines []struct {
		Flow           string    `json:"flow"`
		P95TargetMS    float64   `json:"p95_target_ms"`
		P95MS          []float64 `json:"p95_ms"`
		ThroughputPerS []float64 `json:"throughput_per_s"`
	} `json:"flow_timelines"`
}

// TestFlowTimelines: a failure's result.json carries, beside the all-flows P95 per second, each
// flow's own P95 and completions per second over the same seconds with the flow's target. The
// flow through the crashed node slows down; the other flow's P95 stays at its steady level.
func TestFlowTimelines(t *testing.T) {
	s := loadYAML(t, twoFlows)
	fr, err := mustCompile(t, s).Failures(WithReplications(1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(fr[0])
	if err != nil {
		t.Fatal(err)
	}
	var got flowTimelineJSON
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Timeline) < 100 {
		t.Fatalf("timeline of %d seconds", len(got.Timeline))
	}
	if len(got.FlowTimelines) != 2 {
		t.Fatalf("%d flow timelines in %s…, want one per flow (2)", len(got.FlowTimelines), b[:min(len(b), 300)])
	}
	want := map[string]float64{"hit": 400, "calm": 250}
	for i, ft := range got.FlowTimelines {
		if i == 0 && ft.Flow != "hit" || i == 1 && ft.Flow != "calm" {
			t.Errorf("flow timeline %d is %q, want the scenario's flow order", i, ft.Flow)
		}
		if ft.P95TargetMS != want[ft.Flow] {
			t.Errorf("%s: p95_target_ms %g, want %g", ft.Flow, ft.P95TargetMS, want[ft.Flow])
		}
		if len(ft.P95MS) != len(got.Timeline) || len(ft.ThroughputPerS) != len(got.Timeline) {
			t.Fatalf("%s: %d P95 and %d throughput values for %d seconds", ft.Flow, len(ft.P95MS), len(ft.ThroughputPerS), len(got.Timeline))
		}
	}
	// the flows' completions add up to the timeline's, second by second
	for i, p := range fr[0].Timeline {
		if sum := got.FlowTimelines[0].ThroughputPerS[i] + got.FlowTimelines[1].ThroughputPerS[i]; sum != p.ThroughputPerS {
			t.Fatalf("second %g: flows completed %g, timeline %g", p.T, sum, p.ThroughputPerS)
		}
	}
	// mean per-second P95 before the fault and from 20 s after it (detection and the queue
	// building up on b are over by then) to the end
	at := fr[0].AtS
	mean := func(xs []float64, from, to float64) float64 {
		sum, n := 0.0, 0
		for i, p := range got.Timeline {
			if p.T > from && p.T <= to && xs[i] > 0 {
				sum += xs[i]
				n++
			}
		}
		if n == 0 {
			t.Fatalf("no second in (%g, %g]", from, to)
		}
		return sum / float64(n)
	}
	end := got.Timeline[len(got.Timeline)-1].T
	hit, calm := got.FlowTimelines[0].P95MS, got.FlowTimelines[1].P95MS
	hitBefore, hitAfter := mean(hit, 0, at), mean(hit, at+20, end)
	calmBefore, calmAfter := mean(calm, 0, at), mean(calm, at+20, end)
	t.Logf("P95 per second: hit %.1f → %.1f ms, calm %.1f → %.1f ms", hitBefore, hitAfter, calmBefore, calmAfter)
	if hitAfter < 2*hitBefore {
		t.Errorf("P95 of the flow through the crashed node %.1f ms after the fault, %.1f ms before: want it at least doubled", hitAfter, hitBefore)
	}
	if math.Abs(calmAfter-calmBefore) > 0.25*calmBefore {
		t.Errorf("P95 of the untouched flow %.1f ms after the fault, %.1f ms before: want within 25 %%", calmAfter, calmBefore)
	}
	// and that level is M/M/1's: λ = 60/s, E[S] = 5 ms, R ~ Exp(μ − λ), P95 = ln 20 / 140 s
	if mm1 := 1e3 * math.Log(20) / (200 - 60); math.Abs(calmAfter-mm1) > 0.15*mm1 {
		t.Errorf("P95 of the untouched flow %.1f ms after the fault, M/M/1 gives %.1f ms", calmAfter, mm1)
	}
}
