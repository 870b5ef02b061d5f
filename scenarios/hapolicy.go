package scenarios

// The HA policy: the rules that decide what survives a failure, written once and read by every
// view of it — the fault simulation (sim/faults.go, dynamic), the N-1 rewrite (sim/nminus1.go,
// static, one node down at design load) and the availability structure function
// (sim/availability, which nodes up keep the tier up). Whether a replica is promoted at all is
// HA.FailoverManaged (failures.go: only with ha.patroni), read by the same three views.

// MasterQuorum is the number of a store's data nodes that must be up for it to take writes:
// minimum_master_nodes when set (> 0), else a majority of its dataNodes
// (discovery.zen.minimum_master_nodes; Elasticsearch's advice, ⌊n/2⌋+1).
func (s SearchHA) MasterQuorum(dataNodes int) int {
	if s.MinimumMasterNodes > 0 {
		return s.MinimumMasterNodes
	}
	return dataNodes/2 + 1
}

// Promote is the failover of a database whose primary is lost: Patroni promotes the first
// replica in file order, and the others stay replicas of the new primary. The same replica is the
// synchronous standby under replication: sync (it applies each write before the ack), which is
// why a synchronous failover loses no acknowledged write. ok is false when there is no replica
// to promote.
func Promote(replicas []string) (primary string, rest []string, ok bool) {
	if len(replicas) == 0 {
		return "", nil, false
	}
	return replicas[0], replicas[1:], true
}

// OrchestratorPool is the set of nodes an orchestrator (ha.orchestrator) schedules service
// instances onto: every node that runs an instance of a service in the file, not the data nodes
// (databases, caches, stores) beside them.
func (s *Scenario) OrchestratorPool() map[string]bool {
	pool := map[string]bool{}
	for _, sv := range s.Services {
		for _, p := range sv.Placement {
			pool[p] = true
		}
	}
	return pool
}

// HasRoom reports whether a node with memory bytes (0: not given, no limit), used of them
// already taken, can take an instance needing need bytes more. The orchestrator places a moved
// instance only where it has room.
func HasRoom(memory, used, need float64) bool {
	return memory == 0 || memory-used >= need
}
