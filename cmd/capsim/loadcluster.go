package main

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/capsim/capsim/fixtures/cluster"
	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/scenarios"
)

// targetCluster points a load test at a running miniature (`capsim load --cluster`): the
// entry point of the flow's service for its protocol, the flow's rate or population scaled by
// the cluster's scale (unless --rate or --vus gave one), and an API mix that names the
// scenario's request classes (?class=NAME) so the emulator runs the handler the flow enters.
// It pins this process to the CPUs the cluster was not pinned to.
func targetCluster(ctx context.Context, sc *scenarios.Scenario, lt *scenarios.LoadTest, f *loadFlags) (string, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	run := f.cluster
	if run == "auto" {
		r, err := pickRun(ctx, nil)
		if err != nil {
			return "", err
		}
		run = r
	}
	entries, err := cluster.Entries(ctx, run)
	if err != nil {
		return "", err
	}
	fl, err := loadgen.FlowLoadOf(sc, lt.Flow)
	if err != nil {
		return "", invalid(err)
	}
	proto := lt.Protocol
	if proto == "" {
		proto = loadgen.ProtoHTTPAPI
		if fl.AgentFlow() {
			proto = loadgen.ProtoGRPC
		}
		lt.Protocol = proto
	}
	want := "http"
	if strings.HasPrefix(proto, "grpc") {
		want = "grpc"
	}
	var entry *cluster.PublishedEntry
	for i, e := range entries {
		for _, name := range e.Flows {
			if name == fl.Name && e.Protocol == want {
				entry = &entries[i]
			}
		}
	}
	if entry == nil {
		return "", invalid(fmt.Errorf("run %s has no %s entry point for flow %q", run, want, fl.Name))
	}
	lt.Target = entry.URL()
	scale := entry.Scale
	if scale <= 0 {
		scale = 1
	}
	if f.rate <= 0 && f.vus <= 0 {
		switch {
		case fl.Population > 0:
			lt.VUs = max(1, int(math.Round(float64(fl.Population)*scale)))
		case fl.RatePerS > 0:
			lt.Rate, lt.TimeUnit = fl.RatePerS*scale, scenarios.Duration(time.Second)
		}
	}
	if proto == loadgen.ProtoHTTPAPI && len(lt.Mix) == 0 {
		lt.Mix = cluster.APIMix(sc, fl.Name)
	}
	pinned, _ := cluster.PinAwayFrom(entry.CPUSet) // for the rest of the process
	load := fmt.Sprintf("%.4g req/s", lt.Rate)
	if lt.VUs > 0 {
		load = fmt.Sprintf("%d VUs", lt.VUs)
	}
	dur := time.Duration(lt.Duration)
	if dur <= 0 {
		dur = 30 * time.Second
	}
	if n := lt.Rate * dur.Seconds(); lt.Rate > 0 && n < 200 {
		load += fmt.Sprintf(" — only about %.0f requests in %v: too few for a stable P95 (raise --duration, or --rate to load the miniature harder)", n, dur)
	}
	return fmt.Sprintf("cluster run %s: flow %s → %s (%s) at scale %.4g: %s%s", run, fl.Name, entry.Service, lt.Target, scale, load, pinned), nil
}
