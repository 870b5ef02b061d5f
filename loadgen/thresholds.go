package loadgen

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Threshold is a pass/fail criterion in k6's syntax: on Metric, the expression
// "AGG OP VALUE", e.g. "p(95)<500", "avg<200", "rate<0.01", "count<10".
//
// Metrics (k6 names accepted as aliases):
//
//	http_req_duration, iteration_duration, latency,
//	capsim_batch_duration            trend, ms, from the INTENDED send time
//	service_time                     trend, ms, from the actual send
//	send_lag                         trend, ms, actual send − intended
//	http_req_failed, failed          rate: (failed+timed out) / completed
//	dropped_iterations, dropped      count; rate = per second
//	http_reqs, iterations            count (completed); rate = per second
//	capsim_events, capsim_events_acked  count; rate = per second
//
// Trend aggregations: avg, min, max, med, p(N); rate metrics: rate; counters: count, rate.
// AbortOnFail stops the run as soon as the threshold fails (checked every second once
// DelayAbortEval has passed).
type Threshold struct {
	Metric         string
	Expr           string
	AbortOnFail    bool
	DelayAbortEval time.Duration

	agg   string  // avg min max med p count rate
	pct   float64 // for p(N)
	op    string
	value float64
}

// ThresholdResult is a threshold evaluated on a run.
type ThresholdResult struct {
	Metric string  `json:"metric"`
	Expr   string  `json:"expr"`
	Value  float64 `json:"value"`
	Passed bool    `json:"passed"`
}

var metricKinds = map[string]string{
	"http_req_duration": "latency", "iteration_duration": "latency", "latency": "latency",
	"capsim_batch_duration": "latency",
	"service_time":          "service", "send_lag": "sendlag",
	"http_req_failed": "failrate", "failed": "failrate",
	"dropped_iterations": "dropped", "dropped": "dropped",
	"http_reqs": "reqs", "iterations": "reqs",
	"capsim_events": "events", "capsim_events_acked": "acked",
}

// ParseThreshold parses a k6 threshold expression for metric. Errors name the metric and
// expression.
func ParseThreshold(metric, expr string) (Threshold, error) {
	t := Threshold{Metric: metric, Expr: expr}
	kind, ok := metricKinds[metric]
	if !ok {
		return t, fmt.Errorf("loadgen: threshold on unknown metric %q (known: http_req_duration, service_time, send_lag, http_req_failed, dropped_iterations, http_reqs, capsim_events, capsim_events_acked)", metric)
	}
	e := strings.ReplaceAll(expr, " ", "")
	i := strings.IndexAny(e, "<>=!")
	if i <= 0 {
		return t, fmt.Errorf("loadgen: threshold %s %q: expected AGG OP VALUE, e.g. p(95)<500", metric, expr)
	}
	agg, rest := e[:i], e[i:]
	for _, op := range []string{"<=", ">=", "==", "!=", "<", ">", "="} {
		if strings.HasPrefix(rest, op) {
			t.op, rest = op, rest[len(op):]
			break
		}
	}
	if t.op == "=" {
		t.op = "=="
	}
	if t.op == "" {
		return t, fmt.Errorf("loadgen: threshold %s %q: unknown operator", metric, expr)
	}
	v, err := strconv.ParseFloat(rest, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return t, fmt.Errorf("loadgen: threshold %s %q: value %q is not a number", metric, expr, rest)
	}
	t.value = v
	switch {
	case agg == "avg" || agg == "min" || agg == "max" || agg == "med" || agg == "count" || agg == "rate":
		t.agg = agg
	case strings.HasPrefix(agg, "p(") && strings.HasSuffix(agg, ")"):
		p, err := strconv.ParseFloat(agg[2:len(agg)-1], 64)
		if err != nil || p < 0 || p > 100 {
			return t, fmt.Errorf("loadgen: threshold %s %q: bad percentile %q", metric, expr, agg)
		}
		t.agg, t.pct = "p", p
	default:
		return t, fmt.Errorf("loadgen: threshold %s %q: unknown aggregation %q", metric, expr, agg)
	}
	trend := kind == "latency" || kind == "service" || kind == "sendlag"
	switch {
	case trend && (t.agg == "count" || t.agg == "rate"):
		return t, fmt.Errorf("loadgen: threshold %s %q: %s is a trend: use avg, min, max, med or p(N)", metric, expr, metric)
	case kind == "failrate" && t.agg != "rate":
		return t, fmt.Errorf("loadgen: threshold %s %q: %s is a rate: use rate", metric, expr, metric)
	case !trend && kind != "failrate" && t.agg != "count" && t.agg != "rate":
		return t, fmt.Errorf("loadgen: threshold %s %q: %s is a counter: use count or rate", metric, expr, metric)
	}
	return t, nil
}

// ParseThresholds parses a k6 thresholds map (metric → expressions), returning every error.
func ParseThresholds(m map[string][]string) ([]Threshold, error) {
	var out []Threshold
	var errs []error
	for metric, exprs := range m {
		for _, e := range exprs {
			t, err := ParseThreshold(metric, e)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, t)
		}
	}
	return out, errors.Join(errs...)
}

// Eval computes the threshold's metric on s and whether it holds.
func (t Threshold) Eval(s Snapshot) ThresholdResult {
	v := t.metric(s)
	var ok bool
	switch t.op {
	case "<":
		ok = v < t.value
	case "<=":
		ok = v <= t.value
	case ">":
		ok = v > t.value
	case ">=":
		ok = v >= t.value
	case "==":
		ok = v == t.value
	case "!=":
		ok = v != t.value
	}
	return ThresholdResult{Metric: t.Metric, Expr: t.Expr, Value: v, Passed: ok}
}

func (t Threshold) metric(s Snapshot) float64 {
	secs := s.Elapsed.Seconds()
	perSec := func(n uint64) float64 {
		if secs <= 0 {
			return 0
		}
		return float64(n) / secs
	}
	trend := func(h *hdrhistogram.Histogram) float64 {
		if h == nil || h.TotalCount() == 0 {
			return 0
		}
		var us float64
		switch t.agg {
		case "avg":
			us = h.Mean()
		case "min":
			us = float64(h.Min())
		case "max":
			us = float64(h.Max())
		case "med":
			us = float64(h.ValueAtQuantile(50))
		case "p":
			us = float64(h.ValueAtQuantile(t.pct))
		}
		return us / 1000
	}
	counter := func(n uint64) float64 {
		if t.agg == "rate" {
			return perSec(n)
		}
		return float64(n)
	}
	switch metricKinds[t.Metric] {
	case "latency":
		return trend(s.Latency)
	case "service":
		return trend(s.Service)
	case "sendlag":
		return trend(s.SendLag)
	case "failrate":
		c := s.Completed()
		if c == 0 {
			return 0
		}
		return float64(s.Failed+s.TimedOut) / float64(c)
	case "dropped":
		return counter(s.Dropped)
	case "reqs":
		return counter(s.Completed())
	case "events":
		return counter(s.EventsSent)
	case "acked":
		return counter(s.EventsAcked)
	}
	return math.NaN()
}
