package sim

import (
	"math/rand/v2"
	"testing"
)

// TestEventHeapOrder: the event queue pops the earliest pending event by (t, seq), in both of
// its forms and across the changes between them (sizes from 0 to several hundred, many equal
// times), checked against a plain search of the pending events.
func TestEventHeapOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h eventHeap
	h.init(4)
	var now int64
	var naive []event // the same pending events
	maxLen, cycles := 0, 0
	grow := true
	for step := 0; step < 100000; step++ {
		// phases that grow the queue well past heapAbove and drain it empty
		switch {
		case grow && len(naive) >= 6*heapAbove:
			grow = false
		case !grow && len(naive) == 0:
			grow = true
			cycles++
		}
		if len(naive) == 0 || (grow && r.IntN(3) > 0) || (!grow && r.IntN(3) == 0) {
			tt := now + r.Int64N(50)
			h.push(tt, evResume, 0, int32(step))
			naive = append(naive, event{t: tt, seq: h.seq, b: int32(step), kind: evResume})
			maxLen = max(maxLen, len(naive))
			continue
		}
		best := 0
		for i := range naive {
			if a, b := &naive[i], &naive[best]; a.t < b.t || (a.t == b.t && a.seq < b.seq) {
				best = i
			}
		}
		if m := *h.min(); m != naive[best] {
			t.Fatalf("step %d: ev[0] is %+v, the earliest pending is %+v", step, m, naive[best])
		}
		if e := h.pop(); e != naive[best] {
			t.Fatalf("step %d: popped %+v, the earliest pending is %+v", step, e, naive[best])
		}
		now = naive[best].t
		naive = append(naive[:best], naive[best+1:]...)
		if h.len() != len(naive) {
			t.Fatalf("step %d: len %d, want %d", step, h.len(), len(naive))
		}
	}
	if maxLen < 6*heapAbove || cycles < 10 {
		t.Fatalf("the queue reached only %d events, emptied %d times", maxLen, cycles)
	}
}

// pop removes and returns the earliest event (the tests' way; the kernel pops with next). The
// queue must not be empty.
func (h *eventHeap) pop() event {
	var e event
	h.next(&e)
	return e
}
