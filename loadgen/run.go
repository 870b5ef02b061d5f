package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/sys/unix"
)

// run is the machinery shared by every executor: the recorder, the contexts, VU lifecycle,
// progress, abortOnFail, and the final result.
type run struct {
	name   string
	opts   options
	target Target
	rec    *recorder
	start  time.Time

	// sendCtx is canceled to stop scheduling (Ctrl-C, abortOnFail, end of schedule).
	sendCtx    context.Context
	stopSend   context.CancelCauseFunc
	hardCtx    context.Context // canceled at the end of gracefulStop: in-flight hits interrupted
	hardCancel context.CancelFunc

	wg     sync.WaitGroup
	vuMu   sync.Mutex
	nextVU int

	rateFn    func(time.Duration) float64
	abandoned bool

	// poolMax is the VU pool's limit of an open run, and poolFull the hits that found every
	// one of them busy: the evidence for a late schedule caused by the target.
	poolMax  int
	poolFull uint64
}

type abortError struct{ by, reason string }

func (e abortError) Error() string { return e.reason }

func newRun(ctx context.Context, name string, target Target, opts []Option) *run {
	o := buildOptions(opts)
	r := &run{name: name, opts: o, target: target, rec: newRecorder(o.shards)}
	r.sendCtx, r.stopSend = context.WithCancelCause(ctx)
	r.hardCtx, r.hardCancel = context.WithCancel(context.WithoutCancel(ctx))
	return r
}

// newVUID hands out VU ids.
func (r *run) newVUID() int {
	r.vuMu.Lock()
	defer r.vuMu.Unlock()
	id := r.nextVU
	r.nextVU++
	r.rec.vus.Store(int64(r.nextVU))
	return id
}

// vuSlot is one VU of a run: made when first needed, made again with backoff while making it
// fails (a refused connection: the target is not up yet, or went away).
type vuSlot struct {
	id int
	vu VU
	bo backoff
}

// connect makes the slot's VU unless it exists or its next attempt is not due yet; the error
// is the one to record for the hit at hand.
func (r *run) connect(s *vuSlot) error {
	if s.vu != nil {
		return nil
	}
	now := time.Now()
	if err := s.bo.blocked(now); err != nil {
		return err
	}
	vu, err := r.target.NewVU(s.id)
	if err != nil {
		err = fmt.Errorf("loadgen: new VU: %w", err)
		s.bo.failed(now, err)
		return err
	}
	s.vu = vu
	s.bo.ok()
	return nil
}

// close closes the slot's VU.
func (s *vuSlot) close() {
	if c, ok := s.vu.(io.Closer); ok {
		_ = c.Close()
	}
}

// do runs one hit on vu and records it.
func (r *run) do(vu VU, h *Hit) error {
	r.rec.inflight.Add(1)
	sent := time.Now()
	h.Deadline = sent.Add(r.opts.timeout)
	err := vu.Do(r.hardCtx, h)
	done := time.Now()
	class := classify(err, r.hardCtx)
	r.rec.record(h, r.start, sent, done, class, err)
	r.ledger(h, class, done)
	return err
}

// fail records a hit that could not be attempted (its VU could not be made).
func (r *run) fail(h *Hit, err error) error {
	r.rec.inflight.Add(1)
	now := time.Now()
	r.rec.record(h, r.start, now, now, outFailed, err)
	r.ledger(h, outFailed, now)
	return err
}

// dropLedger records a hit dropped before it was sent.
func (r *run) dropLedger(intended time.Duration) {
	if l := r.opts.ledger; l != nil {
		l.dropped(intended, 1)
	}
}

// ledger records a finished hit in the run's Ledger, if any.
func (r *run) ledger(h *Hit, class int, done time.Time) {
	if l := r.opts.ledger; l != nil {
		l.add(LedgerEntry{VU: h.VU, FirstEvent: h.FirstEvent, Events: h.EventsSent, Acked: h.EventsAcked,
			Outcome: outcomeOf(class), Intended: h.Intended, Done: done.Sub(r.start)})
	}
}

// monitor runs progress callbacks and abortOnFail checks until done is closed.
func (r *run) monitor(done <-chan struct{}) {
	var aborts []Threshold
	for _, t := range r.opts.thresholds {
		if t.AbortOnFail {
			aborts = append(aborts, t)
		}
	}
	if r.opts.progress == nil && len(aborts) == 0 {
		return
	}
	tk := time.NewTicker(r.opts.progressEvery)
	defer tk.Stop()
	for {
		select {
		case <-done:
			return
		case <-tk.C:
		}
		s, _ := r.rec.snapshot()
		s.Elapsed = time.Since(r.start)
		if r.rateFn != nil {
			s.Rate = r.rateFn(s.Elapsed)
		}
		if r.opts.progress != nil {
			r.opts.progress(s)
		}
		for _, t := range aborts {
			if s.Elapsed < t.DelayAbortEval {
				continue
			}
			if res := t.Eval(s); !res.Passed {
				r.stopSend(abortError{AbortThreshold, fmt.Sprintf("threshold %s %s failed (value %.4g) with abortOnFail", t.Metric, t.Expr, res.Value)})
				return
			}
		}
	}
}

// drain waits for the VUs: up to gracefulStop, then interrupts in-flight hits.
func (r *run) drain() {
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	t := time.NewTimer(r.opts.gracefulStop)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		r.hardCancel()
		// Targets must return once their context ends; one that does not cannot hold the run
		// past this bound (its goroutine is abandoned and the run is marked aborted).
		select {
		case <-done:
		case <-time.After(DrainBound):
			r.abandoned = true
			r.rec.abandon()
		}
	}
	r.hardCancel()
}

// DrainBound is how long a run waits, after gracefulStop, for VUs whose target ignores the
// canceled context.
const DrainBound = 5 * time.Second

// finish builds the Result.
func (r *run) finish(cpu0 time.Duration, scheduleEnded bool) *Result {
	s, errs := r.rec.snapshot()
	res := &Result{
		Executor: r.name, Start: r.start, Duration: time.Since(r.start), Counts: s.Counts,
		Latency: s.Latency, Service: s.Service, SendLag: s.SendLag, SchedLag: s.SchedLag,
		VUs: s.VUs, CPU: processCPU() - cpu0, Valid: true,
	}
	if len(errs) > 0 {
		res.Errors = errs
	}
	if cause := context.Cause(r.sendCtx); cause != nil && !scheduleEnded {
		res.Aborted = true
		res.AbortReason = cause.Error()
		res.AbortedBy = AbortInterrupt
		var ae abortError
		if errors.As(cause, &ae) {
			res.AbortedBy = ae.by
		}
	}
	if r.abandoned {
		res.Aborted = true
		if res.AbortedBy == "" {
			res.AbortedBy = AbortLimit
		}
		res.AbortReason = strings.TrimPrefix(res.AbortReason+"; ", "; ") + fmt.Sprintf("VUs still busy %v after gracefulStop were abandoned (the target ignores cancellation); their hits are not counted", DrainBound)
	}
	if p99 := time.Duration(res.SchedLag.ValueAtQuantile(99)) * time.Microsecond; res.SchedLag.TotalCount() > 0 && p99 > r.opts.lagBudget {
		res.Valid = false
		// When hits found the pool full and the VUs were (nearly) all waiting for the target's
		// answers, the VUs were held by the target, not by the generator.
		atTarget, held := HeldByTarget(res.Service, res.Duration, r.poolMax)
		if r.poolFull > 0 && held {
			res.LateBy = LateTarget
			res.Invalid = append(res.Invalid, fmt.Sprintf("scheduling lag p99 %v > budget %v, caused by the target's concurrency limit, not the generator: "+
				"all %d VUs (maxVUs) were waiting for its answers (%.1f on average) when %d hits were due; the target answers fewer requests at once than this rate needs "+
				"(raise maxVUs only if it can take more concurrent requests)", p99, r.opts.lagBudget, r.poolMax, atTarget, r.poolFull))
		} else {
			res.LateBy = LateGenerator
			res.Invalid = append(res.Invalid, fmt.Sprintf("scheduling lag p99 %v > budget %v: the generator, not the target, was late", p99, r.opts.lagBudget))
		}
	}
	if wall := res.Duration.Seconds(); wall > 0.5 {
		if share := res.CPU.Seconds() / (wall * float64(runtime.GOMAXPROCS(0))); share >= 0.95 {
			res.Valid = false
			res.Invalid = append(res.Invalid, fmt.Sprintf("generator process used %.0f %% of its CPU (GOMAXPROCS=%d)", share*100, runtime.GOMAXPROCS(0)))
		}
	}
	s.Counts = res.Counts
	s.Elapsed = res.Duration
	for _, t := range r.opts.thresholds {
		res.Thresholds = append(res.Thresholds, t.Eval(s))
	}
	return res
}

// HeldByTarget is the rule that tells a late schedule's cause (Result.LateBy): by Little's law
// on the target, Σ service times ÷ wall time is the mean number of VUs waiting for the
// target's answers (atTarget); when it is at least 80 % of the VU pool (pool, maxVUs), the VUs
// were held by the target's concurrency limit (held), else the generator was late. service
// holds the service times in µs (see NewHistogram). Used for capsim's generator and for k6's
// dropped iterations alike.
func HeldByTarget(service *hdrhistogram.Histogram, wall time.Duration, pool int) (atTarget float64, held bool) {
	if service == nil || wall <= 0 || pool <= 0 {
		return 0, false
	}
	atTarget = service.Mean() * float64(service.TotalCount()) / 1e6 / wall.Seconds()
	return atTarget, atTarget >= 0.8*float64(pool)
}

// processCPU is this process's user+system CPU time so far (getrusage RUSAGE_SELF).
func processCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ProcessCPU is this process's user+system CPU time so far (getrusage RUSAGE_SELF), for
// benchmarks that report requests per CPU-second.
func ProcessCPU() time.Duration { return processCPU() }

// sleepCtx sleeps d on the reusable timer t, returning false if ctx ended first.
func sleepCtx(ctx context.Context, t *time.Timer, d time.Duration) bool {
	t.Reset(d)
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		t.Stop()
		return false
	}
}

// runOpen runs an open (arrival-rate) schedule: one pacer goroutine, a pool of VUs that grows
// from pre up to max, hits dropped when no VU takes them within MaxLag. info fills the
// trace/mix fields of hit n (may be nil).
func (r *run) runOpen(p Pacer, pre, max int, info func(n uint64, h *Hit)) *Result {
	cpu0 := processCPU()
	if seg := r.opts.segment; !seg.Whole() {
		sp, err := SegmentPacer(p, seg)
		if err != nil {
			panic(err) // every executor of this package gives a SendTimer
		}
		p, pre = sp, seg.Scale(pre)
		pre = min(maxInt(pre, 1), maxInt(seg.Scale(max), 1))
		max = maxInt(seg.Scale(max), pre)
		if info != nil {
			global := info
			info = func(n uint64, h *Hit) { global(seg.Global(n), h) }
		}
	}
	r.rateFn = p.Rate
	r.poolMax = max
	st, _ := p.(SendTimer)
	jobs := make(chan Hit)
	vus := 0
	work := func(s *vuSlot) {
		defer r.wg.Done()
		defer s.close()
		h := new(Hit) // one per VU, reused: no allocation per hit
		for hv := range jobs {
			*h = hv
			h.VU = s.id
			if err := r.connect(s); err != nil {
				r.fail(h, err)
				continue
			}
			r.do(s.vu, h)
		}
	}
	spawn := func() {
		s := &vuSlot{id: r.newVUID()}
		vus++
		r.wg.Add(1)
		go func() { _ = r.connect(s); work(s) }()
	}
	// Pre-allocated VUs are made before the clock starts (k6 does the same), so the first
	// hits do not wait for VU creation.
	for range pre {
		s := &vuSlot{id: r.newVUID()}
		vus++
		_ = r.connect(s)
		r.wg.Add(1)
		go work(s)
	}
	runtime.Gosched()
	r.start = time.Now()
	mdone := make(chan struct{})
	go r.monitor(mdone)

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	hp := new(Hit)
	ended := false
	sk, _ := p.(skipper)
	end := time.Duration(math.MaxInt64) // no hit is offered after the end of the schedule
	if sk != nil && sk.length() > 0 {
		end = sk.length()
	}
	var skipped uint64 // hits counted as dropped without being offered one by one
	for n := uint64(0); ; n++ {
		if n-skipped >= r.opts.maxRequests {
			r.stopSend(abortError{AbortLimit, fmt.Sprintf("MaxRequests %d reached", r.opts.maxRequests)})
			break
		}
		elapsed := time.Since(r.start)
		wait, stop := p.Pace(elapsed, n)
		if stop {
			ended = true
			break
		}
		intended := elapsed + wait
		if st != nil {
			at, ok := st.SendTime(n)
			if !ok {
				ended = true
				break
			}
			intended = at
		}
		if intended >= r.opts.maxDuration {
			r.stopSend(abortError{AbortLimit, fmt.Sprintf("MaxDuration %v reached", r.opts.maxDuration)})
			break
		}
		// Behind the schedule: a hit due more than MaxLag ago, or any hit once the schedule's
		// time is over, can only be dropped. They are counted in one step, so a generator
		// that cannot keep up still ends with its schedule.
		if sk != nil && wait == 0 {
			cut := elapsed - r.opts.maxLag
			if elapsed >= end {
				cut = math.MaxInt64
			}
			if intended < cut {
				if m := sk.skip(n, cut); m > n {
					k := m - n
					r.rec.scheduled.Add(k)
					r.rec.dropped.Add(k)
					r.rec.recordSchedLagN(elapsed-intended, k)
					if l := r.opts.ledger; l != nil {
						l.dropped(intended, k)
					}
					skipped += k
					n = m - 1
					continue
				}
			}
		}
		if wait > 0 && !sleepCtx(r.sendCtx, timer, wait) {
			break
		}
		if r.sendCtx.Err() != nil {
			break
		}
		r.rec.scheduled.Add(1)
		r.rec.recordSchedLag(time.Since(r.start) - intended)
		*hp = Hit{Seq: n, Intended: intended}
		if info != nil {
			info(n, hp)
		}
		h := *hp
		select {
		case jobs <- h:
			continue
		default:
		}
		if vus < max {
			spawn()
		} else {
			r.poolFull++
		}
		left := min(intended+r.opts.maxLag, end) - time.Since(r.start)
		if left <= 0 {
			r.rec.dropped.Add(1)
			r.dropLedger(intended)
			continue
		}
		timer.Reset(left)
		select {
		case jobs <- h:
			timer.Stop()
		case <-timer.C:
			r.rec.dropped.Add(1)
			r.dropLedger(intended)
		case <-r.sendCtx.Done():
			timer.Stop()
			r.rec.interrupt.Add(1)
			if l := r.opts.ledger; l != nil {
				l.add(LedgerEntry{VU: -1, Outcome: OutcomeInterrupted, Intended: intended, Done: intended})
			}
		}
	}
	if ended {
		r.stopSend(nil)
	}
	close(jobs)
	r.drain()
	close(mdone)
	return r.finish(cpu0, ended)
}

// runClosed runs a closed population: VU i is active while active(elapsed) > i; each active
// VU sends, waits for the answer, then sleeps think(). The schedule ends at total.
func (r *run) runClosed(active func(time.Duration) int, maxVUs int, total time.Duration, think func(vu int) func() time.Duration) *Result {
	cpu0 := processCPU()
	if seg := r.opts.segment; !seg.Whole() {
		global := active
		active = func(el time.Duration) int { return seg.Scale(global(el)) }
		maxVUs = seg.Scale(maxVUs)
	}
	capped := total > r.opts.maxDuration
	if capped {
		total = r.opts.maxDuration
	}
	r.start = time.Now()
	endCtx, cancelEnd := context.WithTimeout(r.sendCtx, total)
	defer cancelEnd()
	var seq uint64Counter
	mdone := make(chan struct{})
	go r.monitor(mdone)
	for range maxVUs {
		id := r.newVUID()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			var thinkFn func() time.Duration
			if think != nil {
				thinkFn = think(id)
			}
			slot := &vuSlot{id: id}
			defer slot.close()
			timer := time.NewTimer(time.Hour)
			timer.Stop()
			h := new(Hit) // reused: no allocation per hit
			for endCtx.Err() == nil {
				el := time.Since(r.start)
				if active(el) <= id {
					if !sleepCtx(endCtx, timer, 10*time.Millisecond) {
						break
					}
					continue
				}
				n := seq.next()
				if n >= r.opts.maxRequests {
					r.stopSend(abortError{AbortLimit, fmt.Sprintf("MaxRequests %d reached", r.opts.maxRequests)})
					break
				}
				r.rec.scheduled.Add(1)
				*h = Hit{Seq: n, VU: id, Intended: time.Since(r.start)}
				var err error
				if err = r.connect(slot); err != nil {
					r.fail(h, err)
				} else {
					err = r.do(slot.vu, h)
				}
				// a VU waiting to reconnect sleeps until its next attempt rather than fail
				// hit after hit
				var re *reconnectError
				if errors.As(err, &re) || (err != nil && slot.vu == nil) {
					next := slot.bo.next
					if re != nil {
						next = re.next
					}
					if !sleepCtx(endCtx, timer, time.Until(next)) {
						break
					}
					continue
				}
				if thinkFn != nil {
					if d := thinkFn(); d > 0 && !sleepCtx(endCtx, timer, d) {
						break
					}
				}
			}
		}()
	}
	<-endCtx.Done()
	ended := r.sendCtx.Err() == nil && !capped
	switch {
	case capped && r.sendCtx.Err() == nil:
		r.stopSend(abortError{AbortLimit, fmt.Sprintf("MaxDuration %v reached", r.opts.maxDuration)})
	case ended:
		r.stopSend(nil)
	}
	r.drain()
	close(mdone)
	return r.finish(cpu0, ended)
}

type uint64Counter struct {
	mu sync.Mutex
	n  uint64
}

func (c *uint64Counter) next() uint64 {
	c.mu.Lock()
	n := c.n
	c.n++
	c.mu.Unlock()
	return n
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
