package loadgen_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/capsim/capsim/fixtures/loopback"
	"github.com/capsim/capsim/loadgen"
)

// TestMain doubles as the loopback target of the benchmarks: with CAPSIM_LOOPBACK_CHILD=1 the
// test binary serves the loopback target, prints its addresses and waits for stdin to close,
// so the benchmarks measure the client's CPU alone (getrusage of this process).
func TestMain(m *testing.M) {
	if os.Getenv("CAPSIM_LOOPBACK_CHILD") == "1" {
		srv, err := loopback.Start(loopback.Config{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("%s %s\n", srv.URL(), srv.GRPCAddr())
		signal.Ignore(os.Interrupt)
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
		srv.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childTarget starts the loopback target in a child process pinned to the last CPU (taskset)
// and pins this process to the first, when the machine has two or more CPUs.
func childTarget(b *testing.B) (url, grpcAddr string) {
	b.Helper()
	args := []string{os.Args[0], "-test.run=^$"}
	pinned := false
	if n := runtime.NumCPU(); n >= 2 {
		if ts, err := exec.LookPath("taskset"); err == nil {
			args = append([]string{ts, "-c", strconv.Itoa(n - 1)}, args...)
			pinned = pinSelf(0)
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "CAPSIM_LOOPBACK_CHILD=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(line)
	if len(f) != 2 {
		b.Fatalf("child said %q", line)
	}
	if pinned {
		// One core for the client: one P, so hand-offs between the pacer and the VUs do not
		// bounce between two threads on the same CPU.
		prev := runtime.GOMAXPROCS(1)
		b.Cleanup(func() { runtime.GOMAXPROCS(prev) })
		b.Logf("client pinned to CPU 0 (GOMAXPROCS=1), target to CPU %d", runtime.NumCPU()-1)
	}
	return f[0], f[1]
}

// pinSelf sets the CPU affinity of every thread of this process to cpu.
func pinSelf(cpu int) bool {
	var set unix.CPUSet
	set.Set(cpu)
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return false
	}
	ok := true
	for _, e := range ents {
		tid, _ := strconv.Atoi(e.Name())
		if unix.SchedSetaffinity(tid, &set) != nil {
			ok = false
		}
	}
	return ok
}

func unpinSelf() {
	var set unix.CPUSet
	for i := range runtime.NumCPU() {
		set.Set(i)
	}
	ents, _ := os.ReadDir("/proc/self/task")
	for _, e := range ents {
		tid, _ := strconv.Atoi(e.Name())
		_ = unix.SchedSetaffinity(tid, &set)
	}
}

func report(b *testing.B, res *loadgen.Result) {
	b.ReportMetric(res.RequestsPerCPUSecond(), "req/CPU-s")
	b.ReportMetric(float64(res.Completed())/res.Duration.Seconds(), "req/s")
	b.ReportMetric(float64(res.Latency.ValueAtQuantile(99))/1000, "p99-ms")
	b.ReportMetric(float64(res.SchedLag.ValueAtQuantile(99))/1000, "schedlag-p99-ms")
	valid := 0.0
	if res.Valid {
		valid = 1
	}
	b.ReportMetric(valid, "valid")
	if res.OK != res.Scheduled {
		b.Logf("not all ok: %+v %v", res.Counts, res.Errors)
	}
}

// BenchmarkHTTPMaxRate: closed model, 8 VUs without think time, as fast as the target
// answers (GET /api/items, keep-alive). One op = one request.
func BenchmarkHTTPMaxRate(b *testing.B) {
	url, _ := childTarget(b)
	defer unpinSelf()
	g, _ := loadgen.NewGuard()
	target, _ := loadgen.NewHTTPAPI(url, listOnly(), g, 16, 1)
	ex, _ := loadgen.NewConstantVUs(loadgen.ConstantVUsConfig{VUs: 8, Duration: time.Hour})
	b.ReportAllocs()
	b.ResetTimer()
	res, err := ex.Run(context.Background(), target, loadgen.WithMaxRequests(uint64(b.N)))
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	report(b, res)
}

// BenchmarkRawHTTPMaxRate is BenchmarkHTTPMaxRate with the lean client (RawHTTPAPI).
func BenchmarkRawHTTPMaxRate(b *testing.B) {
	url, _ := childTarget(b)
	defer unpinSelf()
	g, _ := loadgen.NewGuard()
	target, _ := loadgen.NewRawHTTPAPI(url, listOnly(), g, 1)
	ex, _ := loadgen.NewConstantVUs(loadgen.ConstantVUsConfig{VUs: 8, Duration: time.Hour})
	b.ReportAllocs()
	b.ResetTimer()
	res, err := ex.Run(context.Background(), target, loadgen.WithMaxRequests(uint64(b.N)))
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	report(b, res)
}

// BenchmarkRawHTTPFixedRate10k is BenchmarkHTTPFixedRate10k with the lean client.
func BenchmarkRawHTTPFixedRate10k(b *testing.B) {
	url, _ := childTarget(b)
	defer unpinSelf()
	g, _ := loadgen.NewGuard()
	target, _ := loadgen.NewRawHTTPAPI(url, listOnly(), g, 1)
	d := time.Duration(float64(b.N) / 10000 * float64(time.Second))
	ex, _ := loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 10000, Duration: d + time.Millisecond, PreAllocatedVUs: 64, MaxVUs: 512})
	b.ReportAllocs()
	b.ResetTimer()
	res, err := ex.Run(context.Background(), target, loadgen.WithMaxRequests(uint64(b.N)))
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	report(b, res)
}

// BenchmarkHTTPFixedRate10k: open model at 10,000 req/s (uniform arrivals); run with
// -benchtime=50000x for 5 s. One op = one request.
func BenchmarkHTTPFixedRate10k(b *testing.B) {
	url, _ := childTarget(b)
	defer unpinSelf()
	g, _ := loadgen.NewGuard()
	target, _ := loadgen.NewHTTPAPI(url, listOnly(), g, 512, 1)
	d := time.Duration(float64(b.N) / 10000 * float64(time.Second))
	ex, _ := loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 10000, Duration: d + time.Millisecond, PreAllocatedVUs: 64, MaxVUs: 512})
	b.ReportAllocs()
	b.ResetTimer()
	res, err := ex.Run(context.Background(), target, loadgen.WithMaxRequests(uint64(b.N)))
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	report(b, res)
}

// BenchmarkGRPCStreamEvents: agent traffic, 8 VUs each on its own bidirectional stream,
// batches of 100 events (mixed kinds), max rate. One op = one batch.
func BenchmarkGRPCStreamEvents(b *testing.B) {
	_, addr := childTarget(b)
	defer unpinSelf()
	g, _ := loadgen.NewGuard()
	target, err := loadgen.NewGRPCIngest(addr, loadgen.GRPCStream, 100, nil, g, 2, "bench", 1)
	if err != nil {
		b.Fatal(err)
	}
	defer target.Close()
	ex, _ := loadgen.NewConstantVUs(loadgen.ConstantVUsConfig{VUs: 8, Duration: time.Hour})
	b.ReportAllocs()
	b.ResetTimer()
	res, err := ex.Run(context.Background(), target, loadgen.WithMaxRequests(uint64(b.N)))
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	report(b, res)
	b.ReportMetric(float64(res.EventsAcked)/res.CPU.Seconds(), "events/CPU-s")
}

// BenchmarkHTTPIngestEvents: agent traffic as HTTP JSON batches of 100 events, 8 VUs, max
// rate. One op = one batch.
func BenchmarkHTTPIngestEvents(b *testing.B) {
	url, _ := childTarget(b)
	defer unpinSelf()
	g, _ := loadgen.NewGuard()
	target, err := loadgen.NewHTTPIngest(url+"/ingest", 100, nil, g, 16, "bench", 1)
	if err != nil {
		b.Fatal(err)
	}
	ex, _ := loadgen.NewConstantVUs(loadgen.ConstantVUsConfig{VUs: 8, Duration: time.Hour})
	b.ReportAllocs()
	b.ResetTimer()
	res, err := ex.Run(context.Background(), target, loadgen.WithMaxRequests(uint64(b.N)))
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	report(b, res)
	b.ReportMetric(float64(res.EventsAcked)/res.CPU.Seconds(), "events/CPU-s")
}

// BenchmarkRawHTTPIngestEvents is BenchmarkHTTPIngestEvents with the lean client.
func BenchmarkRawHTTPIngestEvents(b *testing.B) {
	url, _ := childTarget(b)
	defer unpinSelf()
	g, _ := loadgen.NewGuard()
	target, err := loadgen.NewRawHTTPIngest(url+"/ingest", 100, nil, g, "bench", 1)
	if err != nil {
		b.Fatal(err)
	}
	ex, _ := loadgen.NewConstantVUs(loadgen.ConstantVUsConfig{VUs: 8, Duration: time.Hour})
	b.ReportAllocs()
	b.ResetTimer()
	res, err := ex.Run(context.Background(), target, loadgen.WithMaxRequests(uint64(b.N)))
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	report(b, res)
	b.ReportMetric(float64(res.EventsAcked)/res.CPU.Seconds(), "events/CPU-s")
}

// BenchmarkSchedulerOverhead measures the generator alone: the pacer loop, hand-off to a VU
// pool and HDR recording, against a target that does nothing, at 1,000,000 hits/s offered.
// allocs/op shows the per-hit allocations of the machinery itself.
func BenchmarkSchedulerOverhead(b *testing.B) {
	target := loadgen.TargetFunc(func(context.Context, *loadgen.Hit) error { return nil })
	d := time.Duration(float64(b.N)/1e6*float64(time.Second)) + time.Millisecond
	ex, _ := loadgen.NewConstantArrivalRate(loadgen.ConstantArrivalRateConfig{Rate: 1e6, Duration: d, PreAllocatedVUs: 8, MaxVUs: 8})
	b.ReportAllocs()
	b.ResetTimer()
	res, err := ex.Run(context.Background(), target, loadgen.WithMaxRequests(uint64(b.N)), loadgen.WithLagBudget(time.Hour))
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res.RequestsPerCPUSecond(), "hits/CPU-s")
}
