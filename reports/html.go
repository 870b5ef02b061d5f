package reports

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/capsim/capsim/sim"
)

//go:embed templates/report.html.tmpl templates/report.css
var templateFS embed.FS

var reportTmpl = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	// css embeds the stylesheet; it is ours, never scenario text.
	"css": func() template.CSS {
		b, _ := templateFS.ReadFile("templates/report.css")
		return template.CSS(b) //nolint:gosec // constant stylesheet from the binary
	},
}).ParseFS(templateFS, "templates/report.html.tmpl"))

// WriteHTML writes one self-contained report.html for the results: inline CSS, inline SVG
// charts, no script, no external resource. With more than one result a tier-comparison
// section (predicted saturation against claimed capacity, difference in percent) comes first,
// then each result in input order. Everything taken from the scenario (names, descriptions,
// assumptions, notes) is escaped by html/template; text inside the SVG charts is escaped as
// XML. Charts whose data are degenerate (fewer than two loads, NaN, Inf) are replaced by a
// short note. The output depends only on the results, so it is byte-stable.
// Errors: ErrNoResults for an empty slice or a nil entry; a write error from w.
func WriteHTML(w io.Writer, results []*sim.Result) error {
	if len(results) == 0 {
		return ErrNoResults
	}
	pg := page{}
	for i, r := range results {
		if r == nil {
			return fmt.Errorf("%w: result %d is nil", ErrNoResults, i)
		}
		pg.Tiers = append(pg.Tiers, buildTier(r, i))
	}
	if len(results) > 1 {
		cmp, _ := Compare(results) // cannot fail: results checked above
		pg.Comparison = buildComparison(cmp)
		pg.Title = "capsim capacity report: " + fmtNum(float64(len(results))) + " tiers compared"
	} else {
		t := results[0].Title
		if t == "" {
			t = results[0].Scenario
		}
		pg.Title = "capsim capacity report: " + t
	}
	var buf bytes.Buffer
	if err := reportTmpl.Execute(&buf, pg); err != nil {
		return fmt.Errorf("reports: render HTML: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("reports: write HTML: %w", err)
	}
	return nil
}

type page struct {
	Title      string
	Comparison *comparisonView
	Tiers      []tierView
}

type kv struct {
	Label, Value string
	// Class: "" , "ok", "bad" or "warn".
	Class string
}

type comparisonView struct {
	// Answer is "which tier for this load" when every tier ran at one load (nil otherwise).
	Answer  *answerView
	Figures []figure
	Rows    []comparisonRow
	// HasNMinus1, HasAvailability, HasFailures: some tier has them (the columns are shown).
	HasNMinus1, HasAvailability, HasFailures bool
}

type comparisonRow struct {
	Anchor, Scenario, Title                     string
	Design, Claimed, Predicted, CI, Diff, Bound string
	Capacity, CapacityBy, SatDiff               string
	DiffClass                                   string
	Bottleneck, Headroom                        string
	SLOMet                                      bool
	NMinus1, NMinus1Sub, Avail, AvailSub        string
	Failures                                    string
	NMinus1Class, FailuresClass                 string
}

type tierView struct {
	Anchor                          string
	Scenario, Title, File, Desc     string
	Verdict                         string
	VerdictOK                       bool
	Summary                         []kv
	Violations                      []string
	Advice                          []adviceRow
	Triggers                        []triggerRow
	Flows                           []flowRow
	FlowFigures                     []flowFigures
	UtilFigures                     []figure
	NodeFigure, StorageFigure       *figure
	Stations                        []stationRow
	Nodes                           []nodeRow
	Storage                         *storageView
	Sweep                           []sweepRow
	CPU                             *cpuView
	Assumptions                     []sim.Assumption
	Overrides                       []string
	Miniature                       string // "" unless the result is a miniature's prediction
	Sources                         []sim.Citation
	Settings                        []kv
	Precision                       string // precisionText
	PrecisionOK                     bool
	Notes                           []string
	LoadUnit                        string
	HasAnalyticFlow, HasAnalyticSta bool
	Failures                        *failuresView
	NMinus1                         *nMinus1View
	Availability                    *availabilityView
}

// cpuView is the model's CPU per event beside the seed's sizing (sim.CPUPerEvent).
type cpuView struct {
	Sentence string
	Class    string // "bad" when the model's costs exceed the seed's budget
	Flows    []cpuRow
	Seed     *cpuSeedRow
	Total    string
}

type cpuRow struct{ Name, Rate, Events, PerRequest, PerEvent string }

type cpuSeedRow struct{ Cores, Load, Events, PerEvent, Source string }

func buildCPU(c *sim.CPUPerEvent, load func(float64) string) *cpuView {
	if c == nil {
		return nil
	}
	v := &cpuView{Sentence: c.String(), Total: fmtMS(c.ModelMS)}
	for _, f := range c.Flows {
		v.Flows = append(v.Flows, cpuRow{Name: f.Name, Rate: fmtNum(f.RequestsPerS), Events: fmtNum(f.EventsPerRequest),
			PerRequest: fmtMS(f.CPUMSPerRequest), PerEvent: fmtMS(f.CPUMSPerEvent)})
	}
	if sd := c.Seed; sd != nil {
		v.Seed = &cpuSeedRow{Cores: fmtNum(sd.Cores), Load: load(sd.Load), Events: fmtNum(sd.EventsPerS), PerEvent: fmtMS(sd.MS), Source: sd.Source}
		if c.Ratio > 1 {
			v.Class = "bad"
		}
	}
	return v
}

type flowFigures struct {
	Name                string
	Latency, Throughput figure
}

type adviceRow struct{ Change, Saturation, Gain, Bottleneck, Class, Note string }

type triggerRow struct {
	Name, Subject, Value, Threshold, Source string
	Fired                                   bool
}

// cell is a table cell holding an estimate: the mean, and its 95 % interval shown under it
// in small type (empty with one replication).
type cell struct{ V, CI string }

func fmtCell(iv sim.Interval, f func(float64) string) cell {
	if iv.CI95 == [2]float64{} && iv.Mean != 0 { // no interval recorded
		return cell{V: f(iv.Mean)}
	}
	return cell{V: f(iv.Mean), CI: fmtCI(iv.CI95, f)}
}

type flowRow struct {
	Name, Offered, Events, Target, Drop, Analytic string
	Throughput, Mean, P50, P95, P99               cell
	SLOClass                                      string
}

type stationRow struct {
	Name, Kind, Node, Servers, AUtil, AW, Drops string
	Util, Queue, L, Lambda, W                   cell
	UtilClass                                   string
}

type nodeRow struct {
	Name, Role, Cores, Memory, Components string
	CPU, Disk                             cell
	CPUClass                              string
}

type storageView struct {
	Summary []kv
	Nodes   []storageRow
}

type storageRow struct{ Node, PerDay, Disk, Days string }

type sweepRow struct {
	Load, Verdict, Violations string
	OK, Stable                bool
}

// answerView is the tier choice: the headline, then every tier smallest first with why it
// does not fit.
type answerView struct {
	Headline string
	OK       bool
	Rows     []answerRow
}

type answerRow struct {
	Anchor, Scenario, Cores, Headroom, Why string
	Fits, Chosen                           bool
}

func buildAnswer(c Comparison) *answerView {
	ch := c.Choice
	if ch == nil {
		return nil
	}
	anchor := map[string]string{}
	for i, t := range c.Tiers {
		anchor[t.Scenario] = tierAnchor(i)
	}
	a := &answerView{Headline: ch.Headline(fmtNum), OK: ch.Chosen != ""}
	for _, f := range ch.Tiers {
		row := answerRow{Anchor: anchor[f.Scenario], Scenario: f.Scenario, Cores: fmtNum(float64(f.Cores)), Headroom: "–",
			Why: strings.Join(f.Why, "; "), Fits: f.Fits, Chosen: f.Scenario == ch.Chosen}
		if f.CapacityHeadroomPercent != nil {
			row.Headroom = fmtSignedPercent(*f.CapacityHeadroomPercent)
			if f.HeadroomTargetPercent > 0 {
				row.Headroom += " (wanted " + fmtPercent(f.HeadroomTargetPercent) + ")"
			}
		}
		a.Rows = append(a.Rows, row)
	}
	return a
}

func buildComparison(c Comparison) *comparisonView {
	v := &comparisonView{Answer: buildAnswer(c), Figures: tierCharts(c)}
	for i, t := range c.Tiers {
		unit := t.LoadUnit
		row := comparisonRow{
			Anchor: tierAnchor(i), Scenario: t.Scenario, Title: t.Title,
			Design: withUnit(fmtNum(t.DesignLoad), unit), Claimed: "–", Predicted: "–", CI: "–", Diff: "–",
			Bottleneck: t.Bottleneck, Headroom: fmtPercent(t.HeadroomPercent), SLOMet: t.SLOMet,
		}
		if t.ClaimedCapacity > 0 {
			row.Claimed = withUnit(fmtNum(t.ClaimedCapacity), unit)
		}
		if t.Predicted != nil {
			row.Predicted = withUnit(fmtNum(*t.Predicted), unit)
			if !t.Bounded {
				row.Predicted = "≥ " + row.Predicted
				row.Bound = "SLO still met at the search maximum"
			}
			row.Headroom = fmtPercent(t.HeadroomPercent)
		} else {
			row.Headroom = "–"
		}
		if t.CI95 != nil {
			if ci := fmtCI(*t.CI95, fmtNum); ci != "" {
				row.CI = ci
			}
		}
		row.Capacity = "–"
		if t.Capacity != nil {
			row.Capacity = withUnit(fmtNum(*t.Capacity), unit)
			if t.CapacityBinds != "" {
				row.CapacityBy = "limited by " + string(t.CapacityBinds)
			}
		}
		if t.DifferencePercent != nil {
			row.Diff = fmtSignedPercent(*t.DifferencePercent)
			row.DiffClass = "ok"
			if *t.DifferencePercent < 0 {
				row.DiffClass = "bad"
			}
		}
		if t.SaturationDifferencePercent != nil {
			row.SatDiff = "saturation " + fmtSignedPercent(*t.SaturationDifferencePercent)
		}
		row.NMinus1, row.Avail, row.Failures = "–", "–", "–"
		if t.SurvivesNMinus1 != nil {
			v.HasNMinus1 = true
			row.NMinus1, row.NMinus1Class = "yes", "ok"
			if !*t.SurvivesNMinus1 {
				row.NMinus1, row.NMinus1Class = "no", "bad"
			}
			if t.NMinus1WorstFraction != nil {
				row.NMinus1Sub = "worst: " + t.NMinus1Worst + " at " + fmtPct(*t.NMinus1WorstFraction) + " of design"
			}
		}
		if t.Availability != nil {
			v.HasAvailability = true
			row.Avail, row.AvailSub = fmtAvail(*t.Availability), t.AvailabilityTier
		}
		if t.Failures > 0 {
			v.HasFailures = true
			rto, rpo := 0, 0
			if t.RTOMet != nil {
				rto = *t.RTOMet
			}
			if t.RPOMet != nil {
				rpo = *t.RPOMet
			}
			row.Failures = "RTO " + fmtNum(float64(rto)) + "/" + fmtNum(float64(t.Failures)) +
				", RPO " + fmtNum(float64(rpo)) + "/" + fmtNum(float64(t.Failures))
			row.FailuresClass = "ok"
			if rto < t.Failures || rpo < t.Failures {
				row.FailuresClass = "bad"
			}
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

func tierAnchor(i int) string { return "tier-" + strconv.Itoa(i+1) }

func buildTier(r *sim.Result, i int) tierView {
	t := tierView{
		Anchor: tierAnchor(i), Scenario: r.Scenario, Title: r.Title, File: r.File, Desc: r.Description,
		Violations: r.Violations, Assumptions: r.Assumptions, Sources: r.Sources, Notes: r.Notes,
		LoadUnit: r.LoadUnit, Overrides: r.Settings.Overrides,
	}
	// a what-if changes values the file's assumption table states: the overrides come first
	if len(r.Settings.Overrides) > 0 {
		t.Assumptions = nil
		for _, o := range r.Settings.Overrides {
			k, v, _ := strings.Cut(o, "=")
			t.Assumptions = append(t.Assumptions, sim.Assumption{What: "What-if override of " + k, Value: v, Source: "command line (--set " + o + "); replaces the file's value and any assumption below that states it"})
		}
		t.Assumptions = append(t.Assumptions, r.Assumptions...)
	}
	if t.Title == "" {
		t.Title = r.Scenario
	}
	t.Verdict, t.VerdictOK = verdict(r)
	unit := r.LoadUnit
	if unit == "" {
		unit = r.LoadVariable
	}
	load := func(v float64) string { return withUnit(fmtNum(v), unit) }

	// summary
	t.Summary = append(t.Summary, kv{Label: "Design load", Value: load(r.DesignLoad)})
	capa, hasCap := capacityOf(r)
	if hasCap {
		v := load(capa.Value)
		if !capa.Bounded {
			v = "≥ " + v
		}
		if ci := fmtCI(capa.CI, fmtNum); ci != "" {
			v += " (95 %: " + ci + ")"
		}
		k := kv{Label: "Capacity", Value: v, Class: "ok"}
		if r.DesignLoad > 0 && capa.Value < r.DesignLoad {
			k.Class = "bad"
		}
		t.Summary = append(t.Summary, k)
		lim := capa.kindWord()
		if capa.Reason != "" {
			lim += ": " + capa.Reason
		}
		t.Summary = append(t.Summary, kv{Label: "Capacity limited by", Value: lim})
	}
	if s := r.Saturation; s != nil {
		val := load(s.Value)
		if ci := fmtCI(s.CI95, fmtNum); ci != "" {
			val += " (95 %: " + ci + ")"
		}
		if !s.Bounded {
			val = "≥ " + load(s.Value) + " (SLO met at the search maximum)"
		}
		lbl := "Saturation point"
		if hasCap {
			lbl = "Performance saturation"
		}
		t.Summary = append(t.Summary, kv{Label: lbl, Value: val})
		if s.Limit != "" {
			t.Summary = append(t.Summary, kv{Label: "Saturation limited by", Value: s.Limit})
		}
		if finite(s.AnalyticBound) && s.AnalyticBound > 0 {
			t.Summary = append(t.Summary, kv{Label: "Utilization-law bound", Value: load(s.AnalyticBound)})
		}
		// the headroom that counts is on every limit (Verdict.HeadroomPercent)
		vd := r.Verdict()
		h := kv{Label: "Headroom", Value: fmtPercent(r.HeadroomPercent), Class: "ok"}
		if hasCap && capa.Storage {
			h.Value = fmtPercent(vd.HeadroomPercent) + " on storage, " + fmtPercent(r.HeadroomPercent) + " on performance"
		}
		if r.HeadroomTarget > 0 {
			h.Value += " (target " + fmtPercent(r.HeadroomTarget) + ")"
		}
		if vd.HeadroomShort || vd.HeadroomPercent < 0 {
			h.Class = "bad"
		}
		t.Summary = append(t.Summary, h)
	}
	if st := storageLimitText(r.Storage, load); st != "" {
		t.Summary = append(t.Summary, kv{Label: "Storage-limited capacity", Value: st})
	}
	if r.ClaimedCapacity > 0 {
		c := kv{Label: "Claimed capacity", Value: load(r.ClaimedCapacity)}
		if d, ok := r.CapacityClaimDifference(); ok {
			c.Value += " (capacity " + fmtSignedPercent(d) + ")"
			c.Class = "ok"
			if d < 0 {
				c.Class = "bad"
			}
		} else if d, ok := r.SaturationClaimDifference(); ok {
			c.Value += " (model " + fmtSignedPercent(d) + ")"
		}
		t.Summary = append(t.Summary, c)
	}
	if t.CPU = buildCPU(r.CPUPerEvent, load); t.CPU != nil {
		t.Summary = append(t.Summary, kv{Label: "CPU per event", Value: t.CPU.Sentence, Class: t.CPU.Class})
	}
	if r.Bottleneck != "" {
		t.Summary = append(t.Summary, kv{Label: "Bottleneck", Value: r.Bottleneck})
	}
	for _, f := range r.Flows {
		k := kv{Label: "P95 of " + f.Name + " at design", Value: fmtMS(f.LatencyMS.P95.Mean)}
		if f.P95TargetMS > 0 {
			k.Value += " (SLO " + fmtMS(f.P95TargetMS) + ")"
			k.Class = "ok"
			if !f.SLOMet {
				k.Class = "bad"
			}
		}
		t.Summary = append(t.Summary, k)
	}
	slo := kv{Label: "SLO met at design load", Value: "yes", Class: "ok"}
	if !r.SLOMet {
		slo.Value, slo.Class = "no", "bad"
	}
	t.Summary = append(t.Summary, slo)

	// advice
	for _, a := range r.Advice {
		row := adviceRow{Change: a.Change, Saturation: load(a.Saturation), Gain: fmtSignedPercent(a.GainPercent), Bottleneck: a.Bottleneck}
		switch {
		case a.GainPercent > 0:
			row.Class = "ok"
		case a.GainPercent < 0:
			row.Class, row.Note = "bad", "not advised: lowers the saturation point"
		}
		t.Advice = append(t.Advice, row)
	}
	// triggers
	// fired triggers first, each group in the result's order
	trs := append([]sim.Trigger(nil), r.Triggers...)
	sort.SliceStable(trs, func(i, j int) bool { return trs[i].Fired && !trs[j].Fired })
	for _, tr := range trs {
		f := fmtNum
		if tr.Threshold > 0 && tr.Threshold <= 1 {
			f = fmtPct
		}
		t.Triggers = append(t.Triggers, triggerRow{Name: tr.Name, Subject: tr.Subject, Value: f(tr.Value),
			Threshold: f(tr.Threshold), Fired: tr.Fired, Source: tr.Source})
	}
	// flows
	for _, f := range r.Flows {
		row := flowRow{
			Name: f.Name, Offered: "closed", Throughput: fmtCell(f.ThroughputPerS, fmtNum),
			Events: fmtNum(f.EventsPerS), Mean: fmtCell(f.LatencyMS.Mean, fmtNum),
			P50: fmtCell(f.LatencyMS.P50, fmtNum), P95: fmtCell(f.LatencyMS.P95, fmtNum),
			P99: fmtCell(f.LatencyMS.P99, fmtNum), Target: "–", Drop: fmtPct(f.DropRatio.Mean), Analytic: "–",
		}
		if f.OfferedPerS > 0 {
			row.Offered = fmtNum(f.OfferedPerS)
		}
		if f.P95TargetMS > 0 {
			row.Target = fmtNum(f.P95TargetMS)
			row.SLOClass = "ok"
			if !f.SLOMet {
				row.SLOClass = "bad"
			}
		}
		if f.AnalyticMeanMS != nil {
			row.Analytic = fmtNum(*f.AnalyticMeanMS)
			t.HasAnalyticFlow = true
		}
		t.Flows = append(t.Flows, row)
	}
	trig, hasTrig := utilizationTrigger(r)
	for _, s := range r.Stations {
		row := stationRow{
			Name: s.Name, Kind: s.Kind, Node: s.Node, Servers: fmtNum(float64(s.Servers)),
			Util: fmtCell(mul(s.Utilization, 100), fmtPercentNum), Queue: fmtCell(s.MeanQueueLength, fmtNum),
			L: fmtCell(s.MeanInSystem, fmtNum), Lambda: fmtCell(s.ThroughputPerS, fmtNum),
			W: fmtCell(s.MeanResponseMS, fmtNum), AUtil: fmtPct(s.AnalyticUtilization), AW: "–",
			Drops: fmtNum(s.Drops),
		}
		if s.AnalyticMeanResponseMS != nil {
			row.AW = fmtNum(*s.AnalyticMeanResponseMS)
			t.HasAnalyticSta = true
		}
		if hasTrig && s.Utilization.Mean > trig {
			row.UtilClass = "bad"
		}
		if s.Name == r.Bottleneck {
			row.UtilClass += " bottleneck"
		}
		t.Stations = append(t.Stations, row)
	}
	for _, n := range r.Nodes {
		row := nodeRow{
			Name: n.Name, Role: n.Role, Cores: fmtNum(float64(n.Cores)),
			CPU: fmtCell(mul(n.CPUUtilization, 100), fmtPercentNum), Disk: fmtCell(mul(n.DiskUtilization, 100), fmtPercentNum),
			Memory: "–", Components: strings.Join(n.Components, ", "),
		}
		if n.CPULimit > 0 {
			// CPU % is then against the limit (a CFS quota)
			row.Cores += " (limit " + fmtNum(n.CPULimit) + ")"
		}
		if n.MemoryBytes > 0 {
			row.Memory = fmtIEC(n.MemoryUsedBytes) + " of " + fmtIEC(n.MemoryBytes) + " (" + fmtPct(n.MemoryUsedBytes/n.MemoryBytes) + ")"
		}
		if hasTrig && n.CPUUtilization.Mean > trig {
			row.CPUClass = "bad"
		}
		t.Nodes = append(t.Nodes, row)
	}
	if st := r.Storage; st != nil {
		sv := &storageView{Summary: []kv{
			{Label: "Ingest at design load", Value: fmtNum(st.EventsPerS) + " events/s"},
			{Label: "Raw bytes per month", Value: fmtBytes(st.RawBytesPerMonth)},
			{Label: "Stored per month (index overhead and replicas)", Value: fmtBytes(st.StoredBytesPerMonth)},
		}}
		for _, n := range st.Nodes {
			sv.Nodes = append(sv.Nodes, storageRow{Node: n.Node, PerDay: fmtBytes(n.BytesPerDay), Disk: fmtBytes(n.DiskBytes), Days: fmtDays(n.DaysUntilFull)})
		}
		t.Storage = sv
	}
	for _, p := range r.Sweep {
		row := sweepRow{Load: load(p.Load), OK: p.SLOMet, Stable: p.Stable, Violations: strings.Join(p.Violations, "; ")}
		switch {
		case !p.Stable:
			row.Verdict = "unstable"
		case p.SLOMet:
			row.Verdict = "SLO met"
		default:
			row.Verdict = "SLO breached"
		}
		t.Sweep = append(t.Sweep, row)
	}
	st := r.Settings
	t.Settings = []kv{
		{Label: "Seed", Value: strconv.FormatUint(st.Seed, 10)},
		{Label: "Replications", Value: fmtNum(float64(st.Replications))},
		{Label: "Simulated duration", Value: fmtNum(st.DurationS) + " s"},
		{Label: "Warm-up discarded", Value: fmtNum(st.WarmupS) + " s"},
		{Label: "Kernel events", Value: fmtNum(float64(st.Events))},
	}
	if w := warmupText(r); w != "" {
		t.Settings[3].Value = w
	}
	t.Precision, t.PrecisionOK = precisionText(r)
	if st.FailureDurationS > 0 {
		t.Settings = append(t.Settings[:3:3], append([]kv{{Label: "Failure runs simulated", Value: fmtNum(st.FailureDurationS) + " s each"}}, t.Settings[3:]...)...)
	}
	if r.File != "" {
		t.Settings = append(t.Settings, kv{Label: "Scenario file", Value: r.File})
	}
	if len(st.Overrides) > 0 {
		t.Settings = append(t.Settings, kv{Label: "What-if overrides", Value: strings.Join(st.Overrides, ", ")})
	}
	if mo := st.Miniature; mo != nil {
		t.Miniature = fmt.Sprintf("scale %s, containers pinned to %d CPU(s)", fmtNum(mo.Scale), mo.PinnedCPUs)
		t.Settings = append(t.Settings, kv{Label: "Cluster miniature", Value: t.Miniature})
	}

	t.Failures = buildFailures(r, t.Anchor)
	t.NMinus1 = buildNMinus1(r)
	t.Availability = buildAvailability(r)

	// charts
	for _, name := range flowNames(r) {
		t.FlowFigures = append(t.FlowFigures, flowFigures{Name: name, Latency: latencyChart(r, name), Throughput: throughputChart(r, name)})
	}
	t.UtilFigures = utilizationCharts(r)
	if len(r.Nodes) > 0 {
		f := nodeCPUChart(r)
		t.NodeFigure = &f
	}
	if r.Storage != nil {
		f := storageChart(r)
		t.StorageFigure = &f
	}
	return t
}

func mul(iv sim.Interval, k float64) sim.Interval {
	return sim.Interval{Mean: iv.Mean * k, CI95: [2]float64{iv.CI95[0] * k, iv.CI95[1] * k}}
}

// fmtPercentNum formats a value already in percent without the sign, for intervals
// ("72 (70–74)") followed by a "%" column header.
func fmtPercentNum(p float64) string {
	s := fmtPercent(p)
	return strings.TrimSuffix(s, " %")
}
