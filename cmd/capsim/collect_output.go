package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/loadgen/collect"
)

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func collectProgress(s collect.Status) string {
	var running, silent, finished, lost int
	for _, r := range s.Runners {
		switch r.State {
		case "running":
			running++
		case "silent":
			silent++
		case "finished":
			finished++
		case "lost":
			lost++
		}
	}
	line := fmt.Sprintf("%6.0fs  runners: %d running, %d finished", s.ElapsedS, running, finished)
	if silent+lost > 0 {
		line += fmt.Sprintf(", %d silent, %d LOST", silent, lost)
	}
	line += fmt.Sprintf("  ok %d failed %d dropped %d", s.Counts.OK, s.Counts.Failed+s.Counts.TimedOut, s.Counts.Dropped)
	for _, t := range s.Thresholds {
		if !t.Passed {
			line += fmt.Sprintf("  ✗ %s %s", t.Metric, t.Expr)
		}
	}
	return line
}

func printRunners(w io.Writer, rep collect.Report) {
	fmt.Fprintf(w, "\n  runners (segments cover %.4g of the test; %d batches, %d duplicates, %d late):\n", rep.Coverage, rep.Batches, rep.Duplicates, rep.Late)
	for _, r := range rep.Runners {
		fmt.Fprintf(w, "    %-10s %-9s %s  %d batches, seconds %d…%d, last seen %s\n", r.Segment, r.State, r.ID, r.Batches,
			r.FirstSecond, r.LastSecond, r.LastSeen.UTC().Format(time.TimeOnly))
	}
	for _, wr := range rep.Warnings {
		fmt.Fprintf(w, "    WARNING: %s\n", wr)
	}
}

// writeCollectResults writes result.json and load.json the way capsim load does, plus the
// collector's report in load.json.
func writeCollectResults(out string, plan *loadgen.Plan, res *loadgen.Result, rep *collect.Report) error {
	sr := plan.ModelResult(res, capsimVersion())
	segs := make([]string, 0, len(rep.Runners))
	for _, r := range rep.Runners {
		segs = append(segs, r.Segment+" "+r.State)
	}
	sr.Notes = append(sr.Notes, fmt.Sprintf("merged by capsim collect from %d runner(s): %s", len(rep.Runners), strings.Join(segs, ", ")))
	if err := writeJSON(filepath.Join(out, "result.json"), sr); err != nil {
		return err
	}
	lj := newLoadJSON(plan, res)
	lj.Collect = rep
	return writeJSON(filepath.Join(out, "load.json"), lj)
}
