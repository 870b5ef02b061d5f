package scenarios

import (
	"fmt"
	"testing"
)

// TestCalibrationSharedAcrossTiers: issue 2 asks for per-event costs calibrated once, not per tier.
// Every cost of a component (service handler, store, database, cache) and every per-source workload
// figure must be the same in every tier file of one system that has that component.
func TestCalibrationSharedAcrossTiers(t *testing.T) {
	systems := map[string][]string{
		"UTMStack":    {"single", "small", "medium", "large"},
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
