package sim

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/capsim/capsim/scenarios"
	"github.com/capsim/capsim/sim/availability"
)

// Dist is the shape of a random variate source; gonum's distuv distributions satisfy it as they are.
type Dist interface{ Rand() float64 }

var _ Dist = distuv.Gamma{}

// Station kinds.
const (
	kindStation = "station"
	kindCPU     = "cpu"
	kindDisk    = "disk"
	kindPool    = "pool"
	kindQueue   = "queue"
)

// stationSpec is a compiled station: a queue with servers and a discipline.
type stationSpec struct {
	name    string
	kind    string // station, cpu, disk
	comp    Component
	node    int // node index for cpu/disk, -1 otherwise
	servers int
	ps      bool // processor sharing (node CPUs)
	cap     int  // capacity K (0 = unbounded)
	// node CPUs with a CFS quota (cpu_limit): at most budget = limit × period CPU-ns per period
	// (periods aligned at multiples of period from time 0). limit is also set, with period 0,
	// when it equals the cores: such a quota never binds.
	limit  float64 // CPUs (0 = no limit)
	period int64   // ns (0 = no quota to enforce)
	budget float64 // CPU-ns per period
	// plain-station service distribution (for analytic checks)
	service *distSpec
}

// capacity is the most work per unit of time the station can do: its servers, or its CPU limit.
func (sp *stationSpec) capacity() float64 {
	if sp.limit > 0 {
		return sp.limit
	}
	return float64(sp.servers)
}

// poolSpec is a compiled counting semaphore (worker pool, connection pool, queue consumers).
type poolSpec struct {
	name       string
	kind       string // pool or queue
	comp       Component
	size       int
	maxWaiting int // -1 unbounded
	drop       bool
}

// distSpec is a compiled distribution in nanoseconds.
type distSpec struct {
	kind    uint8
	mean    float64 // ns
	a, b    float64 // lognormal mu/sigma (ln ns); uniform min/max
	samples []float64
	gammaK  float64 // gamma shape
	scv     float64
}

const (
	dExp uint8 = iota
	dDet
	dLognormal
	dGamma
	dUniform
	dEmpirical
)

// sampler draws from a distSpec with one stream.
type sampler struct {
	d   distSpec
	r   *rand.Rand
	gam Dist // gonum gamma (shape/scale) when d.kind == dGamma and the shape is below 1
	// Marsaglia–Tsang constants for shape ≥ 1 (d = k − 1/3, c = 1/√(9d), scale θ = mean/k)
	mtD, mtC, mtTheta float64
}

// newSampler prepares a sampler; gamma with shape ≥ 1 (the per-event sums of batches) uses
// Marsaglia and Tsang's method ("A simple method for generating gamma variables", ACM TOMS 26(3),
// 2000) with its constants computed once, the hot path of the kernel; other shapes use gonum.
func newSampler(d distSpec, r *rand.Rand) sampler {
	s := sampler{d: d, r: r}
	if d.kind == dGamma {
		if d.gammaK >= 1 {
			s.mtD = d.gammaK - 1.0/3
			s.mtC = 1 / math.Sqrt(9*s.mtD)
			s.mtTheta = d.mean / d.gammaK
		} else {
			s.gam = distuv.Gamma{Alpha: d.gammaK, Beta: d.gammaK / d.mean, Src: rand.NewPCG(r.Uint64(), r.Uint64())}
		}
	}
	return s
}

// gammaMT is one Marsaglia–Tsang draw (shape ≥ 1).
func (s *sampler) gammaMT() float64 {
	for {
		x := s.r.NormFloat64()
		v := 1 + s.mtC*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := s.r.Float64()
		x2 := x * x
		if u < 1-0.0331*x2*x2 || math.Log(u) < 0.5*x2+s.mtD*(1-v+math.Log(v)) {
			return s.mtD * v * s.mtTheta
		}
	}
}

func (s *sampler) draw() float64 {
	switch s.d.kind {
	case dExp:
		return s.r.ExpFloat64() * s.d.mean
	case dDet:
		return s.d.mean
	case dLognormal:
		return math.Exp(s.d.a + s.d.b*s.r.NormFloat64())
	case dGamma:
		if s.gam != nil {
			return s.gam.Rand()
		}
		return s.gammaMT()
	case dUniform:
		return s.d.a + s.r.Float64()*(s.d.b-s.d.a)
	case dEmpirical:
		return s.d.samples[s.r.IntN(len(s.d.samples))]
	}
	return s.d.mean
}

// Opcodes of the compiled request programs.
const (
	opEnd       uint8 = iota
	opVisit           // visit station a with demand samplers d1 (+ d2)
	opVisitInst       // visit the cpu (b2=0) or disk (b2=1) of the instance picked in slot b of service a
	opVisitNode       // visit cpu (b2=0) or disk (b2=1) of job.node
	opPick            // balancer of service a picks an instance into slot b
	opUnpick          // release slot b of service a (least_conn accounting)
	opBranch          // with probability p continue, else jump to a
	opJump            // jump to a
	opAcquire         // acquire pool a (+ svcPool of slot b when b >= 0 and a < 0)
	opRelease         // release the most recently acquired pool
	opFork            // spawn the child programs of fork table a, wait for all
	opPickCopy        // job.node = a copy of shard b of store a
	opSetNode         // job.node = a
	opDelay           // wait d1
	opSetCopy         // job.node = copy of rank b2 of shard b of store a (rank 0 = primary); skip to c if unavailable
)

// instr is one instruction. Operands are indices into the model's tables.
type instr struct {
	op     uint8
	b2     uint8
	a, b   int32
	p      float64
	d1, d2 int32 // sampler indices (-1 none)
	stream int32 // stream for branch/pick decisions
	c      int32 // opPick of a cache: where a failed lookup continues (its miss branch); opSetCopy: skip target
}

// program is a flat instruction list; child programs of forks are programs too.
type program struct {
	name string
	code []instr
}

// service is a compiled balancer + instances.
type serviceRT struct {
	name      string
	policy    uint8
	nodes     []int     // node per instance
	weights   []float64 // per instance
	pools     []int32   // per-instance pool (-1 none)
	backup    []bool    // per instance: used only while no other instance is up
	hasBackup bool
	stream    int32
	single    bool // the scenario's service may not run more than one instance
}

const (
	polRoundRobin uint8 = iota
	polLeastConn
	polWeighted
	polSourceHash
	polRandom
)

// storeRT is a compiled sharded store: node of each copy of each shard (primary first).
type storeRT struct {
	name   string
	copies [][]int // shard → node indices
	stream int32
	// totalPerNode is the store's total_shards_per_node (0: no limit)
	totalPerNode int
}

// flowRT is a compiled flow.
type flowRT struct {
	name       string
	closed     bool
	poisson    bool
	rate       float64 // requests/s at load m.ref (open)
	population int     // at load m.ref (closed)
	think      int32   // sampler (closed)
	progs      []int32 // mix programs
	cum        []float64
	events     float64 // events per request
	peak       float64 // peak factor in rate (scenarios.FlowPeak): rate ÷ peak is the average rate
	sources    int     // for source hashing
	stream     int32
	p95Target  float64 // ms, 0 none
	agents     bool    // an ingest flow of agents (source form): failed requests are retried
}

// Model is a scenario compiled once (Compile): the kernel's tables and everything the analyses
// read, resolved. Its methods are the analyses: At, Run, Failures, NMinus1, Availability,
// CheckAnalytic. It is immutable and shared by replications; the what-if variants of Run's advice
// and of NMinus1 are new Models compiled from modified copies of the source scenario.
type Model struct {
	name      string
	stations  []stationSpec
	pools     []poolSpec
	progs     []program
	code      []instr     // every program's code end to end, jumps relocated (flatten)
	progStart []int32     // per program: the index of its first instruction in code
	forks     [][]int32   // fork table: child programs
	forkEv    []float64   // events each child of an index fork stores (0 for queries)
	services  []serviceRT // the scenario's services (the first nSvc), then databases' and caches'
	nSvc      int
	stores    []storeRT
	flows     []flowRT
	dists     []distSpec
	distNames []string // stream name per sampler
	streams   []string // decision streams
	nodeNames []string
	nodeCPU   []int32 // station index of node i's CPU
	nodeDisk  []int32 // station index of node i's disk
	quota     bool    // some station has a CFS quota to enforce
	design    float64 // design load
	ref       float64 // load at which the flows' rates and populations are given (load.rates_at)
	dm        demands // expected demand per request (operational analysis), set by Compile

	// resolved by Compile (settings.go); the analyses read these, never the scenario
	head        Result   // the descriptive fields every Result starts with
	overrides   []string // --set assignments (Settings.Overrides)
	miniature   *Miniature
	load        loadCfg
	slo         sloSpec
	sim         simSettings
	nodes       []nodeInfo // in file order (index = node index)
	sizing      *scenarios.Sizing
	storage     *StorageResult // storage growth at design load, nil without a storage section
	storageNote bool
	retention   time.Duration // storage.retention (0: none)
	indexRatio  float64       // storage.index_ratio as written
	failures    []failSpec    // scheduled failures, in file order
	ha          scenarios.HA  // with defaults applied (scenarios.HA.WithHADefaults)
	// failover: Patroni promotes a database replica (scenarios.HA.FailoverManaged)
	failover     bool
	orchestrated bool      // ha.orchestrator is set
	orchPool     []bool    // per node: in the orchestrator's pool (scenarios.Scenario.OrchestratorPool)
	svcMemory    []float64 // per scenario service: memory per instance, bytes
	dbs          []dbInfo  // in file order
	uses         []availability.FlowUse
	avail        *availabilitySpec // nil without an availability section
	// src is the scenario compiled, kept only to build what-if variants (whatif.go): a
	// variant is a modified clone compiled anew.
	src *scenarios.Scenario
}

// streamSeed is the FNV-1a hash of a stream's name: adding a component adds a name and does
// not change the draws of any other stream.
func streamSeed(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// splitmix64 is one output of Steele, Lea and Flood's SplitMix64 from state x ("Fast
// splittable pseudorandom number generators", OOPSLA 2014): x + γ through Stafford's
// variant 13 finaliser, a bijection of 64-bit words.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// streamState is the 128-bit PCG state (hi, lo) of the stream name in replication rep of
// seed. The seed, the replication and the name's hash are chained through splitmix64 into one
// key, and both words are successive SplitMix64 outputs from that key, so each of the three
// reaches both words. Go's PCG advances its state by a 128-bit LCG in which the low word
// evolves on its own: states that differ only in the high word (as the replications of a
// stream once did, the name alone giving the low word) keep the same low word for ever and
// lie a multiple of 2^64 steps apart on one sequence.
func streamState(seed uint64, rep int, name string) (hi, lo uint64) {
	k := splitmix64(splitmix64(splitmix64(seed)^uint64(rep)) ^ streamSeed(name))
	return splitmix64(k), splitmix64(k + 0x9e3779b97f4a7c15)
}

// newStream is the random stream name of replication rep of seed.
func newStream(seed uint64, rep int, name string) *rand.Rand {
	return rand.New(rand.NewPCG(streamState(seed, rep, name)))
}
