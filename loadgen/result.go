package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds: values in microseconds, 1 µs .. 10 min, 3 significant digits.
const (
	histMin    = 1
	histMax    = int64(10 * time.Minute / time.Microsecond)
	histDigits = 3
)

// NewHistogram returns an empty histogram with the bounds every loadgen histogram uses
// (values in µs, 1 µs to 10 min, 3 significant digits), so histograms of different runs,
// processes or k6 instances can be merged exactly.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histMin, histMax, histDigits)
}

func recordDur(h *hdrhistogram.Histogram, d time.Duration) {
	us := int64(d / time.Microsecond)
	if us < histMin {
		us = histMin
	}
	if us > histMax {
		us = histMax
	}
	_ = h.RecordValue(us)
}

// Counts is the accounting of a run. Scheduled = OK + Failed + TimedOut + Dropped +
// Interrupted always holds at the end of a run (see Balanced).
type Counts struct {
	Scheduled   uint64 `json:"scheduled"`
	OK          uint64 `json:"ok"`
	Failed      uint64 `json:"failed"`
	TimedOut    uint64 `json:"timed_out"`
	Dropped     uint64 `json:"dropped"`
	Interrupted uint64 `json:"interrupted"`
	// Events and bytes of agent traffic.
	EventsSent  uint64 `json:"events_sent"`
	EventsAcked uint64 `json:"events_acked"`
	BytesSent   uint64 `json:"bytes_sent"`
}

// Balanced reports whether the accounting identity holds.
func (c Counts) Balanced() bool {
	return c.Scheduled == c.OK+c.Failed+c.TimedOut+c.Dropped+c.Interrupted
}

// Completed is the number of hits that got an answer or an error (OK + Failed + TimedOut).
func (c Counts) Completed() uint64 { return c.OK + c.Failed + c.TimedOut }

// Result is what a run measured. Histograms hold µs (see NewHistogram).
type Result struct {
	Executor string `json:"executor"`
	// Generator is what sent the load: "" for capsim's own generator, else the other one
	// ("k6 v1.8.1", capsim load --k6). k6's latency runs from the actual send, not the
	// intended send time (Latency and Service are the same histogram), and k6 has no
	// scheduling lag, send lag or CPU figures (empty histograms, 0).
	Generator string        `json:"generator,omitempty"`
	Start     time.Time     `json:"start"`
	Duration  time.Duration `json:"duration_ns"` // wall time from start to the last VU returning
	Counts
	// Latency: done − intended send time. Service: done − actual send. SendLag: actual send −
	// intended. SchedLag: when the pacer offered the hit − intended (the generator's own lag).
	Latency  *hdrhistogram.Histogram `json:"-"`
	Service  *hdrhistogram.Histogram `json:"-"`
	SendLag  *hdrhistogram.Histogram `json:"-"`
	SchedLag *hdrhistogram.Histogram `json:"-"`
	// VUs is the largest number of VUs that existed.
	VUs int `json:"vus"`
	// CPU is the user+system CPU time of this process during the run (getrusage).
	CPU time.Duration `json:"cpu_ns"`
	// Valid is false when the schedule was not kept (or the generator used its whole CPU);
	// Invalid says why, and LateBy who held the schedule back: LateGenerator (the generator
	// itself) or LateTarget (every VU was waiting for the target's answers: the target's
	// concurrency limit).
	Valid   bool     `json:"valid"`
	Invalid []string `json:"invalid,omitempty"`
	LateBy  string   `json:"late_by,omitempty"`
	// Aborted is true when the run stopped early; AbortedBy says what stopped it
	// (AbortInterrupt, AbortThreshold, AbortLimit) and AbortReason how.
	Aborted     bool   `json:"aborted"`
	AbortedBy   string `json:"aborted_by,omitempty"`
	AbortReason string `json:"abort_reason,omitempty"`
	// Thresholds evaluated at the end.
	Thresholds []ThresholdResult `json:"thresholds,omitempty"`
	// Errors counts error messages (first 20 distinct).
	Errors map[string]uint64 `json:"errors,omitempty"`
}

// What stopped an aborted run (Result.AbortedBy).
const (
	// AbortInterrupt: the run's context was canceled (Ctrl-C).
	AbortInterrupt = "interrupt"
	// AbortThreshold: a threshold with abortOnFail failed.
	AbortThreshold = "threshold"
	// AbortLimit: a bound of the run (MaxRequests, MaxDuration, or VUs abandoned after
	// gracefulStop because the target ignored cancellation).
	AbortLimit = "limit"
)

// Causes of a late schedule (Result.LateBy).
const (
	LateGenerator = "generator"
	LateTarget    = "target-concurrency"
)

// ThresholdsPassed reports whether every threshold held.
func (r *Result) ThresholdsPassed() bool {
	for _, t := range r.Thresholds {
		if !t.Passed {
			return false
		}
	}
	return true
}

// RequestsPerCPUSecond is completed hits per second of this process's CPU time.
func (r *Result) RequestsPerCPUSecond() float64 {
	if r.CPU <= 0 {
		return 0
	}
	return float64(r.Completed()) / r.CPU.Seconds()
}

// ThroughputPerS is completed OK hits per wall second.
func (r *Result) ThroughputPerS() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.OK) / r.Duration.Seconds()
}

// Snapshot is the state of a running test, for progress display and abortOnFail.
type Snapshot struct {
	Elapsed time.Duration
	Counts
	VUs      int
	Rate     float64 // current intended rate, hits/s (0 for closed executors)
	Latency  *hdrhistogram.Histogram
	Service  *hdrhistogram.Histogram
	SendLag  *hdrhistogram.Histogram
	SchedLag *hdrhistogram.Histogram
}

// shard is the recorder of a group of VUs.
type shard struct {
	mu                              sync.Mutex
	lat, svc, lag                   *hdrhistogram.Histogram
	ok, failed, timedOut, interrupt uint64
	events, acked, bytes            uint64
	errs                            map[string]uint64
	_                               [64]byte
}

// recorder collects outcomes from all VUs.
type recorder struct {
	shards    []*shard
	scheduled atomic.Uint64
	dropped   atomic.Uint64
	interrupt atomic.Uint64 // interrupted before dispatch
	vus       atomic.Int64
	inflight  atomic.Int64 // hits handed to a target and not yet recorded
	closed    atomic.Bool  // set when abandoned VUs must no longer be recorded
	schedMu   sync.Mutex
	schedLag  *hdrhistogram.Histogram // written by the pacer goroutine only
}

func newRecorder(n int) *recorder {
	if n <= 0 {
		n = 2 * runtime.GOMAXPROCS(0)
	}
	r := &recorder{shards: make([]*shard, n), schedLag: NewHistogram()}
	for i := range r.shards {
		r.shards[i] = &shard{lat: NewHistogram(), svc: NewHistogram(), lag: NewHistogram()}
	}
	return r
}

func (r *recorder) recordSchedLag(d time.Duration) {
	r.schedMu.Lock()
	recordDur(r.schedLag, d)
	r.schedMu.Unlock()
}

// recordSchedLagN records the lag d for n hits (counted as dropped without being offered).
func (r *recorder) recordSchedLagN(d time.Duration, n uint64) {
	us := min(max(int64(d/time.Microsecond), histMin), histMax)
	r.schedMu.Lock()
	_ = r.schedLag.RecordValues(us, int64(min(n, math.MaxInt64)))
	r.schedMu.Unlock()
}

// outcome classes
const (
	outOK = iota
	outFailed
	outTimedOut
	outInterrupted
)

func classify(err error, hard interface{ Err() error }) int {
	if err == nil {
		return outOK
	}
	if hard.Err() != nil {
		return outInterrupted
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return outTimedOut
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return outTimedOut
	}
	return outFailed
}

func (r *recorder) record(h *Hit, start time.Time, sent, done time.Time, class int, err error) {
	s := r.shards[h.VU%len(r.shards)]
	intended := start.Add(h.Intended)
	s.mu.Lock()
	if r.closed.Load() {
		s.mu.Unlock()
		return
	}
	r.inflight.Add(-1)
	switch class {
	case outOK:
		s.ok++
	case outFailed:
		s.failed++
	case outTimedOut:
		s.timedOut++
	case outInterrupted:
		s.interrupt++
	}
	if class != outInterrupted {
		recordDur(s.lat, done.Sub(intended))
		recordDur(s.svc, done.Sub(sent))
	}
	recordDur(s.lag, sent.Sub(intended))
	s.events += uint64(h.EventsSent)
	s.acked += uint64(h.EventsAcked)
	s.bytes += uint64(h.BytesSent)
	if err != nil && class != outInterrupted {
		if s.errs == nil {
			s.errs = map[string]uint64{}
		}
		msg := err.Error()
		if _, ok := s.errs[msg]; ok || len(s.errs) < 20 {
			s.errs[msg]++
		}
	}
	s.mu.Unlock()
}

// snapshot merges the shards.
func (r *recorder) snapshot() (Snapshot, map[string]uint64) {
	var c Counts
	lat, svc, lag := NewHistogram(), NewHistogram(), NewHistogram()
	errs := map[string]uint64{}
	for _, s := range r.shards {
		s.mu.Lock()
		c.OK += s.ok
		c.Failed += s.failed
		c.TimedOut += s.timedOut
		c.Interrupted += s.interrupt
		c.EventsSent += s.events
		c.EventsAcked += s.acked
		c.BytesSent += s.bytes
		lat.Merge(s.lat)
		svc.Merge(s.svc)
		lag.Merge(s.lag)
		for k, v := range s.errs {
			errs[k] += v
		}
		s.mu.Unlock()
	}
	c.Scheduled = r.scheduled.Load()
	c.Dropped = r.dropped.Load()
	c.Interrupted += r.interrupt.Load()
	r.schedMu.Lock()
	sl := NewHistogram()
	sl.Merge(r.schedLag)
	r.schedMu.Unlock()
	return Snapshot{Counts: c, VUs: int(r.vus.Load()), Latency: lat, Service: svc, SendLag: lag, SchedLag: sl}, errs
}

// fmtDur formats a duration in ms with 3 decimals.
func fmtMS(us int64) string { return fmt.Sprintf("%.3fms", float64(us)/1000) }

// abandon stops recording and counts every hit still in flight as interrupted, keeping the
// accounting identity when VUs are abandoned.
func (r *recorder) abandon() {
	r.closed.Store(true)
	for _, s := range r.shards { // barrier: a record in progress finishes first
		s.mu.Lock()
		s.mu.Unlock()
	}
	if n := r.inflight.Load(); n > 0 {
		r.interrupt.Add(uint64(n))
	}
}
