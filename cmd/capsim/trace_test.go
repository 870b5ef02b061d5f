package main

import (
	"io"
	"runtime"
	"testing"
)

// TestTraceGenStreams: `capsim trace gen` writes the trace as it generates it. A 2-hour M/M/1
// trace (about 576,000 records) to standard output allocates about 0.1 MB (loading the
// scenario, the command, a 64 KiB buffer); the in-memory generator allocated 203 MB for it and,
// for `medium --duration 24h`, peaked at 1 GB of resident memory.
func TestTraceGenStreams(t *testing.T) {
	rootCmd.SetOut(io.Discard)
	defer rootCmd.SetOut(nil)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	if code := run([]string{"trace", "gen", "examples/mm1", "--duration", "2h", "--seed", "1", "-o", "-"}); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	runtime.ReadMemStats(&ms)
	got := ms.TotalAlloc - before
	t.Logf("allocated %.1f MB", float64(got)/(1<<20))
	if got > 16<<20 {
		t.Errorf("trace gen allocated %.1f MB for a 2-hour trace: it holds the trace in memory", float64(got)/(1<<20))
	}
}
