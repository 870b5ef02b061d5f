package loadgen

import (
	"slices"
	"sync"
	"time"
)

// Outcome is what became of one scheduled hit, as a Ledger records it.
type Outcome uint8

// Outcomes. A timed-out or interrupted hit is indeterminate: the server may have stored its
// events (Jepsen's "info" operations).
const (
	OutcomeOK          Outcome = iota // acknowledged
	OutcomeFailed                     // the server or the transport refused it
	OutcomeTimedOut                   // no answer before the deadline: indeterminate
	OutcomeInterrupted                // in flight when the run ended: indeterminate
	OutcomeDropped                    // never sent (no VU in time, or behind the schedule)
)

var outcomeNames = [...]string{"ok", "failed", "timed_out", "interrupted", "dropped"}

// String is the outcome's name as result files write it.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// LedgerEntry is one hit of a run. The event ids it carried are "<run>-<VU>-<n>" for n in
// [FirstEvent, FirstEvent+Events) (EventGen's ids; 0 events for non-ingest targets and drops).
type LedgerEntry struct {
	VU         int
	FirstEvent uint64
	Events     int
	Acked      int
	Outcome    Outcome
	// Intended is the intended send time and Done the end of the hit, both offsets from the
	// start of the run (Done = Intended for drops).
	Intended, Done time.Duration
}

// Ledger records every hit of a run with the event ids it carried and its outcome, for
// Jepsen-style accounting: after the run, every stored id is checked against what the
// generator was told (acknowledged, failed, indeterminate, never sent). Pass it with
// WithLedger; safe for concurrent use. It holds one 48-byte entry per hit, so it is meant for
// runs of minutes, not hours (10⁶ hits ≈ 48 MB).
type Ledger struct {
	mu      sync.Mutex
	entries []LedgerEntry
}

// WithLedger records every hit of the run (its ids and outcome) in l.
func WithLedger(l *Ledger) Option { return func(o *options) { o.ledger = l } }

func (l *Ledger) add(e LedgerEntry) {
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
}

func (l *Ledger) dropped(intended time.Duration, n uint64) {
	l.mu.Lock()
	for range n {
		l.entries = append(l.entries, LedgerEntry{VU: -1, Outcome: OutcomeDropped, Intended: intended, Done: intended})
	}
	l.mu.Unlock()
}

// Entries returns a copy of the entries in order of intended send time.
func (l *Ledger) Entries() []LedgerEntry {
	l.mu.Lock()
	out := slices.Clone(l.entries)
	l.mu.Unlock()
	slices.SortStableFunc(out, func(a, b LedgerEntry) int { return int(a.Intended - b.Intended) })
	return out
}

func outcomeOf(class int) Outcome {
	switch class {
	case outOK:
		return OutcomeOK
	case outFailed:
		return OutcomeFailed
	case outTimedOut:
		return OutcomeTimedOut
	default:
		return OutcomeInterrupted
	}
}
