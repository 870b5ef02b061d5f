package collect

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Version is the wire format version of Batch.
const Version = 1

// HTTP paths of the collector.
const (
	PathBatches = "/v1/batches"
	PathStatus  = "/v1/status"
)

// Metric types, as k6 names them.
const (
	TypeCounter = "counter"
	TypeGauge   = "gauge"
	TypeRate    = "rate"
	TypeTrend   = "trend"
)

// DefaultScale multiplies a trend value before it goes into the histogram: ms × 1000 = µs, the
// unit of loadgen's histograms and of the k6 output's.
const DefaultScale = 1000

// MaxBatchBytes bounds one request body.
const MaxBatchBytes = 64 << 20

// Batch is one runner's data for one second.
type Batch struct {
	Version int `json:"version"`
	// Runner identifies the runner process (unique per process, e.g. "k6-pod-3-1a2b3c4d").
	Runner string `json:"runner"`
	// Segment is the runner's k6 execution segment, "from:to" ("" or "0:1" = the whole test).
	Segment string `json:"segment,omitempty"`
	// Second is the Unix second the data belongs to.
	Second int64 `json:"second"`
	// Part is 0 for the first batch of a second, 1, 2, … for later additions to it.
	Part int `json:"part,omitempty"`
	// Final marks the runner's last batch: it has finished (Status says how).
	Final bool `json:"final,omitempty"`
	// Scale: trend histograms hold round(value × Scale) (DefaultScale when 0).
	Scale  float64       `json:"scale,omitempty"`
	Series []Series      `json:"series"`
	Status *RunnerStatus `json:"status,omitempty"`
}

// Series is one metric with one tag set over the batch's second.
type Series struct {
	Metric string            `json:"metric"`
	Tags   map[string]string `json:"tags,omitempty"`
	Type   string            `json:"type"`
	IsTime bool              `json:"is_time,omitempty"`
	// Count samples; Sum their sum (rate: the number of non-zero samples).
	Count int64   `json:"count"`
	Sum   float64 `json:"sum"`
	Min   float64 `json:"min,omitempty"`
	Max   float64 `json:"max,omitempty"`
	Last  float64 `json:"last,omitempty"`
	// Clamped counts trend values above the histogram's range (recorded at its top).
	Clamped int64 `json:"clamped,omitempty"`
	// HDR is the trend's histogram (hdrhistogram-go Encode, V2 compressed, base64).
	HDR string `json:"hdr,omitempty"`
}

// RunnerStatus is what a runner says about itself in its final batch.
type RunnerStatus struct {
	Executor    string            `json:"executor,omitempty"`
	VUs         int               `json:"vus,omitempty"`
	DurationS   float64           `json:"duration_s,omitempty"`
	CPUSeconds  float64           `json:"cpu_s,omitempty"`
	Valid       bool              `json:"valid"`
	Invalid     []string          `json:"invalid,omitempty"`
	Aborted     bool              `json:"aborted,omitempty"`
	AbortReason string            `json:"abort_reason,omitempty"`
	Errors      map[string]uint64 `json:"errors,omitempty"`
}

// Reply is the collector's answer to a Batch.
type Reply struct {
	// Stop asks the runner to stop sending load; Reason says why.
	Stop   bool   `json:"stop,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Duplicate: the batch had been received before and was not counted again.
	Duplicate bool `json:"duplicate,omitempty"`
}

// Validate returns every problem of b.
func (b *Batch) Validate() error {
	var errs []error
	if b.Version != Version {
		errs = append(errs, fmt.Errorf("version %d, want %d", b.Version, Version))
	}
	if b.Runner == "" || len(b.Runner) > 256 {
		errs = append(errs, errors.New("runner id must have 1 … 256 bytes"))
	}
	if b.Part < 0 {
		errs = append(errs, fmt.Errorf("part %d < 0", b.Part))
	}
	if b.Scale < 0 || math.IsNaN(b.Scale) || math.IsInf(b.Scale, 0) {
		errs = append(errs, fmt.Errorf("scale %v", b.Scale))
	}
	for i, s := range b.Series {
		if s.Metric == "" {
			errs = append(errs, fmt.Errorf("series %d: no metric name", i))
		}
		if s.Count < 0 {
			errs = append(errs, fmt.Errorf("series %s: negative count", s.Metric))
		}
		switch s.Type {
		case TypeCounter, TypeGauge, TypeRate:
		case TypeTrend:
			if s.HDR == "" && s.Count > 0 {
				errs = append(errs, fmt.Errorf("trend %s without histogram", s.Metric))
			}
		default:
			errs = append(errs, fmt.Errorf("series %s: unknown type %q", s.Metric, s.Type))
		}
	}
	return errors.Join(errs...)
}

// Name is the series' name in k6's submetric syntax: "metric" or "metric{k1:v1,k2:v2}" with
// the tags sorted by key. It identifies the series when merging.
func (s Series) Name() string {
	if len(s.Tags) == 0 {
		return s.Metric
	}
	keys := make([]string, 0, len(s.Tags))
	for k := range s.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(s.Metric)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(s.Tags[k])
	}
	b.WriteByte('}')
	return b.String()
}

// ParseName splits k6's submetric syntax "metric{k1:v1,k2:v2}" into the metric and its tags
// (nil when there are none).
func ParseName(name string) (string, map[string]string) {
	i := strings.IndexByte(name, '{')
	if i < 0 || !strings.HasSuffix(name, "}") {
		return name, nil
	}
	tags := map[string]string{}
	for _, kv := range strings.Split(name[i+1:len(name)-1], ",") {
		k, v, _ := strings.Cut(kv, ":")
		if k != "" {
			tags[k] = v
		}
	}
	if len(tags) == 0 {
		tags = nil
	}
	return name[:i], tags
}
