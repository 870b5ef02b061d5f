package k6ext

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"go.k6.io/k6/metrics"
	"go.k6.io/k6/output"

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
}

var _ output.Output = &Output{}

// NewOutput is the output constructor. The config argument is the file path ("-" = stdout is
// not allowed: k6 prints there). The execution segment is taken from the script options.
func NewOutput(p output.Params) (output.Output, error) {
	path := strings.TrimSpace(p.ConfigArgument)
	if path == "" {
		return nil, errors.New("capsim output: a file name is required: --out capsim=FILE")
	}
	if path == "-" {
		return nil, errors.New("capsim output: write to a file, not stdout")
	}
	o := &Output{path: path, now: time.Now, names: map[subKey]string{}}
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

// Start creates the file, writes the header and starts the 1-s flusher.
func (o *Output) Start() error {
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
	err := errors.Join(o.err, o.rec.Close(), o.file.Close())
	o.rec = nil
	if err != nil {
		return fmt.Errorf("capsim output: %w", err)
	}
	return nil
}
