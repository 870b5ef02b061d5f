package sim

import "github.com/capsim/capsim/scenarios"

// orchPlacer is where the orchestrator (ha.orchestrator) restarts the service instances of a lost
// node: one rule for the crash runs (faults.go, actMove) and N-1 (nminus1.go). The other HA rules
// (quorum, promotion, the pool, memory room) are in scenarios/hapolicy.go.
//
// The target of an instance is the node, up and in the orchestrator's pool (Model.orchPool), with
// memory room for it (scenarios.HasRoom over what is placed there, moved instances included) and
// the most free cores at design load — cores × (1 − its utilization-law CPU utilization), less
// what instances moved there take — the first in file order on a tie. A moved instance takes an
// equal share of its old node's busy cores (busy cores ÷ service instances placed there).
type orchPlacer struct {
	memory []float64 // per node: bytes (0: not given)
	used   []float64 // per node: bytes placed (Scenario.MemoryByNode) plus moved instances
	free   []float64 // per node: free cores at design load less moved shares
	share  []float64 // per node: busy cores per service instance placed there (0: none)
}

func (m *Model) newOrchPlacer() *orchPlacer {
	ul := m.utilizationLaw(m.dm, m.design, nil)
	n := len(m.nodes)
	o := &orchPlacer{memory: make([]float64, n), used: make([]float64, n), free: make([]float64, n), share: make([]float64, n)}
	inst := make([]int, n)
	for _, sv := range m.services[:m.nSvc] {
		for _, ni := range sv.nodes {
			inst[ni]++
		}
	}
	for i, nd := range m.nodes {
		u := ul[m.nodeCPU[i]]
		o.memory[i], o.used[i] = nd.memory, nd.memoryUsed
		o.free[i] = float64(nd.cores) * (1 - u)
		if inst[i] > 0 {
			o.share[i] = float64(nd.cores) * u / float64(inst[i])
		}
	}
	return o
}

// target is the node an instance needing need bytes of memory restarts on, -1 when no node that
// is up has room for it.
func (o *orchPlacer) target(m *Model, need float64, up func(n int) bool) int {
	best := -1
	for n := range o.free {
		if !up(n) || !m.orchPool[n] || !scenarios.HasRoom(o.memory[n], o.used[n], need) {
			continue
		}
		if best < 0 || o.free[n] > o.free[best] {
			best = n
		}
	}
	return best
}

// move records an instance needing need bytes moved from node from to node to.
func (o *orchPlacer) move(from, to int, need float64) {
	o.free[to] -= o.share[from]
	o.used[to] += need
}
