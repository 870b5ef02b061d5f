package availability_test

import (
	"fmt"

	"github.com/capsim/capsim/sim/availability"
)

// Three search nodes, each failing every 1,000 hours on average and repaired in 24 hours; the
// cluster needs two of them (a master quorum). The Monte Carlo's interval holds the closed form.
func Example_twoOfThree() {
	nodes := []availability.Component{
		{Name: "search-1", MTBF: 1000, MTTR: 24},
		{Name: "search-2", MTBF: 1000, MTTR: 24},
		{Name: "search-3", MTBF: 1000, MTTR: 24},
	}
	quorum := func(up []bool) bool {
		n := 0
		for _, u := range up {
			if u {
				n++
			}
		}
		return n >= 2
	}
	st, err := availability.Simulate(nodes, quorum, 87600, 200, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	closed := availability.KofN(2, 3, availability.Steady(1000, 24))
	fmt.Printf("closed form %.5f inside the 95 %% interval: %v\n", closed, st.Lo <= closed && closed <= st.Hi)
	fmt.Printf("one node alone: %.5f\n", availability.Steady(1000, 24))
	// Output:
	// closed form 0.99838 inside the 95 % interval: true
	// one node alone: 0.97656
}
