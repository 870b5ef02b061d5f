package sim

import "testing"

// TestKernelAllocsPerEvent: a replication allocates at set-up and while its buffers grow, not
// per event: ten times the simulated time (and events) adds at most a few allocations.
func TestKernelAllocsPerEvent(t *testing.T) {
	for _, name := range []string{"examples/mm1", "medium"} {
		m, err := Compile(mustLoad(t, name))
		if err != nil {
			t.Fatal(err)
		}
		var ev [2]int64
		allocs := func(i int, dur int64) float64 {
			return testing.AllocsPerRun(2, func() {
				k := newKernel(m, 1, 0)
				ev[i] = k.run(1, 0, dur).events
			})
		}
		short, long := allocs(0, 20e9), allocs(1, 200e9)
		t.Logf("%s: %.0f allocations for %d events, %.0f for %d", name, short, ev[0], long, ev[1])
		if long-short > 8 {
			t.Errorf("%s: %.0f allocations for %d events, %.0f for %d: the kernel allocates per event", name, short, ev[0], long, ev[1])
		}
	}
}
