package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/capsim/capsim/sim"
)

// printPrecision says in the summary how precise the figures are, which measures did not reach
// the precision wanted and the warm-up detected; nothing for a run with a fixed replication
// count and warm-up.
func printPrecision(w io.Writer, r *sim.Result) {
	if p := r.Precision; p != nil {
		if p.Reached {
			fmt.Fprintf(w, "  %-16s ±%s %% reached on every measure (%d replications at design load)\n", "precision", num(100*p.Target), p.Replications)
		} else {
			var miss []string
			for _, mp := range p.NotMet() {
				miss = append(miss, safeText(mp.String(), false))
			}
			fmt.Fprintf(w, "  %-16s ±%s %% NOT reached by %s (%d replications at design load: %s)\n", "precision", num(100*p.Target),
				strings.Join(miss, ", "), p.Replications, safeText(p.Stopped, false))
		}
	}
	if wu := r.Warmup; wu != nil {
		if wu.Fallback != "" {
			fmt.Fprintf(w, "  %-16s %s s (default; MSER-5 not applied: %s)\n", "warm-up", num(wu.TruncationS), safeText(wu.Fallback, false))
			return
		}
		lim := ""
		if wu.AtLimit {
			lim = "; at MSER-5's limit (half the run): the transient may be longer, try a longer --duration"
		}
		fmt.Fprintf(w, "  %-16s %s s detected by MSER-5 on %d pilot replications%s\n", "warm-up", num(wu.TruncationS), wu.PilotReplications, lim)
	}
}
