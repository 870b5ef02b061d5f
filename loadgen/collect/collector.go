package collect

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/loadgen/k6ext/capout"
)

// Histogram geometry of the merged trends: 1 … 1 h in µs (DefaultScale), 3 significant digits,
// as the k6 output writes them. loadgen's histograms (1 µs … 10 min, 3 digits) have the same
// buckets over their range, so they merge into it exactly.
const (
	histLowest  = 1
	histHighest = int64(3_600_000_000)
	histDigits  = 3
)

// Metric names a Go runner (Streamer) sends besides k6's: its accounting, one counter each, and
// the trends of loadgen.Result. Latency goes under k6's name (http_req_duration, or
// capsim_batch_duration for agent traffic).
const (
	MetricScheduled   = "capsim_scheduled"
	MetricOK          = "capsim_ok"
	MetricFailed      = "capsim_failed"
	MetricTimedOut    = "capsim_timed_out"
	MetricInterrupted = "capsim_interrupted"
	MetricDropped     = "dropped_iterations"
	MetricEvents      = "capsim_events"
	MetricAcked       = "capsim_events_acked"
	MetricBytes       = "capsim_bytes_sent"
	MetricLatency     = "http_req_duration"
	MetricBatchLat    = "capsim_batch_duration"
	MetricService     = "service_time"
	MetricSendLag     = "send_lag"
	MetricSchedLag    = "sched_lag"
	MetricVUs         = "vus"
)

// Defaults of the collector's options.
const (
	// DefaultSettle is how many seconds behind the newest second a second keeps its histograms.
	DefaultSettle = 10
	// DefaultLostAfter is how long a runner may be silent before it is reported lost.
	DefaultLostAfter = 15 * time.Second
	// DefaultSilentAfter is how long a runner may be silent before progress shows it as silent.
	DefaultSilentAfter = 3 * time.Second
	// DefaultEvalEvery bounds how often abortOnFail thresholds are evaluated as batches arrive.
	DefaultEvalEvery = 100 * time.Millisecond
)

// Option changes a Collector.
type Option func(*Collector)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(c *Collector) { c.now = now } }

// WithLostAfter sets how long a runner may be silent before it is lost.
func WithLostAfter(d time.Duration) Option { return func(c *Collector) { c.lostAfter = d } }

// WithSettle sets how many seconds behind the newest a second keeps its histograms.
func WithSettle(seconds int) Option { return func(c *Collector) { c.settle = int64(seconds) } }

// WithEvents calls f for every Event (outside the collector's lock, in order).
func WithEvents(f func(Event)) Option { return func(c *Collector) { c.onEvent = f } }

// Event is something a person watching the collector wants to know.
type Event struct {
	Time    time.Time
	Kind    string // EventJoined, EventFinished, EventLost, EventBack, EventStop, EventWaiting
	Runner  string
	Segment string
	Text    string
}

// Event kinds.
const (
	EventJoined   = "joined"
	EventFinished = "finished"
	EventLost     = "lost"
	EventBack     = "back"
	EventStop     = "stop"
	EventWaiting  = "waiting"
)

// String is one line for a log.
func (e Event) String() string {
	if e.Runner == "" {
		return e.Text
	}
	return fmt.Sprintf("runner %s (segment %s) %s", e.Runner, orWhole(e.Segment), e.Text)
}

func orWhole(s string) string {
	if s == "" {
		return "0:1"
	}
	return s
}

// Collector merges batches. It is safe for concurrent use.
type Collector struct {
	cfg         Config
	thresholds  []loadgen.Threshold
	now         func() time.Time
	lostAfter   time.Duration
	settle      int64
	evalEvery   time.Duration
	onEvent     func(Event)
	eventMu     sync.Mutex // serializes onEvent calls
	mu          sync.Mutex
	seen        map[batchKey]struct{}
	runners     map[string]*runner
	order       []string
	totals      map[string]*agg
	seconds     map[int64]*second
	gauges      map[string]map[string]float64 // series → runner → last value
	counts      loadgen.Counts
	oldest      int64
	newest      int64
	batches     uint64
	duplicates  uint64
	late        uint64
	stop        Reply
	lastEval    time.Time
	abortFailed []loadgen.ThresholdResult
	empty       *hdrhistogram.Histogram
	waitNoted   bool
}

type batchKey struct {
	runner, segment string
	second          int64
	part            int
}

type runner struct {
	id, segment           string
	firstSeen, lastSeen   time.Time
	firstSecond, lastSec  int64
	batches               uint64
	final, lost           bool
	status                *RunnerStatus
	lastVUs, maxVUs       float64 // the vus gauge's latest value; the largest of vus and vus_max
	lastVUsSecond         int64
	lastVUsPart           int
	haveVUs               bool
	lostSince, lastSilent time.Time
}

type second struct {
	series  map[string]*agg
	reduced map[string]SeriesStat
}

// agg is a series merged over runners (and seconds, for totals).
type agg struct {
	typ      string
	isTime   bool
	count    int64
	sum      float64
	min, max float64
	last     float64
	clamped  int64
	hist     *hdrhistogram.Histogram
}

// New returns a collector for cfg; its thresholds must parse.
func New(cfg Config, opts ...Option) (*Collector, error) {
	th, err := cfg.ParsedThresholds()
	if err != nil {
		return nil, err
	}
	c := &Collector{cfg: cfg, thresholds: th, now: time.Now, lostAfter: DefaultLostAfter, settle: DefaultSettle,
		evalEvery: DefaultEvalEvery, seen: map[batchKey]struct{}{}, runners: map[string]*runner{},
		totals: map[string]*agg{}, seconds: map[int64]*second{}, gauges: map[string]map[string]float64{}}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Config returns the collector's config.
func (c *Collector) Config() Config { return c.cfg }

func (c *Collector) emit(evs []Event) {
	if c.onEvent == nil || len(evs) == 0 {
		return
	}
	c.eventMu.Lock()
	defer c.eventMu.Unlock()
	for _, e := range evs {
		c.onEvent(e)
	}
}

// Add merges one batch. A batch seen before (same runner, segment, second and part) is not
// counted again (Reply.Duplicate). The reply carries the stop request once an abortOnFail
// threshold has failed. Errors describe a bad batch (nothing of it is merged).
func (c *Collector) Add(b *Batch) (Reply, error) {
	if err := b.Validate(); err != nil {
		return Reply{}, fmt.Errorf("collect: batch: %w", err)
	}
	if b.Scale != 0 && b.Scale != DefaultScale {
		return Reply{}, fmt.Errorf("collect: batch: scale %v, want %v", b.Scale, DefaultScale)
	}
	// Decode histograms before taking the lock: it is the expensive part.
	hists := make([]*hdrhistogram.Histogram, len(b.Series))
	for i, s := range b.Series {
		if s.Type != TypeTrend || s.HDR == "" {
			continue
		}
		h, err := hdrhistogram.Decode([]byte(s.HDR))
		if err != nil {
			return Reply{}, fmt.Errorf("collect: batch: trend %s: histogram: %w", s.Metric, err)
		}
		if h.LowestTrackableValue() != histLowest || h.SignificantFigures() != histDigits || h.HighestTrackableValue() > histHighest {
			return Reply{}, fmt.Errorf("collect: batch: trend %s: histogram geometry %d…%d, %d digits; want 1…≤%d, %d digits",
				s.Metric, h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures(), histHighest, histDigits)
		}
		if h.TotalCount() != s.Count {
			return Reply{}, fmt.Errorf("collect: batch: trend %s: histogram holds %d values, series says %d", s.Metric, h.TotalCount(), s.Count)
		}
		hists[i] = h
	}
	var evs []Event
	defer func() { c.emit(evs) }()
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	key := batchKey{b.Runner, b.Segment, b.Second, b.Part}
	r := c.runners[b.Runner]
	if r != nil && r.segment != b.Segment {
		return Reply{}, fmt.Errorf("collect: batch: runner %s sent segment %q before, now %q", b.Runner, r.segment, b.Segment)
	}
	for i, s := range b.Series {
		if t := c.totals[s.Name()]; t != nil && t.typ != s.Type {
			return Reply{}, fmt.Errorf("collect: batch: %s is a %s here, a %s before", s.Name(), s.Type, t.typ)
		}
		for j := range i {
			if b.Series[j].Name() == s.Name() {
				return Reply{}, fmt.Errorf("collect: batch: series %s twice", s.Name())
			}
		}
	}
	if _, dup := c.seen[key]; dup {
		c.duplicates++
		if r != nil {
			r.lastSeen = now
		}
		return Reply{Duplicate: true, Stop: c.stop.Stop, Reason: c.stop.Reason}, nil
	}
	c.seen[key] = struct{}{}
	c.batches++
	if r == nil {
		r = &runner{id: b.Runner, segment: b.Segment, firstSeen: now, firstSecond: b.Second, lastSec: b.Second}
		c.runners[b.Runner] = r
		c.order = append(c.order, b.Runner)
		evs = append(evs, Event{Time: now, Kind: EventJoined, Runner: r.id, Segment: r.segment, Text: "joined"})
	}
	if r.lost {
		r.lost = false
		evs = append(evs, Event{Time: now, Kind: EventBack, Runner: r.id, Segment: r.segment,
			Text: fmt.Sprintf("sends again after %v of silence", now.Sub(r.lostSince).Round(time.Second))})
	}
	r.lastSeen = now
	r.batches++
	r.firstSecond = min(r.firstSecond, b.Second)
	r.lastSec = max(r.lastSec, b.Second)
	if c.batches == 1 {
		c.oldest, c.newest = b.Second, b.Second
	}
	c.oldest = min(c.oldest, b.Second)
	c.newest = max(c.newest, b.Second)

	c.counts = addCounts(c.counts, CountsOf(b))
	sec := c.seconds[b.Second]
	if sec == nil {
		sec = &second{series: map[string]*agg{}}
		c.seconds[b.Second] = sec
	}
	lateBatch := false
	for i, s := range b.Series {
		name := s.Name()
		t := c.totals[name]
		if t == nil {
			t = newAgg(s)
			c.totals[name] = t
		}
		if err := t.add(s, hists[i]); err != nil {
			return Reply{}, err // cannot happen: geometry checked above
		}
		if sec.reduced != nil {
			st, ok := sec.reduced[name]
			if !ok {
				st = SeriesStat{Type: s.Type, IsTime: s.IsTime}
			}
			st.Count += s.Count
			st.Sum += s.Sum
			st.Late = true
			sec.reduced[name] = st
			lateBatch = true
		} else {
			a := sec.series[name]
			if a == nil {
				a = newAgg(s)
				sec.series[name] = a
			}
			_ = a.add(s, hists[i])
		}
		if s.Type == TypeGauge {
			g := c.gauges[name]
			if g == nil {
				g = map[string]float64{}
				c.gauges[name] = g
			}
			g[b.Runner] = s.Last
			if sec.reduced == nil {
				sec.series[name].last += s.Last // a second's gauge: the sum of the runners' values
			}
		}
		if (s.Metric == MetricVUs || s.Metric == "vus_max") && len(s.Tags) == 0 {
			r.maxVUs = max(r.maxVUs, s.Max)
		}
		if s.Metric == MetricVUs && len(s.Tags) == 0 && (!r.haveVUs || b.Second > r.lastVUsSecond ||
			(b.Second == r.lastVUsSecond && b.Part >= r.lastVUsPart)) {
			r.lastVUs, r.lastVUsSecond, r.lastVUsPart, r.haveVUs = s.Max, b.Second, b.Part, true
		}
	}
	if lateBatch {
		c.late++
	}
	if b.Final && !r.final {
		r.final = true
		r.status = b.Status
		text := "finished"
		if b.Status != nil && b.Status.Aborted {
			text += ": aborted (" + b.Status.AbortReason + ")"
		}
		evs = append(evs, Event{Time: now, Kind: EventFinished, Runner: r.id, Segment: r.segment, Text: text})
	}
	c.reduceBefore(c.newest - c.settle)
	if len(c.thresholds) > 0 && !c.stop.Stop && (b.Final || now.Sub(c.lastEval) >= c.evalEvery) {
		c.lastEval = now
		if ev, ok := c.checkAbort(now); ok {
			evs = append(evs, ev)
		}
	}
	return Reply{Stop: c.stop.Stop, Reason: c.stop.Reason}, nil
}

// checkAbort evaluates the abortOnFail thresholds on the merged data; the first failure sets
// the stop flag every later reply carries.
func (c *Collector) checkAbort(now time.Time) (Event, bool) {
	s := c.snapshotLocked()
	for _, t := range c.thresholds {
		if !t.AbortOnFail || s.Elapsed < t.DelayAbortEval {
			continue
		}
		if res := t.Eval(s); !res.Passed {
			c.stop = Reply{Stop: true, Reason: fmt.Sprintf("threshold %s %s failed on the merged data (value %.4g) with abortOnFail", t.Metric, t.Expr, res.Value)}
			c.abortFailed = append(c.abortFailed, res)
			return Event{Time: now, Kind: EventStop, Text: "stop: " + c.stop.Reason}, true
		}
	}
	return Event{}, false
}

// reduceBefore turns the histograms of every second before s into their statistics.
func (c *Collector) reduceBefore(s int64) {
	for t, sec := range c.seconds {
		if t < s && sec.reduced == nil {
			sec.reduce()
		}
	}
}

func (s *second) reduce() {
	s.reduced = make(map[string]SeriesStat, len(s.series))
	for name, a := range s.series {
		s.reduced[name] = a.stat(1, false)
	}
	s.series = nil
}

func newAgg(s Series) *agg {
	a := &agg{typ: s.Type, isTime: s.IsTime}
	if s.Type == TypeTrend {
		a.hist = hdrhistogram.New(histLowest, histHighest, histDigits)
	}
	return a
}

func (a *agg) add(s Series, h *hdrhistogram.Histogram) error {
	first := a.count == 0
	a.count += s.Count
	a.sum += s.Sum
	a.clamped += s.Clamped
	if (s.Type == TypeTrend || s.Type == TypeGauge) && s.Count > 0 {
		if first || s.Min < a.min {
			a.min = s.Min
		}
		if first || s.Max > a.max {
			a.max = s.Max
		}
	}
	if h != nil && a.hist != nil {
		if dropped := a.hist.Merge(h); dropped > 0 {
			return fmt.Errorf("collect: %s: %d values outside the histogram", s.Metric, dropped)
		}
	}
	return nil
}

// Percentiles reported per series (k6's p(90), p(95) and friends).
var Percentiles = capout.Percentiles

// SeriesStat is a merged series over a span (one second, or the run).
type SeriesStat struct {
	Type   string  `json:"type"`
	IsTime bool    `json:"is_time,omitempty"`
	Count  int64   `json:"count"`
	Sum    float64 `json:"sum"`
	// Rate: Sum/Count for rates; Sum per second of the span for counters.
	Rate        float64            `json:"rate,omitempty"`
	Min         float64            `json:"min,omitempty"`
	Mean        float64            `json:"mean,omitempty"`
	Max         float64            `json:"max,omitempty"`
	Last        float64            `json:"last,omitempty"`
	Percentiles map[string]float64 `json:"percentiles,omitempty"`
	Clamped     int64              `json:"clamped,omitempty"`
	// Late: data for this second arrived after its histograms were reduced; Count and Sum
	// include it, the percentiles do not.
	Late bool `json:"late,omitempty"`
	// HDR is the merged histogram (totals only), so results can be merged again.
	HDR string `json:"hdr,omitempty"`
}

func (a *agg) stat(spanS float64, withHDR bool) SeriesStat {
	st := SeriesStat{Type: a.typ, IsTime: a.isTime, Count: a.count, Sum: a.sum, Min: a.min, Max: a.max, Last: a.last, Clamped: a.clamped}
	st.Rate, st.Mean, st.Percentiles, st.HDR = capout.Derived(a.typ, a.count, a.sum, spanS, a.hist, DefaultScale, withHDR)
	return st
}

// CountsOf is the accounting of one batch: a Go runner's own counters when it sends them,
// else derived from k6's metrics (http_req_failed or capsim_batches_failed: completed and
// failed requests; dropped_iterations; capsim_events; data_sent). Only series without tags
// count. It is also the rule for a k6 run's totals (capsim validate --k6).
func CountsOf(b *Batch) loadgen.Counts {
	var c loadgen.Counts
	get := map[string]*Series{}
	for i := range b.Series {
		if len(b.Series[i].Tags) == 0 {
			get[b.Series[i].Metric] = &b.Series[i]
		}
	}
	sum := func(m string) uint64 {
		if s := get[m]; s != nil && s.Sum > 0 {
			return uint64(math.Round(s.Sum))
		}
		return 0
	}
	c.EventsSent, c.EventsAcked, c.Dropped = sum(MetricEvents), sum(MetricAcked), sum(MetricDropped)
	if get[MetricScheduled] != nil || get[MetricOK] != nil {
		c.Scheduled, c.OK, c.Failed, c.TimedOut, c.Interrupted = sum(MetricScheduled), sum(MetricOK), sum(MetricFailed),
			sum(MetricTimedOut), sum(MetricInterrupted)
		c.BytesSent = sum(MetricBytes)
		return c
	}
	c.BytesSent = sum("data_sent")
	var completed, failed uint64
	switch {
	case get["http_req_failed"] != nil:
		completed, failed = uint64(get["http_req_failed"].Count), sum("http_req_failed")
	case get["capsim_batches_failed"] != nil:
		completed, failed = uint64(get["capsim_batches_failed"].Count), sum("capsim_batches_failed")
	default:
		completed = sum("http_reqs")
	}
	c.Failed = min(failed, completed)
	c.OK = completed - c.Failed
	c.Scheduled = completed + c.Dropped
	return c
}

func addCounts(a, b loadgen.Counts) loadgen.Counts {
	a.Scheduled += b.Scheduled
	a.OK += b.OK
	a.Failed += b.Failed
	a.TimedOut += b.TimedOut
	a.Dropped += b.Dropped
	a.Interrupted += b.Interrupted
	a.EventsSent += b.EventsSent
	a.EventsAcked += b.EventsAcked
	a.BytesSent += b.BytesSent
	return a
}

// Snapshot is the merged state in loadgen's terms (what thresholds are evaluated on). Its
// histograms are copies.
func (c *Collector) Snapshot() loadgen.Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.snapshotLocked()
	for _, h := range []**hdrhistogram.Histogram{&s.Latency, &s.Service, &s.SendLag, &s.SchedLag} {
		*h = (*h).Clone()
	}
	return s
}

func (c *Collector) hist(names ...string) *hdrhistogram.Histogram {
	for _, n := range names {
		if a := c.totals[n]; a != nil && a.hist != nil && a.count > 0 {
			return a.hist
		}
	}
	if c.empty == nil { // shared, never written: callers that hand it out clone it
		c.empty = hdrhistogram.New(histLowest, histHighest, histDigits)
	}
	return c.empty
}

// snapshotLocked shares the totals' histograms; callers hold c.mu.
func (c *Collector) snapshotLocked() loadgen.Snapshot {
	vus := 0.0
	for _, r := range c.runners {
		if !r.final {
			vus += r.lastVUs
		}
	}
	return loadgen.Snapshot{Elapsed: c.elapsedLocked(), Counts: c.counts, VUs: int(vus),
		Latency: c.hist(MetricLatency, MetricBatchLat), Service: c.hist(MetricService),
		SendLag: c.hist(MetricSendLag), SchedLag: c.hist(MetricSchedLag)}
}

// elapsedLocked is the run's length: the longest duration a finished runner reports when every
// runner has finished, else the span of the seconds seen.
func (c *Collector) elapsedLocked() time.Duration {
	if c.batches == 0 {
		return 0
	}
	all, longest := true, 0.0
	for _, r := range c.runners {
		if !r.final || r.status == nil || r.status.DurationS <= 0 {
			all = false
			break
		}
		longest = max(longest, r.status.DurationS)
	}
	if all {
		return time.Duration(longest * float64(time.Second))
	}
	return time.Duration(c.newest-c.oldest+1) * time.Second
}

// Stopped returns the stop request, if an abortOnFail threshold has failed.
func (c *Collector) Stopped() (bool, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stop.Stop, c.stop.Reason
}

// Check marks runners silent for longer than LostAfter as lost (each reported once, with its
// segment and the time of its last batch) and reports whether the collection is complete:
// at least one runner has sent, every runner has finished or is lost, and as many as the config
// expects have — or, when it expects no count, their segments cover the whole test.
func (c *Collector) Check() (done bool) {
	var evs []Event
	defer func() { c.emit(evs) }()
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	ended := 0
	for _, id := range c.order {
		r := c.runners[id]
		if !r.final && !r.lost && now.Sub(r.lastSeen) > c.lostAfter {
			r.lost, r.lostSince = true, now
			evs = append(evs, Event{Time: now, Kind: EventLost, Runner: r.id, Segment: r.segment,
				Text: fmt.Sprintf("LOST: no data since %s (last second %s, %d batches)", r.lastSeen.Format(time.RFC3339),
					time.Unix(r.lastSec, 0).UTC().Format(time.TimeOnly), r.batches)})
		}
		if r.final || r.lost {
			ended++
		}
	}
	if len(c.order) == 0 || ended < len(c.order) || ended < c.cfg.Runners {
		return false
	}
	if c.cfg.Runners > 0 {
		return true
	}
	// Without an expected count, the segments must cover the whole test: a runner that
	// finishes before another has sent anything does not end the collection.
	segs := make([]string, 0, len(c.order))
	for _, id := range c.order {
		segs = append(segs, c.runners[id].segment)
	}
	if cov, _ := capout.Coverage(segs); cov >= 1 {
		return true
	}
	if !c.waitNoted {
		c.waitNoted = true
		cov, _ := capout.Coverage(segs)
		evs = append(evs, Event{Time: now, Kind: EventWaiting, Text: fmt.Sprintf(
			"all %d runner(s) have ended, but their segments cover %.4g of the test: waiting for the rest (or give --runners)", len(c.order), cov)})
	}
	return false
}

// RunnerReport is one runner as the collector saw it.
type RunnerReport struct {
	ID      string `json:"id"`
	Segment string `json:"segment"`
	Batches uint64 `json:"batches"`
	// FirstSecond and LastSecond are the Unix seconds of its first and last data.
	FirstSecond int64     `json:"first_second"`
	LastSecond  int64     `json:"last_second"`
	LastSeen    time.Time `json:"last_seen"`
	// State: "running", "silent" (no batch for DefaultSilentAfter), "finished" or "lost".
	State  string        `json:"state"`
	Status *RunnerStatus `json:"status,omitempty"`
}

// Report is the collector's own account of a collection, written into load.json.
type Report struct {
	Runners []RunnerReport `json:"runners"`
	// ExpectedRunners is the config's count (0: not given).
	ExpectedRunners int `json:"expected_runners,omitempty"`
	// Coverage is the fraction of the test the runners' segments cover together (1 = all).
	Coverage   float64               `json:"coverage"`
	Warnings   []string              `json:"warnings,omitempty"`
	Batches    uint64                `json:"batches"`
	Duplicates uint64                `json:"duplicates"`
	Late       uint64                `json:"late_batches"`
	Stop       string                `json:"stop,omitempty"`
	Series     map[string]SeriesStat `json:"series"`
	Intervals  []Interval            `json:"intervals"`
}

// Interval is every series over one second.
type Interval struct {
	T       int64                 `json:"t"` // Unix second
	Metrics map[string]SeriesStat `json:"metrics"`
}

func (c *Collector) runnersLocked(now time.Time) []RunnerReport {
	out := make([]RunnerReport, 0, len(c.order))
	for _, id := range c.order {
		r := c.runners[id]
		state := "running"
		switch {
		case r.final:
			state = "finished"
		case r.lost:
			state = "lost"
		case now.Sub(r.lastSeen) > DefaultSilentAfter:
			state = "silent"
		}
		out = append(out, RunnerReport{ID: r.id, Segment: orWhole(r.segment), Batches: r.batches,
			FirstSecond: r.firstSecond, LastSecond: r.lastSec, LastSeen: r.lastSeen, State: state, Status: r.status})
	}
	return out
}

// Report returns the collection so far.
func (c *Collector) Report() Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	rep := Report{ExpectedRunners: c.cfg.Runners, Batches: c.batches, Duplicates: c.duplicates, Late: c.late,
		Stop: c.stop.Reason, Series: map[string]SeriesStat{}}
	rep.Runners = c.runnersLocked(now)
	var segs []string
	for _, id := range c.order {
		segs = append(segs, c.runners[id].segment)
	}
	if len(segs) > 0 {
		rep.Coverage, rep.Warnings = capout.Coverage(segs)
	}
	if c.cfg.Runners > 0 && len(c.order) != c.cfg.Runners {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d runners sent data, %d expected", len(c.order), c.cfg.Runners))
	}
	span := c.elapsedLocked().Seconds()
	for name, a := range c.totals {
		st := a.stat(span, true)
		if a.typ == TypeGauge {
			st.Last = 0
			for _, v := range c.gauges[name] {
				st.Last += v
			}
		}
		rep.Series[name] = st
	}
	ts := make([]int64, 0, len(c.seconds))
	for t := range c.seconds {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	for _, t := range ts {
		sec := c.seconds[t]
		iv := Interval{T: t, Metrics: map[string]SeriesStat{}}
		if sec.reduced != nil {
			for k, v := range sec.reduced {
				iv.Metrics[k] = v
			}
		} else {
			for k, a := range sec.series {
				iv.Metrics[k] = a.stat(1, false)
			}
		}
		rep.Intervals = append(rep.Intervals, iv)
	}
	return rep
}

// Result is the merged run as loadgen.Result (what `capsim load` writes), with every threshold
// evaluated on the merged data. Runners that are lost, invalid or aborted make it invalid or
// aborted and say which.
func (c *Collector) Result() *loadgen.Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.snapshotLocked()
	res := &loadgen.Result{Executor: "collect", Start: time.Unix(c.oldest, 0), Duration: s.Elapsed, Counts: s.Counts,
		Latency: s.Latency.Clone(), Service: s.Service.Clone(), SendLag: s.SendLag.Clone(), SchedLag: s.SchedLag.Clone(),
		Valid: true}
	for _, id := range c.order {
		r := c.runners[id]
		who := fmt.Sprintf("runner %s (segment %s)", r.id, orWhole(r.segment))
		switch {
		case r.lost:
			res.Valid = false
			res.Invalid = append(res.Invalid, fmt.Sprintf("%s LOST: no data since %s (its last data: second %s): its share of the schedule is missing",
				who, r.lastSeen.UTC().Format(time.RFC3339), time.Unix(r.lastSec, 0).UTC().Format(time.TimeOnly)))
		case !r.final:
			res.Valid = false
			res.Invalid = append(res.Invalid, fmt.Sprintf("%s had not finished when the collection ended", who))
		}
		st := r.status
		if st == nil {
			res.VUs += int(r.maxVUs)
			continue
		}
		if res.Executor == "collect" && st.Executor != "" {
			res.Executor = st.Executor
		}
		res.VUs += max(st.VUs, int(r.maxVUs))
		res.CPU += time.Duration(st.CPUSeconds * float64(time.Second))
		if !st.Valid {
			res.Valid = false
			for _, why := range st.Invalid {
				res.Invalid = append(res.Invalid, who+": "+why)
			}
		}
		if st.Aborted {
			res.Aborted = true
			res.AbortReason = joinReason(res.AbortReason, who+": "+st.AbortReason)
		}
		for msg, n := range st.Errors {
			if res.Errors == nil {
				res.Errors = map[string]uint64{}
			}
			res.Errors[msg] += n
		}
	}
	if c.cfg.Runners > 0 && len(c.order) < c.cfg.Runners {
		res.Valid = false
		res.Invalid = append(res.Invalid, fmt.Sprintf("%d of %d expected runners sent data", len(c.order), c.cfg.Runners))
	}
	if c.stop.Stop {
		res.Aborted = true
		res.AbortReason = joinReason(c.stop.Reason, res.AbortReason)
	}
	for _, t := range c.thresholds {
		res.Thresholds = append(res.Thresholds, t.Eval(s))
	}
	// A threshold that stopped the run failed, whatever the data says now.
	for _, f := range c.abortFailed {
		for i := range res.Thresholds {
			if res.Thresholds[i].Metric == f.Metric && res.Thresholds[i].Expr == f.Expr {
				res.Thresholds[i].Passed = false
			}
		}
	}
	return res
}

func joinReason(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
