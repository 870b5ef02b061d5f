package loadgen

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/capsim/capsim/scenarios"
)

// FlowLoad is what a scenario flow asks of a load generator, computed by the model's formula
// (scenarios.Scenario.FlowRate): requests (batches) per second at design load, or a closed
// population.
type FlowLoad struct {
	Name string
	// RatePerS is requests per second (open flows; for source flows batches per second).
	RatePerS float64
	// Closed flows: Population VUs thinking Think between requests.
	Population int
	Think      scenarios.Dist
	// Sources, Batch (events per request) and EventSize (bytes) of agent flows; Sources 0 for
	// API flows.
	Sources   int
	Batch     int
	EventSize float64
	// Mix of request classes (name → weight), empty without one.
	Mix []scenarios.MixEntry
	// Poisson is true unless the flow says arrivals: deterministic.
	Poisson bool
	// P95Target is the SLO's P95 for the flow (0 = none).
	P95Target time.Duration
	// MaxDropRatio is the SLO's largest acceptable fraction of requests not served (dropped,
	// failed or timed out): slo.max_drop_ratio, default scenarios.DefaultMaxDropRatio.
	MaxDropRatio float64
}

// AgentFlow reports whether the flow is written in the source form (agents sending batches).
func (f FlowLoad) AgentFlow() bool { return f.Sources > 0 }

// FlowLoadOf computes the load of flow name in sc ("" = the first flow).
func FlowLoadOf(sc *scenarios.Scenario, name string) (FlowLoad, error) {
	if sc == nil || len(sc.Flows) == 0 {
		return FlowLoad{}, errors.New("loadgen: the scenario has no flows")
	}
	var f *scenarios.Flow
	for i := range sc.Flows {
		if name == "" || sc.Flows[i].Name == name {
			f = &sc.Flows[i]
			break
		}
	}
	if f == nil {
		return FlowLoad{}, fmt.Errorf("loadgen: no flow %q in scenario %q", name, sc.Name)
	}
	fl := FlowLoad{Name: f.Name, Batch: 1, Mix: f.Mix, Poisson: f.Arrivals != "deterministic", EventSize: float64(f.EventSize)}
	if t, ok := sc.SLO.P95[f.Name]; ok {
		fl.P95Target = time.Duration(t)
	}
	fl.MaxDropRatio = cmp.Or(sc.SLO.MaxDropRatio, scenarios.DefaultMaxDropRatio)
	// rates are written at load.rates_at and scale to the design load (a --set load.design
	// what-if changes the traffic)
	scale := 1.0
	if sc.Load.RatesAt > 0 && sc.Load.Design > 0 {
		scale = sc.Load.Design / sc.Load.RatesAt
	}
	switch {
	case f.Population > 0:
		fl.Population, fl.Think = int(math.Max(1, math.Round(float64(f.Population)*scale))), f.Think
	default:
		fl.RatePerS = sc.FlowRate(f) * scale
		if f.Rate <= 0 { // the source form: requests are batches of events from sources
			fl.Batch = scenarios.FlowBatch(f)
			fl.Sources = int(math.Max(1, math.Round(sc.FlowSources(f)*scale)))
		}
	}
	if fl.Population == 0 && !(fl.RatePerS > 0) {
		return fl, fmt.Errorf("loadgen: flow %q has no rate, sources or population", f.Name)
	}
	return fl, nil
}

// Plan is a load test ready to run: the executor, the thresholds and how to build the target.
type Plan struct {
	Scenario string
	Flow     FlowLoad
	Executor Executor
	// Describe is a one-line summary ("constant-arrival-rate 80/s for 30s").
	Describe   string
	Thresholds []Threshold
	Target     string
	Protocol   string
	Batch      int
	Mix        []APIRequest
	Timeout    time.Duration
	// MaxRequests bounds the run (0 = DefaultMaxRequests).
	MaxRequests uint64
	// OfferedPerS is the intended rate of open executors (0 for closed ones).
	OfferedPerS float64
	// ScenarioSHA256 is the scenario's scenarios.Scenario.SHA256 (its resolved content).
	ScenarioSHA256 string
}

// Protocols of a Plan.
const (
	ProtoHTTPAPI    = "http-api"
	ProtoHTTPIngest = "http-ingest"
	ProtoGRPC       = "grpc"
	ProtoGRPCUpload = "grpc-upload"
	ProtoGRPCUnary  = "grpc-unary"
)

// NewPlan turns a scenario's loadtest section (lt, usually sc.LoadTest with command-line
// overrides applied; nil means all defaults) into a Plan. Defaults come from the flow: its
// rate (constant-arrival-rate, Poisson arrivals when the flow is Poisson) or population
// (constant-vus with its think time), its batch and mix, the SLO's P95 as a "p(95)<…"
// threshold (when the section sets no thresholds), and http_req_failed DefaultFailedThreshold
// (when it sets none on failed requests). baseDir resolves a relative trace path. Every
// problem is returned.
func NewPlan(sc *scenarios.Scenario, lt *scenarios.LoadTest, baseDir string) (*Plan, error) {
	if lt == nil {
		lt = &scenarios.LoadTest{}
	}
	if err := lt.Validate(); err != nil {
		return nil, err
	}
	fl, err := FlowLoadOf(sc, lt.Flow)
	if err != nil {
		return nil, err
	}
	p := &Plan{Scenario: sc.Name, Flow: fl, Target: lt.Target, Protocol: lt.Protocol, Timeout: time.Duration(lt.Timeout), MaxRequests: lt.MaxRequests,
		ScenarioSHA256: sc.SHA256()}
	var errs []error
	if p.Protocol == "" {
		p.Protocol = ProtoHTTPAPI
		if fl.AgentFlow() {
			p.Protocol = ProtoGRPC
		}
	}
	p.Batch = lt.Batch
	if p.Batch == 0 {
		p.Batch = fl.Batch
		if p.Batch <= 1 && p.Protocol != ProtoHTTPAPI && !fl.AgentFlow() {
			p.Batch = 10
		}
	}
	p.Mix = apiMix(lt.Mix, fl.Mix)
	unit := time.Duration(lt.TimeUnit)
	if unit == 0 {
		unit = time.Second
	}
	dur := time.Duration(lt.Duration)
	if dur == 0 {
		dur = 30 * time.Second
	}
	exec := lt.Executor
	if exec == "" {
		switch {
		case lt.Trace != "":
			exec = ExecReplay
		case len(lt.Stages) > 0 && (fl.Population > 0 || lt.VUs > 0):
			exec = ExecRampingVUs
		case len(lt.Stages) > 0:
			exec = ExecRampingArrivalRate
		case fl.Population > 0 || lt.VUs > 0:
			exec = ExecConstantVUs
		default:
			exec = ExecConstantArrivalRate
		}
	}
	arrivals := lt.Arrivals
	if arrivals == "" && fl.Poisson && fl.Population == 0 {
		arrivals = ArrivalsPoisson
	}
	stages := make([]Stage, len(lt.Stages))
	for i, s := range lt.Stages {
		stages[i] = Stage{Duration: time.Duration(s.Duration), Target: s.Target}
	}
	think := lt.Think
	if think.IsZero() {
		think = fl.Think
	}
	rate := lt.Rate
	if rate == 0 {
		rate = fl.RatePerS * unit.Seconds()
	}
	perSec := rate / unit.Seconds()
	preVUs := lt.PreAllocatedVUs
	if preVUs == 0 {
		preVUs = max(1, min(1000, int(math.Ceil(perSec*0.1)))) // 100 ms of arrivals
	}
	maxVUs := lt.MaxVUs
	if maxVUs == 0 {
		maxVUs = max(preVUs, min(20000, int(math.Ceil(perSec*2)))) // 2 s of arrivals in flight
	}
	grace := time.Duration(lt.GracefulStop)
	switch exec {
	case ExecConstantArrivalRate:
		p.Executor, err = NewConstantArrivalRate(ConstantArrivalRateConfig{Rate: rate, TimeUnit: unit, Duration: dur,
			PreAllocatedVUs: preVUs, MaxVUs: maxVUs, GracefulStop: grace, Arrivals: arrivals, Seed: sc.Sim.Seed})
		p.OfferedPerS = perSec
		p.Describe = fmt.Sprintf("%s %.4g/s (%s arrivals) for %v, %d–%d VUs", exec, perSec, orStr(arrivals, ArrivalsUniform), dur, preVUs, maxVUs)
	case ExecRampingArrivalRate:
		p.Executor, err = NewRampingArrivalRate(RampingArrivalRateConfig{StartRate: lt.StartRate, TimeUnit: unit, Stages: stages,
			PreAllocatedVUs: preVUs, MaxVUs: maxVUs, GracefulStop: grace, Arrivals: arrivals, Seed: sc.Sim.Seed})
		p.Describe = fmt.Sprintf("%s from %.4g over %d stages, %d–%d VUs", exec, lt.StartRate, len(stages), preVUs, maxVUs)
	case ExecConstantVUs:
		vus := lt.VUs
		if vus == 0 {
			vus = fl.Population
		}
		p.Executor, err = NewConstantVUs(ConstantVUsConfig{VUs: vus, Duration: dur, GracefulStop: grace, Think: think, Seed: sc.Sim.Seed})
		p.Describe = fmt.Sprintf("%s %d VUs for %v, think %s", exec, vus, dur, distStr(think))
	case ExecRampingVUs:
		p.Executor, err = NewRampingVUs(RampingVUsConfig{StartVUs: lt.StartVUs, Stages: stages, GracefulStop: grace, Think: think, Seed: sc.Sim.Seed})
		p.Describe = fmt.Sprintf("%s from %d VUs over %d stages, think %s", exec, lt.StartVUs, len(stages), distStr(think))
	case ExecReplay:
		err = errors.New("loadgen: replay: load the trace with ReadTrace and use NewReplayPlan")
		if lt.Trace != "" {
			path := lt.Trace
			if !filepath.IsAbs(path) && baseDir != "" {
				path = filepath.Join(baseDir, path)
			}
			p.Executor, err = replayFromFile(path, lt.TimeScale, lt.SourceScale, preVUs, maxVUs, grace)
			p.Describe = fmt.Sprintf("%s of %s (time ×%.3g, sources ×%.3g)", exec, lt.Trace, orF(lt.TimeScale, 1), orF(lt.SourceScale, 1))
		}
	}
	if err != nil {
		errs = append(errs, err)
	}
	for metric, specs := range lt.Thresholds {
		for _, s := range specs {
			th, err := ParseThreshold(metric, s.Threshold)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			th.AbortOnFail, th.DelayAbortEval = s.AbortOnFail, time.Duration(s.DelayAbortEval)
			p.Thresholds = append(p.Thresholds, th)
		}
	}
	if len(lt.Thresholds) == 0 && fl.P95Target > 0 {
		th, _ := ParseThreshold("http_req_duration", fmt.Sprintf("p(95)<%g", float64(fl.P95Target)/1e6))
		p.Thresholds = append(p.Thresholds, th)
	}
	if !hasFailRate(p.Thresholds) {
		th, _ := ParseThreshold("http_req_failed", DefaultFailedThreshold)
		p.Thresholds = append(p.Thresholds, th)
	}
	slices.SortFunc(p.Thresholds, func(a, b Threshold) int { return strings.Compare(a.Metric+a.Expr, b.Metric+b.Expr) })
	return p, errors.Join(errs...)
}

// DefaultFailedThreshold is the http_req_failed threshold of every plan whose loadtest sets
// none on failed requests (k6's convention: at most 1 % of requests fail).
const DefaultFailedThreshold = "rate<0.01"

// hasFailRate reports whether a threshold is on the rate of failed requests.
func hasFailRate(ts []Threshold) bool {
	for _, t := range ts {
		if metricKinds[t.Metric] == "failrate" {
			return true
		}
	}
	return false
}

func orStr(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func orF(x, d float64) float64 {
	if x == 0 {
		return d
	}
	return x
}

func distStr(d scenarios.Dist) string {
	if d.IsZero() {
		return "none"
	}
	return fmt.Sprintf("%s mean %v", d.Kind, d.Mean)
}

// apiMix builds the API mix: the loadtest's own, else the flow's mix names mapped onto the
// default requests (list, search, write; any other name is GET /api/items?class=NAME), else
// DefaultAPIMix.
func apiMix(lm []scenarios.LoadMix, fm []scenarios.MixEntry) []APIRequest {
	byName := map[string]APIRequest{}
	for _, r := range DefaultAPIMix {
		byName[r.Name] = r
	}
	var out []APIRequest
	switch {
	case len(lm) > 0:
		for _, m := range lm {
			r, ok := byName[m.Name]
			if !ok || m.Path != "" {
				r = APIRequest{Name: m.Name, Method: http.MethodGet, Path: orStr(m.Path, "/api/items?class="+m.Name)}
			}
			r.Weight = m.Weight
			if m.Method != "" {
				r.Method = strings.ToUpper(m.Method)
			}
			if m.Body != "" {
				r.Body, r.ContentType = m.Body, "application/json"
				if m.Method == "" {
					r.Method = http.MethodPost
				}
			}
			out = append(out, r)
		}
	case len(fm) > 0:
		for _, m := range fm {
			r, ok := byName[m.Name]
			if !ok {
				r = APIRequest{Name: m.Name, Method: http.MethodGet, Path: "/api/items?class=" + m.Name}
			}
			r.Weight = m.Weight
			out = append(out, r)
		}
	default:
		out = DefaultAPIMix
	}
	return out
}

// NewTarget builds the plan's target through guard; run prefixes every event id.
func (p *Plan) NewTarget(g *Guard, run string, conns int) (Target, error) {
	if p.Target == "" {
		return nil, errors.New("loadgen: no target: set loadtest.target in the scenario or pass --target")
	}
	seed := uint64(1)
	switch p.Protocol {
	case ProtoHTTPAPI:
		if strings.HasPrefix(p.Target, "http://") {
			return NewRawHTTPAPI(p.Target, p.Mix, g, seed)
		}
		return NewHTTPAPI(p.Target, p.Mix, g, conns, seed)
	case ProtoHTTPIngest:
		u := p.Target
		if !strings.Contains(strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://"), "/") {
			u = strings.TrimRight(u, "/") + "/ingest"
		}
		if strings.HasPrefix(u, "http://") {
			return NewRawHTTPIngest(u, p.Batch, nil, g, run, seed)
		}
		return NewHTTPIngest(u, p.Batch, nil, g, conns, run, seed)
	case ProtoGRPC, ProtoGRPCUpload, ProtoGRPCUnary:
		addr := strings.TrimPrefix(strings.TrimPrefix(p.Target, "grpc://"), "http://")
		mode := map[string]string{ProtoGRPC: GRPCStream, ProtoGRPCUpload: GRPCUpload, ProtoGRPCUnary: GRPCUnary}[p.Protocol]
		return NewGRPCIngest(strings.TrimRight(addr, "/"), mode, p.Batch, nil, g, max(1, min(8, conns/100)), run, seed)
	}
	return nil, fmt.Errorf("loadgen: unknown protocol %q", p.Protocol)
}
