package collect

import (
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/capsim/capsim/loadgen"
)

// trend is a trend series of values in ms, histogram in µs like the k6 output's.
func trend(t *testing.T, metric string, tags map[string]string, ms ...float64) Series {
	t.Helper()
	h := hdrhistogram.New(histLowest, histHighest, histDigits)
	s := Series{Metric: metric, Tags: tags, Type: TypeTrend, IsTime: true}
	for i, v := range ms {
		if err := h.RecordValue(int64(v * DefaultScale)); err != nil {
			t.Fatal(err)
		}
		s.Count++
		s.Sum += v
		if i == 0 || v < s.Min {
			s.Min = v
		}
		if i == 0 || v > s.Max {
			s.Max = v
		}
	}
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	s.HDR = string(enc)
	return s
}

// k6 batch: http_req_duration values, http_req_failed (failed of them), http_reqs, vus.
func k6Batch(t *testing.T, runner, seg string, sec int64, failed int, ms ...float64) *Batch {
	return &Batch{Version: Version, Runner: runner, Segment: seg, Second: sec, Series: []Series{
		trend(t, "http_req_duration", nil, ms...),
		trend(t, "http_req_duration", map[string]string{"name": "list"}, ms...),
		{Metric: "http_req_failed", Type: TypeRate, Count: int64(len(ms)), Sum: float64(failed)},
		{Metric: "http_reqs", Type: TypeCounter, Count: int64(len(ms)), Sum: float64(len(ms))},
		{Metric: "vus", Type: TypeGauge, Count: 1, Last: 5, Min: 5, Max: 5},
	}}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestCollectorMergesAndDeduplicates(t *testing.T) {
	clk := &clock{time.Unix(1_800_000_000, 0)}
	var events []string
	c, err := New(Config{Runners: 2, Thresholds: []ThresholdSpec{{Metric: "http_req_duration", Expr: "p(95)<100"}, {Metric: "http_reqs", Expr: "count<7"}}},
		WithClock(clk.now), WithSettle(1), WithLostAfter(5*time.Second), WithEvents(func(e Event) { events = append(events, e.String()) }))
	if err != nil {
		t.Fatal(err)
	}
	const s0 = 1_800_000_000
	a := k6Batch(t, "a", "0:1/2", s0, 0, 10, 20, 30)
	for _, b := range []*Batch{a, k6Batch(t, "b", "1/2:1", s0, 1, 40, 50), k6Batch(t, "a", "0:1/2", s0+1, 0, 60)} {
		if rep, err := c.Add(b); err != nil || rep.Duplicate || rep.Stop {
			t.Fatalf("Add: %+v %v", rep, err)
		}
	}
	// The same batch again (a retry after a lost reply) counts once.
	if rep, err := c.Add(a); err != nil || !rep.Duplicate {
		t.Fatalf("duplicate: %+v %v", rep, err)
	}
	// Second s0+3 makes s0 settle; then a late part for s0 counts in the totals.
	late := k6Batch(t, "b", "1/2:1", s0+3, 0, 70)
	if _, err := c.Add(late); err != nil {
		t.Fatal(err)
	}
	latePart := k6Batch(t, "b", "1/2:1", s0, 0, 80)
	latePart.Part = 1
	if _, err := c.Add(latePart); err != nil {
		t.Fatal(err)
	}
	s := c.Snapshot()
	if s.Latency.TotalCount() != 8 || s.Completed() != 8 || s.Failed != 1 || s.OK != 7 {
		t.Errorf("latency count %d, counts %+v; want 8 requests, 1 failed", s.Latency.TotalCount(), s.Counts)
	}
	want := hdrhistogram.New(histLowest, histHighest, histDigits)
	for _, v := range []int64{10, 20, 30, 40, 50, 60, 70, 80} {
		_ = want.RecordValue(v * 1000)
	}
	for _, q := range []float64{50, 90, 95, 99, 100} {
		if got, w := s.Latency.ValueAtQuantile(q), want.ValueAtQuantile(q); got != w {
			t.Errorf("p%v = %d, want %d", q, got, w)
		}
	}
	rep := c.Report()
	if rep.Duplicates != 1 || rep.Late != 1 || rep.Batches != 5 || rep.Coverage != 1 || len(rep.Warnings) != 0 {
		t.Errorf("report: duplicates %d late %d batches %d coverage %v warnings %v", rep.Duplicates, rep.Late, rep.Batches, rep.Coverage, rep.Warnings)
	}
	if st := rep.Series["http_req_duration{name:list}"]; st.Count != 8 || st.Percentiles["p(50)"] != float64(want.ValueAtPercentile(50))/DefaultScale {
		t.Errorf("tagged series %+v", st)
	}
	if len(rep.Intervals) != 3 || rep.Intervals[0].Metrics["http_req_duration"].Count != 6 || !rep.Intervals[0].Metrics["http_req_duration"].Late {
		t.Errorf("intervals %+v", rep.Intervals)
	}
	if g := rep.Series["vus"]; g.Last != 10 {
		t.Errorf("vus: sum of the runners' last values %v, want 10", g.Last)
	}
	// Runner a goes silent: lost after 5 s, reported with its segment; b finishes.
	clk.t = clk.t.Add(3 * time.Second)
	fin := k6Batch(t, "b", "1/2:1", s0+4, 0)
	fin.Final, fin.Status = true, &RunnerStatus{Valid: true, DurationS: 5}
	if _, err := c.Add(fin); err != nil {
		t.Fatal(err)
	}
	if c.Check() {
		t.Error("done while runner a is silent for 3 s only")
	}
	clk.t = clk.t.Add(3 * time.Second)
	if !c.Check() {
		t.Error("not done: b finished, a lost")
	}
	res := c.Result()
	if res.Valid || !strings.Contains(strings.Join(res.Invalid, ";"), "runner a (segment 0:1/2) LOST") {
		t.Errorf("invalid %v", res.Invalid)
	}
	if res.ThresholdsPassed() || res.Thresholds[1].Passed || !res.Thresholds[0].Passed || res.Thresholds[1].Value != 8 {
		t.Errorf("thresholds %+v: want p(95)<100 passed, count<7 failed at 8", res.Thresholds)
	}
	joined := strings.Join(events, "\n")
	for _, w := range []string{"runner a (segment 0:1/2) joined", "runner b (segment 1/2:1) finished", "runner a (segment 0:1/2) LOST: no data since"} {
		if !strings.Contains(joined, w) {
			t.Errorf("events lack %q:\n%s", w, joined)
		}
	}
}

// An abortOnFail threshold that fails on the merged data answers every runner with stop.
func TestCollectorAbortOnFail(t *testing.T) {
	c, err := New(Config{Thresholds: []ThresholdSpec{{Metric: "http_req_failed", Expr: "rate<0.3", AbortOnFail: true}}})
	if err != nil {
		t.Fatal(err)
	}
	// Each runner alone is under 30 % failed (1 of 4 = 25 %); together 2 of 5 = 40 %.
	if rep, _ := c.Add(k6Batch(t, "a", "0:1/2", 1, 1, 1, 2, 3, 4)); rep.Stop {
		t.Fatal("stop after the first runner's 25 %")
	}
	c.evalEvery = 0
	rep, err := c.Add(k6Batch(t, "b", "1/2:1", 1, 1, 5))
	if err != nil || !rep.Stop || !strings.Contains(rep.Reason, "http_req_failed rate<0.3") {
		t.Fatalf("reply %+v %v", rep, err)
	}
	if rep, _ := c.Add(k6Batch(t, "a", "0:1/2", 2, 0, 1)); !rep.Stop {
		t.Error("later replies lost the stop flag")
	}
	if res := c.Result(); !res.Aborted || res.ThresholdsPassed() {
		t.Errorf("result aborted %v thresholds %+v", res.Aborted, res.Thresholds)
	}
}

func TestCollectorRejects(t *testing.T) {
	c, _ := New(Config{})
	ok := k6Batch(t, "a", "", 1, 0, 1)
	if _, err := c.Add(ok); err != nil {
		t.Fatal(err)
	}
	bad := func(f func(b *Batch)) *Batch { b := k6Batch(t, "a", "", 2, 0, 1); f(b); return b }
	for name, b := range map[string]*Batch{
		"version":       bad(func(b *Batch) { b.Version = 9 }),
		"no runner":     bad(func(b *Batch) { b.Runner = "" }),
		"other segment": bad(func(b *Batch) { b.Segment = "0:1/2" }),
		"type change":   bad(func(b *Batch) { b.Series[3].Type = TypeGauge }),
		"bad hdr":       bad(func(b *Batch) { b.Series[0].HDR = "!!" }),
		"count":         bad(func(b *Batch) { b.Series[0].Count = 5 }),
		"scale":         bad(func(b *Batch) { b.Scale = 1 }),
		"twice":         bad(func(b *Batch) { b.Series[1] = b.Series[0] }),
		"unknown type":  bad(func(b *Batch) { b.Series[2].Type = "histo" }),
	} {
		if _, err := c.Add(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if s := c.Snapshot(); s.Completed() != 1 {
		t.Errorf("rejected batches were merged: %+v", s.Counts)
	}
}

func TestParseThresholdFlagAndNames(t *testing.T) {
	s, err := ParseThresholdFlag("http_req_failed=rate<0.01,abortOnFail,delayAbortEval=5s")
	if err != nil || s != (ThresholdSpec{Metric: "http_req_failed", Expr: "rate<0.01", AbortOnFail: true, DelayAbortEval: "5s"}) {
		t.Errorf("%+v %v", s, err)
	}
	for _, bad := range []string{"", "x", "http_req_duration=", "nope=p(95)<1", "http_req_duration=p(95)<1,abort", "http_req_duration=p(95)<1,delayAbortEval=x"} {
		if _, err := ParseThresholdFlag(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	m, tags := ParseName("http_req_duration{name:list,scenario:api}")
	if m != "http_req_duration" || tags["name"] != "list" || tags["scenario"] != "api" ||
		(Series{Metric: m, Tags: tags}).Name() != "http_req_duration{name:list,scenario:api}" {
		t.Errorf("%s %v", m, tags)
	}
	if c, err := ReadConfig([]byte(`{"scenario":"s","runners":3,"thresholds":[{"metric":"http_reqs","threshold":"count>1"}]}`)); err != nil || c.Runners != 3 {
		t.Errorf("%+v %v", c, err)
	}
	if _, err := ReadConfig([]byte(`{"scenario":"s","runner":3}`)); err == nil {
		t.Error("unknown field accepted")
	}
}

// The Go runner's batches add up to its Result exactly.
func TestStreamerDeltasAddUp(t *testing.T) {
	c, _ := New(Config{})
	mk := func(vals ...int64) *hdrhistogram.Histogram {
		h := loadgen.NewHistogram()
		for _, v := range vals {
			_ = h.RecordValue(v)
		}
		return h
	}
	st := &Streamer{runner: "go-1", latency: MetricLatency, last: -1}
	var batches []*Batch
	send := func(b *Batch, ok bool) {
		if !ok {
			t.Fatal("delta refused")
		}
		batches = append(batches, b)
	}
	send(st.delta(loadgen.Counts{Scheduled: 2, OK: 2}, [4]*hdrhistogram.Histogram{mk(100, 200), mk(1), mk(1), mk(1)}, 3))
	send(st.delta(loadgen.Counts{Scheduled: 5, OK: 4, Failed: 1}, [4]*hdrhistogram.Histogram{mk(100, 200, 300, 400, 123456), mk(1, 2), mk(1, 2), mk(1, 2)}, 3))
	if _, ok := st.delta(loadgen.Counts{Scheduled: 4}, [4]*hdrhistogram.Histogram{}, 1); ok {
		t.Error("a smaller snapshot was accepted")
	}
	for i, b := range batches {
		b.Second = int64(i)
		if _, err := c.Add(b); err != nil {
			t.Fatal(err)
		}
	}
	s := c.Snapshot()
	want := mk(100, 200, 300, 400, 123456)
	if s.Scheduled != 5 || s.OK != 4 || s.Failed != 1 || s.Latency.TotalCount() != 5 || s.Latency.Max() != want.Max() ||
		s.Latency.ValueAtQuantile(50) != want.ValueAtQuantile(50) || s.Service.TotalCount() != 2 {
		t.Errorf("merged %+v, latency n=%d max=%d", s.Counts, s.Latency.TotalCount(), s.Latency.Max())
	}
}

// Without an expected count, the collection ends when the finished runners' segments cover the
// whole test, not when the first runner finishes.
func TestCollectorWaitsForCoverage(t *testing.T) {
	var events []string
	c, _ := New(Config{}, WithEvents(func(e Event) { events = append(events, e.String()) }))
	fin := func(runner, seg string) {
		b := k6Batch(t, runner, seg, 1, 0, 1)
		b.Final, b.Status = true, &RunnerStatus{Valid: true}
		if _, err := c.Add(b); err != nil {
			t.Fatal(err)
		}
	}
	fin("a", "0:1/2")
	if c.Check() || !strings.Contains(strings.Join(events, "\n"), "cover 0.5 of the test: waiting") {
		t.Errorf("done with half the test; events %q", events)
	}
	fin("b", "1/2:1")
	if !c.Check() {
		t.Error("not done with the whole test covered")
	}
}
