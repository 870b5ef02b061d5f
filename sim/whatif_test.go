package sim

import (
	"math"
	"testing"
	"time"

	"github.com/capsim/capsim/scenarios"
)

// TestWhatIfDesignLoadScalesTraffic: a flow is given per load unit, so `--set load.design=N`
// evaluates the tier at N. The medium tier writes its ingest as 10 TB/month of 500 B events at
// 5,000 sources (peak factor 2, batches of 500) and its API as 20 req/s at 5,000 sources; at
// 10,000 sources both must offer twice that (issue 10, problem 1). The expected rates are
// computed from the file's numbers, not from a run.
func TestWhatIfDesignLoadScalesTraffic(t *testing.T) {
	const month = 30 * 86400.0
	ingestAt5000 := 10e12 / 500 / month * 2 / 500 // requests/s
	for _, c := range []struct {
		design      float64
		set         string
		ingest, api float64
	}{
		{5000, "load.design=5000", ingestAt5000, 20},
		{10000, "load.design=10000", 2 * ingestAt5000, 40},
		{8000, "load.design=8000", 1.6 * ingestAt5000, 32},
	} {
		t.Run(c.set, func(t *testing.T) {
			s, err := scenarios.LoadFile("medium", scenarios.WithSet(c.set))
			if err != nil {
				t.Fatal(err)
			}
			res, err := mustCompile(t, s).Run(WithSweep(false), WithReplications(2), WithDuration(20*time.Second, 2*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]float64{"ingest": c.ingest, "api": c.api}
			for _, f := range res.Flows {
				w := want[f.Name]
				if math.Abs(f.OfferedPerS-w) > 1e-9*w {
					t.Errorf("%s offered %.6g/s at %g sources, want %.6g/s", f.Name, f.OfferedPerS, c.design, w)
				}
				// an open, stable system completes what it is offered (Poisson noise: 8 %)
				if math.Abs(f.ThroughputPerS.Mean-w) > 0.08*w {
					t.Errorf("%s throughput %.4g/s, want ≈ %.4g/s", f.Name, f.ThroughputPerS.Mean, w)
				}
			}
			// storage grows with the load: 10 TB/month raw at 5,000 sources
			if st := res.Storage; st == nil || math.Abs(st.RawBytesPerMonth-10e12*c.design/5000) > 1e3 {
				t.Errorf("raw storage %+v, want %.4g B/month", st, 10e12*c.design/5000)
			} else if math.Abs(st.CapacityLoad-storageCapacityMedium()) > 1e-6*st.CapacityLoad {
				t.Errorf("storage-limited capacity %.6g moved with the what-if, want %.6g", st.CapacityLoad, storageCapacityMedium())
			}
			if len(res.Settings.Overrides) != 1 || res.Settings.Overrides[0] != c.set {
				t.Errorf("settings.overrides %q, want [%q]", res.Settings.Overrides, c.set)
			}
		})
	}
}

// storageCapacityMedium is the medium tier's storage-limited capacity from its file: 10 TB/month
// raw at 5,000 sources × 1.1 index ratio; 6 shards × 2 copies over 3 nodes = 4 copies per node,
// i.e. a third of the stored bytes per node; a 4 TB disk may fill to the 85 % watermark with 30
// days retained.
func storageCapacityMedium() float64 {
	perNodePerDay := 10e12 * 1.1 * 2 / 3 / 30 // at 5,000 sources
	return 5000 * 4e12 * 0.85 / (perNodePerDay * 30)
}
