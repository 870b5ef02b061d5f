package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// job is a request (or a fork child, or a closed-population user) in flight.
type job struct {
	start    int64 // arrival of the request, ns
	arrive   int64 // arrival at the current station, ns
	flow     int32
	prog     int32
	pc       int32 // index into Model.code (absolute: flatten)
	parent   int32 // fork parent, -1 for a root request
	pending  int32 // fork children still running
	node     int32 // node of a store-copy child
	source   int32 // data source id (source hashing)
	nheld    int32
	pickMask uint32
	curSt    int32  // station the job is at (-1 none), for aborts
	gen      uint16 // incremented when the job is aborted: its pending departure is stale
	attempt  uint8  // retries so far (agents' backoff)
	lbTries  uint8  // balancer retries of the current pick
	failed   bool   // a fork child failed: the request fails when the join completes
	miss     bool   // a cache lookup failed: take the miss path
	written  int32  // events already stored by finished index children (duplicates on retry)
	picks    [8]int16
	pickSvc  [8]int16
	held     [8]int32
}

type qent struct {
	job    int32
	demand int64
}

// ring is a FIFO of qent that grows by doubling from 16 (its length a power of two) and never
// shrinks.
type ring struct {
	buf        []qent
	head, size int
}

func (r *ring) push(e qent) {
	if r.size == len(r.buf) {
		n := 2 * len(r.buf)
		if n == 0 {
			n = 16
		}
		nb := make([]qent, n)
		for i := 0; i < r.size; i++ {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	// the length is a power of two (16, doubled): a mask, not a 64-bit division
	i := (r.head + r.size) & (len(r.buf) - 1)
	r.buf[i].job, r.buf[i].demand = e.job, e.demand
	r.size++
}

func (r *ring) pop() qent {
	e := r.buf[r.head]
	r.head++
	if r.head == len(r.buf) {
		r.head = 0
	}
	r.size--
	return e
}

type psEnt struct {
	tag float64
	job int32
}

// stationRT is the run-time state and statistics of one station.
type stationRT struct {
	n, busy int32 // in system, busy servers
	// the station's constant spec, copied next to its state: servers, capacity (0 none), node
	// (-1 none), processor sharing, a CPU quota to enforce
	servers, capK, node int32
	ps, quota           bool
	q                   ring
	// processor sharing: virtual time V advances at the per-job rate min(1, c/n)
	tags  []psEnt
	v     float64
	lastV int64
	ver   int32
	// the live completion event: pending, due at nextT. An event that fires before the station's
	// next completion (arrivals slowed it down) re-checks and re-schedules itself once.
	pending bool
	nextT   int64
	// statistics since warm-up
	last     int64
	areaBusy float64
	areaN    float64
	done     int64
	respSum  float64
	drops    int64
}

type poolRT struct {
	inUse    int32
	waitQ    ring
	last     int64
	areaUse  float64
	areaWait float64
	acq      int64
	waited   int64
	drops    int64
}

type flowRT2 struct {
	hist     *hdrhistogram.Histogram
	done     int64
	drops    int64
	arrivals int64
	sumLat   float64
	nextF    float64
	rate     float64 // requests/ns
	inSys    int64
	inSysW   int64 // in system at warm-up
	// next arrival, kept outside the event heap
	nextT     int64
	nextSeq   uint64
	scheduled bool
	// the flow's constant spec copied next to its state (as stationRT does): its arrival
	// stream, Poisson or not, and for a one-visit program (Model.visitOnce) the station
	// (v1St, -1 none), the program and its visit instruction
	arrR    *rand.Rand
	poisson bool
	closed  bool
	v1St    int32
	v1Prog  int32
	v1In    *instr
}

// kernel runs one replication of a Model at one load.
type kernel struct {
	m        *Model
	now      int64
	h        eventHeap
	jobs     []job
	free     []int32
	st       []stationRT
	quota    []quotaRT // per station when the model has CPU limits (see quota.go), else nil
	pools    []poolRT
	samplers []sampler
	streams  []*rand.Rand
	active   [][]int32
	rr       []int
	swrr     [][]float64
	storeRR  [][]int
	flows    []flowRT2
	warm     int64
	end      int64
	measure  bool
	events   int64
	minF     int32   // open flow with the earliest next arrival, -1 none
	svcNodes [][]int // node of each service instance (a copy when failures move instances)
	fs       *faultRT
	ms       *mserRT // a pilot replication's series (mser.go), nil otherwise
	// limits of one replication (see Limits); stop is set when one is reached
	maxEvents int64
	maxJobs   int
	stop      stopReason
	done      <-chan struct{} // the run's context: stop when closed (nil: never)
	// onTime, when set, is called with the simulated clock every 16,384 events (progress of
	// a long replication)
	onTime func(now int64)
}

// stopReason says why a replication ended before its simulated end.
type stopReason uint8

const (
	stopNone     stopReason = iota
	stopOverload            // more than maxJobs requests in the system
	stopEvents              // more than maxEvents kernel events
	stopCanceled            // the run's context is done
)

// replication is what one kernel run measured.
type replication struct {
	flows    []flowStats
	stations []stationStats
	pools    []poolStats
	events   int64
	stable   bool
	// aborted says why the replication was stopped before its end ("" = it ran to the end):
	// a limit of Limits was reached. budget is true when the event budget, not an overload,
	// stopped it.
	aborted  string
	budget   bool
	canceled bool    // stopped through the run's context
	series   *mserRT // a pilot replication's series for the automatic warm-up (mser.go)
}

type flowStats struct {
	throughput, mean, p50, p95, p99, dropRatio float64 // per s; ms
	offered                                    float64
}

type stationStats struct {
	util, lq, l, x, w float64 // w in ms
	drops             float64
	throttled         float64 // CPU quota: fraction of active periods in which it ran out
}

type poolStats struct {
	util, wait, x, pwait float64
	drops                float64
	// l is the time-averaged number holding a token or waiting for one; w the mean time from
	// the request for a token to its release in ms, l over the admitted rate (Little's law).
	l, w float64
}

const histMaxMicros = 3_600_000_000 // 1 h

func newKernel(m *Model, seed uint64, rep int) *kernel {
	k := &kernel{m: m, minF: -1, maxEvents: DefaultMaxEvents, maxJobs: DefaultMaxInSystem}
	k.st = make([]stationRT, len(m.stations))
	for i := range m.stations {
		sp, st := &m.stations[i], &k.st[i]
		st.servers, st.capK, st.node = int32(sp.servers), int32(min(sp.cap, math.MaxInt32)), int32(sp.node)
		st.ps, st.quota = sp.ps, sp.period > 0
	}
	if m.quota {
		k.quota = make([]quotaRT, len(m.stations))
	}
	k.pools = make([]poolRT, len(m.pools))
	k.samplers = make([]sampler, len(m.dists))
	for i, d := range m.dists {
		k.samplers[i] = newSampler(d, newStream(seed, rep, m.distNames[i]))
	}
	k.streams = make([]*rand.Rand, len(m.streams))
	for i, n := range m.streams {
		k.streams[i] = newStream(seed, rep, n)
	}
	k.active = make([][]int32, len(m.services))
	k.swrr = make([][]float64, len(m.services))
	for i, s := range m.services {
		k.active[i] = make([]int32, len(s.nodes))
		k.swrr[i] = make([]float64, len(s.nodes))
	}
	k.rr = make([]int, len(m.services))
	k.svcNodes = make([][]int, len(m.services))
	for i, sv := range m.services {
		k.svcNodes[i] = sv.nodes
	}
	k.storeRR = make([][]int, len(m.stores))
	for i, s := range m.stores {
		k.storeRR[i] = make([]int, len(s.copies))
	}
	k.flows = make([]flowRT2, len(m.flows))
	for i := range k.flows {
		fs, fl := &k.flows[i], &m.flows[i]
		fs.hist = histPool.Get().(*hdrhistogram.Histogram) // reset at the warm-up (resetStats)
		fs.arrR, fs.poisson, fs.closed = k.streams[fl.stream], fl.poisson, fl.closed
		if fs.v1St = m.visitOnce(i); fs.v1St >= 0 {
			fs.v1Prog = fl.progs[0]
			fs.v1In = &m.code[m.progStart[fs.v1Prog]]
		}
	}
	if b, ok := bufPool.Get().(*kernelBufs); ok {
		k.jobs, k.h.ev, k.free = b.jobs[:0], b.ev[:0], b.free[:0]
	} else {
		k.jobs, k.free = make([]job, 0, 1024), make([]int32, 0, 1024)
		k.h.init(1024)
	}
	return k
}

// kernelBufs are a kernel's job slots, free list and event queue, recycled through bufPool from
// one replication to the next (about 170 KB allocated and zeroed per replication otherwise). A
// recycled slice is used from length 0: every slot is zeroed by append or written field by field
// (newJob) before it is read, so a run does not depend on what it held.
type kernelBufs struct {
	jobs []job
	ev   []event
	free []int32
}

var bufPool sync.Pool

// histPool recycles the flows' response-time histograms (1 µs … 1 h at 3 significant digits:
// about 180 KB each) from one replication to the next instead of allocating and zeroing new ones
// for every flow of every replication. A kernel resets its histograms at its warm-up, before it
// records anything, so a recycled one is used as it comes.
var histPool = sync.Pool{New: func() any { return hdrhistogram.New(1, histMaxMicros, 3) }}

// recycle gives the kernel's buffers and histograms back to their pools once its replication has been
// collected (the quantiles are in the replication); the kernel must not be used afterwards.
func (k *kernel) recycle() {
	bufPool.Put(&kernelBufs{jobs: k.jobs, ev: k.h.ev, free: k.free})
	k.jobs, k.h.ev, k.free = nil, nil, nil
	for f := range k.flows {
		if h := k.flows[f].hist; h != nil {
			histPool.Put(h)
			k.flows[f].hist = nil
		}
	}
}

// run simulates warmup+duration at load scale x/design and returns the statistics.
func (k *kernel) run(scale float64, warm, dur int64) replication {
	k.warm, k.end = warm, warm+dur
	m := k.m
	for f := range m.flows {
		fl := &m.flows[f]
		fs := &k.flows[f]
		if fl.closed {
			n := int(math.Round(float64(fl.population) * scale))
			for u := 0; u < n; u++ {
				j := k.newJob(int32(f), 0, -1, 0, 0)
				k.startRequest(j, k.now+int64(k.samplers[fl.think].draw()))
			}
			continue
		}
		fs.rate = fl.rate * scale / 1e9
		if fs.rate <= 0 {
			continue
		}
		if fl.poisson {
			fs.nextF = k.streams[fl.stream].ExpFloat64() / fs.rate
		} else {
			fs.nextF = 1 / fs.rate * 0.5
		}
		k.scheduleArrival(int32(f))
	}
	k.h.push(warm, evWarmup, 0, 0)
	k.h.push(k.end, evEnd, 0, 0)
	if k.ms != nil {
		k.h.push(k.ms.step, evSample, 0, 0)
	}
	if k.fs != nil {
		for i, f := range k.fs.fails {
			k.h.push(warm+f.at, evFault, int32(i), 0)
		}
		k.h.push(warm+k.fs.secNS, evTick, 0, 0)
	}
	var e event // the event being handled (eventHeap.next writes it field by field)
	for {
		if k.events&0x3fff == 0 {
			if k.done != nil && k.events&0xffff == 0 {
				select {
				case <-k.done:
					k.stop = stopCanceled
				default:
				}
			}
			if k.onTime != nil {
				k.onTime(k.now)
			}
		}
		if k.stop != stopNone || k.events >= k.maxEvents {
			return k.abort(scale)
		}
		// the next open-flow arrival lives outside the heap (one per flow): taking it saves a
		// push and a pop per request; ties keep the (time, sequence) order
		if f := k.minF; f >= 0 {
			fs := &k.flows[f]
			if k.h.len() == 0 {
				k.now = fs.nextT
				k.events++
				k.arrival(f)
				continue
			}
			if m := k.h.min(); fs.nextT < m.t || (fs.nextT == m.t && fs.nextSeq < m.seq) {
				k.now = fs.nextT
				k.events++
				k.arrival(f)
				continue
			}
		}
		if k.h.len() == 0 {
			break
		}
		k.h.next(&e)
		k.now = e.t
		k.events++
		switch e.kind {
		case evArrival:
			k.arrival(e.a)
		case evDepart:
			if k.fs == nil {
				k.depart(e.a, e.b) // only failures abort jobs (their generation) or pause nodes
				continue
			}
			if k.jobs[e.b].gen != e.g {
				continue // the job was aborted by a crash
			}
			if n := k.m.stations[e.a].node; n >= 0 && k.fs.paused[n] {
				k.fs.deferred[n] = append(k.fs.deferred[n], e)
				continue
			}
			k.depart(e.a, e.b)
		case evPSDone:
			if !k.psDone(e.a, e.b) {
				k.events-- // stale or re-checked events are not counted as work
			}
		case evResume:
			k.advance(e.b)
		case evWarmup:
			k.resetStats()
		case evEnd:
			return k.collect(scale)
		case evFault:
			k.fault(int(e.a), e.b == 1)
		case evMech:
			if e.a < 0 {
				k.recoveryDone(-1 - e.a)
			} else {
				k.mech(e.a)
			}
		case evTick:
			k.tick()
		case evRetry:
			k.retry(e.b)
		case evSample:
			k.sample()
		}
	}
	return k.collect(scale)
}

// newJob takes a job slot for a new request (parent -1) or fork child and writes its fields one
// by one: copying a whole slot would read back the narrow stores just made to a temporary (a
// store-forwarding stall) and write its 136 bytes. The slot keeps its generation, so stale
// events stay stale; picks are cleared (a program may read a slot it has not picked: instance
// 0), held and pickSvc are read only below nheld and under pickMask, and stay as they were.
func (k *kernel) newJob(flow, prog, parent int32, start int64, written int32) int32 {
	var j int32
	if n := len(k.free); n > 0 {
		j = k.free[n-1]
		k.free = k.free[:n-1]
	} else {
		if len(k.jobs) >= k.maxJobs {
			k.stop = stopOverload // the run loop stops before the next event
		}
		k.jobs = append(k.jobs, job{})
		j = int32(len(k.jobs) - 1)
	}
	jb := &k.jobs[j]
	jb.start, jb.arrive = start, 0
	jb.flow, jb.prog, jb.pc, jb.parent, jb.pending = flow, prog, k.m.progStart[prog], parent, 0
	jb.node, jb.source, jb.nheld, jb.pickMask, jb.curSt = -1, 0, 0, 0, -1
	jb.attempt, jb.lbTries, jb.failed, jb.miss = 0, 0, false, false
	jb.written = written
	jb.picks = [8]int16{}
	return j
}

// abort ends a replication that reached a limit: the statistics cover the simulated time so
// far (none when it ended during the warm-up) and name what was overloaded.
func (k *kernel) abort(scale float64) replication {
	var r replication
	if k.now > k.warm {
		k.end = k.now
		r = k.collect(scale)
	} else {
		k.end = k.warm
		r = k.emptyStats(scale)
	}
	r.stable = false
	switch {
	case k.stop == stopCanceled:
		r.aborted, r.canceled = "stopped", true
	case k.stop == stopOverload:
		r.aborted = fmt.Sprintf("%s is overloaded: more than %d requests in the system at this load (its queue grows without bound); the replication was stopped at %.3g s", k.fullest(), k.maxJobs, float64(k.now)/1e9)
	default:
		r.budget = true
		r.aborted = fmt.Sprintf("the replication reached the limit of %d kernel events at %.3g s of simulated time; busiest: %s", k.maxEvents, float64(k.now)/1e9, k.fullest())
	}
	return r
}

// emptyStats is a replication that measured nothing (zeros, never NaN).
func (k *kernel) emptyStats(scale float64) replication {
	r := replication{events: k.events}
	r.flows = make([]flowStats, len(k.flows))
	for f := range r.flows {
		if fl := &k.m.flows[f]; !fl.closed {
			r.flows[f].offered = fl.rate * scale
		}
	}
	r.stations = make([]stationStats, len(k.st))
	r.pools = make([]poolStats, len(k.pools))
	return r
}

// fullest names the station or pool holding the most requests now.
func (k *kernel) fullest() string {
	best, bn := "", int64(-1)
	for s := range k.st {
		if n := int64(k.st[s].n); n > bn {
			best, bn = k.m.stations[s].name, n
		}
	}
	for p := range k.pools {
		if n := int64(k.pools[p].waitQ.size); n > bn {
			best, bn = k.m.pools[p].name, n
		}
	}
	return best
}

func (k *kernel) freeJob(j int32) { k.free = append(k.free, j) }

// startRequest begins a new request of job j's flow at time t (now or after think time).
func (k *kernel) startRequest(j int32, t int64) {
	fl := &k.m.flows[k.jobs[j].flow]
	p := fl.progs[0]
	if len(fl.progs) > 1 {
		u := k.streams[fl.stream].Float64()
		for i, c := range fl.cum {
			if u < c {
				p = fl.progs[i]
				break
			}
		}
	}
	jb := &k.jobs[j]
	jb.prog, jb.pc, jb.start, jb.nheld, jb.pickMask = p, k.m.progStart[p], t, 0, 0
	if fl.sources > 1 {
		jb.source = int32(k.streams[fl.stream].IntN(fl.sources))
	}
	if t > k.now {
		k.h.push(t, evResume, 0, j)
		return
	}
	k.advance(j)
}

// scheduleArrival sets flow f's next arrival (fs.nextF) with a sequence number from the event
// heap's counter and finds the earliest flow again.
func (k *kernel) scheduleArrival(f int32) {
	fs := &k.flows[f]
	k.h.seq++
	fs.nextT, fs.nextSeq, fs.scheduled = int64(fs.nextF), k.h.seq, true
	if len(k.flows) == 1 {
		k.minF = f
		return
	}
	best := int32(-1)
	for i := range k.flows {
		x := &k.flows[i]
		if !x.scheduled {
			continue
		}
		if best < 0 || x.nextT < k.flows[best].nextT || (x.nextT == k.flows[best].nextT && x.nextSeq < k.flows[best].nextSeq) {
			best = int32(i)
		}
	}
	k.minF = best
}

func (k *kernel) arrival(f int32) {
	fs := &k.flows[f]
	if fs.poisson {
		fs.nextF += fs.arrR.ExpFloat64() / fs.rate
	} else {
		fs.nextF += 1 / fs.rate
	}
	k.scheduleArrival(f)
	if k.measure {
		fs.arrivals++
	}
	fs.inSys++
	if s := fs.v1St; s >= 0 {
		// one station visit: what startRequest and advance would do, without the interpreter
		j := k.newJob(f, fs.v1Prog, -1, k.now, 0)
		k.arrive(s, j, k.demand(fs.v1In))
		return
	}
	j := k.newJob(f, 0, -1, 0, 0)
	k.startRequest(j, k.now)
}

// visitOnce is the station of flow f's program when the flow is open, has one program (no mix
// draw), no data sources to draw and the program is one station visit then the end; else -1.
func (m *Model) visitOnce(f int) int32 {
	fl := &m.flows[f]
	if fl.closed || len(fl.progs) != 1 || fl.sources > 1 {
		return -1
	}
	code := m.progs[fl.progs[0]].code
	if len(code) != 2 || code[0].op != opVisit || code[1].op != opEnd {
		return -1
	}
	return code[0].a
}

func (k *kernel) demand(in *instr) int64 {
	if in.d2 < 0 && in.d1 >= 0 {
		// one sampler: an exponential one draws here, without the sampler's switch over kinds
		sp := &k.samplers[in.d1]
		d := 0.0
		if sp.d.kind == dExp {
			d = sp.r.ExpFloat64() * sp.d.mean
		} else {
			d = sp.draw()
		}
		if d < 0 {
			d = 0
		}
		return int64(d)
	}
	d := 0.0
	if in.d1 >= 0 {
		d = k.samplers[in.d1].draw()
	}
	if in.d2 >= 0 {
		d += k.samplers[in.d2].draw()
	}
	if d < 0 {
		d = 0
	}
	return int64(d)
}

// advance runs job j's program from its pc until it waits (a station, a pool, a fork) or ends.
func (k *kernel) advance(j int32) {
	for {
		jb := &k.jobs[j]
		in := &k.m.code[jb.pc]
		switch in.op {
		case opEnd:
			k.finish(j)
			return
		case opVisit:
			k.arrive(in.a, j, k.demand(in))
			return
		case opVisitInst:
			node := k.svcNodes[in.a][jb.picks[in.b]]
			s := k.m.nodeCPU[node]
			if in.b2 == 1 {
				s = k.m.nodeDisk[node]
			}
			k.arrive(s, j, k.demand(in))
			return
		case opVisitNode:
			s := k.m.nodeCPU[jb.node]
			if in.b2 == 1 {
				s = k.m.nodeDisk[jb.node]
			}
			k.arrive(s, j, k.demand(in))
			return
		case opPick:
			var i int
			if k.fs != nil {
				var ok bool
				if i, ok = k.pickF(in.a, jb); !ok {
					if in.c > 0 {
						// a cache lookup that fails falls through to the miss path
						jb.pc = in.c
						if next := &k.m.code[in.c]; next.op == opBranch && next.b2 == 1 {
							jb.miss = true
						}
						continue
					}
					k.failJob(j)
					return
				}
			} else {
				i = k.pick(in.a, jb)
			}
			jb.picks[in.b] = int16(i)
			jb.pickSvc[in.b] = int16(in.a)
			jb.pickMask |= 1 << uint(in.b)
			k.active[in.a][i]++
			jb.pc++
		case opUnpick:
			if k.fs != nil {
				k.ackWrite(in.a)
			}
			k.active[in.a][jb.picks[in.b]]--
			jb.pickMask &^= 1 << uint(in.b)
			jb.pc++
		case opBranch:
			if jb.miss && in.b2 == 1 {
				jb.miss = false
				jb.pc++
				continue
			}
			if k.streams[in.stream].Float64() < in.p {
				jb.pc++
			} else {
				jb.pc = in.a
			}
		case opJump:
			jb.pc = in.a
		case opAcquire:
			p := in.a
			if in.b >= 0 {
				p = k.m.services[in.a].pools[jb.picks[in.b]]
			}
			if p < 0 {
				jb.pc++
				continue
			}
			ps := &k.m.pools[p]
			pr := &k.pools[p]
			k.accPool(p)
			if k.measure {
				pr.acq++
			}
			if int(pr.inUse) < ps.size {
				pr.inUse++
				jb.held[jb.nheld] = p
				jb.nheld++
				jb.pc++
				continue
			}
			if ps.maxWaiting < 0 || pr.waitQ.size < ps.maxWaiting {
				pr.waitQ.push(qent{job: j})
				if k.measure {
					pr.waited++
				}
				jb.held[jb.nheld] = p
				jb.nheld++
				jb.pc++
				return
			}
			if k.measure {
				pr.drops++
			}
			k.drop(j)
			return
		case opRelease:
			jb.nheld--
			k.release(jb.held[jb.nheld])
			jb.pc++
		case opFork:
			kids := k.m.forks[in.a]
			jb.pending = int32(len(kids))
			jb.pc++
			flow := jb.flow
			for _, c := range kids {
				nj := k.newJob(flow, c, j, k.now, int32(k.m.forkEv[in.a]))
				k.advance(nj)
			}
			return
		case opPickCopy:
			if k.fs != nil {
				n, ok := k.queryCopy(int(in.a), int(in.b))
				if !ok {
					k.failJob(j)
					return
				}
				jb.node = int32(n)
				jb.pc++
				continue
			}
			cp := k.m.stores[in.a].copies[in.b]
			c := k.storeRR[in.a][in.b] % len(cp)
			k.storeRR[in.a][in.b]++
			jb.node = int32(cp[c])
			jb.pc++
		case opSetCopy:
			if k.fs != nil {
				n, st := k.writeCopy(int(in.a), int(in.b), int(in.b2))
				switch st {
				case copyFail:
					k.failJob(j)
					return
				case copySkip:
					jb.pc = in.c
					continue
				}
				jb.node = int32(n)
				jb.pc++
				continue
			}
			jb.node = int32(k.m.stores[in.a].copies[in.b][in.b2])
			jb.pc++
		case opSetNode:
			jb.node = in.a
			jb.pc++
		case opDelay:
			jb.pc++
			k.h.push(k.now+k.demand(in), evResume, 0, j)
			return
		}
	}
}

// pick chooses an instance of service s with its balancer policy.
func (k *kernel) pick(s int32, jb *job) int {
	sv := &k.m.services[s]
	n := len(sv.nodes)
	if n == 1 {
		return 0
	}
	if sv.hasBackup {
		return k.pickAmong(s, jb, func(i int) bool { return !sv.backup[i] })
	}
	switch sv.policy {
	case polLeastConn:
		return k.leastConn(s, nil)
	case polWeighted:
		// smooth weighted round robin (NGINX): deterministic, spreads picks by weight
		cw := k.swrr[s]
		tot, best := 0.0, 0
		for i := range cw {
			cw[i] += sv.weights[i]
			tot += sv.weights[i]
			if cw[i] > cw[best] {
				best = i
			}
		}
		cw[best] -= tot
		return best
	case polSourceHash:
		h := splitmix64(uint64(jb.source))
		return int(h % uint64(n))
	case polRandom:
		return k.streams[sv.stream].IntN(n)
	}
	i := k.rr[s] % n
	k.rr[s]++
	return i
}

// leastConn is NGINX's weighted least_conn (ngx_http_upstream_least_conn_module): the instance
// with the fewest active requests per unit of weight (conns_i / w_i); among several with the
// same least ratio, smooth weighted round robin over them (each tied instance's current weight
// grows by its weight, the largest is picked and loses the tied weights' sum). Instances ok
// rejects are skipped (ok nil: every instance); -1 when none is allowed. With every instance
// idle, picks follow the weights exactly (2:1:1 for weights 2, 1, 1).
func (k *kernel) leastConn(s int32, ok func(int) bool) int {
	sv := &k.m.services[s]
	act, w, cw := k.active[s], sv.weights, k.swrr[s]
	best, many := -1, false
	for i := range act {
		if ok != nil && !ok(i) {
			continue
		}
		switch {
		case best < 0 || float64(act[i])*w[best] < float64(act[best])*w[i]:
			best, many = i, false
		case float64(act[i])*w[best] == float64(act[best])*w[i]:
			many = true
		}
	}
	if !many {
		return best
	}
	first, tot := best, 0.0
	for i := first; i < len(act); i++ {
		if (ok != nil && !ok(i)) || float64(act[i])*w[first] != float64(act[first])*w[i] {
			continue
		}
		cw[i] += w[i]
		tot += w[i]
		if cw[i] > cw[best] {
			best = i
		}
	}
	cw[best] -= tot
	return best
}

// pickAmong applies service s's policy to the instances ok allows (backup servers, failures);
// -1 when none is allowed. Weighted and random policies become round robin over the allowed
// instances.
func (k *kernel) pickAmong(s int32, jb *job, ok func(int) bool) int {
	sv := &k.m.services[s]
	n := len(sv.nodes)
	start := k.rr[s] % n
	k.rr[s]++
	cand := -1
	switch sv.policy {
	case polLeastConn:
		cand = k.leastConn(s, ok)
	case polSourceHash:
		h := int(splitmix64(uint64(jb.source)) % uint64(n))
		for c := 0; c < n; c++ {
			if i := (h + c) % n; ok(i) {
				return i
			}
		}
	default:
		for c := 0; c < n; c++ {
			if i := (start + c) % n; ok(i) {
				return i
			}
		}
	}
	return cand
}

func (k *kernel) release(p int32) {
	pr := &k.pools[p]
	k.accPool(p)
	if pr.waitQ.size > 0 {
		w := pr.waitQ.pop()
		k.h.push(k.now, evResume, 0, w.job) // the token passes to the first waiter
		return
	}
	pr.inUse--
}

// drop loses request j (full capacity or waiting room): it gives back what it holds.
func (k *kernel) drop(j int32) {
	jb := &k.jobs[j]
	k.releaseAll(jb)
	fl := &k.m.flows[jb.flow]
	fs := &k.flows[jb.flow]
	if k.measure {
		fs.drops++
	}
	if fl.closed {
		k.startRequest(j, k.now+int64(k.samplers[fl.think].draw()))
		return
	}
	fs.inSys--
	k.freeJob(j)
}

// releaseAll gives back every pool token and balancer slot a request holds.
func (k *kernel) releaseAll(jb *job) {
	for jb.nheld > 0 {
		jb.nheld--
		k.release(jb.held[jb.nheld])
	}
	for b := 0; b < 8; b++ {
		if jb.pickMask&(1<<uint(b)) != 0 {
			k.active[jb.pickSvc[b]][jb.picks[b]]--
		}
	}
	jb.pickMask = 0
}

func (k *kernel) finish(j int32) {
	jb := &k.jobs[j]
	if p := jb.parent; p >= 0 {
		w := jb.written
		k.freeJob(j)
		pj := &k.jobs[p]
		pj.written += w
		pj.pending--
		if pj.pending == 0 {
			if pj.failed {
				k.failJob(p)
				return
			}
			k.advance(p)
		}
		return
	}
	fs := &k.flows[jb.flow]
	if k.measure {
		lat := k.now - jb.start
		us := (lat + 999) / 1000
		if us < 1 {
			us = 1
		}
		if us > histMaxMicros {
			us = histMaxMicros
		}
		_ = fs.hist.RecordValue(us)
		fs.done++
		fs.sumLat += float64(lat)
		if k.fs != nil {
			k.recordDone(jb.flow, lat)
		}
	}
	jb.attempt, jb.written = 0, 0
	if fs.closed {
		k.startRequest(j, k.now+int64(k.samplers[k.m.flows[jb.flow].think].draw()))
		return
	}
	fs.inSys--
	k.freeJob(j)
}

func (k *kernel) acc(s int32) {
	st := &k.st[s]
	dt := float64(k.now - st.last)
	st.areaBusy += dt * float64(st.busy)
	st.areaN += dt * float64(st.n)
	st.last = k.now
}

func (k *kernel) accPool(p int32) {
	pr := &k.pools[p]
	dt := float64(k.now - pr.last)
	pr.areaUse += dt * float64(pr.inUse)
	pr.areaWait += dt * float64(pr.waitQ.size)
	pr.last = k.now
}

// arrive puts job j into station s with service demand d (ns).
func (k *kernel) arrive(s int32, j int32, d int64) {
	st := &k.st[s]
	if st.capK > 0 && st.n >= st.capK {
		if k.measure {
			st.drops++
		}
		k.drop(j)
		return
	}
	if k.fs != nil && st.node >= 0 {
		if k.fs.nodeDown[st.node] {
			k.failJob(j) // connection refused
			return
		}
		if f := k.fs.slow[st.node]; f != 1 {
			d = int64(float64(d) * f)
		}
	}
	k.acc(s)
	k.jobs[j].arrive = k.now
	k.jobs[j].curSt = s
	if st.ps {
		k.psAdvanceV(s)
		st.n++
		if st.n <= st.servers {
			st.busy = st.n
		}
		k.psPush(st, psEnt{tag: st.v + float64(d), job: j})
		k.psReschedule(s)
		return
	}
	st.n++
	if st.busy < st.servers {
		st.busy++
		k.h.pushG(k.now+d, evDepart, s, j, k.jobs[j].gen)
		return
	}
	st.q.push(qent{job: j, demand: d})
}

func (k *kernel) leave(s int32, j int32) {
	st := &k.st[s]
	if k.measure {
		st.done++
		st.respSum += float64(k.now - k.jobs[j].arrive)
	}
	jb := &k.jobs[j]
	jb.curSt = -1
	jb.pc++
	if k.m.code[jb.pc].op == opEnd {
		k.finish(j) // what advance would do, without entering the interpreter
		return
	}
	k.advance(j)
}

func (k *kernel) depart(s int32, j int32) {
	st := &k.st[s]
	k.acc(s)
	st.n--
	if st.q.size > 0 {
		e := st.q.pop()
		k.h.pushG(k.now+e.demand, evDepart, s, e.job, k.jobs[e.job].gen)
	} else {
		st.busy--
	}
	k.leave(s, j)
}

// Processor sharing with c servers: every job in the station is served at rate min(1, c/n).
// All jobs progress equally, so a virtual clock V that advances at that rate lets each job carry
// a finishing tag V_arrival + demand; the smallest tag leaves next. One live completion event per
// station; older ones are recognised as stale by the version number. A CPU with a quota
// (quota.go) advances V only while it runs: the time it is throttled does not count.
func (k *kernel) psRate(s int32) float64 {
	st := &k.st[s]
	c := float64(st.servers)
	if float64(st.n) <= c {
		return 1
	}
	return c / float64(st.n)
}

// psWall is the wall time (ns) station s needs to give every job w ns of service at its current
// rate: w ÷ psRate, skipping the division while the rate is 1 (w / 1 is w exactly, so results
// are the same bit for bit; a division costs as much as the rest of the bookkeeping).
func (k *kernel) psWall(s int32, w float64) float64 {
	st := &k.st[s]
	if st.n <= st.servers {
		return w
	}
	return w / k.psRate(s)
}

func (k *kernel) psAdvanceV(s int32) {
	st := &k.st[s]
	if k.fs != nil && k.fs.paused[st.node] {
		st.lastV = k.now // frozen: no progress while paused
		return
	}
	if st.n > 0 {
		if st.quota {
			st.v += k.quotaRun(s, st.lastV, k.now) * k.psRate(s)
		} else {
			st.v += float64(k.now-st.lastV) * k.psRate(s)
		}
	}
	st.lastV = k.now
}

func (k *kernel) psReschedule(s int32) {
	st := &k.st[s]
	if st.n == 0 || (k.fs != nil && k.fs.paused[st.node]) {
		if st.pending {
			k.h.remove(st.nextT, evPSDone, s, st.ver)
		}
		st.ver++ // cancel; a paused station is resumed by setPaused
		st.pending = false
		return
	}
	dt := k.psWall(s, st.tags[0].tag-st.v)
	if dt < 0 {
		dt = 0
	}
	var t int64
	if st.quota {
		t = k.quotaDue(s, dt)
	} else {
		t = k.now + int64(math.Ceil(dt))
	}
	if st.pending && st.nextT <= t {
		return // the live event fires no later and re-checks then
	}
	if st.pending {
		k.h.remove(st.nextT, evPSDone, s, st.ver) // it would be popped stale
	}
	st.ver++
	st.pending, st.nextT = true, t
	k.h.push(t, evPSDone, s, st.ver)
}

// psDone handles a station's completion event; false when it was stale or early.
func (k *kernel) psDone(s int32, ver int32) bool {
	st := &k.st[s]
	if ver != st.ver {
		return false // stale
	}
	st.pending = false
	k.psAdvanceV(s)
	if k.psWall(s, st.tags[0].tag-st.v) >= 1 {
		k.psReschedule(s) // early: arrivals since slowed the station down
		return false
	}
	k.acc(s)
	e := k.psPop(st)
	if e.tag > st.v {
		st.v = e.tag
	}
	st.n--
	if c := st.servers; st.n < c {
		st.busy = st.n
	}
	k.psReschedule(s)
	k.leave(s, e.job)
	return true
}

func (k *kernel) psPush(st *stationRT, e psEnt) {
	st.tags = append(st.tags, e)
	i := len(st.tags) - 1
	for i > 0 {
		p := (i - 1) / 2
		if st.tags[p].tag <= e.tag {
			break
		}
		st.tags[i] = st.tags[p]
		i = p
	}
	st.tags[i] = e
}

func (k *kernel) psPop(st *stationRT) psEnt {
	top := st.tags[0]
	n := len(st.tags) - 1
	last := st.tags[n]
	st.tags = st.tags[:n]
	if n == 0 {
		return top
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && st.tags[c+1].tag < st.tags[c].tag {
			c++
		}
		if last.tag <= st.tags[c].tag {
			break
		}
		st.tags[i] = st.tags[c]
		i = c
	}
	st.tags[i] = last
	return top
}

func (k *kernel) resetStats() {
	k.measure = true
	for s := range k.st {
		st := &k.st[s]
		st.last, st.areaBusy, st.areaN, st.done, st.respSum, st.drops = k.now, 0, 0, 0, 0, 0
	}
	k.resetQuota()
	for p := range k.pools {
		pr := &k.pools[p]
		pr.last, pr.areaUse, pr.areaWait, pr.acq, pr.waited, pr.drops = k.now, 0, 0, 0, 0, 0
	}
	for f := range k.flows {
		fs := &k.flows[f]
		fs.hist.Reset()
		fs.done, fs.drops, fs.arrivals, fs.sumLat = 0, 0, 0, 0
		fs.inSysW = fs.inSys
	}
}

func (k *kernel) collect(scale float64) replication {
	dur := float64(k.end - k.warm)
	sec := dur / 1e9
	r := replication{events: k.events, stable: true}
	r.flows = make([]flowStats, len(k.flows))
	for f := range k.flows {
		fs := &k.flows[f]
		fl := &k.m.flows[f]
		out := flowStats{throughput: float64(fs.done) / sec}
		if !fl.closed {
			out.offered = fl.rate * scale
		}
		if fs.done > 0 {
			out.mean = fs.sumLat / float64(fs.done) / 1e6
			out.p50 = float64(fs.hist.ValueAtQuantile(50)) / 1e3
			out.p95 = float64(fs.hist.ValueAtQuantile(95)) / 1e3
			out.p99 = float64(fs.hist.ValueAtQuantile(99)) / 1e3
		}
		if tot := fs.done + fs.drops; tot > 0 {
			out.dropRatio = float64(fs.drops) / float64(tot)
		}
		// Queues not growing: requests still in the system grew by less than 2 % of arrivals
		// (and 50 requests) over the measured window.
		if !fl.closed {
			growth := fs.inSys - fs.inSysW
			if float64(growth) > math.Max(50, 0.02*float64(fs.arrivals)) {
				r.stable = false
			}
		}
		r.flows[f] = out
	}
	r.stations = make([]stationStats, len(k.st))
	for s := range k.st {
		k.acc(int32(s))
		st := &k.st[s]
		spec := &k.m.stations[s]
		ss := stationStats{
			util:  st.areaBusy / dur / float64(spec.servers),
			l:     st.areaN / dur,
			x:     float64(st.done) / sec,
			drops: float64(st.drops),
		}
		if spec.period > 0 {
			ss.util, ss.throttled = k.quotaStats(int32(s), dur)
		}
		ss.lq = math.Max(0, (st.areaN-st.areaBusy)/dur)
		if st.done > 0 {
			ss.w = st.respSum / float64(st.done) / 1e6
		}
		r.stations[s] = ss
	}
	r.pools = make([]poolStats, len(k.pools))
	for p := range k.pools {
		k.accPool(int32(p))
		pr := &k.pools[p]
		ps := poolStats{
			util:  pr.areaUse / dur / float64(k.m.pools[p].size),
			wait:  pr.areaWait / dur,
			x:     float64(pr.acq) / sec,
			drops: float64(pr.drops),
		}
		if pr.acq > 0 {
			ps.pwait = float64(pr.waited) / float64(pr.acq)
		}
		ps.l = ps.util*float64(k.m.pools[p].size) + ps.wait
		// W = L / λ with λ the arrivals admitted (those refused by a full waiting line never
		// entered): the kernel does not time each token, Little's law gives the mean (up to
		// what the pool holds at the ends of the window)
		if adm := pr.acq - pr.drops; adm > 0 {
			ps.w = ps.l / (float64(adm) / sec) * 1e3
		}
		r.pools[p] = ps
	}
	return r
}
