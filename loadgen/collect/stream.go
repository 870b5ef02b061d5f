package collect

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/capsim/capsim/loadgen"
)

// RunnerID returns an id unique per process: prefix, host name and 8 random hex digits.
func RunnerID(prefix string) string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	if host == "" {
		host = "host"
	}
	return prefix + "-" + host + "-" + hex.EncodeToString(b[:])
}

// Streamer streams a loadgen run (capsim's Go generator) to a collector. Pass Progress to
// loadgen.WithProgress (every second): each snapshot becomes a Batch holding what happened
// since the previous one — the difference of the cumulative counters and histograms, so
// nothing is recorded twice on the hot path. Finish sends the difference up to the final
// Result, with the runner's status, as the final batch. The batches of a run therefore add up
// exactly to its Result.
//
// Trends are sent with sum, min and max taken from the histogram (its 3-digit buckets); k6
// runners send exact ones.
type Streamer struct {
	sender  *Sender
	runner  string
	segment string
	latency string
	onStop  func(reason string)

	mu       sync.Mutex
	base     int64 // Unix second of the run's start
	started  bool
	last     int64 // last label sent, relative to base (-1 before the first)
	prev     loadgen.Counts
	prevH    [4]*hdrhistogram.Snapshot
	finished bool
	stopOnce sync.Once
}

// NewStreamer streams to c as runner id with segment seg. latencyMetric names the latency
// trend (MetricLatency for HTTP API traffic, MetricBatchLat for agent batches, as the summary
// of `capsim load` does). onStop is called once when the collector asks the runner to stop.
func NewStreamer(c *Client, id string, seg loadgen.Segment, latencyMetric string, onStop func(reason string)) *Streamer {
	s := &Streamer{runner: id, latency: latencyMetric, onStop: onStop, last: -1}
	if !seg.Whole() {
		s.segment = seg.String()
	}
	s.sender = NewSender(c, 64, s.reply)
	return s
}

func (s *Streamer) reply(r Reply) {
	if r.Stop && s.onStop != nil {
		s.stopOnce.Do(func() { s.onStop(r.Reason) })
	}
}

// Progress sends what happened since the previous snapshot (call it every second).
func (s *Streamer) Progress(snap loadgen.Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return
	}
	if !s.started {
		s.base, s.started = time.Now().Add(-snap.Elapsed).Unix(), true
	}
	label := max(s.last+1, int64(snap.Elapsed/time.Second)-1)
	b, ok := s.delta(snap.Counts, [4]*hdrhistogram.Histogram{snap.Latency, snap.Service, snap.SendLag, snap.SchedLag}, snap.VUs)
	if !ok {
		return
	}
	b.Second = s.base + label
	s.last = label
	s.sender.Send(b)
}

// Finish sends the final batch (the rest of res, and the runner's status) and waits, until ctx
// ends at the latest, for every batch to be delivered.
func (s *Streamer) Finish(ctx context.Context, res *loadgen.Result) error {
	s.mu.Lock()
	if !s.started {
		s.base, s.started = res.Start.Unix(), true
	}
	s.finished = true
	var err error
	b, ok := s.delta(res.Counts, [4]*hdrhistogram.Histogram{res.Latency, res.Service, res.SendLag, res.SchedLag}, res.VUs)
	if !ok { // cannot happen: the Result is the last, largest snapshot
		b = &Batch{Version: Version, Runner: s.runner, Segment: s.segment}
		err = errors.New("collect: the final result holds less than an earlier snapshot: not sent")
	}
	s.last = max(s.last+1, int64(res.Duration/time.Second))
	b.Second = s.base + s.last
	b.Final = true
	b.Status = &RunnerStatus{Executor: res.Executor, VUs: res.VUs, DurationS: res.Duration.Seconds(), CPUSeconds: res.CPU.Seconds(),
		Valid: res.Valid, Invalid: res.Invalid, Aborted: res.Aborted, AbortReason: res.AbortReason, Errors: res.Errors}
	s.mu.Unlock()
	s.sender.Send(b)
	return errors.Join(err, s.sender.Close(ctx))
}

// delta builds the batch of the change since the previous call; false if any counter went
// down (a snapshot older than the previous one).
func (s *Streamer) delta(c loadgen.Counts, hs [4]*hdrhistogram.Histogram, vus int) (*Batch, bool) {
	p := s.prev
	if c.Scheduled < p.Scheduled || c.OK < p.OK || c.Failed < p.Failed || c.TimedOut < p.TimedOut || c.Dropped < p.Dropped ||
		c.Interrupted < p.Interrupted || c.EventsSent < p.EventsSent || c.EventsAcked < p.EventsAcked || c.BytesSent < p.BytesSent {
		return nil, false
	}
	b := &Batch{Version: Version, Runner: s.runner, Segment: s.segment, Scale: DefaultScale}
	counter := func(name string, cur, prev uint64) {
		if d := cur - prev; d > 0 {
			b.Series = append(b.Series, Series{Metric: name, Type: TypeCounter, Count: int64(d), Sum: float64(d)})
		}
	}
	counter(MetricScheduled, c.Scheduled, p.Scheduled)
	counter(MetricOK, c.OK, p.OK)
	counter(MetricFailed, c.Failed, p.Failed)
	counter(MetricTimedOut, c.TimedOut, p.TimedOut)
	counter(MetricInterrupted, c.Interrupted, p.Interrupted)
	counter(MetricDropped, c.Dropped, p.Dropped)
	counter(MetricEvents, c.EventsSent, p.EventsSent)
	counter(MetricAcked, c.EventsAcked, p.EventsAcked)
	counter(MetricBytes, c.BytesSent, p.BytesSent)
	names := [4]string{s.latency, MetricService, MetricSendLag, MetricSchedLag}
	var next [4]*hdrhistogram.Snapshot
	for i, h := range hs {
		if h == nil {
			next[i] = s.prevH[i]
			continue
		}
		cur := h.Export()
		d := cur
		if prev := s.prevH[i]; prev != nil {
			if len(prev.Counts) != len(cur.Counts) {
				return nil, false
			}
			d = &hdrhistogram.Snapshot{LowestTrackableValue: cur.LowestTrackableValue, HighestTrackableValue: cur.HighestTrackableValue,
				SignificantFigures: cur.SignificantFigures, Counts: make([]int64, len(cur.Counts))}
			for k := range cur.Counts {
				if d.Counts[k] = cur.Counts[k] - prev.Counts[k]; d.Counts[k] < 0 {
					return nil, false
				}
			}
		}
		next[i] = cur
		dh := hdrhistogram.Import(d)
		n := dh.TotalCount()
		if n == 0 {
			continue
		}
		enc, err := dh.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			panic(fmt.Sprintf("collect: encode histogram: %v", err)) // only fails on a broken writer
		}
		b.Series = append(b.Series, Series{Metric: names[i], Type: TypeTrend, IsTime: true, Count: n,
			Sum: dh.Mean() * float64(n) / DefaultScale, Min: float64(dh.Min()) / DefaultScale, Max: float64(dh.Max()) / DefaultScale,
			HDR: string(enc)})
	}
	b.Series = append(b.Series, Series{Metric: MetricVUs, Type: TypeGauge, Count: 1, Last: float64(vus), Min: float64(vus), Max: float64(vus)})
	s.prev, s.prevH = c, next
	return b, true
}
