package collect

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/capsim/capsim/loadgen"
)

// Config is what the collector knows of the test: the thresholds to evaluate, how many runners
// to wait for, and the plan's description for result.json. `capsim collect --config FILE` reads
// it as JSON; ConfigFromPlan builds it from a scenario's plan.
type Config struct {
	Scenario    string          `json:"scenario"`
	Flow        string          `json:"flow,omitempty"`
	Describe    string          `json:"describe,omitempty"`
	Target      string          `json:"target,omitempty"`
	Protocol    string          `json:"protocol,omitempty"`
	OfferedPerS float64         `json:"offered_per_s,omitempty"`
	Batch       int             `json:"batch,omitempty"`
	P95TargetMS float64         `json:"p95_target_ms,omitempty"`
	Thresholds  []ThresholdSpec `json:"thresholds,omitempty"`
	// Runners is the number of runners expected (0: whoever sends); the collection ends when
	// that many have finished (or are lost).
	Runners int `json:"runners,omitempty"`
}

// ThresholdSpec is one k6 threshold: metric, expression ("p(95)<500") and abortOnFail.
type ThresholdSpec struct {
	Metric         string `json:"metric"`
	Expr           string `json:"threshold"`
	AbortOnFail    bool   `json:"abortOnFail,omitempty"`
	DelayAbortEval string `json:"delayAbortEval,omitempty"`
}

// ConfigFromPlan describes plan for the collector.
func ConfigFromPlan(p *loadgen.Plan) Config {
	c := Config{Scenario: p.Scenario, Flow: p.Flow.Name, Describe: p.Describe, Target: p.Target, Protocol: p.Protocol,
		OfferedPerS: p.OfferedPerS, Batch: p.Batch, P95TargetMS: float64(p.Flow.P95Target) / 1e6}
	for _, t := range p.Thresholds {
		s := ThresholdSpec{Metric: t.Metric, Expr: t.Expr, AbortOnFail: t.AbortOnFail}
		if t.DelayAbortEval > 0 {
			s.DelayAbortEval = t.DelayAbortEval.String()
		}
		c.Thresholds = append(c.Thresholds, s)
	}
	return c
}

// ReadConfig decodes a Config, rejecting unknown fields.
func ReadConfig(b []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("collect: config: %w", err)
	}
	_, err := c.ParsedThresholds()
	return c, err
}

// ParsedThresholds parses the thresholds (loadgen's k6-syntax parser), returning every error.
func (c Config) ParsedThresholds() ([]loadgen.Threshold, error) {
	var out []loadgen.Threshold
	var errs []error
	for _, s := range c.Thresholds {
		t, err := loadgen.ParseThreshold(s.Metric, s.Expr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t.AbortOnFail = s.AbortOnFail
		if s.DelayAbortEval != "" {
			d, err := time.ParseDuration(s.DelayAbortEval)
			if err != nil || d < 0 {
				errs = append(errs, fmt.Errorf("collect: threshold %s %s: delayAbortEval %q is not a duration", s.Metric, s.Expr, s.DelayAbortEval))
				continue
			}
			t.DelayAbortEval = d
		}
		out = append(out, t)
	}
	if c.Runners < 0 {
		errs = append(errs, errors.New("collect: runners must be ≥ 0"))
	}
	return out, errors.Join(errs...)
}

// ParseThresholdFlag parses `--threshold METRIC=EXPR[,abortOnFail][,delayAbortEval=DUR]`, e.g.
// "http_req_failed=rate<0.01,abortOnFail,delayAbortEval=5s".
func ParseThresholdFlag(s string) (ThresholdSpec, error) {
	metric, rest, ok := strings.Cut(s, "=")
	metric = strings.TrimSpace(metric)
	if !ok || metric == "" || strings.TrimSpace(rest) == "" {
		return ThresholdSpec{}, fmt.Errorf("collect: threshold %q: want METRIC=EXPR[,abortOnFail][,delayAbortEval=DUR]", s)
	}
	parts := strings.Split(rest, ",")
	spec := ThresholdSpec{Metric: metric, Expr: strings.TrimSpace(parts[0])}
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		switch {
		case p == "abortOnFail":
			spec.AbortOnFail = true
		case strings.HasPrefix(p, "delayAbortEval="):
			spec.DelayAbortEval = strings.TrimPrefix(p, "delayAbortEval=")
		default:
			return ThresholdSpec{}, fmt.Errorf("collect: threshold %q: unknown option %q", s, p)
		}
	}
	_, err := Config{Thresholds: []ThresholdSpec{spec}}.ParsedThresholds()
	return spec, err
}

// Plan is the loadgen.Plan result.json and load.json describe (no executor, no target).
func (c Config) Plan() *loadgen.Plan {
	th, _ := c.ParsedThresholds()
	return &loadgen.Plan{Scenario: c.Scenario, Flow: loadgen.FlowLoad{Name: c.Flow, P95Target: time.Duration(c.P95TargetMS * 1e6)},
		Describe: c.Describe, Target: c.Target, Protocol: c.Protocol, OfferedPerS: c.OfferedPerS, Batch: c.Batch, Thresholds: th}
}
