package scenarios

import (
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// TestCostsWrittenOnce: issue 2 asks for per-event costs calibrated once, not per tier; issue 11
// for them to be written once. Every cost of the UTMStack model (a handler's work, a store's,
// database's or cache's cost, a source's usage profile) is set in exactly one file,
// systems/utmstack.yaml, which every UTMStack tier includes (directly or through the tier a
// failure file extends).
func TestCostsWrittenOnce(t *testing.T) {
	const system = "systems/utmstack.yaml"
	files := []string{system}
	for _, b := range Builtins() {
		s, err := LoadFile(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		for _, f := range s.Files[1:] {
			if f == "scenarios/"+system {
				files = append(files, b+".yaml")
				break
			}
		}
	}
	if len(files) < 1+7 {
		t.Fatalf("only %v include %s; want the four tiers and three failure files", files[1:], system)
	}
	where := map[string][]string{} // value path → files that set it
	for _, f := range files {
		data, err := fs.ReadFile(builtinFS, f)
		if err != nil {
			t.Fatal(err)
		}
		var tree map[string]any
		if err := yaml.Unmarshal(data, &tree); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		delete(tree, "assumptions") // listed, not set: they concatenate
		for _, p := range valuePaths(tree, "") {
			where[p] = append(where[p], f)
		}
	}
	costs := 0
	paths := make([]string, 0, len(where))
	for p := range where {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fs := where[p]
		if strings.HasPrefix(p, ".flows[") || strings.HasSuffix(p, ".calls") || strings.HasSuffix(p, ".class") {
			// A failure-twin file (small-twins.yaml, small-twins-ha.yaml) reshapes the usage
			// profile (batch size, volume) so that the miniature sees enough requests per
			// second, and small-twins-ha makes every batch write its alert row (a call's
			// probability); it sets no handler, store, database or cache cost.
			fs = slices.DeleteFunc(slices.Clone(fs), func(f string) bool { return strings.Contains(f, "-twins") })
			if len(fs) == 0 {
				continue
			}
		}
		if isCost(p) {
			costs++
		} else if fs[0] != system {
			continue // a tier's own value
		}
		if len(fs) != 1 || fs[0] != system {
			t.Errorf("%s is set in %v, want only in %s", p, fs, system)
		}
	}
	if costs < 20 {
		t.Errorf("only %d cost values found: the walk misses them", costs)
	}
}

// valuePaths lists the paths of the values in a raw scenario tree (list items by name, or class
// for handlers; their name is not a value); a cost (see isCost) is one value however deep it is.
func valuePaths(n any, path string) []string {
	var out []string
	switch v := n.(type) {
	case map[string]any:
		for k, c := range v {
			p := path + "." + k
			if k == "name" && strings.HasSuffix(path, "]") {
				continue // the name that identifies a component, not a value
			}
			if isCost(p) {
				out = append(out, p)
				continue
			}
			out = append(out, valuePaths(c, p)...)
		}
	case []any:
		for i, c := range v {
			id := fmt.Sprint(i)
			if m, ok := c.(map[string]any); ok {
				if s, ok := m["name"].(string); ok {
					id = s
				} else if s, ok := m["class"].(string); ok {
					id = s
				}
			}
			out = append(out, valuePaths(c, path+"["+id+"]")...)
		}
	default:
		out = append(out, path)
	}
	return out
}

// isCost: everything under a handler, a store's index and query, a database's read and write, a
// cache's cpu and hit ratio, a flow's event size, peak factor, batch and mix.
func isCost(p string) bool {
	last := p[strings.LastIndexByte(p, '.')+1:]
	switch {
	case strings.Contains(p, ".handlers["):
		return true
	case strings.HasPrefix(p, ".stores[") && (last == "index" || last == "query"):
		return true
	case strings.HasPrefix(p, ".databases[") && (last == "read" || last == "write"):
		return true
	case strings.HasPrefix(p, ".caches[") && (last == "cpu" || last == "hit_ratio"):
		return true
	case strings.HasPrefix(p, ".flows[") && (last == "event_size" || last == "peak_factor" || last == "batch" || last == "mix"):
		return true
	}
	return false
}

// TestCalibrationSharedAcrossTiers: the ThingsPanel tiers are still written as whole files, so
// every cost of a component (service handler, store, database, cache) and every per-source
// workload figure must be the same in every tier file that has that component.
func TestCalibrationSharedAcrossTiers(t *testing.T) {
	systems := map[string][]string{
		"ThingsPanel": {"thingspanel/small", "thingspanel/medium", "thingspanel/large"},
	}
	for sys, tiers := range systems {
		t.Run(sys, func(t *testing.T) {
			seen := map[string]string{} // cost key → value
			from := map[string]string{} // cost key → tier that set it
			compared := 0
			for _, tier := range tiers {
				s, err := LoadFile(tier)
				if err != nil {
					t.Fatalf("%s: %v", tier, err)
				}
				for k, v := range costs(s) {
					if old, ok := seen[k]; ok {
						compared++
						if old != v {
							t.Errorf("%s: %s = %s, but %s has %s", tier, k, v, from[k], old)
						}
						continue
					}
					seen[k], from[k] = v, tier
				}
			}
			if compared == 0 {
				t.Fatal("no cost appears in two tiers: nothing was compared")
			}
		})
	}
}

// costs flattens every calibrated number of a scenario into key → printed value.
func costs(s *Scenario) map[string]string {
	out := map[string]string{}
	put := func(k string, v any) { out[k] = fmt.Sprintf("%v", v) }
	for _, sv := range s.Services {
		for _, h := range sv.Handlers {
			k := "service " + sv.Name + "." + h.Class
			put(k+" cpu", h.CPU)
			put(k+" cpu_per_event", h.CPUPerEvent)
			put(k+" disk", h.Disk)
			put(k+" disk_per_event", h.DiskPerEvent)
		}
	}
	for _, st := range s.Stores {
		put("store "+st.Name+" index", st.Index)
		put("store "+st.Name+" query", st.Query)
	}
	for _, db := range s.Databases {
		put("database "+db.Name+" read", db.Read)
		put("database "+db.Name+" write", db.Write)
	}
	for _, c := range s.Caches {
		put("cache "+c.Name+" cpu", c.CPU)
		put("cache "+c.Name+" hit_ratio", c.HitRatio)
	}
	design := s.Load.Design
	for _, f := range s.Flows {
		k := "flow " + f.Name
		put(k+" event_size", f.EventSize)
		put(k+" batch", f.Batch)
		put(k+" peak_factor", f.PeakFactor)
		if design > 0 {
			put(k+" bytes_per_month per load unit", fmt.Sprintf("%.6g", float64(f.BytesPerMonth)/design))
			put(k+" rate per load unit", fmt.Sprintf("%.6g", float64(f.Rate)/design))
		}
		for _, m := range f.Mix {
			put(k+" mix "+m.Name, m.Weight)
		}
	}
	return out
}

// TestAssumedSaysWhy: issue 8 keeps "assumed" only for what no published figure covers, and the
// source must then say why (which figure is missing, what the seed leaves out): a bare
// "assumed" in a built-in scenario fails.
func TestAssumedSaysWhy(t *testing.T) {
	for _, b := range Builtins() {
		s, err := LoadFile(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		for _, a := range s.Assumptions {
			rest, ok := strings.CutPrefix(strings.ToLower(a.Source), "assumed")
			if !ok {
				continue
			}
			if why := strings.Trim(rest, " :;,.()"); len(why) < 12 {
				t.Errorf("%s (%s): %q is %q: say why no published figure covers it", b, a.File, a.What, a.Source)
			}
		}
	}
}

// TestCalibratedCostsCited: every cost issue 8 took from a published benchmark is the number
// the file uses (the assumption table states it), and its source cites the benchmark with its
// arithmetic instead of "assumed".
func TestCalibratedCostsCited(t *testing.T) {
	svc := func(s *Scenario, name, class string) *Handler {
		for i := range s.Services {
			if s.Services[i].Name == name {
				for j := range s.Services[i].Handlers {
					if h := &s.Services[i].Handlers[j]; h.Class == class {
						return h
					}
				}
			}
		}
		t.Fatalf("%s: no handler %s.%s", s.Name, name, class)
		return nil
	}
	overhead := func(s *Scenario, name string) Duration {
		for _, sv := range s.Services {
			if sv.Name == name {
				return sv.Balancer.Overhead
			}
		}
		t.Fatalf("%s: no service %s", s.Name, name)
		return 0
	}
	cases := []struct {
		scenario, what, source string // what: prefix of the assumption; source: a substring of its source
		value                  func(*Scenario) Duration
	}{
		{"single", "HAProxy gRPC hop", "haproxy doc/intro.txt", func(s *Scenario) Duration { return overhead(s, "agent-manager") }},
		{"single", "Agent manager CPU", "elastic/logstash issue #9625", func(s *Scenario) Duration { return svc(s, "agent-manager", "ingest").CPUPerEvent }},
		{"single", "Correlation engine CPU", "wazuh/wazuh issues #36392", func(s *Scenario) Duration { return svc(s, "correlation", "correlate").CPUPerEvent }},
		{"single", "Elasticsearch bulk index CPU", "PR #5100", func(s *Scenario) Duration { return s.Stores[0].Index.CPUPerEvent }},
		{"single", "Redis CPU per lookup", "redis/redis-doc", func(s *Scenario) Duration { return s.Caches[0].CPU.Mean }},
		{"single", "PostgreSQL read CPU", "supabase/benchmarks-archive", func(s *Scenario) Duration { return s.Databases[0].Read.CPU.Mean }},
		{"single", "PostgreSQL write cost", "supabase/benchmarks-archive", func(s *Scenario) Duration { return s.Databases[0].Write.CPU.Mean }},
		{"thingspanel/small", "Load balancer hop", "haproxy doc/intro.txt", func(s *Scenario) Duration { return overhead(s, "vernemq") }},
		{"thingspanel/small", "VerneMQ CPU per message", "emqx/blog", func(s *Scenario) Duration { return svc(s, "vernemq", "publish").CPUPerEvent }},
		{"thingspanel/small", "Webhook service CPU", "fastify/fastify", func(s *Scenario) Duration { return svc(s, "webhook", "hook").CPUPerEvent }},
		{"thingspanel/small", "TDengine write cost", "taosdata/TDengine issue #5565", func(s *Scenario) Duration { return s.Stores[0].Index.CPUPerEvent }},
		{"thingspanel/small", "TDengine write cost", "issue #24166", func(s *Scenario) Duration { return s.Stores[0].Index.CPU.Mean }},
		{"thingspanel/large", "Redis CPU per lookup", "redis/redis-doc", func(s *Scenario) Duration { return s.Caches[0].CPU.Mean }},
		{"elma365/cluster", "PostgreSQL read / write", "supabase/benchmarks-archive", func(s *Scenario) Duration { return s.Databases[0].Write.CPU.Mean }},
		{"changemaker/stack", "API CPU per request", "TechEmpower", func(s *Scenario) Duration { return svc(s, "api", "campaigns").CPU.Mean }},
		{"changemaker/stack", "Email worker CPU", "taskforcesh/bullmq issue #2085", func(s *Scenario) Duration { return svc(s, "email-worker", "send").CPU.Mean }},
	}
	for _, tc := range cases {
		t.Run(tc.scenario+"/"+tc.what, func(t *testing.T) {
			s, err := LoadFile(tc.scenario)
			if err != nil {
				t.Fatal(err)
			}
			v := strings.ReplaceAll(tc.value(s).String(), "µs", "us")
			var a *Assumption
			for i := range s.Assumptions {
				if strings.HasPrefix(s.Assumptions[i].What, tc.what) {
					a = &s.Assumptions[i]
				}
			}
			switch {
			case a == nil:
				t.Fatalf("no assumption %q", tc.what)
			case !strings.Contains(a.Value, v):
				t.Errorf("the file uses %s, the assumption table says %q", v, a.Value)
			case !strings.Contains(a.Source, tc.source) || !strings.Contains(a.Source, "="):
				t.Errorf("source %q does not cite %q with its arithmetic", a.Source, tc.source)
			}
		})
	}
}
