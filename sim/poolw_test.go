package sim

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/capsim/capsim/sim/analytic"
)

// queueYAML is a queue with c consumers in front of a handler of exponential CPU demand, on a
// node with more cores than consumers (each consumer gets a whole core): the queue row is an
// M/M/c station, or M/M/c/K with a bounded waiting line that drops.
func queueYAML(rate float64, consumers, capacity int, overflow string) string {
	return fmt.Sprintf(`
name: queue
load: {design: %[1]g}
nodes: [{name: n, cores: 16}]
services:
  - name: front
    placement: [n]
    handlers: [{class: put, calls: [{queue: jobs}]}]
  - name: worker
    placement: [n]
    handlers: [{class: work, cpu: {dist: exponential, mean: 10ms}}]
queues:
  - {name: jobs, concurrency: %[2]d, capacity: %[3]d, overflow: %[4]s, consumer: {service: worker, class: work}}
flows:
  - {name: jobs, rate: %[1]g/s, entry: {service: front, class: put}}
`, rate, consumers, capacity, overflow)
}

// TestPoolResponseTime: a pool or queue row's mean response time is W = L / λ (Little's law,
// λ the arrivals admitted), with its interval over replications, and it is the closed form's W
// for a queue that is a textbook station: M/M/2 at ρ = 0.8 (Erlang C), and M/M/1/10 at offered
// ρ = 1.5 that drops what finds 9 waiting (W over the accepted requests).
func TestPoolResponseTime(t *testing.T) {
	mm2, err := analytic.MMc(160, 0.010, 2)
	if err != nil {
		t.Fatal(err)
	}
	mm1k, err := analytic.MMcK(150, 0.010, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		yaml  string
		rate  float64
		wantW float64 // ms
	}{
		{"M/M/2", queueYAML(160, 2, 0, "block"), 160, mm2.W * 1e3},
		{"M/M/1/10 drop", queueYAML(150, 1, 9, "drop"), 150, mm1k.W * 1e3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := loadYAML(t, c.yaml)
			p, err := mustCompile(t, s).At(c.rate, WithReplications(10), WithDuration(200*time.Second, 10*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			var q *StationResult
			for i := range p.Stations {
				if p.Stations[i].Kind == kindQueue {
					q = &p.Stations[i]
				}
			}
			if q == nil {
				t.Fatal("no queue row")
			}
			w := q.MeanResponseMS
			if w.Mean <= 0 || !inside(w, c.wantW) {
				t.Errorf("queue W %.2f ms CI %v, want %.2f ms inside (L %.3f, λ %.1f/s)", w.Mean, w.CI95, c.wantW, q.MeanInSystem.Mean, q.ThroughputPerS.Mean)
			}
			t.Logf("W %.3f ms CI %v, theory %.3f ms; L %.3f; λ %.2f/s; drops %.0f; flow mean %.3f", w.Mean, w.CI95, c.wantW, q.MeanInSystem.Mean, q.ThroughputPerS.Mean, q.Drops, p.Flows[0].LatencyMS.Mean.Mean)
			// the front does no work: the requests' own end-to-end mean is the queue's W
			if f := p.Flows[0].LatencyMS.Mean; math.Abs(f.Mean-w.Mean) > 0.02*w.Mean {
				t.Errorf("queue W %.2f ms, the flow's measured mean %.2f ms", w.Mean, f.Mean)
			}
		})
	}
	// one replication without drops: W·λ is L exactly
	s := loadYAML(t, queueYAML(160, 2, 0, "block"))
	p, err := mustCompile(t, s).At(160, WithReplications(1), WithDuration(50*time.Second, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range p.Stations {
		if st.Kind != kindQueue && st.Kind != kindPool {
			continue
		}
		l, lw := st.MeanInSystem.Mean, st.ThroughputPerS.Mean*st.MeanResponseMS.Mean/1e3
		if l == 0 || math.Abs(l-lw) > 1e-9*l {
			t.Errorf("%s: L = %.6f, λ·W = %.2f/s × %.4f ms = %.6f", st.Name, l, st.ThroughputPerS.Mean, st.MeanResponseMS.Mean, lw)
		}
	}
}
