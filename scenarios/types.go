package scenarios

// Scenario is one tier (or one textbook model) as written in a scenario YAML file.
//
// A file describes either a plain queueing network (stations + flows with a route) or a
// deployment (nodes, services, queues, stores, databases, caches + flows with an entry call), or
// both. Every flow scales linearly with the load variable (see Load): its rate is given at design
// load.
type Scenario struct {
	// Name identifies the scenario (the default output folder is out/<name>). Required.
	Name string `yaml:"name" json:"name"`
	// Title is a human title for reports.
	Title string `yaml:"title,omitempty" json:"title,omitempty"`
	// Description is free text shown in the report.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Sources cite the seed documents (file and section) this scenario encodes.
	Sources []Citation `yaml:"sources,omitempty" json:"sources,omitempty"`
	// Assumptions lists every number the model needs that no seed gives, with its source
	// (a published benchmark) or "assumed". All are shown in the report.
	Assumptions []Assumption `yaml:"assumptions,omitempty" json:"assumptions,omitempty"`
	// Claimed is the capacity the seed document claims for this tier, in load units (e.g. 5000
	// data sources). Reported beside the predicted saturation point.
	Claimed float64 `yaml:"claimed,omitempty" json:"claimed,omitempty"`
	// Sizing is the seed's own hardware sizing for this tier (cores for a load), when a seed
	// gives one. Reported beside the model's CPU per event (sim.CPUPerEvent); the model never
	// uses it.
	Sizing *Sizing `yaml:"sizing,omitempty" json:"sizing,omitempty"`

	Load    LoadSpec    `yaml:"load,omitempty" json:"load,omitempty"`
	SLO     SLO         `yaml:"slo,omitempty" json:"slo,omitempty"`
	Sim     SimSettings `yaml:"sim,omitempty" json:"sim,omitempty"`
	Storage Storage     `yaml:"storage,omitempty" json:"storage,omitempty"`

	// Plain queueing network.
	Stations []Station `yaml:"stations,omitempty" json:"stations,omitempty"`

	// Deployment.
	Nodes     []Node     `yaml:"nodes,omitempty" json:"nodes,omitempty"`
	Services  []Service  `yaml:"services,omitempty" json:"services,omitempty"`
	Queues    []Queue    `yaml:"queues,omitempty" json:"queues,omitempty"`
	Stores    []Store    `yaml:"stores,omitempty" json:"stores,omitempty"`
	Databases []Database `yaml:"databases,omitempty" json:"databases,omitempty"`
	Caches    []Cache    `yaml:"caches,omitempty" json:"caches,omitempty"`

	// Workload.
	Flows []Flow `yaml:"flows" json:"flows"`

	// Failures are scheduled faults (issue 3, see failures.go); HA holds the detection and
	// recovery parameters; Availability the random failure processes for availability estimates.
	Failures     []Failure         `yaml:"failures,omitempty" json:"failures,omitempty"`
	HA           HA                `yaml:"ha,omitempty" json:"ha,omitempty"`
	Availability *AvailabilitySpec `yaml:"availability,omitempty" json:"availability,omitempty"`

	// LoadTest configures `capsim load`: the real target and executors (see loadtest.go).
	LoadTest *LoadTest `yaml:"loadtest,omitempty" json:"loadtest,omitempty"`

	// Cluster configures the containerized miniature of the deployment (`capsim cluster up`).
	Cluster *ClusterSpec `yaml:"cluster,omitempty" json:"cluster,omitempty"`

	// Overrides are the --set assignments Load applied, in order ("load.design=8000"); not part
	// of the file format. Results record them (settings.overrides).
	Overrides []string `yaml:"-" json:"-"`
	// MiniatureOf is set on the copy Miniature returns: the containerized miniature it
	// describes. Not part of the file format.
	MiniatureOf *MiniatureSpec `yaml:"-" json:"-"`

	// Files are the files this scenario was composed of (see compose.go), the file given to
	// Load first, then every file it extends or includes in the order they were read; not part
	// of the file format.
	Files []string `yaml:"-" json:"-"`
	// Vars are the variables ${NAME} references took from the environment, each once, in the
	// order read; Secrets are those whose values outputs hide. Not part of the file format.
	Vars []Var `yaml:"-" json:"-"`
}

// ClusterSpec configures `capsim cluster up`: how the deployment is scaled down to fit this
// machine.
type ClusterSpec struct {
	// Scale multiplies every node's cores into its container's CPU limit (0.01 turns 32 cores
	// into 0.32 CPU); the load generator scales flow rates and populations by the same factor,
	// so utilizations stay those of the full tier. In (0, 1]. Default: the largest scale at
	// which the nodes' limits add up to one core.
	Scale float64 `yaml:"scale,omitempty" json:"scale,omitempty"`
}

// Sizing is a seed's sizing of a tier: Cores for Load (in load units), e.g. UTMStack's README
// "500 data sources → 32 cores". Divided by the events per second the scenario's flows send at
// Load (their average rate, without the peak factor: a sizing is for a volume), it gives the
// CPU per event the seed's sizing budgets for, shown beside the model's own total.
type Sizing struct {
	// Cores the seed sizes the tier with (all nodes together). Required, > 0.
	Cores float64 `yaml:"cores" json:"cores"`
	// Load is the load the cores are sized for, in load units. Required, > 0.
	Load float64 `yaml:"load" json:"load"`
	// Source cites where the sizing is published (document, section or commit). Required.
	Source string `yaml:"source" json:"source"`
}

// Citation points at the seed document and section a scenario encodes.
type Citation struct {
	File    string `yaml:"file" json:"file"`
	Section string `yaml:"section,omitempty" json:"section,omitempty"`
	Says    string `yaml:"says,omitempty" json:"says,omitempty"`
}

// Assumption is a modelling number not given by any seed, with where it came from.
type Assumption struct {
	// What the number is, e.g. "Elasticsearch bulk indexing cost per event".
	What string `yaml:"what" json:"what"`
	// Value as written, e.g. "40us CPU per event".
	Value string `yaml:"value" json:"value"`
	// Source: a published benchmark (with a reference) or the word "assumed".
	Source string `yaml:"source" json:"source"`
	// File is the scenario file the assumption is written in (set by Load: in a composed
	// scenario, the system file, the tier file or the calibration profile); not part of the
	// file format.
	File string `yaml:"-" json:"file,omitempty" jsonschema:"-"`
}

// LoadSpec names the sweep variable of the saturation search. Every flow's rate is given at
// RatesAt (by default the design load) and scales linearly with the load (closed flows scale
// their population): a flow is given per load unit, so changing the design load changes the
// traffic offered at design load.
type LoadSpec struct {
	// Variable is the name of the load, e.g. "data_sources", "devices", "users". Default "scale".
	Variable string `yaml:"variable,omitempty" json:"variable,omitempty"`
	// Unit is shown after numbers, e.g. "sources". Default: the variable name.
	Unit string `yaml:"unit,omitempty" json:"unit,omitempty"`
	// Design is the design load (the load the tier is planned for). Default 1.
	Design float64 `yaml:"design,omitempty" json:"design,omitempty"`
	// RatesAt is the load at which the flows' rates, bytes_per_month, sources and populations are
	// written. Default: Design. A what-if that changes load.design (--set load.design=8000,
	// --load 8000) keeps RatesAt at the file's design load, so every flow scales to the new
	// design load (8000 sources offer 8000/5000 times the traffic of 5000).
	RatesAt float64 `yaml:"rates_at,omitempty" json:"rates_at,omitempty"`
	// Min and Max bound the saturation search. Defaults: Design/20 and Design×20.
	Min float64 `yaml:"min,omitempty" json:"min,omitempty"`
	Max float64 `yaml:"max,omitempty" json:"max,omitempty"`
	// Points is the number of loads of the sweep drawn in the charts. Default 8.
	Points int `yaml:"points,omitempty" json:"points,omitempty"`
}

// SLO is what "carries the load" means.
type SLO struct {
	// P95 maps a flow name to its P95 response-time target.
	P95 map[string]Duration `yaml:"p95,omitempty" json:"p95,omitempty"`
	// Utilization is the scaling trigger for any CPU / disk / station utilization (e.g. 0.7 from
	// seed 004: "CPU usage > 70 % sustained"). 0 means no utilization criterion.
	Utilization float64 `yaml:"utilization,omitempty" json:"utilization,omitempty"`
	// Memory is the memory trigger as a fraction of node memory (seed 004: 80 %). Default 0.8.
	Memory float64 `yaml:"memory,omitempty" json:"memory,omitempty"`
	// Headroom is the spare capacity wanted above design load, as a fraction (0.5 = 50 %,
	// seed 003). Reported, not part of the saturation criterion.
	Headroom float64 `yaml:"headroom,omitempty" json:"headroom,omitempty"`
	// QueueTrigger is the mean number of jobs waiting in a queue that fires a scaling trigger
	// (seed 004: "job queue > 100"). Default 100.
	QueueTrigger float64 `yaml:"queue_trigger,omitempty" json:"queue_trigger,omitempty"`
	// MaxDropRatio is the largest acceptable fraction of dropped requests. Default 0.001.
	MaxDropRatio float64 `yaml:"max_drop_ratio,omitempty" json:"max_drop_ratio,omitempty"`
}

// SimSettings are run-length knobs; the CLI flags override them.
type SimSettings struct {
	// Seed of every random stream. Default 1.
	Seed uint64 `yaml:"seed,omitempty" json:"seed,omitempty"`
	// Replications per load point (independent runs for 95 % intervals): a fixed count. Left
	// out, a first stage of sim's DefaultMinReplications sets the count needed at design load
	// for Precision (at most MaxReplications), and the sweep uses sim.DefaultReplications.
	Replications int `yaml:"replications,omitempty" json:"replications,omitempty"`
	// Duration of each replication in simulated time, after warm-up. Default 60s.
	Duration Duration `yaml:"duration,omitempty" json:"duration,omitempty"`
	// Warmup discarded at the start of each replication: a fixed warm-up. Left out, it is
	// detected by MSER-5 on pilot replications at design load (see package sim).
	Warmup Duration `yaml:"warmup,omitempty" json:"warmup,omitempty"`
	// Precision is the relative half-width wanted of the 95 % interval of every flow's mean and
	// P95 response time at design load (the saturation point's is reported against it), as a
	// fraction: 0.05 = ±5 %. A first stage of replications sets the count it needs, at most
	// MaxReplications.
	// Default 0.05; ignored when Replications is set (a fixed count).
	Precision float64 `yaml:"precision,omitempty" json:"precision,omitempty"`
	// MaxReplications caps the replications measured to reach Precision. Default 200.
	MaxReplications int `yaml:"max_replications,omitempty" json:"max_replications,omitempty"`
}

// Storage describes how ingested events turn into disk usage.
type Storage struct {
	// Flow whose events are stored (usually the ingest flow).
	Flow string `yaml:"flow,omitempty" json:"flow,omitempty"`
	// Store whose data nodes hold the index; its replicas multiply the bytes.
	Store string `yaml:"store,omitempty" json:"store,omitempty"`
	// EventSize is the mean raw size of one event.
	EventSize Size `yaml:"event_size,omitempty" json:"event_size,omitempty"`
	// IndexRatio is on-disk bytes per raw byte (index overhead, compression). Default 1.
	IndexRatio float64 `yaml:"index_ratio,omitempty" json:"index_ratio,omitempty"`
	// Retention is how long data is kept (reported; disk-full days assume no deletion before).
	Retention Duration `yaml:"retention,omitempty" json:"retention,omitempty"`
}

// Station is a queue with Servers servers in the plain queueing-network form.
type Station struct {
	Name string `yaml:"name" json:"name"`
	// Servers is c, the number of identical servers. Default 1.
	Servers int `yaml:"servers,omitempty" json:"servers,omitempty"`
	// Discipline is "fcfs" (default) or "ps" (processor sharing).
	Discipline string `yaml:"discipline,omitempty" json:"discipline,omitempty" jsonschema:"enum=fcfs,enum=ps"`
	// Capacity K is the most jobs in the station (waiting + in service); arrivals beyond it are
	// dropped and counted (M/M/c/K). 0 means unbounded.
	Capacity int `yaml:"capacity,omitempty" json:"capacity,omitempty"`
	// Service is the service-time distribution per visit.
	Service Dist `yaml:"service" json:"service"`
}

// Node is a machine. Its cores form one processor-sharing CPU station shared by every service
// instance, store copy and database placed on it; its disk is an FCFS station.
type Node struct {
	Name string `yaml:"name" json:"name"`
	// Role as the seed names it (management, database, search, processing, cache).
	Role   string `yaml:"role,omitempty" json:"role,omitempty"`
	Cores  int    `yaml:"cores" json:"cores"`
	Memory Size   `yaml:"memory,omitempty" json:"memory,omitempty"`
	Disk   Size   `yaml:"disk,omitempty" json:"disk,omitempty"`
	// CPULimit caps the node's CPU, in CPUs, the way a CFS quota does (docker --cpus, a
	// Kubernetes CPU limit, the containers of `capsim cluster up`): in every CPUPeriod the node
	// may consume at most CPULimit × CPUPeriod of CPU time; it runs on its cores at full speed
	// until that budget is spent, then everything on it stalls until the next period. It is not
	// a slower CPU: under a quota, latency grows in steps of a period (DESIGN.md, "CPU limits
	// are not half-speed servers"). In (0, cores]; left out: no limit. The node's CPU
	// utilization is reported against the limit.
	CPULimit float64 `yaml:"cpu_limit,omitempty" json:"cpu_limit,omitempty"`
	// CPUPeriod is the quota's period (cpu.cfs_period_us). Default 100ms (Docker's and
	// Kubernetes'); at most 1s. Only with cpu_limit.
	CPUPeriod Duration `yaml:"cpu_period,omitempty" json:"cpu_period,omitempty"`
	// DiskParallelism is the number of concurrent I/Os the disk serves (servers of the disk
	// station). Default 4 (assumed, SSD).
	DiskParallelism int    `yaml:"disk_parallelism,omitempty" json:"disk_parallelism,omitempty"`
	Zone            string `yaml:"zone,omitempty" json:"zone,omitempty"`
	// Components lists what the seed places on this node, for the report (free text).
	Components []string `yaml:"components,omitempty" json:"components,omitempty"`
}

// Service is a stateless (or single-instance) service with replicas placed on nodes.
type Service struct {
	Name string `yaml:"name" json:"name"`
	// Placement lists the node of every instance (a node may appear twice). Replicas defaults to
	// len(Placement).
	Placement []string `yaml:"placement" json:"placement"`
	// SingleInstance marks services that cannot run more than one instance (ELMA365 scheduler,
	// notifier, messengers — seed 002). Validation rejects more than one placement.
	SingleInstance bool `yaml:"single_instance,omitempty" json:"single_instance,omitempty"`
	// Balancer in front of the instances. Default round_robin.
	Balancer Balancer `yaml:"balancer,omitempty" json:"balancer,omitempty"`
	// Concurrency is the worker pool per instance (threads, connections, BullMQ concurrency).
	// A request holds a worker for its whole handler including downstream calls. 0 = unlimited.
	Concurrency int `yaml:"concurrency,omitempty" json:"concurrency,omitempty"`
	// Memory used per instance (for the memory trigger).
	Memory Size `yaml:"memory,omitempty" json:"memory,omitempty"`
	// Handlers, one per request class.
	Handlers []Handler `yaml:"handlers" json:"handlers"`
}

// Balancer is the load-balancing policy over a service's instances (HAProxy / NGINX).
type Balancer struct {
	// Policy: round_robin (default), least_conn, weighted, source_hash, random.
	Policy string `yaml:"policy,omitempty" json:"policy,omitempty" jsonschema:"enum=round_robin,enum=least_conn,enum=weighted,enum=source_hash,enum=random"`
	// Weights per instance, in placement order (weighted policy; also biases least_conn as NGINX
	// does). Default 1 each.
	Weights []float64 `yaml:"weights,omitempty" json:"weights,omitempty"`
	// Overhead is the balancer's own delay per request (network hop). Default 0.
	Overhead Duration `yaml:"overhead,omitempty" json:"overhead,omitempty"`
	// Backup lists instances (1-based, in placement order) that receive requests only while no
	// other instance is up, as HAProxy's `backup` servers (seed 001: app3).
	Backup []int `yaml:"backup,omitempty" json:"backup,omitempty"`
}

// Handler is what a service does for one request class.
type Handler struct {
	// Class is the request class name ("ingest", "search", "list").
	Class string `yaml:"class" json:"class"`
	// CPU is the CPU demand per request on the instance's node.
	CPU Dist `yaml:"cpu,omitempty" json:"cpu,omitempty"`
	// CPUPerEvent is added to the CPU mean for every event the request carries (batching).
	CPUPerEvent Duration `yaml:"cpu_per_event,omitempty" json:"cpu_per_event,omitempty"`
	// Disk is the disk demand per request on the instance's node.
	Disk Dist `yaml:"disk,omitempty" json:"disk,omitempty"`
	// DiskPerEvent is added to the disk mean for every event.
	DiskPerEvent Duration `yaml:"disk_per_event,omitempty" json:"disk_per_event,omitempty"`
	// Calls are made in order after the CPU and disk work.
	Calls []Call `yaml:"calls,omitempty" json:"calls,omitempty"`
}

// Call is one downstream step of a handler. Exactly one of Service, Queue, Store, Database,
// Cache is set.
type Call struct {
	// Service (with Class) is a synchronous call through the service's balancer.
	Service string `yaml:"service,omitempty" json:"service,omitempty"`
	Class   string `yaml:"class,omitempty" json:"class,omitempty"`
	// Queue hands the request to the queue's consumers (the response time counts until the
	// consumer finishes: end-to-end).
	Queue string `yaml:"queue,omitempty" json:"queue,omitempty"`
	// Store with Op "index" or "query" is a sharded-store operation.
	Store string `yaml:"store,omitempty" json:"store,omitempty"`
	// Database with Op "read" or "write".
	Database string `yaml:"database,omitempty" json:"database,omitempty"`
	Op       string `yaml:"op,omitempty" json:"op,omitempty" jsonschema:"enum=index,enum=query,enum=read,enum=write"`
	// Cache: a hit costs the cache's CPU; a miss also runs OnMiss.
	Cache  string `yaml:"cache,omitempty" json:"cache,omitempty"`
	OnMiss []Call `yaml:"on_miss,omitempty" json:"on_miss,omitempty"`
	// Probability that the call is made at all. Default 1.
	Probability float64 `yaml:"probability,omitempty" json:"probability,omitempty"`
}

// Queue is a bounded buffer between stages with consumer concurrency (BullMQ, correlation
// workers). A request waits for one of Concurrency consumers, then runs Consumer's handler.
type Queue struct {
	Name string `yaml:"name" json:"name"`
	// Capacity is the most requests waiting. 0 = unbounded.
	Capacity int `yaml:"capacity,omitempty" json:"capacity,omitempty"`
	// Overflow when full: "block" (the producer waits, holding what it holds) or "drop" (lost,
	// counted). Default block.
	Overflow string `yaml:"overflow,omitempty" json:"overflow,omitempty" jsonschema:"enum=block,enum=drop"`
	// Concurrency is the number of consumers working at once, over all instances. Required.
	Concurrency int `yaml:"concurrency" json:"concurrency"`
	// Consumer is the service and class that processes each item.
	Consumer Call `yaml:"consumer" json:"consumer"`
}

// Store is a sharded search store (Elasticsearch): Shards primaries × Replicas copies over data
// nodes. An index request writes to the primary of every shard then its replicas (a bulk request
// is split by shard); a query fans out to one copy of every shard and waits for the slowest.
type Store struct {
	Name  string   `yaml:"name" json:"name"`
	Nodes []string `yaml:"nodes" json:"nodes"`
	// Shards is the number of primary shards. Required.
	Shards int `yaml:"shards" json:"shards"`
	// Replicas per primary. Default 0.
	Replicas int `yaml:"replicas,omitempty" json:"replicas,omitempty"`
	// TotalShardsPerNode caps copies per node (index.routing.allocation.total_shards_per_node).
	// 0 = no cap.
	TotalShardsPerNode int `yaml:"total_shards_per_node,omitempty" json:"total_shards_per_node,omitempty"`
	// Index costs per shard copy: CPU and disk per bulk request, plus per event routed to the
	// shard.
	Index StoreCost `yaml:"index" json:"index"`
	// Query costs per shard copy.
	Query StoreCost `yaml:"query" json:"query"`
}

// StoreCost is the work one shard copy does for one request.
type StoreCost struct {
	CPU          Dist     `yaml:"cpu,omitempty" json:"cpu,omitempty"`
	CPUPerEvent  Duration `yaml:"cpu_per_event,omitempty" json:"cpu_per_event,omitempty"`
	Disk         Dist     `yaml:"disk,omitempty" json:"disk,omitempty"`
	DiskPerEvent Duration `yaml:"disk_per_event,omitempty" json:"disk_per_event,omitempty"`
}

// Database is a primary with read replicas (PostgreSQL with streaming replication).
type Database struct {
	Name     string   `yaml:"name" json:"name"`
	Primary  string   `yaml:"primary" json:"primary"`
	Replicas []string `yaml:"replicas,omitempty" json:"replicas,omitempty"`
	// ReadRouting: "primary" (default), "replicas" (round robin over replicas), "all".
	ReadRouting string `yaml:"read_routing,omitempty" json:"read_routing,omitempty" jsonschema:"enum=primary,enum=replicas,enum=all"`
	// Replication: "async" (default) or "sync"; sync writes also wait for one replica's apply.
	Replication string `yaml:"replication,omitempty" json:"replication,omitempty" jsonschema:"enum=async,enum=sync"`
	// Pool is the number of server connections per database node (max_connections, or the
	// PgBouncer pool of seed 004: 20). 0 = unlimited.
	Pool int `yaml:"pool,omitempty" json:"pool,omitempty"`
	// MaxWaiting is the most clients waiting for a connection (PgBouncer max_client_conn);
	// beyond it requests are dropped. 0 = unbounded.
	MaxWaiting int       `yaml:"max_waiting,omitempty" json:"max_waiting,omitempty"`
	Read       StoreCost `yaml:"read" json:"read"`
	Write      StoreCost `yaml:"write" json:"write"`
	// Memory used per database node (for the memory trigger).
	Memory Size `yaml:"memory,omitempty" json:"memory,omitempty"`
}

// Cache is a cache (Redis) on Nodes with a hit ratio; each lookup costs CPU on one cache node.
type Cache struct {
	Name     string   `yaml:"name" json:"name"`
	Nodes    []string `yaml:"nodes" json:"nodes"`
	HitRatio float64  `yaml:"hit_ratio" json:"hit_ratio"`
	CPU      Dist     `yaml:"cpu,omitempty" json:"cpu,omitempty"`
	Memory   Size     `yaml:"memory,omitempty" json:"memory,omitempty"`
}

// Flow is a stream of requests of one class: open (arrivals at a rate) or closed (a population
// with think time). Rates are at load.rates_at (default: the design load) and scale linearly with
// the load variable.
type Flow struct {
	Name string `yaml:"name" json:"name"`
	// Arrivals: "poisson" (default) or "deterministic" (open flows).
	Arrivals string `yaml:"arrivals,omitempty" json:"arrivals,omitempty" jsonschema:"enum=poisson,enum=deterministic"`
	// Rate of requests at design load (open flow). Give Rate, or the source form below, or
	// Population.
	Rate Rate `yaml:"rate,omitempty" json:"rate,omitempty"`

	// Source form: Sources × EventsPerSource × PeakFactor events/s, sent in batches of Batch
	// events. Sources defaults to load.rates_at. EventsPerSource may instead be derived from
	// BytesPerMonth (total at load.rates_at) ÷ EventSize.
	Sources         float64 `yaml:"sources,omitempty" json:"sources,omitempty"`
	EventsPerSource Rate    `yaml:"events_per_source,omitempty" json:"events_per_source,omitempty"`
	BytesPerMonth   Size    `yaml:"bytes_per_month,omitempty" json:"bytes_per_month,omitempty"`
	EventSize       Size    `yaml:"event_size,omitempty" json:"event_size,omitempty"`
	PeakFactor      float64 `yaml:"peak_factor,omitempty" json:"peak_factor,omitempty"`
	Batch           int     `yaml:"batch,omitempty" json:"batch,omitempty"`

	// Closed form: Population users each thinking Think between requests.
	Population int  `yaml:"population,omitempty" json:"population,omitempty"`
	Think      Dist `yaml:"think,omitempty" json:"think,omitempty"`

	// Mix splits the flow into weighted request classes (API traffic: list, search, write).
	// Each entry's Entry is used for that share. Without Mix the flow's own Entry/Route is used.
	Mix []MixEntry `yaml:"mix,omitempty" json:"mix,omitempty"`

	// Entry is the first call of a deployment flow.
	Entry *Call `yaml:"entry,omitempty" json:"entry,omitempty"`
	// Route is the path through plain stations.
	Route []Step `yaml:"route,omitempty" json:"route,omitempty"`
}

// MixEntry is one class of a request mix.
type MixEntry struct {
	Name   string  `yaml:"name" json:"name"`
	Weight float64 `yaml:"weight" json:"weight"`
	Entry  *Call   `yaml:"entry,omitempty" json:"entry,omitempty"`
	Route  []Step  `yaml:"route,omitempty" json:"route,omitempty"`
}

// Step is one step of a plain route: visit Station, or take one Branch chosen by probability.
type Step struct {
	Station string   `yaml:"station,omitempty" json:"station,omitempty"`
	Branch  []Branch `yaml:"branch,omitempty" json:"branch,omitempty"`
}

// Branch is one alternative of a Step, taken with Probability (branches of a step sum to ≤ 1;
// the remainder skips the step).
type Branch struct {
	Probability float64 `yaml:"probability" json:"probability"`
	Route       []Step  `yaml:"route" json:"route"`
}
