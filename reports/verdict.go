package reports

import (
	"strings"

	"github.com/capsim/capsim/sim"
)

// verdict is the one-paragraph answer at the top of a tier's report, built only from the
// numbers in the result. ok is Result.Verdict().OK: false when the SLO is breached at design
// load, the capacity is below it, the headroom is under its target, a scaling trigger fires,
// a failure misses its RTO or RPO, or the tier does not survive N-1.
func verdict(r *sim.Result) (text string, ok bool) {
	unit := r.LoadUnit
	if unit == "" {
		unit = r.LoadVariable
	}
	load := func(v float64) string { return withUnit(fmtNum(v), unit) }
	v := r.Verdict()
	var b []string
	capa, hasCap := capacityOf(r)
	if r.SLOMet {
		s := "Carries " + load(r.DesignLoad) + " at the SLO"
		if r.Saturation != nil {
			s += " with " + fmtPercent(r.HeadroomPercent) + " headroom"
			if hasCap && capa.Storage {
				if v.CapacityBelowDesign {
					s = "Meets the SLO at " + load(r.DesignLoad) + " with " + fmtPercent(r.HeadroomPercent) +
						" headroom on performance, but its disks cannot retain that load (" + fmtPercent(v.HeadroomPercent) + " on storage)"
				} else {
					s += " on performance and " + fmtPercent(v.HeadroomPercent) + " on storage"
				}
			}
			switch {
			case r.HeadroomTarget <= 0, v.HeadroomPercent < 0:
				// no target, or already said: below the design load
			case v.HeadroomShort:
				s += ", short of the " + fmtPercent(r.HeadroomTarget) + " wanted"
			default:
				s += " (" + fmtPercent(r.HeadroomTarget) + " wanted)"
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
	if s := r.Saturation; s != nil && !hasCap {
		if s.Bounded {
			t := "saturates at " + fmtNum(s.Value)
			if ci := fmtCI(s.CI95, fmtNum); ci != "" {
				t += " (" + ci + ")"
			}
			if p := limitPhrase(s.Binds); p != "" {
				t += " when " + p
			}
			b = append(b, t)
		} else {
			b = append(b, "the SLO still holds at "+load(s.Value)+", the top of the search, so the saturation point lies higher")
		}
	}
	text = capitalize(strings.Join(b, "; ")) + "."
	if hasCap {
		text += " " + capacitySentence(r, capa, v, load)
	}
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
	if d, ok := r.CapacityClaimDifference(); ok {
		text += " The seed claims " + load(r.ClaimedCapacity) + "; the model's capacity is " + fmtSignedPercent(d) + " against that claim."
	} else if d, ok := r.SaturationClaimDifference(); ok && !hasCap {
		text += " The seed claims " + load(r.ClaimedCapacity) + "; the model predicts " + fmtSignedPercent(d) + " against that claim."
	}
	var fired []string
	for _, t := range v.TriggersFired {
		fired = append(fired, t.Name)
	}
	switch len(fired) {
	case 0:
		if len(r.Triggers) > 0 {
			text += " No scaling trigger fires at design load."
		}
	case 1:
		text += " One scaling trigger fires at design load: " + fired[0] + "."
	default:
		text += " " + fmtNum(float64(len(fired))) + " scaling triggers fire at design load: " + strings.Join(fired, ", ") + "."
	}
	if n, ok := r.Storage.FillsFirst(); ok {
		text += " Storage grows by " + fmtBytes(r.Storage.StoredBytesPerMonth) + " a month; " + n.Node + " fills first, in " + fmtDays(n.DaysUntilFull) + "."
	}
	if t := failureVerdict(r, v); t != "" {
		text += " " + t
	}
	return text, v.OK
}

// capacitySentence is "Capacity 2,318 sources, limited by storage: …; performance saturation
// 71,239 sources (70,900–71,600) when …."
func capacitySentence(r *sim.Result, c tierCap, v sim.Verdict, load func(float64) string) string {
	val := load(c.Value)
	if !c.Bounded {
		val = "at least " + val
	}
	if ci := fmtCI(c.CI, fmtNum); ci != "" && !c.Storage {
		val += " (" + ci + ")"
	}
	t := "Capacity " + val + ", limited by " + c.kindWord()
	if c.Reason != "" {
		t += ": " + c.Reason
	} else if !c.Bounded {
		t += ": the SLO still holds at the top of the search"
	}
	if v.CapacityBelowDesign {
		t += ", below the design load"
	}
	if s := r.Saturation; s != nil && c.Storage {
		t += "; performance saturation " + load(s.Value)
		if !s.Bounded {
			t = strings.TrimSuffix(t, load(s.Value)) + "above " + load(s.Value) + " (the top of the search)"
		} else {
			if ci := fmtCI(s.CI95, fmtNum); ci != "" {
				t += " (" + ci + ")"
			}
			if p := limitPhrase(s.Binds); p != "" {
				t += " when " + p
			}
		}
	}
	if st := storageLimitText(r.Storage, load); st != "" && !c.Storage {
		t += "; storage alone would allow " + st
	}
	return t + "."
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
