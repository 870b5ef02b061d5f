package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// Defaults of a run; a scenario's sim section and the options override them.
const (
	DefaultSeed         = 1
	DefaultReplications = 5
	DefaultDuration     = 60 * time.Second
	DefaultWarmup       = 10 * time.Second
	// DefaultMaxReplications caps the replications measured to reach the precision wanted
	// (sim.max_replications, WithMaxReplications).
	DefaultMaxReplications = 200
	// DefaultMinReplications is the first stage of a run to a precision: these replications
	// set how many are measured (fewer give a poor estimate of the spread); they are not in
	// the results (toPrecision).
	DefaultMinReplications = 10
	// DefaultBisections is the number of bisection steps of the saturation search per replication.
	DefaultBisections = 7
	// DefaultMaxEvents is the most kernel events of one replication (Limits.MaxEvents): tens of
	// seconds of CPU at the kernel's 9–23 M events/s.
	DefaultMaxEvents = 300_000_000
	// DefaultMaxInSystem is the most requests present at once in one replication
	// (Limits.MaxInSystem): about 40 MB of job state per replication.
	DefaultMaxInSystem = 250_000
)

// Limits bound one replication, so that no input makes a run hang or exhaust memory.
type Limits struct {
	// MaxEvents is the most kernel events of one replication. A replication whose open flows
	// alone would need more (2 events per request) is not simulated. Default DefaultMaxEvents.
	MaxEvents int64
	// MaxInSystem is the most requests (fork children included) present at once. Beyond it the
	// load overloads the model: the replication stops and names the station or pool holding
	// the most requests. Default DefaultMaxInSystem.
	MaxInSystem int
}

// WithLimits sets the limits of every replication (zero fields keep their defaults).
func WithLimits(l Limits) Option {
	return func(c *config) {
		if l.MaxEvents > 0 {
			c.limits.MaxEvents = l.MaxEvents
		}
		if l.MaxInSystem > 0 {
			c.limits.MaxInSystem = l.MaxInSystem
		}
	}
}

// WithContext stops the run when ctx is done (a wall-time limit or an interrupt set by the
// caller; sim itself reads no clock): replications in progress stop within 65,536 events, the
// rest are not started, and Run / NMinus1 / Failures return an error wrapping ErrAborted
// and the context's cause.
func WithContext(ctx context.Context) Option {
	return func(c *config) {
		if ctx != nil {
			c.ctx = ctx
		}
	}
}

// ErrAborted is wrapped by the error of a run stopped through WithContext.
var ErrAborted = errors.New("sim: run stopped")

// stopped is the error of a run whose context is done, nil otherwise.
func (c *config) stopped() error {
	if c.ctx.Err() == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrAborted, context.Cause(c.ctx))
}

// ErrLimit is wrapped by the error Run returns when a replication at design load reached the
// event limit without being overloaded: the run is too long for the limits (shorten the
// duration), not a property of the system.
var ErrLimit = errors.New("sim: run limit reached")

type config struct {
	seed       uint64
	reps       int
	dur, warm  time.Duration
	parallel   int
	progress   func(Progress)
	sweep      bool
	advice     bool
	analytic   bool
	bisections int
	seedSet    bool
	repsSet    bool
	durSet     bool
	adviceReps int
	limits     Limits
	ctx        context.Context
	// precision is the relative half-width wanted at design load (0: the fixed count reps);
	// maxReps caps the replications added for it. fixed: sim.replications set the count.
	precision float64
	maxReps   int
	fixed     bool
	// autoWarm: the warm-up is detected by MSER-5 on pilot replications (mser.go), not warm;
	// pilot: this configuration runs the pilot.
	autoWarm bool
	pilot    bool
	// noRetry: agent ingest flows do not retry failed batches in failure runs
	noRetry bool
}

// Option changes how Run runs.
type Option func(*config)

// WithSeed sets the seed of every random stream.
func WithSeed(s uint64) Option { return func(c *config) { c.seed, c.seedSet = s, true } }

// WithReplications sets the independent replications per load (≥ 1; 95 % intervals need ≥ 2).
func WithReplications(n int) Option { return func(c *config) { c.reps, c.repsSet = n, true } }

// WithDuration sets the measured simulated time and the warm-up discarded before it (a fixed
// warm-up, even 0).
func WithDuration(d, warmup time.Duration) Option {
	return func(c *config) { c.dur, c.warm, c.durSet, c.autoWarm = d, warmup, true, false }
}

// WithMeasuredTime sets the measured simulated time per replication and leaves the warm-up as
// it is (fixed, or detected).
func WithMeasuredTime(d time.Duration) Option { return func(c *config) { c.dur = d } }

// WithWarmup sets a fixed warm-up discarded per replication (> 0), or asks for the automatic
// one (0: MSER-5, see mser.go).
func WithWarmup(w time.Duration) Option {
	return func(c *config) {
		if w > 0 {
			c.warm, c.autoWarm = w, false
		} else {
			c.warm, c.autoWarm = DefaultWarmup, true
		}
	}
}

// WithPrecision sets the relative half-width wanted of the 95 % interval of every flow's mean
// and P95 response time at design load and of the saturation point (0.05 = ±5 %): a first stage
// of replications sets how many are measured for it, at most the cap (WithMaxReplications). 0
// runs the fixed count.
// A fixed count (WithReplications, sim.replications) wins over it.
func WithPrecision(p float64) Option { return func(c *config) { c.precision = max(p, 0) } }

// WithMaxReplications caps the replications measured to reach the precision (≥ 2).
func WithMaxReplications(n int) Option { return func(c *config) { c.maxReps = n } }

// WithParallelism sets how many replications run at once (default GOMAXPROCS). Results do not
// depend on it.
func WithParallelism(n int) Option { return func(c *config) { c.parallel = n } }

// WithProgress calls fn as each phase of an analysis (Run, NMinus1, Failures) advances: once
// when the phase starts, after every replication (every simulated second or so of a failure
// run), and when the phase ends (see Progress and Phase for the units and the guarantees).
// Calls are serialized; fn must return quickly.
func WithProgress(fn func(Progress)) Option { return func(c *config) { c.progress = fn } }

// WithAgentRetries sets whether agent ingest flows retry their failed batches in failure runs
// (default true: ha.agents' buffer and exponential backoff). With false a failed batch fails
// like an API request: the agents of a load generator that does not retry (capsim validate
// --failures drives the cluster with such a generator, and runs the model this way).
func WithAgentRetries(on bool) Option { return func(c *config) { c.noRetry = !on } }

// WithSweep turns the load sweep and saturation search on (default) or off.
func WithSweep(on bool) Option { return func(c *config) { c.sweep = on } }

// WithAdvice turns the "+1 node / +1 replica of the bottleneck" re-simulation on (default) or off.
func WithAdvice(on bool) Option { return func(c *config) { c.advice = on } }

// WithAnalytic adds closed-form and operational-analysis means beside the simulated ones.
func WithAnalytic(on bool) Option { return func(c *config) { c.analytic = on } }

// newConfig is the run's configuration: the defaults, the scenario's sim section, the options.
func (m *Model) newConfig(opts []Option) config {
	s := &m.sim
	c := config{seed: DefaultSeed, reps: DefaultReplications, dur: DefaultDuration, warm: DefaultWarmup,
		parallel: runtime.GOMAXPROCS(0), sweep: true, advice: true, bisections: DefaultBisections, adviceReps: 3,
		limits: Limits{MaxEvents: DefaultMaxEvents, MaxInSystem: DefaultMaxInSystem}, ctx: context.Background()}
	if s.seed != 0 {
		c.seed = s.seed
	}
	c.precision, c.maxReps, c.autoWarm = defaultPrecision, DefaultMaxReplications, defaultAutoWarm
	if s.reps > 0 {
		c.reps, c.fixed = s.reps, true
	}
	if s.precision > 0 {
		c.precision = s.precision
	}
	if s.maxReps > 0 {
		c.maxReps = s.maxReps
	}
	if s.dur > 0 {
		c.dur = s.dur
	}
	if s.warm > 0 {
		c.warm, c.autoWarm = s.warm, false
	}
	for _, o := range opts {
		o(&c)
	}
	if c.reps < 1 {
		c.reps = 1
	}
	if c.parallel < 1 {
		c.parallel = 1
	}
	if c.maxReps < 2 {
		c.maxReps = 2
	}
	if c.adviceReps > c.reps {
		c.adviceReps = c.reps
	}
	return c
}

// task is one replication of one model at one load.
type task struct {
	m    *Model
	load float64
	rep  int
	out  *replication
}

// runner executes replications on a fixed number of goroutines; results go to fixed slots, so
// the output does not depend on scheduling. It counts the kernel events it ran and reports
// every replication to its phase's meter.
type runner struct {
	cfg    *config
	mu     sync.Mutex
	events int64
	meter  *meter
}

// newRunner starts a phase of total replications (an estimate; see Progress).
func newRunner(cfg *config, phase Phase, total int) *runner {
	return &runner{cfg: cfg, meter: newMeter(cfg.progress, phase, UnitReplications, total)}
}

// endPhase closes the runner's phase (Done == Total) unless the run was stopped.
func (r *runner) endPhase() {
	if r.cfg.ctx.Err() == nil {
		r.meter.end()
	}
}

func (r *runner) runAll(ts []task) {
	var wg sync.WaitGroup
	var crash *Panic
	var crashOnce sync.Once
	ch := make(chan int)
	for w := 0; w < r.cfg.parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				// a bug in the model must reach the caller, not kill the process from a worker
				if v := recover(); v != nil {
					crashOnce.Do(func() { crash = &Panic{Value: v, Stack: debug.Stack()} })
					for range ch {
					}
				}
			}()
			for i := range ch {
				t := &ts[i]
				res := simulate(t.m, r.cfg, t.load, t.rep)
				t.out = &res
				r.tick(res.events)
			}
		}()
	}
	for i := range ts {
		ch <- i
	}
	close(ch)
	wg.Wait()
	if crash != nil {
		panic(crash)
	}
}

// Panic is what a replication that panicked re-panics with in the caller's goroutine: the
// value and the stack of the goroutine that panicked.
type Panic struct {
	Value any
	Stack []byte
}

func (p *Panic) Error() string { return fmt.Sprintf("sim: panic in a replication: %v", p.Value) }

func (r *runner) tick(ev int64) {
	r.mu.Lock()
	r.events += ev
	r.mu.Unlock()
	r.meter.add(1)
}

// simulate runs one replication. Above design load the warm-up and the measured window shrink in
// proportion to design/load, so every load sees about as many requests as the design load does
// (the precision of a P95 estimate depends on the number of requests observed; the cost of a
// replication on the number of events). Floors: MinDurationFraction of the configured times, and
// MinDuration / MinWarmup.
func simulate(m *Model, cfg *config, load float64, rep int) replication {
	if cfg.pilot {
		rep += pilotStream
	}
	k := newKernel(m, cfg.seed, rep)
	k.maxEvents, k.maxJobs, k.done = cfg.limits.MaxEvents, cfg.limits.MaxInSystem, cfg.ctx.Done()
	if cfg.ctx.Err() != nil {
		r := k.emptyStats(load / m.ref)
		r.aborted, r.canceled = "stopped", true
		return r
	}
	warm := scaledDuration(cfg.warm, load, m.design, MinWarmup)
	dur := scaledDuration(cfg.dur, load, m.design, MinDuration)
	if cfg.pilot {
		// a pilot replication of the automatic warm-up (mser.go): allowance + duration, its
		// own random streams, the series observed from time 0
		dur += scaledDuration(AutoWarmupAllowance, load, m.design, MinWarmup)
		warm = 0
	}
	// the open flows' arrivals alone would exceed the event limit: do not simulate
	arrivals := 0.0
	for _, fl := range m.flows {
		if !fl.closed {
			arrivals += fl.rate * (load / m.ref) * (warm + dur).Seconds()
		}
	}
	if 2*arrivals > float64(k.maxEvents) {
		k.warm, k.end = int64(warm), int64(warm+dur)
		r := k.emptyStats(load / m.ref)
		name, u := m.mostOffered(load)
		if u >= 1 {
			r.aborted = fmt.Sprintf("%s is overloaded: offered utilization %s ≥ 1 at this load (its queue grows without bound); not simulated: %s requests per replication exceed the limit of %d kernel events", name, fmtRatio(u), fmtCount(arrivals), k.maxEvents)
		} else {
			r.budget = true
			r.aborted = fmt.Sprintf("not simulated: %s requests per replication exceed the limit of %d kernel events (shorten the duration)", fmtCount(arrivals), k.maxEvents)
		}
		return r
	}
	if cfg.pilot {
		k.ms = newMSER(k, int64(dur))
	}
	r := k.run(load/m.ref, int64(warm), int64(dur))
	if k.ms != nil && r.aborted == "" {
		k.observe() // the last interval
		r.series = k.ms
	}
	k.recycle()
	return r
}

// fmtRatio prints a utilization: two decimals, or three significant digits when huge.
func fmtRatio(u float64) string {
	if u < 1e4 {
		return fmt.Sprintf("%.2f", u)
	}
	return fmt.Sprintf("%.3g", u)
}

// fmtCount prints a count that may have overflowed.
func fmtCount(x float64) string {
	if math.IsInf(x, 1) || x > math.MaxFloat64/2 {
		return "more than 1e308"
	}
	return fmt.Sprintf("%.3g", x)
}

// mostOffered is the unbounded station with the highest offered utilization at load (see
// steadyUtilization).
func (m *Model) mostOffered(load float64) (string, float64) {
	name, best := "", 0.0
	for s, u := range m.steadyUtilization(load) {
		if u > best || name == "" {
			name, best = m.stations[s].name, u
		}
	}
	return name, best
}

// Floors of the shrinking windows above design load.
const (
	MinDurationFraction = 1.0 / 20
	MinDuration         = 5 * time.Second
	MinWarmup           = 2 * time.Second
)

func scaledDuration(d time.Duration, load, design float64, floor time.Duration) time.Duration {
	if load <= design || design <= 0 {
		return d
	}
	f := math.Max(design/load, MinDurationFraction)
	out := time.Duration(float64(d) * f)
	if out < floor {
		out = min(floor, d)
	}
	return out
}

// At runs the model's replications at one load (in the scenario's load unit) and returns the
// point. The error is always nil today (Compile has caught what can go wrong).
func (m *Model) At(load float64, opts ...Option) (Point, error) {
	cfg := m.newConfig(opts)
	autoWarmup(m, &cfg, load)
	r := newRunner(&cfg, PhaseRun, cfg.reps)
	reps, _ := r.toPrecision(m, load)
	r.endPhase()
	return m.point(load, reps, &cfg), nil
}

func (r *runner) replicate(m *Model, load float64) []replication {
	ts := make([]task, r.cfg.reps)
	for i := range ts {
		ts[i] = task{m: m, load: load, rep: i}
	}
	r.runAll(ts)
	out := make([]replication, len(ts))
	for i := range ts {
		out[i] = *ts[i].out
	}
	return out
}

// tQuantile is the 0.975 quantile of Student's t with n−1 degrees of freedom.
func tQuantile(n int) float64 {
	if n < 2 {
		return 0
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
}

// interval is the mean of xs with its 95 % confidence interval.
func interval(xs []float64) Interval {
	n := len(xs)
	if n == 0 {
		return Interval{}
	}
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(n)
	if n < 2 {
		return Interval{Mean: mean, CI95: [2]float64{mean, mean}}
	}
	v := 0.0
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	v /= float64(n - 1)
	h := tQuantile(n) * math.Sqrt(v/float64(n))
	return Interval{Mean: mean, CI95: [2]float64{mean - h, mean + h}}
}

func collectI(reps []replication, f func(*replication) float64) Interval {
	xs := make([]float64, len(reps))
	for i := range reps {
		xs[i] = f(&reps[i])
	}
	return interval(xs)
}

// flowRates is each flow's request rate at the load: the offered rate of an open flow, the
// replications' mean throughput of a closed one (0 without replications).
func (m *Model) flowRates(load float64, reps []replication) []float64 {
	x := make([]float64, len(m.flows))
	scale := load / m.ref
	for f, fl := range m.flows {
		if !fl.closed {
			x[f] = fl.rate * scale
			continue
		}
		for i := range reps {
			x[f] += reps[i].flows[f].throughput
		}
		if len(reps) > 0 {
			x[f] /= float64(len(reps))
		}
	}
	return x
}

// utilizationLaw gives each station's utilization at the load from the offered rates (open flows)
// and, for closed flows, the simulated throughput.
func (m *Model) utilizationLaw(dm demands, load float64, reps []replication) []float64 {
	u := make([]float64, len(m.stations))
	for f, x := range m.flowRates(load, reps) {
		for s := range u {
			u[s] += x * dm.d[f][s]
		}
	}
	for s := range u {
		u[s] /= m.stations[s].capacity()
	}
	return u
}

// point aggregates replications at one load into a Point.
func (m *Model) point(load float64, reps []replication, cfg *config) Point {
	p := Point{Load: load, Stable: true}
	dm := m.dm
	ul := m.utilizationLaw(dm, load, reps)
	for i := range reps {
		if !reps[i].stable {
			p.Stable = false
		}
	}
	for f, fl := range m.flows {
		fr := FlowResult{
			Name:           fl.name,
			OfferedPerS:    fl.rate * (load / m.ref),
			ThroughputPerS: collectI(reps, func(r *replication) float64 { return r.flows[f].throughput }),
			DropRatio:      collectI(reps, func(r *replication) float64 { return r.flows[f].dropRatio }),
			P95TargetMS:    fl.p95Target,
		}
		if fl.closed {
			fr.OfferedPerS = 0
		}
		fr.EventsPerS = fr.ThroughputPerS.Mean * fl.events
		fr.LatencyMS = Latency{
			Mean: collectI(reps, func(r *replication) float64 { return r.flows[f].mean }),
			P50:  collectI(reps, func(r *replication) float64 { return r.flows[f].p50 }),
			P95:  collectI(reps, func(r *replication) float64 { return r.flows[f].p95 }),
			P99:  collectI(reps, func(r *replication) float64 { return r.flows[f].p99 }),
		}
		fr.SLOMet = fl.p95Target == 0 || fr.LatencyMS.P95.Mean <= fl.p95Target
		p.Flows = append(p.Flows, fr)
	}
	for st, spec := range m.stations {
		sr := StationResult{
			Name: spec.name, Kind: spec.kind, Component: spec.comp, Servers: spec.servers,
			Utilization:         collectI(reps, func(r *replication) float64 { return r.stations[st].util }),
			MeanQueueLength:     collectI(reps, func(r *replication) float64 { return r.stations[st].lq }),
			MeanInSystem:        collectI(reps, func(r *replication) float64 { return r.stations[st].l }),
			ThroughputPerS:      collectI(reps, func(r *replication) float64 { return r.stations[st].x }),
			MeanResponseMS:      collectI(reps, func(r *replication) float64 { return r.stations[st].w }),
			AnalyticUtilization: ul[st],
		}
		if spec.node >= 0 {
			sr.Node = m.nodeNames[spec.node]
		}
		sr.CPULimit = spec.limit
		if spec.period > 0 {
			th := collectI(reps, func(r *replication) float64 { return r.stations[st].throttled })
			sr.ThrottledPeriods = &th
		}
		for i := range reps {
			sr.Drops += reps[i].stations[st].drops / float64(len(reps))
		}
		p.Stations = append(p.Stations, sr)
	}
	for pi, ps := range m.pools {
		sr := StationResult{
			Name: ps.name, Kind: ps.kind, Component: ps.comp, Servers: ps.size,
			Utilization:     collectI(reps, func(r *replication) float64 { return r.pools[pi].util }),
			MeanQueueLength: collectI(reps, func(r *replication) float64 { return r.pools[pi].wait }),
			MeanInSystem:    collectI(reps, func(r *replication) float64 { return r.pools[pi].l }),
			ThroughputPerS:  collectI(reps, func(r *replication) float64 { return r.pools[pi].x }),
			MeanResponseMS:  collectI(reps, func(r *replication) float64 { return r.pools[pi].w }),
		}
		for i := range reps {
			sr.Drops += reps[i].pools[pi].drops / float64(len(reps))
		}
		p.Stations = append(p.Stations, sr)
	}
	if cfg != nil && cfg.analytic {
		m.addAnalytic(&p, dm, load)
	}
	ok, why := m.criterion(reps, -1, load)
	p.SLOMet, p.Violations, p.Breaches = ok, violationTexts(why), why
	return p
}

// lossless is, per flow, whether no visit of the flow can be lost at a finite-capacity station
// (capacity K): only such flows offer a station exactly their rate × demand.
func (m *Model) lossless() []bool {
	out := make([]bool, len(m.flows))
	for f := range m.flows {
		out[f] = true
		for st, spec := range m.stations {
			if spec.cap > 0 && m.dm.visits[f][st] > 0 {
				out[f] = false
			}
		}
	}
	return out
}

// steadyUtilization is the utilization law restricted to what decides stability by operational
// analysis: per station, the offered utilization λ·D/c of the open flows that lose nothing on the
// way, and 0 at finite-capacity stations. A station with a finite capacity K (M/M/c/K) has a
// steady state at any offered load: arrivals beyond K are dropped, so its queue cannot grow
// without bound. Flows through such a station arrive thinned downstream of it, so their offered
// rate is not what a later station sees; their stability is left to the simulation (queues not
// growing).
func (m *Model) steadyUtilization(load float64) []float64 {
	u := make([]float64, len(m.stations))
	ok := m.lossless()
	scale := load / m.ref
	for f, fl := range m.flows {
		if fl.closed || !ok[f] {
			continue
		}
		for s := range u {
			u[s] += fl.rate * scale * m.dm.d[f][s]
		}
	}
	for s := range u {
		if m.stations[s].cap > 0 {
			u[s] = 0
			continue
		}
		u[s] /= m.stations[s].capacity()
	}
	return u
}

// criterion evaluates the SLO on replication rep (or on the means over all when rep < 0).
func (m *Model) criterion(reps []replication, rep int, load float64) (bool, []Violation) {
	var why []Violation
	// operational law: an open network has no steady state when an unbounded station's offered
	// utilization λ·D/c reaches 1, however short the run that would show the queue growing
	ul := m.steadyUtilization(load)
	for st, u := range ul {
		if u >= 1 {
			why = append(why, Violation{Criterion: CriterionOffered, Subject: m.stations[st].name, Value: u, Limit: 1})
			break
		}
	}
	sel := reps
	if rep >= 0 {
		sel = reps[rep : rep+1]
	}
	// a replication stopped by a limit measured too little to judge anything else
	for i := range sel {
		if sel[i].aborted != "" {
			return false, append(why, Violation{Criterion: CriterionAborted, Detail: sel[i].aborted})
		}
	}
	avg := func(f func(*replication) float64) float64 {
		t := 0.0
		for i := range sel {
			t += f(&sel[i])
		}
		return t / float64(len(sel))
	}
	for f, fl := range m.flows {
		if fl.p95Target > 0 {
			p95 := avg(func(r *replication) float64 { return r.flows[f].p95 })
			if p95 > fl.p95Target || math.IsNaN(p95) {
				why = append(why, Violation{Criterion: CriterionP95, Subject: fl.name, Value: p95, Limit: fl.p95Target})
			}
			if avg(func(r *replication) float64 { return r.flows[f].throughput }) == 0 {
				why = append(why, Violation{Criterion: CriterionNoRequests, Subject: fl.name})
			}
		}
		maxDrop := m.slo.maxDrop
		if dr := avg(func(r *replication) float64 { return r.flows[f].dropRatio }); dr > maxDrop {
			why = append(why, Violation{Criterion: CriterionDropRatio, Subject: fl.name, Value: dr, Limit: maxDrop})
		}
	}
	if u := m.slo.utilization; u > 0 {
		worst, ws := 0.0, -1
		for st := range m.stations {
			x := avg(func(r *replication) float64 { return r.stations[st].util })
			if x > worst {
				worst, ws = x, st
			}
		}
		if ws >= 0 && worst > u {
			why = append(why, Violation{Criterion: CriterionUtilization, Subject: m.stations[ws].name, Value: worst, Limit: u})
		}
	}
	for i := range sel {
		if !sel[i].stable {
			why = append(why, Violation{Criterion: CriterionQueues})
			break
		}
	}
	return len(why) == 0, why
}

// utilBound is the utilization-law load at which the busiest station reaches the trigger (1.0
// without one). +Inf when no open flow loads any station. Finite-capacity stations, and flows
// that pass one, bound nothing (see steadyUtilization): a bounded station carries less than it
// is offered, so its offered utilization is no upper bound of the load.
func (m *Model) utilBound() float64 {
	ul := m.steadyUtilization(m.design)
	u := m.slo.utilization
	if u <= 0 || u > 1 {
		u = 1
	}
	best := math.Inf(1)
	for st := range ul {
		if ul[st] > 0 {
			best = math.Min(best, m.design*u/ul[st])
		}
	}
	return best
}
