package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/capsim/capsim/sim"
)

// TestTextNumRounds: the terminal rounds to its digits (2 below 10, 1 below 100, none above),
// half away from zero, never truncates.
func TestTextNumRounds(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want string
	}{
		{0.79985, "0.8"}, {0.795, "0.8"}, {1.999, "2"}, {0.125, "0.13"}, {9.996, "10"},
		{12.96, "13"}, {12.94, "12.9"}, {99.96, "100"}, {1234.5, "1,235"}, {70538.6, "70,539"},
		{-0.79985, "-0.8"}, {-1234.5, "-1,235"}, {-12.96, "-13"}, {0, "0"}, {5, "5"},
	} {
		if got := textNum(c.x); got != c.want {
			t.Errorf("textNum(%v) = %q, want %q", c.x, got, c.want)
		}
	}
}

// TestTextNeverDetected: a failure no mechanism detected says "never detected", not "detected
// never".
func TestTextNeverDetected(t *testing.T) {
	r := &sim.Result{Scenario: "s", Settings: sim.Settings{Replications: 1},
		Failures: []sim.FailureResult{{Name: "cache node lost", Detected: false, Recovered: true, RTOMet: true, RPOMet: true}}}
	var b bytes.Buffer
	if err := WriteText(&b, r, TextOptions{Report: "out/report.html", Took: time.Second}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "never detected") || strings.Contains(out, "detected never") {
		t.Errorf("%s", out)
	}
}

// TestTextNegativeAdvice: a change that lowers the saturation point is not shown as advice.
func TestTextNegativeAdvice(t *testing.T) {
	r := &sim.Result{Scenario: "s", LoadUnit: "sources", Advice: []sim.Advice{
		{Change: "+1 replica of correlation", Saturation: 127430, GainPercent: -33, Bottleneck: "cache-1/cpu"},
		{Change: "+1 node like proc-1", Saturation: 199167, GainPercent: 4, Bottleneck: "search-2/disk"},
	}}
	var b bytes.Buffer
	if err := WriteText(&b, r, TextOptions{Report: "out/report.html", Took: time.Second}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	adv, not := strings.Index(out, "advice           +1 node like proc-1"), strings.Index(out, "not advised      +1 replica of correlation")
	if adv < 0 || not < adv || !strings.Contains(out, "(-33 %): lowers the saturation point") {
		t.Errorf("%s", out)
	}
}
