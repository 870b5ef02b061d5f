package reports

import (
	"fmt"
	"strings"

	"github.com/capsim/capsim/sim"
)

// precisionText says how precise the design-load figures are and names every measure that did
// not reach the precision wanted (sim.PrecisionResult.NotMet, as the terminal summary does);
// ok is false when one did not. Empty for a run with a fixed replication count.
func precisionText(r *sim.Result) (text string, ok bool) {
	p := r.Precision
	if p == nil {
		return "", true
	}
	if p.Reached {
		what := "every flow's mean and P95 at design load has"
		if p.SaturationReplications > 0 {
			what = "every flow's mean and P95 at design load and the saturation point have"
		}
		return fmt.Sprintf("Precision: %s a 95 %% interval within ±%s %% of the estimate (%d replications at design load).", what, fmtNum(100*p.Target), p.Replications), true
	}
	var miss []string
	for _, mp := range p.NotMet() {
		miss = append(miss, mp.String())
	}
	return fmt.Sprintf("Precision wanted (±%s %%) NOT reached by: %s. %d replications at design load; stopped because %s.", fmtNum(100*p.Target), strings.Join(miss, ", "), p.Replications, p.Stopped), false
}

// warmupText describes a detected warm-up ("" for a fixed one).
func warmupText(r *sim.Result) string {
	w := r.Warmup
	if w == nil {
		return ""
	}
	if w.Fallback != "" {
		return fmt.Sprintf("%s s (the default: MSER-5 not applied, %s)", fmtNum(w.TruncationS), w.Fallback)
	}
	s := fmt.Sprintf("%s s, detected by MSER-5 on the mean of %d pilot replications of %s s", fmtNum(w.TruncationS), w.PilotReplications, fmtNum(w.RunS))
	if w.AtLimit {
		s += " (at MSER-5's limit, half the run: the transient may be longer)"
	}
	return s
}
