package loadgen_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/capsim/capsim/loadgen"
)

// The intended send time of every hit comes from the start of the run alone.
func ExampleConstantPacer() {
	p := loadgen.ConstantPacer{Freq: 3, Per: time.Second, Duration: time.Second}
	for n := uint64(0); ; n++ {
		at, ok := p.SendTime(n)
		if !ok {
			break
		}
		fmt.Println(n, at)
	}
	// A generator that is 100 ms late for hit 1 does not wait: the hit is due now.
	wait, _ := p.Pace(433*time.Millisecond, 1)
	fmt.Println("wait", wait)
	// Output:
	// 0 0s
	// 1 333.333333ms
	// 2 666.666666ms
	// wait 0s
}

// k6's ramping-arrival-rate: 0 → 10/s over 2 s, then 10/s for 1 s: ∫ = 10 + 10 = 20 hits.
func ExampleRampingPacer() {
	p, _ := loadgen.NewRampingPacer(0, []loadgen.Stage{{Duration: 2 * time.Second, Target: 10}, {Duration: time.Second, Target: 10}})
	var n uint64
	for ; ; n++ {
		if _, ok := p.SendTime(n); !ok {
			break
		}
	}
	at4, _ := p.SendTime(4) // N(t) = 2.5 t² = 4 ⇒ t = √1.6 s
	fmt.Println(n, "hits; hit 4 at", at4.Round(time.Microsecond))
	// Output: 20 hits; hit 4 at 1.264911s
}

// Every scheduled hit ends in exactly one bucket.
func ExampleCounts_Balanced() {
	ex, _ := loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 100, Duration: 200 * time.Millisecond, PreAllocatedVUs: 2})
	res, _ := ex.Run(context.Background(), loadgen.TargetFunc(func(_ context.Context, h *loadgen.Hit) error {
		if h.Seq%4 == 0 {
			return errors.New("refused")
		}
		return nil
	}))
	fmt.Printf("scheduled %d = ok %d + failed %d + timed out %d + dropped %d + interrupted %d: %v\n",
		res.Scheduled, res.OK, res.Failed, res.TimedOut, res.Dropped, res.Interrupted, res.Balanced())
	// Output: scheduled 20 = ok 15 + failed 5 + timed out 0 + dropped 0 + interrupted 0: true
}
