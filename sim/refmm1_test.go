package sim

import (
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// refMM1 is the reference for BenchmarkKernelMM1: a plain hand-written M/M/1 simulator, what a
// programmer would write for this one model. It keeps the kernel's conventions so that the two
// do the same work on the same numbers: an integer nanosecond clock, events as values in a heap
// ordered by (time, sequence), the kernel's random streams (the PCG streams newStream derives from
// the model's stream names, exponential draws with ExpFloat64), the kernel's FIFO ring,
// the same HDR histogram (3 significant digits, microseconds) and the same time-weighted
// statistics (busy servers and jobs present). It has none of the kernel's generality: no
// program, no job slots, no station table. TestRefMM1 checks it gives the kernel's results
// exactly, so the ratio of their times per event measures the kernel's overhead and nothing else.
type refEvent struct {
	t    int64
	seq  uint64
	kind uint8
}

const (
	refArrival uint8 = iota
	refDepart
	refWarmup
	refEnd
)

// refHeap is a binary min-heap of refEvent values ordered by (t, seq).
type refHeap struct {
	ev  []refEvent
	seq uint64
}

func (h *refHeap) push(t int64, kind uint8) {
	h.seq++
	e := refEvent{t: t, seq: h.seq, kind: kind}
	h.ev = append(h.ev, e)
	i := len(h.ev) - 1
	for i > 0 {
		p := (i - 1) / 2
		if q := &h.ev[p]; q.t < e.t || (q.t == e.t && q.seq < e.seq) {
			break
		}
		h.ev[i] = h.ev[p]
		i = p
	}
	h.ev[i] = e
}

func (h *refHeap) pop() refEvent {
	top := h.ev[0]
	n := len(h.ev) - 1
	last := h.ev[n]
	h.ev = h.ev[:n]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n {
			if d, e := &h.ev[c+1], &h.ev[c]; d.t < e.t || (d.t == e.t && d.seq < e.seq) {
				c++
			}
		}
		if q := &h.ev[c]; last.t < q.t || (last.t == q.t && last.seq < q.seq) {
			break
		}
		h.ev[i] = h.ev[c]
		i = c
	}
	if n > 0 {
		h.ev[i] = last
	}
	return top
}

type refResult struct {
	events, done       int64
	sumLat             float64
	areaBusy, areaN    float64
	p95                int64
	hist               *hdrhistogram.Histogram
	arrivals, inSysEnd int64
}

// refMM1 simulates m (the M/M/1 example: one open Poisson flow visiting one FCFS station with
// one server) for warm+dur ns with the streams of replication rep of seed.
func refMM1(m *Model, seed uint64, rep int, warm, dur int64) refResult {
	fl := &m.flows[0]
	d := m.progs[fl.progs[0]].code[0].d1
	arr := newStream(seed, rep, m.streams[fl.stream])
	svc := newStream(seed, rep, m.distNames[d])
	rate, mean := fl.rate/1e9, m.dists[d].mean
	hist := hdrhistogram.New(1, histMaxMicros, 3)
	var h refHeap
	h.ev = make([]refEvent, 0, 16)
	var q ring // the kernel's FIFO; a waiting job is its arrival time (qent.demand)
	var r refResult
	var now, last int64
	var n, busy int64
	var inService int64 // arrival time of the job in service
	measure := false
	// a service time, drawn when service starts: with one FCFS server the k-th draw goes to
	// the k-th job either way, as with the kernel's draws at arrival
	serve := func() int64 {
		d := svc.ExpFloat64() * mean
		if d < 0 {
			d = 0
		}
		return int64(d)
	}
	nextF := arr.ExpFloat64() / rate
	h.push(int64(nextF), refArrival)
	h.push(warm, refWarmup)
	h.push(warm+dur, refEnd)
	for {
		e := h.pop()
		now = e.t
		r.events++
		dt := float64(now - last)
		r.areaBusy += dt * float64(busy)
		r.areaN += dt * float64(n)
		last = now
		switch e.kind {
		case refArrival:
			nextF += arr.ExpFloat64() / rate
			h.push(int64(nextF), refArrival)
			if measure {
				r.arrivals++
			}
			n++
			if busy == 0 {
				busy = 1
				inService = now
				h.push(now+serve(), refDepart)
			} else {
				q.push(qent{demand: now})
			}
		case refDepart:
			if measure {
				lat := now - inService
				us := (lat + 999) / 1000
				if us < 1 {
					us = 1
				}
				if us > histMaxMicros {
					us = histMaxMicros
				}
				_ = hist.RecordValue(us)
				r.done++
				r.sumLat += float64(lat)
			}
			n--
			if q.size > 0 {
				inService = q.pop().demand
				h.push(now+serve(), refDepart)
			} else {
				busy = 0
			}
		case refWarmup:
			measure = true
			hist.Reset()
			r.areaBusy, r.areaN, r.done, r.sumLat, r.arrivals = 0, 0, 0, 0, 0
		case refEnd:
			r.p95, r.hist, r.inSysEnd = hist.ValueAtQuantile(95), hist, n
			return r
		}
	}
}

// TestRefMM1: the reference simulator and the kernel, on the same streams, complete the same
// requests with the same latencies and count the same events; so BenchmarkKernelMM1 compares
// equal work.
func TestRefMM1(t *testing.T) {
	m, err := Compile(mustLoad(t, "examples/mm1"))
	if err != nil {
		t.Fatal(err)
	}
	for rep := 0; rep < 3; rep++ {
		warm, dur := int64(10e9), int64(200e9)
		k := newKernel(m, 3, rep)
		kr := k.run(1, warm, dur)
		rr := refMM1(m, 3, rep, warm, dur)
		fs, st := &k.flows[0], &k.st[0]
		if kr.events != rr.events || fs.done != rr.done || fs.sumLat != rr.sumLat || fs.arrivals != rr.arrivals ||
			fs.hist.ValueAtQuantile(95) != rr.p95 || st.areaBusy != rr.areaBusy || st.areaN != rr.areaN {
			t.Errorf("rep %d: kernel events %d done %d sum %g arrivals %d p95 %d busy %g n %g; reference %d %d %g %d %d %g %g",
				rep, kr.events, fs.done, fs.sumLat, fs.arrivals, fs.hist.ValueAtQuantile(95), st.areaBusy, st.areaN,
				rr.events, rr.done, rr.sumLat, rr.arrivals, rr.p95, rr.areaBusy, rr.areaN)
		}
	}
}
