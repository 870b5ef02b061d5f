package k6ext_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/capsim/capsim/fixtures/loopback"
	"github.com/capsim/capsim/loadgen/k6ext/capout"
)

var (
	k6Once sync.Once
	k6Bin  string
	k6Err  error
)

// buildK6 builds the custom k6 (cmd/k6, its own module) once per test binary.
func buildK6(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds bin/k6 (25–90 s): skipped with -short")
	}
	k6Once.Do(func() {
		dir, err := os.MkdirTemp("", "capsim-k6-")
		if err != nil {
			k6Err = err
			return
		}
		k6Bin = filepath.Join(dir, "k6")
		cmd := exec.Command("go", "build", "-o", k6Bin, ".")
		cmd.Dir = filepath.Join("..", "..", "cmd", "k6")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			k6Err = err
			k6Bin = out.String()
		}
	})
	if k6Err != nil {
		t.Fatalf("go build ./cmd/k6: %v\n%s", k6Err, k6Bin)
	}
	return k6Bin
}

// runK6 runs k6 with the usage report and extension resolution off, bounded to 2 minutes.
func runK6(t *testing.T, bin string, env []string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), append([]string{"K6_NO_USAGE_REPORT=true", "K6_AUTO_EXTENSION_RESOLUTION=false",
		"K6_NO_COLOR=true"}, env...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("k6 %v: %v\n%s", args, err, out.String())
	}
}

func readMerged(t *testing.T, paths ...string) *capout.Merged {
	t.Helper()
	var files []*capout.File
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := capout.Read(p, f)
		_ = f.Close()
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, cf)
	}
	m, err := capout.Merge(files...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// bin/k6 drives the loopback target through k6/x/capsim for 3 s (HTTP JSON, then gRPC) and
// writes the capsim output; what the output counts agrees with what the target saw.
func TestSmokeK6AgainstLoopback(t *testing.T) {
	bin := buildK6(t)
	srv, err := loopback.Start(loopback.Config{CheckIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	script := filepath.Join("..", "..", "fixtures", "k6", "agents.js")
	const rate, seconds, batch = 100, 3, 50
	total := 0.0
	for _, target := range []string{srv.URL() + "/ingest", "grpc://" + srv.GRPCAddr()} {
		out := filepath.Join(dir, "out.ndjson")
		runK6(t, bin, []string{"TARGET=" + target, "RATE=100", "DURATION=3s", "BATCH=50", "VUS=10"},
			"run", "-q", "--out", "capsim="+out, script)
		m := readMerged(t, out)
		ev, ack, dur := m.Metrics["capsim_events"], m.Metrics["capsim_events_acked"], m.Metrics["capsim_batch_duration"]
		dropped := m.Metrics["dropped_iterations"].Sum
		// constant-arrival-rate starts an iteration at every multiple of 1/rate in [0, duration]
		// (k6 may or may not count the one exactly at the end), or drops it (counted).
		if got := float64(dur.Count) + dropped; got != rate*seconds && got != rate*seconds+1 {
			t.Errorf("%s: %d batches + %v dropped, want %d", target, dur.Count, dropped, rate*seconds)
		}
		if ev.Sum != float64(dur.Count*batch) || ack.Sum != ev.Sum || m.Metrics["capsim_batches_failed"].Sum != 0 {
			t.Errorf("%s: events %v acked %v batches %d failed %v", target, ev.Sum, ack.Sum, dur.Count,
				m.Metrics["capsim_batches_failed"].Sum)
		}
		if !dur.IsTime || dur.Percentiles["p(95)"] <= 0 || len(m.Intervals) < seconds {
			t.Errorf("%s: batch duration %+v over %d intervals", target, dur, len(m.Intervals))
		}
		total += ev.Sum
	}
	st := srv.Stats()
	if float64(st.Events) != total || st.DuplicateIDs != 0 || st.BadRequests != 0 {
		t.Errorf("target saw %+v; the outputs counted %v events", st, total)
	}
}

// Two k6 instances running halves of a test with --execution-segment merge into exactly the
// histogram one instance records for the whole test (segment_trend.js adds iteration i + 1).
func TestSmokeSegmentsMergeEqualsSingleRun(t *testing.T) {
	bin := buildK6(t)
	dir := t.TempDir()
	script := filepath.Join("..", "..", "fixtures", "k6", "segment_trend.js")
	all := filepath.Join(dir, "all.ndjson")
	runK6(t, bin, nil, "run", "-q", "--out", "capsim="+all, script)
	var parts []string
	for i, seg := range []string{"0:1/3", "1/3:1"} {
		p := filepath.Join(dir, "seg"+string(rune('a'+i))+".ndjson")
		runK6(t, bin, nil, "run", "-q", "--execution-segment", seg, "--execution-segment-sequence", "0,1/3,1",
			"--out", "capsim="+p, script)
		parts = append(parts, p)
	}
	one, two := readMerged(t, all), readMerged(t, parts...)
	want, got := one.Metrics["seg_value"], two.Metrics["seg_value"]
	if want.Count != 2000 || want.Min != 1 || want.Max != 2000 || want.Sum != 2000*2001/2 {
		t.Errorf("single run: %+v, want 1 … 2000", want)
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(capout.Stat{})); diff != "" {
		t.Errorf("merged segments differ from the single run (-one +two):\n%s", diff)
	}
	if two.Coverage != 1 || len(two.Warnings) != 0 {
		t.Errorf("coverage %v, warnings %v", two.Coverage, two.Warnings)
	}
}
