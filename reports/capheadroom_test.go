package reports

import (
	"math"
	"testing"

	"github.com/capsim/capsim/sim"
)

// TestComparisonHeadroomCountsStorage: the comparison's headroom is the tier's capacity (the
// smaller of performance and storage) over its design load, as the tier card states it, not
// the performance-only figure (issue 10, problem 2: +1,312 % against −54 % for one tier). The
// medium tier at its design load of 5,000 sources is storage-bound: its disks retain about
// 2,318 sources for 30 days (the storage section of a short real run).
func TestComparisonHeadroomCountsStorage(t *testing.T) {
	r := shortRun(t, "medium", true)
	st := r.Storage
	if st == nil || !(st.CapacityLoad > 0) || r.Saturation == nil || !(st.CapacityLoad < r.Saturation.Value) {
		t.Fatalf("the medium tier must be storage-bound at design load: storage %+v, saturation %+v", st, r.Saturation)
	}
	c, err := Compare([]*sim.Result{r, r})
	if err != nil {
		t.Fatal(err)
	}
	want := (st.CapacityLoad/r.DesignLoad - 1) * 100
	if got := c.Tiers[0].HeadroomPercent; math.Abs(got-want) > 1e-9 {
		t.Errorf("comparison headroom %.1f %%, want storage capacity ÷ design − 1 = %.1f %%", got, want)
	}
	if got := c.Tiers[0].CapacityBinds; got != sim.LimitStorage {
		t.Errorf("capacity binds %q, want storage", got)
	}
}
