package reports

import (
	"math"
	"testing"

	"github.com/capsim/capsim/sim"
)

// TestComparisonHeadroomCountsStorage: the comparison's headroom is the tier's capacity (the
// smaller of performance and storage) over its design load, as the tier card states it, not
// the performance-only figure (issue 10, problem 2: +1,312 % against −54 % for one tier).
func TestComparisonHeadroomCountsStorage(t *testing.T) {
	r := &sim.Result{
		Scenario: "medium", LoadVariable: "data_sources", LoadUnit: "sources", DesignLoad: 5000,
		Saturation:      &sim.Saturation{Value: 70603, CI95: [2]float64{68429, 72777}, Bounded: true},
		HeadroomPercent: (70603.0/5000 - 1) * 100,
		Capacity:        2318, CapacityLimit: "storage: search-1 disk reaches the 85 % watermark with 30 days retained",
	}
	c, err := Compare([]*sim.Result{r, r})
	if err != nil {
		t.Fatal(err)
	}
	want := (2318.0/5000 - 1) * 100
	if got := c.Tiers[0].HeadroomPercent; math.Abs(got-want) > 1e-9 {
		t.Errorf("comparison headroom %.1f %%, want capacity ÷ design − 1 = %.1f %%", got, want)
	}
}
