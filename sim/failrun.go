package sim

import (
	"math"
	"runtime/debug"
	"sync"
	"time"
)

// Failure-run constants.
const (
	// RTOTarget and RPOTarget are seed 001's recovery objectives ("RTO < 5 minutes, RPO < 1 minute").
	RTOTarget = 5 * time.Minute
	RPOTarget = time.Minute
	// RecoveredFor is how long throughput and P95 must stay within the SLO to call a flow
	// recovered; RecoveredThroughput the fraction of the pre-fault throughput that counts.
	RecoveredFor        = 10
	RecoveredThroughput = 0.9
	// baselineWindow is the seconds before a fault whose throughput is the reference.
	baselineWindow = 30
)

// failureDuration is the measured window of a failure run: the scenario's duration, extended to
// 5 minutes past the last repair (or the last fault) so recovery and backlog drain are seen.
func (m *Model) failureDuration(d time.Duration) time.Duration {
	end := time.Duration(0)
	for _, f := range m.failures {
		e := time.Duration(f.at) + time.Duration(f.recoverAfter) + 5*time.Minute
		end = max(end, e)
	}
	return max(d, end)
}

// failureRep is one replication of a failure run.
type failureRep struct {
	series  []TimePoint
	flowP95 [][]float64
	flowThr [][]float64
	over    [][]float64
	errs    [][]float64
	m       []failMeasure
	events  []TimelineEvent
}

// Failures simulates the scenario's scheduled failures at design load (the replications of
// the configuration) and measures RTO, RPO, lost, dropped and duplicated events, peak P95 and
// backlog drain per failure, in the scenario's order (nil without failures).
func (m *Model) Failures(opts ...Option) ([]FailureResult, error) {
	cfg := m.newConfig(opts)
	autoWarmup(m, &cfg, m.design)
	out := m.runFailures(&cfg)
	if err := cfg.stopped(); err != nil {
		return nil, err
	}
	return out, nil
}

func (m *Model) runFailures(cfg *config) []FailureResult {
	if len(m.failures) == 0 {
		return nil
	}
	dur := m.failureDuration(cfg.dur)
	reps := make([]failureRep, cfg.reps)
	// progress in simulated seconds: a replication is long (minutes simulated), so each one
	// reports its simulated clock as it runs
	repS := int(math.Ceil((cfg.warm + dur).Seconds()))
	mt := newMeter(cfg.progress, PhaseFailures, UnitSimSeconds, cfg.reps*repS)
	ts := make([]task, cfg.reps)
	for i := range ts {
		ts[i] = task{m: m, load: m.design, rep: i}
	}
	// run with a fault runtime per replication (not through simulate: failure kernels differ)
	done := make(chan int, len(ts))
	sem := make(chan struct{}, cfg.parallel)
	var crash *Panic
	var crashOnce sync.Once
	for i := range ts {
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; done <- i }()
			defer func() {
				if v := recover(); v != nil {
					crashOnce.Do(func() { crash = &Panic{Value: v, Stack: debug.Stack()} })
				}
			}()
			k := newKernel(m, cfg.seed, i)
			k.done = cfg.ctx.Done()
			k.fs = newFaultRT(k, cfg.seed, i)
			if cfg.noRetry {
				clear(k.fs.retries)
			}
			reported := 0
			k.onTime = func(now int64) {
				if sec := min(int(now/int64(time.Second)), repS); sec > reported {
					mt.add(sec - reported)
					reported = sec
				}
			}
			k.run(m.design/m.ref, int64(cfg.warm), int64(dur))
			reps[i] = failureRep{series: k.fs.series, flowP95: k.fs.flowP95, flowThr: k.fs.flowThr, over: k.fs.flowOver, errs: k.fs.flowErr, m: k.fs.m, events: k.fs.events}
			k.recycle()
			if k.stop != stopCanceled { // a replication cut by a limit has ended too
				mt.add(repS - reported)
			}
		}(i)
	}
	for range ts {
		<-done
	}
	if crash != nil {
		panic(crash)
	}
	if cfg.ctx.Err() == nil {
		mt.end()
	}
	out := make([]FailureResult, len(m.failures))
	for fi, f := range m.failures {
		fr := FailureResult{Name: f.label, Target: f.target, On: f.on, Kind: f.kind, AtS: time.Duration(f.at).Seconds(), RecoverAfterS: time.Duration(f.recoverAfter).Seconds()}
		next := dur.Seconds()
		for _, g := range m.failures {
			if at := time.Duration(g.at).Seconds(); at > fr.AtS && at < next {
				next = at
			}
		}
		var rto, det, rpo, lost, drop, dup, failed, peak, drain []float64
		recovered := true
		for ri := range reps {
			rp := &reps[ri]
			x, ok := rtoOf(m, rp, int(fr.AtS), int(next), m.slo.maxDropRaw)
			if !ok {
				recovered = false
			}
			rto = append(rto, x)
			mm := rp.m[fi]
			if mm.detect >= 0 {
				det = append(det, mm.detect)
			}
			rpo = append(rpo, mm.rpo)
			lost = append(lost, mm.lost)
			drop = append(drop, mm.dropped)
			dup = append(dup, mm.duplicated)
			failed = append(failed, mm.failedReqs)
			peak = append(peak, peakP95(m, rp, int(fr.AtS), int(math.Min(next, fr.AtS+x+RecoveredFor))))
			drain = append(drain, drainTime(rp, fr.AtS+fr.RecoverAfterS, int(next)))
		}
		fr.RTOS, fr.Recovered = nonNeg(rto), recovered
		fr.DetectionS, fr.Detected = nonNeg(det), len(det) > 0
		fr.RPOEvents, fr.LostEvents, fr.DroppedEvents = nonNeg(rpo), nonNeg(lost), nonNeg(drop)
		fr.DuplicatedEvents, fr.FailedRequests = nonNeg(dup), nonNeg(failed)
		fr.PeakP95MS, fr.DrainS = nonNeg(peak), nonNeg(drain)
		if fr.RPOEvents.Mean > 0 {
			fr.RPOS = m.ha.Patroni.ReplicationLag.Seconds()
		}
		fr.RTOMet = recovered && fr.RTOS.CI95[1] < RTOTarget.Seconds()
		fr.RPOMet = fr.RPOS < RPOTarget.Seconds()
		// replication 1's timeline around this failure
		lo := int(math.Max(0, fr.AtS-baselineWindow))
		hi := int(math.Min(next, fr.AtS+math.Max(fr.RTOS.Mean, fr.RecoverAfterS)+120))
		// and each flow's P95 and completions over the same seconds (series[i] and the flows'
		// per-second records[i] close the same second)
		rp := &reps[0]
		for _, fl := range m.flows {
			fr.FlowTimelines = append(fr.FlowTimelines, FlowTimeline{Flow: fl.name, P95TargetMS: fl.p95Target})
		}
		for sec, p := range rp.series {
			if int(p.T) > lo && int(p.T) <= hi {
				fr.Timeline = append(fr.Timeline, p)
				for f := range fr.FlowTimelines {
					ft := &fr.FlowTimelines[f]
					ft.P95MS = append(ft.P95MS, rp.flowP95[f][sec])
					ft.ThroughputPerS = append(ft.ThroughputPerS, rp.flowThr[f][sec])
				}
			}
		}
		if len(fr.Timeline) == 0 {
			fr.FlowTimelines = nil
		}
		for _, e := range reps[0].events {
			if e.T >= fr.AtS && e.T < next {
				fr.Events = append(fr.Events, e)
			}
		}
		out[fi] = fr
	}
	return out
}

// rtoOf is RecoveryTime of one replication of the model's failure run.
func rtoOf(m *Model, rp *failureRep, at, until int, maxErr float64) (float64, bool) {
	flows := make([]FlowSeconds, len(m.flows))
	for f := range flows {
		flows[f] = FlowSeconds{Done: rp.flowThr[f], Over: rp.over[f], Errors: rp.errs[f], HasP95Target: m.flows[f].p95Target > 0}
	}
	if x, ok := RecoveryTime(flows, at, min(until, len(rp.series)), maxErr); ok {
		return x, true
	}
	return float64(until - at), false
}

// FlowSeconds is one flow's per-second record over a failure run (index = second since the end
// of warm-up): requests completed, completions above the flow's P95 target, failed attempts.
type FlowSeconds struct {
	Done, Over, Errors []float64
	HasP95Target       bool
}

// RecoveryTime is the RTO by capsim's definition, shared by the model and the measured failure
// twin: the seconds from the fault at second at until every flow is back within the SLO for
// RecoveredFor consecutive seconds, judged over that window — completions within the Poisson
// noise of the pre-fault throughput (≥ RecoveredThroughput of the mean over the baselineWindow
// seconds before the fault, less three standard deviations of the count), at most 5 % of them
// above the flow's P95 target (which is P95 ≤ target), failed attempts within maxErr of all —
// with the window's first second already serving. It looks no further than second until (the
// next fault or the end); not recovered by then: (until − at, false).
func RecoveryTime(flows []FlowSeconds, at, until int, maxErr float64) (float64, bool) {
	nf := len(flows)
	base := make([]float64, nf)
	for f := 0; f < nf; f++ {
		thr := flows[f].Done
		n, sum := 0, 0.0
		for s := at - baselineWindow; s < at; s++ {
			if s >= 0 && s < len(thr) {
				sum += thr[s]
				n++
			}
		}
		if n > 0 {
			base[f] = sum / float64(n)
		}
	}
	good := func(from int) bool {
		for f := 0; f < nf; f++ {
			fl := &flows[f]
			if from+RecoveredFor > len(fl.Done) {
				return false
			}
			done, over, errs := 0.0, 0.0, 0.0
			for s := from; s < from+RecoveredFor; s++ {
				done += fl.Done[s]
				over += fl.Over[s]
				errs += fl.Errors[s]
			}
			if errs > maxErr*(done+errs) {
				return false // still failing requests beyond the SLO's error budget
			}
			want := base[f] * RecoveredFor
			if want > 0 && done < RecoveredThroughput*want-3*math.Sqrt(want) {
				return false
			}
			// and the window's first second already serves (no silent second counted as back)
			if b := base[f]; b > 0 && fl.Done[from] < RecoveredThroughput*b-3*math.Sqrt(b) {
				return false
			}
			if fl.HasP95Target && over > 0.05*done {
				return false
			}
		}
		return true
	}
	for s := at; s+RecoveredFor <= until; s++ {
		if good(s) {
			return float64(s - at), true
		}
	}
	return float64(until - at), false
}

func peakP95(m *Model, rp *failureRep, from, to int) float64 {
	peak := 0.0
	for f := range m.flows {
		if m.flows[f].p95Target == 0 && len(m.flows) > 1 {
			continue
		}
		for s := from; s < to && s < len(rp.flowP95[f]); s++ {
			peak = math.Max(peak, rp.flowP95[f][s])
		}
	}
	return peak
}

// drainTime is the seconds from the repair until the agents' retry backlog is empty.
func drainTime(rp *failureRep, repaired float64, until int) float64 {
	last := -1
	// series[s] closes second s+1; the second that ends at `until` already holds the next fault
	for s := int(repaired); s < until-1 && s < len(rp.series); s++ {
		if rp.series[s].Backlog > 0 {
			last = s
		}
	}
	if last < 0 {
		return 0
	}
	return float64(last+1) - repaired
}

// nonNeg is the interval of a quantity that cannot be negative (a count, a time): the Student-t
// interval truncated at 0.
func nonNeg(xs []float64) Interval {
	iv := interval(xs)
	iv.CI95[0] = math.Max(0, iv.CI95[0])
	return iv
}
