package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/capsim/capsim/scenarios"
)

func loadYAML(t *testing.T, text string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Load("test.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const twoNodes = `
name: two
load: {design: 100}
slo: {p95: {req: 500ms}}
nodes:
  - {name: a, cores: 4}
  - {name: b, cores: 4}
services:
  - name: api
    placement: [a, b]
    handlers: [{class: get, cpu: 10ms}]
flows:
  - {name: req, rate: 100/s, entry: {service: api, class: get}}
ha:
  health_check: {inter: 5s, fall: 3, rise: 2}
failures:
  - {at: 20s, node: a, kind: crash, recover_after: 60s}
sim: {warmup: 5s, duration: 100s}
`

// TestDetectionTime: HAProxy marks a crashed server down at its fall-th failed check; checks run
// every inter at a random phase, so detection lies in [(fall−1)·inter, fall·inter] — "inter × fall
// within one check interval".
func TestDetectionTime(t *testing.T) {
	s := loadYAML(t, twoNodes)
	fr, err := mustCompile(t, s).Failures(WithReplications(20))
	if err != nil {
		t.Fatal(err)
	}
	d := fr[0].DetectionS
	lo, hi := 2*5.0, 3*5.0
	if d.Mean < lo || d.Mean > hi || d.CI95[0] < lo-1 || d.CI95[1] > hi+1 {
		t.Errorf("detection %.2f s CI %v, want within [%g, %g]", d.Mean, d.CI95, lo, hi)
	}
	// with a uniform phase the mean is (fall − ½)·inter = 12.5 s
	if !inside(d, 12.5) {
		t.Errorf("mean detection %.2f CI %v, want (fall−½)·inter = 12.5 s inside", d.Mean, d.CI95)
	}
	if fr[0].LostEvents.Mean != 0 {
		t.Errorf("a redundant tier lost %v events", fr[0].LostEvents)
	}
}

// TestDetectionHungServer: a paused (or cut-off) server fails each check only when it times
// out, after inter (HAProxy without `timeout check`), and HAProxy starts the next check inter
// after that: the fall-th failure comes at phase + inter + (fall−1)·2·inter, with a uniform
// phase a mean of (2·fall − ½)·inter = 27.5 s for inter 5 s, fall 3 — not the crash's 12.5 s.
func TestDetectionHungServer(t *testing.T) {
	for _, kind := range []string{"pause", "partition"} {
		s := loadYAML(t, strings.Replace(twoNodes, "kind: crash", "kind: "+kind, 1))
		fr, err := mustCompile(t, s).Failures(WithReplications(20))
		if err != nil {
			t.Fatal(err)
		}
		d := fr[0].DetectionS
		lo, hi := 5+2*2*5.0, 2*5+2*2*5.0 // phase in [0, inter)
		if d.Mean < lo || d.Mean > hi || !inside(d, 27.5) {
			t.Errorf("%s: detection %.2f s CI %v, want within [%g, %g] and (2·fall−½)·inter = 27.5 s inside", kind, d.Mean, d.CI95, lo, hi)
		}
	}
}

// TestOutageEqualsRepair: one instance and no redundancy: every request arriving while the node
// is down fails, so E[failed] = λ·(repair time + the balancer's rise delay); with 10 ms checks the
// delay is negligible and failed requests ≈ λ·R.
func TestOutageEqualsRepair(t *testing.T) {
	s := loadYAML(t, `
name: one
load: {design: 50}
nodes: [{name: a, cores: 4}]
services:
  - {name: api, placement: [a], handlers: [{class: get, cpu: 5ms}]}
flows:
  - {name: req, rate: 50/s, entry: {service: api, class: get}}
ha:
  health_check: {inter: 10ms, fall: 1, rise: 1}
failures:
  - {at: 10s, node: a, kind: crash, recover_after: 40s}
sim: {warmup: 2s, duration: 80s}
`)
	fr, err := mustCompile(t, s).Failures(WithReplications(20))
	if err != nil {
		t.Fatal(err)
	}
	want := 50.0 * 40
	if got := fr[0].FailedRequests; math.Abs(got.Mean-want) > math.Max(got.CI95[1]-got.Mean, 0)+0.02*want {
		t.Errorf("failed requests %.1f CI %v, want λ·R = %.0f", got.Mean, got.CI95, want)
	}
	// outage: no completions from the fault until the repair, then recovery
	if !fr[0].Recovered || fr[0].RTOS.Mean < 40 || fr[0].RTOS.Mean > 41 {
		t.Errorf("RTO %.2f s (recovered %v), want the 40 s repair time", fr[0].RTOS.Mean, fr[0].Recovered)
	}
}

// dbPair is a scenario of a PostgreSQL primary p with a streaming replica r, and one flow of
// rate requests/s through service api on node app, each making one database op ("read" or
// "write"); ha (a whole `ha:` section or ""), the failure and the sim settings complete it.
func dbPair(op string, rate int, ha, failure, sim string) string {
	return fmt.Sprintf(`
name: pair
load: {design: 10}
slo: {p95: {%[1]ss: 1s}}
nodes: [{name: p, cores: 8}, {name: r, cores: 8}, {name: app, cores: 8}]
services:
  - {name: api, placement: [app], handlers: [{class: c, cpu: 1ms, calls: [{database: pg, op: %[1]s}]}]}
databases:
  - {name: pg, primary: p, replicas: [r], read: {cpu: 1ms}, write: {cpu: 1ms}}
flows:
  - {name: %[1]ss, rate: %[2]d/s, entry: {service: api, class: c}}
%[3]s
failures:
  - %[4]s
sim: %[5]s
`, op, rate, ha, failure, sim)
}

// TestReadsFollowPromotion: reads routed to the primary reach whoever leads (Patroni's HAProxy
// GET /primary), so after Patroni promotes the replica a read flow recovers at the promotion
// (ttl − U·loop_wait + U'·loop_wait after the crash: 30 s on average), long before the old
// primary's repair at 150 s; before the fix the reads stayed on the dead primary until then.
func TestReadsFollowPromotion(t *testing.T) {
	s := loadYAML(t, dbPair("read", 100, "ha:\n  patroni: {ttl: 30s, loop_wait: 10s}", "{at: 20s, database: pg, kind: crash, recover_after: 150s}", "{warmup: 5s, duration: 200s}"))
	fr, err := mustCompile(t, s).Failures(WithReplications(10))
	if err != nil {
		t.Fatal(err)
	}
	f := fr[0]
	if !f.Recovered || f.RTOS.Mean < 20 || f.RTOS.Mean > 40 {
		t.Errorf("RTO %.1f s CI %v (recovered %v), want the promotion's 20–40 s, not the repair's 150 s", f.RTOS.Mean, f.RTOS.CI95, f.Recovered)
	}
	// every read from the crash to the promotion fails: λ · E[promotion] = 100/s · 30 s
	if got := f.FailedRequests; got.Mean < 100*20 || got.Mean > 100*40 {
		t.Errorf("failed reads %.0f CI %v, want about 100/s × 30 s", got.Mean, got.CI95)
	}
}

// TestAsyncReplicationLoss: with asynchronous replication the writes acknowledged within the lag
// before the primary crashes are lost: E[lost] = λ_write · lag. Synchronous commit loses none.
func TestAsyncReplicationLoss(t *testing.T) {
	text := `
name: db
load: {design: 200}
nodes: [{name: p, cores: 8}, {name: r, cores: 8}, {name: app, cores: 8}]
services:
  - {name: api, placement: [app], handlers: [{class: w, cpu: 1ms, calls: [{database: pg, op: write}]}]}
databases:
  - {name: pg, primary: p, replicas: [r], replication: REPL, write: {cpu: 2ms}, read: {cpu: 1ms}}
flows:
  - {name: writes, rate: 200/s, entry: {service: api, class: w}}
ha:
  patroni: {replication_lag: 250ms}
failures:
  - {at: 20s, database: pg, kind: crash}
sim: {warmup: 5s, duration: 80s}
`
	s := loadYAML(t, bytesReplace(text, "REPL", "async"))
	fr, err := mustCompile(t, s).Failures(WithReplications(30))
	if err != nil {
		t.Fatal(err)
	}
	want := 200 * 0.25
	if !inside(fr[0].RPOEvents, want) {
		t.Errorf("lost writes %.2f CI %v, want λ·lag = %.1f", fr[0].RPOEvents.Mean, fr[0].RPOEvents.CI95, want)
	}
	// Patroni: promotion within [ttl − loop_wait, ttl + loop_wait] of the crash
	if d := fr[0].DetectionS; d.Mean < 20 || d.Mean > 40 {
		t.Errorf("promotion after %.1f s, want within ttl ± loop_wait (20–40 s)", d.Mean)
	}
	s = loadYAML(t, bytesReplace(text, "REPL", "sync"))
	fr, err = mustCompile(t, s).Failures(WithReplications(5))
	if err != nil {
		t.Fatal(err)
	}
	if fr[0].RPOEvents.Mean != 0 {
		t.Errorf("synchronous commit lost %.1f writes", fr[0].RPOEvents.Mean)
	}
}

// TestRestartKeepsCommittedWrites: a PostgreSQL primary that crashes and restarts with nothing
// promoted keeps every acknowledged write (each commit's WAL record was fsynced before the
// acknowledgement and is replayed at restart), so RPO and lost writes are 0 — with no replica,
// and with a replica that Patroni refuses to promote (lag > maximum_lag_on_failover).
func TestRestartKeepsCommittedWrites(t *testing.T) {
	for name, db := range map[string]string{
		"no replica":   `{name: pg, primary: p, write: {cpu: 2ms}, read: {cpu: 1ms}}`,
		"not promoted": `{name: pg, primary: p, replicas: [r], write: {cpu: 2ms}, read: {cpu: 1ms}}`,
	} {
		s := loadYAML(t, `
name: db
load: {design: 200}
nodes: [{name: p, cores: 8}, {name: r, cores: 8}, {name: app, cores: 8}]
services:
  - {name: api, placement: [app], handlers: [{class: w, cpu: 1ms, calls: [{database: pg, op: write}]}]}
databases:
  - `+db+`
flows:
  - {name: writes, rate: 200/s, entry: {service: api, class: w}}
ha:
  patroni: {replication_lag: 250ms, maximum_lag_on_failover: 1}
failures:
  - {at: 20s, database: pg, kind: crash, recover_after: 30s}
sim: {warmup: 5s, duration: 80s}
`)
		fr, err := mustCompile(t, s).Failures(WithReplications(3))
		if err != nil {
			t.Fatal(err)
		}
		if fr[0].RPOEvents.Mean != 0 || fr[0].LostEvents.Mean != 0 || fr[0].RPOS != 0 {
			t.Errorf("%s: restart without failover lost %.2f writes (RPO %.2f writes, %g s), want 0", name, fr[0].LostEvents.Mean, fr[0].RPOEvents.Mean, fr[0].RPOS)
		}
	}
}

func bytesReplace(s, old, new string) string {
	return string(bytes.ReplaceAll([]byte(s), []byte(old), []byte(new)))
}

// TestFailureDeterminism: the same seed gives the same failure results and timelines.
func TestFailureDeterminism(t *testing.T) {
	s := loadYAML(t, twoNodes)
	a, err := mustCompile(t, s).Failures(WithReplications(3), WithParallelism(1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := mustCompile(t, s).Failures(WithReplications(3), WithParallelism(2))
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("failure results differ between runs with the same seed")
	}
	if len(a[0].Timeline) == 0 {
		t.Fatal("no timeline")
	}
}

// TestSearchNodeLoss: losing a data node of a 3-node store with 1 replica keeps every shard
// available (yellow, not red) and loses no event; the cluster goes back to green after recovery.
func TestSearchNodeLoss(t *testing.T) {
	s := loadYAML(t, `
name: es
load: {design: 100}
slo: {p95: {ingest: 5s}}
nodes: [{name: s1, cores: 8}, {name: s2, cores: 8}, {name: s3, cores: 8}, {name: w, cores: 8}]
services:
  - {name: am, placement: [w], handlers: [{class: ingest, cpu: 1ms, calls: [{store: es, op: index}]}]}
stores:
  - {name: es, nodes: [s1, s2, s3], shards: 6, replicas: 1, index: {cpu_per_event: 20us}, query: {cpu: 1ms}}
flows:
  - {name: ingest, bytes_per_month: 100GB, event_size: 500B, batch: 50, entry: {service: am, class: ingest}}
ha:
  search: {shard_size: 100MB}
failures:
  - {at: 20s, node: s2, kind: crash, recover_after: 120s}
sim: {warmup: 5s, duration: 300s}
`)
	fr, err := mustCompile(t, s).Failures(WithReplications(3))
	if err != nil {
		t.Fatal(err)
	}
	f := fr[0]
	if f.LostEvents.Mean != 0 {
		t.Errorf("lost %v events with a replica of every shard", f.LostEvents)
	}
	saw := map[string]bool{}
	for _, p := range f.Timeline {
		saw[p.Health] = true
	}
	if !saw["yellow"] || saw["red"] || !saw["green"] {
		t.Errorf("health states seen %v, want green and yellow, never red", saw)
	}
	if !f.Recovered {
		t.Errorf("not recovered; RTO %v", f.RTOS)
	}
}

var _ = time.Second

// TestPromotedLeaderAfterRise: writes reach the promoted replica only once HAProxy's GET
// /primary check has passed rise times on it, as any instance coming back: the first check at
// most inter after the promotion, then rise − 1 more, so with inter 3 s and rise 5 the writes
// fail 12–15 s longer than the promotion (13.5 s on average).
func TestPromotedLeaderAfterRise(t *testing.T) {
	s := loadYAML(t, dbPair("write", 20, "ha:\n  patroni: {ttl: 30s, loop_wait: 10s}\n  health_check: {inter: 3s, fall: 3, rise: 5}",
		"{at: 10s, database: pg, kind: crash, recover_after: 150s}", "{warmup: 2s, duration: 200s}"))
	fr, err := mustCompile(t, s).Failures(WithReplications(20))
	if err != nil {
		t.Fatal(err)
	}
	f := fr[0]
	// the RTO ends at the first of 10 good seconds (sim.RecoveryTime), whole seconds
	if gap := f.RTOS.Mean - f.DetectionS.Mean; gap < 12-1 || gap > 15+1 {
		t.Errorf("RTO %.1f s − promotion %.1f s = %.1f s, want rise·inter after the next check (12–15 s)", f.RTOS.Mean, f.DetectionS.Mean, gap)
	}
}

// TestPatroniPromotionTime: the leader key expires ttl after its last renewal (every loop_wait,
// so ttl − U·loop_wait after the crash) and a watching replica promotes itself 0.6–1.2 s later
// (DESIGN.md's reference cluster): with ttl 30 s, loop_wait 10 s the promotion comes 20.6–31.2 s
// after the crash, 25.9 s on average — not at the replica's next loop (20–40 s, mean 30).
func TestPatroniPromotionTime(t *testing.T) {
	s := loadYAML(t, dbPair("write", 10, "ha:\n  patroni: {ttl: 30s, loop_wait: 10s}", "{at: 10s, database: pg, kind: crash}", "{warmup: 2s, duration: 60s}"))
	fr, err := mustCompile(t, s).Failures(WithReplications(40))
	if err != nil {
		t.Fatal(err)
	}
	d := fr[0].DetectionS
	if !inside(d, 25.9) || d.CI95[0] < 20.6 || d.CI95[1] > 31.2 {
		t.Errorf("promotion %.2f s CI %v, want 25.9 s inside and the interval within [20.6, 31.2]", d.Mean, d.CI95)
	}
}

// TestNoFailoverManager: a replica with no ha.patroni is streamed to and never promoted (seed
// 004's replica): the database is down from the crash to the repair at 40 s, nothing detects
// it, and no acknowledged write is lost (the restarted primary replays its WAL).
func TestNoFailoverManager(t *testing.T) {
	s := loadYAML(t, dbPair("write", 10, "", "{at: 10s, database: pg, kind: crash, recover_after: 40s}", "{warmup: 2s, duration: 90s}"))
	fr, err := mustCompile(t, s).Failures(WithReplications(5))
	if err != nil {
		t.Fatal(err)
	}
	f := fr[0]
	if f.Detected || f.RPOEvents.Mean != 0 || f.RTOS.Mean < 40 || f.RTOS.Mean > 41.5 {
		t.Errorf("detected %v, RPO %.1f writes, RTO %.1f s: want no promotion, nothing lost, down until the 40 s repair", f.Detected, f.RPOEvents.Mean, f.RTOS.Mean)
	}
}

// TestAgentRetriesOff: an agent ingest flow through its only agent manager, crashed for 40 s
// with fast checks. Agents that retry fail each batch many times and send it again after the
// repair (failed attempts > arrivals during the outage, a backlog to drain); without retries
// (WithAgentRetries(false), a generator that does not retry) every batch that arrives during
// the outage fails exactly once: failed requests ≈ λ·R, nothing buffered, no duplicates.
func TestAgentRetriesOff(t *testing.T) {
	text := `
name: agents
load: {design: 100}
slo: {p95: {ingest: 5s}}
nodes: [{name: a, cores: 8}, {name: s, cores: 8}]
services:
  - {name: am, placement: [a], handlers: [{class: ingest, cpu: 1ms, calls: [{store: es, op: index}]}]}
stores:
  - {name: es, nodes: [s], shards: 1, index: {cpu_per_event: 20us}, query: {cpu: 1ms}}
flows:
  - {name: ingest, bytes_per_month: 2592GB, event_size: 500B, batch: 50, peak_factor: 1, entry: {service: am, class: ingest}}
ha:
  health_check: {inter: 10ms, fall: 1, rise: 1}
failures:
  - {at: 10s, node: a, kind: crash, recover_after: 40s}
sim: {warmup: 2s, duration: 90s}
`
	s := loadYAML(t, text)
	lambda := 2592e9 / 500 / 50 / (30 * 86400) // batches per second: 40
	off, err := mustCompile(t, s).Failures(WithReplications(10), WithAgentRetries(false))
	if err != nil {
		t.Fatal(err)
	}
	want := lambda * 40
	if got := off[0].FailedRequests; math.Abs(got.Mean-want) > math.Max(got.CI95[1]-got.Mean, 0)+0.03*want {
		t.Errorf("without retries: failed %.1f CI %v, want λ·R = %.0f", got.Mean, got.CI95, want)
	}
	if d := off[0].DuplicatedEvents.Mean; d != 0 {
		t.Errorf("without retries: %v duplicated events", d)
	}
	on, err := mustCompile(t, s).Failures(WithReplications(10))
	if err != nil {
		t.Fatal(err)
	}
	// without retries service is back at the repair (+ one 10 ms check) with nothing to
	// drain; retries leave a backlog whose drain delays the recovery
	if r := off[0].RTOS.Mean; r < 40 || r > 41.5 || off[0].DrainS.Mean != 0 {
		t.Errorf("without retries: RTO %.1f s, drain %.1f s; want the 40 s repair and nothing to drain", r, off[0].DrainS.Mean)
	}
	if on[0].DrainS.Mean < 5 || on[0].RTOS.Mean < off[0].RTOS.Mean+10 {
		t.Errorf("with retries: drain %.1f s, RTO %.1f s; want a backlog to drain after the repair", on[0].DrainS.Mean, on[0].RTOS.Mean)
	}
}

// TestBackupServer: a backup server (HAProxy `backup`) takes no traffic while the others are up,
// and takes it all once the balancer has marked them down.
func TestBackupServer(t *testing.T) {
	text := `
name: backup
load: {design: 100}
nodes: [{name: a, cores: 4}, {name: b, cores: 4}, {name: c, cores: 4}]
services:
  - name: api
    placement: [a, b, c]
    balancer: {policy: least_conn, backup: [3]}
    handlers: [{class: get, cpu: 10ms}]
flows:
  - {name: req, rate: 100/s, entry: {service: api, class: get}}
failures:
  - {at: 20s, service: api, instance: 1, kind: crash, recover_after: 60s}
  - {at: 20s, service: api, instance: 2, kind: crash, recover_after: 60s}
sim: {warmup: 5s, duration: 120s}
`
	s := loadYAML(t, text)
	p, err := mustCompile(t, s).At(100, WithReplications(2), WithDuration(30*time.Second, 2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range p.Stations {
		if st.Name == "c/cpu" && st.ThroughputPerS.Mean != 0 {
			t.Errorf("backup c served %.1f/s while a and b were up", st.ThroughputPerS.Mean)
		}
	}
	fr, err := mustCompile(t, s).Failures(WithReplications(3))
	if err != nil {
		t.Fatal(err)
	}
	// both primaries down: the backup takes over after detection, so requests fail only until
	// then (≤ fall·inter = 15 s at 100/s) instead of for the whole 60 s outage
	if f := fr[0].FailedRequests.Mean + fr[1].FailedRequests.Mean; f > 100*15 || f == 0 {
		t.Errorf("failed requests %.0f, want between 1 and %d (until detection only)", f, 100*15)
	}
}

// TestFailureDurationRecorded: a failure run lasts until 5 minutes past the last repair whatever
// --duration says (here 20 s against a fault at 20 s repaired after 60 s: 20 + 60 + 300 = 380 s),
// and result.json says so in settings.failure_duration_s beside duration_s.
func TestFailureDurationRecorded(t *testing.T) {
	s := loadYAML(t, twoNodes)
	res, err := mustCompile(t, s).Run(WithReplications(2), WithDuration(20*time.Second, 5*time.Second), WithSweep(false), WithAdvice(false))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res.Settings)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if st["duration_s"] != 20.0 || st["failure_duration_s"] != 380.0 {
		t.Errorf("settings say duration_s %v, failure_duration_s %v; want 20 and 20 + 60 + 300 = 380", st["duration_s"], st["failure_duration_s"])
	}
	// the failure results do come from the longer run: its timeline reaches past 20 s
	tl := res.Failures[0].Timeline
	if len(tl) == 0 || tl[len(tl)-1].T <= 20 {
		t.Errorf("failure timeline ends at %v, want past duration_s", tl)
	}
}
