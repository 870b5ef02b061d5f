package capout

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// File is one decoded output file.
type File struct {
	Name    string
	Header  Header
	Records []Record
}

// maxLine bounds one NDJSON line (an encoded histogram is a few KB).
const maxLine = 16 << 20

// Read decodes one file. name is used in error messages only. Errors name the line.
func Read(name string, r io.Reader) (*File, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	f := &File{Name: name}
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		if f.Header.Kind == "" {
			if err := json.Unmarshal(b, &f.Header); err != nil {
				return nil, fmt.Errorf("%s:%d: header: %w", name, line, err)
			}
			if err := f.Header.validate(); err != nil {
				return nil, fmt.Errorf("%s:%d: header: %w", name, line, err)
			}
			continue
		}
		var rec Record
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if err := rec.decode(f.Header); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		f.Records = append(f.Records, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if f.Header.Kind == "" {
		return nil, fmt.Errorf("%s: empty file, no header", name)
	}
	return f, nil
}

func (rec *Record) decode(h Header) error {
	if rec.Kind != "metric" {
		return fmt.Errorf("record kind %q, want \"metric\"", rec.Kind)
	}
	if rec.Metric == "" {
		return errors.New("record without metric name")
	}
	if rec.Count < 0 {
		return fmt.Errorf("metric %s: negative count", rec.Metric)
	}
	switch rec.Type {
	case TypeCounter, TypeGauge, TypeRate:
		return nil
	case TypeTrend:
	default:
		return fmt.Errorf("metric %s: unknown type %q", rec.Metric, rec.Type)
	}
	if rec.HDR == "" {
		return fmt.Errorf("trend %s without histogram", rec.Metric)
	}
	hist, err := hdrhistogram.Decode([]byte(rec.HDR))
	if err != nil {
		return fmt.Errorf("trend %s: histogram: %w", rec.Metric, err)
	}
	if hist.HighestTrackableValue() < h.HighestTrackable ||
		hist.SignificantFigures() != int64(h.SignificantDigits) {
		return fmt.Errorf("trend %s: histogram geometry differs from header", rec.Metric)
	}
	if hist.TotalCount() != rec.Count {
		return fmt.Errorf("trend %s: histogram holds %d values, record says %d",
			rec.Metric, hist.TotalCount(), rec.Count)
	}
	rec.hist = hist
	return nil
}

// Stat is one metric over a span (an interval or the whole run), merged over instances.
// Trend values are in the metric's unit (ms for time trends); percentiles come from the HDR
// histogram, so they are within 10^-SignificantDigits of the exact sample percentile.
type Stat struct {
	Type   string  `json:"type"`
	IsTime bool    `json:"is_time,omitempty"`
	Count  int64   `json:"count"`
	Sum    float64 `json:"sum"`
	// Rate: Sum/Count for rate metrics; Sum per second of the span for counters.
	Rate float64 `json:"rate,omitempty"`
	Min  float64 `json:"min,omitempty"`
	Mean float64 `json:"mean,omitempty"`
	Max  float64 `json:"max,omitempty"`
	// Last is, for gauges, the sum over instances of each instance's last value.
	Last        float64            `json:"last,omitempty"`
	Percentiles map[string]float64 `json:"percentiles,omitempty"`
	Clamped     int64              `json:"clamped,omitempty"`
	// HDR is the merged histogram (trends), so merged results can be merged again.
	HDR  string                  `json:"hdr,omitempty"`
	hist *hdrhistogram.Histogram `json:"-"`
}

// Interval is every metric over one interval, merged over instances.
type Interval struct {
	T       int64           `json:"t"`
	Metrics map[string]Stat `json:"metrics"`
}

// Merged is the result of Merge.
type Merged struct {
	Files    []string `json:"files"`
	Segments []string `json:"segments"`
	// Coverage is the fraction of the test the segments cover (1 = all of it); a warning is
	// added when it is not 1 or segments overlap.
	Coverage   float64         `json:"coverage"`
	Warnings   []string        `json:"warnings,omitempty"`
	IntervalMS int64           `json:"interval_ms"`
	StartMS    int64           `json:"start_unix_ms"`
	EndMS      int64           `json:"end_unix_ms"`
	Metrics    map[string]Stat `json:"metrics"`
	Intervals  []Interval      `json:"intervals"`
}

// Percentiles reported by Merge (k6's p(90), p(95) and friends).
var Percentiles = []float64{50, 90, 95, 99, 99.9}

// Merge merges files from one test run into totals and per-interval stats. The files must share
// interval and histogram geometry; a metric must have one type in all of them.
func Merge(files ...*File) (*Merged, error) {
	if len(files) == 0 {
		return nil, errors.New("capout: no files to merge")
	}
	h0 := files[0].Header
	m := &Merged{IntervalMS: h0.IntervalMS, Metrics: map[string]Stat{}}
	type key struct {
		t    int64
		name string
	}
	per := map[key]*Stat{}
	tot := map[string]*Stat{}
	var errs []error
	for _, f := range files {
		m.Files = append(m.Files, f.Name)
		m.Segments = append(m.Segments, f.Header.Segment)
		h := f.Header
		if h.IntervalMS != h0.IntervalMS || h.Scale != h0.Scale || h.HighestTrackable != h0.HighestTrackable ||
			h.SignificantDigits != h0.SignificantDigits {
			errs = append(errs, fmt.Errorf("%s: interval or histogram geometry differs from %s", f.Name, files[0].Name))
			continue
		}
		last := map[string]float64{} // gauge: this instance's last value over the run
		for i := range f.Records {
			rec := &f.Records[i]
			if t := tot[rec.Metric]; t != nil && t.Type != rec.Type {
				errs = append(errs, fmt.Errorf("%s: metric %s is a %s here, a %s elsewhere", f.Name, rec.Metric, rec.Type, t.Type))
				continue
			}
			k := key{rec.T, rec.Metric}
			if per[k] == nil {
				per[k] = newStat(rec, h0)
			}
			if tot[rec.Metric] == nil {
				tot[rec.Metric] = newStat(rec, h0)
			}
			per[k].add(rec)
			tot[rec.Metric].add(rec)
			if rec.Type == TypeGauge {
				per[k].Last += rec.Last // sum over instances (one record per instance)
				last[rec.Metric] = rec.Last
			}
			if m.StartMS == 0 || rec.T < m.StartMS {
				m.StartMS = rec.T
			}
			if e := rec.T + h0.IntervalMS; e > m.EndMS {
				m.EndMS = e
			}
		}
		for name, v := range last {
			tot[name].Last += v
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("capout: merge: %w", err)
	}
	spanS := float64(m.EndMS-m.StartMS) / 1000
	for name, s := range tot {
		m.Metrics[name] = s.finish(h0, spanS)
	}
	byT := map[int64]*Interval{}
	for k, s := range per {
		iv := byT[k.t]
		if iv == nil {
			iv = &Interval{T: k.t, Metrics: map[string]Stat{}}
			byT[k.t] = iv
		}
		st := s.finish(h0, float64(h0.IntervalMS)/1000)
		st.HDR = "" // keep the per-interval series small
		iv.Metrics[k.name] = st
	}
	for _, iv := range byT {
		m.Intervals = append(m.Intervals, *iv)
	}
	sort.Slice(m.Intervals, func(i, j int) bool { return m.Intervals[i].T < m.Intervals[j].T })
	m.Coverage, m.Warnings = coverage(m.Segments)
	return m, nil
}

func newStat(rec *Record, h Header) *Stat {
	s := &Stat{Type: rec.Type, IsTime: rec.IsTime}
	if rec.Type == TypeTrend {
		s.hist = h.newHist()
	}
	return s
}

func (s *Stat) add(rec *Record) {
	first := s.Count == 0
	s.Count += rec.Count
	s.Sum += rec.Sum
	s.Clamped += rec.Clamped
	if rec.Type == TypeTrend || rec.Type == TypeGauge {
		if first || rec.Min < s.Min {
			s.Min = rec.Min
		}
		if first || rec.Max > s.Max {
			s.Max = rec.Max
		}
	}
	if s.hist != nil && rec.hist != nil {
		s.hist.Merge(rec.hist) // same geometry, checked in decode: nothing is dropped
	}
}

func (s *Stat) finish(h Header, spanS float64) Stat {
	out := *s
	out.Rate, out.Mean, out.Percentiles, out.HDR = Derived(s.Type, s.Count, s.Sum, spanS, s.hist, h.Scale, true)
	out.hist = nil
	return out
}

// Derived computes the figures of a merged metric from its totals, the one rule for capsim's
// k6 file merge and the streaming collector (loadgen/collect): for a rate metric Rate =
// sum/count; for a counter Rate = sum per second of spanS; for a trend Mean = sum/count, the
// Percentiles (p50…p99.9, keyed as k6 names them) read from hist in units of value/scale, and,
// when withHDR, the histogram itself (V2 compressed) so results can be merged again. Other
// types derive nothing.
func Derived(typ string, count int64, sum, spanS float64, hist *hdrhistogram.Histogram, scale float64, withHDR bool) (rate, mean float64, pct map[string]float64, hdr string) {
	switch typ {
	case TypeRate:
		if count > 0 {
			rate = sum / float64(count)
		}
	case TypeCounter:
		if spanS > 0 {
			rate = sum / spanS
		}
	case TypeTrend:
		if count > 0 {
			mean = sum / float64(count)
		}
		pct = make(map[string]float64, len(Percentiles))
		for _, p := range Percentiles {
			pct[PercentileName(p)] = float64(hist.ValueAtPercentile(p)) / scale
		}
		if withHDR {
			if enc, err := hist.Encode(hdrhistogram.V2CompressedEncodingCookieBase); err == nil {
				hdr = string(enc)
			}
		}
	}
	return rate, mean, pct, hdr
}

// PercentileName formats p as k6 does in summaries: 95 → "p(95)", 99.9 → "p(99.9)".
func PercentileName(p float64) string {
	return fmt.Sprintf("p(%s)", strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", p), "0"), "."))
}

// coverage parses k6 execution segments ("0:1/2", "1/2:1", "0.5:1"; "" is the whole test) and
// returns the covered fraction and warnings for gaps and overlaps.
func coverage(segs []string) (float64, []string) {
	type seg struct{ from, to *big.Rat }
	var ss []seg
	var warns []string
	for _, s := range segs {
		if s == "" {
			ss = append(ss, seg{new(big.Rat), big.NewRat(1, 1)})
			continue
		}
		a, b, ok := strings.Cut(s, ":")
		from, ok1 := new(big.Rat).SetString(a)
		to, ok2 := new(big.Rat).SetString(b)
		if !ok || !ok1 || !ok2 || from.Cmp(to) >= 0 || from.Sign() < 0 || to.Cmp(big.NewRat(1, 1)) > 0 {
			warns = append(warns, fmt.Sprintf("segment %q not understood", s))
			continue
		}
		ss = append(ss, seg{from, to})
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].from.Cmp(ss[j].from) < 0 })
	total := new(big.Rat)
	end := new(big.Rat)
	for _, s := range ss {
		if s.from.Cmp(end) < 0 {
			warns = append(warns, fmt.Sprintf("segment %s:%s overlaps another: samples counted twice",
				s.from.RatString(), s.to.RatString()))
		}
		total.Add(total, new(big.Rat).Sub(s.to, s.from))
		if s.to.Cmp(end) > 0 {
			end = s.to
		}
	}
	f, _ := total.Float64()
	if total.Cmp(big.NewRat(1, 1)) != 0 {
		warns = append(warns, fmt.Sprintf("segments cover %.4g of the test, not all of it", f))
	}
	if math.IsNaN(f) {
		f = 0
	}
	return f, warns
}

// Coverage parses k6 execution segments ("0:1/2", "1/2:1", "0.5:1"; "" is the whole test) and
// returns the fraction of the test they cover together and warnings for gaps and overlaps.
func Coverage(segs []string) (float64, []string) { return coverage(segs) }
