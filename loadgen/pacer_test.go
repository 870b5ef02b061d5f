package loadgen

import (
	"math"
	"math/big"
	"testing"
	"time"
)

// TestConstantPacerExact checks every send time against n·Per/Freq computed with big
// integers, and the stop rule at Duration.
func TestConstantPacerExact(t *testing.T) {
	cases := []ConstantPacer{
		{Freq: 2000, Per: time.Second, Duration: 3 * time.Second},
		{Freq: 3, Per: time.Second, Duration: 10 * time.Second},       // 333333333.33 ns: floors
		{Freq: 7, Per: 100 * time.Millisecond, Duration: time.Second}, // 70/s
		{Freq: 1_000_000, Per: time.Minute, Duration: time.Minute},
	}
	for _, p := range cases {
		var n uint64
		for ; ; n++ {
			at, ok := p.SendTime(n)
			want := new(big.Int).Div(new(big.Int).Mul(new(big.Int).SetUint64(n), big.NewInt(int64(p.Per))), new(big.Int).SetUint64(p.Freq)).Int64()
			if time.Duration(want) >= p.Duration {
				if ok {
					t.Fatalf("%+v: hit %d at %v is past the duration but ok", p, n, at)
				}
				break
			}
			if !ok || at != time.Duration(want) {
				t.Fatalf("%+v: hit %d at %v, want %v", p, n, at, time.Duration(want))
			}
			// Pace agrees with SendTime from any elapsed.
			for _, el := range []time.Duration{0, at - 1, at, at + time.Millisecond} {
				w, stop := p.Pace(el, n)
				if stop || w != max(0, at-el) {
					t.Fatalf("%+v: Pace(%v, %d) = %v, %v; want %v", p, el, n, w, stop, max(0, at-el))
				}
			}
		}
		// Hits before Duration: ceil(Duration·Freq/Per).
		want := uint64(math.Ceil(p.Duration.Seconds() * float64(p.Freq) / p.Per.Seconds()))
		if n != want {
			t.Errorf("%+v: %d hits scheduled, want %d", p, n, want)
		}
		if _, stop := p.Pace(p.Duration, n); !stop {
			t.Errorf("%+v: Pace did not stop after the last hit", p)
		}
	}
}

// cumRamp is an independent implementation of N(t) = ∫ r for a ramp.
func cumRamp(start float64, stages []Stage, t float64) float64 {
	a, t0, n := start, 0.0, 0.0
	for _, s := range stages {
		d := s.Duration.Seconds()
		if t <= t0+d {
			x := t - t0
			return n + a*x + (s.Target-a)*x*x/(2*d)
		}
		n += (a + s.Target) / 2 * d
		t0 += d
		a = s.Target
	}
	return n
}

// TestRampingPacerExact checks that hit n is due where the integral of the rate reaches n
// (to within one nanosecond of rate), that times increase, and the total count.
func TestRampingPacerExact(t *testing.T) {
	cases := []struct {
		start  float64
		stages []Stage
	}{
		{0, []Stage{{2 * time.Second, 1000}, {time.Second, 1000}, {2 * time.Second, 0}}},
		{50, []Stage{{time.Second, 100}}}, // the k6 ramp of seed 004, per second
		{500, []Stage{{3 * time.Second, 20}, {time.Second, 20}}},
		{100, []Stage{{time.Second, 100}}},
	}
	for _, c := range cases {
		p, err := NewRampingPacer(c.start, c.stages)
		if err != nil {
			t.Fatal(err)
		}
		total := cumRamp(c.start, c.stages, p.Total().Seconds())
		var last time.Duration = -1
		var n uint64
		for ; ; n++ {
			at, ok := p.SendTime(n)
			if !ok {
				break
			}
			if at < last {
				t.Fatalf("hit %d at %v before hit %d at %v", n, at, n-1, last)
			}
			last = at
			got := cumRamp(c.start, c.stages, at.Seconds())
			tol := 1e-9*(p.Rate(at)+1)*2 + 1e-6
			if math.Abs(got-float64(n)) > tol {
				t.Fatalf("%v: hit %d at %v: N(t) = %.9f", c, n, at, got)
			}
		}
		if want := uint64(math.Ceil(total)); n != want {
			t.Errorf("%v: %d hits, want ⌈%.3f⌉ = %d", c, n, total, want)
		}
	}
	if _, err := NewRampingPacer(-1, nil); err == nil {
		t.Error("bad ramp accepted")
	}
}

// TestPoissonPacer: same seed, same schedule; the count in the window is within 4σ of the
// Poisson mean; gaps have the exponential's mean and CV ≈ 1.
func TestPoissonPacer(t *testing.T) {
	const rate, d = 2000.0, 10 * time.Second
	a, _ := NewPoissonPacer(rate, d, 7)
	b, _ := NewPoissonPacer(rate, d, 7)
	var n uint64
	var last time.Duration
	var sum, sum2 float64
	for ; ; n++ {
		x, ok := a.SendTime(n)
		y, _ := b.SendTime(n)
		if !ok {
			break
		}
		if x != y {
			t.Fatalf("same seed, hit %d: %v vs %v", n, x, y)
		}
		g := (x - last).Seconds()
		sum += g
		sum2 += g * g
		last = x
	}
	mean := rate * d.Seconds()
	if math.Abs(float64(n)-mean) > 4*math.Sqrt(mean) {
		t.Errorf("%d hits in %v, want %.0f ± %.0f", n, d, mean, 4*math.Sqrt(mean))
	}
	m := sum / float64(n)
	cv := math.Sqrt(sum2/float64(n)-m*m) / m
	if math.Abs(m*rate-1) > 0.05 || math.Abs(cv-1) > 0.05 {
		t.Errorf("gap mean %.6fs (want %.6f), cv %.3f (want 1)", m, 1/rate, cv)
	}
	// Replaying an earlier hit gives the same time.
	x5, _ := a.SendTime(5)
	y5, _ := b.SendTime(5)
	if x5 != y5 {
		t.Errorf("replay of hit 5: %v vs %v", x5, y5)
	}
}

func TestOffsetPacerScale(t *testing.T) {
	p := OffsetPacer{Offsets: []time.Duration{0, time.Second, 3 * time.Second}, TimeScale: 0.5}
	for i, want := range []time.Duration{0, 500 * time.Millisecond, 1500 * time.Millisecond} {
		if at, ok := p.SendTime(uint64(i)); !ok || at != want {
			t.Errorf("hit %d at %v, want %v", i, at, want)
		}
	}
	if _, stop := p.Pace(0, 3); !stop {
		t.Error("no stop after the trace")
	}
}
