package reports

import (
	"fmt"
	"math"

	"github.com/capsim/capsim/sim"
)

// The fixtures are hand-built from formulas (an M/M/1-like response-time curve
// R = S / (1 − ρ) with ρ proportional to load), so they are deterministic and plausible.

func iv(m, halfWidth float64) sim.Interval {
	return sim.Interval{Mean: m, CI95: [2]float64{m - halfWidth, m + halfWidth}}
}

func ptr(v float64) *float64 { return &v }

type nodeSpec struct {
	name, role string
	cores      int
	// cpuPerLoad is CPU utilization per unit of load.
	cpuPerLoad, diskPerLoad float64
	components              []string
}

// medium builds a medium-tier-like result: 8 nodes, two flows, a bounded queue and a pool.
func medium(name string, design, claimed, satVal float64) *sim.Result {
	nodes := []nodeSpec{
		{"mgmt-1", "management", 16, 0.25 / 5000, 0.05 / 5000, []string{"backend", "frontend", "agent-manager"}},
		{"db-1", "database primary", 16, 0.30 / 5000, 0.20 / 5000, []string{"postgresql"}},
		{"db-2", "database replica", 16, 0.12 / 5000, 0.10 / 5000, []string{"postgresql"}},
		{"search-1", "search", 16, 0.52 / 5000, 0.30 / 5000, []string{"elasticsearch"}},
		{"search-2", "search", 16, 0.50 / 5000, 0.29 / 5000, []string{"elasticsearch"}},
		{"search-3", "search", 16, 0.49 / 5000, 0.29 / 5000, []string{"elasticsearch"}},
		{"worker-1", "processing", 16, 0.40 / 5000, 0.02 / 5000, []string{"correlation", "parser"}},
		{"worker-2", "processing", 16, 0.41 / 5000, 0.02 / 5000, []string{"correlation", "parser"}},
	}
	scale := design / 5000
	for i := range nodes {
		nodes[i].cpuPerLoad /= scale
		nodes[i].diskPerLoad /= scale
	}
	stationsAt := func(load float64) []sim.StationResult {
		var ss []sim.StationResult
		for _, n := range nodes {
			for _, kind := range []string{"cpu", "disk"} {
				rho := n.cpuPerLoad * load
				servers := n.cores
				serviceMS := 2.0
				if kind == "disk" {
					rho, servers, serviceMS = n.diskPerLoad*load, 1, 0.5
				}
				rhoC := math.Min(rho, 0.995)
				lambda := rhoC * float64(servers) / (serviceMS / 1000)
				w := serviceMS / (1 - rhoC)
				l := lambda * w / 1000
				ss = append(ss, sim.StationResult{
					Name: n.name + "/" + kind, Kind: kind, Node: n.name, Servers: servers,
					Utilization: iv(rhoC, 0.01), MeanQueueLength: iv(math.Max(0, l-rhoC*float64(servers)), 0.02),
					MeanInSystem: iv(l, 0.03), ThroughputPerS: iv(lambda, lambda*0.01),
					MeanResponseMS: iv(w, w*0.02), AnalyticUtilization: rho, AnalyticMeanResponseMS: ptr(w * 0.99),
				})
			}
		}
		q := math.Min(load/design*0.4, 0.995)
		ss = append(ss,
			sim.StationResult{Name: "correlation-queue", Kind: "queue", Servers: 10, Utilization: iv(q, 0.01),
				MeanQueueLength: iv(q*q/(1-q), 0.05), MeanInSystem: iv(q*q/(1-q)+q*10, 0.05),
				ThroughputPerS: iv(load*0.8, 1), MeanResponseMS: iv(12/(1-q), 0.4), AnalyticUtilization: q},
			sim.StationResult{Name: "pg-pool", Kind: "pool", Servers: 20, Utilization: iv(q*0.6, 0.01),
				MeanQueueLength: iv(0, 0), MeanInSystem: iv(q*12, 0.1),
				ThroughputPerS: iv(load*0.1, 0.5), MeanResponseMS: iv(3.1, 0.1), AnalyticUtilization: q * 0.6, Drops: 0},
		)
		return ss
	}
	flowsAt := func(load float64) []sim.FlowResult {
		rho := math.Min(load/satVal*0.7, 0.98)
		ing := 40 / (1 - rho)
		srch := 180 / (1 - rho)
		return []sim.FlowResult{
			{Name: "ingest", OfferedPerS: load * 0.8, ThroughputPerS: iv(load*0.8*math.Min(1, 1.4-rho*0.45), 2),
				EventsPerS: load * 0.8 * 50, LatencyMS: sim.Latency{Mean: iv(ing*0.8, 1), P50: iv(ing*0.6, 1), P95: iv(ing*2.2, 3), P99: iv(ing*3.5, 6)},
				DropRatio: iv(0, 0), P95TargetMS: 2000, SLOMet: ing*2.2 < 2000, AnalyticMeanMS: ptr(ing * 0.78)},
			{Name: "search", OfferedPerS: load * 0.002, ThroughputPerS: iv(load*0.002, 0.05),
				LatencyMS: sim.Latency{Mean: iv(srch, 4), P50: iv(srch*0.8, 4), P95: iv(srch*2.4, 9), P99: iv(srch*3.8, 15)},
				DropRatio: iv(0.0004, 0.0002), P95TargetMS: 1500, SLOMet: srch*2.4 < 1500},
		}
	}
	var sweep []sim.Point
	for i := 1; i <= 8; i++ {
		load := design * 0.25 * float64(i)
		p := sim.Point{Load: load, Flows: flowsAt(load), Stations: stationsAt(load), Stable: load < satVal*1.3}
		p.SLOMet = load <= satVal
		if !p.SLOMet {
			p.Violations = []string{fmt.Sprintf("cpu search-1 %.2f > 0.70", math.Min(nodes[3].cpuPerLoad*load, 0.995))}
		}
		sweep = append(sweep, p)
	}
	var nr []sim.NodeResult
	for _, n := range nodes {
		nr = append(nr, sim.NodeResult{Name: n.name, Role: n.role, Cores: n.cores,
			CPUUtilization: iv(n.cpuPerLoad*design, 0.012), DiskUtilization: iv(n.diskPerLoad*design, 0.01),
			MemoryBytes: 64e9, MemoryUsedBytes: 41.6e9, Components: n.components})
	}
	r := &sim.Result{
		Scenario: name, Title: "UTMStack " + name + " tier", File: "scenarios/" + name + ".yaml",
		Description: "Eight nodes: management, PostgreSQL primary and replica, three Elasticsearch data nodes, two processing workers.",
		Sources: []sim.Citation{
			{File: "000_d17aebb755817901.txt", Section: "Medium deployment", Says: "~5,000 data sources, ~10 TB/month"},
			{File: "004_ed90f6a012137822.txt", Section: "Scaling triggers", Says: "CPU usage > 70 % sustained"},
		},
		Assumptions: []sim.Assumption{
			{What: "CPU per ingested event (parse + correlate)", Value: "35 µs", Source: "Elasticsearch Rally http_logs bulk-indexing rate, scaled; assumed", File: "scenarios/systems/utmstack.yaml"},
			{What: "Index overhead on stored bytes", Value: "1.1×", Source: "assumed", File: "scenarios/medium.yaml"},
		},
		Settings:     sim.Settings{Seed: 42, Replications: 10, DurationS: 600, WarmupS: 60, Events: 123456789},
		LoadVariable: "data_sources", LoadUnit: "sources", DesignLoad: design, ClaimedCapacity: claimed,
		Flows: flowsAt(design), Stations: stationsAt(design), Nodes: nr, SLOMet: true,
		Saturation: &sim.Saturation{Variable: "data_sources", Unit: "sources", Value: satVal,
			CI95: [2]float64{satVal * 0.97, satVal * 1.03}, Limit: "utilization of search-1/cpu 0.71 > 0.70", Bounded: true,
			Binds:         []sim.Violation{{Criterion: sim.CriterionUtilization, Subject: "search-1/cpu", Value: 0.71, Limit: 0.7}},
			AnalyticBound: satVal * 1.02},
		Bottleneck:      "search-1/cpu",
		HeadroomPercent: (satVal/design - 1) * 100, HeadroomTarget: 30, UtilizationTrigger: 0.7,
		Sweep: sweep,
		Advice: []sim.Advice{
			{Change: "+1 search node", Saturation: satVal * 1.28, GainPercent: 28, Bottleneck: "worker-1/cpu"},
			{Change: "+1 processing worker", Saturation: satVal, GainPercent: 0, Bottleneck: "search-1/cpu"},
		},
		Triggers: []sim.Trigger{
			{Name: "CPU > 70 %", Subject: "search-1", Value: nodes[3].cpuPerLoad * design, Threshold: 0.7, Fired: nodes[3].cpuPerLoad*design > 0.7, Source: "004 Changemaker scaling guide"},
			{Name: "job queue > 100", Subject: "correlation-queue", Value: 0.27, Threshold: 100, Fired: false, Source: "004 Changemaker scaling guide"},
			{Name: "memory > 80 %", Subject: "mgmt-1", Value: 0.65, Threshold: 0.8, Source: "004 Changemaker scaling guide"},
		},
		Storage: &sim.StorageResult{EventsPerS: design * 0.8 * 50 / 1000, RawBytesPerMonth: 10e12 * scale, StoredBytesPerMonth: 22e12 * scale,
			Nodes: []sim.NodeStorage{
				{Node: "search-1", BytesPerDay: 245e9 * scale, DiskBytes: 8e12, DaysUntilFull: 8e12 / (245e9 * scale)},
				{Node: "search-2", BytesPerDay: 245e9 * scale, DiskBytes: 8e12, DaysUntilFull: 8e12 / (245e9 * scale)},
				{Node: "search-3", BytesPerDay: 245e9 * scale, DiskBytes: 8e12, DaysUntilFull: 8e12 / (245e9 * scale)},
				{Node: "db-1", BytesPerDay: 2e9 * scale, DiskBytes: 2e12, DaysUntilFull: 2e12 / (2e9 * scale)},
			}},
		Notes: []string{
			"Colocated services on a node share its CPU station (processor sharing).",
			"Queries fan out to one copy of each of the 6 shards and wait for the slowest.",
		},
	}
	return r
}

// sampleResult is the medium tier with its failure analysis: storage binds its capacity
// (21 days retained), three scheduled failures, N-1 (it does not survive every loss) and an
// availability estimate.
func sampleResult() *sim.Result {
	r := withCapacity(medium("medium", 5000, 5000, 6900), 21, false)
	r.Failures = sampleFailures()
	return r
}

func sampleTiers() []*sim.Result {
	small := medium("small", 1500, 1500, 1320)
	// design load above saturation: the SLO fails at design and the CPU trigger fires
	small.SLOMet = false
	small.Violations = []string{"p95 search 2112ms > 1500ms"}
	small.Triggers[0].Value, small.Triggers[0].Fired = 0.74, true
	withCapacity(small, 90, true) // performance binds; survives N-1
	return []*sim.Result{small, sampleResult()}
}
