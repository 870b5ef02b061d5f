package reports

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/capsim/capsim/sim"
)

func TestFormatters(t *testing.T) {
	tests := []struct {
		name string
		f    func(float64) string
		in   float64
		want string
	}{
		{"zero", fmtNum, 0, "0"},
		{"thousands", fmtNum, 1500, "1,500"},
		{"millions", fmtNum, 1234567.8, "1,234,568"},
		{"negative thousands", fmtNum, -6900, "−6,900"},
		{"hundreds", fmtNum, 123.4, "123"},
		{"tens", fmtNum, 12.34, "12.3"},
		{"units trim zeros", fmtNum, 2.50, "2.5"},
		{"small", fmtNum, 0.01234, "0.0123"},
		{"rounds up to 1,000", fmtNum, 999.7, "1,000"},
		{"NaN", fmtNum, math.NaN(), "–"},
		{"Inf", fmtNum, math.Inf(1), "∞"},
		{"ms", fmtMS, 12.34, "12.3 ms"},
		{"pct fraction", fmtPct, 0.38, "38 %"},
		{"pct small", fmtPct, 0.042, "4.2 %"},
		{"pct negative", fmtPercent, -12.4, "−12 %"},
		{"signed gain", fmtSignedPercent, 28, "+28 %"},
		{"bytes TB", fmtBytes, 2.1e12, "2.1 TB"},
		{"bytes B", fmtBytes, 512, "512 B"},
		{"bytes GB", fmtBytes, 64e9, "64 GB"},
		{"memory GiB", fmtIEC, 64 * (1 << 30), "64 GiB"},
		{"memory MiB", fmtIEC, 512 * (1 << 20), "512 MiB"},
		{"days", fmtDays, 32.65, "32.6 days"},
		{"years", fmtDays, 1000, "2.74 years"},
		{"never", fmtDays, math.Inf(1), "never (> 100 years)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNiceTicksCoverRange(t *testing.T) {
	for _, c := range [][2]float64{{0, 1}, {0, 6900}, {1250, 10000}, {5, 5}, {0, 0}, {-3, 7}, {0.001, 0.0013}} {
		ticks := niceTicks(c[0], c[1], 6, fmtNum)
		if len(ticks) < 2 || len(ticks) > 30 {
			t.Errorf("niceTicks(%g, %g) gave %d ticks", c[0], c[1], len(ticks))
			continue
		}
		lo, hi := ticks[0].Value, ticks[len(ticks)-1].Value
		if lo > c[0] || hi < c[1] || lo >= hi {
			t.Errorf("niceTicks(%g, %g) spans [%g, %g]", c[0], c[1], lo, hi)
		}
	}
}

// The comparison's difference is (capacity / claimed − 1) × 100, computed independently here:
// small is limited by performance (capacity = saturation 1,320), medium by storage (search-1's
// 8 TB disk at the 85 % watermark holds 21 days of 245 GB/day at 5,000 sources, so the
// capacity is 5,000 × 6.8 TB ÷ 5.145 TB); medium's saturation difference stays (6,900 ÷ 5,000 − 1).
func TestCompare(t *testing.T) {
	tiers := sampleTiers()
	tiers = append(tiers, &sim.Result{Scenario: "no-sweep", DesignLoad: 10})
	c, err := Compare(tiers)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Tiers) != 3 {
		t.Fatalf("%d tiers", len(c.Tiers))
	}
	medCap := 5000 * 0.85 * 8e12 / (245e9 * 21)
	for i, want := range []float64{(1320.0/1500 - 1) * 100, (medCap/5000 - 1) * 100} {
		d := c.Tiers[i].DifferencePercent
		if d == nil || math.Abs(*d-want) > 1e-9 {
			t.Errorf("tier %d difference %v, want %g", i, d, want)
		}
	}
	if d := c.Tiers[0].SaturationDifferencePercent; d != nil {
		t.Errorf("small: saturation difference %g given though performance binds", *d)
	}
	if d := c.Tiers[1].SaturationDifferencePercent; d == nil || math.Abs(*d-(6900.0/5000-1)*100) > 1e-9 {
		t.Errorf("medium: saturation difference %v, want 38", d)
	}
	if s := c.Tiers[1].SurvivesNMinus1; s == nil || *s || c.Tiers[1].NMinus1Worst != "mgmt-1" {
		t.Errorf("medium N-1: survives %v, worst %q; want no, mgmt-1", s, c.Tiers[1].NMinus1Worst)
	}
	if s := c.Tiers[0].SurvivesNMinus1; s == nil || !*s {
		t.Errorf("small N-1: survives %v, want yes", s)
	}
	if c.Tiers[1].Failures != 3 || c.Tiers[2].Failures != 0 {
		t.Errorf("failures counted %d, %d; want 3, 0", c.Tiers[1].Failures, c.Tiers[2].Failures)
	}
	if c.Tiers[2].Predicted != nil || c.Tiers[2].DifferencePercent != nil {
		t.Error("a tier without a sweep has a prediction")
	}
}

// result.json round-trips: decoding WriteJSON's output gives back the same Result.
func TestJSONRoundTrip(t *testing.T) {
	r := sampleResult()
	var buf bytesBuffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var back sim.Result
	if err := json.Unmarshal(buf.b, &back); err != nil {
		t.Fatal(err)
	}
	var again bytesBuffer
	if err := WriteJSON(&again, &back); err != nil {
		t.Fatal(err)
	}
	if string(buf.b) != string(again.b) {
		t.Error("result.json does not round-trip")
	}
}

type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

func TestMergeClose(t *testing.T) {
	xs := []float64{1, 2, 3}
	in := []curve{
		{names: []string{"w1"}, xs: xs, ys: []float64{10, 20, 30}},
		{names: []string{"s1"}, xs: xs, ys: []float64{5, 6, 7}},
		{names: []string{"w2"}, xs: xs, ys: []float64{10.4, 19.7, 30.5}},
		{names: []string{"w3"}, xs: xs, ys: []float64{10, 20, 31}}, // 1 point off at the end
		{names: []string{"short"}, xs: xs[:2], ys: []float64{10, 20}},
	}
	got := mergeClose(in, 0.5)
	var names []string
	for _, c := range got {
		names = append(names, strings.Join(c.names, "+"))
	}
	want := []string{"w1+w2", "s1", "w3", "short"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("mergeClose groups %v, want %v", names, want)
	}
}
