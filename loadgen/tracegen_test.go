package loadgen_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/scenarios"
)

// traceTies has deterministic flows at equal rates, so records of different flows share
// offsets: the first flow listed comes first on a tie.
const traceTies = `
name: ties
load: {variable: arrival_rate, unit: req/s, design: 80}
stations:
  - {name: server, servers: 4, service: {dist: exponential, mean: 10ms}}
flows:
  - {name: b, arrivals: deterministic, rate: 8/s, route: [{station: server}]}
  - {name: a, arrivals: deterministic, rate: 8/s, route: [{station: server}]}
  - {name: c, arrivals: deterministic, rate: 16/s, route: [{station: server}]}
  - {name: p, arrivals: poisson, rate: 20/s, route: [{station: server}]}
`

// traceMix has names that JSON escapes (HTML characters, a quote, a backslash, a tab, U+2028).
const traceMix = `
name: mix
load: {variable: arrival_rate, unit: req/s, design: 50}
stations:
  - {name: server, servers: 4, service: {dist: exponential, mean: 10ms}}
flows:
  - name: "web <api> & co"
    rate: 50/s
    mix:
      - {name: "list<&>", weight: 3, route: [{station: server}]}
      - {name: "é \"quoted\" \\ back", weight: 1, route: [{station: server}]}
      - {name: "tab\tline\u2028sep", weight: 1, route: [{station: server}]}
`

func traceScenario(t testing.TB, src string) *scenarios.Scenario {
	t.Helper()
	var sc *scenarios.Scenario
	var err error
	switch src {
	case "ties":
		sc, err = scenarios.Load("ties.yaml", []byte(traceTies))
	case "mix":
		sc, err = scenarios.Load("mix.yaml", []byte(traceMix))
	default:
		sc, err = scenarios.LoadFile(src)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestTraceGenSameBytes: the streamed trace is byte for byte the one `capsim trace gen` wrote
// when it held the whole trace in memory. The hashes were recorded with that code (main at
// 21ede0d: capsim trace gen SCENARIO --duration D [--seed S] [--flow F]... | sha256sum).
func TestTraceGenSameBytes(t *testing.T) {
	for _, c := range []struct {
		src     string
		flows   []string
		d       time.Duration
		seed    uint64 // 0: the scenario's sim.seed, else 1 (the command's default)
		records int
		sha256  string
	}{
		{"examples/mm1", nil, 10 * time.Second, 0, 783, "2ca0e258cb9d2190f3d348173204f74fc70f6c00bffac2c5b825fbcd01abe250"},
		{"medium", nil, 5 * time.Second, 0, 263, "448715fd9efde3b5408b64f910bbc61ccb302c026375a7ea3a2ce04f2999501e"},
		{"medium", nil, 20 * time.Second, 7, 1039, "a359fefd0cc71e40e16d8a45ec982a0a90859c2e7a6185c58a454b6a9064e327"},
		{"medium", []string{"api", "ingest"}, 5 * time.Second, 0, 256, "fc1b202e9dd011c3748680a905a0a52982795298e10dd61885b2afb378f57886"},
		{"changemaker/stack", nil, 5 * time.Second, 0, 538, "7492e47b49e6dcd7b8adf3fe3745e25019a307804d850373bd8452d73b3a662b"},
		{"elma365/cluster", nil, 3 * time.Second, 3, 219, "cf082a3f530c833588e98e58b93fa2392c0f39e7b44b659847857a1826f0f561"},
		{"ties", nil, 10 * time.Second, 0, 517, "d25f7e11805a6d4c84e3fc3fbd73c87d05b33d1b4eb3206d53d9a1a5faf0007d"},
		{"mix", nil, 10 * time.Second, 5, 0, "ceb2a8686c646734ae06c0285a8040636a392e2f9da471a466d92d133d38f0c1"},
	} {
		t.Run(c.src, func(t *testing.T) {
			sc := traceScenario(t, c.src)
			seed := c.seed
			if seed == 0 {
				seed = max(sc.Sim.Seed, 1)
			}
			g, err := loadgen.NewTraceGen(sc, c.flows, c.d, seed)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			if _, err := g.WriteTo(h); err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != c.sha256 {
				t.Errorf("sha256 %s, want %s (the trace the in-memory generator wrote)", got, c.sha256)
			}
			if c.records > 0 && g.Count() != c.records {
				t.Errorf("%d records, want %d", g.Count(), c.records)
			}
		})
	}
}

// inMemoryTrace is the generator as it was before it streamed: every flow's records
// generated in turn, then stably sorted by offset, then encoded by encoding/json. The
// streaming generator must give the same bytes for any seed.
func inMemoryTrace(t *testing.T, sc *scenarios.Scenario, d time.Duration, seed uint64) []byte {
	t.Helper()
	var out []loadgen.TraceRecord
	for i, f := range sc.Flows {
		fl, err := loadgen.FlowLoadOf(sc, f.Name)
		if err != nil {
			t.Fatal(err)
		}
		rate := fl.RatePerS
		if fl.Population > 0 {
			rate = float64(fl.Population) / fl.Think.MeanSeconds()
		}
		rng := rand.New(rand.NewPCG(seed, uint64(i)+1))
		kinds, w := []string{fl.Name}, []float64{1}
		switch {
		case len(fl.Mix) > 0:
			kinds, w = nil, nil
			for _, m := range fl.Mix {
				kinds, w = append(kinds, m.Name), append(w, m.Weight)
			}
		case fl.AgentFlow():
			kinds, w = nil, nil
			for _, m := range loadgen.DefaultKindMix {
				kinds, w = append(kinds, m.Kind), append(w, m.Weight)
			}
		}
		tot := 0.0
		for _, x := range w {
			tot += x
		}
		cum, acc := make([]float64, len(w)), 0.0
		for j, x := range w {
			acc += x / tot
			cum[j] = acc
		}
		cum[len(cum)-1] = 1
		evSize := fl.EventSize
		if evSize == 0 && fl.AgentFlow() {
			evSize = 500
		}
		var tt float64
		for {
			if fl.Poisson {
				tt += rng.ExpFloat64() / rate
			} else {
				tt += 1 / rate
			}
			if tt >= d.Seconds() {
				break
			}
			u := rng.Float64()
			k := kinds[len(kinds)-1]
			for j, c := range cum {
				if u < c {
					k = kinds[j]
					break
				}
			}
			rec := loadgen.TraceRecord{OffsetMS: math.Round(tt*1e6) / 1e3, Kind: k, Flow: fl.Name}
			switch {
			case fl.AgentFlow():
				rec.Source = uint32(rng.IntN(fl.Sources))
				rec.Events = fl.Batch
				rec.Size = int(evSize * float64(fl.Batch))
			case fl.Population > 0:
				rec.Source = uint32(rng.IntN(fl.Population))
			}
			out = append(out, rec)
		}
	}
	slices.SortStableFunc(out, func(a, b loadgen.TraceRecord) int {
		switch {
		case a.OffsetMS < b.OffsetMS:
			return -1
		case a.OffsetMS > b.OffsetMS:
			return 1
		}
		return 0
	})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range out {
		if err := enc.Encode(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestTraceGenMatchesInMemory: for many seeds, the streamed bytes equal the in-memory
// generator's (merge order, ties, the JSON encoding), and GenerateTrace + WriteTrace, the
// in-memory path that remains, writes them too.
func TestTraceGenMatchesInMemory(t *testing.T) {
	for _, src := range []string{"medium", "changemaker/stack", "ties", "mix"} {
		sc := traceScenario(t, src)
		for seed := uint64(1); seed <= 12; seed++ {
			d := time.Duration(1+seed%4) * time.Second
			want := inMemoryTrace(t, sc, d, seed)
			g, err := loadgen.NewTraceGen(sc, nil, d, seed)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if _, err := g.WriteTo(&got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("%s seed %d: streamed trace differs from the in-memory one", src, seed)
			}
			recs, err := loadgen.GenerateTrace(sc, nil, d, seed)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := loadgen.WriteTrace(&buf, recs); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("%s seed %d: GenerateTrace + WriteTrace differ from the streamed trace", src, seed)
			}
		}
	}
}

// TestTraceGenBoundedMemory: writing a trace allocates the same few kilobytes whatever its
// length (a 2-hour M/M/1 trace has about 576,000 records, 37 MB of JSON Lines; in memory the
// records alone took over 36 MB).
func TestTraceGenBoundedMemory(t *testing.T) {
	sc := traceScenario(t, "examples/mm1")
	alloc := func(d time.Duration) (uint64, int) {
		g, err := loadgen.NewTraceGen(sc, nil, d, 1)
		if err != nil {
			t.Fatal(err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		if _, err := g.WriteTo(io.Discard); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&ms)
		return ms.TotalAlloc - before, g.Count()
	}
	short, _ := alloc(time.Minute)
	long, n := alloc(2 * time.Hour)
	t.Logf("1 min: %d B allocated; 2 h: %d B for %d records", short, long, n)
	if n < 500_000 {
		t.Fatalf("%d records in 2 h at 80/s", n)
	}
	if long > 256<<10 {
		t.Errorf("writing %d records allocated %d B: memory grows with the trace", n, long)
	}
}
