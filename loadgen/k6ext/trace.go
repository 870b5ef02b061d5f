package k6ext

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/grafana/sobek"

	"github.com/capsim/capsim/loadgen"
)

// Trace is a loaded trace (loadgen's JSON Lines format, fixtures/traces/*.jsonl), shared
// read-only by every VU.
type Trace struct {
	Path    string
	Records []loadgen.TraceRecord // offsets non-decreasing (checked by loadgen.ReadTrace)
}

// ReadTrace decodes a trace with loadgen.ReadTrace.
func ReadTrace(name string, r io.Reader) (*Trace, error) {
	recs, err := loadgen.ReadTrace(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Trace{Path: name, Records: recs}, nil
}

// Duration is the trace's span (offset of the last record).
func (t *Trace) Duration() time.Duration {
	return time.Duration(t.Records[len(t.Records)-1].OffsetMS * float64(time.Millisecond))
}

// traceJS is the JavaScript view of a Trace.
type traceJS struct {
	t *Trace
}

// Length is the number of records.
func (tj *traceJS) Length() int { return len(tj.t.Records) }

// DurationMS is the trace's span in ms.
func (tj *traceJS) DurationMS() float64 { return float64(tj.t.Duration()) / float64(time.Millisecond) }

// newTrace: `new Trace(path)` in the init context. The file is read once per process.
func (mi *ModuleInstance) newTrace(call sobek.ConstructorCall) *sobek.Object {
	rt := mi.vu.Runtime()
	if mi.vu.InitEnv() == nil {
		throw(rt, errors.New("capsim: new Trace() must be called in the init context"))
	}
	path := call.Argument(0).String()
	r := mi.root
	r.mu.Lock()
	t := r.traces[path]
	r.mu.Unlock()
	if t == nil {
		f, err := os.Open(path)
		if err != nil {
			throw(rt, fmt.Errorf("capsim: trace: %w", err))
		}
		t, err = ReadTrace(path, f)
		_ = f.Close()
		if err != nil {
			throw(rt, fmt.Errorf("capsim: trace: %w", err))
		}
		r.mu.Lock()
		r.traces[path] = t
		r.mu.Unlock()
	}
	return rt.ToValue(&traceJS{t: t}).ToObject(rt)
}

// ReplayOptions is the JavaScript object given to fleet.replay(trace, options).
//
//	speed        time scale: 2 replays twice as fast (offsets ÷ 2); default 1
//	sourceScale  each record is sent for this many sources (source·k + j, j < k); default 1
//	shard,shards this VU sends records i with i mod shards == shard (default 0 of 1);
//	             give every VU of a per-vu-iterations scenario its exec.vu.idInTest − 1
//	lateMs       a batch sent later than this after its intended time counts as late; default 10
type ReplayOptions struct {
	Speed       float64 `json:"speed"`
	SourceScale int     `json:"sourceScale"`
	Shard       int     `json:"shard"`
	Shards      int     `json:"shards"`
	LateMS      float64 `json:"lateMs"`
}

// ReplayResult is what replay() returns.
type ReplayResult struct {
	Batches   int     `js:"batches"`
	OK        int     `js:"ok"`
	Failed    int     `js:"failed"`
	Late      int     `js:"late"`
	MaxLagMS  float64 `js:"maxLag"`
	Events    int     `js:"events"`
	Acked     int     `js:"acked"`
	Cancelled bool    `js:"cancelled"`
}

// replayClock gives every VU replaying one trace the same time origin.
type replayClock struct {
	once   sync.Once
	origin time.Time
}

// Replay sends this VU's share of the trace, each batch at origin + offset_ms/speed, where origin is
// the moment the first VU started replaying this trace. Latency (capsim_batch_duration) is
// measured from the intended time, so a late send shows in it. It returns when the share is
// sent or the VU's context ends (then Cancelled is true).
func (f *Fleet) Replay(tj *traceJS, opts sobek.Value) ReplayResult {
	rt := f.mi.vu.Runtime()
	if f.mi.vu.State() == nil {
		throw(rt, errors.New("capsim: fleet.replay() cannot run in the init context"))
	}
	if tj == nil {
		throw(rt, errors.New("capsim: fleet.replay(trace, options): trace is required"))
	}
	var o ReplayOptions
	if opts != nil && !sobek.IsUndefined(opts) && !sobek.IsNull(opts) {
		if err := exportOptions(rt, opts, &o); err != nil {
			throw(rt, fmt.Errorf("capsim: replay options: %w", err))
		}
	}
	if err := o.defaults(); err != nil {
		throw(rt, fmt.Errorf("capsim: replay options: %w", err))
	}
	r := f.mi.root
	r.mu.Lock()
	clk := r.replays[tj.t.Path]
	if clk == nil {
		clk = &replayClock{}
		r.replays[tj.t.Path] = clk
	}
	r.mu.Unlock()
	clk.once.Do(func() { clk.origin = time.Now() })
	return f.replay(tj.t, o, clk.origin)
}

func (o *ReplayOptions) defaults() error {
	if o.Speed == 0 {
		o.Speed = 1
	}
	if o.SourceScale == 0 {
		o.SourceScale = 1
	}
	if o.Shards == 0 {
		o.Shards = 1
	}
	if o.LateMS == 0 {
		o.LateMS = 10
	}
	var errs []error
	if !(o.Speed > 0) || o.Speed > 1e6 {
		errs = append(errs, fmt.Errorf("speed %v must be in (0, 1e6]", o.Speed))
	}
	if o.SourceScale < 1 || o.SourceScale > 1e6 {
		errs = append(errs, fmt.Errorf("sourceScale %d must be in 1 … 1e6", o.SourceScale))
	}
	if o.Shards < 1 || o.Shard < 0 || o.Shard >= o.Shards {
		errs = append(errs, fmt.Errorf("shard %d of %d: want 0 ≤ shard < shards", o.Shard, o.Shards))
	}
	if !(o.LateMS > 0) {
		errs = append(errs, fmt.Errorf("lateMs %v must be > 0", o.LateMS))
	}
	return errors.Join(errs...)
}

func (f *Fleet) replay(t *Trace, o ReplayOptions, origin time.Time) ReplayResult {
	ctx := f.mi.vu.Context()
	var res ReplayResult
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for i := o.Shard; i < len(t.Records); i += o.Shards {
		rec := t.Records[i]
		intended := origin.Add(time.Duration(rec.OffsetMS / o.Speed * float64(time.Millisecond)))
		if d := time.Until(intended); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				res.Cancelled = true
				return res
			case <-timer.C:
			}
		}
		n := max(rec.Events, 1) // loadgen's trace format: 0 events means 1
		n = min(n, MaxBatchSize)
		kind := eventKind(rec.Kind)
		size := f.opts.EventSize
		if rec.Size > 0 {
			size = rec.Size / n // the trace's size is the batch's payload
		}
		for j := range o.SourceScale {
			if ctx.Err() != nil {
				res.Cancelled = true
				return res
			}
			sent := time.Now()
			lag := float64(sent.Sub(intended)) / float64(time.Millisecond)
			if lag > o.LateMS {
				res.Late++
			}
			res.MaxLagMS = max(res.MaxLagMS, lag)
			src := rec.Source*uint32(o.SourceScale) + uint32(j)
			br := f.sendBatch(ctx, src, n, kind, size, intended, sent)
			res.Batches++
			res.Events += br.Events
			res.Acked += br.Acked
			if br.OK {
				res.OK++
			} else {
				res.Failed++
			}
		}
	}
	return res
}
