package sim

import (
	"cmp"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/capsim/capsim/scenarios"
)

// Run simulates the model at design load, sweeps the load variable, searches the saturation
// point, names the bottleneck, re-simulates "+1 node / +1 replica" of it and evaluates the scaling
// triggers and storage growth; with an availability section it estimates the availability, with
// failures it runs them (Failures).
func (m *Model) Run(opts ...Option) (*Result, error) {
	cfg := m.newConfig(opts)
	ld := m.load

	res := &Result{}
	*res = m.head
	res.Sources = append([]Citation(nil), m.head.Sources...)
	res.Assumptions = append([]Assumption(nil), m.head.Assumptions...)
	res.Settings = Settings{Seed: cfg.seed, Replications: cfg.reps, DurationS: cfg.dur.Seconds(), WarmupS: cfg.warm.Seconds(), Overrides: m.overrides}
	if mo := m.miniature; mo != nil {
		x := *mo
		res.Settings.Miniature = &x
	}
	res.Notes = m.modelNotes(&cfg)

	// design load
	warmup, pilotEvents := autoWarmup(m, &cfg, ld.design)
	res.Warmup = warmup
	// expected number of replications, for progress
	total := cfg.reps
	if cfg.sweep {
		total += ld.points*cfg.reps + cfg.bisections*cfg.reps
		if cfg.advice {
			total += 2 * (cfg.bisections + 2) * cfg.adviceReps
		}
	}
	r := newRunner(&cfg, PhaseRun, total)
	r.events = pilotEvents
	designReps, pr := r.toPrecision(m, ld.design)
	if err := cfg.stopped(); err != nil {
		return nil, err
	}
	for i := range designReps {
		if designReps[i].budget {
			return nil, fmt.Errorf("%w at design load: %s", ErrLimit, designReps[i].aborted)
		}
	}
	res.Precision = pr
	if pr != nil || res.Warmup != nil {
		res.Settings.WarmupS = cfg.warm.Seconds()
		res.Settings.Replications = len(designReps)
		res.Notes[0] = runNote(&cfg, len(designReps), pr, res.Warmup)
	}
	dp := m.point(ld.design, designReps, &cfg)
	res.Flows, res.Stations = dp.Flows, dp.Stations
	res.Nodes = m.nodeResults(dp)
	res.CPUPerEvent = m.cpuPerEvent(designReps)
	res.Triggers = m.triggers(dp)
	res.Storage = m.storageResult()
	var breaches []Violation
	res.SLOMet, breaches = DesignVerdict(dp, res.Storage, ld.design, ld.unit)
	res.Violations, res.Breaches = violationTexts(breaches), breaches
	res.setBottleneck(busiest(dp))

	if cfg.sweep {
		sat, sweep, satPoint := m.search(r, ld)
		res.Saturation, res.Sweep = sat, sweep
		satPrecision(pr, sat, cfg.reps)
		if satPoint != nil {
			res.setBottleneck(busiest(*satPoint))
		}
		if sat.Value > 0 && ld.design > 0 {
			res.HeadroomPercent = (sat.Value/ld.design - 1) * 100
		}
		c := tierCapacity(*sat, res.Storage, ld)
		res.Capacity, res.CapacityLimit, res.CapacityBinds = c.Value, c.String(), &c
		if ld.design > 0 {
			res.CapacityHeadroomPercent = (res.Capacity/ld.design - 1) * 100
		}
		if cfg.advice && res.Bottleneck != "" {
			res.Advice = m.advice(r, ld, sat.Value, res.BottleneckOf)
		}
	}
	r.endPhase()
	if m.avail != nil {
		a, err := m.availability(cfg.seed, cfg.progress)
		if err != nil {
			return nil, fmt.Errorf("availability: %w", err)
		}
		res.Availability = a
	}
	if len(m.failures) > 0 {
		res.Failures = m.runFailures(&cfg)
		res.Settings.FailureDurationS = m.failureDuration(cfg.dur).Seconds()
		res.Notes = append(res.Notes, failureNotes()...)
	}
	if err := cfg.stopped(); err != nil {
		return nil, err
	}
	res.Settings.Events = r.events
	return res, nil
}

// search sweeps the load and bisects, per replication, to the largest load meeting the SLO.
// The sweep spans up to 1.15 × the utilization-law bound (beyond it the trigger fails for sure),
// clipped to [min, max]. Each replication keeps its random streams across loads (common random
// numbers), so its SLO criterion is close to monotone in the load and bisection is well defined;
// the saturation point's interval is the Student-t interval over the replications' points.
func (m *Model) search(r *runner, ld loadCfg) (*Saturation, []Point, *Point) {
	bound := m.utilBound()
	hi := ld.max
	if !math.IsInf(bound, 1) {
		hi = math.Min(ld.max, 1.15*bound)
	}
	hi = math.Max(hi, ld.min*1.01)
	loads := make([]float64, ld.points)
	for i := range loads {
		loads[i] = ld.min + (hi-ld.min)*float64(i+1)/float64(ld.points)
	}
	// the design load is always a point of the sweep (charts mark it)
	if ld.design > ld.min && ld.design < hi {
		loads = append(loads, ld.design)
		sort.Float64s(loads)
	}
	cfg := r.cfg
	ts := make([]task, 0, len(loads)*cfg.reps)
	for _, x := range loads {
		for rep := 0; rep < cfg.reps; rep++ {
			ts = append(ts, task{m: m, load: x, rep: rep})
		}
	}
	r.runAll(ts)
	sweep := make([]Point, len(loads))
	byLoad := make([][]replication, len(loads))
	for i, x := range loads {
		reps := make([]replication, cfg.reps)
		for rep := range reps {
			reps[rep] = *ts[i*cfg.reps+rep].out
		}
		byLoad[i] = reps
		sweep[i] = m.point(x, reps, cfg)
	}
	sat := &Saturation{Variable: ld.variable, Unit: ld.unit, AnalyticBound: bound, Bounded: true}
	if math.IsInf(bound, 1) {
		sat.AnalyticBound = 0
	}
	values := make([]float64, cfg.reps)
	limits := make([][]Violation, cfg.reps)
	// bracket per replication from the sweep, then bisect (replications in parallel)
	type br struct{ lo, hi float64 }
	brs := make([]br, cfg.reps)
	for rep := 0; rep < cfg.reps; rep++ {
		lo, up := ld.min, -1.0
		for i := range loads {
			ok, why := m.criterion(byLoad[i], rep, loads[i])
			if !ok {
				up = loads[i]
				limits[rep] = why
				break
			}
			lo = loads[i]
		}
		brs[rep] = br{lo, up}
	}
	for step := 0; step < cfg.bisections; step++ {
		var bt []task
		var who []int
		for rep := range brs {
			if brs[rep].hi < 0 || (brs[rep].hi-brs[rep].lo) <= 0.005*brs[rep].hi {
				continue
			}
			mid := (brs[rep].lo + brs[rep].hi) / 2
			bt = append(bt, task{m: m, load: mid, rep: rep})
			who = append(who, rep)
		}
		if len(bt) == 0 {
			break
		}
		r.runAll(bt)
		for i, rep := range who {
			one := make([]replication, cfg.reps)
			one[rep] = *bt[i].out
			ok, why := m.criterion(one, rep, bt[i].load)
			if ok {
				brs[rep].lo = bt[i].load
			} else {
				brs[rep].hi = bt[i].load
				limits[rep] = why
			}
		}
	}
	for rep := range brs {
		values[rep] = brs[rep].lo
		if brs[rep].hi < 0 {
			sat.Bounded = false
			limits[rep] = nil
		}
	}
	iv := interval(values)
	sat.Value, sat.CI95 = iv.Mean, iv.CI95
	sat.setLimit(limits)
	// the sweep point nearest below the saturation point names the bottleneck
	var near *Point
	for i := range sweep {
		if sweep[i].Load <= sat.Value*1.0001 || near == nil {
			near = &sweep[i]
		}
	}
	return sat, sweep, near
}

// setLimit sets Limit and Binds from the replications' binding criteria (nil for a
// replication that met the SLO at the top of the search): the most common, by mostCommon.
func (sat *Saturation) setLimit(limits [][]Violation) {
	if len(limits) == 0 {
		return
	}
	sat.Binds = mostCommon(limits)
	sat.Limit = limitText(sat.Binds)
}

// mostCommon is the replications' binding criteria that occur most often, the first of them
// on a tie.
func mostCommon(xs [][]Violation) []Violation {
	// the key is the sentence up to its first " > "
	key := func(vs []Violation) string {
		x := limitText(vs)
		if i := strings.Index(x, " > "); i > 0 {
			return x[:i]
		}
		return x
	}
	count := map[string]int{}
	for _, x := range xs {
		count[key(x)]++
	}
	var best []Violation
	bc := 0
	for _, x := range xs {
		if c := count[key(x)]; c > bc {
			bc, best = c, x
		}
	}
	return best
}

// busiest is the station or pool with the highest utilization at a point (zero when the point
// has none).
func busiest(p Point) StationResult {
	var best StationResult
	bu := -1.0
	for _, st := range p.Stations {
		if st.Utilization.Mean > bu {
			best, bu = st, st.Utilization.Mean
		}
	}
	return best
}

// setBottleneck records st as the bottleneck: its name and its component.
func (r *Result) setBottleneck(st StationResult) {
	r.Bottleneck, r.BottleneckOf = st.Name, st.Component
}

func (m *Model) nodeResults(p Point) []NodeResult {
	var out []NodeResult
	for i, n := range m.nodes {
		nr := NodeResult{Name: n.name, Role: n.role, Cores: n.cores, CPULimit: n.cpuLimit, MemoryBytes: n.memory, MemoryUsedBytes: n.memoryUsed, Components: n.components}
		nr.CPUUtilization = p.Stations[m.nodeCPU[i]].Utilization
		nr.DiskUtilization = p.Stations[m.nodeDisk[i]].Utilization
		out = append(out, nr)
	}
	return out
}

// triggers evaluates the scaling triggers of seed 004 at design load.
func (m *Model) triggers(p Point) []Trigger {
	const src = "seed 004 (Changemaker, \"When to Scale\")"
	var out []Trigger
	for _, f := range p.Flows {
		if f.P95TargetMS > 0 {
			out = append(out, Trigger{Name: "P95 response time over target", Subject: f.Name, Value: f.LatencyMS.P95.Mean, Threshold: f.P95TargetMS, Fired: f.LatencyMS.P95.Mean > f.P95TargetMS, Source: src + ": API response time > 500ms (P95)"})
		}
	}
	cpuT := m.slo.utilization
	if cpuT <= 0 {
		cpuT = 0.7
	}
	memT := m.slo.memory
	for i, n := range m.nodes {
		u := p.Stations[m.nodeCPU[i]].Utilization.Mean
		out = append(out, Trigger{Name: "CPU utilization over trigger", Subject: n.name, Value: u, Threshold: cpuT, Fired: u > cpuT, Source: src + ": CPU usage > 70% sustained"})
		if n.memory > 0 && n.memoryUsed > 0 {
			f := n.memoryUsed / n.memory
			out = append(out, Trigger{Name: "Memory use over trigger", Subject: n.name, Value: f, Threshold: memT, Fired: f > memT, Source: src + ": Memory usage > 80% sustained"})
		}
	}
	for _, st := range p.Stations {
		switch st.Kind {
		case kindPool:
			// a pool is exhausted when arrivals regularly find every connection/worker busy
			out = append(out, Trigger{Name: "Pool exhausted (utilization)", Subject: st.Name, Value: st.Utilization.Mean, Threshold: 0.95, Fired: st.Utilization.Mean > 0.95, Source: src + ": Database connection pool exhausted"})
		case kindQueue:
			qt := m.slo.queueTrigger
			out = append(out, Trigger{Name: "Job queue backing up (mean waiting)", Subject: st.Name, Value: st.MeanQueueLength.Mean, Threshold: qt, Fired: st.MeanQueueLength.Mean > qt, Source: src + ": Job queue backing up (>100 jobs waiting)"})
		}
	}
	return out
}

// storageResult is a copy of the storage growth Compile computed (nil without a storage section).
func (m *Model) storageResult() *StorageResult {
	if m.storage == nil {
		return nil
	}
	out := *m.storage
	out.Nodes = append([]NodeStorage(nil), m.storage.Nodes...)
	return &out
}

// storage computes disk growth at design load (average rate, without the peak factor).
func (c *compiler) storage() *StorageResult {
	s, m := c.s, c.m
	st := s.Storage
	if st.Flow == "" {
		return nil
	}
	var fl *scenarios.Flow
	for i := range s.Flows {
		if s.Flows[i].Name == st.Flow {
			fl = &s.Flows[i]
		}
	}
	if fl == nil {
		return nil
	}
	// rates are written at load m.ref; storage is evaluated at the design load
	eps := s.FlowEventsPerS(fl) * (m.design / m.ref)
	size := float64(cmp.Or(st.EventSize, fl.EventSize))
	ratio := st.IndexRatio
	raw := eps * size * scenarios.SecondsPerMonth
	out := &StorageResult{EventsPerS: eps, RawBytesPerMonth: raw}
	var store *scenarios.Store
	for i := range s.Stores {
		if s.Stores[i].Name == st.Store {
			store = &s.Stores[i]
		}
	}
	if store == nil {
		out.StoredBytesPerMonth = raw * ratio
		return out
	}
	out.StoredBytesPerMonth = raw * ratio * float64(1+store.Replicas)
	copies, err := scenarios.AllocateShards(*store)
	if err != nil {
		return out
	}
	per := map[int]int{}
	for _, cp := range copies {
		for _, n := range cp {
			per[n]++
		}
	}
	perDay := raw * ratio / 30
	out.Watermark = DiskWatermark
	if s.Storage.Retention > 0 {
		out.RetentionDays = s.Storage.Retention.Seconds() / 86400
	}
	for i, name := range store.Nodes {
		ns := NodeStorage{Node: name, BytesPerDay: perDay * float64(per[i]) / float64(len(copies))}
		for _, n := range s.Nodes {
			if n.Name == name {
				ns.DiskBytes = float64(n.Disk)
			}
		}
		if ns.BytesPerDay > 0 && ns.DiskBytes > 0 {
			ns.DaysUntilFull = ns.DiskBytes / ns.BytesPerDay
			if out.RetentionDays > 0 {
				// bytes retained grow linearly with the load
				c := m.design * ns.DiskBytes * DiskWatermark / (ns.BytesPerDay * out.RetentionDays)
				if out.CapacityLoad == 0 || c < out.CapacityLoad {
					out.CapacityLoad, out.CapacityNode = c, name
				}
			}
		}
		out.Nodes = append(out.Nodes, ns)
	}
	return out
}

// DesignVerdict is the one rule for "the tier meets its SLO at design load": every SLO
// criterion holds at the design-load point p, and the disks retain the design load for the
// retention (the storage-limited capacity, when st has one, is at least the design load). It
// returns the violations, the storage one last. Run and NMinus1 both decide with it.
func DesignVerdict(p Point, st *StorageResult, design float64, unit string) (bool, []Violation) {
	ok, why := p.SLOMet, append([]Violation(nil), p.Breaches...)
	if st != nil && st.CapacityLoad > 0 && st.CapacityLoad < design {
		ok = false
		why = append(why, storageViolation(st, design, unit))
	}
	return ok, why
}

// storageViolation is the CriterionStorage violation of st's storage-limited capacity against
// the design load.
func storageViolation(st *StorageResult, design float64, unit string) Violation {
	return Violation{Criterion: CriterionStorage, Subject: st.CapacityNode, Value: st.CapacityLoad, Limit: design, Unit: unit, RetentionDays: st.RetentionDays}
}

// tierCapacity is the tier's capacity: the smaller of the performance saturation point and the
// storage-limited capacity, with what binds.
func tierCapacity(sat Saturation, st *StorageResult, ld loadCfg) Capacity {
	if st != nil && st.CapacityLoad > 0 && st.CapacityLoad < sat.Value {
		return Capacity{Value: st.CapacityLoad, Binds: LimitStorage, Bounded: true, Reason: []Violation{storageViolation(st, ld.design, ld.unit)}}
	}
	c := Capacity{Value: sat.Value, Binds: LimitPerformance, Reason: sat.Binds, Bounded: sat.Bounded}
	if sat.Bounded {
		ci := sat.CI95
		c.CI95 = &ci
	}
	return c
}

// DiskWatermark is the fraction of a data node's disk that may hold data: Elasticsearch's default
// low disk watermark (cluster.routing.allocation.disk.watermark.low = 85 %), above which no new
// shard is allocated to the node.
const DiskWatermark = 0.85

func failureNotes() []string {
	return []string{
		"Failure runs simulate the design load with the scheduled faults; the window is extended to 5 minutes past the last repair. RTO: seconds from the fault until every flow has throughput ≥ 90 % of its pre-fault mean and P95 under its target for 10 consecutive seconds.",
		"Balancers detect a dead instance at the fall-th failed health check (checks every inter, a random phase per balancer; a hung instance fails a check only after the check timeout) and bring it back after rise good checks; a believed-up instance that refuses connections is retried on another (retries, redispatch).",
		"Patroni promotes the first replica when the leader key expires (ttl after its last renewal, uniform within loop_wait) at the replica's next loop; asynchronous replication loses the writes acknowledged within the replication lag before the crash (RPO); synchronous commit loses none.",
		"Redis Sentinel: lookups on a dead cache node fail and fall through to the database until down-after-milliseconds has passed.",
		"Search cluster: the master removes a dead data node after fault detection and promotes replicas (writes to shards whose primary was on it fail until then); after the delayed timeout missing copies are re-created on nodes allowed by total_shards_per_node, each recovery holding one disk server for shard size ÷ recovery rate; losing the master quorum stops writes.",
		"Agents retry failed ingest requests with exponential backoff (start time kept, so latency includes the outage) while the agents' buffer has room; beyond it events are dropped (lost). A retried request whose shards were partly written stores those events twice (duplicates). API requests that fail are counted failed, not retried.",
		"A crash loses the work in progress at the node; stop refuses new work; pause freezes the node's stations (callers wait); slow multiplies service times; partition is modelled as a pause seen from the rest of the cluster.",
	}
}

// ratesNote states at which load the flows' rates are given.
func (m *Model) ratesNote() string {
	if m.ref == m.design {
		return "Every flow's rate is given at design load and scales linearly with the load variable; closed populations scale likewise."
	}
	unit := m.load.unit
	return fmt.Sprintf("Every flow's rate is given at %g %s (the file's design load, load.rates_at) and scales linearly with the load variable, so at the design load of %g %s every flow offers %.4g times that traffic; closed populations scale likewise.", m.ref, unit, m.design, unit, m.design/m.ref)
}

// modelNotes lists the modelling statements every report shows.
func (m *Model) modelNotes(cfg *config) []string {
	n := []string{
		fmt.Sprintf("Discrete-event simulation: %d replications of %s simulated after a %s warm-up (discarded); 95 %% intervals are Student-t over replications; seed %d.", cfg.reps, cfg.dur, cfg.warm, cfg.seed),
		m.ratesNote(),
		"Response time is end to end: from a request's arrival to the end of its last downstream step, including queue hand-offs to consumers.",
		"Saturation point: per replication, the largest load at which every P95 target, the utilization trigger, the drop limit and queue stability hold, found by a sweep and bisection with common random numbers; the interval is over replications.",
		"Bottleneck: the station or pool with the highest utilization at the sweep load nearest below the saturation point.",
	}
	if len(m.nodes) > 0 {
		n = append(n,
			"Node CPU is a processor-sharing station with one server per core, shared by every service instance, shard copy, database and cache on the node; disk is an FCFS station with disk_parallelism servers.",
			"Per-event costs of a batch are the sum of independent exponential per-event costs (Erlang with shape = events), added to the per-request cost.",
			"Sharded store: an index request is split evenly over the shards; each shard writes its primary then its replicas in sequence; a query visits one copy of every shard (round robin over copies) and waits for the slowest.",
			"Balancers: round_robin; least_conn = fewest active requests per unit of weight, ties by smooth weighted round robin (NGINX least_conn); weighted = smooth weighted round robin (NGINX); source_hash over a uniform data-source id.",
			"Queues: a request waits for one of the queue's consumers (block = the producer keeps holding its worker meanwhile); drop = lost when the waiting room is full.",
		)
	}
	for _, nd := range m.nodes {
		if nd.cpuLimit > 0 {
			n = append(n, "A node with cpu_limit is a CFS quota, not a slower CPU: in every cpu_period (aligned from time 0) it may use cpu_limit × cpu_period of CPU time; it runs on its cores at full speed until that is spent, then everything on it stalls until the next period. Its CPU utilization is CPU time / (cpu_limit × time); throttled periods is the fraction of periods with work in which the budget ran out.")
			break
		}
	}
	if m.storageNote {
		n = append(n, "Storage: average event rate (no peak factor) × event size × index ratio × (1 + replicas), a 30-day month; days until full assume no deletion.")
	}
	return n
}
