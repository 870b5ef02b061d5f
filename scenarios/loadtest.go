package scenarios

import (
	"errors"
	"fmt"

	"github.com/invopop/jsonschema"
)

// LoadTest is the `loadtest:` section of a scenario: what `capsim load` drives and how.
// Field names follow k6 where the concept is the same (executor, rate, timeUnit, stages,
// preAllocatedVUs, maxVUs, vus, gracefulStop, thresholds); they are spelled as k6 spells
// them (camelCase), unlike the rest of the scenario.
//
//	loadtest:
//	  target: http://127.0.0.1:8080
//	  protocol: http-api            # http-api | http-ingest | grpc | grpc-upload | grpc-unary
//	  executor: constant-arrival-rate
//	  rate: 200
//	  timeUnit: 1s
//	  duration: 30s
//	  preAllocatedVUs: 50
//	  maxVUs: 500
//	  thresholds:
//	    http_req_duration: ["p(95)<500"]
//	    http_req_failed: [{threshold: "rate<0.01", abortOnFail: true}]
type LoadTest struct {
	// Target is the base URL (http://host:port) or host:port (gRPC) of the system under test.
	// Loopback only unless the run allows more hosts.
	Target string `yaml:"target,omitempty" json:"target,omitempty"`
	// Flow names the scenario flow this load test drives (default: the first flow). Its rate,
	// population, think time, batch and mix are the defaults of the fields below.
	Flow string `yaml:"flow,omitempty" json:"flow,omitempty"`
	// Executor is a k6 executor name: constant-arrival-rate (default for open flows),
	// ramping-arrival-rate, constant-vus (default for closed flows), ramping-vus, or replay.
	Executor string `yaml:"executor,omitempty" json:"executor,omitempty" jsonschema:"enum=constant-arrival-rate,enum=ramping-arrival-rate,enum=constant-vus,enum=ramping-vus,enum=replay"`
	// Rate is iterations per TimeUnit (arrival-rate executors). Default: the flow's rate.
	Rate float64 `yaml:"rate,omitempty" json:"rate,omitempty"`
	// TimeUnit of Rate, StartRate and stage targets (k6). Default 1s.
	TimeUnit Duration `yaml:"timeUnit,omitempty" json:"timeUnit,omitempty"`
	// Duration of constant executors. Default 30s.
	Duration Duration `yaml:"duration,omitempty" json:"duration,omitempty"`
	// StartRate of ramping-arrival-rate; StartVUs of ramping-vus.
	StartRate float64 `yaml:"startRate,omitempty" json:"startRate,omitempty"`
	StartVUs  int     `yaml:"startVUs,omitempty" json:"startVUs,omitempty"`
	// Stages of the ramping executors (target: rate per TimeUnit, or VUs).
	Stages []LoadStage `yaml:"stages,omitempty" json:"stages,omitempty"`
	// PreAllocatedVUs and MaxVUs size the VU pool of arrival-rate executors.
	PreAllocatedVUs int `yaml:"preAllocatedVUs,omitempty" json:"preAllocatedVUs,omitempty"`
	MaxVUs          int `yaml:"maxVUs,omitempty" json:"maxVUs,omitempty"`
	// VUs of constant-vus. Default: the flow's population.
	VUs int `yaml:"vus,omitempty" json:"vus,omitempty"`
	// GracefulStop lets in-flight iterations finish after the schedule ends. Default 30s.
	GracefulStop Duration `yaml:"gracefulStop,omitempty" json:"gracefulStop,omitempty"`
	// Thresholds map a metric to k6 threshold expressions ("p(95)<500", "rate<0.01").
	Thresholds map[string][]ThresholdSpec `yaml:"thresholds,omitempty" json:"thresholds,omitempty"`
	// Protocol: http-api (default: a weighted API mix), http-ingest (JSON event batches),
	// grpc (bidirectional stream of event batches), grpc-upload (client streaming),
	// grpc-unary.
	Protocol string `yaml:"protocol,omitempty" json:"protocol,omitempty" jsonschema:"enum=http-api,enum=http-ingest,enum=grpc,enum=grpc-upload,enum=grpc-unary"`
	// Mix is the API request mix (http-api). Default: the flow's mix names with list/search/
	// write requests, else list 60 % / search 30 % / write 10 %.
	Mix []LoadMix `yaml:"mix,omitempty" json:"mix,omitempty"`
	// Batch is events per request of agent traffic. Default: the flow's batch, else 10.
	Batch int `yaml:"batch,omitempty" json:"batch,omitempty"`
	// Trace is a JSON Lines trace file (fixtures/traces) for the replay executor, relative to
	// the scenario file.
	Trace string `yaml:"trace,omitempty" json:"trace,omitempty"`
	// TimeScale multiplies trace offsets (0.5 = twice as fast); SourceScale multiplies the
	// number of sources. Default 1.
	TimeScale   float64 `yaml:"timeScale,omitempty" json:"timeScale,omitempty"`
	SourceScale float64 `yaml:"sourceScale,omitempty" json:"sourceScale,omitempty"`
	// Arrivals of arrival-rate executors: uniform (k6, default) or poisson.
	Arrivals string `yaml:"arrivals,omitempty" json:"arrivals,omitempty" jsonschema:"enum=uniform,enum=poisson"`
	// Think is the think time of VU executors. Default: the flow's think time.
	Think Dist `yaml:"think,omitempty" json:"think,omitempty"`
	// Timeout per request. Default 10s.
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// MaxRequests bounds the run. Default 50,000,000.
	MaxRequests uint64 `yaml:"maxRequests,omitempty" json:"maxRequests,omitempty"`
}

// LoadStage is one k6 stage.
type LoadStage struct {
	Duration Duration `yaml:"duration" json:"duration"`
	Target   float64  `yaml:"target" json:"target"`
}

// LoadMix is one request class of an API mix.
type LoadMix struct {
	Name   string  `yaml:"name" json:"name"`
	Weight float64 `yaml:"weight" json:"weight"`
	// Method (default GET, or POST with a body) and Path ("/api/search?q={q}").
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	Path   string `yaml:"path,omitempty" json:"path,omitempty"`
	Body   string `yaml:"body,omitempty" json:"body,omitempty"`
}

// ThresholdSpec is a k6 threshold: a string "p(95)<500", or a mapping
// {threshold: "p(95)<500", abortOnFail: true, delayAbortEval: 10s}.
type ThresholdSpec struct {
	Threshold      string   `yaml:"threshold" json:"threshold"`
	AbortOnFail    bool     `yaml:"abortOnFail,omitempty" json:"abortOnFail,omitempty"`
	DelayAbortEval Duration `yaml:"delayAbortEval,omitempty" json:"delayAbortEval,omitempty"`
}

// UnmarshalYAML accepts the string or the mapping form.
func (t *ThresholdSpec) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err == nil {
		*t = ThresholdSpec{Threshold: s}
		return nil
	}
	type plain ThresholdSpec
	var p plain
	if err := unmarshal(&p); err != nil {
		return err
	}
	if p.Threshold == "" {
		return errors.New("threshold: missing expression, e.g. threshold: \"p(95)<500\"")
	}
	*t = ThresholdSpec(p)
	return nil
}

// JSONSchema describes a ThresholdSpec: a k6 expression or the mapping form.
func (ThresholdSpec) JSONSchema() *jsonschema.Schema {
	expr := &jsonschema.Schema{Type: "string", Description: `a k6 threshold: "p(95)<500", "avg<200", "rate<0.01", "count<10"`}
	props := jsonschema.NewProperties()
	props.Set("threshold", expr)
	props.Set("abortOnFail", &jsonschema.Schema{Type: "boolean"})
	props.Set("delayAbortEval", Duration(0).JSONSchema())
	return &jsonschema.Schema{
		OneOf: []*jsonschema.Schema{
			expr,
			{Type: "object", Properties: props, Required: []string{"threshold"}, AdditionalProperties: jsonschema.FalseSchema},
		},
		Description: `a k6 threshold: "p(95)<500", or {threshold: "p(95)<500", abortOnFail: true, delayAbortEval: 10s}`,
	}
}

// LoadTest enumerations.
var (
	LoadExecutors = []string{"constant-arrival-rate", "ramping-arrival-rate", "constant-vus", "ramping-vus", "replay"}
	LoadProtocols = []string{"http-api", "http-ingest", "grpc", "grpc-upload", "grpc-unary"}
)

// Validate checks the section's enumerations and signs (executor-specific checks are made by
// the loadgen executors), returning every problem at once.
func (l *LoadTest) Validate() error {
	if l == nil {
		return nil
	}
	var errs []error
	in := func(v string, set []string) bool {
		for _, s := range set {
			if v == s {
				return true
			}
		}
		return v == ""
	}
	if !in(l.Executor, LoadExecutors) {
		errs = append(errs, fmt.Errorf("loadtest.executor %q: want one of %v", l.Executor, LoadExecutors))
	}
	if !in(l.Protocol, LoadProtocols) {
		errs = append(errs, fmt.Errorf("loadtest.protocol %q: want one of %v", l.Protocol, LoadProtocols))
	}
	if l.Arrivals != "" && l.Arrivals != "uniform" && l.Arrivals != "poisson" {
		errs = append(errs, fmt.Errorf("loadtest.arrivals %q: want uniform or poisson", l.Arrivals))
	}
	if l.Rate < 0 || l.StartRate < 0 || l.TimeScale < 0 || l.SourceScale < 0 {
		errs = append(errs, errors.New("loadtest: rate, startRate, timeScale and sourceScale must be ≥ 0"))
	}
	if l.VUs < 0 || l.StartVUs < 0 || l.PreAllocatedVUs < 0 || l.MaxVUs < 0 || l.Batch < 0 {
		errs = append(errs, errors.New("loadtest: vus, startVUs, preAllocatedVUs, maxVUs and batch must be ≥ 0"))
	}
	if l.Executor == "replay" && l.Trace == "" {
		errs = append(errs, errors.New("loadtest: executor replay needs a trace file"))
	}
	for i, m := range l.Mix {
		if m.Name == "" || !(m.Weight > 0) {
			errs = append(errs, fmt.Errorf("loadtest.mix[%d]: needs a name and a weight > 0", i))
		}
	}
	for metric, ts := range l.Thresholds {
		for _, t := range ts {
			if t.Threshold == "" {
				errs = append(errs, fmt.Errorf("loadtest.thresholds.%s: empty expression", metric))
			}
		}
	}
	return errors.Join(errs...)
}
