package sim

import (
	"math"
	"testing"
	"time"

	"github.com/capsim/capsim/scenarios"
	"github.com/google/go-cmp/cmp"
)

// limitedNode is one node with cores and a CFS quota (limit 0 = none) running one service whose
// requests cost cpu, offered as an open Poisson flow at rate requests/s.
func limitedNode(t *testing.T, cores int, limit float64, period time.Duration, cpu scenarios.Dist, rate float64) *scenarios.Scenario {
	t.Helper()
	s := &scenarios.Scenario{
		Name:     "quota",
		Load:     scenarios.LoadSpec{Variable: "rate", Design: rate},
		Nodes:    []scenarios.Node{{Name: "n", Cores: cores, CPULimit: limit, CPUPeriod: scenarios.Duration(period)}},
		Services: []scenarios.Service{{Name: "svc", Placement: []string{"n"}, Handlers: []scenarios.Handler{{Class: "req", CPU: cpu}}}},
		Flows:    []scenarios.Flow{{Name: "f", Rate: scenarios.Rate(rate), Entry: &scenarios.Call{Service: "svc", Class: "req"}}},
	}
	s.ApplyDefaults()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// quotaJobs puts jobs with the given arrival times and demands (ms) straight into node n's CPU
// station of a model with that quota and runs the kernel's processor-sharing events until every
// job has left; it returns each job's completion time in ms.
func quotaJobs(t *testing.T, cores int, limit float64, period time.Duration, arrive, demand []float64) []float64 {
	t.Helper()
	m, err := Compile(limitedNode(t, cores, limit, period, exp(1), 1))
	if err != nil {
		t.Fatal(err)
	}
	// a program whose only step after the visit is its end
	m.progs = append(m.progs, program{name: "visit", code: []instr{{op: opEnd}, {op: opEnd}}})
	m.flatten() // the kernel runs the flat copy of the programs
	prog := int32(len(m.progs) - 1)
	k := newKernel(m, 1, 0)
	cpu := m.nodeCPU[0]
	done := make([]float64, len(arrive))
	ids := make([]int32, len(arrive))
	next := 0
	for left := len(arrive); left > 0; {
		at := int64(math.MaxInt64)
		if next < len(arrive) {
			at = int64(arrive[next] * 1e6)
		}
		if k.h.len() > 0 && k.h.min().t <= at {
			e := k.h.pop()
			k.now = e.t
			if e.kind != evPSDone {
				t.Fatalf("unexpected event kind %d", e.kind)
			}
			k.psDone(e.a, e.b)
		} else {
			if next == len(arrive) {
				t.Fatalf("%d jobs never completed", left)
			}
			k.now = at
			ids[next] = k.newJob(0, prog, -1, 0, 0)
			k.arrive(cpu, ids[next], int64(demand[next]*1e6))
			next++
		}
		for i := 0; i < next; i++ {
			if done[i] == 0 && k.jobs[ids[i]].curSt < 0 {
				done[i] = float64(k.now) / 1e6
				left--
			}
		}
	}
	return done
}

// TestQuotaExact checks completion times under a CFS quota against hand computation. In every
// 100 ms period the node may use limit × 100 ms of CPU; it runs at min(n, cores) busy servers
// until that is spent and stalls until the next multiple of 100 ms.
func TestQuotaExact(t *testing.T) {
	cases := []struct {
		name        string
		cores       int
		limit       float64
		period      time.Duration
		arrive, dem []float64 // ms
		want        []float64 // ms
		why         string
	}{
		{"alone from 0", 1, 0.5, 100 * time.Millisecond, []float64{0}, []float64{120}, []float64{220},
			"runs 0–50 (budget 50 ms spent), stalls to 100, runs 100–150 (100 done), stalls, runs 200–220; a half-speed server would say 240"},
		{"alone from 30", 1, 0.5, 100 * time.Millisecond, []float64{30}, []float64{120}, []float64{220},
			"runs 30–80 (50), stalls 80–100, runs 100–150 (100), stalls, runs 200–220"},
		{"alone from 70", 1, 0.5, 100 * time.Millisecond, []float64{70}, []float64{120}, []float64{240},
			"runs 70–100 (30, budget left at the boundary), 100–150 (80), stalls, 200–240 (120)"},
		{"many periods", 1, 0.5, 100 * time.Millisecond, []float64{0}, []float64{1000}, []float64{1950},
			"50 ms per period: 19 whole periods give 950, the 20th runs 1900–1950"},
		{"other period", 1, 0.25, 20 * time.Millisecond, []float64{3}, []float64{12}, []float64{42},
			"budget 5 ms per 20 ms: runs 3–8 (5), 20–25 (10), 40–42 (12)"},
		{"two equal jobs share", 1, 0.5, 100 * time.Millisecond, []float64{0, 0}, []float64{30, 30}, []float64{110, 110},
			"PS at rate 1/2 each, 1 busy core: 0–50 gives each 25, stall, 100–110 gives each the last 5"},
		{"two jobs, the short leaves first", 1, 0.5, 100 * time.Millisecond, []float64{0, 0}, []float64{20, 40}, []float64{40, 110},
			"rate 1/2 each: the 20 ms job leaves at 40 (budget 40 used); the other has 20 left, runs 40–50 alone (30), stalls, 100–110"},
		{"arrival while throttled", 1, 0.5, 100 * time.Millisecond, []float64{0, 60}, []float64{50, 10}, []float64{50, 110},
			"the first job spends the budget by 50; the second arrives at 60 in a stalled period and runs 100–110"},
		{"two cores burn the budget twice as fast", 2, 1, 100 * time.Millisecond, []float64{0, 0}, []float64{80, 80}, []float64{130, 130},
			"2 busy cores: budget 100 CPU-ms gone at 50 (50 each), stall, 100–130"},
		{"more jobs than cores", 2, 1, 100 * time.Millisecond, []float64{0, 0, 0}, []float64{30, 30, 60}, []float64{45, 45, 120},
			"3 jobs on 2 cores, rate 2/3 each, 2 busy: the 30 ms jobs leave at 45 (90 CPU-ms used); the third has 30 left, alone on 1 core: 45–55 (budget gone, 40 done), stalls, 100–120"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := quotaJobs(t, c.cores, c.limit, c.period, c.arrive, c.dem)
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("completion times (ms) differ (-want +got), expected because %s:\n%s", c.why, d)
			}
		})
	}
}

// TestQuotaLongRun: an open Poisson flow at 0.6 of a 0.5-CPU quota (a 4.4 ms request, the Go
// service measured in DESIGN.md) completes what arrives, and the node's utilization against its
// limit is the utilization law's λ·D / limit = 0.6; Little's law holds at the station. At 1.2 ×
// the limit the station has no steady state (reported by the utilization law, and seen by the
// simulation: queues grow), and the quota caps the throughput at limit / D = 113.6/s although
// the core alone could do 227/s.
func TestQuotaLongRun(t *testing.T) {
	const d, limit = 0.0044, 0.5
	det := scenarios.Dist{Kind: scenarios.Deterministic, Mean: scenarios.Duration(d * 1e9)}
	lambda := 0.6 * limit / d
	s := limitedNode(t, 1, limit, 100*time.Millisecond, det, lambda)
	p, err := mustCompile(t, s).At(lambda, WithReplications(10), WithDuration(200*time.Second, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	f := p.Flows[0]
	if !inside(f.ThroughputPerS, lambda) {
		t.Errorf("throughput %.3f/s CI %v, arrival rate %.3f/s outside", f.ThroughputPerS.Mean, f.ThroughputPerS.CI95, lambda)
	}
	cpu := p.Stations[0]
	if cpu.Kind != kindCPU || cpu.CPULimit != limit || cpu.ThrottledPeriods == nil {
		t.Fatalf("station 0 is %+v, want the node CPU with its limit", cpu)
	}
	if !inside(cpu.Utilization, 0.6) {
		t.Errorf("utilization against the limit %.4f CI %v, want 0.6 inside", cpu.Utilization.Mean, cpu.Utilization.CI95)
	}
	if math.Abs(cpu.AnalyticUtilization-0.6) > 1e-9 {
		t.Errorf("utilization law %.6f, want λ·D/limit = 0.6", cpu.AnalyticUtilization)
	}
	l, lw := cpu.MeanInSystem.Mean, cpu.ThroughputPerS.Mean*cpu.MeanResponseMS.Mean/1e3
	if math.Abs(l-lw) > 0.02*l {
		t.Errorf("Little's law: L = %.4f, λ·W = %.4f", l, lw)
	}
	if !p.Stable || !p.SLOMet {
		t.Errorf("at 0.6 of the limit: stable %v, violations %v", p.Stable, p.Violations)
	}
	m, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	if b := m.utilBound(); math.Abs(b-limit/d) > 1e-6*b {
		t.Errorf("utilization-law bound %.4f req/s, want limit/D = %.4f", b, limit/d)
	}

	over := 1.2 * limit / d
	p, err = mustCompile(t, s).At(over, WithReplications(5), WithDuration(60*time.Second, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if p.Stable || p.SLOMet {
		t.Errorf("at 1.2 × the limit: stable %v, SLO met %v; want neither", p.Stable, p.SLOMet)
	}
	found := false
	for _, v := range p.Violations {
		found = found || (v == "offered utilization of n/cpu 1.20 ≥ 1 (no steady state)")
	}
	if !found {
		t.Errorf("violations %q lack the no-steady-state verdict at offered utilization 1.20", p.Violations)
	}
	if x := p.Flows[0].ThroughputPerS.Mean; x > 1.005*limit/d {
		t.Errorf("throughput %.2f/s above the quota's capacity limit/D = %.2f/s", x, limit/d)
	}
}

// TestQuotaAtCoresIsNoQuota: cpu_limit equal to the cores never binds (the node cannot use
// more than its cores in a period), so the run gives the same numbers as without a limit.
func TestQuotaAtCoresIsNoQuota(t *testing.T) {
	a := limitedNode(t, 2, 0, 0, exp(4), 300)
	b := limitedNode(t, 2, 2, 100*time.Millisecond, exp(4), 300)
	pa, err := mustCompile(t, a).At(300, WithReplications(2), WithDuration(20*time.Second, 2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := mustCompile(t, b).At(300, WithReplications(2), WithDuration(20*time.Second, 2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	pb.Stations[0].CPULimit = 0
	if d := cmp.Diff(pa, pb); d != "" {
		t.Errorf("cpu_limit = cores changed the result (-none +limit):\n%s", d)
	}
}

// TestMiniatureUtilization: the miniature of a tier at scale s (cores × s CPUs of CFS quota,
// load × s) loads every node as the full tier does, against its limit: U = X·D/c with X and c
// both × s (the utilization law). Two CPU-bound nodes, at 0.6 and 0.45, pinned CPUs that do not
// cap their cores: the 95 % interval of each node's utilization in the miniature holds the full
// tier's simulated utilization and the utilization law's value (the full tier's own agreement
// with the law is TestUtilizationLaw's).
func TestMiniatureUtilization(t *testing.T) {
	s := &scenarios.Scenario{
		Name:  "two-nodes",
		Load:  scenarios.LoadSpec{Variable: "users", Design: 1000},
		Nodes: []scenarios.Node{{Name: "a", Cores: 4}, {Name: "b", Cores: 2}},
		Services: []scenarios.Service{
			{Name: "web", Placement: []string{"a"}, Handlers: []scenarios.Handler{{Class: "get", CPU: exp(10)}}},
			{Name: "db", Placement: []string{"b"}, Handlers: []scenarios.Handler{{Class: "q", CPU: exp(5)}}},
		},
		Flows: []scenarios.Flow{
			{Name: "pages", Rate: 240, Entry: &scenarios.Call{Service: "web", Class: "get"}}, // 240 × 10 ms / 4 = 0.6
			{Name: "queries", Rate: 180, Entry: &scenarios.Call{Service: "db", Class: "q"}},  // 180 × 5 ms / 2 = 0.45
		},
	}
	s.ApplyDefaults()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	const scale = 0.25
	mini, err := s.Miniature(scale, 4)
	if err != nil {
		t.Fatal(err)
	}
	if mini.Nodes[0].CPULimit != 1 || mini.Nodes[1].CPULimit != 0.5 || mini.Nodes[0].Cores != 4 || mini.Load.Design != 250 {
		t.Fatalf("miniature nodes %+v, design %g", mini.Nodes, mini.Load.Design)
	}
	run := func(sc *scenarios.Scenario) Point {
		p, err := mustCompile(t, sc).At(sc.Load.Design, WithReplications(10), WithDuration(100*time.Second, 10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	full, small := run(s), run(mini)
	for i, want := range map[int]float64{0: 0.6, 2: 0.45} { // stations: a/cpu, a/disk, b/cpu, b/disk
		f, m := full.Stations[i], small.Stations[i]
		if f.Kind != kindCPU || m.CPULimit == 0 {
			t.Fatalf("station %d: %+v / %+v", i, f, m)
		}
		if !inside(m.Utilization, f.Utilization.Mean) || !inside(m.Utilization, want) {
			t.Errorf("%s: miniature %.4f CI %v against its limit; full tier %.4f, utilization law %.2f", f.Name,
				m.Utilization.Mean, m.Utilization.CI95, f.Utilization.Mean, want)
		}
		if math.Abs(f.AnalyticUtilization-m.AnalyticUtilization) > 1e-9 {
			t.Errorf("%s: utilization law %.6f in full, %.6f in the miniature", f.Name, f.AnalyticUtilization, m.AnalyticUtilization)
		}
	}
}
