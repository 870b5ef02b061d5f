package reports

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wcharczuk/go-chart/v2/drawing"

	"github.com/capsim/capsim/sim"
)

// svgPath is one <path> of a chart: its points (pixels), style and dash pattern.
type svgPath struct {
	pts         [][2]float64
	style, dash string
}

var (
	rePath  = regexp.MustCompile(`(?s)<path\s+(?:stroke-dasharray="([^"]*)"\s+)?d="([^"]*)"\s+style="([^"]*)"`)
	rePoint = regexp.MustCompile(`[ML]\s*(-?[0-9.]+)\s+(-?[0-9.]+)`)
	reText  = regexp.MustCompile(`<text x="(-?[0-9.]+)" y="(-?[0-9.]+)"[^>]*>([^<]*)</text>`)
)

func svgPaths(svg string) []svgPath {
	var out []svgPath
	for _, m := range rePath.FindAllStringSubmatch(svg, -1) {
		p := svgPath{dash: m[1], style: m[3]}
		for _, q := range rePoint.FindAllStringSubmatch(m[2], -1) {
			x, _ := strconv.ParseFloat(q[1], 64)
			y, _ := strconv.ParseFloat(q[2], 64)
			p.pts = append(p.pts, [2]float64{x, y})
		}
		out = append(out, p)
	}
	return out
}

func stroke(c drawing.Color) string {
	return fmt.Sprintf("stroke:rgba(%d,%d,%d,1.0)", c.R, c.G, c.B)
}

// vertical is the x of the vertical two-point line drawn in colour c (ok false if none).
func vertical(ps []svgPath, c drawing.Color) (x float64, ok bool) {
	for _, p := range ps {
		if strings.Contains(p.style, stroke(c)) && len(p.pts) == 2 && p.pts[0][0] == p.pts[1][0] && p.pts[0][1] != p.pts[1][1] {
			return p.pts[0][0], true
		}
	}
	return 0, false
}

// markedFailure is a failure on a 0–200 s timeline: fault at 60 s, detected 10 s later,
// repaired after 100 s, back within the SLO 25 s after the fault.
func markedFailure() (*sim.Result, sim.FailureResult) {
	r := &sim.Result{Scenario: "s", Flows: []sim.FlowResult{{Name: "req", P95TargetMS: 500}}}
	f := sim.FailureResult{Name: "node a crash", Target: "a", Kind: "crash", AtS: 60, RecoverAfterS: 100,
		Detected: true, DetectionS: iv(10, 1), Recovered: true, RTOS: iv(25, 2), RTOMet: true}
	for t := 0; t <= 200; t++ {
		p95 := 120.0
		if t > 60 && t <= 85 {
			p95 = 900
		}
		f.Timeline = append(f.Timeline, sim.TimePoint{T: float64(t), ThroughputPerS: 100, P95MS: p95})
	}
	return r, f
}

// TestFailureChartRTOMarker: each failure chart draws the recovery at fault + RTO, named
// "RTO" in the chart itself: its x lies between the fault's and the repair's as 25 s between
// 0 and 100 s.
func TestFailureChartRTOMarker(t *testing.T) {
	r, f := markedFailure()
	thr, lat := timelineCharts(r, f)
	for _, fig := range []figure{thr, lat} {
		svg := string(fig.SVG)
		if svg == "" {
			t.Fatalf("%s: no chart (%s)", fig.Name, fig.Note)
		}
		ps := svgPaths(svg)
		xf, okF := vertical(ps, colFault)
		xr, okR := vertical(ps, colRepair)
		xb, okB := vertical(ps, colBack)
		if !okF || !okR || !okB {
			t.Fatalf("%s: fault %v, repair %v, recovery %v lines drawn", fig.Name, okF, okR, okB)
		}
		if want := xf + (xr-xf)*25/100; xb < want-1 || xb > want+1 {
			t.Errorf("%s: recovery line at x = %g px, want %g (fault %g, repair %g)", fig.Name, xb, want, xf, xr)
		}
		found := false
		for _, m := range reText.FindAllStringSubmatch(svg, -1) {
			if m[3] == "RTO" {
				x, _ := strconv.ParseFloat(m[1], 64)
				found = true
				if x < xb || x > xb+6 {
					t.Errorf("%s: label RTO at x = %g px, the line at %g", fig.Name, x, xb)
				}
			}
		}
		if !found {
			t.Errorf("%s: no label RTO in the chart", fig.Name)
		}
		legend := ""
		for _, l := range fig.Legend {
			legend += l.Label + "\n"
		}
		if !strings.Contains(legend, "RTO 25 s") {
			t.Errorf("%s: legend %q does not name the RTO", fig.Name, legend)
		}
	}
	// not recovered: no RTO line
	f.Recovered = false
	_, lat = timelineCharts(r, f)
	if strings.Contains(string(lat.SVG), ">RTO<") {
		t.Error("an unrecovered failure got an RTO mark")
	}
}

// TestFailureChartNeverDetected: a fault no mechanism detected says "never detected" in the
// charts too (the table does), and draws no detection line.
func TestFailureChartNeverDetected(t *testing.T) {
	r, f := markedFailure()
	f.Detected, f.DetectionS = false, sim.Interval{}
	thr, lat := timelineCharts(r, f)
	for _, fig := range []figure{thr, lat} {
		var labels []string
		for _, l := range fig.Legend {
			labels = append(labels, l.Label)
		}
		if !strings.Contains(strings.Join(labels, "\n"), "never detected") {
			t.Errorf("%s: legend %q does not say the fault was never detected", fig.Name, labels)
		}
		if _, ok := vertical(svgPaths(string(fig.SVG)), colDetect); ok {
			t.Errorf("%s: a detection line for a fault never detected", fig.Name)
		}
	}
	_, f = markedFailure()
	thr, _ = timelineCharts(r, f)
	for _, l := range thr.Legend {
		if strings.Contains(l.Label, "never detected") {
			t.Errorf("a detected fault's legend says %q", l.Label)
		}
	}
}
