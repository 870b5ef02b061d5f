package sim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
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
		p, err := mustCompile(t, s).At(1, WithReplications(3), WithDuration(30*time.Second, 2*time.Second))
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

// TestStreamStates: the seed, the replication and the stream's name each reach both words of a
// stream's 128-bit PCG state. Go's PCG advances (hi, lo) by a 128-bit LCG whose low word evolves
// on its own, so two streams with the same low word share its trajectory for ever and differ
// only through the high word: they lie a multiple of 2^64 steps apart on one sequence (issue 12,
// item 3). Every state of a grid of seeds, replications (pilot ones too) and names must have a
// high word and a low word no other state has.
func TestStreamStates(t *testing.T) {
	his, los := map[uint64]string{}, map[uint64]string{}
	for _, seed := range []uint64{0, 1, 2, 3, 1001, 1 << 63} {
		for _, rep := range []int{0, 1, 2, 9, 10, 199, pilotStream, pilotStream + 1} {
			for _, name := range []string{"flow/jobs", "pool", "faults", "balancer/backend", ""} {
				key := fmt.Sprintf("seed %d rep %d stream %q", seed, rep, name)
				hi, lo := streamState(seed, rep, name)
				if other, ok := his[hi]; ok {
					t.Errorf("%s has the high word of %s", key, other)
				}
				if other, ok := los[lo]; ok {
					t.Errorf("%s has the low word of %s", key, other)
				}
				his[hi], los[lo] = key, key
				// newStream draws from that state
				if got, want := newStream(seed, rep, name).Uint64(), rand.New(rand.NewPCG(hi, lo)).Uint64(); got != want {
					t.Fatalf("%s: newStream draws %#x, the PCG at streamState %#x", key, got, want)
				}
			}
		}
	}
}
