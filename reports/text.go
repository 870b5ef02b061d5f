package reports

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	humanize "github.com/dustin/go-humanize"

	"github.com/capsim/capsim/sim"
)

// TextOptions are what the terminal summary says beyond the result: where the report was
// written and how long the run took (wall time).
type TextOptions struct {
	// Report is the path of the result's report.html, printed on the last line.
	Report string
	// Took is the wall time of the simulation, printed beside the event count.
	Took time.Duration
}

// WriteText writes the terminal summary of one result (what `capsim run` prints): design
// load, saturation with its interval, the binding limit and the headroom, each flow's P95
// against its target, precision and warm-up, triggers, advice, capacity against the claim,
// the model's CPU per event against the seed's sizing, storage, failures, N-1, availability and the verdict of Result.Verdict. Names and titles
// from the scenario go through TerminalSafe. Figures are rounded by textNum. It fails on a
// nil Result and on the first write error.
func WriteText(w io.Writer, r *sim.Result, o TextOptions) error {
	if r == nil {
		return ErrNoResults
	}
	ew := &errWriter{w: w}
	writeText(ew, r, o)
	return ew.err
}

// WriteComparisonText writes the terminal comparison of several results (what `capsim run`
// prints after them): the tier to choose when sim.ChooseTier finds one, then one row per
// result (design load, saturation, capacity, claimed capacity and their difference, the
// limit), then report, the path of the comparison's report.html.
func WriteComparisonText(w io.Writer, rs []*sim.Result, report string) error {
	if len(rs) == 0 {
		return ErrNoResults
	}
	for _, r := range rs {
		if r == nil {
			return ErrNoResults
		}
	}
	ew := &errWriter{w: w}
	writeComparisonText(ew, rs, report)
	return ew.err
}

// errWriter keeps the first write error and writes nothing after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// textNum formats a figure for the terminal: rounded (half away from zero, never truncated) to 2
// decimals below 10, 1 below 100 and none above, with thousands separators and without
// trailing zeros: 0.79985 → "0.8", 70538.6 → "70,539".
func textNum(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	digits := 0
	switch a := math.Abs(x); {
	case a < 10:
		digits = 2
	case a < 100:
		digits = 1
	}
	p := math.Pow(10, float64(digits))
	r := math.Round(x*p) / p
	if r == 0 {
		r = 0 // no "-0"
	}
	s := strconv.FormatFloat(r, 'f', digits, 64)
	if digits > 0 {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

func writeText(w io.Writer, r *sim.Result, o TextOptions) {
	v := r.Verdict()
	title := TerminalSafe(r.Scenario, false)
	if r.Title != "" {
		title += " — " + TerminalSafe(r.Title, false)
	}
	fmt.Fprintf(w, "\n%s\n", title)
	if mo := r.Settings.Miniature; mo != nil {
		fmt.Fprintf(w, "  %-16s scale %.4g on %d pinned CPU(s): node CPUs are CFS quotas of cores × scale, load × scale\n", "miniature", mo.Scale, mo.PinnedCPUs)
	}
	unit := r.LoadUnit
	fmt.Fprintf(w, "  %-16s %s %s\n", "design load", textNum(r.DesignLoad), unit)
	if s := r.Saturation; s != nil {
		bound := ""
		if !s.Bounded {
			bound = " (SLO still met at the search maximum: a lower bound)"
		}
		fmt.Fprintf(w, "  %-16s %s %s (95%% CI %s–%s)%s\n", "saturation", textNum(s.Value), unit, textNum(s.CI95[0]), textNum(s.CI95[1]), bound)
		if s.Limit != "" {
			fmt.Fprintf(w, "  %-16s %s\n", "limited by", s.Limit)
		}
		// headroom of the tier's capacity (the smaller of performance and storage)
		what := "performance"
		if b := r.CapacityBinds; b != nil && b.Binds == sim.LimitStorage {
			what = fmt.Sprintf("storage-limited; performance alone %+.0f %%", r.HeadroomPercent)
		}
		tgt := ""
		if r.HeadroomTarget > 0 {
			tgt = fmt.Sprintf(", target %.0f %%: %s", r.HeadroomTarget, map[bool]string{true: "NOT met", false: "met"}[v.HeadroomShort])
		}
		fmt.Fprintf(w, "  %-16s %+.1f %% (%s%s)\n", "headroom", v.HeadroomPercent, what, tgt)
	}
	fmt.Fprintf(w, "  %-16s %s\n", "bottleneck", r.Bottleneck)
	for i, f := range r.Flows {
		label := ""
		if i == 0 {
			label = "P95 at design"
		}
		verdict := ""
		if f.P95TargetMS > 0 {
			verdict = fmt.Sprintf(" (SLO %s ms) ok", textNum(f.P95TargetMS))
			if !f.SLOMet {
				verdict = fmt.Sprintf(" (SLO %s ms) BREACHED", textNum(f.P95TargetMS))
			}
		}
		an := ""
		if f.AnalyticMeanMS != nil {
			an = fmt.Sprintf("; analytic mean %s ms", textNum(*f.AnalyticMeanMS))
		}
		fmt.Fprintf(w, "  %-16s %-12s %s ms (±%s)%s, mean %s ms (±%s), %s req/s%s\n", label, TerminalSafe(f.Name, false), textNum(f.LatencyMS.P95.Mean),
			textNum((f.LatencyMS.P95.CI95[1]-f.LatencyMS.P95.CI95[0])/2), verdict, textNum(f.LatencyMS.Mean.Mean),
			textNum((f.LatencyMS.Mean.CI95[1]-f.LatencyMS.Mean.CI95[0])/2), textNum(f.ThroughputPerS.Mean), an)
	}
	writePrecisionText(w, r)
	var fired []string
	for _, t := range r.Triggers {
		if t.Fired {
			fired = append(fired, fmt.Sprintf("%s: %s %s > %s", t.Name, t.Subject, textNum(t.Value), textNum(t.Threshold)))
		}
	}
	if len(fired) == 0 {
		fmt.Fprintf(w, "  %-16s none\n", "triggers firing")
	} else {
		for i, t := range fired {
			label := ""
			if i == 0 {
				label = "triggers firing"
			}
			fmt.Fprintf(w, "  %-16s %s\n", label, t)
		}
	}
	// advice that lowers the saturation point is listed apart, as what not to do
	for _, good := range []bool{true, false} {
		label := "advice"
		if !good {
			label = "not advised"
		}
		for _, a := range r.Advice {
			if (a.GainPercent >= 0) != good {
				continue
			}
			lowers := ""
			if !good {
				lowers = ": lowers the saturation point"
			}
			fmt.Fprintf(w, "  %-16s %s → saturation %s %s (%+.0f %%)%s, then %s\n", label, a.Change, textNum(a.Saturation), unit, a.GainPercent, lowers, a.Bottleneck)
			label = ""
		}
	}
	if r.Capacity > 0 {
		fmt.Fprintf(w, "  %-16s %s %s, limited by %s\n", "capacity", textNum(r.Capacity), unit, r.CapacityLimit)
	}
	if d, ok := r.CapacityClaimDifference(); ok {
		fmt.Fprintf(w, "  %-16s %s %s; predicted capacity %s (%+.0f %%)\n", "seed claims", textNum(r.ClaimedCapacity), unit, textNum(r.Capacity), d)
	}
	if c := r.CPUPerEvent; c != nil {
		fmt.Fprintf(w, "  %-16s %s\n", "CPU per event", TerminalSafe(c.String(), false))
	}
	if st := r.Storage; st != nil {
		fmt.Fprintf(w, "  %-16s %s/month raw, %s/month stored", "storage", humanize.Bytes(uint64(st.RawBytesPerMonth)), humanize.Bytes(uint64(st.StoredBytesPerMonth)))
		if n, ok := st.FillsFirst(); ok {
			fmt.Fprintf(w, "; %s full in %.0f days", n.Node, n.DaysUntilFull)
		}
		fmt.Fprintln(w)
	}
	for i, f := range r.Failures {
		if i == 0 {
			fmt.Fprintf(w, "  failures (%d replications; RTO target < 5 min, RPO target < 1 min, seed 001)\n", r.Settings.Replications)
		}
		rto := fmt.Sprintf("%s s", textNum(f.RTOS.Mean))
		if !f.Recovered {
			rto = fmt.Sprintf("> %s s (not recovered in the run)", textNum(f.RTOS.Mean))
		}
		ok := func(b bool) string {
			if b {
				return "met"
			}
			return "NOT met"
		}
		det := "detected after " + textNum(f.DetectionS.Mean) + " s"
		if !f.Detected {
			det = "never detected"
		}
		degraded := ""
		if f.DegradedSaturation > 0 {
			degraded = fmt.Sprintf("  saturation while down %s %s", textNum(f.DegradedSaturation), unit)
		}
		fmt.Fprintf(w, "    %-34s at %4.0fs  %s  RTO %s (%s)  RPO %s writes (%s)  lost %s  dropped %s  duplicated %s events  failed %s req  peak P95 %s ms  drain %s s%s\n",
			f.Name, f.AtS, det, rto, ok(f.RTOMet), textNum(f.RPOEvents.Mean), ok(f.RPOMet), textNum(f.LostEvents.Mean), textNum(f.DroppedEvents.Mean), textNum(f.DuplicatedEvents.Mean), textNum(f.FailedRequests.Mean), textNum(f.PeakP95MS.Mean), textNum(f.DrainS.Mean), degraded)
	}
	if v.NMinus1 {
		fmt.Fprintf(w, "  %-16s survives the loss of any one node: %s (worst: %s, capacity %.0f %% of design load)\n", "N-1", map[bool]string{true: "yes", false: "NO"}[v.SurvivesNMinus1], v.WorstNMinus1.Node, v.WorstNMinus1.FractionOfDesign*100)
		for _, row := range r.NMinus1 {
			why := ""
			if row.Why != "" {
				why = " — " + row.Why
			}
			stor := ""
			if row.StorageCapacity > 0 {
				stor = fmt.Sprintf(", storage %s %s", textNum(row.StorageCapacity), unit)
			}
			fmt.Fprintf(w, "    %-20s %-12s %-9s saturation %s %s%s (capacity %.0f %% of design)%s\n", row.Node, row.Role, map[bool]string{true: "survives", false: "FAILS"}[row.Survives], textNum(row.Saturation), unit, stor, row.FractionOfDesign*100, why)
		}
	}
	if a := r.Availability; a != nil {
		fmt.Fprintf(w, "  %-16s %.4f %% (95%% CI %.4f–%.4f), %.1f h down per year: %s\n", "availability", a.Availability.Mean*100, a.Availability.CI95[0]*100, a.Availability.CI95[1]*100, a.DowntimePerYearH, a.Tier)
	}
	fmt.Fprintf(w, "  %-16s %s\n", "verdict", verdictLine(r, v))
	fmt.Fprintf(w, "  %-16s %s (%s events simulated in %s)\n", "report", o.Report, humanize.Comma(r.Settings.Events), o.Took.Round(time.Millisecond))
}

// verdictLine is the summary's verdict: the SLO verdict at design load (the exit status
// follows it), then what else Result.Verdict finds wrong, as the report's verdict does.
func verdictLine(r *sim.Result, v sim.Verdict) string {
	s := "SLO holds at design load"
	if !v.SLOMet {
		s = "SLO BREACHED at design load: " + strings.Join(r.Violations, "; ")
	}
	var also []string
	if v.SLOMet && v.CapacityBelowDesign {
		also = append(also, "capacity below the design load")
	}
	if v.SLOMet && v.HeadroomShort && !v.CapacityBelowDesign {
		also = append(also, fmt.Sprintf("headroom %+.0f %% short of the %.0f %% wanted", v.HeadroomPercent, r.HeadroomTarget))
	}
	if n := len(v.TriggersFired); n > 0 {
		also = append(also, fmt.Sprintf("%d scaling trigger(s) fire", n))
	}
	if v.RTOMet < v.Failures || v.RPOMet < v.Failures {
		also = append(also, fmt.Sprintf("failures meeting RTO %d/%d, RPO %d/%d", v.RTOMet, v.Failures, v.RPOMet, v.Failures))
	}
	if !v.SurvivesNMinus1 {
		also = append(also, "does not survive the loss of "+v.WorstNMinus1.Node)
	}
	if len(also) > 0 {
		s += "; NOT sound: " + strings.Join(also, "; ")
	}
	return s
}

func writeComparisonText(w io.Writer, rs []*sim.Result, report string) {
	fmt.Fprintf(w, "\nTier comparison\n")
	// the answer first: which tier for this load (when every tier ran at one load)
	if c, ok := sim.ChooseTier(rs); ok {
		fmt.Fprintf(w, "  %s\n", TerminalSafe(c.Headline(textNum), false))
		for _, f := range c.Smaller() {
			fmt.Fprintf(w, "    %s fails: %s\n", TerminalSafe(f.Scenario, false), strings.Join(f.Why, "; "))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  %-22s %10s %26s %10s %10s %8s  %s\n", "scenario", "design", "saturation (95% CI)", "capacity", "claimed", "diff", "limited by")
	for _, r := range rs {
		sat, capy, claimed, diff := "-", "-", "-", "-"
		if r.Saturation != nil {
			sat = textNum(r.Saturation.Value) + fmt.Sprintf(" (%s–%s)", textNum(r.Saturation.CI95[0]), textNum(r.Saturation.CI95[1]))
		}
		if r.Capacity > 0 {
			capy = textNum(r.Capacity)
		}
		if d, ok := r.CapacityClaimDifference(); ok {
			claimed, diff = textNum(r.ClaimedCapacity), fmt.Sprintf("%+.0f %%", d)
		}
		limit := r.CapacityLimit
		if limit == "" {
			limit = r.Bottleneck
		}
		fmt.Fprintf(w, "  %-22s %10s %26s %10s %10s %8s  %s\n", TerminalSafe(r.Scenario, false), textNum(r.DesignLoad), sat, capy, claimed, diff, limit)
	}
	fmt.Fprintf(w, "  report: %s\n", report)
}

// writePrecisionText says in the summary how precise the figures are, which measures did not reach
// the precision wanted and the warm-up detected; nothing for a run with a fixed replication
// count and warm-up.
func writePrecisionText(w io.Writer, r *sim.Result) {
	if p := r.Precision; p != nil {
		if p.Reached {
			fmt.Fprintf(w, "  %-16s ±%s %% reached on every measure (%d replications at design load)\n", "precision", textNum(100*p.Target), p.Replications)
		} else {
			var miss []string
			for _, mp := range p.NotMet() {
				miss = append(miss, TerminalSafe(mp.String(), false))
			}
			fmt.Fprintf(w, "  %-16s ±%s %% NOT reached by %s (%d replications at design load: %s)\n", "precision", textNum(100*p.Target),
				strings.Join(miss, ", "), p.Replications, TerminalSafe(p.Stopped, false))
		}
	}
	if wu := r.Warmup; wu != nil {
		if wu.Fallback != "" {
			fmt.Fprintf(w, "  %-16s %s s (default; MSER-5 not applied: %s)\n", "warm-up", textNum(wu.TruncationS), TerminalSafe(wu.Fallback, false))
			return
		}
		lim := ""
		if wu.AtLimit {
			lim = "; at MSER-5's limit (half the run): the transient may be longer, try a longer --duration"
		}
		fmt.Fprintf(w, "  %-16s %s s detected by MSER-5 on %d pilot replications%s\n", "warm-up", textNum(wu.TruncationS), wu.PilotReplications, lim)
	}
}

// TerminalSafe escapes what a terminal would interpret in text that came from a scenario (names,
// titles): control characters (ESC and other C0 bytes, DEL, C1), line and paragraph separators
// become \uNNNN and invalid UTF-8 bytes \xNN, so a name cannot move the cursor, change colours or
// forge lines. keepNewlines keeps "\n" (for multi-line messages).
func TerminalSafe(s string, keepNewlines bool) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r, keepNewlines) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case unsafeRune(r, keepNewlines):
			fmt.Fprintf(&b, "\\u%04x", r) // also a valid escape inside a JSON string
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func unsafeRune(r rune, keepNewlines bool) bool {
	if r == '\n' || r == '\t' {
		return !keepNewlines
	}
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
}
