package sim

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// progressLog records WithProgress calls; record fails the test on a call made while another is
// running (calls must be serialized).
type progressLog struct {
	mu    sync.Mutex
	busy  bool
	calls []Progress
	t     *testing.T
}

func (l *progressLog) record(p Progress) {
	l.mu.Lock()
	if l.busy {
		l.t.Error("WithProgress callback called concurrently")
	}
	l.busy = true
	l.calls = append(l.calls, p)
	l.busy = false
	l.mu.Unlock()
}

// phases checks the calls phase by phase and returns the phases in order: a phase's calls are
// contiguous (no phase comes back once another has started), its unit does not change, Done
// never decreases and never exceeds Total, and its last call has Done == Total > 0. last maps a
// phase to its last call.
func (l *progressLog) phases() (order []Phase, last map[Phase]Progress) {
	l.t.Helper()
	last = map[Phase]Progress{}
	for i, p := range l.calls {
		prev, seen := last[p.Phase]
		switch {
		case !seen:
			if len(order) > 0 && order[len(order)-1] == p.Phase {
				break
			}
			order = append(order, p.Phase)
		case order[len(order)-1] != p.Phase:
			l.t.Errorf("call %d: phase %s comes back after %s", i, p.Phase, order[len(order)-1])
		case p.Done < prev.Done:
			l.t.Errorf("call %d: phase %s goes back from %d to %d done", i, p.Phase, prev.Done, p.Done)
		case p.Unit != prev.Unit:
			l.t.Errorf("call %d: phase %s changes its unit from %q to %q", i, p.Phase, prev.Unit, p.Unit)
		}
		if p.Done > p.Total || p.Done < 0 {
			l.t.Errorf("call %d: %+v: done outside [0, total]", i, p)
		}
		last[p.Phase] = p
	}
	for _, ph := range order {
		if p := last[ph]; p.Done != p.Total || p.Total <= 0 {
			l.t.Errorf("phase %s ends at %d of %d %s, want done == total > 0", ph, p.Done, p.Total, p.Unit)
		}
	}
	return order, last
}

// TestProgressPhases: N-1, failure runs and availability report their progress, each as a phase
// of its own, done rising to the total. Before each reported through one replication counter
// (or not at all): RunFailures's counter restarted after the warm-up pilot (10 of 10, then 1 of
// 5), NMinus1 ended short of its guessed total, the CLI passed no callback to N-1, and the
// availability Monte Carlo and the simulated minutes of a failure replication reported nothing.
func TestProgressPhases(t *testing.T) {
	avail := twoNodes + "availability: {mtbf: 100h, mttr: 2h, replications: 40}\n"
	for _, c := range []struct {
		name string
		run  func(opt Option) error
		want []Phase
		// failure runs: their total is every replication's simulated seconds (warm-up + window)
		failureS int
	}{
		{"N-1", func(o Option) error {
			_, err := mustCompile(t, nm1Load(t, nm1TwoNodes)).NMinus1(append(nm1Fast, WithReplications(2), o)...)
			return err
		}, []Phase{PhaseNMinus1}, 0},
		{"N-1 with the warm-up detected", func(o Option) error {
			_, err := mustCompile(t, nm1Load(t, nm1TwoNodes)).NMinus1(WithMeasuredTime(20*time.Second), WithReplications(2), o)
			return err
		}, []Phase{PhaseWarmup, PhaseNMinus1}, 0},
		{"failures", func(o Option) error {
			_, err := mustCompile(t, loadYAML(t, twoNodes)).Failures(WithReplications(3), o)
			return err
		}, []Phase{PhaseFailures}, 3 * (5 + 380)},
		{"failures with the warm-up detected", func(o Option) error {
			_, err := mustCompile(t, loadYAML(t, twoNodes)).Failures(WithReplications(2), WithWarmup(0), o)
			return err
		}, []Phase{PhaseWarmup, PhaseFailures}, 0},
		{"run with availability and failures", func(o Option) error {
			_, err := mustCompile(t, loadYAML(t, avail)).Run(WithReplications(2), WithSweep(false), o)
			return err
		}, []Phase{PhaseRun, PhaseAvailability, PhaseFailures}, 2 * (5 + 380)},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := &progressLog{t: t}
			if err := c.run(WithProgress(l.record)); err != nil {
				t.Fatal(err)
			}
			order, last := l.phases()
			if d := cmp.Diff(c.want, order); d != "" {
				t.Errorf("phases (-want +got):\n%s", d)
			}
			if f, ok := last[PhaseFailures]; ok {
				if f.Unit != UnitSimSeconds || (c.failureS > 0 && f.Total != c.failureS) {
					t.Errorf("failures end at %d %s, want %d %s", f.Total, f.Unit, c.failureS, UnitSimSeconds)
				}
				// a replication reports its simulated clock as it runs, not only at its end
				n := 0
				for _, p := range l.calls {
					if p.Phase == PhaseFailures {
						n++
					}
				}
				if n <= 3+2 { // the start, one per replication (at most 3) and the end
					t.Errorf("%d progress calls of the failure runs: a replication reports only at its end", n)
				}
			}
			if a, ok := last[PhaseAvailability]; ok && a.Total != 40 {
				t.Errorf("availability ends at %d, want its 40 replications", a.Total)
			}
		})
	}
}

// TestProgressDoesNotChangeResults: the callback observes; N-1 rows are the same with and
// without it.
func TestProgressDoesNotChangeResults(t *testing.T) {
	s := nm1Load(t, nm1TwoNodes)
	opts := append(nm1Fast, WithReplications(2))
	a, err := mustCompile(t, s).NMinus1(opts...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := mustCompile(t, s).NMinus1(append(opts, WithProgress(func(Progress) {}))...)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("N-1 rows change with a progress callback (-without +with):\n%s", d)
	}
}
