package sim

import (
	"fmt"
	"math"
	"strconv"
)

// CPUPerEvent is the CPU the model's costs spend per event at design load, beside the CPU per
// event a seed's own sizing (scenarios.Sizing) budgets for. An event is what a flow's requests
// carry: its batch in the source form, 1 for a plain request (an API call, a job).
type CPUPerEvent struct {
	// ModelMS is the model's costs in total, ms of CPU per event: Σ x·D ÷ Σ x·e over the
	// flows, where x is a flow's average request rate at design load (an open flow's offered
	// rate without its peak factor, a closed flow's simulated throughput), D its expected CPU
	// demand per request summed over every node (the demands of the utilization law) and e its
	// events per request.
	ModelMS float64 `json:"model_ms"`
	// EventsPerS is Σ x·e, the events per second the flows send at design load, on average.
	EventsPerS float64 `json:"events_per_s"`
	// Flows gives each flow's part.
	Flows []FlowCPU `json:"flows"`
	// Seed is the seed's sizing and the CPU per event it implies; nil when the scenario has
	// no sizing.
	Seed *SeedSizing `json:"seed_sizing,omitempty"`
	// Ratio is ModelMS ÷ Seed.MS: the share of the seed's CPU budget the model's costs use
	// (0 without a sizing).
	Ratio float64 `json:"ratio,omitempty"`
}

// FlowCPU is one flow's CPU demand at design load.
type FlowCPU struct {
	Name string `json:"name"`
	// RequestsPerS is the average request rate x (no peak factor).
	RequestsPerS float64 `json:"requests_per_s"`
	// EventsPerRequest is e (the batch, 1 for a plain request).
	EventsPerRequest float64 `json:"events_per_request"`
	// CPUMSPerRequest is D, the expected CPU per request over every node, ms;
	// CPUMSPerEvent is D ÷ e.
	CPUMSPerRequest float64 `json:"cpu_ms_per_request"`
	CPUMSPerEvent   float64 `json:"cpu_ms_per_event"`
}

// SeedSizing is a seed's sizing and the CPU per event it implies.
type SeedSizing struct {
	// Cores and Load are scenarios.Sizing's: the cores the seed gives for Load (load units).
	Cores float64 `json:"cores"`
	Load  float64 `json:"load"`
	// EventsPerS is the events per second the flows send at Load, on average:
	// CPUPerEvent.EventsPerS × Load ÷ design load (every flow scales linearly with the load).
	EventsPerS float64 `json:"events_per_s"`
	// MS is Cores ÷ EventsPerS in ms: the CPU per event the sizing budgets for, headroom
	// included.
	MS     float64 `json:"ms"`
	Source string  `json:"source"`
}

// String is the comparison a reader must see: "seed sizing (32 cores for 772 events/s) implies
// 41.5 ms CPU per event; the model's costs total 0.634 ms (ratio 0.0153)", or the model's total
// alone when the seed gives no sizing. Figures to 3 significant digits.
func (c *CPUPerEvent) String() string {
	if c.Seed == nil {
		return fmt.Sprintf("the model's costs total %s ms CPU per event (the seed gives no sizing to compare)", sig3(c.ModelMS))
	}
	return fmt.Sprintf("seed sizing (%s cores for %s events/s) implies %s ms CPU per event; the model's costs total %s ms (ratio %s)",
		strconv.FormatFloat(c.Seed.Cores, 'g', -1, 64), sig3(c.Seed.EventsPerS), sig3(c.Seed.MS), sig3(c.ModelMS), sig3(c.Ratio))
}

// sig3 writes x with 3 significant digits, without an exponent: 41.47 → "41.5", 0.01527 →
// "0.0153", 771.6 → "772", 12345 → "12345".
func sig3(x float64) string {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	d := max(0, 2-int(math.Floor(math.Log10(math.Abs(x)))))
	return strconv.FormatFloat(x, 'f', d, 64)
}

// cpuPerEvent is the model's CPU per event at design load, from the expected demands the
// utilization law uses and the flows' rates (flowRates; reps give closed flows' throughput), and
// the seed's sizing beside it. nil for a model without nodes or without events.
func (m *Model) cpuPerEvent(reps []replication) *CPUPerEvent {
	if len(m.nodeCPU) == 0 {
		return nil
	}
	out := &CPUPerEvent{}
	cpu := 0.0
	for f, x := range m.flowRates(m.design, reps) {
		fl := &m.flows[f]
		x /= fl.peak
		d := 0.0
		for _, st := range m.nodeCPU {
			d += m.dm.d[f][st]
		}
		out.Flows = append(out.Flows, FlowCPU{Name: fl.name, RequestsPerS: x, EventsPerRequest: fl.events,
			CPUMSPerRequest: d * 1e3, CPUMSPerEvent: d * 1e3 / fl.events})
		cpu += x * d
		out.EventsPerS += x * fl.events
	}
	if out.EventsPerS <= 0 {
		return nil
	}
	out.ModelMS = cpu / out.EventsPerS * 1e3
	if sz := m.sizing; sz != nil {
		e := out.EventsPerS * sz.Load / m.design
		out.Seed = &SeedSizing{Cores: sz.Cores, Load: sz.Load, EventsPerS: e, MS: sz.Cores / e * 1e3, Source: sz.Source}
		out.Ratio = out.ModelMS / out.Seed.MS
	}
	return out
}
