package sim

import (
	"fmt"
	"strings"

	"github.com/capsim/capsim/sim/availability"
)

// Defaults of the availability Monte Carlo when the scenario's availability section leaves them
// out: a 10-year horizon per replication and 200 replications.
const (
	DefaultAvailabilityHorizonH     = 87600
	DefaultAvailabilityReplications = 200
)

// AvailabilityTiers are seed 001's availability targets ("High Availability Overview /
// Availability Targets"), highest first.
var AvailabilityTiers = []struct {
	Name   string
	Uptime float64 // fraction
}{
	{"Mission Critical 99.999%", 0.99999},
	{"Very High 99.99%", 0.9999},
	{"High 99.9%", 0.999},
	{"Standard 99.0%", 0.99},
}

// Availability estimates the tier's steady-state availability from the scenario's availability
// section (nil, nil without one): availability.Derive built the structure function from the
// deployment at Compile, availability.Simulate runs the Monte Carlo (horizon and replications from the
// section, defaults DefaultAvailabilityHorizonH and DefaultAvailabilityReplications) with seed.
//
// Tier is the highest of AvailabilityTiers whose uptime the lower end of the 95 % interval
// reaches ("below 99.0%" otherwise): the tier is claimed only with 95 % confidence.
// Errors: those of availability.Derive and availability.Simulate (bad MTBF/MTTR, references).
func (m *Model) Availability(seed uint64) (*AvailabilityResult, error) {
	return m.availability(seed, nil)
}

// availability is Availability reporting its replications as PhaseAvailability to progress
// (nil: none).
func (m *Model) availability(seed uint64, progress func(Progress)) (*AvailabilityResult, error) {
	spec := m.avail
	if spec == nil {
		return nil, nil
	}
	am, err := spec.model, spec.err
	if err != nil {
		return nil, fmt.Errorf("availability: %w", err)
	}
	horizon := spec.horizonH
	if horizon <= 0 {
		horizon = DefaultAvailabilityHorizonH
	}
	reps := spec.reps
	if reps <= 0 {
		reps = DefaultAvailabilityReplications
	}
	mt := newMeter(progress, PhaseAvailability, UnitReplications, reps)
	st, err := availability.Simulate(am.Components, am.Up, horizon, reps, seed,
		availability.WithProgress(func(done, _ int) { mt.add(1) }))
	if err != nil {
		return nil, fmt.Errorf("availability: %w", err)
	}
	mt.end()
	res := &AvailabilityResult{
		Availability:     Interval{Mean: st.Availability, CI95: [2]float64{st.Lo, st.Hi}},
		DowntimePerYearH: st.DowntimePerYearH(),
		Tier:             "below 99.0%",
	}
	for _, t := range AvailabilityTiers {
		if st.Lo >= t.Uptime {
			res.Tier, res.TierReached = t.Name, true
			break
		}
	}
	mtbf, mttr := spec.mtbfH, spec.mttrH
	over := ""
	if spec.nodeValues > 0 {
		over = fmt.Sprintf(" (%d nodes with their own values)", spec.nodeValues)
	}
	outage := "no tier outage was simulated"
	if st.Outages > 0 {
		outage = fmt.Sprintf("%.2f tier outages per year lasting %.2f h on average", st.OutagesPerYear, st.MeanOutageH)
	}
	res.Method = fmt.Sprintf("Monte Carlo over %d nodes failing independently: exponential up times (mean MTBF %.0f h) and repairs (mean MTTR %.2f h)%s, alternating renewal processes started in their stationary state, event-driven; "+
		"%d replications of %.0f h, seed %d; 95 %% interval Student t over replications; tier = highest seed-001 target reached by the interval's lower end. Structure: %s. Result: %s.",
		len(am.Components), mtbf, mttr, over, reps, horizon, seed, strings.Join(am.Notes, "; "), outage)
	return res, nil
}
