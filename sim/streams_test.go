package sim

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/capsim/capsim/scenarios"
)

// TestStreamsKeyedByName: every random draw comes from a stream named after its component, so
// inserting an unrelated station and flow before the existing ones leaves an untouched flow's
// results byte-identical (issue 10, problem 6; DESIGN.md, kernel rules).
func TestStreamsKeyedByName(t *testing.T) {
	const base = `name: s
load: {design: 1}
stations:
%s  - {name: db, servers: 2, service: {dist: gamma, mean: 8ms, cv: 0.7}}
  - {name: web, service: 5ms}
flows:
%s  - name: api
    rate: 90/s
    route:
      - {station: web}
      - {branch: [{probability: 0.4, route: [{station: db}]}]}
      - {station: web}
`
	load := func(stations, flows string) *scenarios.Scenario {
		s, err := scenarios.Load("s.yaml", []byte(fmt.Sprintf(base, stations, flows)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	plainS := load("", "")
	more := load("  - {name: batch, servers: 3, service: 20ms}\n",
		"  - name: jobs\n    rate: 50/s\n    route: [{station: batch}, {branch: [{probability: 0.5, route: [{station: batch}]}]}]\n")
	run := func(s *scenarios.Scenario) (flow, web, db string) {
		p, err := Simulate(s, 1, WithReplications(3), WithDuration(30*time.Second, 2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		enc := func(v any) string {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		for _, f := range p.Flows {
			if f.Name == "api" {
				flow = enc(f)
			}
		}
		for _, st := range p.Stations {
			switch st.Name {
			case "web":
				web = enc(st)
			case "db":
				db = enc(st)
			}
		}
		return flow, web, db
	}
	f1, w1, d1 := run(plainS)
	f2, w2, d2 := run(more)
	if f1 != f2 {
		t.Errorf("flow api changed when an unrelated station and flow were inserted before it:\n%s\n%s", f1, f2)
	}
	if w1 != w2 || d1 != d2 {
		t.Errorf("stations web/db changed:\n%s\n%s\n%s\n%s", w1, w2, d1, d2)
	}
}
