package scenarios

import "fmt"

// AllocateShards places the copies of a sharded store on its data nodes the way the validator
// checks it can be done: it returns, for every shard 0..Shards-1, the indices into st.Nodes of
// its Replicas+1 copies, primary first.
//
// Rules (Elasticsearch's allocation deciders): the copies of one shard sit on distinct nodes,
// and no node holds more than TotalShardsPerNode copies (0 = no cap). The allocation is
// deterministic and balanced: copies are laid out shard by shard, round robin over the nodes, so
// every node holds ⌊C/N⌋ or ⌈C/N⌉ of the C = Shards×(Replicas+1) copies; then each shard's
// primary is the copy on the node holding the fewest primaries so far (ties: lowest index).
//
// Errors: no nodes, Shards < 1, Replicas < 0, Replicas+1 > len(Nodes) (two copies of a shard
// would share a node), or C > len(Nodes)×TotalShardsPerNode.
func AllocateShards(st Store) ([][]int, error) {
	n := len(st.Nodes)
	copies := st.Replicas + 1
	switch {
	case n == 0:
		return nil, fmt.Errorf("store %q has no nodes", st.Name)
	case st.Shards < 1:
		return nil, fmt.Errorf("store %q: shards must be ≥ 1, got %d", st.Name, st.Shards)
	case st.Replicas < 0:
		return nil, fmt.Errorf("store %q: replicas must be ≥ 0, got %d", st.Name, st.Replicas)
	case st.TotalShardsPerNode < 0:
		return nil, fmt.Errorf("store %q: total_shards_per_node must be ≥ 0, got %d", st.Name, st.TotalShardsPerNode)
	case copies > n:
		return nil, fmt.Errorf("store %q: each shard has %d copies (1 primary + %d replicas) that need %d distinct nodes, but the store has %d", st.Name, copies, st.Replicas, copies, n)
	}
	total := st.Shards * copies
	if st.Shards > MaxNodes || total > MaxNodes {
		return nil, fmt.Errorf("store %q: %d shard copies is more than the %d supported", st.Name, total, MaxNodes)
	}
	if c := st.TotalShardsPerNode; c > 0 && total > n*c {
		return nil, fmt.Errorf("store %q: %d shards × %d copies = %d shard copies do not fit on %d nodes × total_shards_per_node %d = %d", st.Name, st.Shards, copies, total, n, c, n*c)
	}
	out := make([][]int, st.Shards)
	primaries := make([]int, n)
	for s := range out {
		cp := make([]int, copies)
		best := 0
		for r := range cp {
			cp[r] = (s*copies + r) % n
			if primaries[cp[r]] < primaries[cp[best]] || primaries[cp[r]] == primaries[cp[best]] && cp[r] < cp[best] {
				best = r
			}
		}
		cp[0], cp[best] = cp[best], cp[0]
		primaries[cp[0]]++
		out[s] = cp
	}
	return out, nil
}
