package sim

import "math"

// CPU limits as CFS quotas (a node's cpu_limit; Linux CFS bandwidth control, which Docker's
// --cpus and Kubernetes CPU limits set). In every period [iP, (i+1)P) the node may consume at
// most budget = limit × P CPU-ns. Its processor-sharing CPU station runs as without a limit —
// every job at rate min(1, c/n), CPU consumed at b = min(n, c) busy servers — until the
// period's consumption reaches the budget; then every job on the node stalls until the next
// period boundary, where the budget is whole again. So a job of demand D alone on a node with
// limit 0.5 and P = 100 ms that arrives at 0 runs 0–50 ms, stalls, runs 100–150 ms, stalls and
// completes at 220 ms, where a half-speed server would finish it at 240 ms and a job of 4 ms
// that finds the budget spent waits up to 50 ms (DESIGN.md, "CPU limits are not half-speed
// servers").
//
// The quota needs no event of its own: between two events of the station, n (hence b) is
// constant, so the time the station ran in [t0, t1) is a closed form over the period
// boundaries (quotaRun), and so is the time at which the next job will have run its remaining
// demand (quotaDue). V advances by the run time × the per-job rate. A station without a quota
// never reaches this file (stationSpec.period == 0).

// quotaRT is the budget state of one CPU station with a quota.
type quotaRT struct {
	used float64 // CPU-ns consumed in the period that ends at end
	end  int64   // end of the current period, a multiple of the period
	thr  bool    // the current period ran out of budget
	act  bool    // the current period consumed CPU
	// statistics since the warm-up
	cpu       float64 // CPU-ns consumed
	active    int64   // periods that consumed CPU
	throttled int64   // periods that ran out of budget
}

// roll starts the period holding t when t is past the current one.
func (q *quotaRT) roll(t, period int64) {
	if t >= q.end {
		q.end = (t/period + 1) * period
		q.used, q.thr, q.act = 0, false, false
	}
}

// spend runs for up to seg ns of the current period at b busy servers and returns the time run:
// seg, or less when the budget runs out first.
func (q *quotaRT) spend(seg, b, budget float64) float64 {
	if seg <= 0 {
		return 0
	}
	a := (budget - q.used) / b
	if a >= seg {
		a = seg
	} else {
		if !q.thr {
			q.thr = true
			q.throttled++
		}
		if a <= 0 {
			return 0
		}
	}
	if !q.act {
		q.act = true
		q.active++
	}
	q.used += a * b
	q.cpu += a * b
	return a
}

// quotaRun advances station s's quota over [t0, t1), with the station's jobs present and its
// busy servers constant throughout, and returns the time (ns) the station ran in it.
func (k *kernel) quotaRun(s int32, t0, t1 int64) float64 {
	spec := &k.m.stations[s]
	q := &k.quota[s]
	p := spec.period
	b := float64(k.st[s].busy)
	q.roll(t0, p)
	run := q.spend(float64(min(t1, q.end)-t0), b, spec.budget)
	if t1 <= q.end {
		return run
	}
	// whole periods, each running min(P, budget/b), then the start of the period holding t1
	full := (t1 - q.end) / p
	if full > 0 {
		x := math.Min(float64(p), spec.budget/b)
		run += float64(full) * x
		q.cpu += float64(full) * x * b
		q.active += full
		if x < float64(p) {
			q.throttled += full
		}
	}
	start := q.end + full*p
	q.end = start + p
	q.used, q.thr, q.act = 0, false, false
	return run + q.spend(float64(t1-start), b, spec.budget)
}

// quotaDue is the time at which station s, from now on with its present jobs, will have run
// need ns: the completion time of its next job (psReschedule). It rounds up to whole ns.
func (k *kernel) quotaDue(s int32, need float64) int64 {
	spec := &k.m.stations[s]
	q := &k.quota[s]
	p := spec.period
	b := float64(k.st[s].busy)
	q.roll(k.now, p)
	avail := math.Min(float64(q.end-k.now), math.Max(0, (spec.budget-q.used)/b))
	if need <= avail {
		return k.now + int64(math.Ceil(need))
	}
	// the rest runs min(P, budget/b) per period from the next boundary on
	x := math.Min(float64(p), spec.budget/b)
	rest := need - avail
	full := math.Max(0, math.Ceil(rest/x)-1)
	return q.end + int64(full)*p + int64(math.Ceil(rest-full*x))
}

// resetQuota starts the quota statistics at the warm-up.
func (k *kernel) resetQuota() {
	for s := range k.quota {
		if k.m.stations[s].period == 0 {
			continue
		}
		k.psAdvanceV(int32(s)) // account the consumption up to now
		q := &k.quota[s]
		q.cpu, q.active, q.throttled = 0, 0, 0
	}
}

// quotaStats is station s's utilization against its limit (CPU time / (limit × dur)) and the
// fraction of its active periods that ran out of budget (CFS nr_throttled / nr_periods).
func (k *kernel) quotaStats(s int32, dur float64) (util, throttled float64) {
	k.psAdvanceV(s)
	q := &k.quota[s]
	if q.active > 0 {
		throttled = float64(q.throttled) / float64(q.active)
	}
	return q.cpu / dur / k.m.stations[s].limit, throttled
}
