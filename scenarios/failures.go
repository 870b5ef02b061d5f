package scenarios

import (
	"fmt"
	"time"
)

// Failure is one scheduled fault (issue 3). Exactly one target is set: Node, Service (with an
// optional 1-based Instance; 0 = every instance), Database (its primary) or Cache (its master,
// the first cache node).
type Failure struct {
	// Name labels the failure in the report. Default "<kind> <target>".
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// At is when the fault happens, measured from the end of the warm-up.
	At Duration `yaml:"at" json:"at"`

	Node     string `yaml:"node,omitempty" json:"node,omitempty"`
	Service  string `yaml:"service,omitempty" json:"service,omitempty"`
	Instance int    `yaml:"instance,omitempty" json:"instance,omitempty"`
	Database string `yaml:"database,omitempty" json:"database,omitempty"`
	Cache    string `yaml:"cache,omitempty" json:"cache,omitempty"`

	// Kind: crash (default: connections are refused at once, work in progress is lost), stop
	// (graceful: in-flight work finishes, new work is refused), pause (the target hangs: callers
	// wait for their timeout), slow (service times × Factor), partition (cut off from Peers; the
	// rest of the cluster sees it as paused).
	Kind string `yaml:"kind,omitempty" json:"kind,omitempty" jsonschema:"enum=crash,enum=stop,enum=pause,enum=slow,enum=partition"`
	// Factor multiplies service times for kind slow. Default 4.
	Factor float64 `yaml:"factor,omitempty" json:"factor,omitempty"`
	// Peers are the nodes a partition cuts the target off from (default: every other node).
	Peers []string `yaml:"peers,omitempty" json:"peers,omitempty"`
	// RecoverAfter is how long the target stays failed (repair or restart time). 0 = it does not
	// come back during the run.
	RecoverAfter Duration `yaml:"recover_after,omitempty" json:"recover_after,omitempty"`
}

// Failure kinds.
const (
	FailCrash     = "crash"
	FailStop      = "stop"
	FailPause     = "pause"
	FailSlow      = "slow"
	FailPartition = "partition"
)

// HA holds the detection and recovery mechanics of seed 001 (HAProxy, Patroni, Redis Sentinel,
// Elasticsearch) and seed 002 (Kubernetes). Zero fields take the seed's values (see Defaults).
type HA struct {
	// HealthCheck applies to every balancer: HAProxy `check inter 5000 fall 3 rise 2`,
	// `retries 3`, `option redispatch`, `timeout connect 5000` (seed 001).
	HealthCheck HealthCheck `yaml:"health_check,omitempty" json:"health_check,omitempty"`
	// Patroni manages PostgreSQL failover: `ttl 30`, `loop_wait 10`, `retry_timeout 10`,
	// `maximum_lag_on_failover 1048576` (seed 001). Without an `ha.patroni` section nothing
	// promotes a replica (see FailoverManaged); its omitted fields take these defaults.
	Patroni Patroni `yaml:"patroni,omitempty" json:"patroni,omitempty"`
	// Sentinel manages Redis failover: `down-after-milliseconds 5000`, `quorum 2`,
	// `failover-timeout 10000` (seed 001).
	Sentinel Sentinel `yaml:"sentinel,omitempty" json:"sentinel,omitempty"`
	// Search is the sharded store's cluster behaviour (Elasticsearch).
	Search SearchHA `yaml:"search,omitempty" json:"search,omitempty"`
	// Orchestrator, when set, restarts the instances of a failed node on a surviving node
	// (Kubernetes, seed 002).
	Orchestrator *Orchestrator `yaml:"orchestrator,omitempty" json:"orchestrator,omitempty"`
	// Agents is how data sources behave while ingest fails: they buffer and retry.
	Agents AgentBuffer `yaml:"agents,omitempty" json:"agents,omitempty"`
}

// HealthCheck is a load balancer's active health check and retry policy.
type HealthCheck struct {
	Inter      Duration `yaml:"inter,omitempty" json:"inter,omitempty"`
	Fall       int      `yaml:"fall,omitempty" json:"fall,omitempty"`
	Rise       int      `yaml:"rise,omitempty" json:"rise,omitempty"`
	Timeout    Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	Retries    int      `yaml:"retries,omitempty" json:"retries,omitempty"`
	Redispatch *bool    `yaml:"redispatch,omitempty" json:"redispatch,omitempty"`
}

// Patroni is the PostgreSQL failover manager's timing.
type Patroni struct {
	TTL          Duration `yaml:"ttl,omitempty" json:"ttl,omitempty"`
	LoopWait     Duration `yaml:"loop_wait,omitempty" json:"loop_wait,omitempty"`
	RetryTimeout Duration `yaml:"retry_timeout,omitempty" json:"retry_timeout,omitempty"`
	// MaximumLagOnFailover: a replica further behind than this is not promoted.
	MaximumLagOnFailover Size `yaml:"maximum_lag_on_failover,omitempty" json:"maximum_lag_on_failover,omitempty"`
	// ReplicationLag is the asynchronous replication delay (assumed default 100ms): writes
	// acknowledged within this window before a primary crash are lost (RPO).
	ReplicationLag Duration `yaml:"replication_lag,omitempty" json:"replication_lag,omitempty"`
	// WriteSize is the WAL bytes per write, to compare the lag with maximum_lag_on_failover.
	WriteSize Size `yaml:"write_size,omitempty" json:"write_size,omitempty"`
}

// Sentinel is Redis Sentinel's failover timing.
type Sentinel struct {
	DownAfter       Duration `yaml:"down_after,omitempty" json:"down_after,omitempty"`
	Quorum          int      `yaml:"quorum,omitempty" json:"quorum,omitempty"`
	FailoverTimeout Duration `yaml:"failover_timeout,omitempty" json:"failover_timeout,omitempty"`
}

// SearchHA is the sharded store's failure handling (Elasticsearch defaults).
type SearchHA struct {
	// FaultDetection is how long the master takes to remove a failed data node and promote
	// replicas: cluster.fault_detection.follower_check (interval 1s × retry_count 3; timeout 10s
	// for a hung node). Default 3s for a crash, 33s for pause/partition.
	FaultDetection Duration `yaml:"fault_detection,omitempty" json:"fault_detection,omitempty"`
	// DelayedTimeout before replicas of a departed node are re-created elsewhere
	// (index.unassigned.node_left.delayed_timeout). Default 1m.
	DelayedTimeout Duration `yaml:"delayed_timeout,omitempty" json:"delayed_timeout,omitempty"`
	// RecoveryRate throttles shard recovery (indices.recovery.max_bytes_per_sec). Default 40MB/s.
	RecoveryRate Size `yaml:"recovery_rate,omitempty" json:"recovery_rate,omitempty"`
	// ShardSize is the data to copy per shard recovery. Default: the storage section's bytes per
	// shard over the retention (or 10GB).
	ShardSize Size `yaml:"shard_size,omitempty" json:"shard_size,omitempty"`
	// MinimumMasterNodes is the master quorum (discovery.zen.minimum_master_nodes, seed 001: 2).
	// Fewer master-eligible nodes up stops writes. 0 = a majority of the store's nodes.
	MinimumMasterNodes int `yaml:"minimum_master_nodes,omitempty" json:"minimum_master_nodes,omitempty"`
}

// Orchestrator moves a failed node's instances (Kubernetes).
type Orchestrator struct {
	// NodeDownTimeout until pods of an unreachable node are rescheduled (node-monitor-grace-period
	// 40s + the eviction delay). Default 5m40s (Kubernetes defaults: 40s + 300s toleration).
	NodeDownTimeout Duration `yaml:"node_down_timeout,omitempty" json:"node_down_timeout,omitempty"`
	// StartDelay for a rescheduled instance to become ready. Default 30s (assumed).
	StartDelay Duration `yaml:"start_delay,omitempty" json:"start_delay,omitempty"`
}

// AgentBuffer is how agents (data sources, devices) behave while ingest fails.
type AgentBuffer struct {
	// Capacity is the most requests (batches) all agents together hold for retry; beyond it they
	// drop the oldest events (lost). Default: 10 minutes of design-load requests.
	Capacity int `yaml:"capacity,omitempty" json:"capacity,omitempty"`
	// Backoff is the first retry delay; it doubles up to MaxBackoff. Defaults 1s and 30s.
	Backoff    Duration `yaml:"backoff,omitempty" json:"backoff,omitempty"`
	MaxBackoff Duration `yaml:"max_backoff,omitempty" json:"max_backoff,omitempty"`
}

// HA defaults: the values seed 001 writes in its configuration examples, or the products'
// documented defaults where the seed gives none.
var (
	DefaultHealthCheck  = HealthCheck{Inter: Duration(5 * time.Second), Fall: 3, Rise: 2, Timeout: Duration(5 * time.Second), Retries: 3}
	DefaultPatroni      = Patroni{TTL: Duration(30 * time.Second), LoopWait: Duration(10 * time.Second), RetryTimeout: Duration(10 * time.Second), MaximumLagOnFailover: 1 << 20, ReplicationLag: Duration(100 * time.Millisecond), WriteSize: 8192}
	DefaultSentinel     = Sentinel{DownAfter: Duration(5 * time.Second), Quorum: 2, FailoverTimeout: Duration(10 * time.Second)}
	DefaultSearchHA     = SearchHA{DelayedTimeout: Duration(time.Minute), RecoveryRate: 40e6}
	DefaultAgents       = AgentBuffer{Backoff: Duration(time.Second), MaxBackoff: Duration(30 * time.Second)}
	DefaultOrchestrator = Orchestrator{NodeDownTimeout: Duration(340 * time.Second), StartDelay: Duration(30 * time.Second)}
)

// FailoverManaged reports whether a failover manager (Patroni) promotes a database replica:
// the scenario gives `ha.patroni` (any of its fields). Without it a replica is streamed to and never
// promoted (seed 004's replica): a primary's failure lasts until its restart. The model and
// the containerized miniature (which starts Patroni only then) follow the same rule.
func (h HA) FailoverManaged() bool { return h.Patroni != (Patroni{}) }

// WithHADefaults returns h with every zero field set to its default.
func (h HA) WithHADefaults() HA {
	d := DefaultHealthCheck
	hc := &h.HealthCheck
	hc.Inter = orD(hc.Inter, d.Inter)
	hc.Fall = orI(hc.Fall, d.Fall)
	hc.Rise = orI(hc.Rise, d.Rise)
	hc.Timeout = orD(hc.Timeout, d.Timeout)
	if hc.Retries == 0 {
		hc.Retries = d.Retries
	}
	if hc.Redispatch == nil {
		t := true
		hc.Redispatch = &t
	}
	p := &h.Patroni
	p.TTL = orD(p.TTL, DefaultPatroni.TTL)
	p.LoopWait = orD(p.LoopWait, DefaultPatroni.LoopWait)
	p.RetryTimeout = orD(p.RetryTimeout, DefaultPatroni.RetryTimeout)
	if p.MaximumLagOnFailover == 0 {
		p.MaximumLagOnFailover = DefaultPatroni.MaximumLagOnFailover
	}
	p.ReplicationLag = orD(p.ReplicationLag, DefaultPatroni.ReplicationLag)
	if p.WriteSize == 0 {
		p.WriteSize = DefaultPatroni.WriteSize
	}
	s := &h.Sentinel
	s.DownAfter = orD(s.DownAfter, DefaultSentinel.DownAfter)
	s.Quorum = orI(s.Quorum, DefaultSentinel.Quorum)
	s.FailoverTimeout = orD(s.FailoverTimeout, DefaultSentinel.FailoverTimeout)
	e := &h.Search
	e.DelayedTimeout = orD(e.DelayedTimeout, DefaultSearchHA.DelayedTimeout)
	if e.RecoveryRate == 0 {
		e.RecoveryRate = DefaultSearchHA.RecoveryRate
	}
	if h.Orchestrator != nil {
		o := *h.Orchestrator
		o.NodeDownTimeout = orD(o.NodeDownTimeout, DefaultOrchestrator.NodeDownTimeout)
		o.StartDelay = orD(o.StartDelay, DefaultOrchestrator.StartDelay)
		h.Orchestrator = &o
	}
	a := &h.Agents
	a.Backoff = orD(a.Backoff, DefaultAgents.Backoff)
	a.MaxBackoff = orD(a.MaxBackoff, DefaultAgents.MaxBackoff)
	return h
}

func orD(v, d Duration) Duration {
	if v == 0 {
		return d
	}
	return v
}

func orI(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

// Target describes the failure's target for messages ("node search-2").
func (f Failure) Target() string {
	switch {
	case f.Node != "":
		return "node " + f.Node
	case f.Service != "" && f.Instance > 0:
		return fmt.Sprintf("service %s instance %d", f.Service, f.Instance)
	case f.Service != "":
		return "service " + f.Service
	case f.Database != "":
		return "database " + f.Database + " primary"
	case f.Cache != "":
		return "cache " + f.Cache + " master"
	}
	return "nothing"
}

// Label is the failure's name or "<kind> <target>".
func (f Failure) Label() string {
	if f.Name != "" {
		return f.Name
	}
	k := f.Kind
	if k == "" {
		k = FailCrash
	}
	return k + " " + f.Target()
}

// failures validates the failures section: one existing target each, a known kind, positive
// factor, peers that are nodes.
func (v *validator) failures(m *model, s *Scenario) {
	for i, f := range s.Failures {
		fp := p("$.failures[%d]", i)
		n := 0
		for _, t := range []string{f.Node, f.Service, f.Database, f.Cache} {
			if t != "" {
				n++
			}
		}
		if n != 1 {
			v.errf(fp, "a failure needs exactly one target (node, service, database or cache), got %d", n)
		}
		if f.Node != "" {
			if _, ok := m.nodes[f.Node]; !ok {
				v.errf(fp+".node", "failure target: no node %q (nodes: %s)", f.Node, keys(m.nodes))
			}
		}
		if f.Service != "" {
			si, ok := m.services[f.Service]
			if !ok {
				v.errf(fp+".service", "failure target: no service %q (services: %s)", f.Service, keys(m.services))
			} else if f.Instance > len(s.Services[si].Placement) {
				v.errf(fp+".instance", "service %q has %d instances, no instance %d", f.Service, len(s.Services[si].Placement), f.Instance)
			}
		}
		if f.Instance < 0 {
			v.errf(fp+".instance", "instance is 1-based, got %d", f.Instance)
		}
		if f.Instance > 0 && f.Service == "" {
			v.errf(fp+".instance", "instance needs a service")
		}
		if f.Database != "" {
			if _, ok := m.dbs[f.Database]; !ok {
				v.errf(fp+".database", "failure target: no database %q (databases: %s)", f.Database, keys(m.dbs))
			}
		}
		if f.Cache != "" {
			if _, ok := m.caches[f.Cache]; !ok {
				v.errf(fp+".cache", "failure target: no cache %q (caches: %s)", f.Cache, keys(m.caches))
			}
		}
		switch f.Kind {
		case "", FailCrash, FailStop, FailPause, FailSlow, FailPartition:
		default:
			v.errf(fp+".kind", "kind must be crash, stop, pause, slow or partition, got %q", f.Kind)
		}
		if f.Factor < 0 || (f.Kind == FailSlow && f.Factor != 0 && f.Factor < 1) {
			v.errf(fp+".factor", "factor must be ≥ 1 (service times are multiplied by it), got %g", f.Factor)
		}
		for j, pn := range f.Peers {
			if _, ok := m.nodes[pn]; !ok {
				v.errf(p("%s.peers[%d]", fp, j), "no node %q (nodes: %s)", pn, keys(m.nodes))
			}
		}
		if len(f.Peers) > 0 && f.Kind != FailPartition {
			v.errf(fp+".peers", "peers are only for kind partition")
		}
	}
	hc := s.HA.HealthCheck
	if hc.Fall < 0 || hc.Rise < 0 || hc.Retries < 0 {
		v.errf("$.ha.health_check", "fall, rise and retries must be ≥ 0")
	}
}

// availability validates the availability section: a positive MTBF for every node (the
// section's, or the node's override), per-node overrides that name a node. A node that is not
// there is reported here, with its position, not after a whole run.
func (v *validator) availability(m *model, s *Scenario) {
	a := s.Availability
	if a == nil {
		return
	}
	if a.MTBF <= 0 && len(a.Nodes) < len(s.Nodes) {
		v.errf("$.availability.mtbf", "availability.mtbf must be > 0 (the mean time between failures of every node without its own)")
	}
	for _, name := range sortedKeys(a.Nodes) {
		np := childPath("$.availability.nodes", name)
		if _, ok := m.nodes[name]; !ok {
			v.errf(np, "availability.nodes: no node %q (nodes: %s)", name, keys(m.nodes))
			continue
		}
		if a.Nodes[name].MTBF <= 0 {
			v.errf(np+".mtbf", "availability.nodes.%s.mtbf must be > 0", name)
		}
	}
}

// AvailabilitySpec gives random failure processes for the availability estimate: every node fails
// after an exponential time with mean MTBF and is repaired after an exponential time with mean
// MTTR (per-node overrides by name).
type AvailabilitySpec struct {
	MTBF Duration `yaml:"mtbf" json:"mtbf"`
	MTTR Duration `yaml:"mttr" json:"mttr"`
	// Nodes overrides MTBF/MTTR per node name.
	Nodes map[string]MTBFMTTR `yaml:"nodes,omitempty" json:"nodes,omitempty"`
	// Horizon simulated per replication. Default 10 years (87600h).
	Horizon Duration `yaml:"horizon,omitempty" json:"horizon,omitempty"`
	// Replications of the Monte Carlo. Default 200.
	Replications int `yaml:"replications,omitempty" json:"replications,omitempty"`
}

// MTBFMTTR is one node's failure and repair means.
type MTBFMTTR struct {
	MTBF Duration `yaml:"mtbf" json:"mtbf"`
	MTTR Duration `yaml:"mttr" json:"mttr"`
}

// MemoryByNode sums the memory of everything placed on each node: service instances, database
// primaries and replicas, cache nodes (bytes, by node name).
func (s *Scenario) MemoryByNode() map[string]float64 {
	used := map[string]float64{}
	for _, sv := range s.Services {
		for _, p := range sv.Placement {
			used[p] += float64(sv.Memory)
		}
	}
	for _, db := range s.Databases {
		used[db.Primary] += float64(db.Memory)
		for _, r := range db.Replicas {
			used[r] += float64(db.Memory)
		}
	}
	for _, c := range s.Caches {
		for _, n := range c.Nodes {
			used[n] += float64(c.Memory)
		}
	}
	return used
}
