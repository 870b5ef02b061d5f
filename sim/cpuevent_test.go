package sim

import (
	"math"
	"testing"
	"time"

	"github.com/capsim/capsim/scenarios"
)

// perEventYAML is a tiny deployment whose CPU per event is computed by hand in
// TestCPUPerEventByHand.
const perEventYAML = `name: per-event
load: {variable: sources, design: 10}
sizing: {cores: 4, load: 20, source: "a test sizing"}
nodes:
  - {name: a, cores: 8}
  - {name: b, cores: 8}
services:
  - name: front
    placement: [a]
    handlers:
      - class: ingest
        cpu: 1ms
        cpu_per_event: 100us
        calls:
          - {store: es, op: index}
      - class: api
        cpu: 2ms
        calls:
          - cache: redis
            on_miss:
              - {database: pg, op: read}
stores:
  - name: es
    nodes: [a, b]
    shards: 2
    replicas: 1
    index: {cpu: 200us, cpu_per_event: 50us, disk: 1ms}
databases:
  - name: pg
    primary: b
    read: {cpu: 500us}
caches:
  - name: redis
    nodes: [b]
    hit_ratio: 0.5
    cpu: 100us
flows:
  - name: ingest
    events_per_source: 10/s
    peak_factor: 2
    batch: 10
    entry: {service: front, class: ingest}
  - name: api
    rate: 5/s
    entry: {service: front, class: api}
`

// TestCPUPerEventByHand: the model's CPU per event and the seed sizing's, against arithmetic
// done by hand on perEventYAML.
//
//	ingest: 10 sources × 10 events/s = 100 events/s on average (the peak factor 2 is left out),
//	        batches of 10 → 10 requests/s; per request front 1 ms + 10 × 0.1 ms = 2 ms, and
//	        2 shards × 2 copies each 0.2 ms + (10/2) × 0.05 ms = 0.45 ms → 1.8 ms: D = 3.8 ms
//	        (disk is not CPU); 0.38 ms per event.
//	api:    5 requests/s of 1 event; front 2 ms + Redis 0.1 ms + half the lookups miss to a
//	        0.5 ms read: D = 2.35 ms.
//	model:  (10 × 3.8 + 5 × 2.35) / (100 + 5) = 49.75 / 105 = 0.47381 ms per event.
//	seed:   4 cores for 20 sources = 2 × 105 = 210 events/s → 4 / 210 s = 19.0476 ms;
//	        ratio 0.47381 / 19.0476 = 0.024875.
func TestCPUPerEventByHand(t *testing.T) {
	s, err := scenarios.Load("per-event.yaml", []byte(perEventYAML))
	if err != nil {
		t.Fatal(err)
	}
	r, err := mustCompile(t, s).Run(WithReplications(2), WithDuration(2*time.Second, time.Second), WithSweep(false), WithAdvice(false))
	if err != nil {
		t.Fatal(err)
	}
	c := r.CPUPerEvent
	if c == nil || c.Seed == nil {
		t.Fatalf("no CPU per event with the seed's sizing: %+v", c)
	}
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %.9g, want %.9g", what, got, want)
		}
	}
	near("model ms per event", c.ModelMS, 49.75/105)
	near("events/s at design", c.EventsPerS, 105)
	near("ingest requests/s (no peak)", c.Flows[0].RequestsPerS, 10)
	near("ingest CPU ms per request", c.Flows[0].CPUMSPerRequest, 3.8)
	near("ingest CPU ms per event", c.Flows[0].CPUMSPerEvent, 0.38)
	near("api CPU ms per request", c.Flows[1].CPUMSPerRequest, 2.35)
	near("seed events/s at its load", c.Seed.EventsPerS, 210)
	near("seed ms per event", c.Seed.MS, 4000.0/210)
	near("ratio", c.Ratio, (49.75/105)/(4000.0/210))
	want := "seed sizing (4 cores for 210 events/s) implies 19.0 ms CPU per event; the model's costs total 0.474 ms (ratio 0.0249)"
	if got := c.String(); got != want {
		t.Errorf("String() = %q\nwant        %q", got, want)
	}

	// without a sizing: the model's total alone, and no ratio
	s.Sizing = nil
	r, err = mustCompile(t, s).Run(WithReplications(2), WithDuration(2*time.Second, time.Second), WithSweep(false), WithAdvice(false))
	if err != nil {
		t.Fatal(err)
	}
	if c := r.CPUPerEvent; c == nil || c.Seed != nil || c.Ratio != 0 || math.Abs(c.ModelMS-49.75/105) > 1e-9 {
		t.Errorf("without a sizing: %+v", c)
	}
}
