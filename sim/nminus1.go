package sim

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/capsim/capsim/scenarios"
)

// DefaultNMinus1Replications caps the replications per load of the N-1 analysis unless
// WithReplications sets them (the scenario's sim.replications, default 5, is used when smaller).
const DefaultNMinus1Replications = 3

// ErrNoNodes is returned by NMinus1 for a scenario without nodes (a plain queueing network).
var ErrNoNodes = errors.New("sim: N-1 analysis needs a deployment with nodes")

// NMinus1 takes each node of the deployment down in turn and reports, per node, whether the tier
// still carries its design load and its saturation point without that node. It returns one row
// per node in file order.
//
// The variant without node X is the scenario with X removed everywhere:
//   - services lose their instances on X (with their balancer weights). A service left with no
//     instance makes the tier not survive — unless ha.orchestrator is set (Kubernetes, seed 002):
//     then every instance X ran restarts on the surviving node of the orchestrated pool (nodes
//     that run service instances) with the most free cores at design load (cores × (1 − CPU utilization by the utilization law), each moved instance taking an
//     equal share of X's busy cores) among the nodes with memory for it; a service that had
//     every instance on X is down until then, node_down_timeout + start_delay after the loss
//     (the crash run's timing), which Why states, with whether that is longer than the RTO
//     target (RTOTarget) — the row's Survives is about the capacity after the restart, not the
//     recovery time, which a failure run measures. Queue consumers scale
//     with the instances of their service (concurrency × instances left / instances before);
//   - sharded stores lose X as a data node and are re-allocated with scenarios.AllocateShards;
//     if the copies no longer fit (total_shards_per_node, distinct nodes) replicas are dropped
//     until they do (cluster yellow); a shard whose only copy was on X, or shards that do not
//     fit even without replicas, make the store red; fewer nodes than the master quorum
//     (ha.search.minimum_master_nodes, default a majority of the store's nodes) stops writes;
//     red and no quorum make the tier not survive;
//   - a database whose primary was X promotes its first replica (Patroni, when ha.patroni is
//     given: scenarios.HA.FailoverManaged); with no replica or no failover manager the
//     tier does not survive; a lost replica is dropped from read routing;
//   - a cache loses X; a cache with no node left misses every lookup (its on_miss calls run).
//
// The quorum, the promoted replica, the orchestrator's pool and the memory room of a moved
// instance are the HA policy of scenarios/hapolicy.go, and the target of a moved instance is
// orchPlacer (sim/hapolicy.go); the crash runs (faults.go) read the same rules, the availability
// structure function (package availability) those of scenarios/hapolicy.go.
// TestHAViewsAgree checks the three views agree.
//
// Survives is true when nothing above breaks and every SLO criterion holds at design load.
// Saturation is found per replication as in Run, with common random numbers, but shorter: the
// design load brackets it from below (or above), then probes at 0.97 and 1.01 × the variant's
// utilization-law bound and bisection until the bracket is within 1 % (at most 7 probes). The
// variants' replications run together on the runner's workers (WithParallelism).
// Replications: min(the scenario's, DefaultNMinus1Replications) unless WithReplications sets
// them; advice is never computed.
//
// Errors: ErrNoNodes; nothing else — a variant that cannot be built is a row with Why.
func (m *Model) NMinus1(opts ...Option) ([]NMinus1Row, error) {
	if len(m.nodes) == 0 {
		return nil, ErrNoNodes
	}
	cfg := m.newConfig(opts)
	if !cfg.repsSet {
		cfg.reps = min(cfg.reps, DefaultNMinus1Replications)
	}
	cfg.advice = false
	ld := m.load

	rows := make([]NMinus1Row, len(m.nodes))
	var vs []*nm1Variant
	for i, n := range m.nodes {
		rows[i] = NMinus1Row{Node: n.name, Role: n.role}
		v, notes, fatal := m.withoutNode(i)
		if len(fatal) > 0 {
			rows[i].Why = strings.Join(append(fatal, notes...), "; ")
			continue
		}
		vm, err := Compile(v.s)
		if err != nil {
			rows[i].Why = strings.Join(append([]string{fmt.Sprintf("cannot build the variant: %v", err)}, notes...), "; ")
			continue
		}
		vs = append(vs, &nm1Variant{row: i, m: vm, notes: notes, bound: vm.utilBound()})
	}
	autoWarmup(m, &cfg, ld.design)
	// at most one replication at design load and nm1MaxProbes probes per variant and
	// replication; a search that closes its bracket sooner takes its unused probes off
	r := newRunner(&cfg, PhaseNMinus1, len(vs)*cfg.reps*(1+nm1MaxProbes))
	nm1Search(vs, r, ld)
	if err := cfg.stopped(); err != nil {
		return nil, err
	}
	r.endPhase()
	for _, v := range vs {
		row := &rows[v.row]
		st := v.m.storageResult()
		ok, violations := DesignVerdict(v.design, st, ld.design, ld.unit)
		row.Survives = ok
		row.Saturation = v.sat.Value
		if st != nil {
			row.StorageCapacity = st.CapacityLoad
		}
		capa := tierCapacity(v.sat, st, ld).Value
		if ld.design > 0 {
			row.FractionOfDesign = capa / ld.design
		}
		why := v.notes
		if !ok {
			why = append([]string{"SLO not met at design load: " + JoinViolations(violations, ", ")}, why...)
		}
		if v.sat.Limit != "" {
			lim := "saturation limited by " + v.sat.Limit
			if !v.sat.Bounded {
				lim = "saturation is a lower bound: " + v.sat.Limit
			}
			why = append(why, lim)
		}
		row.Why = strings.Join(why, "; ")
	}
	return rows, nil
}

// nm1Variant is one "node down" model under search.
type nm1Variant struct {
	row    int
	m      *Model
	notes  []string
	bound  float64
	design Point
	reps   []nm1Rep
	sat    Saturation
}

// nm1Rep is one replication's bracket [lo, hi] of the saturation point: lo met the SLO, hi did
// not (hiSeen) or is the search maximum (not simulated).
type nm1Rep struct {
	lo, hi  float64
	hiSeen  bool
	probes  int
	guided  int // guided probes made (0.97 and 1.01 × bound)
	limit   []Violation
	pending float64
	closed  bool // the search has ended (its unused probes are off the progress total)
}

// Search precision: stop when hi − lo ≤ nm1Width × hi, or after nm1MaxProbes probes.
const (
	nm1Width     = 0.01
	nm1MaxProbes = 7
)

func nm1Search(vs []*nm1Variant, r *runner, ld loadCfg) {
	reps := r.cfg.reps
	// design load, every variant and replication in one batch
	ts := make([]task, 0, len(vs)*reps)
	for _, v := range vs {
		for rep := 0; rep < reps; rep++ {
			ts = append(ts, task{m: v.m, load: v.m.design, rep: rep})
		}
	}
	r.runAll(ts)
	for k, v := range vs {
		out := make([]replication, reps)
		for rep := range out {
			out[rep] = *ts[k*reps+rep].out
		}
		v.design = v.m.point(v.m.design, out, r.cfg)
		hiCap := ld.max
		if !math.IsInf(v.bound, 1) {
			hiCap = math.Min(ld.max, 1.15*v.bound)
		}
		v.reps = make([]nm1Rep, reps)
		for rep := range v.reps {
			b := &v.reps[rep]
			ok, why := v.m.criterion(out, rep, v.m.design)
			if ok {
				b.lo, b.hi = v.m.design, math.Max(hiCap, v.m.design)
			} else {
				b.lo, b.hi, b.hiSeen, b.limit = math.Min(ld.min, v.m.design), v.m.design, true, why
			}
		}
	}
	// probes: every (variant, replication) still open, in one batch per round
	for {
		var bt []task
		var who [][2]int
		for k, v := range vs {
			for rep := range v.reps {
				b := &v.reps[rep]
				if b.closed {
					continue
				}
				x, ok := b.next(v.bound)
				if !ok {
					b.closed = true
					r.addTotal(-(nm1MaxProbes - b.probes))
					continue
				}
				b.pending = x
				bt = append(bt, task{m: v.m, load: x, rep: rep})
				who = append(who, [2]int{k, rep})
			}
		}
		if len(bt) == 0 {
			break
		}
		r.runAll(bt)
		for i, kr := range who {
			v, b := vs[kr[0]], &vs[kr[0]].reps[kr[1]]
			one := make([]replication, reps)
			one[kr[1]] = *bt[i].out
			ok, why := v.m.criterion(one, kr[1], b.pending)
			b.probes++
			if ok {
				b.lo = b.pending
			} else {
				b.hi, b.hiSeen, b.limit = b.pending, true, why
			}
		}
	}
	for _, v := range vs {
		values := make([]float64, reps)
		limits := make([][]Violation, reps)
		v.sat = Saturation{Variable: ld.variable, Unit: ld.unit, Bounded: true}
		if !math.IsInf(v.bound, 1) {
			v.sat.AnalyticBound = v.bound
		}
		for rep, b := range v.reps {
			values[rep], limits[rep] = b.lo, b.limit
			if !b.hiSeen {
				v.sat.Bounded = false
				limits[rep] = nil
			}
		}
		iv := interval(values)
		v.sat.Value, v.sat.CI95 = iv.Mean, iv.CI95
		v.sat.setLimit(limits)
	}
}

// next is the load of the replication's next probe: 0.97 × the utilization-law bound first (the
// saturation point sits just below the bound when the utilization trigger binds), then 1.01 ×
// the bound when that held, then bisection.
func (b *nm1Rep) next(bound float64) (float64, bool) {
	if b.probes >= nm1MaxProbes || b.hi-b.lo <= nm1Width*b.hi {
		return 0, false
	}
	if !math.IsInf(bound, 1) && bound > 0 {
		for b.guided < 2 {
			g := []float64{0.97, 1.01}[b.guided] * bound
			b.guided++
			if g > b.lo*(1+nm1Width/2) && g < b.hi*(1-nm1Width/2) {
				return g, true
			}
		}
	}
	return (b.lo + b.hi) / 2, true
}

// withoutNode is the source scenario without node ni (a what-if variant, see whatif.go). notes
// say what changed (yellow shards, promotions, restarts); fatal lists what does not survive (then
// the variant is not usable).
func (m *Model) withoutNode(ni int) (vr variant, notes, fatal []string) {
	name := m.nodes[ni].name
	v := m.cloneSource() // the variant, changed below; the original is read from m
	vr = variant{change: "without node " + name, s: v}
	v.Failures, v.Availability, v.LoadTest = nil, nil, nil
	v.Nodes = append(v.Nodes[:ni:ni], v.Nodes[ni+1:]...)
	uses := m.uses
	// flowsOf names the flows that use a component (kind svc, store, storeW or db);
	// flowsUsing says it for a message
	flowsOf := func(kind, what string) []string {
		var fs []string
		for _, u := range uses {
			var list []string
			switch kind {
			case "svc":
				list = u.Services
			case "store":
				list = u.Stores
			case "storeW":
				list = u.StoreWrites
			case "db":
				list = u.Databases
			}
			for _, x := range list {
				if x == what {
					fs = append(fs, u.Flow)
					break
				}
			}
		}
		return fs
	}
	flowsUsing := func(kind, what string) string {
		fs := flowsOf(kind, what)
		if len(fs) == 0 {
			return "used by no flow"
		}
		return "flows " + strings.Join(fs, ", ")
	}

	// services
	orch := m.orchestrated
	placer := m.newOrchPlacer()
	instances := map[string][2]int{} // service → instances before, after
	moved := map[string][]string{}   // target node → services restarted there
	var targets []string
	var outage []string // services with every instance on the node: down until the restart
	for si := range v.Services {
		sv := &v.Services[si]
		var place []string
		var w []float64
		var backup []int
		isBackup := map[int]bool{}
		for _, b := range sv.Balancer.Backup {
			isBackup[b] = true
		}
		lost := 0
		for j, p := range sv.Placement {
			if p == name {
				lost++
				continue
			}
			place = append(place, p)
			if isBackup[j+1] {
				backup = append(backup, len(place)) // renumbered, 1-based
			}
			if j < len(sv.Balancer.Weights) {
				w = append(w, sv.Balancer.Weights[j])
			}
		}
		if len(backup) >= len(place) {
			backup = nil // only backups left: they take the traffic
		}
		sv.Balancer.Backup = backup
		before := len(sv.Placement)
		if lost > 0 && orch {
			for k := 0; k < lost; k++ {
				t := placer.target(m, m.svcMemory[si], func(n int) bool { return n != ni })
				if t < 0 {
					notes = append(notes, fmt.Sprintf("service %s: no surviving node has memory for its instance from %s", sv.Name, name))
					continue
				}
				target := m.nodes[t].name
				place = append(place, target)
				if len(sv.Balancer.Weights) > 0 {
					wj := 1.0
					for j, p := range sv.Placement {
						if p == name {
							wj = sv.Balancer.Weights[j]
						}
					}
					w = append(w, wj)
				}
				placer.move(ni, t, m.svcMemory[si])
				if lost == before && k == 0 && len(flowsOf("svc", sv.Name)) > 0 {
					outage = append(outage, sv.Name)
				}
				if moved[target] == nil {
					targets = append(targets, target)
				}
				moved[target] = append(moved[target], sv.Name)
			}
		}
		sv.Placement = place
		if len(sv.Balancer.Weights) > 0 {
			sv.Balancer.Weights = w
		}
		instances[sv.Name] = [2]int{before, len(place)}
		if len(place) == 0 {
			fatal = append(fatal, fmt.Sprintf("service %s has no instance left (%s)", sv.Name, flowsUsing("svc", sv.Name)))
		}
	}
	for _, t := range targets {
		notes = append(notes, fmt.Sprintf("orchestrator restarts %s on %s", strings.Join(moved[t], ", "), t))
	}
	if o := m.ha.Orchestrator; len(outage) > 0 && o != nil {
		// the crash run's timing (faults.go: a move at node_down_timeout + start_delay)
		restart := time.Duration(o.NodeDownTimeout) + time.Duration(o.StartDelay)
		over := ""
		if restart >= RTOTarget {
			over = fmt.Sprintf(": longer than the %v RTO target (a failure run measures it)", RTOTarget)
		}
		notes = append(notes, fmt.Sprintf("%s down until the orchestrator restarts them, %v after the loss (node_down_timeout %v + start_delay %v)%s",
			strings.Join(outage, ", "), restart, time.Duration(o.NodeDownTimeout), time.Duration(o.StartDelay), over))
	}
	// queue consumers live in the consumer service's instances
	for qi := range v.Queues {
		q := &v.Queues[qi]
		in, ok := instances[q.Consumer.Service]
		if !ok || in[0] == 0 || in[1] == in[0] || in[1] == 0 {
			continue
		}
		c := int(math.Ceil(float64(q.Concurrency) * float64(in[1]) / float64(in[0])))
		notes = append(notes, fmt.Sprintf("queue %s: %d → %d consumers (%d of %d %s instances)", q.Name, q.Concurrency, c, in[1], in[0], q.Consumer.Service))
		q.Concurrency = c
	}

	// sharded stores
	for sti := range v.Stores {
		st := &v.Stores[sti]
		at := -1
		for j, n := range st.Nodes {
			if n == name {
				at = j
			}
		}
		if at < 0 {
			continue
		}
		orig := *st
		if orig.Replicas == 0 {
			if copies, err := scenarios.AllocateShards(orig); err == nil {
				var lostShards []string
				for sh, cp := range copies {
					for _, j := range cp {
						if j == at {
							lostShards = append(lostShards, fmt.Sprint(sh))
						}
					}
				}
				if len(lostShards) > 0 {
					what := "shard " + lostShards[0] + " had its"
					if len(lostShards) > 1 {
						what = "shards " + strings.Join(lostShards, ", ") + " had their"
					}
					fatal = append(fatal, fmt.Sprintf("store %s red: %s only copy on %s (%s)", st.Name, what, name, flowsUsing("store", st.Name)))
					continue
				}
			}
		}
		st.Nodes = append(st.Nodes[:at:at], st.Nodes[at+1:]...)
		q := m.ha.Search.MasterQuorum(len(orig.Nodes))
		if len(st.Nodes) < q {
			msg := fmt.Sprintf("store %s: %d of %d nodes left, below the master quorum %d: writes stop (%s)", st.Name, len(st.Nodes), len(orig.Nodes), q, flowsUsing("storeW", st.Name))
			if len(flowsOf("storeW", st.Name)) == 0 {
				notes = append(notes, msg) // searches go on without a master
			} else {
				fatal = append(fatal, msg)
			}
		}
		if len(st.Nodes) == 0 {
			fatal = append(fatal, fmt.Sprintf("store %s red: no data node left (%s)", st.Name, flowsUsing("store", st.Name)))
			continue
		}
		fits := false
		for rep := orig.Replicas; rep >= 0; rep-- {
			st.Replicas = rep
			if _, err := scenarios.AllocateShards(*st); err == nil {
				fits = true
				break
			}
		}
		switch {
		case !fits:
			fatal = append(fatal, fmt.Sprintf("store %s red: %d shards do not fit on %d nodes (total_shards_per_node %d) (%s)", st.Name, st.Shards, len(st.Nodes), st.TotalShardsPerNode, flowsUsing("store", st.Name)))
		case st.Replicas < orig.Replicas:
			notes = append(notes, fmt.Sprintf("store %s yellow: %d replica copies unassigned (%d replicas per shard fit on %d nodes)", st.Name, (orig.Replicas-st.Replicas)*st.Shards, st.Replicas, len(st.Nodes)))
		}
	}

	// databases
	for di := range v.Databases {
		db := &v.Databases[di]
		if db.Primary == name {
			primary, rest, ok := scenarios.Promote(db.Replicas)
			if !ok {
				fatal = append(fatal, fmt.Sprintf("database %s: primary on %s lost, no replica to promote (%s)", db.Name, name, flowsUsing("db", db.Name)))
				continue
			}
			if !m.failover {
				fatal = append(fatal, fmt.Sprintf("database %s: primary on %s lost, and no failover manager (no ha.patroni) promotes its replica (%s)", db.Name, name, flowsUsing("db", db.Name)))
				continue
			}
			db.Primary, db.Replicas = primary, rest
			notes = append(notes, fmt.Sprintf("database %s: replica on %s promoted to primary", db.Name, db.Primary))
		} else if j := indexOf(db.Replicas, name); j >= 0 {
			db.Replicas = append(db.Replicas[:j:j], db.Replicas[j+1:]...)
			notes = append(notes, fmt.Sprintf("database %s: replica on %s lost", db.Name, name))
		} else {
			continue
		}
		if len(db.Replicas) == 0 {
			if db.ReadRouting == "replicas" {
				db.ReadRouting = "primary"
				notes = append(notes, fmt.Sprintf("database %s: no replica left, reads go to the primary", db.Name))
			}
			if db.Replication == "sync" {
				db.Replication = "async"
				notes = append(notes, fmt.Sprintf("database %s: no replica left, commits are no longer synchronous", db.Name))
			}
		}
	}

	// caches
	gone := map[string]bool{}
	for ci := range v.Caches {
		c := &v.Caches[ci]
		if j := indexOf(c.Nodes, name); j >= 0 {
			c.Nodes = append(c.Nodes[:j:j], c.Nodes[j+1:]...)
			if len(c.Nodes) == 0 {
				gone[c.Name] = true
				notes = append(notes, fmt.Sprintf("cache %s has no node left: every lookup misses", c.Name))
			}
		}
	}
	if len(gone) > 0 {
		kept := v.Caches[:0:0]
		for _, c := range v.Caches {
			if !gone[c.Name] {
				kept = append(kept, c)
			}
		}
		v.Caches = kept
		for si := range v.Services {
			for hi := range v.Services[si].Handlers {
				h := &v.Services[si].Handlers[hi]
				h.Calls = missAll(h.Calls, gone, 1)
			}
		}
		for fi := range v.Flows {
			f := &v.Flows[fi]
			bad := f.Entry != nil && gone[f.Entry.Cache]
			for _, mx := range f.Mix {
				bad = bad || mx.Entry != nil && gone[mx.Entry.Cache]
			}
			if bad {
				fatal = append(fatal, fmt.Sprintf("flow %s enters at a cache with no node left", f.Name))
			}
		}
	}
	return vr, notes, fatal
}

// missAll replaces every call to a cache in gone by its on_miss calls (probability multiplied by
// the cache call's), recursively.
func missAll(calls []scenarios.Call, gone map[string]bool, p float64) []scenarios.Call {
	var out []scenarios.Call
	for _, c := range calls {
		cp := c.Probability
		if c.Cache != "" && gone[c.Cache] {
			out = append(out, missAll(c.OnMiss, gone, p*cp)...)
			continue
		}
		if len(c.OnMiss) > 0 {
			c.OnMiss = missAll(c.OnMiss, gone, 1)
		}
		c.Probability = p * cp
		out = append(out, c)
	}
	return out
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}
