package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestMiniature checks the copy that describes `capsim cluster up`'s miniature, field by field
// against the rule (cores × scale CPUs of quota on at most the pinned CPUs, memory × scale but
// at least 256 MiB, load × scale), and that the original is left as it was.
func TestMiniature(t *testing.T) {
	text := strings.Replace(readTestdata(t, "deploy.yaml"), "  - name: db-1\n    cores: 8\n", "  - name: db-1\n    cores: 8\n    memory: 64GiB\n", 1)
	text = strings.Replace(text, "  - name: ingest\n    events_per_source: 2/s\n", "  - name: ingest\n    events_per_source: 2/s\n    sources: 4000\n", 1)
	text += "  - name: api\n    rate: 40/s\n    entry: {service: agent-manager, class: search}\n"
	text += "  - name: admins\n    population: 2\n    think: 1s\n    entry: {service: agent-manager, class: search}\n"
	text += "claimed: 6000\n"
	text = strings.Replace(text, "    concurrency: 10\n", "    concurrency: 10\n    memory: 2GiB\n", 1)
	s, err := Load("t.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := s.copy()
	const scale = 0.1
	m, err := s.Miniature(scale, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range m.Nodes {
		orig := s.Nodes[i]
		wantLimit := min(float64(orig.Cores)*scale, 1) // 4 cores → 0.4; 8 → 0.8; 16 → 1 (the pinned CPU)
		if n.Cores != 1 || n.CPULimit != wantLimit || n.CPUPeriod != Duration(100*time.Millisecond) {
			t.Errorf("%s: cores %d, cpu_limit %g, cpu_period %v; want 1, %g, 100ms", n.Name, n.Cores, n.CPULimit, n.CPUPeriod, wantLimit)
		}
		wantMem := Size(256 << 20)
		if orig.Memory > 0 {
			wantMem = Size(float64(orig.Memory) * scale)
		}
		if n.Memory != wantMem || n.Disk != orig.Disk {
			t.Errorf("%s: memory %v, disk %v; want %v and %v", n.Name, n.Memory, n.Disk, wantMem, orig.Disk)
		}
	}
	for i, sv := range m.Services {
		if want := s.Services[i].Memory * scale; sv.Memory != want {
			t.Errorf("service %s memory %v, want %v", sv.Name, sv.Memory, want)
		}
	}
	if got := m.Services[1].Memory; got != Size(2<<30)*scale {
		t.Errorf("agent-manager memory %v, want 2 GiB × 0.1", got)
	}
	flows := map[string]Flow{}
	for _, f := range m.Flows {
		flows[f.Name] = f
	}
	if f := flows["ingest"]; f.Sources != 400 || f.EventsPerSource != 2 || f.Batch != 100 {
		t.Errorf("ingest: sources %g, events_per_source %g, batch %d; want 400, 2, 100", f.Sources, f.EventsPerSource, f.Batch)
	}
	if f := flows["api"]; f.Rate != 4 {
		t.Errorf("api rate %g/s, want 4/s", f.Rate)
	}
	if f := flows["search"]; f.Population != 5 {
		t.Errorf("search population %d, want 50 × 0.1 = 5", f.Population)
	}
	if f := flows["admins"]; f.Population != 1 {
		t.Errorf("admins population %d, want round(0.2) raised to 1", f.Population)
	}
	if l := m.Load; l.Design != 500 || l.RatesAt != 500 || l.Min != 25 || l.Max != 10000 || m.Claimed != 600 {
		t.Errorf("load design %g rates_at %g min %g max %g, claimed %g; want 500, 500, 25, 10000, 600", l.Design, l.RatesAt, l.Min, l.Max, m.Claimed)
	}
	if m.MiniatureOf == nil || *m.MiniatureOf != (MiniatureSpec{Scale: scale, PinnedCPUs: 1}) || m.Cluster == nil || m.Cluster.Scale != scale {
		t.Errorf("miniature not recorded: %+v, cluster %+v", m.MiniatureOf, m.Cluster)
	}
	// 4 + 16 + 16 + 16 + 8 + 8 cores × 0.1 capped at 1 each: 0.4 + 1 + 1 + 1 + 0.8 + 0.8 = 5 CPUs on 1
	if len(m.Assumptions) < 2 || !strings.Contains(m.Assumptions[0].Value, "scale 0.1") ||
		!strings.Contains(m.Assumptions[1].Value, "add up to 5 CPUs on 1 pinned CPU") {
		t.Errorf("assumptions do not state the miniature and the shared CPU: %+v", m.Assumptions[:min(2, len(m.Assumptions))])
	}
	after, _ := s.copy()
	if d := cmp.Diff(before, after); d != "" || s.MiniatureOf != nil {
		t.Errorf("the original changed (-before +after):\n%s", d)
	}

	// pinned CPUs that do not cap the cores keep them; a scale whose limits fit adds no
	// shared-CPU assumption
	m, err = s.Miniature(0.01, 16)
	if err != nil {
		t.Fatal(err)
	}
	if n := m.Nodes[1]; n.Cores != 16 || n.CPULimit != 0.16 {
		t.Errorf("search-1 pinned to 16 CPUs: cores %d, cpu_limit %g; want 16 and 0.16", n.Cores, n.CPULimit)
	}
	for _, a := range m.Assumptions {
		if strings.Contains(a.What, "sharing") {
			t.Errorf("limits of 0.68 CPU on 16 CPUs reported as shared: %+v", a)
		}
	}

	for _, c := range []struct {
		scale float64
		cpus  int
	}{{0, 1}, {-0.1, 1}, {1.5, 1}, {0.1, 0}} {
		if _, err := s.Miniature(c.scale, c.cpus); !errors.Is(err, ErrMiniature) {
			t.Errorf("Miniature(%g, %d): %v, want ErrMiniature", c.scale, c.cpus, err)
		}
	}
	plain, err := Load("p.yaml", []byte(plainBase))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Miniature(0.1, 1); !errors.Is(err, ErrMiniature) {
		t.Errorf("a scenario without nodes: %v, want ErrMiniature", err)
	}
	if got := s.DefaultClusterScale(1); got != 1.0/68 {
		t.Errorf("default scale %g, want 1/68 (68 cores on one CPU)", got)
	}
}
