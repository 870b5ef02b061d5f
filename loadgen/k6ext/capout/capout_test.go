package capout

import (
	"bytes"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

type sample struct {
	name, typ string
	isTime    bool
	t         time.Time
	v         float64
}

// samples builds a deterministic data set over 3 one-second intervals: latencies that are
// multiples of 1/32 ms (so every sum is exact in float64), a counter, a rate and a gauge.
func samples() []sample {
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.UnixMilli(1_700_000_000_000)
	var out []sample
	for i := range 30000 {
		at := t0.Add(time.Duration(i) * 100 * time.Microsecond) // 3 s in total
		lat := float64(1+rng.IntN(64_000)) / 32                 // 1/32 … 2000 ms: binary fractions, sums exact
		out = append(out,
			sample{"http_req_duration", TypeTrend, true, at, lat},
			sample{"capsim_events", TypeCounter, false, at, float64(1 + i%100)},
			sample{"http_req_failed", TypeRate, false, at, float64(i % 7 / 6)},
		)
		if i%1000 == 0 {
			out = append(out, sample{"vus", TypeGauge, false, at, float64(10 + i/1000)})
		}
	}
	return out
}

func record(t *testing.T, segment string, ss []sample) *File {
	t.Helper()
	var buf bytes.Buffer
	r, err := NewRecorder(&buf, NewHeader(segment, time.Unix(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range ss {
		if err := r.Add(s.name, s.typ, s.isTime, s.t, s.v); err != nil {
			t.Fatal(err)
		}
		if i == len(ss)/2 { // exercise partial flushing
			if err := r.FlushBefore(s.t); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := Read(segment, &buf)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Two instances each recording part of the samples (as k6 --execution-segment does) merge into
// exactly what one instance recording all of them gives: same counts, sums, extremes, histograms.
func TestMergeOfSegmentsEqualsSingleRun(t *testing.T) {
	all := samples()
	var a, b []sample
	for i, s := range all {
		if s.typ == TypeGauge { // a gauge is per instance: give both the same VU count
			a, b = append(a, s), append(b, s)
			continue
		}
		if (i/3)%3 == 0 { // an uneven split, interleaved in time
			a = append(a, s)
		} else {
			b = append(b, s)
		}
	}
	one, err := Merge(record(t, "", all))
	if err != nil {
		t.Fatal(err)
	}
	two, err := Merge(record(t, "0:1/2", a), record(t, "1/2:1", b))
	if err != nil {
		t.Fatal(err)
	}
	if two.Coverage != 1 || len(two.Warnings) != 0 {
		t.Errorf("coverage %v warnings %v, want 1 and none", two.Coverage, two.Warnings)
	}
	// Gauges add up over instances: each had the same VUs, so the merge holds twice the value.
	g1, g2 := one.Metrics["vus"], two.Metrics["vus"]
	if g2.Last != 2*g1.Last || g1.Last != 39 {
		t.Errorf("gauge last: one %v, two %v; want 39 and 78", g1.Last, g2.Last)
	}
	delete(one.Metrics, "vus")
	delete(two.Metrics, "vus")
	if diff := cmp.Diff(one.Metrics, two.Metrics, cmpopts.IgnoreUnexported(Stat{})); diff != "" {
		t.Errorf("merged totals differ from the single run (-one +two):\n%s", diff)
	}
	if len(one.Intervals) != 3 || len(two.Intervals) != 3 {
		t.Fatalf("intervals: %d and %d, want 3", len(one.Intervals), len(two.Intervals))
	}
	for i := range one.Intervals {
		delete(one.Intervals[i].Metrics, "vus")
		delete(two.Intervals[i].Metrics, "vus")
	}
	if diff := cmp.Diff(one.Intervals, two.Intervals, cmpopts.IgnoreUnexported(Stat{})); diff != "" {
		t.Errorf("merged intervals differ (-one +two):\n%s", diff)
	}
}

// Percentiles from the merged histogram agree with the exact sample percentiles (nearest rank)
// within the histogram's 3-digit resolution, and the counters with direct sums.
func TestMergedValuesAgainstExact(t *testing.T) {
	all := samples()
	var lat []float64
	var events, failed, n float64
	for _, s := range all {
		switch s.name {
		case "http_req_duration":
			lat = append(lat, s.v)
		case "capsim_events":
			events += s.v
		case "http_req_failed":
			failed += s.v
			n++
		}
	}
	sort.Float64s(lat)
	m, err := Merge(record(t, "", all))
	if err != nil {
		t.Fatal(err)
	}
	d := m.Metrics["http_req_duration"]
	for _, p := range Percentiles {
		rank := int(math.Ceil(p / 100 * float64(len(lat))))
		exact := lat[rank-1]
		got := d.Percentiles[PercentileName(p)]
		if math.Abs(got-exact) > 1e-3*exact+1e-3 {
			t.Errorf("%s = %v, exact %v", PercentileName(p), got, exact)
		}
	}
	if d.Min != lat[0] || d.Max != lat[len(lat)-1] || d.Count != int64(len(lat)) {
		t.Errorf("min/max/count %v/%v/%v, want %v/%v/%v", d.Min, d.Max, d.Count, lat[0], lat[len(lat)-1], len(lat))
	}
	if got := m.Metrics["capsim_events"].Sum; got != events {
		t.Errorf("events %v, want %v", got, events)
	}
	if got := m.Metrics["http_req_failed"].Rate; math.Abs(got-failed/n) > 1e-12 {
		t.Errorf("failed rate %v, want %v", got, failed/n)
	}
	if got := m.Metrics["capsim_events"].Rate; math.Abs(got-events/3) > 1e-9 {
		t.Errorf("events/s %v, want %v over 3 s", got, events/3)
	}
}

func TestCoverage(t *testing.T) {
	tests := []struct {
		segs  []string
		cov   float64
		warns int
	}{
		{[]string{""}, 1, 0},
		{[]string{"0:1/3", "1/3:2/3", "2/3:1"}, 1, 0},
		{[]string{"0:0.5", "1/2:1"}, 1, 0},
		{[]string{"0:1/2"}, 0.5, 1},
		{[]string{"0:1/2", "0:1/2"}, 1, 1},
		{[]string{"x"}, 0, 2},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.segs, ","), func(t *testing.T) {
			cov, w := coverage(tt.segs)
			if cov != tt.cov || len(w) != tt.warns {
				t.Errorf("coverage %v warnings %q; want %v and %d warnings", cov, w, tt.cov, tt.warns)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	hdr := `{"kind":"header","version":1,"interval_ms":1000,"scale":1000,"highest_trackable":3600000000,"significant_digits":3}`
	tests := map[string]string{
		"empty":          "",
		"not json":       "{",
		"bad version":    `{"kind":"header","version":7,"interval_ms":1000,"scale":1000,"highest_trackable":10,"significant_digits":3}`,
		"record first":   `{"kind":"metric","metric":"x","type":"counter"}`,
		"unknown type":   hdr + "\n" + `{"kind":"metric","metric":"x","type":"histo"}`,
		"trend no hdr":   hdr + "\n" + `{"kind":"metric","metric":"x","type":"trend","count":1}`,
		"bad hdr":        hdr + "\n" + `{"kind":"metric","metric":"x","type":"trend","count":1,"hdr":"!!"}`,
		"count mismatch": hdr + "\n" + `{"kind":"metric","metric":"x","type":"trend","count":3,"hdr":"HISTFAAAACR4nJNpmSzMwMDAyAABMJoRTM6Y1mD/ASLwiYkBAF3WBVU="}`,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Read("f", strings.NewReader(in)); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := Merge(); err == nil {
		t.Error("Merge() of nothing: no error")
	}
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	r, _ := NewRecorder(&buf, NewHeader("0:1", time.Unix(0, 0)))
	_ = r.Add("d", TypeTrend, true, time.Unix(1, 0), 12.5)
	_ = r.Add("c", TypeCounter, false, time.Unix(1, 0), 2)
	_ = r.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Read("fuzz", bytes.NewReader(b))
		if err != nil {
			return
		}
		_, _ = Merge(file, file)
	})
}
