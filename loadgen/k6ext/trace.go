package k6ext

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/grafana/sobek"
)

// TraceRecord is one line of a trace (JSON Lines): one batch an agent sent.
//
//	t_ms    offset from the start of the trace, ms (≥ 0)
//	source  data source / agent id
//	kind    event kind of the batch (syslog, windows, netflow); "" = the fleet's mix
//	events  events in the batch; 0 = the fleet's batchSize
//	size    bytes per event; informational here (the fleet's bodies are sent)
type TraceRecord struct {
	TMS    float64 `json:"t_ms"`
	Source uint32  `json:"source"`
	Kind   string  `json:"kind,omitempty"`
	Events int     `json:"events,omitempty"`
	Size   int     `json:"size,omitempty"`
}

// Trace is a loaded trace, shared read-only by every VU.
type Trace struct {
	Path    string
	Records []TraceRecord // sorted by TMS
}

// ReadTrace decodes a JSON Lines trace; errors name the line. Records are sorted by time.
func ReadTrace(name string, r io.Reader) (*Trace, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	t := &Trace{Path: name}
	var errs []error
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		var rec TraceRecord
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, line, err))
			continue
		}
		switch {
		case !(rec.TMS >= 0) || rec.TMS > 1e12:
			errs = append(errs, fmt.Errorf("%s:%d: t_ms %v must be in 0 … 1e12", name, line, rec.TMS))
		case rec.Events < 0 || rec.Events > MaxBatchSize:
			errs = append(errs, fmt.Errorf("%s:%d: events %d must be in 0 … %d", name, line, rec.Events, MaxBatchSize))
		case rec.Kind != "" && kindTemplates[rec.Kind] == "":
			errs = append(errs, fmt.Errorf("%s:%d: unknown kind %q", name, line, rec.Kind))
		default:
			t.Records = append(t.Records, rec)
		}
		if len(errs) > 20 {
			errs = append(errs, errors.New("too many errors"))
			break
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(t.Records) == 0 {
		return nil, fmt.Errorf("%s: trace has no records", name)
	}
	sort.SliceStable(t.Records, func(i, j int) bool { return t.Records[i].TMS < t.Records[j].TMS })
	return t, nil
}

// Duration is the trace's span (offset of the last record).
func (t *Trace) Duration() time.Duration {
	return time.Duration(t.Records[len(t.Records)-1].TMS * float64(time.Millisecond))
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

// Replay sends this VU's share of the trace, each batch at origin + t_ms/speed, where origin is
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
	kindIdx := f.kindIndex()
	for i := o.Shard; i < len(t.Records); i += o.Shards {
		rec := t.Records[i]
		intended := origin.Add(time.Duration(rec.TMS / o.Speed * float64(time.Millisecond)))
		if d := time.Until(intended); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				res.Cancelled = true
				return res
			case <-timer.C:
			}
		}
		n := rec.Events
		if n == 0 {
			n = f.opts.BatchSize
		}
		n = min(n, len(f.evPtrs))
		kind := -1
		if rec.Kind != "" {
			k, ok := kindIdx[rec.Kind]
			if !ok { // kind not in this fleet's mix: use the mix
				k = -1
			}
			kind = k
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
			br := f.sendBatch(ctx, src, n, kind, intended, sent)
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

// kindIndex maps kind name to its block in the fleet's body pool.
func (f *Fleet) kindIndex() map[string]int {
	m := map[string]int{}
	for i := 0; i < len(f.pool.bodies); i += bodiesPerKind {
		m[f.pool.bodies[i].kind] = i / bodiesPerKind
	}
	return m
}
