package loadgen

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAppendJSONFloat: offsets are formatted as encoding/json formats a float64, at the 'e'
// cut-offs too.
func TestAppendJSONFloat(t *testing.T) {
	xs := []float64{0, 1, 0.001, 12.5, 1e-6, 9.99e-7, 1e-7, 1.5e-9, 1e20, 1e21, 123456789012345678901234.0, 86399999.999, math.SmallestNonzeroFloat64, math.MaxFloat64}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		xs = append(xs, math.Round(rng.Float64()*86400e6)/1e3, rng.ExpFloat64()*math.Pow(10, float64(rng.IntN(50)-25)))
	}
	for _, x := range xs {
		want, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONFloat(nil, x); string(got) != string(want) {
			t.Errorf("%v: %s, want %s", x, got, want)
		}
	}
}
