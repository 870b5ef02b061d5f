package k6script

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/loadgen/collect"
	"github.com/capsim/capsim/loadgen/k6ext/capout"
)

// TagsEnv is the environment entry to pass to Run (RunOptions.Env) so that ReadResult can tell
// timeouts from other failures: the capsim output's K6_CAPSIM_TAGS (k6ext.EnvTags, not
// imported: it would link k6 into capsim) with error_code splits http_reqs by k6's error code.
const TagsEnv = "K6_CAPSIM_TAGS=error_code"

// TimedOutMetric is the capsim output's submetric of the requests k6 gave up on as timed out
// (error code 1050), with TagsEnv set.
const TimedOutMetric = "http_reqs{error_code:1050}"

// Files of a Run in RunOptions.Dir.
const (
	OutputFile  = "k6.ndjson"       // --out capsim
	SummaryFile = "k6-summary.json" // --summary-export
)

// ReadOptions say how to read a run's output as a loadgen.Result.
type ReadOptions struct {
	// Agent is true for agent traffic (k6/x/capsim): its requests are capsim_batch_*.
	Agent bool
	// Pool is the script's VU pool (maxVUs), for the message of dropped iterations and their
	// cause (0: k6's vus_max).
	Pool int
	// Thresholds are the plan's (loadgen names): each is evaluated on the result for its value,
	// and k6's own verdict in the summary (under the script's metric name) decides whether it
	// passed, as k6's exit code does.
	Thresholds []loadgen.Threshold
}

// ReadResult reads k6's output of a Run in dir (OutputFile, SummaryFile) as the Go generator's
// Result (ResultOf), the thresholds evaluated on it. Errors: a missing or unreadable file.
func ReadResult(dir string, o ReadOptions) (*loadgen.Result, error) {
	f, err := os.Open(filepath.Join(dir, OutputFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	file, err := capout.Read(OutputFile, f)
	if err != nil {
		return nil, err
	}
	m, err := capout.Merge(file)
	if err != nil {
		return nil, err
	}
	var sum summary
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err == nil {
		err = json.Unmarshal(b, &sum)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SummaryFile, err)
	}
	res, err := ResultOf(m, time.UnixMilli(file.Header.StartUnixMS), sum.runSeconds(), o.Agent, o.Pool)
	if err != nil {
		return nil, err
	}
	s := loadgen.Snapshot{Elapsed: res.Duration, Counts: res.Counts, VUs: res.VUs, Latency: res.Latency,
		Service: res.Service, SendLag: res.SendLag, SchedLag: res.SchedLag}
	for _, th := range o.Thresholds {
		r := th.Eval(s)
		if crossed, ok := sum.Metrics[k6Metric(th.Metric, o.Agent)].Thresholds[th.Expr]; ok {
			r.Passed = !crossed
		}
		res.Thresholds = append(res.Thresholds, r)
	}
	return res, nil
}

// summary is what ReadResult reads of k6's --summary-export: a counter's rate is its count
// over the test's run time, so count / rate is that run time; thresholds map each expression
// to whether it was crossed (true: failed).
type summary struct {
	Metrics map[string]struct {
		Count      float64         `json:"count"`
		Rate       float64         `json:"rate"`
		Thresholds map[string]bool `json:"thresholds"`
	} `json:"metrics"`
}

// runSeconds is k6's test run time (start to the last iteration's end, its drain included, as
// the Go generator's Result.Duration), from the first counter with a rate; 0 when none.
func (s summary) runSeconds() float64 {
	for _, m := range []string{"iterations", "http_reqs", "capsim_events"} {
		if c := s.Metrics[m]; c.Count > 0 && c.Rate > 0 {
			return c.Count / c.Rate
		}
	}
	return 0
}

// ResultOf is k6's totals of one run (m, started at start, runS seconds long) as the Go
// generator's Result:
//
//	OK, Failed, Dropped   collect.CountsOf (http_req_failed, or capsim_batches_failed for agent
//	                      traffic: its count completed, its sum failed; dropped_iterations)
//	TimedOut              TimedOutMetric, taken out of Failed
//	Scheduled             completed + dropped (k6 has no metric of interrupted iterations)
//	Latency, Service      http_req_duration (capsim_batch_duration), µs, from the actual send
//	Duration              k6's run time (runS, from the summary)
//	VUs                   vus_max
//	Valid                 false when k6 dropped iterations, with the reason and its cause by
//	                      the Go generator's rule (loadgen.HeldByTarget on pool, else vus_max):
//	                      the target's concurrency limit, or the generator
//	Generator             "k6"
func ResultOf(m *capout.Merged, start time.Time, runS float64, agent bool, pool int) (*loadgen.Result, error) {
	var b collect.Batch
	for name, s := range m.Metrics {
		if !strings.Contains(name, "{") {
			b.Series = append(b.Series, collect.Series{Metric: name, Type: s.Type, Count: s.Count, Sum: s.Sum})
		}
	}
	c := collect.CountsOf(&b)
	if to := uint64(math.Round(m.Metrics[TimedOutMetric].Sum)); to > 0 {
		c.TimedOut = min(to, c.Failed)
		c.Failed -= c.TimedOut
	}
	latency := "http_req_duration"
	if agent {
		latency = "capsim_batch_duration"
	}
	lat := loadgen.NewHistogram()
	if s := m.Metrics[latency]; s.HDR != "" {
		h, err := hdrhistogram.Decode([]byte(s.HDR))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", latency, err)
		}
		lat = h
	}
	res := &loadgen.Result{Generator: "k6", Start: start, Duration: time.Duration(runS * float64(time.Second)), Counts: c,
		Latency: lat, Service: lat, SendLag: loadgen.NewHistogram(), SchedLag: loadgen.NewHistogram(),
		VUs: int(m.Metrics["vus_max"].Max), Valid: true}
	if c.Dropped > 0 {
		res.Valid = false
		poolS := ""
		if pool > 0 {
			poolS = fmt.Sprintf(" (pool %d)", pool)
		} else {
			pool = res.VUs
		}
		what := fmt.Sprintf("k6 dropped %d of %d iterations (%.2g %%): no free VU among the %d it had%s at their start times",
			c.Dropped, c.Scheduled, 100*float64(c.Dropped)/float64(c.Scheduled), res.VUs, poolS)
		if atTarget, held := loadgen.HeldByTarget(res.Service, res.Duration, pool); held {
			res.LateBy = loadgen.LateTarget
			res.Invalid = append(res.Invalid, fmt.Sprintf("%s, caused by the target's concurrency limit, not the generator: the VUs were waiting for its answers (%.1f on average); "+
				"the target answers fewer requests at once than this rate needs (raise maxVUs only if it can take more concurrent requests)", what, atTarget))
		} else {
			res.LateBy = loadgen.LateGenerator
			res.Invalid = append(res.Invalid, what+", so the generator did not keep the arrival rate")
		}
	}
	return res, nil
}

// k6Metric is the name the script gives a loadgen threshold metric: agent traffic has no
// http_req_*, its batches are capsim_batch_duration and capsim_batches_failed.
func k6Metric(m string, agent bool) string {
	if agent {
		switch m {
		case "http_req_duration":
			return "capsim_batch_duration"
		case "http_req_failed":
			return "capsim_batches_failed"
		}
	}
	return m
}
