package reports

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	chart "github.com/wcharczuk/go-chart/v2"
	"golang.org/x/net/html"

	"github.com/capsim/capsim/sim"
)

func TestFailureFormatters(t *testing.T) {
	tests := []struct {
		name string
		f    func(float64) string
		in   float64
		want string
	}{
		{"seconds", fmtSeconds, 42, "42 s"},
		{"seconds fraction", fmtSeconds, 0.4, "0.4 s"},
		{"minutes", fmtSeconds, 250, "4 min 10 s"},
		{"whole minutes", fmtSeconds, 300, "5 min"},
		{"hours", fmtSeconds, 5400, "1.5 h"},
		{"days", fmtSeconds, 3 * 86400, "3 days"},
		{"seconds NaN", fmtSeconds, math.NaN(), "–"},
		{"hours of downtime", fmtHours, 3.33, "3.33 h"},
		{"minutes of downtime", fmtHours, 0.876, "52.6 min"},
		{"seconds of downtime", fmtHours, 0.00146, "5.26 s"},
		// two significant digits of the unavailability
		{"three nines and a half", fmtAvail, 0.9995, "99.95 %"},
		{"four nines", fmtAvail, 0.999987, "99.9987 %"},
		{"two nines", fmtAvail, 0.99, "99 %"},
		{"below", fmtAvail, 0.9712, "97.1 %"},
		{"perfect", fmtAvail, 1, "100 %"},
		{"availability NaN", fmtAvail, math.NaN(), "– %"},
	}
	for _, tt := range tests {
		if got := tt.f(tt.in); got != tt.want {
			t.Errorf("%s: f(%g) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
	// the interval keeps the mean's decimals
	if got := fmtAvailCI(sim.Interval{Mean: 0.99962, CI95: [2]float64{0.9995, 0.99972}}); got != "99.950–99.972 %" && got != "99.95–99.972 %" {
		t.Errorf("fmtAvailCI = %q", got)
	}
}

func TestLimitPhrase(t *testing.T) {
	p95 := sim.Violation{Criterion: sim.CriterionP95, Subject: "api", Value: 900, Limit: 500}
	util := sim.Violation{Criterion: sim.CriterionUtilization, Subject: "api/cpu", Value: 0.91, Limit: 0.7}
	tests := []struct {
		in   []sim.Violation
		want string
	}{
		{[]sim.Violation{{Criterion: sim.CriterionP95, Subject: "ingest", Value: 2300, Limit: 2000}}, "the P95 of ingest passes 2,000 ms"},
		{[]sim.Violation{{Criterion: sim.CriterionUtilization, Subject: "search-1/cpu", Value: 0.71, Limit: 0.7}}, "search-1/cpu passes the 70 % utilization trigger"},
		{[]sim.Violation{{Criterion: sim.CriterionOffered, Subject: "pg-pool", Value: 1.02, Limit: 1}}, "pg-pool is offered more work than it can serve"},
		{[]sim.Violation{{Criterion: sim.CriterionDropRatio, Subject: "ingest", Value: 0.012, Limit: 0.001}}, "ingest drops more than 0.1 % of its requests"},
		{[]sim.Violation{{Criterion: sim.CriterionNoRequests, Subject: "search"}}, "search completes no request"},
		{[]sim.Violation{{Criterion: sim.CriterionQueues}}, "queues grow without bound"},
		{[]sim.Violation{p95, util}, "the P95 of api passes 500 ms and api/cpu passes the 70 % utilization trigger"},
		{[]sim.Violation{{Criterion: sim.CriterionAborted, Detail: "api/cpu is overloaded"}}, "api/cpu is overloaded"},
		{nil, ""},
	}
	var got, want []string
	for _, tt := range tests {
		got, want = append(got, limitPhrase(tt.in)), append(want, tt.want)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("limitPhrase (-want +got):\n%s", d)
	}
}

func TestCapacityVerdict(t *testing.T) {
	p95 := sim.Violation{Criterion: sim.CriterionP95, Subject: "ingest", Value: 2300, Limit: 2000}
	storage := sim.Violation{Criterion: sim.CriterionStorage, Subject: "search-1", Value: 2318, Limit: 1500, RetentionDays: 30}
	perf := func(v float64, bounded bool, reason ...sim.Violation) *sim.Capacity {
		return &sim.Capacity{Value: v, Binds: sim.LimitPerformance, Bounded: bounded, Reason: reason}
	}
	base := func() *sim.Result {
		return &sim.Result{
			LoadVariable: "data_sources", LoadUnit: "sources", DesignLoad: 1500, SLOMet: true,
			Saturation:      &sim.Saturation{Value: 71239, CI95: [2]float64{70900, 71600}, Binds: []sim.Violation{p95}, Bounded: true},
			HeadroomPercent: (71239.0/1500 - 1) * 100, HeadroomTarget: 30,
			Capacity: 2318, CapacityBinds: &sim.Capacity{Value: 2318, Binds: sim.LimitStorage, Bounded: true, Reason: []sim.Violation{storage}},
			CapacityHeadroomPercent: (2318.0/1500 - 1) * 100,
			Storage:                 &sim.StorageResult{CapacityLoad: 2318, CapacityNode: "search-1", RetentionDays: 30, Watermark: 0.85},
		}
	}
	tests := []struct {
		name   string
		mutate func(*sim.Result)
		ok     bool
		want   []string
		absent []string
	}{
		{"storage binds", func(*sim.Result) {}, true, []string{
			"Capacity 2,318 sources, limited by storage: search-1 disk reaches the 85 % watermark with 30 days retained; performance saturation 71,239 sources (70,900–71,600) when the P95 of ingest passes 2,000 ms.",
			// 2,318 ÷ 1,500 − 1 = 54.5 %
			"headroom on performance and 55 % on storage (30 % wanted)",
		}, []string{"saturates at"}},
		{"storage below design", func(r *sim.Result) {
			r.DesignLoad, r.HeadroomPercent, r.CapacityHeadroomPercent = 2500, (71239.0/2500-1)*100, (2318.0/2500-1)*100
		}, false, []string{
			// 71,239 ÷ 2,500 − 1 = 2,750 %; 2,318 ÷ 2,500 − 1 = −7.3 %
			"Meets the SLO at 2,500 sources with 2,750 % headroom on performance, but its disks cannot retain that load (−7.3 % on storage).",
			", below the design load;"}, []string{"Carries", "wanted"}},
		{"storage headroom short", func(r *sim.Result) { r.DesignLoad, r.CapacityHeadroomPercent = 2000, (2318.0/2000-1)*100 }, false, []string{"16 % on storage, short of the 30 % wanted"}, nil},
		{"performance binds", func(r *sim.Result) {
			r.Capacity, r.CapacityBinds, r.CapacityHeadroomPercent = 71239, perf(71239, true, p95), r.HeadroomPercent
			r.CapacityBinds.CI95 = &r.Saturation.CI95
			r.Storage.CapacityLoad = 90000
		}, true, []string{
			"Capacity 71,239 sources (70,900–71,600), limited by performance: the P95 of ingest passes 2,000 ms; storage alone would allow 90,000 sources (search-1 reaches the 85 % disk watermark with 30 days retained).",
		}, []string{"performance saturation", "on storage"}},
		{"claim against capacity", func(r *sim.Result) { r.ClaimedCapacity = 1500 }, true,
			// 2,318 ÷ 1,500 − 1
			[]string{"The seed claims 1,500 sources; the model's capacity is +55 % against that claim."}, nil},
		{"unbounded performance", func(r *sim.Result) {
			r.Capacity, r.CapacityBinds = 100000, perf(100000, false)
			r.Saturation.Value, r.Saturation.Bounded = 100000, false
			r.Storage = nil
		}, true, []string{"Capacity at least 100,000 sources, limited by performance: the SLO still holds at the top of the search."}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			tt.mutate(r)
			got, ok := verdict(r)
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v (%s)", ok, tt.ok, got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("verdict %q\nlacks %q", got, w)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(got, a) {
					t.Errorf("verdict %q\nshould not contain %q", got, a)
				}
			}
		})
	}
}

func TestFailureVerdict(t *testing.T) {
	f := func(name string, rto float64, recovered, rtoMet, rpoMet bool) sim.FailureResult {
		return sim.FailureResult{Name: name, RTOS: sim.Interval{Mean: rto}, Recovered: recovered, RTOMet: rtoMet, RPOMet: rpoMet}
	}
	tests := []struct {
		name string
		r    sim.Result
		ok   bool
		want []string
	}{
		{"all met", sim.Result{Failures: []sim.FailureResult{f("a", 30, true, true, true), f("b", 80, true, true, true)}}, true,
			[]string{"All 2 scheduled failures meet RTO < 5 min and RPO < 1 min; the longest RTO is 1 min 20 s (“b”)."}},
		{"some met", sim.Result{Failures: []sim.FailureResult{f("a", 30, true, true, true), f("b", 80, true, true, false), f("c", 10, true, false, true)}}, false,
			[]string{"Of 3 scheduled failures, 2 meet RTO < 5 min and 2 meet RPO < 1 min; the longest RTO is 1 min 20 s (“b”)."}},
		{"one unrecovered", sim.Result{Failures: []sim.FailureResult{f("a", 400, true, false, true), f("b", 210, false, false, true)}}, false,
			[]string{"0 meet RTO < 5 min", "“b” is not back within the SLO by the end of the run (3 min 30 s after the fault)"}},
		{"single", sim.Result{Failures: []sim.FailureResult{f("a", 30, true, true, false)}}, false,
			[]string{"The scheduled failure meets RTO < 5 min and misses RPO < 1 min"}},
		{"N-1 survives", sim.Result{NMinus1: []sim.NMinus1Row{
			{Node: "n1", Survives: true, FractionOfDesign: 1.4}, {Node: "n2", Survives: true, FractionOfDesign: 1.1},
		}}, true, []string{"Survives the loss of any one node: yes (worst: n2 at 110 % of design load)."}},
		{"N-1 fails", sim.Result{NMinus1: []sim.NMinus1Row{
			{Node: "n1", Survives: true, FractionOfDesign: 0.2}, // survives ranks after any that does not
			{Node: "n2", Survives: false, FractionOfDesign: 0.7, Why: "utilization of n3/cpu 0.9 > 0.7"},
			{Node: "n3", Survives: false, FractionOfDesign: 0.9},
		}}, false, []string{"Survives the loss of any one node: no (worst: n2 at 70 % of design load, utilization of n3/cpu 0.9 > 0.7)."}},
		{"availability", sim.Result{Availability: &sim.AvailabilityResult{
			Availability: sim.Interval{Mean: 0.9995, CI95: [2]float64{0.9993, 0.9997}}, DowntimePerYearH: 4.38, Tier: "High 99.9%", TierReached: true}}, true,
			[]string{"Availability 99.95 % (99.93–99.97 %), 4.38 h of downtime a year: High 99.9%."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.r.Verdict()
			got := failureVerdict(&tt.r, v)
			// the failure part of Verdict.OK
			if ok := v.RTOMet == v.Failures && v.RPOMet == v.Failures && v.SurvivesNMinus1; ok != tt.ok {
				t.Errorf("ok = %v, want %v (%s)", ok, tt.ok, got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("verdict %q\nlacks %q", got, w)
				}
			}
		})
	}
}

// rightTicks: a right-hand axis for 0..13,800 beside a left axis 0..300,000 gets round
// ticks 0..15,000 placed at value × 20, so its top meets the left axis's top.
func TestRightTicks(t *testing.T) {
	left := niceTicks(0, 280000, 5, fmtNum)
	ticks, k := rightTicks(left, 13800, fmtNum)
	if top := left[len(left)-1].Value; top != 300000 {
		t.Fatalf("left ticks end at %g", top)
	}
	if k != 20 {
		t.Errorf("k = %g, want 20", k)
	}
	if len(ticks) < 2 || ticks[len(ticks)-1].Label != "15,000" || ticks[len(ticks)-1].Value != 300000 || ticks[0].Value != 0 {
		t.Errorf("ticks %+v", ticks)
	}
	for _, tk := range ticks {
		if tk.Value < 0 || tk.Value > 300000 {
			t.Errorf("tick %+v outside the left axis", tk)
		}
	}
	for _, hi := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if ts, k := rightTicks(left, hi, fmtNum); ts != nil || k != 0 {
			t.Errorf("rightTicks(hi=%g) = %v, %g; want nothing", hi, ts, k)
		}
	}
	if ts, _ := rightTicks([]chart.Tick{{Value: 5}, {Value: 10}}, 3, fmtNum); ts != nil {
		t.Error("a left axis not starting at 0 got a right-hand axis")
	}
}

// Health bands run from the first second of each run of equal health to the first second of
// the next; the last one is one step longer than its last point.
func TestHealthBands(t *testing.T) {
	var tl []sim.TimePoint
	for i := 0; i < 10; i++ {
		h := "green"
		switch {
		case i >= 3 && i < 6:
			h = "yellow"
		case i == 6:
			h = "red"
		case i == 7:
			h = "" // no store reading: no band
		}
		tl = append(tl, sim.TimePoint{T: float64(i), Health: h})
	}
	xs, idx := timelineX(tl)
	p := plot{}
	var legend []legendItem
	healthBands(tl, idx, xs, 0, 1, &p, &legend)
	want := []struct {
		x0, x1 float64
		c      string
	}{{0, 3, "green"}, {3, 6, "yellow"}, {6, 7, "red"}, {8, 10, "green"}}
	if len(p.boxes) != len(want) {
		t.Fatalf("%d bands, want %d: %+v", len(p.boxes), len(want), p.boxes)
	}
	col := map[string]string{"green": cssColor(opaque(colHealthGreen)), "yellow": cssColor(opaque(colHealthYellow)), "red": cssColor(opaque(colHealthRed))}
	for i, w := range want {
		b := p.boxes[i]
		if b.x0 != w.x0 || b.x1 != w.x1 || cssColor(opaque(b.fill)) != col[w.c] {
			t.Errorf("band %d = [%g, %g] %s, want [%g, %g] %s", i, b.x0, b.x1, cssColor(opaque(b.fill)), w.x0, w.x1, col[w.c])
		}
	}
	if len(legend) != 3 {
		t.Errorf("legend %+v, want green, yellow, red once each", legend)
	}
}

func TestSegments(t *testing.T) {
	xs := []float64{0, 1, 2, 3, 4, 5}
	ys := []float64{1, math.NaN(), 3, 4, 0, 6}
	got := segments(xs, ys, func(i int) bool { return ys[i] != 0 })
	if len(got) != 3 || len(got[0][0]) != 1 || len(got[1][0]) != 2 || got[1][0][0] != 2 || len(got[2][0]) != 1 || got[2][1][0] != 6 {
		t.Errorf("segments = %v", got)
	}
}

// The failure table shows what the result says: one row per failure with its RTO and the
// met / not met verdicts, and each failure's two charts and events.
func TestFailureSection(t *testing.T) {
	r := sampleResult()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, []*sim.Result{r}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "table" && hasClass(n, "failures") {
			for tr := range n.Descendants() {
				if tr.Type == html.ElementNode && tr.Data == "tr" && tr.Parent.Data == "tbody" {
					var cells []string
					for td := tr.FirstChild; td != nil; td = td.NextSibling {
						if td.Type == html.ElementNode {
							cells = append(cells, textOf(td))
						}
					}
					rows = append(rows, cells)
				}
			}
		}
	}
	if len(rows) != len(r.Failures) {
		t.Fatalf("%d failure rows, want %d", len(rows), len(r.Failures))
	}
	for i, f := range r.Failures {
		row := rows[i]
		if !strings.HasPrefix(row[0], f.Name) {
			t.Errorf("row %d starts %q, want the name %q", i, row[0], f.Name)
		}
		rto := row[2]
		if !strings.Contains(rto, fmtSeconds(f.RTOS.Mean)) {
			t.Errorf("row %d RTO cell %q lacks %s", i, rto, fmtSeconds(f.RTOS.Mean))
		}
		if got := strings.HasSuffix(rto, "not met"); got == f.RTOMet {
			t.Errorf("row %d RTO cell %q, RTOMet %v", i, rto, f.RTOMet)
		}
		if !f.Recovered && !strings.HasPrefix(rto, "≥ ") {
			t.Errorf("row %d: an unrecovered failure's RTO %q is not marked as a lower bound", i, rto)
		}
	}
	for i, f := range r.Failures {
		for _, e := range f.Events {
			if !strings.Contains(out, e.What) {
				t.Errorf("failure %d: event %q not listed", i, e.What)
			}
		}
	}
	for _, name := range []string{"failure-throughput", "failure-latency"} {
		re := regexp.MustCompile(`<figure data-chart="` + name + `">\s*<div class="chart"><svg `)
		if got := len(re.FindAllString(out, -1)); got != len(r.Failures) {
			t.Errorf("%d %s charts drawn, want %d", got, name, len(r.Failures))
		}
	}
	if !strings.Contains(out, "Survives the loss of any one node: no (worst: mgmt-1 at 0 % of design load") {
		t.Error("N-1 verdict missing")
	}
	if !strings.Contains(out, "99.962 %") || !strings.Contains(out, "High 99.9%") {
		t.Error("availability missing")
	}
}

func hasClass(n *html.Node, c string) bool {
	for _, a := range n.Attr {
		if a.Key == "class" {
			for _, f := range strings.Fields(a.Val) {
				if f == c {
					return true
				}
			}
		}
	}
	return false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.TrimSpace(b.String())
}

// onsetWindow: 10 s before the fault to max(30 s, 1.5 × (detection + RTO)) after it, only
// when the timeline is at least three times as long.
func TestOnsetWindow(t *testing.T) {
	f := sim.FailureResult{AtS: 60, DetectionS: sim.Interval{Mean: 3}, RTOS: sim.Interval{Mean: 5}, Recovered: true}
	if x0, x1, ok := onsetWindow(f, 31, 780); !ok || x0 != 50 || x1 != 90 {
		t.Errorf("window [%g, %g] %v, want [50, 90] true", x0, x1, ok)
	}
	f.RTOS.Mean = 37 // 1.5 × (3 + 37) = 60 s
	if x0, x1, ok := onsetWindow(f, 0, 780); !ok || x0 != 50 || x1 != 120 {
		t.Errorf("window [%g, %g] %v, want [50, 120] true", x0, x1, ok)
	}
	if _, _, ok := onsetWindow(f, 0, 200); ok {
		t.Error("a 200 s timeline got an onset chart for a 70 s window")
	}
	f.AtS = 900
	if _, _, ok := onsetWindow(f, 0, 780); ok {
		t.Error("a fault after the timeline got an onset chart")
	}
}

// Saturation bars far above every capacity and claim are cut at twice the largest of those.
func TestTierChartCut(t *testing.T) {
	mk := func(name string, sat, capa, claim float64) *sim.Result {
		return &sim.Result{Scenario: name, DesignLoad: claim, ClaimedCapacity: claim, Capacity: capa,
			CapacityLimit: "storage: x", Saturation: &sim.Saturation{Value: sat, CI95: [2]float64{sat * 0.9, sat * 1.1}, Bounded: true}}
	}
	c, err := Compare([]*sim.Result{mk("a", 30000, 773, 1500), mk("b", 69000, 2318, 5000)})
	if err != nil {
		t.Fatal(err)
	}
	figs := tierCharts(c)
	if !strings.Contains(figs[0].Caption, "Saturation bars above 10,000 are cut") {
		t.Errorf("caption %q does not say the bars are cut at 2 × 5,000", figs[0].Caption)
	}
	c, _ = Compare([]*sim.Result{mk("a", 1600, 773, 1500), mk("b", 6900, 2318, 5000)})
	if figs := tierCharts(c); strings.Contains(figs[0].Caption, "cut") {
		t.Errorf("bars within 3 × the claims were cut: %q", figs[0].Caption)
	}
}

// TestNeverDetected: a failure no mechanism detected reads "never detected" in the table.
func TestNeverDetected(t *testing.T) {
	r := &sim.Result{Scenario: "s", Failures: []sim.FailureResult{
		{Name: "a", Detected: false, Recovered: true},
		{Name: "b", Detected: true, DetectionS: sim.Interval{Mean: 12, CI95: [2]float64{11, 13}}, Recovered: true},
	}}
	v := buildFailures(r, "t1")
	if v == nil || len(v.Rows) != 2 || v.Rows[0].Detection.V != "never detected" || v.Rows[1].Detection.V == "never detected" {
		t.Fatalf("%+v", v)
	}
}

// TestNegativeAdviceRow: the report marks a change that lowers the saturation point as not
// advised.
func TestNegativeAdviceRow(t *testing.T) {
	r := &sim.Result{Scenario: "s", Advice: []sim.Advice{{Change: "a", GainPercent: -33}, {Change: "b", GainPercent: 4}}}
	v := buildTier(r, 0)
	if len(v.Advice) != 2 || v.Advice[0].Note == "" || v.Advice[0].Class != "bad" || v.Advice[1].Note != "" {
		t.Errorf("%+v", v.Advice)
	}
}
