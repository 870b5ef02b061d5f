package sim

import (
	"syscall"
	"testing"
	"time"

	"github.com/capsim/capsim/scenarios"
)

func mustLoad(tb testing.TB, name string) *scenarios.Scenario {
	tb.Helper()
	s, err := scenarios.LoadFile(name)
	if err != nil {
		tb.Fatalf("load %s: %v", name, err)
	}
	return s
}

// benchKernel runs one replication per iteration and reports kernel events per second of CPU
// (the benchmark runs on one goroutine, so per core) and allocations per event.
func benchKernel(b *testing.B, name string, load float64, seconds int64) {
	s := mustLoad(b, name)
	m, err := Compile(s)
	if err != nil {
		b.Fatal(err)
	}
	if load == 0 {
		load = m.design
	}
	// warm a kernel once so the measured runs reuse grown buffers as a long run would
	var events int64
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := newKernel(m, 1, i)
		r := k.run(load/m.design, 0, seconds*1e9)
		k.recycle() // as simulate does after each replication
		events += r.events
	}
	b.StopTimer()
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	// CPU time of this process (one goroutine runs the kernel): steadier than wall time on a
	// shared machine
	b.ReportMetric(float64(events)/(cpuSeconds()-cpu0), "events/CPU-s")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}

// cpuSeconds is the user + system CPU time of this process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// BenchmarkKernelMM1: M/M/1 at ρ = 0.8, 2,000 simulated seconds per op (≈ 320k events), run
// beside the plain hand-written simulator refMM1 on the same streams. Each op runs one kernel
// replication and one reference replication, in alternating order, each timed on its own, so
// a busy machine slows both alike; x-ref is the kernel's time per event ÷ the reference's over
// the whole benchmark, the figure to trust on a noisy machine (ns/event are noise there).
func BenchmarkKernelMM1(b *testing.B) {
	s := mustLoad(b, "examples/mm1")
	m, err := Compile(s)
	if err != nil {
		b.Fatal(err)
	}
	const dur = int64(2000e9)
	var kNS, rNS, kEv, rEv int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for o := 0; o < 2; o++ {
			t0 := time.Now()
			if (i+o)%2 == 0 {
				k := newKernel(m, 1, i)
				r := k.run(1, 0, dur)
				kNS += int64(time.Since(t0))
				kEv += r.events
			} else {
				r := refMM1(m, 1, i, 0, dur)
				rNS += int64(time.Since(t0))
				rEv += r.events
			}
		}
	}
	b.StopTimer()
	kPer, rPer := float64(kNS)/float64(kEv), float64(rNS)/float64(rEv)
	b.ReportMetric(kPer, "ns/event")
	b.ReportMetric(rPer, "ref-ns/event")
	b.ReportMetric(kPer/rPer, "x-ref")
	b.ReportMetric(float64(kEv)/float64(b.N), "events/op")
}

// BenchmarkKernelMedium: the UTMStack medium tier at design load, 60 simulated seconds per op.
func BenchmarkKernelMedium(b *testing.B) { benchKernel(b, "medium", 0, 60) }

// BenchmarkKernelMediumAt10x: the medium tier at 10× design load (busy stations, long queues).
func BenchmarkKernelMediumAt10x(b *testing.B) { benchKernel(b, "medium", 50000, 20) }

// BenchmarkRun runs the whole `capsim run` model job (design load, sweep, saturation search,
// advice) on each UTMStack tier with default settings, on all cores, and reports wall seconds per
// run and kernel events per second. Peak RSS of the CLI is measured separately (README).
func BenchmarkRun(b *testing.B) {
	for _, tier := range []string{"single", "small", "medium", "large"} {
		b.Run(tier, func(b *testing.B) {
			s := mustLoad(b, tier)
			var events int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r, err := mustCompile(b, s).Run()
				if err != nil {
					b.Fatal(err)
				}
				events += r.Settings.Events
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkKernelMediumFailures: the medium tier with its four scheduled failures active (health
// checks, failover, retries, timeline ticks), 3,600 simulated seconds per op, against
// BenchmarkKernelMedium's figure.
func BenchmarkKernelMediumFailures(b *testing.B) {
	s := mustLoad(b, "medium-failures")
	m, err := Compile(s)
	if err != nil {
		b.Fatal(err)
	}
	var events int64
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := newKernel(m, 1, i)
		k.fs = newFaultRT(k, 1, i)
		r := k.run(1, int64(10e9), int64(3600e9))
		events += r.events
	}
	b.StopTimer()
	b.ReportMetric(float64(events)/(cpuSeconds()-cpu0), "events/CPU-s")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}

// BenchmarkRefMM1 runs the reference simulator alone (for instruction counts with callgrind:
// BenchmarkKernelMM1's count less this one's is the kernel's).
func BenchmarkRefMM1(b *testing.B) {
	m, err := Compile(mustLoad(b, "examples/mm1"))
	if err != nil {
		b.Fatal(err)
	}
	var ev int64
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ev += refMM1(m, 1, i, 0, int64(2000e9)).events
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(ev), "ns/event")
	b.ReportMetric(float64(ev)/float64(b.N), "events/op")
}
