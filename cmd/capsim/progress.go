package main

import (
	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"

	"github.com/capsim/capsim/sim"
)

// simProgress shows a simulation's progress on a terminal: one bar per phase (sim.Phase),
// described "<scenario>: <phase>" with its unit when it is not replications, cleared when the
// next phase starts or the run ends. capsim shows progress only on a terminal: nothing is
// written when stderr is a pipe or a file.
type simProgress struct {
	w     io.Writer
	name  string
	phase sim.Phase
	bar   *progressbar.ProgressBar
}

func newSimProgress(w io.Writer, name string) *simProgress { return &simProgress{w: w, name: name} }

// update is the sim.WithProgress callback.
func (p *simProgress) update(pr sim.Progress) {
	if p.bar == nil || pr.Phase != p.phase {
		p.finish()
		desc := fmt.Sprintf("%s: %s", p.name, pr.Phase)
		if pr.Unit != "" && pr.Unit != sim.UnitReplications {
			desc += " (" + pr.Unit + ")"
		}
		p.phase = pr.Phase
		p.bar = progressbar.NewOptions(max(pr.Total, 1),
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
		)
	}
	p.bar.ChangeMax(max(pr.Total, 1))
	_ = p.bar.Set(pr.Done)
}

// finish clears the current bar, if any.
func (p *simProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}
