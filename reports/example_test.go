package reports_test

import (
	"os"

	"github.com/capsim/capsim/reports"
	"github.com/capsim/capsim/sim"
)

// Two tiers against the capacity their seed claims: the difference is predicted ÷ claimed − 1.
func ExampleWriteComparisonJSON() {
	small := &sim.Result{Scenario: "small", LoadVariable: "data_sources", LoadUnit: "sources",
		DesignLoad: 1500, ClaimedCapacity: 1500, SLOMet: true, HeadroomPercent: 20,
		Saturation: &sim.Saturation{Value: 1800, CI95: [2]float64{1750, 1850}, Bounded: true}}
	medium := &sim.Result{Scenario: "medium", LoadVariable: "data_sources", LoadUnit: "sources",
		DesignLoad: 5000, ClaimedCapacity: 5000, HeadroomPercent: -10,
		Saturation: &sim.Saturation{Value: 4500, CI95: [2]float64{4400, 4600}, Bounded: true}}
	if err := reports.WriteComparisonJSON(os.Stdout, []*sim.Result{small, medium}); err != nil {
		panic(err)
	}
	// Output:
	// {
	//   "tiers": [
	//     {
	//       "scenario": "small",
	//       "load_variable": "data_sources",
	//       "load_unit": "sources",
	//       "design_load": 1500,
	//       "claimed_capacity": 1500,
	//       "predicted_saturation": 1800,
	//       "predicted_ci95": [
	//         1750,
	//         1850
	//       ],
	//       "bounded": true,
	//       "difference_percent": 20,
	//       "headroom_percent": 20,
	//       "slo_met": true
	//     },
	//     {
	//       "scenario": "medium",
	//       "load_variable": "data_sources",
	//       "load_unit": "sources",
	//       "design_load": 5000,
	//       "claimed_capacity": 5000,
	//       "predicted_saturation": 4500,
	//       "predicted_ci95": [
	//         4400,
	//         4600
	//       ],
	//       "bounded": true,
	//       "difference_percent": -10,
	//       "headroom_percent": -10,
	//       "slo_met": false
	//     }
	//   ]
	// }
}
