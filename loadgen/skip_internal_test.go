package loadgen

import (
	"testing"
	"time"
)

// TestSkipMatchesSendTime: for every deterministic pacer, skip(n, t) is the first hit at or
// after n whose SendTime is at or after t, found by walking SendTime one hit at a time.
func TestSkipMatchesSendTime(t *testing.T) {
	ramp, _ := NewRampingPacer(3, []Stage{{Duration: 700 * time.Millisecond, Target: 50}, {Duration: 300 * time.Millisecond, Target: 0}})
	offs := OffsetPacer{Offsets: []time.Duration{0, 5, 5, 9, 20, 40, 41}, TimeScale: 1e6}
	for _, c := range []struct {
		name string
		p    interface {
			skipper
			SendTimer
		}
	}{
		{"constant 7/s", ConstantPacer{Freq: 7, Per: time.Second, Duration: time.Second}},
		{"constant 1000/3ms", ConstantPacer{Freq: 1000, Per: 3 * time.Millisecond, Duration: 20 * time.Millisecond}},
		{"ramp", ramp},
		{"offsets", offs},
	} {
		for n := uint64(0); n < 40; n += 3 {
			for tt := time.Duration(0); tt <= 1100*time.Millisecond; tt += 7 * time.Millisecond {
				want := n
				for {
					at, ok := c.p.SendTime(want)
					if !ok || at >= tt {
						break
					}
					want++
				}
				if _, ok := c.p.SendTime(n); !ok {
					want = n
				}
				if got := c.p.skip(n, tt); got != want && !(got > want && beyond(c.p, want)) {
					t.Fatalf("%s: skip(%d, %v) = %d, want %d", c.name, n, tt, got, want)
				}
			}
		}
	}
}

// beyond reports whether hit n is past the end of the schedule (every index there is alike).
func beyond(p SendTimer, n uint64) bool { _, ok := p.SendTime(n); return !ok }
