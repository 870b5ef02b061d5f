package k6ext

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"go.k6.io/k6/errext"
	"go.k6.io/k6/errext/exitcodes"
	"go.k6.io/k6/metrics"
	"go.k6.io/k6/output"

	"github.com/capsim/capsim/loadgen/collect"
	"github.com/capsim/capsim/loadgen/k6ext/capout"
)

// OutputName is the name given to --out: `k6 run --out capsim=FILE script.js`.
const OutputName = "capsim"

// EnvTags names the environment variable listing tag keys (comma-separated, e.g. "name,scenario")
// whose values split every metric into k6-style submetrics as well: a sample of
// http_req_duration tagged name=list is also recorded as "http_req_duration{name:list}", so
// per-request-class percentiles merge exactly too.
const EnvTags = "K6_CAPSIM_TAGS"

// flushLag is how long an interval stays open after it ends, for samples k6 delivers late
// (k6 hands samples to outputs every 50 ms; a request's sample carries its end time).
const flushLag = 2 * time.Second

func init() {
	output.RegisterExtension(OutputName, NewOutput)
}

// Output writes per-interval HDR histograms and counters of every k6 metric as NDJSON
// (format: package capout).
type Output struct {
	output.SampleBuffer
	path    string
	segment string
	tags    []string // sorted tag keys for submetrics
	now     func() time.Time
	names   map[subKey]string

	mu      sync.Mutex
	file    io.WriteCloser
	rec     *capout.Recorder
	flusher *output.PeriodicFlusher
	err     error

	// Streaming to capsim collect (--out capsim=http://HOST:PORT).
	client   *collect.Client
	sender   *collect.Sender
	runner   string
	start    time.Time
	pending  map[int64][]collect.Series // interval start (ms) → series finished by this flush
	parts    map[int64]int              // batches sent per interval
	lastT    int64
	stopFn   func(error)
	stopOnce sync.Once
}

var (
	_ output.Output          = &Output{}
	_ output.WithTestRunStop = &Output{}
)

// NewOutput is the output constructor. The config argument is the file path ("-" = stdout is
// not allowed: k6 prints there), or the URL of capsim collect (http://HOST:PORT), to which
// every interval is streamed as a collect.Batch instead. The execution segment is taken from
// the script options.
func NewOutput(p output.Params) (output.Output, error) {
	path := strings.TrimSpace(p.ConfigArgument)
	if path == "" {
		return nil, errors.New("capsim output: a file name or collector URL is required: --out capsim=FILE or capsim=http://HOST:PORT")
	}
	if path == "-" {
		return nil, errors.New("capsim output: write to a file, not stdout")
	}
	o := &Output{path: path, now: time.Now, names: map[subKey]string{}}
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		c, err := collect.NewClient(path)
		if err != nil {
			return nil, fmt.Errorf("capsim output: %w", err)
		}
		o.client, o.runner = c, collect.RunnerID("k6")
		o.pending, o.parts = map[int64][]collect.Series{}, map[int64]int{}
	}
	for _, k := range strings.Split(p.Environment[EnvTags], ",") {
		if k = strings.TrimSpace(k); k != "" {
			o.tags = append(o.tags, k)
		}
	}
	sort.Strings(o.tags)
	if seg := p.ScriptOptions.ExecutionSegment; seg != nil {
		o.segment = seg.String()
	}
	return o, nil
}

// Description is shown by k6 run.
func (o *Output) Description() string { return fmt.Sprintf("capsim (%s)", o.path) }

// SetTestRunStopCallback implements output.WithTestRunStop: the collector's stop request (an
// abortOnFail threshold failed on the merged data of all runners) stops this k6 with exit 99.
func (o *Output) SetTestRunStopCallback(f func(error)) { o.stopFn = f }

// Start creates the file, writes the header and starts the 1-s flusher.
func (o *Output) Start() error {
	if o.client != nil {
		return o.startStream()
	}
	f, err := os.Create(o.path)
	if err != nil {
		return fmt.Errorf("capsim output: %w", err)
	}
	rec, err := capout.NewRecorder(f, capout.NewHeader(o.segment, o.now()))
	if err != nil {
		_ = f.Close()
		return err
	}
	o.file, o.rec = f, rec
	o.flusher, err = output.NewPeriodicFlusher(capout.DefaultInterval, o.flush)
	return err
}

// flush moves buffered samples into the recorder and writes intervals older than flushLag.
func (o *Output) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.drain()
	if o.err == nil {
		o.err = o.rec.FlushBefore(o.now().Add(-flushLag))
	}
	if o.client != nil {
		o.sendPending(false)
	}
}

func (o *Output) drain() {
	for _, sc := range o.GetBufferedSamples() {
		for _, s := range sc.GetSamples() {
			m := s.Metric
			typ, isTime := m.Type.String(), m.Contains == metrics.Time
			if err := o.rec.Add(m.Name, typ, isTime, s.Time, s.Value); err != nil && o.err == nil {
				o.err = err
			}
			if len(o.tags) == 0 {
				continue
			}
			if sub := o.subName(m.Name, s.Tags); sub != "" {
				if err := o.rec.Add(sub, typ, isTime, s.Time, s.Value); err != nil && o.err == nil {
					o.err = err
				}
			}
		}
	}
}

type subKey struct {
	metric string
	tags   *metrics.TagSet
}

// subName is "metric{k1:v1,k2:v2}" for the configured keys the sample carries ("" if none),
// memoized per (metric, tag set): k6 interns tag sets, so the pointer identifies one.
func (o *Output) subName(metric string, ts *metrics.TagSet) string {
	if ts == nil {
		return ""
	}
	key := subKey{metric, ts}
	if n, ok := o.names[key]; ok {
		return n
	}
	var parts []string
	for _, k := range o.tags {
		if v, ok := ts.Get(k); ok {
			parts = append(parts, k+":"+v)
		}
	}
	n := ""
	if len(parts) > 0 {
		n = metric + "{" + strings.Join(parts, ",") + "}"
	}
	if len(o.names) < 100_000 { // bound the memo for high-cardinality tags
		o.names[key] = n
	}
	return n
}

// Stop flushes everything and closes the file.
func (o *Output) Stop() error {
	if o.flusher != nil {
		o.flusher.Stop()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.rec == nil {
		return nil
	}
	o.drain()
	if o.client != nil {
		err := errors.Join(o.err, o.rec.Close())
		o.rec = nil
		o.sendPending(true)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err = errors.Join(err, o.sender.Close(ctx)); err != nil {
			return fmt.Errorf("capsim output: %w", err)
		}
		return nil
	}
	err := errors.Join(o.err, o.rec.Close(), o.file.Close())
	o.rec = nil
	if err != nil {
		return fmt.Errorf("capsim output: %w", err)
	}
	return nil
}

func (o *Output) startStream() error {
	o.start = o.now()
	rec, err := capout.NewRecorderFunc(capout.NewHeader(o.segment, o.start), func(r capout.Record) error {
		metric, tags := collect.ParseName(r.Metric)
		o.pending[r.T] = append(o.pending[r.T], collect.Series{Metric: metric, Tags: tags, Type: r.Type, IsTime: r.IsTime,
			Count: r.Count, Sum: r.Sum, Min: r.Min, Max: r.Max, Last: r.Last, Clamped: r.Clamped, HDR: r.HDR})
		return nil
	})
	if err != nil {
		return err
	}
	o.rec = rec
	o.sender = collect.NewSender(o.client, 120, o.reply)
	o.flusher, err = output.NewPeriodicFlusher(capout.DefaultInterval, o.flush)
	return err
}

func (o *Output) reply(r collect.Reply) {
	if !r.Stop || o.stopFn == nil {
		return
	}
	o.stopOnce.Do(func() {
		o.stopFn(errext.WithExitCodeIfNone(fmt.Errorf("capsim collect stopped the test: %s", r.Reason), exitcodes.ThresholdsHaveFailed))
	})
}

// sendPending queues one batch per finished interval, oldest first; final adds the runner's
// last batch (the collector then knows it has finished). Callers hold o.mu.
func (o *Output) sendPending(final bool) {
	ts := make([]int64, 0, len(o.pending))
	for t := range o.pending {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	for _, t := range ts {
		o.sender.Send(o.batch(t, o.pending[t]))
		delete(o.pending, t)
		o.lastT = max(o.lastT, t)
	}
	if !final {
		return
	}
	t := o.lastT
	if t == 0 {
		t = o.start.UnixMilli() / 1000 * 1000
	}
	b := o.batch(t, nil)
	b.Final = true
	valid := o.err == nil
	b.Status = &collect.RunnerStatus{Executor: "k6", DurationS: o.now().Sub(o.start).Seconds(), Valid: valid}
	if !valid {
		b.Status.Invalid = []string{o.err.Error()}
	}
	o.sender.Send(b)
}

func (o *Output) batch(t int64, series []collect.Series) *collect.Batch {
	b := &collect.Batch{Version: collect.Version, Runner: o.runner, Segment: o.segment, Second: t / 1000, Part: o.parts[t],
		Scale: capout.DefaultScale, Series: series}
	o.parts[t]++
	return b
}
