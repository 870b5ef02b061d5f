package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/capsim/capsim/loadgen/k6ext/capout"
)

// writeSegment records latencies lo … hi ms (whole ms) as one k6 instance would.
func writeSegment(t *testing.T, path, segment string, lo, hi int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := capout.NewRecorder(f, capout.NewHeader(segment, time.Unix(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.UnixMilli(1_800_000_000_000)
	for v := lo; v <= hi; v++ {
		if err := r.Add("http_req_duration", capout.TypeTrend, true, t0.Add(time.Duration(v)*time.Millisecond), float64(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

// Two segments holding 1 … 600 and 601 … 1000 ms merge into the percentiles of 1 … 1000:
// p(95) = 950, where averaging the two instances' p(95) (570 and 980) would give 775.
func TestMergeCommand(t *testing.T) {
	dir := t.TempDir()
	a, b, out := filepath.Join(dir, "a.ndjson"), filepath.Join(dir, "b.ndjson"), filepath.Join(dir, "m.json")
	writeSegment(t, a, "0:1/2", 1, 600)
	writeSegment(t, b, "1/2:1", 601, 1000)
	if got := run([]string{"merge", a, b, "-o", out}); got != ExitOK {
		t.Fatalf("exit %d", got)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var m capout.Merged
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	d := m.Metrics["http_req_duration"]
	if p95 := d.Percentiles["p(95)"]; p95 < 949 || p95 > 951 || d.Count != 1000 || m.Coverage != 1 {
		t.Errorf("p(95) %v count %d coverage %v; want 950, 1000, 1", p95, d.Count, m.Coverage)
	}
	bad := filepath.Join(dir, "bad.ndjson")
	if err := os.WriteFile(bad, []byte("{\"kind\":\"metric\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"merge"}, {"merge", filepath.Join(dir, "missing")}, {"merge", a, bad}} {
		mergeOut = ""
		if got := run(args); got != ExitInvalid {
			t.Errorf("capsim %v: exit %d, want %d", args, got, ExitInvalid)
		}
	}
	mergeOut = ""
}
