package capout

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// WriteSummary prints m the way k6 prints its end-of-test summary: one line per metric, sorted
// by name; trends as avg/min/med/p(90)/p(95)/p(99)/max (time trends with units), counters as
// total and per second, rates as a percentage, gauges as the sum of the instances' last values.
func WriteSummary(w io.Writer, m *Merged) error {
	span := time.Duration(m.EndMS-m.StartMS) * time.Millisecond
	segs := make([]string, len(m.Segments))
	for i, s := range m.Segments {
		if s == "" {
			s = "0:1"
		}
		segs[i] = s
	}
	var b strings.Builder
	fmt.Fprintf(&b, "merged %d file(s), segments %s (coverage %.4g), %s of %s intervals\n",
		len(m.Files), strings.Join(segs, " "), m.Coverage, span, time.Duration(m.IntervalMS)*time.Millisecond)
	for _, wr := range m.Warnings {
		fmt.Fprintf(&b, "  WARNING: %s\n", wr)
	}
	names := make([]string, 0, len(m.Metrics))
	width := 0
	for n := range m.Metrics {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	for _, n := range names {
		s := m.Metrics[n]
		fmt.Fprintf(&b, "  %s%s: ", n, strings.Repeat(".", width+3-len(n)))
		switch s.Type {
		case TypeTrend:
			v := func(x float64) string { return formatValue(x, s.IsTime) }
			fmt.Fprintf(&b, "avg=%s min=%s med=%s p(90)=%s p(95)=%s p(99)=%s max=%s count=%d",
				v(s.Mean), v(s.Min), v(s.Percentiles["p(50)"]), v(s.Percentiles["p(90)"]),
				v(s.Percentiles["p(95)"]), v(s.Percentiles["p(99)"]), v(s.Max), s.Count)
			if s.Clamped > 0 {
				fmt.Fprintf(&b, " (%d clamped at the histogram's top)", s.Clamped)
			}
		case TypeCounter:
			fmt.Fprintf(&b, "%s %s/s", trimFloat(s.Sum), trimFloat(s.Rate))
		case TypeRate:
			fmt.Fprintf(&b, "%.2f%% %d of %d", 100*s.Rate, int64(s.Sum), s.Count)
		case TypeGauge:
			fmt.Fprintf(&b, "%s min=%s max=%s", trimFloat(s.Last), trimFloat(s.Min), trimFloat(s.Max))
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// formatValue prints a time trend value (ms) with k6's units, others plainly.
func formatValue(ms float64, isTime bool) string {
	if !isTime {
		return trimFloat(ms)
	}
	switch {
	case ms < 1:
		return fmt.Sprintf("%.2fµs", ms*1000)
	case ms < 1000:
		return fmt.Sprintf("%.2fms", ms)
	default:
		return fmt.Sprintf("%.2fs", ms/1000)
	}
}

func trimFloat(x float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", x), "0"), ".")
}
