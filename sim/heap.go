package sim

// Event kinds.
const (
	evArrival uint8 = iota // open flow a: next arrival
	evDepart               // FCFS station a: job b finishes service
	evPSDone               // PS station a: next completion, valid if b == station version
	evResume               // job b continues at its pc (pool hand-over, delay, think time end)
	evWarmup               // statistics reset
	evEnd                  // end of the replication
	evFault                // failure a starts (b = 0) or is repaired (b = 1)
	evMech                 // a detection / recovery mechanism's action a (faults.go)
	evTick                 // one second of the failure timeline ends
	evRetry                // job b retries after its backoff
	evSample               // an observation of the automatic warm-up (mser.go)
)

// event is a value in the event heap. Ordered by (t, seq): seq is a global counter, so events at
// the same instant run in the order they were scheduled — deterministic without map iteration.
type event struct {
	t    int64  // simulated time, ns
	seq  uint64 // tie-breaker
	a    int32  // flow or station
	b    int32  // job or version
	g    uint16 // job generation (departures): a stale event after an abort is skipped
	kind uint8
}

// eventHeap is a 4-ary min-heap of events. 4-ary halves the depth of a binary heap and keeps
// the children of a node in one or two cache lines; no interface calls, no allocation once grown.
type eventHeap struct {
	ev  []event
	seq uint64
}

func (h *eventHeap) less(i, j int) bool {
	a, b := &h.ev[i], &h.ev[j]
	return a.t < b.t || (a.t == b.t && a.seq < b.seq)
}

func (h *eventHeap) push(t int64, kind uint8, a, b int32) { h.pushG(t, kind, a, b, 0) }

func (h *eventHeap) pushG(t int64, kind uint8, a, b int32, g uint16) {
	h.seq++
	seq := h.seq
	ev := h.ev
	n := len(ev)
	if n == cap(ev) {
		ev = append(ev, event{})
	} else {
		ev = ev[:n+1]
	}
	// sift up, comparing against the new key held in registers; write the event once
	i := n
	for i > 0 {
		p := (i - 1) >> 2
		pe := &ev[p]
		if pe.t < t || (pe.t == t && pe.seq < seq) {
			break
		}
		ev[i] = *pe
		i = p
	}
	ev[i] = event{t: t, seq: seq, a: a, b: b, g: g, kind: kind}
	h.ev = ev
}

// pop removes and returns the earliest event. The heap must not be empty.
func (h *eventHeap) pop() event {
	top := h.ev[0]
	n := len(h.ev) - 1
	last := h.ev[n]
	h.ev = h.ev[:n]
	if n == 0 {
		return top
	}
	// sift down
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		end := c + 4
		if end > n {
			end = n
		}
		for k := c + 1; k < end; k++ {
			ek, em := &h.ev[k], &h.ev[m]
			if ek.t < em.t || (ek.t == em.t && ek.seq < em.seq) {
				m = k
			}
		}
		em := &h.ev[m]
		if last.t < em.t || (last.t == em.t && last.seq < em.seq) {
			break
		}
		h.ev[i] = *em
		i = m
	}
	h.ev[i] = last
	return top
}

func (h *eventHeap) len() int { return len(h.ev) }

func (h *eventHeap) reset() {
	h.ev = h.ev[:0]
	h.seq = 0
}
