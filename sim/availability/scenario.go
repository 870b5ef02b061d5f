package availability

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/capsim/capsim/scenarios"
)

// FlowUse is what one flow of a deployment needs, found by following its entry calls through
// handlers, queue consumers and cache misses. Names are sorted and unique.
type FlowUse struct {
	Flow     string
	Services []string
	// Stores and Databases used at all; StoreWrites the stores the flow indexes into,
	// DatabaseWrites the databases it writes to.
	Stores, StoreWrites       []string
	Databases, DatabaseWrites []string
	Caches                    []string
}

// FlowUses returns, per flow in file order, the services, stores, databases and caches it
// reaches. A call with a probability below 1 counts as a use. Plain-station flows use nothing.
func FlowUses(s *scenarios.Scenario) []FlowUse {
	svc := map[string]*scenarios.Service{}
	for i := range s.Services {
		svc[s.Services[i].Name] = &s.Services[i]
	}
	qs := map[string]*scenarios.Queue{}
	for i := range s.Queues {
		qs[s.Queues[i].Name] = &s.Queues[i]
	}
	var out []FlowUse
	for _, f := range s.Flows {
		sets := map[string]map[string]bool{}
		add := func(kind, name string) {
			if sets[kind] == nil {
				sets[kind] = map[string]bool{}
			}
			sets[kind][name] = true
		}
		seen := map[string]bool{}
		var walk func(c scenarios.Call)
		walk = func(c scenarios.Call) {
			switch {
			case c.Service != "":
				add("svc", c.Service)
				key := c.Service + "\x00" + c.Class
				if seen[key] {
					return
				}
				seen[key] = true
				if sv := svc[c.Service]; sv != nil {
					for _, h := range sv.Handlers {
						if h.Class == c.Class || c.Class == "" && len(sv.Handlers) == 1 {
							for _, cc := range h.Calls {
								walk(cc)
							}
						}
					}
				}
			case c.Queue != "":
				if seen["q\x00"+c.Queue] {
					return
				}
				seen["q\x00"+c.Queue] = true
				if q := qs[c.Queue]; q != nil {
					walk(q.Consumer)
				}
			case c.Store != "":
				add("store", c.Store)
				if c.Op == "index" {
					add("storeW", c.Store)
				}
			case c.Database != "":
				add("db", c.Database)
				if c.Op == "write" {
					add("dbW", c.Database)
				}
			case c.Cache != "":
				add("cache", c.Cache)
				for _, cc := range c.OnMiss {
					walk(cc)
				}
			}
		}
		if f.Entry != nil {
			walk(*f.Entry)
		}
		for _, m := range f.Mix {
			if m.Entry != nil {
				walk(*m.Entry)
			}
		}
		out = append(out, FlowUse{Flow: f.Name, Services: sorted(sets["svc"]), Stores: sorted(sets["store"]),
			StoreWrites: sorted(sets["storeW"]), Databases: sorted(sets["db"]), DatabaseWrites: sorted(sets["dbW"]),
			Caches: sorted(sets["cache"])})
	}
	return out
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Model is the availability model of a deployment: its components (the nodes, in file order)
// and the structure function, with notes on how it was built.
type Model struct {
	Components []Component
	Up         Structure
	// Notes state the structure in words and every approximation made (for the report).
	Notes []string
}

// ErrNoModel is wrapped when a scenario has nothing to build an availability model from.
var ErrNoModel = errors.New("availability: no availability model")

// FromScenario derives the components and the structure function of a deployment; see Derive.
func FromScenario(s *scenarios.Scenario) ([]Component, Structure, error) {
	m, err := Derive(s)
	if err != nil {
		return nil, nil, err
	}
	return m.Components, m.Up, nil
}

// Derive builds the availability model of a deployment with an availability section. Every node
// is a component with the section's MTBF and MTTR (hours; per-node overrides by name). The tier
// is up when, for everything some flow uses:
//   - every service has an instance on an up node; with an orchestrator (ha.orchestrator,
//     Kubernetes), a service is up while any node that can host it is up: a node of its placement
//     or any node of the orchestrated pool (nodes that run service instances) whose free memory
//     (memory minus what the scenario places on it) holds one more instance — the node-down timeout and start delay are not modelled (an approximation that
//     overstates availability by at most those delays per failure of the only hosting node);
//   - every shard of every sharded store has a copy on an up node (copies placed by
//     scenarios.AllocateShards, not re-created elsewhere during a repair: conservative) and, for
//     stores the flow indexes into, at least ha.search.minimum_master_nodes of the store's nodes
//     are up (default a majority);
//   - every database has its primary up, or a replica when Patroni promotes one
//     (scenarios.HA.FailoverManaged);
//   - every cache has a node up.
//
// Errors: no availability section (wraps ErrNoModel), no nodes, no flow using a node (wraps
// ErrNoModel), a reference to an unknown node, an impossible shard allocation.
func Derive(s *scenarios.Scenario) (*Model, error) {
	if s == nil || s.Availability == nil {
		return nil, fmt.Errorf("%w: the scenario has no availability section", ErrNoModel)
	}
	if len(s.Nodes) == 0 {
		return nil, fmt.Errorf("%w: the scenario has no nodes", ErrNoModel)
	}
	spec := s.Availability
	idx := map[string]int{}
	m := &Model{}
	for i, n := range s.Nodes {
		idx[n.Name] = i
		c := Component{Name: n.Name, MTBF: spec.MTBF.Seconds() / 3600, MTTR: spec.MTTR.Seconds() / 3600}
		if o, ok := spec.Nodes[n.Name]; ok {
			c.MTBF, c.MTTR = o.MTBF.Seconds()/3600, o.MTTR.Seconds()/3600
		}
		m.Components = append(m.Components, c)
	}
	var errs []error
	nodes := func(what string, names []string) []int {
		out := make([]int, 0, len(names))
		for _, n := range names {
			i, ok := idx[n]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: no node %q", what, n))
				continue
			}
			out = append(out, i)
		}
		return out
	}
	for n := range spec.Nodes {
		if _, ok := idx[n]; !ok {
			errs = append(errs, fmt.Errorf("availability.nodes: no node %q", n))
		}
	}

	uses := FlowUses(s)
	need := map[string]map[string]bool{"svc": {}, "store": {}, "storeW": {}, "db": {}, "cache": {}}
	for _, u := range uses {
		for kind, names := range map[string][]string{"svc": u.Services, "store": u.Stores, "storeW": u.StoreWrites, "db": u.Databases, "cache": u.Caches} {
			for _, n := range names {
				need[kind][n] = true
			}
		}
	}

	// groups: the tier is up when every group has at least k of its nodes up
	type group struct {
		nodes []int
		k     int
	}
	var groups []group
	var words []string
	used := s.MemoryByNode()
	orch := s.HA.Orchestrator != nil
	pool := map[int]bool{} // the orchestrator's pool, by node index
	for p := range s.OrchestratorPool() {
		if i, ok := idx[p]; ok {
			pool[i] = true
		}
	}
	for _, sv := range s.Services {
		if !need["svc"][sv.Name] {
			continue
		}
		hosts := nodes("service "+sv.Name, sv.Placement)
		if orch {
			in := map[int]bool{}
			for _, h := range hosts {
				in[h] = true
			}
			for i, n := range s.Nodes {
				if !in[i] && pool[i] && scenarios.HasRoom(float64(n.Memory), used[n.Name], float64(sv.Memory)) {
					hosts = append(hosts, i)
				}
			}
		}
		groups = append(groups, group{hosts, 1})
	}
	if orch {
		words = append(words, "services: up while a node that runs or can host an instance is up (orchestrator; node-down timeout and start delay not modelled)")
	} else {
		words = append(words, "services: up while a node of the placement is up")
	}
	for _, st := range s.Stores {
		if !need["store"][st.Name] {
			continue
		}
		sn := nodes("store "+st.Name, st.Nodes)
		copies, err := scenarios.AllocateShards(st)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, cp := range copies {
			g := group{k: 1}
			for _, j := range cp {
				if j < len(sn) {
					g.nodes = append(g.nodes, sn[j])
				}
			}
			groups = append(groups, g)
		}
		if need["storeW"][st.Name] {
			q := s.HA.Search.MasterQuorum(len(sn))
			if q > len(sn) {
				m.Notes = append(m.Notes, fmt.Sprintf("store %s: minimum_master_nodes %d is more than its %d nodes: writes never have a quorum", st.Name, q, len(sn)))
			}
			groups = append(groups, group{sn, q})
			words = append(words, fmt.Sprintf("store %s: every shard has a copy up, and %d of %d nodes up (master quorum)", st.Name, q, len(sn)))
		} else {
			words = append(words, fmt.Sprintf("store %s: every shard has a copy up", st.Name))
		}
	}
	for _, db := range s.Databases {
		if !need["db"][db.Name] {
			continue
		}
		if len(db.Replicas) > 0 && !s.HA.FailoverManaged() {
			// nothing promotes the replica: the primary's node must be up
			groups = append(groups, group{nodes("database "+db.Name, []string{db.Primary}), 1})
			words = append(words, fmt.Sprintf("database %s: primary up (no failover manager promotes a replica)", db.Name))
			continue
		}
		groups = append(groups, group{nodes("database "+db.Name, append([]string{db.Primary}, db.Replicas...)), 1})
		words = append(words, fmt.Sprintf("database %s: primary or one of %d replicas up", db.Name, len(db.Replicas)))
	}
	for _, c := range s.Caches {
		if !need["cache"][c.Name] {
			continue
		}
		groups = append(groups, group{nodes("cache "+c.Name, c.Nodes), 1})
		words = append(words, fmt.Sprintf("cache %s: one of %d nodes up", c.Name, len(c.Nodes)))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("%w: no flow uses a service, store, database or cache placed on nodes", ErrNoModel)
	}
	m.Notes = append([]string{"tier up when " + strings.Join(words, "; ")}, m.Notes...)
	m.Up = func(up []bool) bool {
		for _, g := range groups {
			n := 0
			for _, i := range g.nodes {
				if up[i] {
					n++
					if n >= g.k {
						break
					}
				}
			}
			if n < g.k {
				return false
			}
		}
		return true
	}
	return m, nil
}
