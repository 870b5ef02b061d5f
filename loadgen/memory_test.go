package loadgen_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/capsim/capsim/fixtures/loopback"
	"github.com/capsim/capsim/loadgen"
)

// TestMemoryPerVU: 1,000 VUs of the lean HTTP client, each holding its connection and
// blocked in a request to a stalled target, cost at most 50 KB of Go heap and stack each
// (issue 4's budget; kernel socket buffers are not counted). The target runs in this process,
// so its per-request goroutines are counted against the VUs too: an upper bound.
func TestMemoryPerVU(t *testing.T) {
	const n = 1000
	srv, err := loopback.Start(loopback.Config{GRPCAddr: "off", StallAt: 0, StallFor: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	g, _ := loadgen.NewGuard()
	target, _ := loadgen.NewRawHTTPAPI(srv.URL(), listOnly(), g, 1)
	ex, _ := loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 2000, Duration: 600 * time.Millisecond, PreAllocatedVUs: n, MaxVUs: n})
	mem := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse + m.StackInuse
	}
	before := mem()
	var during uint64
	res, err := ex.Run(context.Background(), target, loadgen.WithProgress(func(s loadgen.Snapshot) {
		if s.Elapsed > 500*time.Millisecond && during == 0 {
			during = mem()
		}
	}, 100*time.Millisecond), loadgen.WithGracefulStop(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if during == 0 || res.VUs != n {
		t.Fatalf("no sample (VUs %d)", res.VUs)
	}
	per := float64(during-before) / n
	t.Logf("%d VUs (≈ %d requests in flight): %.1f KB per VU", n, res.Completed(), per/1024)
	if per > 50*1024 {
		t.Errorf("%.1f KB per VU > 50 KB", per/1024)
	}
}
