package reports

import (
	"math"
	"strconv"
	"strings"

	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"

	"github.com/capsim/capsim/sim"
)

// The failure analysis (issue 3): one table row and two timeline charts per scheduled
// failure, the N-1 table and the availability estimate. The RTO and RPO targets are the
// seed's (001: RTO < 5 min, RPO < 1 min); met or not is the result's RTOMet / RPOMet.

const (
	rtoTargetText = "RTO < 5 min"
	rpoTargetText = "RPO < 1 min"
)

type failuresView struct {
	Rows  []failureRow
	Items []failureItem
}

type failureRow struct {
	Anchor, Name, Target, Kind, At, RPOWindow       string
	Detection, RTO, RPO, Lost, Dropped, Dup, Failed cell
	Degraded                                        cell
	PeakP95, Drain                                  cell
	RTOMet, RPOMet, Recovered                       bool
	PeakClass                                       string
}

type failureItem struct {
	Anchor, Name, Summary string
	Throughput, Latency   figure
	// Onset zooms on the fault when the timeline is much longer than what happens there.
	Onset  *figure
	Events []eventRow
}

type eventRow struct{ T, After, What string }

type nMinus1View struct {
	Verdict   string
	VerdictOK bool
	Rows      []nMinus1Row
}

type nMinus1Row struct {
	Node, Role, Saturation, Fraction, Why string
	Survives                              bool
	FractionClass                         string
}

type availabilityView struct {
	Summary []kv
	Method  string
}

// failureLabel names a failure: its name, or "target kind".
func failureLabel(f sim.FailureResult) string {
	if f.Name != "" {
		return f.Name
	}
	return strings.TrimSpace(f.Target + " " + f.Kind)
}

// fmtSeconds formats a duration given in seconds: "42 s", "4 min 10 s", "1.5 h", "3.2 days".
func fmtSeconds(s float64) string {
	if v, bad := nonFinite(s); bad {
		return v
	}
	a := math.Abs(s)
	switch {
	case a < 60:
		return fmtNum(s) + " s"
	case a < 3600:
		m := math.Floor(math.Round(a) / 60)
		sec := math.Round(a) - 60*m
		sign := ""
		if s < 0 {
			sign = "−"
		}
		if sec == 0 {
			return sign + fmtNum(m) + " min"
		}
		return sign + fmtNum(m) + " min " + fmtNum(sec) + " s"
	case a < 86400*2:
		return fmtNum(s/3600) + " h"
	}
	return fmtNum(s/86400) + " days"
}

// fmtHours formats a downtime given in hours: "4.4 h", "53 min", "5.3 s".
func fmtHours(h float64) string {
	if v, bad := nonFinite(h); bad {
		return v
	}
	if h >= 1 {
		return fmtNum(h) + " h"
	}
	if h*60 >= 1 {
		return fmtNum(h*60) + " min"
	}
	return fmtNum(h*3600) + " s"
}

// fmtAvail formats an availability fraction with enough decimals to show its nines and two
// significant digits of the unavailability: 0.9995 → "99.95 %", 0.999987 → "99.9987 %".
func fmtAvail(a float64) string { return fmtAvailD(a, availDigits(a)) }

// availDigits is the number of decimals fmtAvail gives a (1 to 7).
func availDigits(a float64) int {
	u := 1 - a
	d := 1
	if finite(u) && u > 0 && u < 1 {
		d = int(math.Ceil(-math.Log10(u))) - 1 // decimals of the percentage for 2 significant digits
	}
	return min(max(d, 1), 7)
}

// fmtAvailD formats an availability fraction as a percentage with d decimals, trailing zeros
// trimmed.
func fmtAvailD(a float64, d int) string {
	if v, bad := nonFinite(a); bad {
		return v + " %"
	}
	s := strconv.FormatFloat(a*100, 'f', d, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + " %"
}

// fmtAvailCI is "99.95–99.97 %" with the mean's number of decimals, "" for a zero interval.
func fmtAvailCI(iv sim.Interval) string {
	if iv.CI95 == [2]float64{} {
		return ""
	}
	d := availDigits(iv.Mean)
	lo, hi := fmtAvailD(iv.CI95[0], d), fmtAvailD(iv.CI95[1], d)
	if lo == hi {
		return ""
	}
	return strings.TrimSuffix(lo, " %") + "–" + hi
}

func buildFailures(r *sim.Result, tierAnchor string) *failuresView {
	if len(r.Failures) == 0 {
		return nil
	}
	unit := r.LoadUnit
	if unit == "" {
		unit = r.LoadVariable
	}
	v := &failuresView{}
	for i, f := range r.Failures {
		anchor := tierAnchor + "-failure-" + strconv.Itoa(i+1)
		row := failureRow{
			Anchor: anchor, Name: failureLabel(f), Target: f.Target, Kind: f.Kind, At: fmtSeconds(f.AtS),
			Detection: fmtCell(f.DetectionS, fmtSeconds), RTO: fmtCell(f.RTOS, fmtSeconds),
			RPO: fmtCell(f.RPOEvents, fmtNum), Lost: fmtCell(f.LostEvents, fmtNum),
			Dropped: fmtCell(f.DroppedEvents, fmtNum), Dup: fmtCell(f.DuplicatedEvents, fmtNum),
			Failed: fmtCell(f.FailedRequests, fmtNum), PeakP95: fmtCell(f.PeakP95MS, fmtNum),
			Drain: fmtCell(f.DrainS, fmtSeconds), Degraded: cell{V: "–"},
			RTOMet: f.RTOMet, RPOMet: f.RPOMet, Recovered: f.Recovered,
		}
		if f.DetectionS.Mean == 0 && f.DetectionS.CI95 == [2]float64{} {
			row.Detection = cell{V: "–"}
		}
		if !f.Detected {
			row.Detection = cell{V: "never detected"}
		}
		if f.DrainS == (sim.Interval{}) {
			row.Drain = cell{V: "–"}
		}
		if !f.Recovered {
			row.RTO = cell{V: "≥ " + fmtSeconds(f.RTOS.Mean), CI: "not recovered"}
		}
		if f.RPOS > 0 {
			row.RPOWindow = fmtSeconds(f.RPOS) + " lag"
		}
		if f.DegradedSaturation > 0 {
			row.Degraded = cell{V: withUnit(fmtNum(f.DegradedSaturation), unit)}
			if r.DesignLoad > 0 {
				row.Degraded.CI = fmtPct(f.DegradedSaturation/r.DesignLoad) + " of design"
			}
		}
		if t := sloTarget(r); t > 0 && f.PeakP95MS.Mean > t {
			row.PeakClass = "bad"
		}
		v.Rows = append(v.Rows, row)

		item := failureItem{Anchor: anchor, Name: row.Name}
		what := strings.TrimSpace(f.Kind + " of " + f.Target)
		if f.Target == "" || f.Kind == "" {
			what = strings.TrimSpace(f.Kind + f.Target)
		}
		item.Summary = what + " at " + fmtSeconds(f.AtS)
		if f.RecoverAfterS > 0 {
			item.Summary += ", repaired after " + fmtSeconds(f.RecoverAfterS)
		} else {
			item.Summary += ", not repaired during the run"
		}
		item.Summary += "."
		item.Throughput, item.Latency = timelineCharts(r, f)
		item.Onset = onsetChart(r, f)
		for _, e := range f.Events {
			er := eventRow{T: fmtSeconds(e.T), What: e.What}
			if d := e.T - f.AtS; finite(d) && d >= 0 {
				er.After = "+" + fmtSeconds(d)
			} else if finite(d) {
				er.After = fmtSeconds(d)
			}
			item.Events = append(item.Events, er)
		}
		v.Items = append(v.Items, item)
	}
	return v
}

// lessFinite orders finite numbers before NaN.
func lessFinite(a, b float64) bool {
	if math.IsNaN(b) {
		return !math.IsNaN(a)
	}
	return a < b
}

// nMinus1Sentence is "Survives the loss of any one node: yes (worst: search-1 at 81 % of
// design load)", about v.WorstNMinus1; "" without an N-1 analysis.
func nMinus1Sentence(v sim.Verdict) string {
	if !v.NMinus1 {
		return ""
	}
	w := v.WorstNMinus1
	s := "Survives the loss of any one node: " + yesNo(v.SurvivesNMinus1, "yes", "no")
	s += " (worst: " + w.Node + " at " + fmtPct(w.FractionOfDesign) + " of design load"
	if !w.Survives && w.Why != "" {
		s += ", " + w.Why
	}
	return s + ")"
}

func buildNMinus1(r *sim.Result) *nMinus1View {
	if len(r.NMinus1) == 0 {
		return nil
	}
	unit := r.LoadUnit
	if unit == "" {
		unit = r.LoadVariable
	}
	vd := r.Verdict()
	v := &nMinus1View{Verdict: nMinus1Sentence(vd), VerdictOK: vd.SurvivesNMinus1}
	for _, n := range r.NMinus1 {
		row := nMinus1Row{Node: n.Node, Role: n.Role, Survives: n.Survives, Why: n.Why,
			Saturation: withUnit(fmtNum(n.Saturation), unit), Fraction: fmtPct(n.FractionOfDesign)}
		if n.FractionOfDesign < 1 {
			row.FractionClass = "bad"
		}
		if row.Why == "" {
			row.Why = "–"
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

func availabilitySentence(a *sim.AvailabilityResult) string {
	if a == nil {
		return ""
	}
	s := "Availability " + fmtAvail(a.Availability.Mean)
	if ci := fmtAvailCI(a.Availability); ci != "" {
		s += " (" + ci + ")"
	}
	s += ", " + fmtHours(a.DowntimePerYearH) + " of downtime a year"
	if a.Tier != "" {
		s += ": " + a.Tier
	}
	return s
}

func buildAvailability(r *sim.Result) *availabilityView {
	a := r.Availability
	if a == nil {
		return nil
	}
	val := fmtAvail(a.Availability.Mean)
	if ci := fmtAvailCI(a.Availability); ci != "" {
		val += " (95 %: " + ci + ")"
	}
	v := &availabilityView{Method: a.Method, Summary: []kv{
		{Label: "Availability", Value: val},
		{Label: "Downtime per year", Value: fmtHours(a.DowntimePerYearH)},
	}}
	if a.Tier != "" {
		k := kv{Label: "Availability tier reached (seed 001)", Value: a.Tier, Class: "ok"}
		if !a.TierReached {
			k.Class = "bad"
		}
		v.Summary = append(v.Summary, k)
	}
	return v
}

// failureVerdict is the failure part of the verdict paragraph: how many scheduled failures
// meet the RTO and RPO targets, N-1 and availability (whether they count against the tier is
// v.OK's business).
func failureVerdict(r *sim.Result, v sim.Verdict) string {
	var parts []string
	if n := v.Failures; n > 0 {
		rto, rpo := v.RTOMet, v.RPOMet
		worst := -1
		for i, f := range r.Failures {
			if worst < 0 || (!f.Recovered && r.Failures[worst].Recovered) ||
				(f.Recovered == r.Failures[worst].Recovered && lessFinite(r.Failures[worst].RTOS.Mean, f.RTOS.Mean)) {
				worst = i
			}
		}
		s := "Of " + fmtNum(float64(n)) + " scheduled failures, " + fmtNum(float64(rto)) + " meet " + rtoTargetText +
			" and " + fmtNum(float64(rpo)) + " meet " + rpoTargetText
		if rto == n && rpo == n && n > 1 {
			s = "All " + fmtNum(float64(n)) + " scheduled failures meet " + rtoTargetText + " and " + rpoTargetText
		}
		if n == 1 {
			s = "The scheduled failure " + yesNo(rto == 1, "meets", "misses") + " " + rtoTargetText + " and " +
				yesNo(rpo == 1, "meets", "misses") + " " + rpoTargetText
		}
		w := r.Failures[worst]
		if !w.Recovered {
			s += "; “" + failureLabel(w) + "” is not back within the SLO by the end of the run (" + fmtSeconds(w.RTOS.Mean) + " after the fault)"
		} else {
			s += "; the longest RTO is " + fmtSeconds(w.RTOS.Mean) + " (“" + failureLabel(w) + "”)"
		}
		parts = append(parts, s+".")
	}
	if s := nMinus1Sentence(v); s != "" {
		parts = append(parts, s+".")
	}
	if s := availabilitySentence(r.Availability); s != "" {
		parts = append(parts, s+".")
	}
	return strings.Join(parts, " ")
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// sloTarget is the smallest P95 target of the result's flows (0 = none): the line the
// all-flows P95 of a failure timeline without per-flow series has to stay under.
func sloTarget(r *sim.Result) float64 {
	t := 0.0
	for _, f := range r.Flows {
		if finite(f.P95TargetMS) && f.P95TargetMS > 0 && (t == 0 || f.P95TargetMS < t) {
			t = f.P95TargetMS
		}
	}
	return t
}

var (
	colHealthGreen  = drawing.Color{R: 0x59, G: 0xa1, B: 0x4f, A: 34}
	colHealthYellow = drawing.Color{R: 0xed, G: 0xc9, B: 0x48, A: 80}
	colHealthRed    = drawing.Color{R: 0xe1, G: 0x57, B: 0x59, A: 60}
	colFault        = drawing.Color{R: 0xc0, G: 0x39, B: 0x2b, A: 255}
	colRepair       = drawing.Color{R: 0x1e, G: 0x7d, B: 0x32, A: 255}
	colDetect       = drawing.Color{R: 0x88, G: 0x88, B: 0x88, A: 255}
	colBack         = drawing.Color{R: 0x76, G: 0x4b, B: 0xa1, A: 255}
)

// timelineX returns the finite times of the timeline and the indices they come from.
func timelineX(tl []sim.TimePoint) (xs []float64, idx []int) {
	for i, p := range tl {
		if finite(p.T) {
			xs = append(xs, p.T)
			idx = append(idx, i)
		}
	}
	return xs, idx
}

// segments splits a series into runs of usable points (keep(i) true and y finite), so a
// second with nothing to show leaves a gap rather than a line drawn through it.
func segments(xs, ys []float64, keep func(i int) bool) (out [][2][]float64) {
	var cx, cy []float64
	flush := func() {
		if len(cx) > 0 {
			out = append(out, [2][]float64{cx, cy})
		}
		cx, cy = nil, nil
	}
	for i := range xs {
		if !finite(ys[i]) || !keep(i) {
			flush()
			continue
		}
		cx, cy = append(cx, xs[i]), append(cy, ys[i])
	}
	flush()
	return out
}

// healthBands shades the timeline by the store's health: one box per run of equal Health,
// from the first second of the run to the first second of the next.
func healthBands(tl []sim.TimePoint, idx []int, xs []float64, ylo, yhi float64, p *plot, legend *[]legendItem) {
	seen := map[string]bool{}
	colour := map[string]drawing.Color{"green": colHealthGreen, "yellow": colHealthYellow, "red": colHealthRed}
	for k := 0; k < len(idx); {
		h := tl[idx[k]].Health
		j := k
		for j+1 < len(idx) && tl[idx[j+1]].Health == h {
			j++
		}
		end := xs[j]
		if j+1 < len(idx) {
			end = xs[j+1]
		} else if j > 0 {
			end = xs[j] + (xs[j] - xs[j-1])
		}
		if c, ok := colour[h]; ok && end > xs[k] {
			p.boxes = append(p.boxes, box{x0: xs[k], x1: end, y0: ylo, y1: yhi, fill: c})
			seen[h] = true
		}
		k = j + 1
	}
	for _, h := range []string{"green", "yellow", "red"} {
		if seen[h] {
			*legend = append(*legend, legendItem{Label: "store health " + h, Color: cssColor(opaque(colour[h])), Style: "band"})
		}
	}
}

func opaque(c drawing.Color) drawing.Color { c.A = 255; return c }

// failureMarks draws the fault, its detection, the repair and the recovery (fault + RTO, the
// mean over replications as in the table) as vertical lines, each only when it lies on the
// chart; the recovery line also carries the label "RTO" in the chart itself. A fault no
// mechanism detected says so in its legend entry, as the table does.
func failureMarks(f sim.FailureResult, p *plot, ylo, yhi float64, legend *[]legendItem) {
	xlo, xhi := p.xTicks[0].Value, p.xTicks[len(p.xTicks)-1].Value
	mark := func(x float64, label string, c drawing.Color, dash []float64) bool {
		if !finite(x) || x < xlo || x > xhi {
			return false
		}
		p.lines = append(p.lines, line{name: label, xs: []float64{x, x}, ys: []float64{ylo, yhi}, color: c, dash: dash, width: 1.5})
		*legend = append(*legend, legendFor(label, c, dash))
		return true
	}
	fault := "fault at " + fmtSeconds(f.AtS)
	if !f.Detected {
		fault += " (never detected)"
	}
	mark(f.AtS, fault, colFault, nil)
	if d := f.DetectionS.Mean; f.Detected && d > 0 {
		mark(f.AtS+d, "detected after "+fmtSeconds(d), colDetect, []float64{2, 2})
	}
	if f.RecoverAfterS > 0 {
		mark(f.AtS+f.RecoverAfterS, "repaired after "+fmtSeconds(f.RecoverAfterS), colRepair, []float64{6, 3})
	}
	if f.Recovered && f.RTOS.Mean > 0 {
		x := f.AtS + f.RTOS.Mean
		if mark(x, "RTO "+fmtSeconds(f.RTOS.Mean)+": every flow back within its SLO", colBack, []float64{8, 3, 2, 3}) {
			p.labels = append(p.labels, label{x: x, text: "RTO", color: colBack})
		}
	}
}

// flowColours are the palette entries of the flows' P95 lines in the failure charts: not blue
// (throughput), red (failed requests) nor purple (RTO) until there are more than seven flows.
var flowColours = []int{1, 4, 8, 2, 7, 9, 5, 6}

// p95Line is one P95 series of a failure chart, at the chart's seconds.
type p95Line struct {
	flow   string // "" for the all-flows P95 of a result without per-flow series
	target float64
	ys     []float64
	done   []bool // something of the series completed in that second
	color  drawing.Color
}

// failureP95 is the P95 lines of failure f at the timeline's seconds idx: one per flow, each
// with its own target, from f.FlowTimelines; the all-flows P95 against the strictest target
// when the failure has no per-flow series (or they do not match the timeline).
func failureP95(r *sim.Result, f sim.FailureResult, idx []int) []p95Line {
	tl := f.Timeline
	ok := len(f.FlowTimelines) > 0
	for _, ft := range f.FlowTimelines {
		ok = ok && len(ft.P95MS) == len(tl) && len(ft.ThroughputPerS) == len(tl)
	}
	if !ok {
		l := p95Line{target: sloTarget(r), color: palette[1]}
		for _, i := range idx {
			l.ys = append(l.ys, tl[i].P95MS)
			l.done = append(l.done, tl[i].ThroughputPerS > 0 || tl[i].P95MS > 0)
		}
		return []p95Line{l}
	}
	var out []p95Line
	for k, ft := range f.FlowTimelines {
		l := p95Line{flow: ft.Flow, color: palette[flowColours[k%len(flowColours)]]}
		if finite(ft.P95TargetMS) && ft.P95TargetMS > 0 {
			l.target = ft.P95TargetMS
		}
		for _, i := range idx {
			l.ys = append(l.ys, ft.P95MS[i])
			l.done = append(l.done, ft.ThroughputPerS[i] > 0 || ft.P95MS[i] > 0)
		}
		out = append(out, l)
	}
	return out
}

// drawP95 draws the P95 lines and their targets on p, whose x ticks are set, its y ticks
// chosen here, and returns their legend entries: the lines', the targets'. P95 above 5 × the
// largest target is drawn at that cap (capAt, clipped; highest is the largest P95 before the
// cap). drawn is false when no second of any line has a P95. The lines are drawn before
// anything else is added to p, so they lie under the marks.
func drawP95(p *plot, xs []float64, ls []p95Line, width float64, dots bool) (legend, targets []legendItem, capAt, highest float64, clipped, drawn bool) {
	maxTarget, ymax := 0.0, math.Inf(-1)
	for _, l := range ls {
		maxTarget = math.Max(maxTarget, l.target)
		for k, y := range l.ys {
			if l.done[k] && finite(y) {
				ymax = math.Max(ymax, y)
			}
		}
	}
	if math.IsInf(ymax, -1) {
		ymax = 0
	}
	highest, capAt = ymax, math.Inf(1)
	if maxTarget > 0 && ymax > 5*maxTarget {
		capAt, ymax = 5*maxTarget, 5*maxTarget
	}
	p.yTicks = niceTicks(0, math.Max(ymax, maxTarget*1.1), 5, fmtNum)
	if len(p.yTicks) < 2 {
		return nil, nil, capAt, highest, false, false
	}
	x0, x1 := p.xTicks[0].Value, p.xTicks[len(p.xTicks)-1].Value
	for _, l := range ls {
		ys := make([]float64, len(l.ys))
		for k, y := range l.ys {
			ys[k] = y
			if y > capAt {
				ys[k], clipped = capAt, true
			}
		}
		segs := segments(xs, ys, func(k int) bool { return l.done[k] })
		for _, s := range segs {
			p.lines = append(p.lines, line{name: "P95 " + l.flow, xs: s[0], ys: s[1], color: l.color, width: width, dots: dots})
		}
		if len(segs) > 0 {
			drawn = true
			what := "P95 of the requests completed in each second"
			if l.flow != "" {
				what = "P95 of " + l.flow + " per second"
			}
			legend = append(legend, legendFor(what, l.color, nil))
		}
		if l.target > 0 {
			c, what := l.color, l.flow+" SLO: P95 ≤ "+fmtMS(l.target)
			if l.flow == "" {
				c, what = colSLO, "SLO: P95 ≤ "+fmtMS(l.target)
			}
			p.lines = append(p.lines, line{name: "SLO " + l.flow, xs: []float64{x0, x1}, ys: []float64{l.target, l.target}, color: c, dash: []float64{6, 3}, width: 1.5})
			targets = append(targets, legendFor(what, c, []float64{6, 3}))
		}
	}
	return legend, targets, capAt, highest, clipped, drawn
}

// timelineCharts draws one failure's per-second series (replication 1) as two charts on a
// common time axis: throughput with the retry backlog on a right-hand axis, and P95 — one
// line per flow, each with its own SLO target (the all-flows P95 against the strictest target
// for a failure without per-flow series) — with failed attempts per second on the right.
// Both carry the store's health as background bands and the fault, detection, repair and
// recovery (fault + RTO) as vertical lines.
func timelineCharts(r *sim.Result, f sim.FailureResult) (thr, lat figure) {
	label := failureLabel(f)
	tTitle := "Throughput and retry backlog during " + label
	lTitle := "P95 and failed requests during " + label
	xs, idx := timelineX(f.Timeline)
	if distinct(xs) < 2 {
		why := "the timeline has fewer than two seconds"
		return noData("failure-throughput", tTitle, why), noData("failure-latency", lTitle, why)
	}
	tl := f.Timeline
	lo, hi := minMax(xs)
	xTicks := niceTicks(lo, hi, 8, fmtNum)
	xName := "time since warm-up (s)"

	// throughput: events/s when the flows carry events, else requests/s
	events := false
	for _, i := range idx {
		if tl[i].EventsPerS > 0 {
			events = true
			break
		}
	}
	thrY := make([]float64, len(idx))
	backlog := make([]float64, len(idx))
	hasBacklog := false
	for k, i := range idx {
		thrY[k] = tl[i].ThroughputPerS
		if events {
			thrY[k] = tl[i].EventsPerS
		}
		backlog[k] = tl[i].Backlog
		if finite(backlog[k]) && backlog[k] > 0 {
			hasBacklog = true
		}
	}
	unitName := "requests/s"
	if events {
		unitName = "events/s"
	}
	// pending is a chart built but not drawn yet, so the two can share their axis widths.
	type pending struct {
		p       *plot
		legend  []legendItem
		caption string
		fig     *figure // set when there is nothing to draw
	}
	none := func(f figure) pending { return pending{fig: &f} }
	pt := func() pending {
		p := plot{xName: xName, yName: "throughput (" + unitName + ")", xTicks: xTicks}
		_, ymax := minMax(thrY)
		p.yTicks = niceTicks(0, ymax, 5, fmtNum)
		if len(p.yTicks) < 2 {
			return none(noData("failure-throughput", tTitle, "no finite throughput"))
		}
		ytop := p.yTicks[len(p.yTicks)-1].Value
		var legend []legendItem
		healthBands(tl, idx, xs, 0, ytop, &p, &legend)
		c := palette[0]
		for _, s := range segments(xs, thrY, func(int) bool { return true }) {
			p.lines = append(p.lines, line{name: "throughput", xs: s[0], ys: s[1], color: c, width: 1.5})
		}
		legend = append([]legendItem{legendFor("completed "+unitName, c, nil)}, legend...)
		if hasBacklog {
			_, bmax := minMax(backlog)
			ticks, k := rightTicks(p.yTicks, bmax, fmtNum)
			if k > 0 {
				p.y2Ticks, p.y2Name = ticks, "backlog (requests held for retry)"
				bc := palette[1]
				scaled := make([]float64, len(backlog))
				for i, b := range backlog {
					scaled[i] = b * k
				}
				for _, s := range segments(xs, scaled, func(int) bool { return true }) {
					p.lines = append(p.lines, line{name: "backlog", xs: s[0], ys: s[1], color: bc, dash: []float64{6, 3}, width: 2})
				}
				legend = append(legend, legendFor("retry backlog (right axis)", bc, []float64{6, 3}))
			}
		}
		failureMarks(f, &p, 0, ytop, &legend)
		caption := "Replication 1, one point per second: " + unitName + " completed by every flow"
		if hasBacklog {
			caption += "; requests the agents hold for retry on the right-hand axis"
		}
		caption += "."
		return pending{p: &p, legend: legend, caption: caption}
	}()

	pl := func() pending {
		p := plot{xName: xName, yName: "P95 response time (ms)", xTicks: xTicks}
		errs := make([]float64, len(idx))
		hasErr := false
		for k, i := range idx {
			errs[k] = tl[i].Errors + tl[i].Dropped
			if finite(errs[k]) && errs[k] > 0 {
				hasErr = true
			}
		}
		ls := failureP95(r, f, idx)
		p95Legend, targets, capAt, highest, clipped, drawn := drawP95(&p, xs, ls, 1.5, false)
		if len(p.yTicks) < 2 {
			return none(noData("failure-latency", lTitle, "no finite response times"))
		}
		if !drawn && !hasErr {
			return none(noData("failure-latency", lTitle, "no second of the timeline has a finite P95"))
		}
		ytop := p.yTicks[len(p.yTicks)-1].Value
		var legend []legendItem
		healthBands(tl, idx, xs, 0, ytop, &p, &legend) // boxes: drawn under every line
		legend = append(append(p95Legend, legend...), targets...)
		if hasErr {
			_, emax := minMax(errs)
			ticks, k := rightTicks(p.yTicks, emax, fmtNum)
			if k > 0 {
				p.y2Ticks, p.y2Name = ticks, "failed requests/s"
				ec := palette[3]
				scaled := make([]float64, len(errs))
				for i, e := range errs {
					scaled[i] = e * k
				}
				for _, s := range segments(xs, scaled, func(int) bool { return true }) {
					p.lines = append(p.lines, line{name: "errors", xs: s[0], ys: s[1], color: ec, dash: []float64{2, 2}, width: 1.5})
				}
				legend = append(legend, legendFor("failed attempts and dropped requests per second (right axis)", ec, []float64{2, 2}))
			}
		}
		failureMarks(f, &p, 0, ytop, &legend)
		caption := "Replication 1, one point per second; gaps are seconds in which no request completed."
		if ls[0].flow != "" {
			caption = "Replication 1, one point per second: each flow's P95 against its own SLO target; gaps are seconds in which none of the flow's requests completed."
		}
		if clipped {
			caption += " P95 values above " + fmtMS(capAt) + " are drawn at the top edge (highest " + fmtMS(highest) + ")."
		}
		return pending{p: &p, legend: legend, caption: caption}
	}()
	if pt.fig == nil && pl.fig == nil {
		alignYAxes(pt.p, pl.p)
	}
	draw := func(pd pending, name, title string) figure {
		if pd.fig != nil {
			return *pd.fig
		}
		return newFigure(name, title, pd.caption, *pd.p, pd.legend)
	}
	return draw(pt, "failure-throughput", tTitle), draw(pl, "failure-latency", lTitle)
}

// alignYAxes makes plots drawn one above the other reserve the same width for their y tick
// labels, so their x axes line up: a plot whose labels are narrower gets one more tick at its
// first value whose label is blanks (measured by go-chart, invisible in SVG). Right-hand
// axes are padded the same way when every plot has one.
func alignYAxes(ps ...*plot) {
	r, err := chart.SVG(10, 10)
	if err != nil {
		return
	}
	font, err := chart.GetDefaultFont()
	if err != nil {
		return
	}
	r.SetFont(font)
	r.SetFontSize(10)
	width := func(ts []chart.Tick) int {
		w := 0
		for _, t := range ts {
			w = max(w, r.MeasureText(t.Label).Width())
		}
		return w
	}
	blank := func(w int) string {
		s := " "
		for r.MeasureText(s).Width() < w && len(s) < 200 {
			s += " "
		}
		return s
	}
	pad := func(get func(*plot) *[]chart.Tick) {
		w := 0
		for _, p := range ps {
			ts := get(p)
			if len(*ts) < 2 {
				return
			}
			w = max(w, width(*ts))
		}
		for _, p := range ps {
			ts := get(p)
			if width(*ts) < w {
				// second place: the first and last ticks still give the axis's range
				*ts = append((*ts)[:1], append([]chart.Tick{{Value: (*ts)[0].Value, Label: blank(w)}}, (*ts)[1:]...)...)
			}
		}
	}
	pad(func(p *plot) *[]chart.Tick { return &p.yTicks })
	pad(func(p *plot) *[]chart.Tick { return &p.y2Ticks })
}

// onsetWindow is the span the onset chart shows: from 10 s before the fault to the later of
// 30 s and 1.5 × (detection + RTO) after it. ok is false when the timeline is less than
// three times as long (the full charts show the onset well enough) or the numbers are bad.
func onsetWindow(f sim.FailureResult, lo, hi float64) (x0, x1 float64, ok bool) {
	if !finite(f.AtS, lo, hi) || f.AtS < lo || f.AtS > hi {
		return 0, 0, false
	}
	w := 30.0
	if d := f.DetectionS.Mean; finite(d) && d > 0 {
		w = math.Max(w, 1.5*d)
	}
	if f.Recovered && finite(f.RTOS.Mean) && f.RTOS.Mean > 0 {
		w = math.Max(w, 1.5*(f.RTOS.Mean+math.Max(0, f.DetectionS.Mean)))
	}
	x0, x1 = math.Max(lo, f.AtS-10), math.Min(hi, f.AtS+w)
	if hi-lo < 3*(x1-x0) || x1 <= x0 {
		return 0, 0, false
	}
	return x0, x1, true
}

// onsetChart zooms on the fault: P95 (left; each flow's against its target when the failure
// has per-flow series) and completed throughput (right-hand axis) from 10 s before it, with
// the health bands, the detection and the RTO; nil when the full timeline charts show that
// part well enough.
func onsetChart(r *sim.Result, f sim.FailureResult) *figure {
	xsAll, idxAll := timelineX(f.Timeline)
	if distinct(xsAll) < 2 {
		return nil
	}
	lo, hi := minMax(xsAll)
	x0, x1, ok := onsetWindow(f, lo, hi)
	if !ok {
		return nil
	}
	var xs []float64
	var idx []int
	for k, x := range xsAll {
		if x >= x0 && x <= x1 {
			xs, idx = append(xs, x), append(idx, idxAll[k])
		}
	}
	title := "The first " + fmtSeconds(x1-f.AtS) + " after " + failureLabel(f)
	if distinct(xs) < 2 {
		fig := noData("failure-onset", title, "fewer than two seconds around the fault")
		return &fig
	}
	tl := f.Timeline
	events := false
	for _, i := range idx {
		if tl[i].EventsPerS > 0 {
			events = true
			break
		}
	}
	unitName := "requests/s"
	if events {
		unitName = "events/s"
	}
	thr := make([]float64, len(idx))
	for k, i := range idx {
		thr[k] = tl[i].ThroughputPerS
		if events {
			thr[k] = tl[i].EventsPerS
		}
	}
	p := plot{xName: "time since warm-up (s)", yName: "P95 response time (ms)"}
	p.xTicks = niceTicks(x0, x1, 8, fmtNum)
	if len(p.xTicks) < 2 {
		fig := noData("failure-onset", title, "no finite values around the fault")
		return &fig
	}
	ls := failureP95(r, f, idx)
	p95Legend, targets, capAt, _, clipped, _ := drawP95(&p, xs, ls, 2, true)
	if len(p.yTicks) < 2 {
		fig := noData("failure-onset", title, "no finite values around the fault")
		return &fig
	}
	ytop := p.yTicks[len(p.yTicks)-1].Value
	var legend []legendItem
	healthBands(tl, idx, xs, 0, ytop, &p, &legend) // boxes: drawn under every line
	legend = append(append(p95Legend, legend...), targets...)
	if _, tmax := minMax(thr); finite(tmax) && tmax > 0 {
		if ticks, k := rightTicks(p.yTicks, tmax, fmtNum); k > 0 {
			p.y2Ticks, p.y2Name = ticks, "throughput ("+unitName+")"
			scaled := make([]float64, len(thr))
			for i, v := range thr {
				scaled[i] = v * k
			}
			tc := palette[0]
			for _, s := range segments(xs, scaled, func(int) bool { return true }) {
				p.lines = append(p.lines, line{name: "throughput", xs: s[0], ys: s[1], color: tc, width: 1.5, dash: []float64{6, 3}})
			}
			legend = append(legend, legendFor("completed "+unitName+" (right axis)", tc, []float64{6, 3}))
		}
	}
	failureMarks(f, &p, 0, ytop, &legend)
	caption := "Replication 1, one point per second, around the fault."
	if clipped {
		caption += " P95 values above " + fmtMS(capAt) + " are drawn at the top edge."
	}
	fig := newFigure("failure-onset", title, caption, p, legend)
	return &fig
}
