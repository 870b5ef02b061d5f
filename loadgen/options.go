package loadgen

import "time"

// Defaults of the run options.
const (
	// DefaultTimeout is the per-request timeout (k6 uses 60 s; capsim's targets are local).
	DefaultTimeout = 10 * time.Second
	// DefaultMaxLag is how late after its intended time a hit may still be handed to a VU;
	// later, it is counted as dropped.
	DefaultMaxLag = 1 * time.Second
	// DefaultGracefulStop is k6's gracefulStop: how long in-flight hits may finish after the
	// schedule ends before they are interrupted.
	DefaultGracefulStop = 30 * time.Second
	// DefaultMaxRequests bounds every run.
	DefaultMaxRequests = 50_000_000
	// DefaultLagBudget is the scheduling-lag p99 above which a run is invalid.
	DefaultLagBudget = 10 * time.Millisecond
	// DefaultMaxDuration bounds every run's schedule.
	DefaultMaxDuration = 24 * time.Hour
	// DefaultProgressEvery is the period of progress snapshots.
	DefaultProgressEvery = time.Second
)

// Option changes how an executor runs.
type Option func(*options)

type options struct {
	timeout       time.Duration
	maxLag        time.Duration
	gracefulStop  time.Duration
	maxRequests   uint64
	lagBudget     time.Duration
	maxDuration   time.Duration
	thresholds    []Threshold
	progress      func(Snapshot)
	progressEvery time.Duration
	shards        int
	segment       Segment
	ledger        *Ledger
}

func defaultOptions() options {
	return options{
		timeout: DefaultTimeout, maxLag: DefaultMaxLag, gracefulStop: DefaultGracefulStop,
		maxRequests: DefaultMaxRequests, lagBudget: DefaultLagBudget, maxDuration: DefaultMaxDuration,
		progressEvery: DefaultProgressEvery,
	}
}

func buildOptions(opts []Option) options {
	o := defaultOptions()
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

// WithTimeout sets the per-request timeout (Hit.Deadline). Default DefaultTimeout.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithMaxLag sets how late a hit may be handed to a VU before it is dropped. Default
// DefaultMaxLag.
func WithMaxLag(d time.Duration) Option { return func(o *options) { o.maxLag = d } }

// WithGracefulStop overrides the executor's gracefulStop.
func WithGracefulStop(d time.Duration) Option { return func(o *options) { o.gracefulStop = d } }

// WithMaxRequests bounds the number of scheduled hits. Default DefaultMaxRequests.
func WithMaxRequests(n uint64) Option { return func(o *options) { o.maxRequests = n } }

// WithLagBudget sets the scheduling-lag p99 above which the run is invalid.
func WithLagBudget(d time.Duration) Option { return func(o *options) { o.lagBudget = d } }

// WithMaxDuration bounds the schedule's length whatever the executor says.
func WithMaxDuration(d time.Duration) Option { return func(o *options) { o.maxDuration = d } }

// WithThresholds evaluates thresholds during (abortOnFail) and at the end of the run.
func WithThresholds(ts ...Threshold) Option {
	return func(o *options) { o.thresholds = append(o.thresholds, ts...) }
}

// WithProgress calls f every period (default 1 s) with a snapshot; f must return quickly.
func WithProgress(f func(Snapshot), every time.Duration) Option {
	return func(o *options) {
		o.progress = f
		if every > 0 {
			o.progressEvery = every
		}
	}
}

// WithShards sets the number of histogram shards (VU id mod shards). Default 2×GOMAXPROCS.
func WithShards(n int) Option { return func(o *options) { o.shards = n } }

// WithSegment runs only seg's share of the test (k6's --execution-segment): open executors send
// the hits of the schedule seg owns, at their global intended times, with seg's share of the VU
// pool; closed executors run seg's share of the VUs. See Segment.
func WithSegment(seg Segment) Option { return func(o *options) { o.segment = seg } }
