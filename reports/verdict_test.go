package reports

import (
	"strings"
	"testing"

	"github.com/capsim/capsim/sim"
)

func TestVerdict(t *testing.T) {
	base := func() *sim.Result {
		return &sim.Result{
			LoadVariable: "data_sources", LoadUnit: "sources", DesignLoad: 5000, SLOMet: true,
			Saturation: &sim.Saturation{Value: 6900, CI95: [2]float64{6700, 7100}, Bounded: true,
				Binds: []sim.Violation{{Criterion: sim.CriterionUtilization, Subject: "search-1/cpu", Value: 0.71, Limit: 0.7}}},
			Bottleneck: "search-1/cpu", HeadroomPercent: 38, CapacityHeadroomPercent: 38, HeadroomTarget: 30,
		}
	}
	tests := []struct {
		name   string
		mutate func(*sim.Result)
		ok     bool
		want   []string
		absent []string
	}{
		{"carries with headroom", func(*sim.Result) {}, true,
			[]string{"Carries 5,000 sources at the SLO with 38 % headroom (30 % wanted)", "saturates at 6,900 (6,700–7,100) when search-1/cpu passes the 70 % utilization trigger", "The bottleneck is search-1/cpu"},
			[]string{"Does not"}},
		{"headroom short of target", func(r *sim.Result) { r.HeadroomPercent, r.CapacityHeadroomPercent = 12, 12 }, false,
			[]string{"12 % headroom, short of the 30 % wanted"}, nil},
		{"SLO breached", func(r *sim.Result) {
			r.SLOMet = false
			r.Breaches = []sim.Violation{{Criterion: sim.CriterionP95, Subject: "ingest", Value: 2300, Limit: 2000}}
			r.Violations = []string{r.Breaches[0].String()}
		}, false, []string{"Does not carry 5,000 sources at the SLO: P95 of ingest 2300 ms > 2000 ms"}, []string{"Carries"}},
		{"unbounded search", func(r *sim.Result) { r.Saturation.Bounded = false; r.Saturation.Value = 100000 }, true,
			[]string{"the SLO still holds at 100,000 sources, the top of the search"}, []string{"saturates at"}},
		{"claim and advice", func(r *sim.Result) {
			r.ClaimedCapacity = 5000
			r.Advice = []sim.Advice{{Change: "+1 replica", GainPercent: 5, Saturation: 7245}, {Change: "+1 search node", GainPercent: 28, Saturation: 8832, Bottleneck: "worker-1/cpu"}}
		}, true, []string{"+1 search node moves saturation to 8,832 (+28 %), after which worker-1/cpu limits", "The seed claims 5,000 sources; the model predicts +38 % against that claim"}, []string{"+1 replica"}},
		{"fired trigger", func(r *sim.Result) {
			r.Triggers = []sim.Trigger{{Name: "CPU > 70 %", Fired: true}, {Name: "queue > 100"}}
		}, false, []string{"One scaling trigger fires at design load: CPU > 70 %."}, nil},
		{"storage", func(r *sim.Result) {
			r.Storage = &sim.StorageResult{StoredBytesPerMonth: 22e12, Nodes: []sim.NodeStorage{{Node: "a", DaysUntilFull: 40}, {Node: "b", DaysUntilFull: 16.4}}}
		}, true, []string{"Storage grows by 22 TB a month; b fills first, in 16.4 days."}, nil},
		{"no sweep", func(r *sim.Result) { r.Saturation = nil }, true, []string{"Carries 5,000 sources at the SLO."}, []string{"headroom"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			tt.mutate(r)
			got, ok := verdict(r)
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v (%s)", ok, tt.ok, got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("verdict %q\nlacks %q", got, w)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(got, a) {
					t.Errorf("verdict %q\nshould not contain %q", got, a)
				}
			}
		})
	}
}
