package analytic

import (
	"errors"
	"strings"
	"testing"
)

// TestJacksonTandem: a tandem of single-server stations visited once each is
// a chain of independent M/M/1 queues (Burke's theorem; Gross & Harris, series queues),
// so the end-to-end mean response time is Σ 1/(μ_k − λ). Hand values for
// λ = 50/s, E[S] = 10, 15, 5 ms: 1/(100−50) + 1/(66.67−50) + 1/(200−50)
// = 20 + 60 + 6.667 ms = 86.667 ms.
func TestJacksonTandem(t *testing.T) {
	s := []float64{0.010, 0.015, 0.005}
	ms, err := Jackson(50, []float64{1, 1, 1}, s, []int{1, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for k, m := range ms {
		want, _ := MM1(50, s[k])
		compareMetrics(t, m, want, 1e-12)
		total += m.W
	}
	checkRel(t, "end-to-end W", total, 0.020+0.060+0.020/3, 1e-12)
}

// TestJacksonFeedback: a CPU visited 5 times and a disk 4 times per request
// (central-server model): station rates λ·v_k; an M/M/2 CPU.
func TestJacksonFeedback(t *testing.T) {
	ms, err := Jackson(10, []float64{5, 4, 0}, []float64{0.010, 0.020, 0.5}, []int{2, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	cpu, _ := MMc(50, 0.010, 2)
	disk, _ := MM1(40, 0.020)
	compareMetrics(t, ms[0], cpu, 1e-12)
	compareMetrics(t, ms[1], disk, 1e-12)
	if ms[2].W != 0.5 || ms[2].Throughput != 0 || ms[2].Rho != 0 {
		t.Errorf("unvisited station %+v", ms[2])
	}
}

func TestJacksonUnstableNamesStation(t *testing.T) {
	_, err := Jackson(10, []float64{1, 6}, []float64{0.010, 0.020}, []int{1, 1})
	if !errors.Is(err, ErrUnstable) {
		t.Fatalf("err = %v, want ErrUnstable", err)
	}
	if !strings.Contains(err.Error(), "station 1") || !strings.Contains(err.Error(), "ρ=1.200") {
		t.Errorf("error %q does not name station 1 and ρ=1.200", err)
	}
}
