package reports

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/capsim/capsim/sim"
)

// go-chart panics or errors on a single point, all-equal values and NaN/Inf. Every such
// input must give a report with a "not enough data" note, never a panic or an error.
func TestDegenerateInputs(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name   string
		mutate func(r *sim.Result)
		// notes is the least number of "Not enough data" notes expected.
		notes int
	}{
		{"empty result", func(r *sim.Result) { *r = sim.Result{} }, 0},
		{"no sweep", func(r *sim.Result) { r.Sweep = nil }, 3},
		{"one sweep point", func(r *sim.Result) { r.Sweep = r.Sweep[:1] }, 3},
		{"all loads equal", func(r *sim.Result) {
			for i := range r.Sweep {
				r.Sweep[i].Load = 100
			}
		}, 3},
		{"all values equal", func(r *sim.Result) {
			for i := range r.Sweep {
				for j := range r.Sweep[i].Flows {
					f := &r.Sweep[i].Flows[j]
					f.LatencyMS = sim.Latency{Mean: iv(5, 0), P50: iv(5, 0), P95: iv(5, 0), P99: iv(5, 0)}
					f.ThroughputPerS = iv(7, 0)
					f.OfferedPerS = 7
				}
				for j := range r.Sweep[i].Stations {
					r.Sweep[i].Stations[j].Utilization = iv(0, 0)
				}
			}
			for j := range r.Nodes {
				r.Nodes[j].CPUUtilization = iv(0, 0)
			}
		}, 2},
		{"NaN and Inf everywhere", func(r *sim.Result) {
			r.DesignLoad = nan
			r.Saturation.Value, r.Saturation.CI95 = inf, [2]float64{nan, inf}
			r.HeadroomPercent = nan
			for i := range r.Sweep {
				r.Sweep[i].Load = nan
			}
			for j := range r.Nodes {
				r.Nodes[j].CPUUtilization = iv(nan, 0)
			}
			r.Storage.Nodes[0].DaysUntilFull = inf
			r.Storage.Nodes[1].BytesPerDay = nan
			r.Flows[0].LatencyMS.P95 = iv(inf, 0)
		}, 4},
		{"zero and negative", func(r *sim.Result) {
			r.DesignLoad, r.ClaimedCapacity = 0, -5
			for i := range r.Storage.Nodes {
				r.Storage.Nodes[i].BytesPerDay = 0
			}
		}, 1},
		{"no nodes, no storage", func(r *sim.Result) { r.Nodes, r.Storage = nil, nil }, 0},
		// failure timelines: each failure has two charts, both replaced by a note
		{"empty timeline", func(r *sim.Result) { r.Failures[0].Timeline = nil }, 2},
		{"timeline of one point", func(r *sim.Result) { r.Failures[1].Timeline = r.Failures[1].Timeline[:1] }, 2},
		{"timeline of equal times", func(r *sim.Result) {
			for i := range r.Failures[2].Timeline {
				r.Failures[2].Timeline[i].T = 7
			}
		}, 2},
		{"timeline all NaN and Inf", func(r *sim.Result) {
			for i := range r.Failures[0].Timeline {
				p := &r.Failures[0].Timeline[i]
				p.ThroughputPerS, p.EventsPerS, p.P95MS, p.Backlog, p.Errors = nan, nan, inf, nan, inf
			}
			for k := range r.Failures[0].FlowTimelines {
				ft := &r.Failures[0].FlowTimelines[k]
				for i := range ft.P95MS {
					ft.P95MS[i], ft.ThroughputPerS[i] = inf, nan
				}
			}
			for i := range r.Failures[1].Timeline {
				r.Failures[1].Timeline[i].T = nan
			}
		}, 4},
		{"flow timelines NaN and Inf", func(r *sim.Result) {
			for k := range r.Failures[0].FlowTimelines {
				ft := &r.Failures[0].FlowTimelines[k]
				for i := range ft.P95MS {
					ft.P95MS[i], ft.ThroughputPerS[i] = nan, inf
				}
				ft.P95TargetMS = nan
			}
			r.Failures[1].FlowTimelines[1].P95MS = nil // shorter than the timeline: all-flows P95
			r.Failures[2].FlowTimelines = append(r.Failures[2].FlowTimelines, sim.FlowTimeline{Flow: "idle",
				P95MS: make([]float64, len(r.Failures[2].Timeline)), ThroughputPerS: make([]float64, len(r.Failures[2].Timeline))})
		}, 0},
		{"timeline all zero", func(r *sim.Result) {
			for i := range r.Failures[0].Timeline {
				r.Failures[0].Timeline[i] = sim.TimePoint{T: float64(i)}
			}
		}, 0},
		{"failure measures NaN", func(r *sim.Result) {
			f := &r.Failures[0]
			f.AtS, f.RTOS, f.DetectionS, f.PeakP95MS = nan, iv(nan, 0), iv(inf, 0), iv(nan, inf)
			f.DegradedSaturation, f.RecoverAfterS = inf, nan
			f.Events = append(f.Events, sim.TimelineEvent{T: nan, What: "?"})
			r.NMinus1[0].FractionOfDesign, r.NMinus1[1].Saturation = nan, inf
			r.Availability.Availability, r.Availability.DowntimePerYearH = iv(nan, 0), inf
			r.Capacity, r.CapacityLimit = inf, ""
		}, 0},
		{"failures without names or events", func(r *sim.Result) {
			for i := range r.Failures {
				r.Failures[i].Name, r.Failures[i].Target, r.Failures[i].Kind, r.Failures[i].Events = "", "", "", nil
			}
			r.Availability.Tier, r.Availability.Method = "", ""
			r.NMinus1 = []sim.NMinus1Row{{}}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sampleResult()
			tt.mutate(r)
			var buf bytes.Buffer
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("WriteHTML panicked: %v", p)
					}
				}()
				if err := WriteHTML(&buf, []*sim.Result{r, sampleResult()}); err != nil {
					t.Fatalf("WriteHTML: %v", err)
				}
			}()
			if got := strings.Count(buf.String(), "Not enough data"); got < tt.notes {
				t.Errorf("%d 'not enough data' notes, want at least %d", got, tt.notes)
			}
			if got := strings.Count(buf.String(), "<svg "); got != strings.Count(buf.String(), "</svg>") {
				t.Errorf("unbalanced svg tags")
			}
		})
	}
}

func TestBadArguments(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, nil); !errors.Is(err, ErrNoResults) {
		t.Errorf("WriteHTML(nil) = %v, want ErrNoResults", err)
	}
	if err := WriteHTML(&buf, []*sim.Result{sampleResult(), nil}); !errors.Is(err, ErrNoResults) {
		t.Errorf("WriteHTML with a nil result = %v, want ErrNoResults", err)
	}
	if err := WriteJSON(&buf, nil); !errors.Is(err, ErrNoResults) {
		t.Errorf("WriteJSON(nil) = %v, want ErrNoResults", err)
	}
	if err := WriteComparisonJSON(&buf, []*sim.Result{}); !errors.Is(err, ErrNoResults) {
		t.Errorf("WriteComparisonJSON(empty) = %v, want ErrNoResults", err)
	}
	if buf.Len() != 0 {
		t.Errorf("failed writes wrote %d bytes", buf.Len())
	}
}

func TestJSONNonFiniteNamesTheField(t *testing.T) {
	r := sampleResult()
	r.Flows[1].LatencyMS.P95.CI95[1] = math.Inf(1)
	var buf bytes.Buffer
	err := WriteJSON(&buf, r)
	if err == nil {
		t.Fatal("WriteJSON accepted +Inf")
	}
	if want := "flows[1].latency_ms.p95.ci95[1]"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
	if buf.Len() != 0 {
		t.Error("a failed WriteJSON wrote a partial file")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorsPropagate(t *testing.T) {
	if err := WriteHTML(failWriter{}, []*sim.Result{sampleResult()}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteHTML to a failing writer = %v", err)
	}
	if err := WriteJSON(failWriter{}, sampleResult()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteJSON to a failing writer = %v", err)
	}
}
