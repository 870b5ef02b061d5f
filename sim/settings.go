package sim

import (
	"cmp"
	"time"

	"github.com/capsim/capsim/scenarios"
	"github.com/capsim/capsim/sim/availability"
)

// What Compile resolves besides the kernel's tables: the settings, targets and deployment facts
// the analyses read (Run, At, Failures, NMinus1, Availability, CheckAnalytic). None of them reads
// the scenario again; only the what-if variants (whatif.go) clone the source kept in the Model.

// loadCfg is the load variable and its sweep range (scenarios.LoadSpec with defaults applied).
type loadCfg struct {
	variable, unit   string
	design, min, max float64
	points           int
}

// sloSpec holds the scenario's SLO targets other than the per-flow P95 (flowRT.p95Target).
type sloSpec struct {
	utilization  float64 // utilization trigger (0: none)
	memory       float64 // memory trigger (fraction of a node's memory)
	headroom     float64 // wanted headroom (fraction)
	queueTrigger float64 // mean waiting jobs that fire the queue trigger
	maxDrop      float64 // drop ratio limit of the saturation criterion (default 0.001)
	maxDropRaw   float64 // slo.max_drop_ratio as written (0 when left out): the failure runs' error budget
}

// simSettings is the scenario's sim section: the run's defaults before the options.
type simSettings struct {
	seed      uint64
	reps      int
	precision float64
	maxReps   int
	dur, warm time.Duration
}

// nodeInfo is what the results say about a node.
type nodeInfo struct {
	name, role string
	cores      int
	cpuLimit   float64
	memory     float64 // bytes
	memoryUsed float64 // bytes the placed components use (scenarios.Scenario.MemoryByNode)
	components []string
}

// dbInfo is what the fault mechanics need of a replicated database.
type dbInfo struct {
	name        string
	replicas    []string // replica node names, in file order (Patroni promotes the first)
	sync        bool     // synchronous replication
	readRouting string
	read        int // the service of its reads (compile.go: "db:NAME:read")
}

// failSpec is a scheduled failure resolved to what it touches: node indices (a node failure) or
// service instances (a service, database primary or cache master failure).
type failSpec struct {
	label, target    string    // scenarios.Failure.Label and Target
	on               Component // the component hit
	kind             string    // with its default (crash)
	at, recoverAfter int64     // ns; at is measured from the end of the warm-up
	factor           float64   // slow: service-time factor, default applied
	nodes            []int
	insts            []instRef
}

// instRef is instance i of compiled service s.
type instRef struct{ s, i int }

// failure resolves f against the compiled services and nodes.
func (c *compiler) failure(f scenarios.Failure) failSpec {
	m := c.m
	fs := failSpec{label: f.Label(), target: f.Target(), on: failureTarget(f), kind: cmp.Or(f.Kind, scenarios.FailCrash),
		at: int64(f.At), recoverAfter: int64(f.RecoverAfter), factor: cmp.Or(f.Factor, scenarios.DefaultSlowFactor)}
	switch {
	case f.Node != "":
		for i, n := range m.nodeNames {
			if n == f.Node {
				fs.nodes = append(fs.nodes, i)
			}
		}
	case f.Service != "":
		for s, sv := range m.services {
			if sv.name != f.Service {
				continue
			}
			for i := range sv.nodes {
				if f.Instance == 0 || f.Instance == i+1 {
					fs.insts = append(fs.insts, instRef{s, i})
				}
			}
		}
	case f.Database != "":
		for s, sv := range m.services {
			if sv.name == "db:"+f.Database+":primary" {
				fs.insts = append(fs.insts, instRef{s, 0})
				// the primary's read instance too
				for r, rs := range m.services {
					if rs.name == "db:"+f.Database+":read" {
						for i, n := range rs.nodes {
							if n == sv.nodes[0] {
								fs.insts = append(fs.insts, instRef{r, i})
							}
						}
					}
				}
			}
		}
	case f.Cache != "":
		for s, sv := range m.services {
			if sv.name == "cache:"+f.Cache {
				fs.insts = append(fs.insts, instRef{s, 0})
			}
		}
	}
	return fs
}

// availabilitySpec is the scenario's availability section, resolved.
type availabilitySpec struct {
	model      *availability.Model // nil when err is set
	err        error               // availability.Derive's error, returned by Availability
	horizonH   float64             // 0: DefaultAvailabilityHorizonH
	reps       int                 // 0: DefaultAvailabilityReplications
	mtbfH      float64
	mttrH      float64
	nodeValues int // nodes with their own MTBF / MTTR
}

// resolve fills the Model's settings from the scenario (called by Compile after build).
func (c *compiler) resolve() {
	s, m := c.s, c.m
	m.src = s
	m.head = Result{
		Scenario: s.Name, Title: s.Title, Description: s.Description,
		LoadVariable: s.Load.Variable, LoadUnit: s.Load.Unit, DesignLoad: s.Load.Design, ClaimedCapacity: s.Claimed,
		HeadroomTarget: s.SLO.Headroom * 100, UtilizationTrigger: s.SLO.Utilization,
	}
	m.overrides = s.Overrides
	if mo := s.MiniatureOf; mo != nil {
		m.miniature = &Miniature{Scale: mo.Scale, PinnedCPUs: mo.PinnedCPUs}
	}
	for _, x := range s.Sources {
		m.head.Sources = append(m.head.Sources, Citation{File: x.File, Section: x.Section, Says: x.Says})
	}
	for _, a := range s.Assumptions {
		m.head.Assumptions = append(m.head.Assumptions, Assumption{What: a.What, Value: a.Value, Source: a.Source, File: a.File})
	}
	ld := s.Load // defaults applied (scenarios.ApplyDefaults)
	m.load = loadCfg{variable: ld.Variable, unit: ld.Unit, design: ld.Design, min: ld.Min, max: ld.Max, points: max(ld.Points, 2)}
	m.slo = sloSpec{utilization: s.SLO.Utilization, memory: s.SLO.Memory, headroom: s.SLO.Headroom,
		queueTrigger: s.SLO.QueueTrigger, maxDrop: cmp.Or(s.SLO.MaxDropRatio, 0.001), maxDropRaw: s.SLO.MaxDropRatio}
	m.sim = simSettings{seed: s.Sim.Seed, reps: s.Sim.Replications, precision: s.Sim.Precision,
		maxReps: s.Sim.MaxReplications, dur: time.Duration(s.Sim.Duration), warm: time.Duration(s.Sim.Warmup)}
	used := s.MemoryByNode()
	for _, n := range s.Nodes {
		m.nodes = append(m.nodes, nodeInfo{name: n.Name, role: n.Role, cores: n.Cores, cpuLimit: n.CPULimit,
			memory: float64(n.Memory), memoryUsed: used[n.Name], components: n.Components})
	}
	if sz := s.Sizing; sz != nil {
		c := *sz
		m.sizing = &c
	}
	m.storage = c.storage()
	m.storageNote = s.Storage.Flow != ""
	m.retention = time.Duration(s.Storage.Retention)
	m.indexRatio = s.Storage.IndexRatio
	for _, f := range s.Failures {
		m.failures = append(m.failures, c.failure(f))
	}
	m.ha = s.HA.WithHADefaults()
	m.failover = s.HA.FailoverManaged()
	m.orchestrated = s.HA.Orchestrator != nil
	for _, sv := range s.Services {
		m.svcMemory = append(m.svcMemory, float64(sv.Memory))
	}
	pool := s.OrchestratorPool()
	m.orchPool = make([]bool, len(m.nodes))
	for i, n := range m.nodes {
		m.orchPool[i] = pool[n.name]
	}
	for di, db := range s.Databases {
		m.dbs = append(m.dbs, dbInfo{name: db.Name, replicas: db.Replicas, sync: db.Replication == "sync", readRouting: db.ReadRouting, read: int(c.dbRead[di])})
	}
	for f := range m.flows {
		sf := &s.Flows[f]
		m.flows[f].agents = !m.flows[f].closed && sf.Rate == 0 && sf.Population == 0
	}
	for i := range s.Stores {
		m.stores[i].totalPerNode = s.Stores[i].TotalShardsPerNode
	}
	m.uses = availability.FlowUses(s)
	if spec := s.Availability; spec != nil {
		a := &availabilitySpec{horizonH: spec.Horizon.Seconds() / 3600, reps: spec.Replications,
			mtbfH: spec.MTBF.Seconds() / 3600, mttrH: spec.MTTR.Seconds() / 3600, nodeValues: len(spec.Nodes)}
		a.model, a.err = availability.Derive(s)
		m.avail = a
	}
}
