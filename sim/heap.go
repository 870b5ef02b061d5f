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
	n := len(h.ev)
	if n == cap(h.ev) {
		h.ev = append(h.ev, event{})
	} else {
		h.ev = h.ev[:n+1] // a self-reslice: no pointer store, no write barrier
	}
	ev := h.ev
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
}

// pop removes and returns the earliest event. The heap must not be empty. The sift-down keeps
// the smallest child's key in registers and moves the hole, writing the last event once.
// (Keys are unique, so any correct heap pops events in the same order.)
func (h *eventHeap) pop() event {
	h.ev = h.ev[:len(h.ev)-1] // a self-reslice: no pointer store, no write barrier
	ev := h.ev
	n := len(ev)
	top, last := ev[:n+1][0], ev[:n+1][n]
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		mt, ms := ev[c].t, ev[c].seq
		end := c + 4
		if end > n {
			end = n
		}
		for k := c + 1; k < end; k++ {
			if t := ev[k].t; t < mt || (t == mt && ev[k].seq < ms) {
				m, mt, ms = k, t, ev[k].seq
			}
		}
		if last.t < mt || (last.t == mt && last.seq < ms) {
			break
		}
		ev[i] = ev[m]
		i = m
	}
	if n > 0 {
		ev[i] = last
	}
	return top
}

func (h *eventHeap) len() int { return len(h.ev) }

func (h *eventHeap) reset() {
	h.ev = h.ev[:0]
	h.seq = 0
}
