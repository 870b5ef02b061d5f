package scenarios

import "cmp"

// SecondsPerMonth is the month of bytes_per_month: 30 days of 86,400 s.
const SecondsPerMonth = 30 * 86400

// The workload arithmetic of a flow, at load.rates_at (the load its rates are written at):
// the one formula the model (sim), its storage estimate and the load generator (loadgen)
// share. A field left at zero takes its documented default, so the results are the same
// before and after ApplyDefaults.

// FlowSources is the number of sources of flow f in the source form: flow.sources, else
// load.rates_at, else load.design.
func (s *Scenario) FlowSources(f *Flow) float64 {
	return cmp.Or(f.Sources, s.Load.RatesAt, s.Load.Design)
}

// FlowBatch is the events per request of flow f: flow.batch, else DefaultBatch.
func FlowBatch(f *Flow) int { return cmp.Or(f.Batch, DefaultBatch) }

// FlowEventsPerS is the events per second flow f sends at load.rates_at, before its peak
// factor: bytes_per_month ÷ event_size ÷ SecondsPerMonth when both are given, else
// events_per_source × FlowSources, else rate × FlowBatch (events/s).
func (s *Scenario) FlowEventsPerS(f *Flow) float64 {
	switch {
	case f.BytesPerMonth > 0 && f.EventSize > 0:
		return float64(f.BytesPerMonth) / float64(f.EventSize) / SecondsPerMonth
	case f.EventsPerSource > 0:
		return float64(f.EventsPerSource) * s.FlowSources(f)
	case f.Rate > 0:
		return float64(f.Rate) * float64(FlowBatch(f))
	}
	return 0
}

// FlowPeak is the peak factor FlowRate applies to flow f: peak_factor (default
// DefaultPeakFactor) in the source form, 1 for a flow given by its rate or population.
func FlowPeak(f *Flow) float64 {
	if f.Population > 0 || f.Rate > 0 {
		return 1
	}
	return cmp.Or(f.PeakFactor, DefaultPeakFactor)
}

// FlowRate is the requests per second an open flow f offers at load.rates_at: flow.rate, else
// (source form) FlowEventsPerS × FlowPeak ÷ FlowBatch, one request per batch. 0 for a closed
// flow (population).
func (s *Scenario) FlowRate(f *Flow) float64 {
	switch {
	case f.Population > 0:
		return 0
	case f.Rate > 0:
		return float64(f.Rate)
	}
	return s.FlowEventsPerS(f) * FlowPeak(f) / float64(FlowBatch(f))
}
