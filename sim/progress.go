package sim

import "sync"

// Phase names a part of an analysis that reports progress on its own (WithProgress).
type Phase string

// The phases, in the order a run goes through them. Run: PhaseWarmup (when the warm-up is
// detected), PhaseRun, PhaseAvailability (with an availability section), PhaseFailures (with
// scheduled failures). NMinus1: PhaseWarmup, PhaseNMinus1. Failures: PhaseWarmup,
// PhaseFailures.
const (
	// PhaseWarmup: the pilot replications that detect the warm-up (MSER-5); unit replications.
	PhaseWarmup Phase = "warm-up"
	// PhaseRun: design load, sweep, saturation search and advice; unit replications.
	PhaseRun Phase = "simulating"
	// PhaseNMinus1: the "node down" variants at design load and their saturation searches;
	// unit replications.
	PhaseNMinus1 Phase = "N-1"
	// PhaseFailures: the failure runs; unit simulated seconds, summed over the replications
	// (each is warm-up + the failure run's measured window long).
	PhaseFailures Phase = "failures"
	// PhaseAvailability: the availability Monte Carlo; unit replications.
	PhaseAvailability Phase = "availability"
)

// Units of Progress.
const (
	UnitReplications = "replications"
	UnitSimSeconds   = "simulated s"
)

// Progress is how far a phase is: Done of Total units of work (Unit). Within a phase Done
// never decreases and never exceeds Total. Total is an estimate while the phase runs: it grows
// when the phase finds it needs more (replications added for the precision), shrinks when it
// needs less (an N-1 search that closes its bracket early); the last call of a phase that ran
// to its end has Done == Total. A stopped run (WithContext) ends its phase where it was.
type Progress struct {
	Phase       Phase
	Unit        string
	Done, Total int
}

// meter counts the work of one phase and reports it to the WithProgress callback. Every runner
// of the phase (the advice variants' too) shares it. Calls to the callback are serialized, in
// the order of the counts, so a caller sees them monotone.
type meter struct {
	mu sync.Mutex
	fn func(Progress)
	p  Progress
}

// newMeter starts a phase of total units (reported at once, so a display shows the phase
// before its first unit is done). A nil fn makes a meter that reports nothing.
func newMeter(fn func(Progress), phase Phase, unit string, total int) *meter {
	m := &meter{fn: fn, p: Progress{Phase: phase, Unit: unit, Total: max(total, 0)}}
	m.report()
	return m
}

// report calls the callback; m.mu is held, or m is not shared yet.
func (m *meter) report() {
	if m.fn != nil {
		m.fn(m.p)
	}
}

// add counts n more units done (Total follows when it was underestimated).
func (m *meter) add(n int) {
	if m == nil || n <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.p.Done += n
	m.p.Total = max(m.p.Total, m.p.Done)
	m.report()
}

// grow changes the expected total by n (negative: less work than expected), never below Done.
func (m *meter) grow(n int) {
	if m == nil || n == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.p.Total = max(m.p.Total+n, m.p.Done)
	m.report()
}

// end closes the phase: Total becomes Done.
func (m *meter) end() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p.Total != m.p.Done {
		m.p.Total = m.p.Done
		m.report()
	}
}
