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

// eventHeap is the queue of pending events. While it holds few events (a kernel usually holds
// about ten) it is an array sorted by decreasing (t, seq): the earliest is last and pops in
// constant time, and a new event, usually among the next ones, is inserted from the back past
// the few that come before it (the far ones, such as the end of the replication, stay put).
// Past heapAbove events it becomes a 4-ary min-heap (4-ary halves the depth of a binary heap and
// keeps the children of a node in one or two cache lines), and at sortedBelow it is sorted again.
// Keys are unique, so either form pops the same events in the same order. No interface calls,
// no allocation once grown.
type eventHeap struct {
	ev   []event
	heap bool // 4-ary heap form: ev[0] is the earliest
	seq  uint64
}

const (
	heapAbove   = 48 // a sorted queue that would grow past this becomes a heap
	sortedBelow = 16 // a heap that shrinks to this becomes sorted again
)

func (h *eventHeap) init(n int) {
	h.ev, h.heap = make([]event, 0, n), false
}

// min is the earliest pending event. The queue must not be empty.
func (h *eventHeap) min() *event {
	if h.heap {
		return &h.ev[0]
	}
	return &h.ev[len(h.ev)-1]
}

func (h *eventHeap) push(t int64, kind uint8, a, b int32) { h.pushG(t, kind, a, b, 0) }

func (h *eventHeap) pushG(t int64, kind uint8, a, b int32, g uint16) {
	h.seq++
	seq := h.seq
	n := len(h.ev)
	if h.heap || n >= heapAbove {
		h.pushHeap(t, seq, a, b, g, kind)
		return
	}
	if n == cap(h.ev) {
		h.ev = append(h.ev, event{})
	} else {
		h.ev = h.ev[:n+1] // a self-reslice: no pointer store, no write barrier
	}
	ev := h.ev
	// from the back (the earliest), move each event that comes before the new one up by one
	i := n
	for i > 0 {
		pe := &ev[i-1]
		if pe.t > t || (pe.t == t && pe.seq > seq) {
			break
		}
		ev[i] = *pe
		i--
	}
	// field by field: a composite literal is built on the stack with narrow stores and copied
	// with 16-byte loads, which cannot be forwarded from those stores (a stall of about 15
	// cycles per push, a tenth of the M/M/1 kernel's time)
	e := &ev[i]
	e.t, e.seq, e.a, e.b, e.g, e.kind = t, seq, a, b, g, kind
}

// pushHeap adds an event to the heap form, turning the sorted form into it first (reversed, a
// sorted array is a heap). It takes the fields, not an event: a struct argument is spilled with
// narrow stores and copied with wide loads (the stall pushG avoids).
func (h *eventHeap) pushHeap(t int64, seq uint64, a, b int32, g uint16, kind uint8) {
	if !h.heap {
		ev := h.ev
		for i, j := 0, len(ev)-1; i < j; i, j = i+1, j-1 {
			ev[i], ev[j] = ev[j], ev[i]
		}
		h.heap = true
	}
	n := len(h.ev)
	if n == cap(h.ev) {
		h.ev = append(h.ev, event{})
	} else {
		h.ev = h.ev[:n+1]
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
	e := &ev[i]
	e.t, e.seq, e.a, e.b, e.g, e.kind = t, seq, a, b, g, kind
}

// next removes the earliest event and writes it into e field by field: the kernel's way to pop.
// Copying a whole event out of a slot that pushG wrote field by field (or returning one, which
// the caller spills with narrow stores and copies with wide loads) stalls on store forwarding.
// The queue must not be empty.
func (h *eventHeap) next(e *event) {
	if !h.heap {
		n := len(h.ev) - 1
		s := &h.ev[n]
		e.t, e.seq, e.a, e.b, e.g, e.kind = s.t, s.seq, s.a, s.b, s.g, s.kind
		h.ev = h.ev[:n]
		return
	}
	h.popHeap(e)
}

// popHeap: the heap form's pop into e. The sift-down keeps the smallest child's key in
// registers and moves the hole, writing the last event once.
func (h *eventHeap) popHeap(e *event) {
	s := &h.ev[0]
	e.t, e.seq, e.a, e.b, e.g, e.kind = s.t, s.seq, s.a, s.b, s.g, s.kind
	h.ev = h.ev[:len(h.ev)-1] // a self-reslice: no pointer store, no write barrier
	ev := h.ev
	n := len(ev)
	last := ev[:n+1][n]
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
	if n <= sortedBelow {
		// back to the sorted form (decreasing): insertion sort of a few events
		for a := 1; a < n; a++ {
			x := ev[a]
			b := a
			for b > 0 && (x.t > ev[b-1].t || (x.t == ev[b-1].t && x.seq > ev[b-1].seq)) {
				ev[b] = ev[b-1]
				b--
			}
			ev[b] = x
		}
		h.heap = false
	}
}

// remove takes out the event (t, kind, a, b) if the queue is in its sorted form and holds it (a
// processor-sharing completion superseded by an earlier one); in the heap form it stays, and is
// skipped as stale when popped.
func (h *eventHeap) remove(t int64, kind uint8, a, b int32) {
	if h.heap {
		return
	}
	ev := h.ev
	for i := len(ev) - 1; i >= 0; i-- { // from the earliest: it is usually among the next ones
		if e := &ev[i]; e.t == t && e.kind == kind && e.a == a && e.b == b {
			copy(ev[i:], ev[i+1:])
			h.ev = h.ev[:len(ev)-1]
			return
		}
	}
}

func (h *eventHeap) len() int { return len(h.ev) }

func (h *eventHeap) reset() {
	h.ev, h.heap = h.ev[:0], false
	h.seq = 0
}
