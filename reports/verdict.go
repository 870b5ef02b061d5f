package reports

import (
	"strings"

	"github.com/capsim/capsim/sim"
)

// verdict is the one-paragraph answer at the top of a tier's report, built only from the
// numbers in the result. ok is false when the SLO is breached at design load or the headroom
// is under its target.
func verdict(r *sim.Result) (text string, ok bool) {
	unit := r.LoadUnit
	if unit == "" {
		unit = r.LoadVariable
	}
	load := func(v float64) string { return withUnit(fmtNum(v), unit) }
	var b []string
	ok = r.SLOMet
	if r.SLOMet {
		s := "Carries " + load(r.DesignLoad) + " at the SLO"
		if r.Saturation != nil {
			s += " with " + fmtPercent(r.HeadroomPercent) + " headroom"
			if r.HeadroomTarget > 0 {
				if r.HeadroomPercent < r.HeadroomTarget {
					s += ", short of the " + fmtPercent(r.HeadroomTarget) + " wanted"
					ok = false
				} else {
					s += " (" + fmtPercent(r.HeadroomTarget) + " wanted)"
				}
			}
		}
		b = append(b, s)
	} else {
		s := "Does not carry " + load(r.DesignLoad) + " at the SLO"
		if len(r.Violations) > 0 {
			s += ": " + strings.Join(r.Violations, "; ")
		}
		b = append(b, s)
	}
	if s := r.Saturation; s != nil {
		if s.Bounded {
			t := "saturates at " + fmtNum(s.Value)
			if ci := fmtCI(s.CI95, fmtNum); ci != "" {
				t += " (" + ci + ")"
			}
			if s.Limit != "" {
				t += " when " + s.Limit
			}
			b = append(b, t)
		} else {
			b = append(b, "the SLO still holds at "+load(s.Value)+", the top of the search, so the saturation point lies higher")
		}
	}
	text = capitalize(strings.Join(b, "; ")) + "."
	if r.Bottleneck != "" {
		t := " The bottleneck is " + r.Bottleneck
		if a, found := bestAdvice(r.Advice); found {
			t += "; " + a.Change + " moves saturation to " + fmtNum(a.Saturation) + " (" + fmtSignedPercent(a.GainPercent) + ")"
			if a.Bottleneck != "" && a.Bottleneck != r.Bottleneck {
				t += ", after which " + a.Bottleneck + " limits"
			}
		}
		text += t + "."
	}
	if r.ClaimedCapacity > 0 && r.Saturation != nil {
		d := (r.Saturation.Value - r.ClaimedCapacity) / r.ClaimedCapacity * 100
		text += " The seed claims " + load(r.ClaimedCapacity) + "; the model predicts " + fmtSignedPercent(d) + " against that claim."
	}
	var fired []string
	for _, t := range r.Triggers {
		if t.Fired {
			fired = append(fired, t.Name)
		}
	}
	switch len(fired) {
	case 0:
		if len(r.Triggers) > 0 {
			text += " No scaling trigger fires at design load."
		}
	case 1:
		text += " One scaling trigger fires at design load: " + fired[0] + "."
		ok = false
	default:
		text += " " + fmtNum(float64(len(fired))) + " scaling triggers fire at design load: " + strings.Join(fired, ", ") + "."
		ok = false
	}
	if st := r.Storage; st != nil {
		first := -1
		for i, n := range st.Nodes {
			if finite(n.DaysUntilFull) && n.DaysUntilFull > 0 && (first < 0 || n.DaysUntilFull < st.Nodes[first].DaysUntilFull) {
				first = i
			}
		}
		if first >= 0 {
			n := st.Nodes[first]
			text += " Storage grows by " + fmtBytes(st.StoredBytesPerMonth) + " a month; " + n.Node + " fills first, in " + fmtDays(n.DaysUntilFull) + "."
		}
	}
	return text, ok
}

// bestAdvice is the change with the largest gain.
func bestAdvice(as []sim.Advice) (sim.Advice, bool) {
	best, found := sim.Advice{}, false
	for _, a := range as {
		if finite(a.GainPercent) && (!found || a.GainPercent > best.GainPercent) {
			best, found = a, true
		}
	}
	return best, found
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	if r[0] >= 'a' && r[0] <= 'z' {
		r[0] -= 'a' - 'A'
	}
	return string(r)
}
