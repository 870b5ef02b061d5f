package capout

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Version is the format version written in every Header.
const Version = 1

// Defaults of the histogram geometry and the interval.
const (
	// DefaultInterval is the length of one Record's interval.
	DefaultInterval = time.Second
	// DefaultScale multiplies a trend value before it is recorded: ms × 1000 = µs.
	DefaultScale = 1000
	// DefaultHighestTrackable is the largest recordable scaled value: 1 h in µs.
	DefaultHighestTrackable int64 = 3_600_000_000
	// DefaultSignificantDigits is the HDR precision (relative error ≤ 10^-3).
	DefaultSignificantDigits = 3
)

// Metric types, as k6 names them.
const (
	TypeCounter = "counter"
	TypeGauge   = "gauge"
	TypeRate    = "rate"
	TypeTrend   = "trend"
)

// Header is the first line of a file.
type Header struct {
	Kind    string `json:"kind"` // "header"
	Version int    `json:"version"`
	// IntervalMS is the length of every Record's interval in ms.
	IntervalMS int64 `json:"interval_ms"`
	// Segment is k6's --execution-segment of the instance ("0:1/2"); "" means the whole test.
	Segment string `json:"segment,omitempty"`
	// Scale, HighestTrackable and SignificantDigits describe the trend histograms.
	Scale             float64 `json:"scale"`
	HighestTrackable  int64   `json:"highest_trackable"`
	SignificantDigits int     `json:"significant_digits"`
	// StartUnixMS is when the instance started writing (wall clock, ms since the epoch).
	StartUnixMS int64 `json:"start_unix_ms"`
}

// Record is one metric over one interval. See the package doc for the meaning per Type.
type Record struct {
	Kind string `json:"kind"` // "metric"
	// T is the interval start in ms since the Unix epoch (a multiple of the interval).
	T        int64   `json:"t"`
	Metric   string  `json:"metric"`
	Type     string  `json:"type"`
	IsTime   bool    `json:"is_time,omitempty"`
	Count    int64   `json:"count"`
	Sum      float64 `json:"sum"`
	Min      float64 `json:"min,omitempty"`
	Max      float64 `json:"max,omitempty"`
	Last     float64 `json:"last,omitempty"`
	Clamped  int64   `json:"clamped,omitempty"`
	HDR      string  `json:"hdr,omitempty"`
	hist     *hdrhistogram.Histogram
	lastTime time.Time
}

// NewHeader returns a Header with the default geometry.
func NewHeader(segment string, start time.Time) Header {
	return Header{
		Kind: "header", Version: Version, IntervalMS: DefaultInterval.Milliseconds(), Segment: segment,
		Scale: DefaultScale, HighestTrackable: DefaultHighestTrackable,
		SignificantDigits: DefaultSignificantDigits, StartUnixMS: start.UnixMilli(),
	}
}

func (h Header) validate() error {
	var errs []error
	if h.Kind != "header" {
		errs = append(errs, fmt.Errorf("first line kind %q, want \"header\"", h.Kind))
	}
	if h.Version != Version {
		errs = append(errs, fmt.Errorf("version %d, want %d", h.Version, Version))
	}
	if h.IntervalMS <= 0 {
		errs = append(errs, fmt.Errorf("interval_ms %d must be > 0", h.IntervalMS))
	}
	if !(h.Scale > 0) || math.IsInf(h.Scale, 0) {
		errs = append(errs, fmt.Errorf("scale %v must be > 0", h.Scale))
	}
	if h.HighestTrackable < 2 || h.SignificantDigits < 1 || h.SignificantDigits > 5 {
		errs = append(errs, fmt.Errorf("histogram geometry highest=%d digits=%d invalid",
			h.HighestTrackable, h.SignificantDigits))
	}
	return errors.Join(errs...)
}

func (h Header) newHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, h.HighestTrackable, h.SignificantDigits)
}

// Recorder aggregates samples into per-interval Records and writes them as NDJSON.
// It is not safe for concurrent use; the k6 output serializes calls.
type Recorder struct {
	hdr      Header
	interval int64 // ms
	open     map[int64]map[string]*Record
	pool     []*hdrhistogram.Histogram
	w        *bufio.Writer
	enc      *json.Encoder
	emit     func(Record) error // NewRecorderFunc: records go here instead of w
}

// NewRecorder writes the header to w and returns a Recorder that appends Records to it.
func NewRecorder(w io.Writer, hdr Header) (*Recorder, error) {
	if err := hdr.validate(); err != nil {
		return nil, fmt.Errorf("capout: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	r := &Recorder{hdr: hdr, interval: hdr.IntervalMS, open: map[int64]map[string]*Record{}, w: bw,
		enc: json.NewEncoder(bw)}
	if err := r.enc.Encode(hdr); err != nil {
		return nil, fmt.Errorf("capout: write header: %w", err)
	}
	return r, bw.Flush()
}

// NewRecorderFunc returns a Recorder that hands every finished Record to emit (with its HDR
// field set) instead of writing NDJSON: the streaming form of the output.
func NewRecorderFunc(hdr Header, emit func(Record) error) (*Recorder, error) {
	if err := hdr.validate(); err != nil {
		return nil, fmt.Errorf("capout: %w", err)
	}
	return &Recorder{hdr: hdr, interval: hdr.IntervalMS, open: map[int64]map[string]*Record{}, emit: emit}, nil
}

// Add records one sample of metric name (type one of the Type constants) taken at t.
// Unknown types are an error; NaN values are ignored.
func (r *Recorder) Add(name, typ string, isTime bool, t time.Time, v float64) error {
	if math.IsNaN(v) {
		return nil
	}
	ms := t.UnixMilli()
	start := ms - mod(ms, r.interval)
	byName := r.open[start]
	if byName == nil {
		byName = map[string]*Record{}
		r.open[start] = byName
	}
	rec := byName[name]
	if rec == nil {
		rec = &Record{Kind: "metric", T: start, Metric: name, Type: typ, IsTime: isTime}
		switch typ {
		case TypeTrend:
			rec.hist = r.getHist()
		case TypeCounter, TypeGauge, TypeRate:
		default:
			return fmt.Errorf("capout: metric %q has unknown type %q", name, typ)
		}
		byName[name] = rec
	}
	rec.add(r.hdr, t, v)
	return nil
}

func (rec *Record) add(h Header, t time.Time, v float64) {
	first := rec.Count == 0
	rec.Count++
	switch rec.Type {
	case TypeRate:
		if v != 0 {
			rec.Sum++
		}
		return
	case TypeGauge:
		if first || !t.Before(rec.lastTime) {
			rec.Last, rec.lastTime = v, t
		}
	case TypeCounter:
		rec.Sum += v
		return
	case TypeTrend:
		rec.Sum += v
		scaled := math.Round(v * h.Scale)
		switch {
		case scaled < 1:
			scaled = 1 // HDR tracks from 1; values below one unit of resolution land in the first bucket
		case scaled > float64(h.HighestTrackable):
			scaled = float64(h.HighestTrackable)
			rec.Clamped++
		}
		_ = rec.hist.RecordValue(int64(scaled)) // in range by construction
	}
	if first || v < rec.Min {
		rec.Min = v
	}
	if first || v > rec.Max {
		rec.Max = v
	}
}

func (r *Recorder) getHist() *hdrhistogram.Histogram {
	if n := len(r.pool); n > 0 {
		h := r.pool[n-1]
		r.pool = r.pool[:n-1]
		return h
	}
	return r.hdr.newHist()
}

// FlushBefore writes every interval that ends at or before t, oldest first, and forgets them.
func (r *Recorder) FlushBefore(t time.Time) error {
	ms := t.UnixMilli()
	var starts []int64
	for s := range r.open {
		if s+r.interval <= ms {
			starts = append(starts, s)
		}
	}
	return r.flush(starts)
}

// Close writes every open interval; the Recorder must not be used afterwards.
func (r *Recorder) Close() error {
	starts := make([]int64, 0, len(r.open))
	for s := range r.open {
		starts = append(starts, s)
	}
	return r.flush(starts)
}

func (r *Recorder) flush(starts []int64) error {
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	for _, s := range starts {
		byName := r.open[s]
		names := make([]string, 0, len(byName))
		for n := range byName {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			rec := byName[n]
			if rec.hist != nil {
				enc, err := rec.hist.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
				if err != nil {
					return fmt.Errorf("capout: encode %s: %w", n, err)
				}
				rec.HDR = string(enc)
				rec.hist.Reset()
				r.pool = append(r.pool, rec.hist)
				rec.hist = nil
			}
			if r.emit != nil {
				if err := r.emit(*rec); err != nil {
					return err
				}
				continue
			}
			if err := r.enc.Encode(rec); err != nil {
				return fmt.Errorf("capout: write: %w", err)
			}
		}
		delete(r.open, s)
	}
	if r.w == nil {
		return nil
	}
	return r.w.Flush()
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}
