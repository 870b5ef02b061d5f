package sim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/capsim/capsim/scenarios"
)

// Run simulates the scenario at design load, sweeps the load variable, searches the saturation
// point, names the bottleneck, re-simulates "+1 node / +1 replica" of it and evaluates the scaling
// triggers and storage growth. The scenario must be validated (scenarios.Load does it).
func Run(s *scenarios.Scenario, opts ...Option) (*Result, error) {
	m, err := Compile(s)
	if err != nil {
		return nil, err
	}
	cfg := newConfig(s, opts)
	ld := loadSettings(s)

	res := &Result{
		Scenario: s.Name, Title: s.Title, Description: s.Description,
		Settings:     Settings{Seed: cfg.seed, Replications: cfg.reps, DurationS: cfg.dur.Seconds(), WarmupS: cfg.warm.Seconds(), Overrides: s.Overrides},
		LoadVariable: ld.variable, LoadUnit: ld.unit, DesignLoad: ld.design, ClaimedCapacity: s.Claimed,
		HeadroomTarget: s.SLO.Headroom * 100, UtilizationTrigger: s.SLO.Utilization,
	}
	if mo := s.MiniatureOf; mo != nil {
		res.Settings.Miniature = &Miniature{Scale: mo.Scale, PinnedCPUs: mo.PinnedCPUs}
	}
	for _, c := range s.Sources {
		res.Sources = append(res.Sources, Citation{File: c.File, Section: c.Section, Says: c.Says})
	}
	for _, a := range s.Assumptions {
		res.Assumptions = append(res.Assumptions, Assumption{What: a.What, Value: a.Value, Source: a.Source, File: a.File})
	}
	res.Notes = modelNotes(s, m, &cfg)

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
	dp := m.point(s, ld.design, designReps, &cfg)
	res.Flows, res.Stations = dp.Flows, dp.Stations
	res.Nodes = nodeResults(s, m, dp)
	res.CPUPerEvent = m.cpuPerEvent(s, designReps)
	res.Triggers = triggers(s, m, dp)
	res.Storage = storage(s, m)
	var breaches []Violation
	res.SLOMet, breaches = DesignVerdict(dp, res.Storage, ld.design, ld.unit)
	res.Violations, res.Breaches = violationTexts(breaches), breaches
	res.setBottleneck(busiest(dp))

	if cfg.sweep {
		sat, sweep, satPoint := search(s, m, r, ld)
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
			res.Advice = advice(s, m, r, ld, sat.Value, res.BottleneckOf)
		}
	}
	r.endPhase()
	if s.Availability != nil {
		a, err := availabilityOf(s, cfg.seed, cfg.progress)
		if err != nil {
			return nil, fmt.Errorf("availability: %w", err)
		}
		res.Availability = a
	}
	if len(s.Failures) > 0 {
		res.Failures = runFailures(s, m, &cfg)
		res.Settings.FailureDurationS = failureDuration(s, cfg.dur).Seconds()
		res.Notes = append(res.Notes, failureNotes()...)
	}
	if err := cfg.stopped(); err != nil {
		return nil, err
	}
	res.Settings.Events = r.events
	return res, nil
}

type loadCfg struct {
	variable, unit   string
	design, min, max float64
	points           int
}

func loadSettings(s *scenarios.Scenario) loadCfg {
	ld := s.Load // defaults applied (scenarios.ApplyDefaults)
	l := loadCfg{variable: ld.Variable, unit: ld.Unit, design: ld.Design, min: ld.Min, max: ld.Max, points: ld.Points}
	if l.points < 2 {
		l.points = 2
	}
	return l
}

// search sweeps the load and bisects, per replication, to the largest load meeting the SLO.
// The sweep spans up to 1.15 × the utilization-law bound (beyond it the trigger fails for sure),
// clipped to [min, max]. Each replication keeps its random streams across loads (common random
// numbers), so its SLO criterion is close to monotone in the load and bisection is well defined;
// the saturation point's interval is the Student-t interval over the replications' points.
func search(s *scenarios.Scenario, m *Model, r *runner, ld loadCfg) (*Saturation, []Point, *Point) {
	bound := m.utilBound(s)
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
		sweep[i] = m.point(s, x, reps, cfg)
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
			ok, why := m.criterion(s, byLoad[i], rep, loads[i])
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
			ok, why := m.criterion(s, one, rep, bt[i].load)
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

// clone deep-copies a scenario (for what-if variants).
func clone(s *scenarios.Scenario) *scenarios.Scenario {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // programmer error: Scenario is plain data
	}
	var out scenarios.Scenario
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return &out
}

// advice re-simulates the model with one more node like the bottleneck's node and with one more
// instance of the service that loads the bottleneck most (or a bigger pool / more consumers).
func advice(s *scenarios.Scenario, m *Model, r *runner, ld loadCfg, base float64, bottleneck Component) []Advice {
	var variants []struct {
		change string
		s      *scenarios.Scenario
	}
	add := func(change string, v *scenarios.Scenario) {
		variants = append(variants, struct {
			change string
			s      *scenarios.Scenario
		}{change, v})
	}
	node := ""
	if bottleneck.Kind == ComponentCPU || bottleneck.Kind == ComponentDisk {
		node = bottleneck.Node
	}
	switch {
	case node != "":
		if v, ok := addNodeLike(s, node); ok {
			add(fmt.Sprintf("+1 node like %s", node), v)
		}
		if svc := topService(s, m, node); svc != "" {
			if v, ok, on := addReplica(s, m, svc); ok {
				add(fmt.Sprintf("+1 replica of %s (on %s)", svc, on), v)
			}
		}
	default:
		v := clone(s)
		for i := range v.Stations {
			if bottleneck.Kind == ComponentStation && v.Stations[i].Name == bottleneck.Name {
				v.Stations[i].Servers++
				add(fmt.Sprintf("+1 server at %s", bottleneck.Name), v)
			}
		}
		for i := range v.Queues {
			if bottleneck.Kind == ComponentQueue && v.Queues[i].Name == bottleneck.Name {
				v.Queues[i].Concurrency *= 2
				add(fmt.Sprintf("2× consumers of queue %s (%d)", v.Queues[i].Name, v.Queues[i].Concurrency), v)
			}
		}
		for i := range v.Services {
			if bottleneck.Kind == ComponentWorkers && v.Services[i].Name == bottleneck.Name && v.Services[i].Concurrency > 0 {
				v.Services[i].Concurrency *= 2
				add(fmt.Sprintf("2× workers per instance of %s (%d)", v.Services[i].Name, v.Services[i].Concurrency), v)
				if w, ok, on := addReplica(s, m, v.Services[i].Name); ok {
					add(fmt.Sprintf("+1 replica of %s (on %s)", v.Services[i].Name, on), w)
				}
			}
		}
		for i := range v.Databases {
			if bottleneck.Kind == ComponentConnections && v.Databases[i].Name == bottleneck.Name {
				v.Databases[i].Pool *= 2
				add(fmt.Sprintf("2× connection pool of %s (%d)", v.Databases[i].Name, v.Databases[i].Pool), v)
			}
		}
	}
	var out []Advice
	for _, v := range variants {
		vm, err := Compile(v.s)
		if err != nil {
			continue
		}
		sub := &runner{cfg: &config{}, meter: r.meter} // the run's phase counts the advice too
		*sub.cfg = *r.cfg
		sub.cfg.reps = r.cfg.adviceReps
		sub.cfg.advice = false
		sub.cfg.bisections = 5
		ld2 := ld
		ld2.points = 2
		sat, _, near := search(v.s, vm, sub, ld2)
		r.mu.Lock()
		r.events += sub.events
		r.mu.Unlock()
		a := Advice{Change: v.change, Saturation: sat.Value}
		if base > 0 {
			a.GainPercent = (sat.Value/base - 1) * 100
		}
		if near != nil {
			a.Bottleneck = busiest(*near).Name
		}
		out = append(out, a)
	}
	return out
}

// addNodeLike clones node name as a new node and places on it one more instance of everything
// placed on the original (services, store data node, cache, database read replica).
func addNodeLike(s *scenarios.Scenario, name string) (*scenarios.Scenario, bool) {
	v := clone(s)
	var orig *scenarios.Node
	for i := range v.Nodes {
		if v.Nodes[i].Name == name {
			orig = &v.Nodes[i]
		}
	}
	if orig == nil {
		return nil, false
	}
	nn := *orig
	nn.Name = name + "-copy"
	v.Nodes = append(v.Nodes, nn)
	for i := range v.Services {
		sv := &v.Services[i]
		if sv.SingleInstance {
			continue
		}
		for j, p := range sv.Placement {
			if p == name {
				sv.Placement = append(sv.Placement, nn.Name)
				if len(sv.Balancer.Weights) > 0 {
					sv.Balancer.Weights = append(sv.Balancer.Weights, sv.Balancer.Weights[j])
				}
				break
			}
		}
	}
	for i := range v.Stores {
		for _, n := range v.Stores[i].Nodes {
			if n == name {
				v.Stores[i].Nodes = append(v.Stores[i].Nodes, nn.Name)
				break
			}
		}
	}
	for i := range v.Caches {
		for _, n := range v.Caches[i].Nodes {
			if n == name {
				v.Caches[i].Nodes = append(v.Caches[i].Nodes, nn.Name)
				break
			}
		}
	}
	for i := range v.Databases {
		db := &v.Databases[i]
		if db.Primary == name || contains(db.Replicas, name) {
			db.Replicas = append(db.Replicas, nn.Name)
			if db.ReadRouting == "" || db.ReadRouting == "primary" {
				db.ReadRouting = "all"
			}
		}
	}
	return v, true
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// topService is the (non single-instance) service whose handlers put the most demand on node's
// CPU and disk at design load.
func topService(s *scenarios.Scenario, m *Model, node string) string {
	byS := m.serviceDemand()
	best, bd := "", 0.0
	for si := range s.Services {
		if s.Services[si].SingleInstance {
			continue
		}
		d := 0.0
		for ni, n := range m.nodeNames {
			if n == node {
				d += byS[si][m.nodeCPU[ni]] + byS[si][m.nodeDisk[ni]]
			}
		}
		if d > bd {
			best, bd = s.Services[si].Name, d
		}
	}
	return best
}

// addReplica places one more instance of svc on the node with the lowest utilization-law CPU
// utilization at design load among the nodes that do not run it; it returns that node.
func addReplica(s *scenarios.Scenario, m *Model, svc string) (*scenarios.Scenario, bool, string) {
	v := clone(s)
	ul := m.utilizationLaw(m.dm, m.design, nil)
	nodes := make([]int, len(m.nodeNames))
	for i := range nodes {
		nodes[i] = i
	}
	sort.SliceStable(nodes, func(a, b int) bool { return ul[m.nodeCPU[nodes[a]]] < ul[m.nodeCPU[nodes[b]]] })
	for i := range v.Services {
		sv := &v.Services[i]
		if sv.Name != svc || sv.SingleInstance || len(nodes) == 0 {
			continue
		}
		// the least-utilized node that does not run the service yet (another instance on a node
		// that runs one only splits that node's cores further)
		has := map[string]bool{}
		for _, p := range sv.Placement {
			has[p] = true
		}
		target := ""
		for _, ni := range nodes {
			if !has[m.nodeNames[ni]] {
				target = m.nodeNames[ni]
				break
			}
		}
		if target == "" {
			return nil, false, ""
		}
		sv.Placement = append(sv.Placement, target)
		if len(sv.Balancer.Weights) > 0 {
			sv.Balancer.Weights = append(sv.Balancer.Weights, 1)
		}
		return v, true, target
	}
	return nil, false, ""
}

func nodeResults(s *scenarios.Scenario, m *Model, p Point) []NodeResult {
	var out []NodeResult
	used := s.MemoryByNode()
	for i, n := range s.Nodes {
		nr := NodeResult{Name: n.Name, Role: n.Role, Cores: n.Cores, CPULimit: n.CPULimit, MemoryBytes: float64(n.Memory), MemoryUsedBytes: used[n.Name], Components: n.Components}
		nr.CPUUtilization = p.Stations[m.nodeCPU[i]].Utilization
		nr.DiskUtilization = p.Stations[m.nodeDisk[i]].Utilization
		out = append(out, nr)
	}
	return out
}

// triggers evaluates the scaling triggers of seed 004 at design load.
func triggers(s *scenarios.Scenario, m *Model, p Point) []Trigger {
	const src = "seed 004 (Changemaker, \"When to Scale\")"
	var out []Trigger
	for _, f := range p.Flows {
		if f.P95TargetMS > 0 {
			out = append(out, Trigger{Name: "P95 response time over target", Subject: f.Name, Value: f.LatencyMS.P95.Mean, Threshold: f.P95TargetMS, Fired: f.LatencyMS.P95.Mean > f.P95TargetMS, Source: src + ": API response time > 500ms (P95)"})
		}
	}
	cpuT := s.SLO.Utilization
	if cpuT <= 0 {
		cpuT = 0.7
	}
	memT := s.SLO.Memory
	used := s.MemoryByNode()
	for i, n := range s.Nodes {
		u := p.Stations[m.nodeCPU[i]].Utilization.Mean
		out = append(out, Trigger{Name: "CPU utilization over trigger", Subject: n.Name, Value: u, Threshold: cpuT, Fired: u > cpuT, Source: src + ": CPU usage > 70% sustained"})
		if n.Memory > 0 && used[n.Name] > 0 {
			f := used[n.Name] / float64(n.Memory)
			out = append(out, Trigger{Name: "Memory use over trigger", Subject: n.Name, Value: f, Threshold: memT, Fired: f > memT, Source: src + ": Memory usage > 80% sustained"})
		}
	}
	for _, st := range p.Stations {
		switch st.Kind {
		case kindPool:
			// a pool is exhausted when arrivals regularly find every connection/worker busy
			out = append(out, Trigger{Name: "Pool exhausted (utilization)", Subject: st.Name, Value: st.Utilization.Mean, Threshold: 0.95, Fired: st.Utilization.Mean > 0.95, Source: src + ": Database connection pool exhausted"})
		case kindQueue:
			qt := s.SLO.QueueTrigger
			out = append(out, Trigger{Name: "Job queue backing up (mean waiting)", Subject: st.Name, Value: st.MeanQueueLength.Mean, Threshold: qt, Fired: st.MeanQueueLength.Mean > qt, Source: src + ": Job queue backing up (>100 jobs waiting)"})
		}
	}
	return out
}

// storage computes disk growth at design load (average rate, without the peak factor).
func storage(s *scenarios.Scenario, m *Model) *StorageResult {
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
func ratesNote(s *scenarios.Scenario, m *Model) string {
	if m.ref == m.design {
		return "Every flow's rate is given at design load and scales linearly with the load variable; closed populations scale likewise."
	}
	unit := s.Load.Unit
	return fmt.Sprintf("Every flow's rate is given at %g %s (the file's design load, load.rates_at) and scales linearly with the load variable, so at the design load of %g %s every flow offers %.4g times that traffic; closed populations scale likewise.", m.ref, unit, m.design, unit, m.design/m.ref)
}

// modelNotes lists the modelling statements every report shows.
func modelNotes(s *scenarios.Scenario, m *Model, cfg *config) []string {
	n := []string{
		fmt.Sprintf("Discrete-event simulation: %d replications of %s simulated after a %s warm-up (discarded); 95 %% intervals are Student-t over replications; seed %d.", cfg.reps, cfg.dur, cfg.warm, cfg.seed),
		ratesNote(s, m),
		"Response time is end to end: from a request's arrival to the end of its last downstream step, including queue hand-offs to consumers.",
		"Saturation point: per replication, the largest load at which every P95 target, the utilization trigger, the drop limit and queue stability hold, found by a sweep and bisection with common random numbers; the interval is over replications.",
		"Bottleneck: the station or pool with the highest utilization at the sweep load nearest below the saturation point.",
	}
	if len(s.Nodes) > 0 {
		n = append(n,
			"Node CPU is a processor-sharing station with one server per core, shared by every service instance, shard copy, database and cache on the node; disk is an FCFS station with disk_parallelism servers.",
			"Per-event costs of a batch are the sum of independent exponential per-event costs (Erlang with shape = events), added to the per-request cost.",
			"Sharded store: an index request is split evenly over the shards; each shard writes its primary then its replicas in sequence; a query visits one copy of every shard (round robin over copies) and waits for the slowest.",
			"Balancers: round_robin; least_conn = fewest active requests per unit of weight, ties by smooth weighted round robin (NGINX least_conn); weighted = smooth weighted round robin (NGINX); source_hash over a uniform data-source id.",
			"Queues: a request waits for one of the queue's consumers (block = the producer keeps holding its worker meanwhile); drop = lost when the waiting room is full.",
		)
	}
	for _, nd := range s.Nodes {
		if nd.CPULimit > 0 {
			n = append(n, "A node with cpu_limit is a CFS quota, not a slower CPU: in every cpu_period (aligned from time 0) it may use cpu_limit × cpu_period of CPU time; it runs on its cores at full speed until that is spent, then everything on it stalls until the next period. Its CPU utilization is CPU time / (cpu_limit × time); throttled periods is the fraction of periods with work in which the budget ran out.")
			break
		}
	}
	if len(s.Storage.Flow) > 0 {
		n = append(n, "Storage: average event rate (no peak factor) × event size × index ratio × (1 + replicas), a 30-day month; days until full assume no deletion.")
	}
	return n
}
