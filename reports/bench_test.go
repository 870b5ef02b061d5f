package reports

import (
	"io"
	"testing"

	"github.com/capsim/capsim/sim"
)

// BenchmarkWriteHTML renders the 2-tier sample report (27 charts); reports/s and KB/report
// are the figures that matter.
func BenchmarkWriteHTML(b *testing.B) {
	tiers := sampleTiers()
	var n countWriter
	for b.Loop() {
		n = 0
		if err := WriteHTML(&n, tiers); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/1000, "KB/report")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
}

func BenchmarkWriteJSON(b *testing.B) {
	r := sampleResult()
	for b.Loop() {
		if err := WriteJSON(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

var _ = sim.Result{}
