package reports

import (
	"math"
	"strings"
	"testing"

	"github.com/capsim/capsim/sim"
)

// TestFailureChartPerFlow: with per-flow series the P95 charts draw one P95 line per flow and
// each flow's own target, in the flow's colour and labelled with its name, and no all-flows
// P95; the targets lie at their values (500 ms a quarter as high as 2,000 ms).
func TestFailureChartPerFlow(t *testing.T) {
	r, f := markedFailure()
	r.Flows = []sim.FlowResult{{Name: "ingest", P95TargetMS: 2000}, {Name: "api", P95TargetMS: 500}}
	ing := sim.FlowTimeline{Flow: "ingest", P95TargetMS: 2000}
	api := sim.FlowTimeline{Flow: "api", P95TargetMS: 500}
	for i, p := range f.Timeline {
		ip := 250.0
		if p.T > 60 && p.T <= 66 {
			ip = 3700 // only ingest goes through the failed node
		}
		ing.P95MS, ing.ThroughputPerS = append(ing.P95MS, ip), append(ing.ThroughputPerS, 80)
		api.P95MS, api.ThroughputPerS = append(api.P95MS, 90+float64(i%7)), append(api.ThroughputPerS, 20)
		f.Timeline[i].P95MS = ip // the all-flows P95 is ingest's
	}
	f.FlowTimelines = []sim.FlowTimeline{ing, api}
	f.AtS, f.RecoverAfterS, f.RTOS = 60, 100, iv(6, 0.5)
	_, lat := timelineCharts(r, f)
	onset := onsetChart(r, f)
	if onset == nil {
		t.Fatal("no onset chart")
	}
	for _, fig := range []figure{lat, *onset} {
		svg := string(fig.SVG)
		if svg == "" {
			t.Fatalf("%s: no chart (%s)", fig.Name, fig.Note)
		}
		var labels []string
		for _, l := range fig.Legend {
			labels = append(labels, l.Label)
		}
		legend := strings.Join(labels, "\n")
		for _, want := range []string{"P95 of ingest per second", "P95 of api per second", "ingest SLO: P95 ≤ 2,000 ms", "api SLO: P95 ≤ 500 ms", "RTO 6 s"} {
			if !strings.Contains(legend, want) {
				t.Errorf("%s: legend lacks %q:\n%s", fig.Name, want, legend)
			}
		}
		if strings.Contains(legend, "P95 of the requests completed") {
			t.Errorf("%s: the all-flows P95 is still drawn:\n%s", fig.Name, legend)
		}
		ps := svgPaths(svg)
		faultX, ok := vertical(ps, colFault)
		if !ok {
			t.Fatalf("%s: no fault line", fig.Name)
		}
		var bottom, top float64 // the fault line runs from 0 ms to the top of the axis
		for _, p := range ps {
			if strings.Contains(p.style, stroke(colFault)) && len(p.pts) == 2 && p.pts[0][0] == faultX {
				bottom, top = p.pts[0][1], p.pts[1][1]
			}
		}
		targetY := map[string]float64{}
		for k, name := range []string{"ingest", "api"} {
			c := palette[flowColours[k]]
			lines, target := 0, false
			for _, p := range ps {
				if !strings.Contains(p.style, stroke(c)) || len(p.pts) < 2 {
					continue
				}
				if p.dash == "" {
					lines++
				} else if len(p.pts) == 2 && p.pts[0][1] == p.pts[1][1] {
					target, targetY[name] = true, p.pts[0][1]
				}
			}
			if lines == 0 || !target {
				t.Errorf("%s: flow %s drawn with %d P95 lines and target %v in its colour", fig.Name, name, lines, target)
			}
		}
		if got := (bottom - targetY["api"]) / (bottom - targetY["ingest"]); math.Abs(got-0.25) > 0.02 { // pixels are whole numbers
			t.Errorf("%s: api's target %.3f as high as ingest's, want 0.25 (y api %g, ingest %g, axis %g–%g)", fig.Name, got, targetY["api"], targetY["ingest"], bottom, top)
		}
	}
}
