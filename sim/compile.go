package sim

import (
	"errors"
	"fmt"
	"math"

	"github.com/capsim/capsim/scenarios"
)

// maxDepth is the deepest nesting of service calls a program may have.
const maxDepth = 8

// Compile turns a validated scenario with its defaults applied (as scenarios.Load returns it,
// or after Scenario.ApplyDefaults; sim does not apply them again) into a Model: components with
// their kinds and indices, the flows' programs and random streams, the SLO, load and sim
// settings, node facts, storage growth, HA parameters, failures resolved to the nodes and
// instances they hit, and the availability structure. No analysis reads the scenario again;
// the Model keeps s only to build what-if variants from copies of it, so s must not be changed
// afterwards. It returns an error (wrapping ErrModel) for what validation cannot see: call
// nesting deeper than 8, an impossible shard allocation. An error of the availability section
// is returned by Model.Availability (and Run), not here.
func Compile(s *scenarios.Scenario) (*Model, error) {
	c := &compiler{
		s:        s,
		m:        &Model{name: s.Name, design: s.Load.Design, ref: s.Load.RatesAt},
		stIdx:    map[string]int32{},
		nodeIdx:  map[string]int{},
		svcIdx:   map[string]int32{},
		poolIdx:  map[string]int32{},
		storeIdx: map[string]int32{},
		dbIdx:    map[string]int{},
		cacheIdx: map[string]int32{},
		queueIdx: map[string]int{},
		streamIx: map[string]int32{},
	}
	if c.m.design <= 0 {
		c.m.design = 1
	}
	if c.m.ref <= 0 {
		c.m.ref = c.m.design
	}
	if err := c.build(); err != nil {
		return nil, err
	}
	c.m.dm = c.m.demands()
	c.resolve()
	c.m.flatten()
	return c.m, nil
}

// flatten lays every program's code end to end in m.code, the kernel's instruction array, with
// m.progStart[p] the index of program p's first instruction and every jump target (opBranch
// and opJump a, a cache pick's miss branch c, opSetCopy's skip target c) relocated to it: the
// kernel's program counter indexes m.code directly, one bounds-checked load per instruction
// instead of four dependent ones through the program table.
func (m *Model) flatten() {
	m.code, m.progStart = m.code[:0], make([]int32, len(m.progs))
	for p := range m.progs {
		base := int32(len(m.code))
		m.progStart[p] = base
		for _, in := range m.progs[p].code {
			switch in.op {
			case opBranch, opJump:
				in.a += base
			case opPick:
				if in.c > 0 {
					in.c += base
				}
			case opSetCopy:
				in.c += base
			}
			m.code = append(m.code, in)
		}
	}
}

// ErrModel is wrapped by every Compile error.
var ErrModel = errors.New("sim: cannot build model")

type compiler struct {
	s        *scenarios.Scenario
	m        *Model
	stIdx    map[string]int32
	nodeIdx  map[string]int
	svcIdx   map[string]int32
	poolIdx  map[string]int32
	storeIdx map[string]int32
	dbIdx    map[string]int
	dbWrite  []int32
	dbRead   []int32
	cacheIdx map[string]int32
	queueIdx map[string]int
	streamIx map[string]int32
	// current program being emitted
	code  []instr
	depth int
	path  string
	err   error
	seq   map[string]int // per program path: stream names do not depend on other flows
}

func (c *compiler) fail(format string, a ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: "+format, append([]any{ErrModel}, a...)...)
	}
}

func (c *compiler) stream(name string) int32 {
	if i, ok := c.streamIx[name]; ok {
		return i
	}
	c.m.streams = append(c.m.streams, name)
	i := int32(len(c.m.streams) - 1)
	c.streamIx[name] = i
	return i
}

// sampler registers a distribution under a unique stream name.
func (c *compiler) sampler(name string, d distSpec) int32 {
	c.m.dists = append(c.m.dists, d)
	c.m.distNames = append(c.m.distNames, name)
	return int32(len(c.m.dists) - 1)
}

// toSpec compiles a scenario distribution through the shared converter (scenarios.Dist.Params,
// nanoseconds) into the kernel's sampler table. A zero Dist samples 0 (exponential with mean 0).
// Validate rejects every Dist Params fails on, so an error here is a scenario that skipped it.
func (c *compiler) toSpec(d scenarios.Dist) distSpec {
	p, err := d.Params()
	if err != nil {
		c.fail("%v", err)
	}
	return specOf(p)
}

// specOf is the kernel's sampler of p.
func specOf(p scenarios.DistParams) distSpec {
	switch p.Kind {
	case scenarios.Deterministic:
		return distSpec{kind: dDet, mean: p.Mean, scv: p.SCV}
	case scenarios.Lognormal:
		return distSpec{kind: dLognormal, mean: p.Mean, a: p.Mu, b: p.Sigma, scv: p.SCV}
	case scenarios.Gamma:
		return distSpec{kind: dGamma, mean: p.Mean, gammaK: p.Shape, scv: p.SCV}
	case scenarios.Uniform:
		return distSpec{kind: dUniform, mean: p.Mean, a: p.Min, b: p.Max, scv: p.SCV}
	case scenarios.Empirical:
		return distSpec{kind: dEmpirical, mean: p.Mean, samples: p.Samples, scv: p.SCV}
	}
	return distSpec{kind: dExp, mean: p.Mean, scv: 1}
}

// perEvent is the demand of n events each costing an exponential amount with mean per: their sum
// is Erlang-n (gamma with shape n), cv = 1/√n.
func perEvent(per scenarios.Duration, n float64) (distSpec, bool) {
	if per <= 0 || n <= 0 {
		return distSpec{}, false
	}
	mean := float64(per) * n
	if n <= 1 {
		return distSpec{kind: dExp, mean: mean, scv: 1}, true
	}
	return distSpec{kind: dGamma, mean: mean, gammaK: n, scv: 1 / n}, true
}

func (c *compiler) build() error {
	s, m := c.s, c.m
	// plain stations
	for _, st := range s.Stations {
		d := c.toSpec(st.Service)
		m.stations = append(m.stations, stationSpec{
			name: st.Name, kind: kindStation, comp: Component{Kind: ComponentStation, Name: st.Name}, node: -1, servers: st.Servers,
			ps: st.Discipline == "ps", cap: st.Capacity, service: &d,
		})
		c.stIdx[st.Name] = int32(len(m.stations) - 1)
	}
	// nodes: one PS CPU station and one FCFS disk station each
	for i, n := range s.Nodes {
		c.nodeIdx[n.Name] = i
		m.nodeNames = append(m.nodeNames, n.Name)
		cpu := stationSpec{name: n.Name + "/cpu", kind: kindCPU, comp: Component{Kind: ComponentCPU, Name: n.Name + "/cpu", Node: n.Name}, node: i, servers: n.Cores, ps: true, limit: n.CPULimit}
		if n.CPULimit > 0 && n.CPULimit < float64(n.Cores) {
			// at cpu_limit = cores the budget lasts the whole period even with every core busy
			cpu.period = int64(n.CPUPeriod)
			cpu.budget = n.CPULimit * float64(cpu.period)
			m.quota = true
		}
		m.stations = append(m.stations, cpu)
		m.nodeCPU = append(m.nodeCPU, int32(len(m.stations)-1))
		m.stations = append(m.stations, stationSpec{name: n.Name + "/disk", kind: kindDisk, comp: Component{Kind: ComponentDisk, Name: n.Name + "/disk", Node: n.Name}, node: i, servers: n.DiskParallelism})
		m.nodeDisk = append(m.nodeDisk, int32(len(m.stations)-1))
	}
	// services
	for _, sv := range s.Services {
		rt := serviceRT{name: sv.Name, stream: c.stream("balancer/" + sv.Name), single: sv.SingleInstance}
		switch sv.Balancer.Policy {
		case "least_conn":
			rt.policy = polLeastConn
		case "weighted":
			rt.policy = polWeighted
		case "source_hash":
			rt.policy = polSourceHash
		case "random":
			rt.policy = polRandom
		}
		for i, pn := range sv.Placement {
			ni, ok := c.nodeIdx[pn]
			if !ok {
				c.fail("service %q placed on unknown node %q", sv.Name, pn)
				continue
			}
			rt.nodes = append(rt.nodes, ni)
			w := 1.0
			if i < len(sv.Balancer.Weights) && sv.Balancer.Weights[i] > 0 {
				w = sv.Balancer.Weights[i]
			}
			rt.weights = append(rt.weights, w)
			p := int32(-1)
			if sv.Concurrency > 0 {
				m.pools = append(m.pools, poolSpec{name: fmt.Sprintf("%s#%d workers", sv.Name, i+1), kind: kindPool, comp: Component{Kind: ComponentWorkers, Name: sv.Name, Node: pn, Instance: i + 1}, size: sv.Concurrency, maxWaiting: -1})
				p = int32(len(m.pools) - 1)
			}
			rt.pools = append(rt.pools, p)
		}
		if len(rt.nodes) == 0 {
			c.fail("service %q has no instance", sv.Name)
		}
		rt.backup = make([]bool, len(rt.nodes))
		for _, b := range sv.Balancer.Backup {
			if b >= 1 && b <= len(rt.backup) {
				rt.backup[b-1] = true
				rt.hasBackup = true
			}
		}
		m.services = append(m.services, rt)
		c.svcIdx[sv.Name] = int32(len(m.services) - 1)
	}
	m.nSvc = len(m.services)
	// queues: a pool of consumers with a waiting room
	for i, q := range s.Queues {
		c.queueIdx[q.Name] = i
		mw := q.Capacity
		if mw == 0 {
			mw = -1
		}
		m.pools = append(m.pools, poolSpec{name: "queue " + q.Name, kind: kindQueue, comp: Component{Kind: ComponentQueue, Name: q.Name}, size: q.Concurrency, maxWaiting: mw, drop: q.Overflow == "drop"})
		c.poolIdx["queue/"+q.Name] = int32(len(m.pools) - 1)
	}
	// databases: an internal write service (primary) and read service (per read routing)
	for i, db := range s.Databases {
		c.dbIdx[db.Name] = i
		nodePool := map[string]int32{}
		poolFor := func(node string) int32 {
			if db.Pool <= 0 {
				return -1
			}
			if p, ok := nodePool[node]; ok {
				return p
			}
			mw := db.MaxWaiting
			if mw == 0 {
				mw = -1
			}
			m.pools = append(m.pools, poolSpec{name: fmt.Sprintf("%s@%s connections", db.Name, node), kind: kindPool, comp: Component{Kind: ComponentConnections, Name: db.Name, Node: node}, size: db.Pool, maxWaiting: mw, drop: db.MaxWaiting > 0})
			nodePool[node] = int32(len(m.pools) - 1)
			return nodePool[node]
		}
		mk := func(name string, nodes []string) int32 {
			rt := serviceRT{name: name, stream: c.stream("balancer/" + name)}
			for _, n := range nodes {
				ni, ok := c.nodeIdx[n]
				if !ok {
					c.fail("database %q on unknown node %q", db.Name, n)
					continue
				}
				rt.nodes = append(rt.nodes, ni)
				rt.weights = append(rt.weights, 1)
				rt.pools = append(rt.pools, poolFor(n))
			}
			rt.backup = make([]bool, len(rt.nodes))
			m.services = append(m.services, rt)
			return int32(len(m.services) - 1)
		}
		c.dbWrite = append(c.dbWrite, mk("db:"+db.Name+":primary", []string{db.Primary}))
		readNodes := []string{db.Primary}
		switch db.ReadRouting {
		case "replicas":
			if len(db.Replicas) > 0 {
				readNodes = db.Replicas
			}
		case "all":
			readNodes = append([]string{db.Primary}, db.Replicas...)
		}
		c.dbRead = append(c.dbRead, mk("db:"+db.Name+":read", readNodes))
	}
	// caches
	for _, ca := range s.Caches {
		rt := serviceRT{name: "cache:" + ca.Name, stream: c.stream("balancer/cache:" + ca.Name)}
		for _, n := range ca.Nodes {
			ni, ok := c.nodeIdx[n]
			if !ok {
				c.fail("cache %q on unknown node %q", ca.Name, n)
				continue
			}
			rt.nodes = append(rt.nodes, ni)
			rt.weights = append(rt.weights, 1)
			rt.pools = append(rt.pools, -1)
		}
		rt.backup = make([]bool, len(rt.nodes))
		m.services = append(m.services, rt)
		c.cacheIdx[ca.Name] = int32(len(m.services) - 1)
	}
	// stores: shard allocation
	for _, st := range s.Stores {
		copies, err := scenarios.AllocateShards(st)
		if err != nil {
			c.fail("store %q: %v", st.Name, err)
			continue
		}
		rt := storeRT{name: st.Name, stream: c.stream("store/" + st.Name)}
		for _, cp := range copies {
			var ns []int
			for _, ni := range cp {
				ns = append(ns, c.nodeIdx[st.Nodes[ni]])
			}
			rt.copies = append(rt.copies, ns)
		}
		m.stores = append(m.stores, rt)
		c.storeIdx[st.Name] = int32(len(m.stores) - 1)
	}
	if c.err != nil {
		return c.err
	}
	// flows
	for _, f := range s.Flows {
		c.flow(f)
	}
	if len(m.flows) == 0 {
		c.fail("scenario has no flow")
	}
	return c.err
}

func (c *compiler) flow(f scenarios.Flow) {
	s := c.s
	fl := flowRT{name: f.Name, stream: c.stream("flow/" + f.Name), poisson: f.Arrivals != "deterministic", events: 1, peak: scenarios.FlowPeak(&f)}
	switch {
	case f.Population > 0:
		fl.closed = true
		fl.population = f.Population
		think := f.Think
		if think.IsZero() {
			think = scenarios.Dist{Kind: scenarios.Deterministic}
		}
		fl.think = c.sampler("think/"+f.Name, c.toSpec(think))
	default:
		fl.rate = s.FlowRate(&f)
		if f.Rate <= 0 { // the source form: requests are batches of events from sources
			fl.events = float64(scenarios.FlowBatch(&f))
			fl.sources = int(math.Max(1, math.Round(s.FlowSources(&f))))
		}
	}
	if t, ok := s.SLO.P95[f.Name]; ok {
		fl.p95Target = float64(t) / 1e6
	}
	if len(f.Mix) > 0 {
		tot := 0.0
		for _, e := range f.Mix {
			tot += e.Weight
		}
		acc := 0.0
		for _, e := range f.Mix {
			acc += e.Weight / tot
			fl.progs = append(fl.progs, c.program(f.Name+"/"+e.Name, e.Entry, e.Route, fl.events))
			fl.cum = append(fl.cum, acc)
		}
		fl.cum[len(fl.cum)-1] = 1
	} else {
		fl.progs = []int32{c.program(f.Name, f.Entry, f.Route, fl.events)}
		fl.cum = []float64{1}
	}
	c.m.flows = append(c.m.flows, fl)
}

func (c *compiler) emit(in instr) int {
	if in.d1 == 0 && in.d2 == 0 {
		// zero values mean "no sampler" unless set explicitly through visit()
		in.d1, in.d2 = -1, -1
	}
	c.code = append(c.code, in)
	return len(c.code) - 1
}

func (c *compiler) program(name string, entry *scenarios.Call, route []scenarios.Step, events float64) int32 {
	saved, savedPath := c.code, c.path
	c.code, c.path, c.depth = nil, name, 0
	if entry != nil {
		c.call(*entry, events)
	} else {
		c.route(route)
	}
	c.emit(instr{op: opEnd})
	p := program{name: name, code: c.code}
	c.code, c.path = saved, savedPath
	c.m.progs = append(c.m.progs, p)
	return int32(len(c.m.progs) - 1)
}

// uniq names a random stream of the program being compiled: its path (flow, or flow/mix
// entry), what it draws, and a counter within that path. Names, hence draws, do not depend on
// the other flows or components of the scenario or on their order in the file.
func (c *compiler) uniq(what string) string {
	if c.seq == nil {
		c.seq = map[string]int{}
	}
	c.seq[c.path]++
	return fmt.Sprintf("%s/%s#%d", c.path, what, c.seq[c.path])
}

func (c *compiler) route(steps []scenarios.Step) {
	for _, st := range steps {
		if st.Station != "" {
			si, ok := c.stIdx[st.Station]
			if !ok {
				c.fail("route of %q visits unknown station %q", c.path, st.Station)
				return
			}
			d := c.sampler(c.uniq("station "+st.Station), *c.m.stations[si].service)
			c.code = append(c.code, instr{op: opVisit, a: si, d1: d, d2: -1})
			continue
		}
		if len(st.Branch) == 0 {
			continue
		}
		var ends []int
		rest := 1.0
		stream := c.stream(c.uniq("branch"))
		for _, br := range st.Branch {
			q := 0.0
			if rest > 1e-12 {
				q = math.Min(1, br.Probability/rest)
			}
			rest -= br.Probability
			bi := c.emit(instr{op: opBranch, p: q, stream: stream})
			c.route(br.Route)
			ends = append(ends, c.emit(instr{op: opJump}))
			c.code[bi].a = int32(len(c.code))
		}
		for _, e := range ends {
			c.code[e].a = int32(len(c.code))
		}
	}
}

// visit emits a demand at a picked instance's cpu (disk=false) or disk.
func (c *compiler) visitInst(svc int32, slot int, disk bool, base scenarios.Dist, per scenarios.Duration, events float64) {
	d1, d2 := int32(-1), int32(-1)
	what := "cpu"
	if disk {
		what = "disk"
	}
	if !base.IsZero() && base.MeanSeconds() > 0 {
		d1 = c.sampler(c.uniq(c.m.services[svc].name+" "+what), c.toSpec(base))
	}
	if ds, ok := perEvent(per, events); ok {
		d2 = c.sampler(c.uniq(c.m.services[svc].name+" "+what+"/event"), ds)
	}
	if d1 < 0 && d2 < 0 {
		return
	}
	var b2 uint8
	if disk {
		b2 = 1
	}
	c.code = append(c.code, instr{op: opVisitInst, a: svc, b: int32(slot), b2: b2, d1: d1, d2: d2})
}

// visitNode emits a demand at job.node's cpu or disk (fork children).
func (c *compiler) visitNode(code *[]instr, name string, disk bool, base scenarios.Dist, per scenarios.Duration, events float64) {
	d1, d2 := int32(-1), int32(-1)
	if !base.IsZero() && base.MeanSeconds() > 0 {
		d1 = c.sampler(c.uniq(name), c.toSpec(base))
	}
	if ds, ok := perEvent(per, events); ok {
		d2 = c.sampler(c.uniq(name+"/event"), ds)
	}
	if d1 < 0 && d2 < 0 {
		return
	}
	var b2 uint8
	if disk {
		b2 = 1
	}
	*code = append(*code, instr{op: opVisitNode, b2: b2, d1: d1, d2: d2})
}

// handler emits: pick an instance, take a worker, do CPU and disk work, make the calls, give back.
func (c *compiler) handler(svc int32, h *scenarios.Handler, cost *scenarios.StoreCost, extra func(slot int), events float64) {
	if c.depth >= maxDepth {
		c.fail("calls nested deeper than %d in %q", maxDepth, c.path)
		return
	}
	slot := c.depth
	c.depth++
	rt := &c.m.services[svc]
	c.emit(instr{op: opPick, a: svc, b: int32(slot)})
	hasPool := len(rt.pools) > 0 && rt.pools[0] >= 0
	if hasPool {
		c.emit(instr{op: opAcquire, a: svc, b: int32(slot)})
	}
	if h != nil {
		c.visitInst(svc, slot, false, h.CPU, h.CPUPerEvent, events)
		c.visitInst(svc, slot, true, h.Disk, h.DiskPerEvent, events)
	}
	if cost != nil {
		c.visitInst(svc, slot, false, cost.CPU, cost.CPUPerEvent, events)
		c.visitInst(svc, slot, true, cost.Disk, cost.DiskPerEvent, events)
	}
	if extra != nil {
		extra(slot)
	}
	if h != nil {
		for _, cl := range h.Calls {
			c.call(cl, events)
		}
	}
	if hasPool {
		c.emit(instr{op: opRelease})
	}
	c.emit(instr{op: opUnpick, a: svc, b: int32(slot)})
	c.depth--
}

func (c *compiler) call(cl scenarios.Call, events float64) {
	if c.err != nil {
		return
	}
	br := -1
	if cl.Probability > 0 && cl.Probability < 1 {
		br = c.emit(instr{op: opBranch, p: cl.Probability, stream: c.stream(c.uniq("call-probability"))})
	}
	s := c.s
	switch {
	case cl.Service != "":
		si, ok := c.svcIdx[cl.Service]
		if !ok {
			c.fail("call to unknown service %q", cl.Service)
			return
		}
		var h *scenarios.Handler
		for i := range s.Services[si].Handlers {
			if s.Services[si].Handlers[i].Class == cl.Class {
				h = &s.Services[si].Handlers[i]
			}
		}
		if h == nil {
			c.fail("service %q has no handler for class %q", cl.Service, cl.Class)
			return
		}
		if lb := s.Services[si].Balancer.Overhead; lb > 0 {
			d := c.sampler(c.uniq("balancer "+cl.Service), distSpec{kind: dDet, mean: float64(lb)})
			c.code = append(c.code, instr{op: opDelay, d1: d, d2: -1})
		}
		c.handler(si, h, nil, nil, events)
	case cl.Queue != "":
		qi, ok := c.queueIdx[cl.Queue]
		if !ok {
			c.fail("call to unknown queue %q", cl.Queue)
			return
		}
		c.emit(instr{op: opAcquire, a: c.poolIdx["queue/"+cl.Queue], b: -1})
		c.call(s.Queues[qi].Consumer, events)
		c.emit(instr{op: opRelease})
	case cl.Store != "":
		sti, ok := c.storeIdx[cl.Store]
		if !ok {
			c.fail("call to unknown store %q", cl.Store)
			return
		}
		var spec *scenarios.Store
		for i := range s.Stores {
			if s.Stores[i].Name == cl.Store {
				spec = &s.Stores[i]
			}
		}
		st := &c.m.stores[sti]
		shards := len(st.copies)
		var kids []int32
		for sh, cp := range st.copies {
			var code []instr
			name := fmt.Sprintf("%s shard %d", cl.Store, sh)
			if cl.Op == "query" {
				code = append(code, instr{op: opPickCopy, a: sti, b: int32(sh), d1: -1, d2: -1})
				c.visitNode(&code, name+" query cpu", false, spec.Query.CPU, spec.Query.CPUPerEvent, events/float64(shards))
				c.visitNode(&code, name+" query disk", true, spec.Query.Disk, spec.Query.DiskPerEvent, events/float64(shards))
			} else {
				// index: primary then each replica
				for rank := range cp {
					at := len(code)
					code = append(code, instr{op: opSetCopy, a: sti, b: int32(sh), b2: uint8(rank), d1: -1, d2: -1})
					c.visitNode(&code, name+" index cpu", false, spec.Index.CPU, spec.Index.CPUPerEvent, events/float64(shards))
					c.visitNode(&code, name+" index disk", true, spec.Index.Disk, spec.Index.DiskPerEvent, events/float64(shards))
					code[at].c = int32(len(code))
				}
			}
			code = append(code, instr{op: opEnd, d1: -1, d2: -1})
			c.m.progs = append(c.m.progs, program{name: c.path + "/" + name, code: code})
			kids = append(kids, int32(len(c.m.progs)-1))
		}
		c.m.forks = append(c.m.forks, kids)
		ev := 0.0
		if cl.Op != "query" {
			ev = events / float64(shards)
		}
		c.m.forkEv = append(c.m.forkEv, ev)
		c.emit(instr{op: opFork, a: int32(len(c.m.forks) - 1)})
	case cl.Database != "":
		di, ok := c.dbIdx[cl.Database]
		if !ok {
			c.fail("call to unknown database %q", cl.Database)
			return
		}
		db := &s.Databases[di]
		if cl.Op == "write" {
			var extra func(int)
			if standby, _, ok := scenarios.Promote(db.Replicas); ok && db.Replication == "sync" {
				rep := c.nodeIdx[standby]
				extra = func(int) {
					// synchronous commit: the standby (the replica a failover promotes) applies
					// the write before the ack
					c.emit(instr{op: opSetNode, a: int32(rep)})
					c.visitNode(&c.code, "sync apply "+db.Name, true, db.Write.Disk, db.Write.DiskPerEvent, events)
				}
			}
			c.handler(c.dbWrite[di], nil, &db.Write, extra, events)
		} else {
			c.handler(c.dbRead[di], nil, &db.Read, nil, events)
		}
	case cl.Cache != "":
		ci, ok := c.cacheIdx[cl.Cache]
		if !ok {
			c.fail("call to unknown cache %q", cl.Cache)
			return
		}
		var ca *scenarios.Cache
		for i := range s.Caches {
			if s.Caches[i].Name == cl.Cache {
				ca = &s.Caches[i]
			}
		}
		pickAt := len(c.code)
		c.handler(ci, nil, &scenarios.StoreCost{CPU: ca.CPU}, nil, 1)
		c.code[pickAt].c = int32(len(c.code)) // a failed lookup continues at the miss branch
		if len(cl.OnMiss) > 0 && ca.HitRatio < 1 {
			bi := c.emit(instr{op: opBranch, b2: 1, p: 1 - ca.HitRatio, stream: c.stream(c.uniq("cache " + ca.Name))})
			for _, m := range cl.OnMiss {
				c.call(m, events)
			}
			c.code[bi].a = int32(len(c.code))
		}
	default:
		c.fail("call in %q has no target", c.path)
	}
	if br >= 0 {
		c.code[br].a = int32(len(c.code))
	}
}
