package loadgen_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capsim/capsim/fixtures/loopback"
	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/scenarios"
)

func TestPlanFromScenario(t *testing.T) {
	sc, err := scenarios.LoadFile("../fixtures/loopback/scenarios/mm4.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := loadgen.NewPlan(sc, sc.LoadTest, "../fixtures/loopback/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	if p.Executor.Name() != loadgen.ExecConstantArrivalRate || p.OfferedPerS != 320 || p.Protocol != "http-api" || len(p.Mix) != 1 || p.Mix[0].Name != "list" {
		t.Errorf("plan: %s offered %v protocol %s mix %+v", p.Describe, p.OfferedPerS, p.Protocol, p.Mix)
	}
	if len(p.Thresholds) != 4 {
		t.Fatalf("thresholds: %+v", p.Thresholds)
	}
	var abort *loadgen.Threshold
	for i := range p.Thresholds {
		if p.Thresholds[i].Metric == "http_req_failed" {
			abort = &p.Thresholds[i]
		}
	}
	if abort == nil || !abort.AbortOnFail || abort.DelayAbortEval != 5*time.Second || abort.Expr != "rate<0.01" {
		t.Errorf("mapping form of a threshold lost: %+v", abort)
	}

	// Agent scenario: the flow's source form gives the batch rate: 200 × 5/s ÷ 50 = 20/s.
	ag, err := scenarios.LoadFile("../fixtures/loopback/scenarios/agents.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pa, err := loadgen.NewPlan(ag, ag.LoadTest, "")
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(pa.OfferedPerS-20) > 1e-9 || pa.Batch != 50 || pa.Protocol != "grpc" || !pa.Flow.AgentFlow() {
		t.Errorf("agent plan: %s offered %v batch %d protocol %s", pa.Describe, pa.OfferedPerS, pa.Batch, pa.Protocol)
	}

	// Bad sections: every problem at once.
	bad := &scenarios.LoadTest{Executor: "nope", Protocol: "smtp", Thresholds: map[string][]scenarios.ThresholdSpec{"http_req_duration": {{Threshold: "p(95)"}}}}
	if _, err := loadgen.NewPlan(sc, bad, ""); err == nil || !strings.Contains(err.Error(), "executor") || !strings.Contains(err.Error(), "protocol") {
		t.Errorf("bad loadtest: %v", err)
	}
	bad2 := &scenarios.LoadTest{Rate: 10, Duration: scenarios.Duration(time.Second), Thresholds: map[string][]scenarios.ThresholdSpec{"http_req_duration": {{Threshold: "p(95)"}}, "nope": {{Threshold: "avg<1"}}}}
	if _, err := loadgen.NewPlan(sc, bad2, ""); err == nil || !strings.Contains(err.Error(), "p(95)") || !strings.Contains(err.Error(), "nope") {
		t.Errorf("bad thresholds: %v", err)
	}
}

// TestPlanRun runs a short plan against the loopback target (deterministic 2 ms service).
func TestPlanRun(t *testing.T) {
	srv, err := loopback.Start(loopback.Config{GRPCAddr: "off", Workers: 4,
		Service: scenarios.Dist{Kind: scenarios.Deterministic, Mean: scenarios.Duration(2 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sc, err := scenarios.LoadFile("../fixtures/loopback/scenarios/mm4.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lt := *sc.LoadTest
	lt.Target, lt.Duration, lt.Rate = srv.URL(), scenarios.Duration(time.Second), 200
	p, err := loadgen.NewPlan(sc, &lt, "")
	if err != nil {
		t.Fatal(err)
	}
	g, _ := loadgen.NewGuard()
	target, err := p.NewTarget(g, "t", 100)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Executor.Run(context.Background(), target, loadgen.WithThresholds(p.Thresholds...))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Balanced() || res.OK < 150 || res.Latency.ValueAtQuantile(50) < 2000 || len(res.Thresholds) != 4 {
		t.Errorf("%+v p50 %d µs thresholds %+v", res.Counts, res.Latency.ValueAtQuantile(50), res.Thresholds)
	}
}

// TestReplayTrace generates a trace from the agent scenario, replays it (scaled ×4 in time,
// ×2 in sources) against the loopback ingest server and checks that every record became one
// hit carrying its source and events.
func TestReplayTrace(t *testing.T) {
	sc, err := scenarios.LoadFile("../fixtures/loopback/scenarios/agents.yaml")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := loadgen.GenerateTrace(sc, nil, 4*time.Second, 9)
	if err != nil {
		t.Fatal(err)
	}
	// 20 batches/s × 4 s = 80 expected (Poisson: ±4σ ≈ ±36).
	if n := float64(len(recs)); math.Abs(n-80) > 4*math.Sqrt(80) {
		t.Errorf("%d records, want ≈ 80", len(recs))
	}
	var buf bytes.Buffer
	if err := loadgen.WriteTrace(&buf, recs); err != nil {
		t.Fatal(err)
	}
	back, err := loadgen.ReadTrace(&buf)
	if err != nil || len(back) != len(recs) || back[3] != recs[3] {
		t.Fatalf("round trip: %v, %d vs %d", err, len(back), len(recs))
	}
	srv, err := loopback.Start(loopback.Config{CheckIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	g, _ := loadgen.NewGuard()
	target, err := loadgen.NewGRPCIngest(srv.GRPCAddr(), loadgen.GRPCStream, 50, nil, g, 1, "replay", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	ex, err := loadgen.NewReplay(loadgen.ReplayConfig{Trace: back, TimeScale: 0.25, SourceScale: 2, PreAllocatedVUs: 4, MaxVUs: 32})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Records()) != 2*len(back) {
		t.Fatalf("source scale 2: %d records from %d", len(ex.Records()), len(back))
	}
	res, err := ex.Run(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != uint64(2*len(back)) || res.EventsAcked != uint64(2*len(back)*50) || res.Duration > 3*time.Second {
		t.Errorf("%+v in %v", res.Counts, res.Duration)
	}
	if st := srv.Stats(); st.DuplicateIDs != 0 || st.Events != res.EventsAcked {
		t.Errorf("server %+v", st)
	}
}

func TestScaleTrace(t *testing.T) {
	var recs []loadgen.TraceRecord
	for i := range 1000 {
		recs = append(recs, loadgen.TraceRecord{OffsetMS: float64(i), Source: uint32(i % 100), Kind: "syslog"})
	}
	half, _ := loadgen.ScaleTrace(recs, 1, 0.5)
	srcs := map[uint32]bool{}
	for _, r := range half {
		srcs[r.Source] = true
	}
	// Half of the sources, by a fixed hash: 50 ± a few of 100, and whole sources only.
	if len(srcs) < 35 || len(srcs) > 65 || len(half) != 10*len(srcs) {
		t.Errorf("0.5×: %d sources, %d records", len(srcs), len(half))
	}
	x3, _ := loadgen.ScaleTrace(recs, 2, 3)
	if len(x3) != 3000 || x3[len(x3)-1].OffsetMS != 1998 {
		t.Errorf("3×: %d records, last at %v", len(x3), x3[len(x3)-1].OffsetMS)
	}
	if _, err := loadgen.ScaleTrace(recs, 0, 1); err == nil {
		t.Error("time scale 0 accepted")
	}
}

func FuzzReadTrace(f *testing.F) {
	f.Add([]byte(`{"offset_ms":1.5,"source":3,"size":100,"kind":"syslog","events":2}` + "\n"))
	f.Add([]byte(`{"offset_ms":-1}`))
	f.Add([]byte("{}\n{\"offset_ms\":1e400}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := loadgen.ReadTrace(bytes.NewReader(b))
		if err != nil {
			return
		}
		last := 0.0
		for _, r := range recs {
			if r.OffsetMS < last || r.Size < 0 || r.Events < 0 {
				t.Fatalf("accepted bad record %+v", r)
			}
			last = r.OffsetMS
		}
	})
}

// TestRampingExecutors: ramping-arrival-rate sends ∫ rate hits; ramping-vus follows its stages.
func TestRampingExecutors(t *testing.T) {
	nop := loadgen.TargetFunc(func(context.Context, *loadgen.Hit) error { return nil })
	ra, err := loadgen.NewRampingArrivalRate(loadgen.RampingArrivalRateConfig{StartRate: 0, PreAllocatedVUs: 4,
		Stages: []loadgen.Stage{{Duration: 500 * time.Millisecond, Target: 400}, {Duration: 500 * time.Millisecond, Target: 0}}})
	if err != nil {
		t.Fatal(err)
	}
	res, _ := ra.Run(context.Background(), nop)
	// ∫ = ½·400·0.5 + ½·400·0.5 = 200 hits.
	if res.Scheduled != 200 || res.OK != 200 {
		t.Errorf("ramping-arrival-rate: %+v, want 200", res.Counts)
	}
	rv, err := loadgen.NewRampingVUs(loadgen.RampingVUsConfig{StartVUs: 0,
		Stages: []loadgen.Stage{{Duration: time.Second, Target: 10}, {Duration: time.Second, Target: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Duration
		want int
	}{{0, 0}, {500 * time.Millisecond, 5}, {1500 * time.Millisecond, 10}, {3 * time.Second, 0}} {
		if got := rv.Active(c.at); got != c.want {
			t.Errorf("ramping-vus active at %v = %d, want %d", c.at, got, c.want)
		}
	}
	var mu sync.Mutex
	var maxVU int
	res, _ = rv.Run(context.Background(), loadgen.TargetFunc(func(ctx context.Context, h *loadgen.Hit) error {
		mu.Lock()
		maxVU = max(maxVU, h.VU)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		return nil
	}))
	// ∫ VUs dt / 20 ms ≈ (5 + 10) VU·s / 0.02 s = 750 hits at most.
	if !res.Balanced() || res.OK == 0 || res.OK > 760 || maxVU != 9 {
		t.Errorf("ramping-vus: %+v, max VU id %d", res.Counts, maxVU)
	}
}

// TestFixtureTraces: every committed trace parses.
func TestFixtureTraces(t *testing.T) {
	files, _ := filepath.Glob("../fixtures/traces/*.jsonl")
	if len(files) == 0 {
		t.Skip("no traces")
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := loadgen.ReadTrace(fh)
		fh.Close()
		if err != nil || len(recs) == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestPlanDefaultFailedThreshold: a loadtest that sets no threshold on failed requests gets
// k6's http_req_failed rate<0.01; one that sets its own keeps only its own.
func TestPlanDefaultFailedThreshold(t *testing.T) {
	sc := &scenarios.Scenario{Name: "s", Flows: []scenarios.Flow{{Name: "f", Rate: 10}}}
	failRates := func(lt *scenarios.LoadTest) []string {
		p, err := loadgen.NewPlan(sc, lt, "")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, th := range p.Thresholds {
			if th.Metric == "http_req_failed" || th.Metric == "failed" {
				out = append(out, th.Metric+" "+th.Expr)
			}
		}
		return out
	}
	if got := failRates(nil); len(got) != 1 || got[0] != "http_req_failed rate<0.01" {
		t.Errorf("no thresholds: %v, want [http_req_failed rate<0.01]", got)
	}
	own := &scenarios.LoadTest{Thresholds: map[string][]scenarios.ThresholdSpec{"failed": {{Threshold: "rate<0.2"}}}}
	if got := failRates(own); len(got) != 1 || got[0] != "failed rate<0.2" {
		t.Errorf("own threshold: %v, want [failed rate<0.2]", got)
	}
}
