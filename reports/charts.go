package reports

import (
	"html/template"
	"math"
	"sort"
	"strings"

	chart "github.com/wcharczuk/go-chart/v2"

	"github.com/capsim/capsim/sim"
)

// figure is one chart in the report: <figure data-chart="Name"> with the SVG (or a short
// note when the data cannot make a chart), an HTML legend and a caption.
type figure struct {
	Name    string // data-chart attribute: latency, throughput, utilization, node-cpu, tier-comparison, tier-ratio, storage
	Title   string
	Caption string
	SVG     template.HTML
	Note    string
	Legend  []legendItem
}

const (
	chartW, chartH = 900, 380
	// pairW, pairH size the two charts side by side per flow.
	pairW, pairH = 560, 380
	tickCount    = 6
)

func newFigure(name, title, caption string, p plot, legend []legendItem) figure {
	f := figure{Name: name, Title: title, Caption: caption, Legend: legend}
	if p.width == 0 {
		p.width, p.height = chartW, chartH
	}
	svg, err := p.render()
	if err != nil {
		f.Note = "Not enough data to draw this chart."
		if err != errDegenerate {
			f.Note = "Not enough data to draw this chart: " + err.Error() + "."
		}
		f.Legend = nil
		return f
	}
	f.SVG = svg
	return f
}

func noData(name, title, why string) figure {
	return figure{Name: name, Title: title, Note: "Not enough data to draw this chart: " + why + "."}
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if isBad(v) {
			return false
		}
	}
	return true
}

// loadAxisName is "load (sources)" or "data_sources".
func loadAxisName(r *sim.Result) string {
	v := r.LoadVariable
	if v == "" {
		v = "load"
	}
	if r.LoadUnit != "" && r.LoadUnit != v {
		return v + " (" + r.LoadUnit + ")"
	}
	return v
}

// sweepLoads returns the finite loads of the sweep, in sweep order.
func sweepLoads(r *sim.Result) (xs []float64, idx []int) {
	for i, p := range r.Sweep {
		if finite(p.Load) {
			xs = append(xs, p.Load)
			idx = append(idx, i)
		}
	}
	return xs, idx
}

func distinct(xs []float64) int {
	seen := map[float64]bool{}
	for _, x := range xs {
		seen[x] = true
	}
	return len(seen)
}

func minMax(vs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		if isBad(v) {
			continue
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}

// flowNames lists flow names in the order of the design-load flows, then any flow that only
// appears in the sweep, in order of first appearance.
func flowNames(r *sim.Result) []string {
	var names []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, f := range r.Flows {
		add(f.Name)
	}
	for _, p := range r.Sweep {
		for _, f := range p.Flows {
			add(f.Name)
		}
	}
	return names
}

func stationNames(r *sim.Result) (names []string, kind map[string]string) {
	kind = map[string]string{}
	seen := map[string]bool{}
	add := func(s sim.StationResult) {
		if !seen[s.Name] {
			seen[s.Name] = true
			names = append(names, s.Name)
			kind[s.Name] = s.Kind
		}
	}
	for _, s := range r.Stations {
		add(s)
	}
	for _, p := range r.Sweep {
		for _, s := range p.Stations {
			add(s)
		}
	}
	return names, kind
}

func findFlow(fs []sim.FlowResult, name string) (sim.FlowResult, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return sim.FlowResult{}, false
}

func findStation(ss []sim.StationResult, name string) (sim.StationResult, bool) {
	for _, s := range ss {
		if s.Name == name {
			return s, true
		}
	}
	return sim.StationResult{}, false
}

// utilizationTrigger is the SLO's utilization trigger as a fraction (Result.UtilizationTrigger),
// and whether there is one (a value in (0, 1]).
func utilizationTrigger(r *sim.Result) (float64, bool) {
	t := r.UtilizationTrigger
	if finite(t) && t > 0 && t <= 1 {
		return t, true
	}
	return 0, false
}

// markers adds the saturation point (a solid vertical line over its shaded 95 % interval) and
// the design load (dotted) to a plot whose x axis is the load.
func markers(r *sim.Result, p *plot, ylo, yhi float64, legend *[]legendItem) {
	xlo, xhi := p.xTicks[0].Value, p.xTicks[len(p.xTicks)-1].Value
	in := func(x float64) bool { return finite(x) && x >= xlo && x <= xhi }
	if s := r.Saturation; s != nil && in(s.Value) {
		lo, hi := math.Max(s.CI95[0], xlo), math.Min(s.CI95[1], xhi)
		if finite(lo, hi) && hi > lo {
			p.boxes = append(p.boxes, box{x0: lo, x1: hi, y0: ylo, y1: yhi, fill: colBand})
			*legend = append(*legend, legendItem{Label: "saturation 95 % interval", Color: cssColor(colSat), Style: "band"})
		}
		p.lines = append(p.lines, line{name: "saturation", xs: []float64{s.Value, s.Value}, ys: []float64{ylo, yhi}, color: colSat, width: 1.5})
		lbl := "saturation " + fmtNum(s.Value)
		if !s.Bounded {
			lbl = "SLO still met at search maximum " + fmtNum(s.Value)
		}
		*legend = append(*legend, legendItem{Label: lbl, Color: cssColor(colSat), Style: "line"})
	}
	if in(r.DesignLoad) && r.DesignLoad > 0 {
		p.lines = append(p.lines, line{name: "design load", xs: []float64{r.DesignLoad, r.DesignLoad}, ys: []float64{ylo, yhi}, color: colDesign, dash: []float64{2, 2}, width: 1.5})
		*legend = append(*legend, legendItem{Label: "design load " + fmtNum(r.DesignLoad), Color: cssColor(colDesign), Style: "dot"})
	}
}

// loadTicks covers the sweep loads, the design load and the saturation point.
func loadTicks(r *sim.Result, xs []float64) []chart.Tick {
	lo, hi := minMax(xs)
	if r.DesignLoad > 0 && finite(r.DesignLoad) {
		lo, hi = math.Min(lo, r.DesignLoad), math.Max(hi, r.DesignLoad)
	}
	if s := r.Saturation; s != nil && finite(s.Value) {
		lo, hi = math.Min(lo, s.Value), math.Max(hi, s.Value)
	}
	if lo >= 0 && lo < (hi-lo)*0.25 {
		lo = 0
	}
	return niceTicks(lo, hi, tickCount, fmtNum)
}

// latencyChart: P50/P95/P99 of one flow against load, with the SLO target and the
// saturation point.
func latencyChart(r *sim.Result, flow string) figure {
	title := "Response time of " + flow + " against load"
	xsAll, idx := sweepLoads(r)
	var xs, p50, p95, p99 []float64
	target := 0.0
	if f, ok := findFlow(r.Flows, flow); ok {
		target = f.P95TargetMS
	}
	for k, i := range idx {
		f, ok := findFlow(r.Sweep[i].Flows, flow)
		if !ok || !finite(f.LatencyMS.P50.Mean, f.LatencyMS.P95.Mean, f.LatencyMS.P99.Mean) {
			continue
		}
		if target == 0 {
			target = f.P95TargetMS
		}
		xs = append(xs, xsAll[k])
		p50 = append(p50, f.LatencyMS.P50.Mean)
		p95 = append(p95, f.LatencyMS.P95.Mean)
		p99 = append(p99, f.LatencyMS.P99.Mean)
	}
	if distinct(xs) < 2 {
		return noData("latency", title, "the sweep has fewer than two loads for this flow")
	}
	// Past saturation response times explode; keep the interesting part readable by capping
	// the axis at 3× the larger of the target and the highest P99 of a stable load.
	_, ymax := minMax(p99)
	capAt := math.Inf(1)
	stableMax := 0.0
	for k, i := range idx {
		if r.Sweep[i].Stable {
			if f, ok := findFlow(r.Sweep[i].Flows, flow); ok && finite(f.LatencyMS.P99.Mean) {
				stableMax = math.Max(stableMax, f.LatencyMS.P99.Mean)
			}
		}
		_ = k
	}
	if ref := math.Max(target, stableMax); ref > 0 && ymax > 3*ref {
		capAt = 3 * ref
	}
	clipped := false
	x50, p50c, n50 := clipAt(xs, p50, capAt, &clipped)
	x95, p95c, n95 := clipAt(xs, p95, capAt, &clipped)
	x99, p99c, n99 := clipAt(xs, p99, capAt, &clipped)
	_, ymax = minMax(p99c)
	ymax = math.Max(ymax, target*1.1)
	p := plot{xName: loadAxisName(r), yName: "response time (ms)", width: pairW, height: pairH}
	p.xTicks = loadTicks(r, xs)
	p.yTicks = niceTicks(0, ymax, tickCount, fmtNum)
	if len(p.yTicks) < 2 {
		return noData("latency", title, "no finite response times")
	}
	ytop := p.yTicks[len(p.yTicks)-1].Value
	var legend []legendItem
	markers(r, &p, 0, ytop, &legend)
	c50, c95, c99 := palette[0], palette[1], palette[3]
	p.lines = append(p.lines,
		line{name: "P50", xs: x50, ys: p50c, color: c50, dots: true, realPoints: n50},
		line{name: "P95", xs: x95, ys: p95c, color: c95, width: 2.5, dots: true, realPoints: n95},
		line{name: "P99", xs: x99, ys: p99c, color: c99, dash: []float64{6, 3}, dots: true, realPoints: n99},
	)
	legend = append([]legendItem{
		legendFor("P50", c50, nil), legendFor("P95", c95, nil), legendFor("P99", c99, []float64{6, 3}),
	}, legend...)
	if target > 0 {
		x0, x1 := p.xTicks[0].Value, p.xTicks[len(p.xTicks)-1].Value
		p.lines = append(p.lines, line{name: "SLO", xs: []float64{x0, x1}, ys: []float64{target, target}, color: colSLO, dash: []float64{6, 3}, width: 1.5})
		legend = append(legend, legendFor("SLO: P95 ≤ "+fmtMS(target), colSLO, []float64{6, 3}))
	}
	caption := "Mean over replications of each percentile at each load of the sweep."
	if clipped {
		caption += " Lines that leave the top of the chart exceed " + fmtMS(capAt) + " (unstable loads); the sweep table lists every load."
	}
	return newFigure("latency", title, caption, p, legend)
}

// clipAt returns the polyline (xs, ys) cut where it first rises above limit: the last point
// is where the segment crosses the limit, so the line visibly leaves the top of the chart.
func clipAt(xs, ys []float64, limit float64, clipped *bool) (ox, oy []float64, real int) {
	for i := range xs {
		if ys[i] <= limit {
			ox, oy = append(ox, xs[i]), append(oy, ys[i])
			real++
			continue
		}
		*clipped = true
		if i == 0 {
			ox, oy = append(ox, xs[i]), append(oy, limit)
		} else if ys[i] != ys[i-1] {
			x := xs[i-1] + (limit-ys[i-1])/(ys[i]-ys[i-1])*(xs[i]-xs[i-1])
			ox, oy = append(ox, x), append(oy, limit)
		}
		break
	}
	return ox, oy, real
}

// throughputChart: completed against offered requests/s of one flow over the sweep, with the
// ideal "throughput = offered" diagonal. Closed flows (offered 0) are drawn against the load.
func throughputChart(r *sim.Result, flow string) figure {
	title := "Throughput of " + flow + " against offered load"
	xsAll, idx := sweepLoads(r)
	var off, loads, thr []float64
	closed := false
	for k, i := range idx {
		f, ok := findFlow(r.Sweep[i].Flows, flow)
		if !ok || !finite(f.OfferedPerS, f.ThroughputPerS.Mean) {
			continue
		}
		if f.OfferedPerS <= 0 {
			closed = true
		}
		off = append(off, f.OfferedPerS)
		loads = append(loads, xsAll[k])
		thr = append(thr, f.ThroughputPerS.Mean)
	}
	xs, xName := off, "offered (requests/s)"
	if closed {
		xs, xName = loads, loadAxisName(r)
	}
	if distinct(xs) < 2 {
		return noData("throughput", title, "the sweep has fewer than two loads for this flow")
	}
	lo, hi := minMax(xs)
	_, thi := minMax(thr)
	if lo >= 0 && lo < (hi-lo)*0.25 {
		lo = 0
	}
	p := plot{xName: xName, yName: "throughput (requests/s)", width: pairW, height: pairH}
	p.xTicks = niceTicks(lo, hi, tickCount, fmtNum)
	ytop := thi
	if !closed {
		ytop = math.Max(ytop, hi)
	}
	p.yTicks = niceTicks(0, ytop, tickCount, fmtNum)
	var legend []legendItem
	if !closed {
		x0, x1 := p.xTicks[0].Value, p.xTicks[len(p.xTicks)-1].Value
		ymax := p.yTicks[len(p.yTicks)-1].Value
		x1c := math.Min(x1, ymax)
		p.lines = append(p.lines, line{name: "offered", xs: []float64{x0, x1c}, ys: []float64{x0, x1c}, color: colDesign, dash: []float64{6, 3}, width: 1})
		legend = append(legend, legendFor("throughput = offered", colDesign, []float64{6, 3}))
	}
	p.lines = append(p.lines, line{name: "throughput", xs: xs, ys: thr, color: palette[0], dots: true, width: 2.5})
	legend = append([]legendItem{legendFor("completed requests/s", palette[0], nil)}, legend...)
	caption := "Completed requests per simulated second after warm-up, mean over replications. Below the diagonal the flow loses or queues work."
	if closed {
		caption = "Closed flow: completed requests per second against the population (load)."
	}
	return newFigure("throughput", title, caption, p, legend)
}

// utilizationCharts: utilization of every station against load; one chart per kind (cpu,
// disk, other) when there are more than eight stations.
func utilizationCharts(r *sim.Result) []figure {
	names, kind := stationNames(r)
	xsAll, idx := sweepLoads(r)
	if len(names) == 0 || distinct(xsAll) < 2 {
		return []figure{noData("utilization", "Utilization against load", "the sweep has fewer than two loads or no stations")}
	}
	groups := [][]string{names}
	labels := []string{""}
	if len(names) > 8 {
		var cpu, disk, other []string
		for _, n := range names {
			switch kind[n] {
			case "cpu":
				cpu = append(cpu, n)
			case "disk":
				disk = append(disk, n)
			default:
				other = append(other, n)
			}
		}
		groups, labels = nil, nil
		for i, g := range [][]string{cpu, disk, other} {
			if len(g) > 0 {
				groups = append(groups, g)
				labels = append(labels, []string{"CPU", "disk", "other stations"}[i])
			}
		}
	}
	trig, hasTrig := utilizationTrigger(r)
	var figs []figure
	for gi, g := range groups {
		title := "Utilization against load"
		if labels[gi] != "" {
			title = "Utilization against load: " + labels[gi]
		}
		p := plot{xName: loadAxisName(r), yName: "utilization (%)"}
		var legend []legendItem
		ymax := 0.0
		var curves []curve
		for _, n := range g {
			var xs, ys []float64
			for k, i := range idx {
				s, ok := findStation(r.Sweep[i].Stations, n)
				if !ok || !finite(s.Utilization.Mean) {
					continue
				}
				xs = append(xs, xsAll[k])
				ys = append(ys, s.Utilization.Mean*100)
			}
			if len(xs) > 0 {
				curves = append(curves, curve{names: []string{n}, xs: xs, ys: ys})
			}
		}
		curves = mergeClose(curves, 0.5)
		for si, cv := range curves {
			_, hi := minMax(cv.ys)
			ymax = math.Max(ymax, hi)
			c, dash := seriesStyle(si)
			name := strings.Join(cv.names, ", ")
			p.lines = append(p.lines, line{name: name, xs: cv.xs, ys: cv.ys, color: c, dash: dash, dots: true})
			legend = append(legend, legendFor(name, c, dash))
		}
		if len(p.lines) == 0 {
			figs = append(figs, noData("utilization", title, "no utilization in the sweep"))
			continue
		}
		p.xTicks = loadTicks(r, xsAll)
		p.yTicks = niceTicks(0, math.Max(100, ymax), 5, fmtNum)
		ytop := p.yTicks[len(p.yTicks)-1].Value
		markers(r, &p, 0, ytop, &legend)
		if hasTrig {
			x0, x1 := p.xTicks[0].Value, p.xTicks[len(p.xTicks)-1].Value
			p.lines = append(p.lines, line{name: "trigger", xs: []float64{x0, x1}, ys: []float64{trig * 100, trig * 100}, color: colSLO, dash: []float64{6, 3}, width: 1.5})
			legend = append(legend, legendFor("utilization trigger "+fmtPct(trig), colSLO, []float64{6, 3}))
		}
		caption := "Time-averaged busy servers ÷ servers at each load of the sweep, mean over replications."
		if len(curves) < len(g) {
			caption += " Stations whose curves lie within half a percentage point of each other at every load share one line."
		}
		figs = append(figs, newFigure("utilization", title, caption, p, legend))
	}
	return figs
}

// curve is one line of a chart that may stand for several stations with the same values.
type curve struct {
	names  []string
	xs, ys []float64
}

// mergeClose draws stations with (almost) the same curve once: a curve joins the first
// earlier one with the same x values whose y values differ by at most tol everywhere, so
// three identical workers are one labelled line instead of three hidden under each other.
func mergeClose(cs []curve, tol float64) []curve {
	var out []curve
next:
	for _, c := range cs {
		for i := range out {
			o := &out[i]
			if len(o.xs) != len(c.xs) {
				continue
			}
			same := true
			for k := range c.xs {
				if o.xs[k] != c.xs[k] || math.Abs(o.ys[k]-c.ys[k]) > tol {
					same = false
					break
				}
			}
			if same {
				o.names = append(o.names, c.names...)
				continue next
			}
		}
		out = append(out, c)
	}
	return out
}

// nodeCPUChart: horizontal bars of each node's CPU utilization at design load with its 95 %
// interval and the utilization trigger. Bars over the trigger are red.
func nodeCPUChart(r *sim.Result) figure {
	title := "CPU utilization per node at design load"
	var names []string
	var vals []sim.Interval
	for _, n := range r.Nodes {
		if finite(n.CPUUtilization.Mean) {
			names = append(names, n.Name)
			vals = append(vals, n.CPUUtilization)
		}
	}
	if len(names) == 0 {
		return noData("node-cpu", title, "the result has no nodes")
	}
	trig, hasTrig := utilizationTrigger(r)
	// top to bottom in input order: category i sits at y = n-1-i
	rev := make([]string, len(names))
	for i, n := range names {
		rev[len(names)-1-i] = n
	}
	p := plot{xName: "CPU utilization (%)", yName: "", horizontal: true}
	p.height = 60 + 28*len(names)
	if p.height < 180 {
		p.height = 180
	}
	p.width = chartW
	xmax := 100.0
	var legend []legendItem
	over := false
	for i, v := range vals {
		y := float64(len(names) - 1 - i)
		c := palette[0]
		if hasTrig && v.Mean > trig {
			c, over = colSLO, true
		}
		p.boxes = append(p.boxes, box{x0: 0, x1: v.Mean * 100, y0: y - 0.32, y1: y + 0.32, fill: c})
		if lo, hi := v.CI95[0], v.CI95[1]; finite(lo, hi) && hi > lo {
			p.whiskers = append(p.whiskers, whisker{at: y, lo: lo * 100, hi: hi * 100, half: 0.15})
			xmax = math.Max(xmax, hi*100)
		}
		xmax = math.Max(xmax, v.Mean*100)
	}
	p.xTicks = niceTicks(0, xmax, 5, fmtNum)
	p.yTicks = categoryTicks(rev)
	legend = append(legend, legendItem{Label: "CPU utilization (bar) and 95 % interval", Color: cssColor(palette[0]), Style: "box"})
	if over {
		legend = append(legend, legendItem{Label: "above the trigger", Color: cssColor(colSLO), Style: "box"})
	}
	if hasTrig {
		lo, hi := p.yTicks[0].Value, p.yTicks[len(p.yTicks)-1].Value
		p.lines = append(p.lines, line{name: "trigger", xs: []float64{trig * 100, trig * 100}, ys: []float64{lo, hi}, color: colSLO, dash: []float64{6, 3}, width: 1.5})
		legend = append(legend, legendFor("utilization trigger "+fmtPct(trig), colSLO, []float64{6, 3}))
	}
	return newFigure("node-cpu", title, "Busy cores ÷ cores of each node's CPU station, time-averaged, mean over replications.", p, legend)
}

// storageChart: stored bytes per data node against days, each line ending where the node's
// disk is full (a dot), with one dashed line per distinct disk size.
func storageChart(r *sim.Result) figure {
	title := "Storage growth per node"
	st := r.Storage
	if st == nil || len(st.Nodes) == 0 {
		return noData("storage", title, "the result has no storage model")
	}
	// The x axis runs to twice the days until the first disk is full (capped at ten years),
	// so the nodes that fill first are readable; slower nodes run off the right edge.
	const maxDays = 3650.0
	first := math.Inf(1)
	for _, n := range st.Nodes {
		if finite(n.DaysUntilFull) && n.DaysUntilFull > 0 && n.BytesPerDay > 0 {
			first = math.Min(first, n.DaysUntilFull)
		}
	}
	if math.IsInf(first, 1) {
		return noData("storage", title, "no node's disk grows")
	}
	xTicks := niceTicks(0, math.Min(2*first, maxDays), tickCount, fmtNum)
	if len(xTicks) < 2 {
		return noData("storage", title, "no finite growth figures")
	}
	horizon := xTicks[len(xTicks)-1].Value
	p := plot{xName: "days at design load", yName: "stored bytes"}
	var legend []legendItem
	ymax := 0.0
	disks := map[float64]bool{}
	// Nodes with the same growth and disk (the three search nodes of a tier) share one line.
	type group struct {
		names []string
		n     sim.NodeStorage
	}
	var groups []group
	for _, n := range st.Nodes {
		if !finite(n.BytesPerDay, n.DiskBytes) || n.BytesPerDay <= 0 {
			continue
		}
		found := false
		for gi := range groups {
			g := &groups[gi]
			if g.n.BytesPerDay == n.BytesPerDay && g.n.DiskBytes == n.DiskBytes && g.n.DaysUntilFull == n.DaysUntilFull {
				g.names = append(g.names, n.Node)
				found = true
				break
			}
		}
		if !found {
			groups = append(groups, group{names: []string{n.Node}, n: n})
		}
	}
	for i, g := range groups {
		n := g.n
		end := horizon
		full := finite(n.DaysUntilFull) && n.DaysUntilFull <= horizon
		if full {
			end = n.DaysUntilFull
		}
		c, dash := seriesStyle(i)
		y1 := n.BytesPerDay * end
		name := strings.Join(g.names, ", ")
		p.lines = append(p.lines, line{name: name, xs: []float64{0, end}, ys: []float64{0, y1}, color: c, dash: dash})
		if full {
			p.lines = append(p.lines, line{name: name + " full", xs: []float64{end}, ys: []float64{y1}, color: c, dots: true, width: 0.1})
		}
		lbl := name + ": " + fmtBytes(n.BytesPerDay) + "/day each, full in " + fmtDays(n.DaysUntilFull)
		if len(g.names) == 1 {
			lbl = name + ": " + fmtBytes(n.BytesPerDay) + "/day, full in " + fmtDays(n.DaysUntilFull)
		}
		legend = append(legend, legendFor(lbl, c, dash))
		ymax = math.Max(ymax, y1)
		if n.DiskBytes > 0 {
			disks[n.DiskBytes] = true
		}
	}
	var sizes []float64
	for d := range disks {
		sizes = append(sizes, d)
	}
	sort.Float64s(sizes)
	for _, d := range sizes {
		ymax = math.Max(ymax, d)
	}
	if len(p.lines) == 0 {
		return noData("storage", title, "no finite growth figures")
	}
	p.xTicks = xTicks
	p.yTicks = niceTicks(0, ymax, 5, fmtBytes)
	x1 := p.xTicks[len(p.xTicks)-1].Value
	for _, d := range sizes {
		p.lines = append(p.lines, line{name: "disk", xs: []float64{0, x1}, ys: []float64{d, d}, color: colSat, dash: []float64{2, 2}, width: 1})
		legend = append(legend, legendFor("disk size "+fmtBytes(d), colSat, []float64{2, 2}))
		if w := st.Watermark; w > 0 && w < 1 {
			// the capacity rule's own limit: the data may fill a disk to the watermark only
			p.lines = append(p.lines, line{name: "watermark", xs: []float64{0, x1}, ys: []float64{w * d, w * d}, color: colSLO, dash: []float64{6, 3}, width: 1.5})
			legend = append(legend, legendFor(fmtPct(w)+" watermark of "+fmtBytes(d), colSLO, []float64{6, 3}))
		}
	}
	if days := st.RetentionDays; days > 0 && days <= x1 {
		// data older than the retention is deleted: where a node's line crosses its
		// watermark before this day, the disks cannot retain the design load
		lo, hi := p.yTicks[0].Value, p.yTicks[len(p.yTicks)-1].Value
		p.lines = append(p.lines, line{name: "retention", xs: []float64{days, days}, ys: []float64{lo, hi}, color: colSLO, dash: []float64{2, 3}, width: 1.5})
		legend = append(legend, legendFor(fmtDays(days)+" retained", colSLO, []float64{2, 3}))
	}
	caption := "Bytes stored after index overhead and replication, from an empty disk, at the design load's ingest rate."
	if st.Watermark > 0 && st.RetentionDays > 0 {
		caption += " The design load fits where every line stays below its disk's watermark up to the retention day."
	}
	caption += " Drawn for " + fmtDays(horizon) + "; the legend gives every node's time until full."
	return newFigure("storage", title, caption, p, legend)
}

// tierCharts: predicted saturation (bar with 95 % interval) beside the claimed capacity per
// tier, with the capacity as a third bar when some tier's capacity is below its saturation
// point (storage binds); and the capacity as a percentage of the claim.
func tierCharts(cmp Comparison) []figure {
	title := "Capacity and predicted saturation against claimed capacity"
	var names []string
	var tiers []TierComparison
	three := false
	for _, t := range cmp.Tiers {
		if t.Predicted != nil || t.ClaimedCapacity > 0 || t.Capacity != nil {
			names = append(names, t.Scenario)
			tiers = append(tiers, t)
			if t.Capacity != nil && (t.Predicted == nil || *t.Capacity != *t.Predicted) {
				three = true
			}
		}
	}
	if len(tiers) == 0 {
		return []figure{noData("tier-comparison", title, "no tier has a prediction or a claim")}
	}
	p := plot{xName: "tier", yName: "load"}
	ymax := 0.0
	predC, capC, claimC := palette[0], palette[1], colClaimed
	// bar slots: [saturation, claimed] or [saturation, capacity, claimed]
	slots := [][2]float64{{-0.36, -0.02}, {0.02, 0.36}}
	if three {
		slots = [][2]float64{{-0.39, -0.14}, {-0.12, 0.12}, {0.14, 0.39}}
	}
	claimSlot := slots[len(slots)-1]
	// When saturation points dwarf the capacities and claims (storage binds far below them),
	// the axis stops at twice the largest capacity or claim and taller bars are cut there.
	ref, satMax := 0.0, 0.0
	for _, t := range tiers {
		if t.Capacity != nil && finite(*t.Capacity) {
			ref = math.Max(ref, *t.Capacity)
		}
		if finite(t.ClaimedCapacity) {
			ref = math.Max(ref, t.ClaimedCapacity)
		}
		if t.Predicted != nil && finite(*t.Predicted) {
			satMax = math.Max(satMax, *t.Predicted)
		}
	}
	cut := math.Inf(1)
	if three && ref > 0 && satMax > 3*ref {
		cut = 2 * ref
	}
	for i, t := range tiers {
		x := float64(i)
		if t.Predicted != nil && finite(*t.Predicted) {
			p.boxes = append(p.boxes, box{x0: x + slots[0][0], x1: x + slots[0][1], y0: 0, y1: math.Min(*t.Predicted, cut), fill: predC})
			ymax = math.Max(ymax, math.Min(*t.Predicted, cut))
			if t.CI95 != nil && finite(t.CI95[0], t.CI95[1]) && t.CI95[1] > t.CI95[0] && t.CI95[1] <= cut {
				mid := x + (slots[0][0]+slots[0][1])/2
				p.whiskers = append(p.whiskers, whisker{at: mid, lo: t.CI95[0], hi: t.CI95[1], half: 0.05})
				ymax = math.Max(ymax, t.CI95[1])
			}
		}
		if three && t.Capacity != nil && finite(*t.Capacity) {
			p.boxes = append(p.boxes, box{x0: x + slots[1][0], x1: x + slots[1][1], y0: 0, y1: *t.Capacity, fill: capC})
			ymax = math.Max(ymax, *t.Capacity)
		}
		if t.ClaimedCapacity > 0 && finite(t.ClaimedCapacity) {
			p.boxes = append(p.boxes, box{x0: x + claimSlot[0], x1: x + claimSlot[1], y0: 0, y1: t.ClaimedCapacity, fill: claimC})
			ymax = math.Max(ymax, t.ClaimedCapacity)
		}
	}
	p.xTicks = categoryTicks(names)
	p.yTicks = niceTicks(0, ymax, 5, fmtNum)
	legend := []legendItem{{Label: "predicted saturation (95 % interval)", Color: cssColor(predC), Style: "box"}}
	if three {
		legend = append(legend, legendItem{Label: "capacity (the smaller of saturation and the storage limit)", Color: cssColor(capC), Style: "box"})
	}
	legend = append(legend, legendItem{Label: "claimed capacity (seed)", Color: cssColor(claimC), Style: "box"})
	caption := "Each tier in its own load unit; the table above gives the difference in percent."
	if !math.IsInf(cut, 1) {
		caption += " Saturation bars above " + fmtNum(cut) + " are cut at the top of the chart (the table gives their values)."
	}
	figs := []figure{newFigure("tier-comparison", title, caption, p, legend)}

	// ratio chart: only tiers with both numbers; the capacity where the tier has one
	var rn []string
	var rv []float64
	var rci [][2]float64
	for _, t := range tiers {
		if t.ClaimedCapacity <= 0 {
			continue
		}
		var v float64
		ci := [2]float64{math.NaN(), math.NaN()}
		switch {
		case t.Capacity != nil && finite(*t.Capacity):
			v = *t.Capacity
			if t.Predicted != nil && *t.Predicted == v && t.CI95 != nil {
				ci = *t.CI95
			}
		case t.Predicted != nil && finite(*t.Predicted):
			v = *t.Predicted
			if t.CI95 != nil {
				ci = *t.CI95
			}
		default:
			continue
		}
		rn = append(rn, t.Scenario)
		rv = append(rv, v/t.ClaimedCapacity*100)
		rci = append(rci, [2]float64{ci[0] / t.ClaimedCapacity * 100, ci[1] / t.ClaimedCapacity * 100})
	}
	rtitle := "Capacity as a percentage of the claimed capacity"
	if len(rn) == 0 {
		return append(figs, noData("tier-ratio", rtitle, "no tier has both a prediction and a claim"))
	}
	q := plot{xName: "tier", yName: "capacity ÷ claimed (%)"}
	ymax = 100
	for i, v := range rv {
		x := float64(i)
		c := palette[2]
		if v < 100 {
			c = colSLO
		}
		q.boxes = append(q.boxes, box{x0: x - 0.3, x1: x + 0.3, y0: 0, y1: v, fill: c})
		ymax = math.Max(ymax, v)
		if finite(rci[i][0], rci[i][1]) && rci[i][1] > rci[i][0] {
			q.whiskers = append(q.whiskers, whisker{at: x, lo: rci[i][0], hi: rci[i][1], half: 0.08})
			ymax = math.Max(ymax, rci[i][1])
		}
	}
	q.xTicks = categoryTicks(rn)
	q.yTicks = niceTicks(0, ymax, 5, fmtNum)
	x0, x1 := q.xTicks[0].Value, q.xTicks[len(q.xTicks)-1].Value
	q.lines = append(q.lines, line{name: "claim", xs: []float64{x0, x1}, ys: []float64{100, 100}, color: colSat, dash: []float64{6, 3}, width: 1.5})
	legend = []legendItem{
		{Label: "model carries at least the claim", Color: cssColor(palette[2]), Style: "box"},
		{Label: "model carries less than the claim", Color: cssColor(colSLO), Style: "box"},
		legendFor("100 % = claimed capacity", colSat, []float64{6, 3}),
	}
	return append(figs, newFigure("tier-ratio", rtitle, "Bars: capacity (or, without one, the predicted saturation) ÷ claimed capacity; whiskers: the saturation point's 95 % interval where performance binds.", q, legend))
}
