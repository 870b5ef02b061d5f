package sim

import (
	"math"
	"testing"
)

// TestNeededReps checks the count the precision rule asks for against a chi-square table
// (Abramowitz & Stegun, table 26.8: χ²(0.10; 9) = 4.168, χ²(0.10; 29) = 19.768): from k
// replications at relative half-width r, N = k · (r/target)² · (k − 1)/χ²(0.10; k − 1), the
// largest over the measures, at least n0 and at most the cap.
func TestNeededReps(t *testing.T) {
	ms := func(r ...float64) []MeasurePrecision {
		var out []MeasurePrecision
		for _, x := range r {
			out = append(out, MeasurePrecision{RelativeHalfWidth: x})
		}
		return out
	}
	cases := []struct {
		name          string
		ms            []MeasurePrecision
		k, n0, maxRep int
		want          float64 // before rounding up
	}{
		{"10 replications at twice the target", ms(0.10, 0.02), 10, 10, 200, 10 * 4 * 9 / 4.168},
		{"30 replications at 1.5 times", ms(0.03, 0.075), 30, 10, 1000, 30 * 2.25 * 29 / 19.768},
		{"already precise: at least n0", ms(0.01), 10, 10, 200, 10},
		{"capped", ms(0.5), 10, 10, 200, 200},
	}
	for _, c := range cases {
		got := neededReps(c.ms, c.k, c.n0, 0.05, c.maxRep)
		// the table's quantiles have 4 digits: allow the rounding up to move by one
		if w := math.Ceil(c.want); math.Abs(float64(got)-w) > 1 {
			t.Errorf("%s: %d replications, want %.0f", c.name, got, w)
		}
	}
}
