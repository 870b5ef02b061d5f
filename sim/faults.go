package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/capsim/capsim/scenarios"
)

// Failure mechanics (issue 3). A kernel gets a faultRT when the scenario has failures; without one
// every hook below is a nil check. Times are ns since the start of the replication; the scenario's
// `at` is measured from the end of the warm-up.

// mechanism actions scheduled as evMech events; the argument is an index into faultRT.acts.
type action struct {
	kind   uint8
	svc    int // service (balancer) or store or database or cache service
	inst   int // instance, shard
	copy   int
	node   int
	fail   int // failure index
	target int // new node for a moved instance
}

const (
	actLBDown       uint8 = iota // balancer marks instance down (health check fall)
	actLBUp                      // balancer marks instance up (health check rise)
	actDBPromote                 // Patroni promotes the first replica
	actStoreDetect               // the search master removes a node: promote replicas
	actStoreRealloc              // delayed timeout: re-create missing copies elsewhere
	actCopyReady                 // a recovered copy becomes active
	actMove                      // orchestrator restarts an instance on another node
	actRestart                   // orchestrator restarts a crashed container in place
)

type faultRT struct {
	ha        scenarios.HA
	fails     []failSpec
	nodeDown  []bool      // crashed or stopped: arrivals refused
	crashed   []bool      // crashed (work in progress lost)
	paused    []bool      // hung: nothing progresses
	slow      []float64   // service-time factor
	deferred  [][]event   // FCFS departures held while a node is paused
	downSince []int64     // when each node failed
	instDown  [][]bool    // service-level faults (actual)
	lbUp      [][]bool    // what each balancer believes
	moved     [][]bool    // instance moved by the orchestrator (immune to its old node)
	orch      *orchPlacer // the orchestrator's placement state, made at its first move
	phase     []int64     // health-check phase per service
	acts      []action
	rng       *rand.Rand
	// stores: copies per shard (node index), active flags, primary copy index
	copies  [][][]int
	sNodes  [][]int // distinct data nodes of each store (master-eligible)
	active  [][][]bool
	primary [][]int
	quorum  []int
	// databases: recent write acknowledgements (ns) for the RPO, primary availability
	dbAcks   [][]int64
	dbFailed []bool // primary gone, writes refused until promotion
	dbUnrep  []int  // per database: acknowledged writes not yet on the replica at the crash
	svcDB    []int  // per service: the database whose primary it is, -1 for every other
	// agents
	backlog []int64 // per flow: requests waiting for retry
	bufCap  []int64
	retries []bool // per flow: agents retry (ingest flows)
	// timeline
	secNS    int64
	series   []TimePoint
	secHist  *hdrhistogram.Histogram
	secFlow  []*hdrhistogram.Histogram
	flowSecN []int64
	flowP95  [][]float64 // per second per flow P95 (ms)
	flowThr  [][]float64 // per second per flow completions
	flowOver [][]float64 // per second per flow completions slower than the P95 target
	overN    []int64
	flowErr  [][]float64 // per second per flow failed attempts
	errN     []int64
	cur      TimePoint
	events   []TimelineEvent
	// per failure measures
	m []failMeasure
}

type failMeasure struct {
	detect      float64 // s after the fault; -1 none
	rpo         float64
	lost        float64
	dropped     float64
	duplicated  float64
	failedReqs  float64
	recoveredAt int64 // repair time (ns), 0 none
}

// failureOf is the failure whose effects are being counted now: the last one that started.
func (fs *faultRT) failureOf(now int64, warm int64) int {
	cur := -1
	for i, f := range fs.fails {
		if warm+f.at <= now {
			cur = i
		}
	}
	return cur
}

func newFaultRT(k *kernel, seed uint64, rep int) *faultRT {
	m := k.m
	fs := &faultRT{ha: m.ha, fails: m.failures}
	n := len(m.nodeNames)
	fs.nodeDown, fs.crashed, fs.paused = make([]bool, n), make([]bool, n), make([]bool, n)
	fs.slow = make([]float64, n)
	for i := range fs.slow {
		fs.slow[i] = 1
	}
	fs.deferred = make([][]event, n)
	fs.downSince = make([]int64, n)
	fs.rng = newStream(seed, rep, "faults")
	// kernel-owned copies of what failures change
	k.svcNodes = make([][]int, len(m.services))
	fs.instDown = make([][]bool, len(m.services))
	fs.lbUp = make([][]bool, len(m.services))
	fs.moved = make([][]bool, len(m.services))
	fs.phase = make([]int64, len(m.services))
	inter := int64(fs.ha.HealthCheck.Inter)
	for i, sv := range m.services {
		k.svcNodes[i] = append([]int(nil), sv.nodes...)
		fs.instDown[i] = make([]bool, len(sv.nodes))
		fs.lbUp[i] = make([]bool, len(sv.nodes))
		fs.moved[i] = make([]bool, len(sv.nodes))
		for j := range fs.lbUp[i] {
			fs.lbUp[i][j] = true
		}
		fs.phase[i] = int64(fs.rng.Float64() * float64(inter))
	}
	for si, st := range m.stores {
		cp := make([][]int, len(st.copies))
		ac := make([][]bool, len(st.copies))
		for sh, c := range st.copies {
			cp[sh] = append([]int(nil), c...)
			ac[sh] = make([]bool, len(c))
			for x := range ac[sh] {
				ac[sh][x] = true
			}
		}
		fs.copies = append(fs.copies, cp)
		fs.active = append(fs.active, ac)
		fs.primary = append(fs.primary, make([]int, len(st.copies)))
		fs.sNodes = append(fs.sNodes, storeNodes(m, si))
		fs.quorum = append(fs.quorum, fs.ha.Search.MasterQuorum(len(fs.sNodes[si])))
	}
	fs.dbAcks = make([][]int64, len(m.dbs))
	fs.svcDB = make([]int, len(m.services))
	for i, sv := range m.services {
		fs.svcDB[i] = -1
		for d, db := range m.dbs {
			if sv.name == "db:"+db.name+":primary" {
				fs.svcDB[i] = d
			}
		}
	}
	fs.dbFailed = make([]bool, len(m.dbs))
	fs.dbUnrep = make([]int, len(m.dbs))
	fs.backlog = make([]int64, len(m.flows))
	fs.bufCap = make([]int64, len(m.flows))
	fs.retries = make([]bool, len(m.flows))
	for f, fl := range m.flows {
		fs.retries[f] = fl.agents // agent ingest flows
		c := int64(fs.ha.Agents.Capacity)
		if c == 0 {
			c = int64(math.Max(1, fl.rate*600)) // 10 minutes of design-load requests
		}
		fs.bufCap[f] = c
	}
	fs.secNS = int64(1e9)
	fs.secHist = hdrhistogram.New(1, histMaxMicros, 2)
	fs.secFlow = make([]*hdrhistogram.Histogram, len(m.flows))
	for f := range fs.secFlow {
		fs.secFlow[f] = hdrhistogram.New(1, histMaxMicros, 2)
	}
	fs.flowSecN = make([]int64, len(m.flows))
	fs.flowP95 = make([][]float64, len(m.flows))
	fs.flowThr = make([][]float64, len(m.flows))
	fs.flowOver = make([][]float64, len(m.flows))
	fs.overN = make([]int64, len(m.flows))
	fs.flowErr = make([][]float64, len(m.flows))
	fs.errN = make([]int64, len(m.flows))
	fs.m = make([]failMeasure, len(m.failures))
	for i := range fs.m {
		fs.m[i].detect = -1
	}
	return fs
}

// storeNodes lists the distinct nodes of a store.
func storeNodes(m *Model, si int) []int {
	seen := map[int]bool{}
	var out []int
	for _, c := range m.stores[si].copies {
		for _, n := range c {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Ints(out)
	return out
}

func (k *kernel) note(format string, a ...any) {
	fs := k.fs
	if fs == nil || k.now < k.warm {
		return
	}
	fs.events = append(fs.events, TimelineEvent{T: float64(k.now-k.warm) / 1e9, What: fmt.Sprintf(format, a...)})
}

func (k *kernel) schedule(at int64, a action) {
	k.fs.acts = append(k.fs.acts, a)
	k.h.push(at, evMech, int32(len(k.fs.acts)-1), 0)
}

// nextCheck is the first health check of service s at or after t.
func (k *kernel) nextCheck(s int, t int64) int64 {
	inter := int64(k.fs.ha.HealthCheck.Inter)
	ph := k.fs.phase[s]
	if t <= ph {
		return ph
	}
	n := (t - ph + inter - 1) / inter
	return ph + n*inter
}

// instUp reports whether instance i of service s actually serves.
func (k *kernel) instUp(s, i int) bool {
	fs := k.fs
	return !fs.instDown[s][i] && !fs.nodeDown[k.svcNodes[s][i]]
}

// fault starts (rep=false) or repairs (rep=true) failure fi.
func (k *kernel) fault(fi int, repair bool) {
	fs := k.fs
	f := &fs.fails[fi]
	kind := f.kind
	m := k.m
	if !repair {
		k.note("%s: %s", f.label, kind)
		if f.recoverAfter > 0 {
			k.h.push(k.now+f.recoverAfter, evFault, int32(fi), 1)
		}
	} else {
		k.note("%s repaired", f.target)
		fs.m[fi].recoveredAt = k.now
	}
	// the instances and nodes this failure touches (resolved by Compile)
	nodes, insts := f.nodes, f.insts
	for _, n := range nodes {
		if !repair {
			fs.downSince[n] = k.now
		}
		switch kind {
		case scenarios.FailSlow:
			fs.slow[n] = map[bool]float64{false: f.factor, true: 1}[repair]
			continue
		case scenarios.FailPause, scenarios.FailPartition:
			k.setPaused(n, !repair)
		case scenarios.FailCrash, scenarios.FailStop:
			fs.nodeDown[n] = !repair
			fs.crashed[n] = !repair && kind == scenarios.FailCrash
			if !repair && kind == scenarios.FailCrash {
				k.abortNode(n)
			}
		}
		// every instance on the node
		for s := range m.services {
			for i, nn := range k.svcNodes[s] {
				if nn == n && !fs.moved[s][i] {
					k.instanceChanged(s, i, fi, kind, repair)
				}
			}
		}
		k.storeNodeChanged(n, fi, kind, repair)
	}
	for _, x := range insts {
		if kind == scenarios.FailSlow {
			continue // service-level slowness is not modelled separately from the node
		}
		fs.instDown[x.s][x.i] = !repair
		k.instanceChanged(x.s, x.i, fi, kind, repair)
	}
}

// instanceChanged schedules how the system notices an instance going down or coming back:
// Patroni for a database primary, Sentinel for a cache, health checks for every balancer.
func (k *kernel) instanceChanged(s, i, fi int, kind string, repair bool) {
	fs := k.fs
	m := k.m
	name := m.services[s].name
	hc := fs.ha.HealthCheck
	inter := int64(hc.Inter)
	switch {
	case fs.svcDB[s] >= 0:
		if repair {
			if db := fs.svcDB[s]; fs.dbFailed[db] && !fs.moved[s][i] {
				// never failed over: the restarted primary takes writes again
				fs.dbFailed[db] = false
				fs.lbUp[s][i] = true
				k.note("database %s primary back", k.m.dbs[db].name)
			}
			return // after a failover the old primary rejoins as a replica
		}
		db := fs.svcDB[s]
		if fs.dbFailed[db] {
			return
		}
		fs.dbFailed[db] = true
		fs.lbUp[s][i] = false
		k.unreplicated(db)
		// Patroni: the leader key expires ttl after its last renewal (uniform within loop_wait);
		// the replicas watch the key, so one wakes at its expiry, without waiting for its next
		// loop, and promotes itself: 0.6–1.2 s after the lease ran out on the reference cluster
		// (DESIGN.md, "Real failover works": ttl 30 / loop_wait 10 failed over 22.9–28.8 s after
		// the kill, ttl 10 / loop_wait 2 after 10.2 s).
		p := fs.ha.Patroni
		expire := k.now + int64(p.TTL) - int64(fs.rng.Float64()*float64(p.LoopWait))
		promote := expire + int64(patroniPromoteMin) + int64(fs.rng.Float64()*float64(patroniPromoteSpread))
		if _, _, ok := scenarios.Promote(k.m.dbs[db].replicas); !ok {
			k.note("database %s: no replica to promote; writes fail until the primary returns", k.m.dbs[db].name)
			return
		}
		if !k.m.failover {
			k.note("database %s: no failover manager (no ha.patroni) promotes its replica; writes fail until the primary returns", k.m.dbs[db].name)
			return
		}
		if lagBytes := fs.writeRate(k, db) * float64(p.WriteSize) * p.ReplicationLag.Seconds(); lagBytes > float64(p.MaximumLagOnFailover) && !k.m.dbs[db].sync {
			k.note("database %s: replica lag %.0f B > maximum_lag_on_failover: no promotion", k.m.dbs[db].name, lagBytes)
			return
		}
		k.schedule(promote, action{kind: actDBPromote, svc: s, fail: fi})
	case len(name) > 6 && name[:6] == "cache:":
		// Sentinel: clients are told after down-after-milliseconds (+ the failover when it was the
		// master); until then lookups on the dead node fail and fall through to the database.
		d := int64(fs.ha.Sentinel.DownAfter)
		if i == 0 && !repair {
			d += int64(fs.rng.Float64() * float64(fs.ha.Sentinel.FailoverTimeout) / 10)
		}
		if repair {
			k.schedule(k.now, action{kind: actLBUp, svc: s, inst: i, fail: fi})
			return
		}
		k.schedule(k.now+d, action{kind: actLBDown, svc: s, inst: i, fail: fi})
	default:
		if repair {
			// rise successful checks
			t := k.nextCheck(s, k.now) + int64(hc.Rise-1)*inter
			k.schedule(t, action{kind: actLBUp, svc: s, inst: i, fail: fi})
			return
		}
		if o := fs.ha.Orchestrator; o != nil && !isInternal(name) && !fs.nodeDown[k.svcNodes[s][i]] && !fs.paused[k.svcNodes[s][i]] {
			// a container that exits on a live node leaves its Service's endpoints at once; the
			// kubelet restarts it after the start delay
			k.schedule(k.now, action{kind: actLBDown, svc: s, inst: i, fail: fi})
			k.schedule(k.now+int64(o.StartDelay), action{kind: actRestart, svc: s, inst: i, fail: fi})
			return
		}
		// fall failed checks. A refused check fails at once, and the next starts inter later:
		// the fixed grid of nextCheck. A hung server (paused, or cut off the network) fails a
		// check only when it times out; HAProxy without `timeout check` (seed 001's
		// configuration, and the miniature's) bounds the whole check, connect included, by
		// inter, and starts the next check inter after the previous one ended (HAProxy
		// configuration manual, "timeout check"; src/check.c reschedules at now + inter), so
		// the first failure comes inter after the first check and the others every 2·inter.
		t := k.nextCheck(s, k.now) + int64(hc.Fall-1)*inter
		if kind == scenarios.FailPause || kind == scenarios.FailPartition {
			t = k.nextCheck(s, k.now) + inter + int64(hc.Fall-1)*2*inter
		}
		k.schedule(t, action{kind: actLBDown, svc: s, inst: i, fail: fi})
		if o := fs.ha.Orchestrator; o != nil && !isInternal(name) {
			k.schedule(k.now+int64(o.NodeDownTimeout)+int64(o.StartDelay), action{kind: actMove, svc: s, inst: i, fail: fi})
		}
	}
}

func isInternal(name string) bool {
	return len(name) > 3 && (name[:3] == "db:" || (len(name) > 6 && name[:6] == "cache:"))
}

// writeRate is the recent write rate of database db (acks in the last 10 s).
func (fs *faultRT) writeRate(k *kernel, db int) float64 {
	n := 0
	for _, t := range fs.dbAcks[db] {
		if t > k.now-10e9 {
			n++
		}
	}
	return float64(n) / 10
}

// unreplicated notes, when the primary of database db crashes, the acknowledged writes within
// the replication lag: with asynchronous replication they have not reached the replica yet.
// Synchronous commit leaves none. They are lost only if the replica is promoted: a primary that
// restarts replays its WAL (every acknowledged commit was fsynced), so without a failover
// nothing is lost.
func (k *kernel) unreplicated(db int) {
	fs := k.fs
	fs.dbUnrep[db] = 0
	if k.m.dbs[db].sync {
		return
	}
	lag := int64(fs.ha.Patroni.ReplicationLag)
	n := 0
	for _, t := range fs.dbAcks[db] {
		if t > k.now-lag {
			n++
		}
	}
	fs.dbUnrep[db] = n
}

// lostWrites counts, when a replica of database db is promoted, the writes acknowledged by the
// crashed primary that never reached it (RPO).
func (k *kernel) lostWrites(db, fi int) {
	fs := k.fs
	n := fs.dbUnrep[db]
	fs.dbUnrep[db] = 0
	fs.m[fi].rpo += float64(n)
	fs.m[fi].lost += float64(n)
	if n > 0 {
		k.note("database %s: %d acknowledged writes within the %s replication lag are lost", k.m.dbs[db].name, n, fs.ha.Patroni.ReplicationLag)
	}
}

// Patroni's promotion after the leader key expired: uniform in [min, min+spread] (the
// reference cluster's 0.6–1.2 s, DESIGN.md).
const (
	patroniPromoteMin    = 600 * time.Millisecond
	patroniPromoteSpread = 600 * time.Millisecond
)

// readsFollow moves, after Patroni promoted node to primary of database db, the reads routed
// to the primary (read_routing primary, the default) from the old primary's node with it: the
// clients reach "the primary" through Patroni's routing (HAProxy's GET /primary check, as in
// seed 001 and the miniature), not a fixed node. Reads routed to replicas or to all members
// keep their instances; the old primary's stays down until it rejoins. The balancer sends the
// moved reads to the new leader at up, with the writes.
func (k *kernel) readsFollow(db, old, node int, up int64, fail int) {
	fs := k.fs
	d := k.m.dbs[db]
	if d.readRouting != "" && d.readRouting != "primary" {
		return
	}
	r := d.read
	for i, n := range k.svcNodes[r] {
		if n == old {
			k.svcNodes[r][i] = node
			fs.moved[r][i] = true
			fs.instDown[r][i] = false
			fs.lbUp[r][i] = false // the balancer sends reads there once its checks pass
			k.schedule(up, action{kind: actLBUp, svc: r, inst: i, fail: fail})
		}
	}
}

// ackWrite records a write acknowledged by database primary service s.
func (k *kernel) ackWrite(s int32) {
	fs := k.fs
	db := fs.svcDB[s]
	if db < 0 {
		return
	}
	a := append(fs.dbAcks[db], k.now)
	// keep ~ the last 10 s
	cut := 0
	for cut < len(a) && a[cut] < k.now-int64(10e9) {
		cut++
	}
	fs.dbAcks[db] = a[cut:]
}

// storeNodeChanged handles a data node leaving or rejoining every store it belongs to.
func (k *kernel) storeNodeChanged(n, fi int, kind string, repair bool) {
	fs := k.fs
	for si := range fs.copies {
		holds := false
		for _, c := range fs.copies[si] {
			for _, x := range c {
				if x == n {
					holds = true
				}
			}
		}
		if !holds {
			continue
		}
		if repair {
			// the node's copies catch up from the primaries (operations-based recovery): the
			// writes they missed, at the recovery rate
			missed := k.shardBytes(si) / math.Max(1, k.m.retention.Seconds()) * float64(k.now-fs.downSince[n]) / 1e9
			if k.m.retention == 0 {
				missed = 0
			}
			d := int64(missed/float64(fs.ha.Search.RecoveryRate)*1e9) + int64(1e9)
			for sh, c := range fs.copies[si] {
				for x, nn := range c {
					if nn == n && !fs.active[si][sh][x] {
						k.schedule(k.now+d, action{kind: actCopyReady, svc: si, inst: sh, copy: x, fail: fi})
					}
				}
			}
			continue
		}
		det := fs.ha.Search.FaultDetection
		if det == 0 {
			det = scenarios.Duration(3e9)
			if kind == scenarios.FailPause || kind == scenarios.FailPartition {
				det = scenarios.Duration(33e9)
			}
		}
		k.schedule(k.now+int64(det), action{kind: actStoreDetect, svc: si, node: n, fail: fi})
	}
}

// setPaused freezes or thaws every station of node n.
func (k *kernel) setPaused(n int, on bool) {
	fs := k.fs
	cpu, disk := k.m.nodeCPU[n], k.m.nodeDisk[n]
	if on {
		k.psAdvanceV(cpu)
		fs.paused[n] = true
		k.st[cpu].ver++ // cancels the pending completion
		k.st[cpu].pending = false
		return
	}
	fs.paused[n] = false
	k.st[cpu].lastV = k.now
	k.psReschedule(cpu)
	for _, e := range fs.deferred[n] {
		k.h.pushG(k.now, e.kind, e.a, e.b, e.g)
	}
	fs.deferred[n] = fs.deferred[n][:0]
	_ = disk
}

// abortNode fails every job at node n's stations (a crash loses work in progress).
func (k *kernel) abortNode(n int) {
	cpu, disk := k.m.nodeCPU[n], k.m.nodeDisk[n]
	if k.m.stations[cpu].period > 0 {
		k.psAdvanceV(cpu) // the CPU its quota counted until the crash
	}
	for _, s := range []int32{cpu, disk} {
		k.acc(s)
		st := &k.st[s]
		st.n, st.busy = 0, 0
		st.q.head, st.q.size = 0, 0
		st.tags = st.tags[:0]
		st.ver++
		st.pending = false
	}
	var victims []int32
	for j := range k.jobs {
		if cs := k.jobs[j].curSt; cs == cpu || cs == disk {
			victims = append(victims, int32(j))
		}
	}
	for _, j := range victims {
		k.jobs[j].gen++ // pending departures become stale
		k.jobs[j].curSt = -1
		k.failJob(j)
	}
}

// mech runs a scheduled mechanism action.
func (k *kernel) mech(ai int32) {
	fs := k.fs
	a := fs.acts[ai]
	m := k.m
	switch a.kind {
	case actLBDown:
		if !fs.lbUp[a.svc][a.inst] || k.instUp(a.svc, a.inst) && !fs.paused[k.svcNodes[a.svc][a.inst]] {
			return
		}
		fs.lbUp[a.svc][a.inst] = false
		if name := m.services[a.svc].name; len(name) < 3 || name[:3] != "db:" {
			k.detected(a.fail) // a database failure is detected by Patroni, not its read balancer
		}
		k.note("balancer of %s marks instance %d (%s) down", m.services[a.svc].name, a.inst+1, m.nodeNames[k.svcNodes[a.svc][a.inst]])
	case actLBUp:
		if fs.lbUp[a.svc][a.inst] || !k.instUp(a.svc, a.inst) {
			return
		}
		fs.lbUp[a.svc][a.inst] = true
		k.note("balancer of %s marks instance %d (%s) up", m.services[a.svc].name, a.inst+1, m.nodeNames[k.svcNodes[a.svc][a.inst]])
	case actDBPromote:
		db := fs.svcDB[a.svc]
		rep, _, _ := scenarios.Promote(k.m.dbs[db].replicas)
		old := k.svcNodes[a.svc][0]
		// Clients reach the new leader through HAProxy's GET /primary check (seed 001, the
		// miniature): it passes on the promoted node from its next check on, and the balancer
		// sends traffic there after rise of them, as to any instance coming back.
		hc := fs.ha.HealthCheck
		up := k.nextCheck(a.svc, k.now) + int64(hc.Rise-1)*int64(hc.Inter)
		for i, n := range m.nodeNames {
			if n == rep {
				k.svcNodes[a.svc][0] = i
				fs.moved[a.svc][0] = true
				k.readsFollow(db, old, i, up, a.fail)
			}
		}
		fs.instDown[a.svc][0] = false
		fs.dbFailed[db] = false
		k.schedule(up, action{kind: actLBUp, svc: a.svc, inst: 0, fail: a.fail})
		k.detected(a.fail)
		k.note("Patroni promotes %s to primary of %s", rep, k.m.dbs[db].name)
		k.lostWrites(db, a.fail)
	case actStoreDetect:
		si := a.svc
		k.detected(a.fail)
		lostQuorum := k.mastersUp(si) < fs.quorum[si]
		for sh, c := range fs.copies[si] {
			for x, n := range c {
				if n == a.node && fs.active[si][sh][x] && (fs.nodeDown[n] || fs.paused[n]) {
					fs.active[si][sh][x] = false
				}
			}
			if !fs.active[si][sh][fs.primary[si][sh]] {
				for x := range c {
					if fs.active[si][sh][x] {
						fs.primary[si][sh] = x
						break
					}
				}
			}
		}
		k.note("search master removes %s from %s: replicas promoted, cluster %s%s", m.nodeNames[a.node], m.stores[si].name, k.health(si), map[bool]string{true: " (master quorum lost: writes stop)", false: ""}[lostQuorum])
		k.schedule(k.now+int64(fs.ha.Search.DelayedTimeout), action{kind: actStoreRealloc, svc: si, node: a.node, fail: a.fail})
	case actStoreRealloc:
		si := a.svc
		if !(fs.nodeDown[a.node] || fs.paused[a.node]) {
			return // the node came back within the delayed timeout
		}
		k.reallocate(si, a.node, a.fail)
	case actCopyReady:
		if n := fs.copies[a.svc][a.inst][a.copy]; fs.nodeDown[n] || fs.paused[n] {
			return
		}
		fs.active[a.svc][a.inst][a.copy] = true
		if k.health(a.svc) == "green" {
			k.note("%s green again", m.stores[a.svc].name)
		}
	case actRestart:
		if !fs.instDown[a.svc][a.inst] {
			return
		}
		fs.instDown[a.svc][a.inst] = false
		fs.lbUp[a.svc][a.inst] = true
		k.note("orchestrator restarts %s instance %d", m.services[a.svc].name, a.inst+1)
	case actMove:
		if k.instUp(a.svc, a.inst) && fs.lbUp[a.svc][a.inst] {
			return
		}
		if fs.orch == nil {
			fs.orch = m.newOrchPlacer()
		}
		from := k.svcNodes[a.svc][a.inst]
		target := fs.orch.target(m, m.svcMemory[a.svc], func(n int) bool { return !fs.nodeDown[n] && !fs.paused[n] })
		if target < 0 {
			k.note("orchestrator: no surviving node can host %s", m.services[a.svc].name)
			return
		}
		fs.orch.move(from, target, m.svcMemory[a.svc])
		k.svcNodes[a.svc][a.inst] = target
		fs.moved[a.svc][a.inst] = true
		fs.instDown[a.svc][a.inst] = false
		fs.lbUp[a.svc][a.inst] = true
		k.note("orchestrator restarts %s instance %d on %s", m.services[a.svc].name, a.inst+1, m.nodeNames[target])
	}
}

func (k *kernel) detected(fi int) {
	fs := k.fs
	if fi >= 0 && fs.m[fi].detect < 0 {
		fs.m[fi].detect = float64(k.now-k.warm-fs.fails[fi].at) / 1e9
	}
}

func (k *kernel) mastersUp(si int) int {
	n := 0
	for _, x := range k.fs.sNodes[si] {
		if !k.fs.nodeDown[x] && !k.fs.paused[x] {
			n++
		}
	}
	return n
}

// health is green (every copy active), yellow (a replica missing) or red (a shard without an
// active copy, or no master quorum).
func (k *kernel) health(si int) string {
	fs := k.fs
	if k.mastersUp(si) < fs.quorum[si] {
		return "red"
	}
	h := "green"
	for sh := range fs.copies[si] {
		any := false
		for x := range fs.copies[si][sh] {
			if fs.active[si][sh][x] {
				any = true
			} else {
				h = "yellow"
			}
		}
		if !any {
			return "red"
		}
	}
	return h
}

// reallocate re-creates the copies lost with node dead on other data nodes (distinct nodes per
// shard, total_shards_per_node respected); each new copy recovers at the recovery rate.
func (k *kernel) reallocate(si, dead, fi int) {
	fs := k.fs
	perNode := k.m.stores[si].totalPerNode
	nodes := fs.sNodes[si]
	count := map[int]int{}
	for sh := range fs.copies[si] {
		for x, n := range fs.copies[si][sh] {
			if fs.active[si][sh][x] {
				count[n]++
			}
		}
	}
	size := k.shardBytes(si)
	moved := 0
	for sh, c := range fs.copies[si] {
		for x, n := range c {
			if n != dead || fs.active[si][sh][x] {
				continue
			}
			best := -1
			for _, cand := range nodes {
				if fs.nodeDown[cand] || fs.paused[cand] {
					continue
				}
				if perNode > 0 && count[cand] >= perNode {
					continue
				}
				holds := false
				for _, y := range c {
					if y == cand {
						holds = true
					}
				}
				if holds {
					continue
				}
				if best < 0 || count[cand] < count[best] {
					best = cand
				}
			}
			if best < 0 {
				continue
			}
			count[best]++
			fs.copies[si][sh][x] = best
			moved++
			// recovery traffic: one disk server of the target for size/rate seconds
			d := size / float64(fs.ha.Search.RecoveryRate) * 1e9
			k.recoveryJob(best, int64(d), si, sh, x, fi)
		}
	}
	if moved == 0 {
		k.note("%s: no data node can take the missing copies (total_shards_per_node %d): stays %s", k.m.stores[si].name, perNode, k.health(si))
	} else {
		k.note("%s: re-creating %d shard copies elsewhere at %s/s", k.m.stores[si].name, moved, fmtBytes(float64(fs.ha.Search.RecoveryRate)))
	}
}

func fmtBytes(b float64) string {
	switch {
	case b >= 1e9:
		return fmt.Sprintf("%.1f GB", b/1e9)
	case b >= 1e6:
		return fmt.Sprintf("%.0f MB", b/1e6)
	}
	return fmt.Sprintf("%.0f B", b)
}

// recoveryJob occupies one server of node n's disk for d ns, then activates the copy.
func (k *kernel) recoveryJob(n int, d int64, si, sh, x, fi int) {
	at := k.now + d
	k.schedule(at, action{kind: actCopyReady, svc: si, inst: sh, copy: x, fail: fi})
	disk := k.m.nodeDisk[n]
	// a synthetic job holding the disk: an internal program-less visit is modelled as a busy
	// server for the duration (background load the foreground requests queue behind).
	k.acc(disk)
	st := &k.st[disk]
	if int(st.busy) < k.m.stations[disk].servers {
		st.busy++
		st.n++
		k.h.push(at, evMech, -1-disk, 0)
	}
}

// failJob: job j's attempt failed. A fork child marks its parent; a request is retried by its
// agent (ingest flows, with backoff, while the agents' buffer has room) or counted failed.
func (k *kernel) failJob(j int32) {
	jb := &k.jobs[j]
	fs := k.fs
	if jb.parent >= 0 {
		p := jb.parent
		k.jobs[p].failed = true
		jb.written = 0
		k.finish(j)
		return
	}
	k.releaseAll(jb)
	jb.failed = false
	f := jb.flow
	fl := &k.m.flows[f]
	fi := fs.failureOf(k.now, k.warm)
	if k.measure {
		fs.cur.Errors++
		fs.errN[f]++
	}
	if fi >= 0 && jb.attempt == 0 {
		fs.m[fi].failedReqs++
	}
	if fs.retries[f] {
		if fi >= 0 && jb.written > 0 {
			fs.m[fi].duplicated += float64(jb.written)
		}
		jb.written = 0
		if fs.backlog[f] >= fs.bufCap[f] {
			if k.measure {
				fs.cur.Dropped++
				k.flows[f].drops++
			}
			if fi >= 0 {
				fs.m[fi].lost += fl.events
				fs.m[fi].dropped += fl.events
			}
			k.flows[f].inSys--
			k.freeJob(j)
			return
		}
		fs.backlog[f]++
		b := float64(fs.ha.Agents.Backoff) * math.Pow(2, float64(jb.attempt))
		b = math.Min(b, float64(fs.ha.Agents.MaxBackoff))
		if jb.attempt < 250 {
			jb.attempt++
		}
		k.h.push(k.now+int64(b), evRetry, 0, j)
		return
	}
	// API and users: the request fails
	if k.measure {
		k.flows[f].drops++
	}
	if fl.closed {
		k.startRequest(j, k.now+int64(k.samplers[fl.think].draw()))
		return
	}
	k.flows[f].inSys--
	k.freeJob(j)
}

func (k *kernel) retry(j int32) {
	fs := k.fs
	jb := &k.jobs[j]
	fs.backlog[jb.flow]--
	jb.pc, jb.nheld, jb.pickMask, jb.failed, jb.miss = k.m.progStart[jb.prog], 0, 0, false, false
	k.advance(j)
}

// pickF chooses an instance of service s among those the balancer believes up; a believed-up
// instance that is actually down refuses the connection and the balancer retries another one
// (retries, redispatch). ok=false when the request cannot be served.
func (k *kernel) pickF(s int32, jb *job) (int, bool) {
	fs := k.fs
	sv := &k.m.services[s]
	hc := fs.ha.HealthCheck
	tries := 0
	tried := uint64(0)
	for {
		healthy := func(i int) bool { return fs.lbUp[s][i] && tried&(1<<uint(i%64)) == 0 }
		// backup servers take traffic only while the balancer believes every other server down
		// (a retry does not reach a backup while a dead primary is still believed up)
		primaryUp := false
		for i := range sv.nodes {
			if !sv.backup[i] && fs.lbUp[s][i] {
				primaryUp = true
				break
			}
		}
		cand := k.pickAmong(s, jb, func(i int) bool { return healthy(i) && (!primaryUp || !sv.backup[i]) })
		if cand < 0 {
			return 0, false
		}
		if k.instUp(int(s), cand) {
			return cand, true
		}
		// connection refused: retry, on another server with redispatch
		tries++
		if tries > hc.Retries {
			return 0, false
		}
		if *hc.Redispatch {
			tried |= 1 << uint(cand%64)
		} else {
			return 0, false
		}
	}
}

// tick closes one second of the timeline.
func (k *kernel) tick() {
	fs := k.fs
	c := &fs.cur
	c.T = float64(k.now-k.warm) / 1e9
	c.P95MS = float64(fs.secHist.ValueAtQuantile(95)) / 1e3
	if fs.secHist.TotalCount() == 0 {
		c.P95MS = 0
	}
	for f := range fs.backlog {
		c.Backlog += float64(fs.backlog[f])
		p := float64(fs.secFlow[f].ValueAtQuantile(95)) / 1e3
		if fs.secFlow[f].TotalCount() == 0 {
			p = 0
		}
		fs.flowP95[f] = append(fs.flowP95[f], p)
		fs.flowThr[f] = append(fs.flowThr[f], float64(fs.flowSecN[f]))
		fs.flowOver[f] = append(fs.flowOver[f], float64(fs.overN[f]))
		fs.flowErr[f] = append(fs.flowErr[f], float64(fs.errN[f]))
		fs.flowSecN[f], fs.overN[f], fs.errN[f] = 0, 0, 0
		fs.secFlow[f].Reset()
	}
	if len(fs.copies) > 0 {
		c.Health = k.health(0)
	}
	for n := range fs.nodeDown {
		if fs.nodeDown[n] || fs.paused[n] {
			c.Down++
		}
	}
	for s := range fs.instDown {
		for i := range fs.instDown[s] {
			if fs.instDown[s][i] {
				c.Down++
			}
		}
	}
	fs.series = append(fs.series, *c)
	*c = TimePoint{}
	fs.secHist.Reset()
	if k.now+fs.secNS <= k.end {
		k.h.push(k.now+fs.secNS, evTick, 0, 0)
	}
}

// recordDone adds a completed request to the current second.
func (k *kernel) recordDone(f int32, lat int64) {
	fs := k.fs
	us := (lat + 999) / 1000
	if us < 1 {
		us = 1
	}
	if us > histMaxMicros {
		us = histMaxMicros
	}
	_ = fs.secHist.RecordValue(us)
	_ = fs.secFlow[f].RecordValue(us)
	fs.flowSecN[f]++
	if t := k.m.flows[f].p95Target; t > 0 && float64(lat)/1e6 > t {
		fs.overN[f]++
	}
	fs.cur.ThroughputPerS++
	fs.cur.EventsPerS += k.m.flows[f].events
}

const (
	copyOK = iota
	copySkip
	copyFail
)

// writeCopy is the node that stores rank r of shard sh of store si for an index request: rank 0
// is the current primary. A replica that is unavailable is skipped (the write is acknowledged
// without it: the cluster is yellow); an unreachable primary, a shard without an active copy or a
// lost master quorum fails the write.
func (k *kernel) writeCopy(si, sh, r int) (int, int) {
	fs := k.fs
	if k.mastersUp(si) < fs.quorum[si] {
		return 0, copyFail
	}
	c := fs.copies[si][sh]
	p := fs.primary[si][sh]
	x := p
	if r > 0 {
		// the r-th copy other than the primary
		x = -1
		seen := 0
		for i := range c {
			if i == p {
				continue
			}
			seen++
			if seen == r {
				x = i
				break
			}
		}
		if x < 0 {
			return 0, copySkip
		}
	}
	n := c[x]
	down := fs.nodeDown[n]
	if !fs.active[si][sh][x] || down {
		if r == 0 {
			return 0, copyFail
		}
		return 0, copySkip
	}
	return n, copyOK
}

// queryCopy picks an active copy of a shard on a reachable node, round robin (Elasticsearch
// retries a failed shard query on another copy, so a dead copy costs no error while another
// exists).
func (k *kernel) queryCopy(si, sh int) (int, bool) {
	fs := k.fs
	c := fs.copies[si][sh]
	for t := 0; t < len(c); t++ {
		x := k.storeRR[si][sh] % len(c)
		k.storeRR[si][sh]++
		if fs.active[si][sh][x] && !fs.nodeDown[c[x]] {
			return c[x], true
		}
	}
	return 0, false
}

// recoveryDone frees the disk server a shard recovery held.
func (k *kernel) recoveryDone(disk int32) {
	k.acc(disk)
	st := &k.st[disk]
	st.n--
	if st.q.size > 0 {
		e := st.q.pop()
		k.h.pushG(k.now+e.demand, evDepart, disk, e.job, k.jobs[e.job].gen)
	} else {
		st.busy--
	}
}

// shardBytes is the data one shard copy holds: ha.search.shard_size, else the storage section's
// bytes per shard over the retention (or 30 days), else 10 GB.
func (k *kernel) shardBytes(si int) float64 {
	fs := k.fs
	if fs.ha.Search.ShardSize > 0 {
		return float64(fs.ha.Search.ShardSize)
	}
	st := k.m.storage
	if st == nil || st.RawBytesPerMonth == 0 || len(fs.copies[si]) == 0 {
		return 10e9
	}
	days := 30.0
	if k.m.retention > 0 {
		days = k.m.retention.Seconds() / 86400
	}
	ratio := k.m.indexRatio
	if ratio == 0 {
		ratio = 1
	}
	return st.RawBytesPerMonth / 30 * days * ratio / float64(len(fs.copies[si]))
}
