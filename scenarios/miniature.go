package scenarios

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// MinClusterMemory is the smallest memory limit `capsim cluster up` gives a node's container
// (a PostgreSQL or an emulator needs about 100 MB whatever the
// scale).
const MinClusterMemory = 256 << 20

// MiniatureSpec says which containerized miniature a scenario describes (see Miniature).
type MiniatureSpec struct {
	// Scale is the cluster scale: node CPU limits are cores × Scale, and the load × Scale.
	Scale float64
	// PinnedCPUs is the number of physical CPUs every container is pinned to (a cpuset).
	PinnedCPUs int
}

// DefaultClusterScale is the scale `capsim cluster up` picks when neither --scale nor
// cluster.scale gives one (fixtures/cluster.Build): the largest at which the nodes' CPU limits
// (cores × scale) add up to maxCPUs (1 when ≤ 0), at most 1. 0 for a scenario without nodes.
func (s *Scenario) DefaultClusterScale(maxCPUs float64) float64 {
	var cores float64
	for _, n := range s.Nodes {
		cores += float64(n.Cores)
	}
	if cores <= 0 {
		return 0
	}
	if maxCPUs <= 0 {
		maxCPUs = 1
	}
	return math.Min(1, maxCPUs/cores)
}

// ErrMiniature is wrapped by every error of Miniature.
var ErrMiniature = errors.New("scenarios: no miniature")

// Miniature returns a copy of s (loaded and validated) that describes the containerized
// miniature `capsim cluster up` starts from s at scale, with its containers pinned to
// pinnedCPUs physical CPUs (1 by default there), as the load generator drives it
// (`capsim load --cluster`):
//
//   - every node: cpu_limit = cores × scale CPUs with the default 100 ms period (the
//     container's CFS quota, NanoCPUs), cores = min(cores, pinnedCPUs), the limit at most
//     those cores; memory × scale, at least MinClusterMemory; disk unchanged; the memory
//     services, databases and caches declare × scale, so the memory trigger reads as for the
//     full tier;
//   - every flow's load × scale: rate, sources and bytes_per_month (source form), closed
//     population rounded and at least 1;
//   - load.design, rates_at, min, max and claimed × scale, so the saturation search, the
//     design load and the claimed capacity read in the miniature's units (a tier of 5000
//     sources at scale 0.01 is a miniature of 50).
//
// Node utilizations are those of the full tier (U = X·D/c with X and c both × scale) as long
// as pinnedCPUs does not cap the cores; latencies are not, since a quota stalls a node for the
// rest of a period. The copy records the miniature (MiniatureOf) and lists it among its
// assumptions, with a second one when the limits add up to more than the pinned CPUs: the
// containers then compete for those CPUs, which the model does not represent. Errors (wrapping
// ErrMiniature): a scale outside (0, 1], pinnedCPUs < 1, a scenario without nodes, or a copy
// that fails validation.
func (s *Scenario) Miniature(scale float64, pinnedCPUs int) (*Scenario, error) {
	if !(scale > 0 && scale <= 1) {
		return nil, fmt.Errorf("%w: cluster scale must be in (0, 1], got %g", ErrMiniature, scale)
	}
	if pinnedCPUs < 1 {
		return nil, fmt.Errorf("%w: the containers need at least 1 pinned CPU, got %d", ErrMiniature, pinnedCPUs)
	}
	if len(s.Nodes) == 0 {
		return nil, fmt.Errorf("%w: scenario %q has no nodes: only a deployment can be started as containers", ErrMiniature, s.Name)
	}
	out, err := s.copy()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMiniature, err)
	}
	sum := 0.0
	for i := range out.Nodes {
		n := &out.Nodes[i]
		n.Cores = min(n.Cores, pinnedCPUs)
		n.CPULimit = math.Min(float64(s.Nodes[i].Cores)*scale, float64(n.Cores))
		n.CPUPeriod = DefaultCPUPeriod
		n.Memory = Size(math.Max(float64(n.Memory)*scale, MinClusterMemory))
		sum += n.CPULimit
	}
	// what runs on a node declares its memory for the memory trigger: scaled like the node's,
	// so the trigger reads as for the full tier (unless the node's floor applies)
	for i := range out.Services {
		out.Services[i].Memory *= Size(scale)
	}
	for i := range out.Databases {
		out.Databases[i].Memory *= Size(scale)
	}
	for i := range out.Caches {
		out.Caches[i].Memory *= Size(scale)
	}
	for i := range out.Flows {
		f := &out.Flows[i]
		switch {
		case f.Population > 0:
			f.Population = max(1, int(math.Round(float64(f.Population)*scale)))
		case f.Rate > 0:
			f.Rate *= Rate(scale)
		default:
			f.Sources *= scale
			f.BytesPerMonth *= Size(scale)
		}
	}
	l := &out.Load
	l.Design *= scale
	l.RatesAt *= scale
	l.Min *= scale
	l.Max *= scale
	out.Claimed *= scale
	if sz := out.Sizing; sz != nil { // cores and load alike: the same CPU per event
		out.Sizing = &Sizing{Cores: sz.Cores * scale, Load: sz.Load * scale, Source: sz.Source}
	}
	out.Cluster = &ClusterSpec{Scale: scale}
	out.MiniatureOf = &MiniatureSpec{Scale: scale, PinnedCPUs: pinnedCPUs}
	mini := []Assumption{{
		What: "Containerized miniature (capsim cluster up)",
		Value: fmt.Sprintf("scale %g: every node's CPU is a CFS quota of cores × %g CPUs (period %v) on at most %d pinned CPU(s); memory and the memory declared by what runs on it × %g (nodes at least %d MiB); disk unchanged; every flow's rate, sources and population × %g; load and claimed capacity in the miniature's units (design %g %s)",
			scale, scale, DefaultCPUPeriod, pinnedCPUs, scale, MinClusterMemory>>20, scale, l.Design, l.Unit),
		Source: "capsim cluster up (containers with NanoCPUs = cores × scale, pinned with a cpuset) and capsim load --cluster (load × scale)",
	}}
	if sum > float64(pinnedCPUs)+1e-9 {
		mini = append(mini, Assumption{
			What:   "Containers sharing the pinned CPUs",
			Value:  fmt.Sprintf("the nodes' CPU limits add up to %.3g CPUs on %d pinned CPU(s): the containers compete for them, which the model (one CPU station per node) does not represent; a scale of %.3g or less avoids it", sum, pinnedCPUs, s.DefaultClusterScale(float64(pinnedCPUs))),
			Source: "assumed",
		})
	}
	out.Assumptions = append(mini, out.Assumptions...)
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("%w: the miniature at scale %g is not a valid scenario: %w", ErrMiniature, scale, err)
	}
	return out, nil
}

// copy is a deep copy of s, fields outside the file format included.
func (s *Scenario) copy() (*Scenario, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var out Scenario
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	out.Overrides = append([]string(nil), s.Overrides...)
	if s.MiniatureOf != nil {
		m := *s.MiniatureOf
		out.MiniatureOf = &m
	}
	return &out, nil
}
