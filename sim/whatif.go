package sim

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/capsim/capsim/scenarios"
)

// What-if variants change the deployment (one more node, one more replica, one node less): each
// is a modified clone of the scenario the Model was compiled from, compiled anew. cloneSource is
// the only reader of Model.src; the variants (here, and withoutNode, N-1's, in nminus1.go) read
// what they keep from the clone and the rest from the Model.

// cloneSource deep-copies the scenario the model was compiled from (for what-if variants). The
// copy keeps what JSON carries: not Overrides nor MiniatureOf, which no variant reads.
func (m *Model) cloneSource() *scenarios.Scenario {
	b, err := json.Marshal(m.src)
	if err != nil {
		panic(err) // programmer error: Scenario is plain data
	}
	var out scenarios.Scenario
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return &out
}

// advice re-simulates the model with one more node like the bottleneck's node and with one more
// instance of the service that loads the bottleneck most (or a bigger pool / more consumers).
func (m *Model) advice(r *runner, ld loadCfg, base float64, bottleneck Component) []Advice {
	var variants []variant
	node := ""
	if bottleneck.Kind == ComponentCPU || bottleneck.Kind == ComponentDisk {
		node = bottleneck.Node
	}
	switch {
	case node != "":
		if v, ok := m.withNodeLike(node); ok {
			variants = append(variants, v)
		}
		if svc := m.topService(node); svc != "" {
			if v, ok := m.withReplica(svc); ok {
				variants = append(variants, v)
			}
		}
	default:
		v := m.cloneSource()
		for i := range v.Stations {
			if bottleneck.Kind == ComponentStation && v.Stations[i].Name == bottleneck.Name {
				v.Stations[i].Servers++
				variants = append(variants, variant{fmt.Sprintf("+1 server at %s", bottleneck.Name), v})
			}
		}
		for i := range v.Queues {
			if bottleneck.Kind == ComponentQueue && v.Queues[i].Name == bottleneck.Name {
				v.Queues[i].Concurrency *= 2
				variants = append(variants, variant{fmt.Sprintf("2× consumers of queue %s (%d)", v.Queues[i].Name, v.Queues[i].Concurrency), v})
			}
		}
		for i := range v.Services {
			if bottleneck.Kind == ComponentWorkers && v.Services[i].Name == bottleneck.Name && v.Services[i].Concurrency > 0 {
				v.Services[i].Concurrency *= 2
				variants = append(variants, variant{fmt.Sprintf("2× workers per instance of %s (%d)", v.Services[i].Name, v.Services[i].Concurrency), v})
				if w, ok := m.withReplica(v.Services[i].Name); ok {
					variants = append(variants, w)
				}
			}
		}
		for i := range v.Databases {
			if bottleneck.Kind == ComponentConnections && v.Databases[i].Name == bottleneck.Name {
				v.Databases[i].Pool *= 2
				variants = append(variants, variant{fmt.Sprintf("2× connection pool of %s (%d)", v.Databases[i].Name, v.Databases[i].Pool), v})
			}
		}
	}
	var out []Advice
	for _, v := range variants {
		vm, err := Compile(v.s)
		if err != nil {
			continue
		}
		sub := &runner{cfg: &config{}, meter: r.meter} // the run's phase counts the advice too
		*sub.cfg = *r.cfg
		sub.cfg.reps = r.cfg.adviceReps
		sub.cfg.advice = false
		sub.cfg.bisections = 5
		ld2 := ld
		ld2.points = 2
		sat, _, near := vm.search(sub, ld2)
		r.mu.Lock()
		r.events += sub.events
		r.mu.Unlock()
		a := Advice{Change: v.change, Saturation: sat.Value}
		if base > 0 {
			a.GainPercent = (sat.Value/base - 1) * 100
		}
		if near != nil {
			a.Bottleneck = busiest(*near).Name
		}
		out = append(out, a)
	}
	return out
}

// variant is a what-if scenario and the change that made it.
type variant struct {
	change string
	s      *scenarios.Scenario
}

// withNodeLike is the source scenario with node name cloned as a new node that gets one more
// instance of everything placed on the original (services, store data node, cache, database
// read replica).
func (m *Model) withNodeLike(name string) (variant, bool) {
	v := m.cloneSource()
	var orig *scenarios.Node
	for i := range v.Nodes {
		if v.Nodes[i].Name == name {
			orig = &v.Nodes[i]
		}
	}
	if orig == nil {
		return variant{}, false
	}
	nn := *orig
	nn.Name = name + "-copy"
	v.Nodes = append(v.Nodes, nn)
	for i := range v.Services {
		sv := &v.Services[i]
		if sv.SingleInstance {
			continue
		}
		for j, p := range sv.Placement {
			if p == name {
				sv.Placement = append(sv.Placement, nn.Name)
				if len(sv.Balancer.Weights) > 0 {
					sv.Balancer.Weights = append(sv.Balancer.Weights, sv.Balancer.Weights[j])
				}
				break
			}
		}
	}
	for i := range v.Stores {
		for _, n := range v.Stores[i].Nodes {
			if n == name {
				v.Stores[i].Nodes = append(v.Stores[i].Nodes, nn.Name)
				break
			}
		}
	}
	for i := range v.Caches {
		for _, n := range v.Caches[i].Nodes {
			if n == name {
				v.Caches[i].Nodes = append(v.Caches[i].Nodes, nn.Name)
				break
			}
		}
	}
	for i := range v.Databases {
		db := &v.Databases[i]
		if db.Primary == name || contains(db.Replicas, name) {
			db.Replicas = append(db.Replicas, nn.Name)
			if db.ReadRouting == "" || db.ReadRouting == "primary" {
				db.ReadRouting = "all"
			}
		}
	}
	return variant{fmt.Sprintf("+1 node like %s", name), v}, true
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// topService is the (non single-instance) service whose handlers put the most demand on node's
// CPU and disk at design load.
func (m *Model) topService(node string) string {
	byS := m.serviceDemand()
	best, bd := "", 0.0
	for si := range m.nSvc {
		if m.services[si].single {
			continue
		}
		d := 0.0
		for ni, n := range m.nodeNames {
			if n == node {
				d += byS[si][m.nodeCPU[ni]] + byS[si][m.nodeDisk[ni]]
			}
		}
		if d > bd {
			best, bd = m.services[si].name, d
		}
	}
	return best
}

// withReplica is the source scenario with one more instance of svc, on the node with the lowest
// utilization-law CPU utilization at design load among the nodes that do not run it (the change
// names it).
func (m *Model) withReplica(svc string) (variant, bool) {
	v := m.cloneSource()
	ul := m.utilizationLaw(m.dm, m.design, nil)
	nodes := make([]int, len(m.nodeNames))
	for i := range nodes {
		nodes[i] = i
	}
	sort.SliceStable(nodes, func(a, b int) bool { return ul[m.nodeCPU[nodes[a]]] < ul[m.nodeCPU[nodes[b]]] })
	for i := range v.Services {
		sv := &v.Services[i]
		if sv.Name != svc || sv.SingleInstance || len(nodes) == 0 {
			continue
		}
		// the least-utilized node that does not run the service yet (another instance on a node
		// that runs one only splits that node's cores further)
		has := map[string]bool{}
		for _, p := range sv.Placement {
			has[p] = true
		}
		target := ""
		for _, ni := range nodes {
			if !has[m.nodeNames[ni]] {
				target = m.nodeNames[ni]
				break
			}
		}
		if target == "" {
			return variant{}, false
		}
		sv.Placement = append(sv.Placement, target)
		if len(sv.Balancer.Weights) > 0 {
			sv.Balancer.Weights = append(sv.Balancer.Weights, 1)
		}
		return variant{fmt.Sprintf("+1 replica of %s (on %s)", svc, target), v}, true
	}
	return variant{}, false
}
