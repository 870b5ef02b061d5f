package k6ext

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/metrics"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/loadgen/agentpb"
)

// Defaults of FleetOptions.
const (
	DefaultAgents    = 100
	DefaultBatchSize = 100
	DefaultTimeout   = 10 * time.Second
	// MaxBatchSize bounds one batch (events).
	MaxBatchSize = 100_000
)

// FleetOptions is the JavaScript object given to `new Fleet(…)`.
//
//	target     "http://127.0.0.1:8080/v1/events" (POST of a JSON batch) or
//	           "grpc://127.0.0.1:50051" (agentpb.Ingest; mode "stream" (default) or "unary")
//	agents     number of sources (data sources / agents) the batches rotate over, ≥ 1
//	batchSize  events per send(), 1 … MaxBatchSize
//	eventSize  bytes per event body at least (padded); 0 keeps each kind's natural size
//	kinds      weights per kind (syslog, windows, firewall, netflow); loadgen.DefaultKindMix by default
//	timeout    per batch: "10s" or a number of ms
//	allow      CIDRs a target may resolve to besides 127.0.0.0/8 and ::1
//	tags       extra metric tags
type FleetOptions struct {
	Target    string             `json:"target"`
	Mode      string             `json:"mode"`
	Agents    int                `json:"agents"`
	BatchSize int                `json:"batchSize"`
	EventSize int                `json:"eventSize"`
	Kinds     map[string]float64 `json:"kinds"`
	Timeout   any                `json:"timeout"`
	Allow     []string           `json:"allow"`
	Tags      map[string]string  `json:"tags"`
}

// Fleet is one VU's handle on the agent fleet. Methods run on the VU's goroutine only.
type Fleet struct {
	mi      *ModuleInstance
	opts    FleetOptions
	timeout time.Duration
	gen     *loadgen.EventGen
	sender  sender
	jbuf    []byte // HTTP JSON body, reused
	batch   agentpb.EventBatch
}

// BatchResult is what send() returns to JavaScript.
type BatchResult struct {
	OK         bool    `js:"ok"`
	Status     int     `js:"status"` // HTTP status, or gRPC code (0 = OK)
	Source     uint32  `js:"source"`
	Seq        uint64  `js:"seq"`
	Events     int     `js:"events"`
	Acked      int     `js:"acked"`
	DurationMS float64 `js:"duration"`
	Error      string  `js:"error"`
}

func (mi *ModuleInstance) newFleet(call sobek.ConstructorCall) *sobek.Object {
	rt := mi.vu.Runtime()
	if mi.vu.InitEnv() == nil {
		throw(rt, errors.New("capsim: new Fleet() must be called in the init context"))
	}
	var opts FleetOptions
	if err := exportOptions(rt, call.Argument(0), &opts); err != nil {
		throw(rt, fmt.Errorf("capsim: Fleet options: %w", err))
	}
	f, err := mi.root.newFleet(opts)
	if err != nil {
		throw(rt, err)
	}
	f.mi = mi
	return rt.ToValue(f).ToObject(rt)
}

// exportOptions turns a JS object into opts through JSON (init context only, so speed does not
// matter), rejecting unknown keys so that a typo is an error, not a silent default.
func exportOptions(rt *sobek.Runtime, v sobek.Value, opts any) error {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return errors.New("an options object is required")
	}
	b, err := json.Marshal(v.Export())
	if err != nil {
		return err
	}
	if err := checkKeys(b, opts); err != nil {
		return err
	}
	return json.Unmarshal(b, opts)
}

// checkKeys rejects keys that are not json tags of opts' struct, case-sensitively (encoding/json
// would accept "batchsize" for "batchSize").
func checkKeys(b []byte, opts any) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return errors.New("options must be an object")
	}
	known := map[string]bool{}
	t := reflect.TypeOf(opts).Elem()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	var errs []error
	for k := range m {
		if !known[k] {
			errs = append(errs, fmt.Errorf("unknown option %q", k))
		}
	}
	return errors.Join(errs...)
}

func (r *RootModule) newFleet(o FleetOptions) (*Fleet, error) {
	var errs []error
	if o.Agents == 0 {
		o.Agents = DefaultAgents
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Agents < 1 || o.Agents > 1<<31 {
		errs = append(errs, fmt.Errorf("agents %d must be ≥ 1", o.Agents))
	}
	if o.BatchSize < 1 || o.BatchSize > MaxBatchSize {
		errs = append(errs, fmt.Errorf("batchSize %d must be in 1 … %d", o.BatchSize, MaxBatchSize))
	}
	timeout, err := parseDuration(o.Timeout, DefaultTimeout)
	if err != nil {
		errs = append(errs, fmt.Errorf("timeout: %w", err))
	}
	mix, err := kindMix(o.Kinds)
	if err != nil {
		errs = append(errs, err)
	}
	if o.EventSize < 0 || o.EventSize > 1<<20 {
		errs = append(errs, fmt.Errorf("eventSize %d out of range 0 … 1 MiB", o.EventSize))
	}
	g, err := loadgen.NewGuard(o.Allow...)
	if err != nil {
		errs = append(errs, err)
	}
	var snd sender
	if len(errs) == 0 {
		snd, err = r.newSender(o, g)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("capsim: Fleet: %w", err)
	}
	// Every fleet (one per VU) has its own generator: ids "<run>-<fleet>-<n>" are unique.
	n := int(r.fleets.Add(1) - 1)
	gen, err := loadgen.NewEventGen(r.runID, n, uint64(n)+1, mix)
	if err != nil {
		return nil, fmt.Errorf("capsim: Fleet: %w", err)
	}
	return &Fleet{opts: o, timeout: timeout, gen: gen, sender: snd}, nil
}

func parseDuration(v any, def time.Duration) (time.Duration, error) {
	switch x := v.(type) {
	case nil:
		return def, nil
	case float64:
		if x <= 0 {
			return 0, fmt.Errorf("%v ms must be > 0", x)
		}
		return time.Duration(x * float64(time.Millisecond)), nil
	case string:
		d, err := time.ParseDuration(x)
		if err != nil {
			return 0, err
		}
		if d <= 0 {
			return 0, fmt.Errorf("%s must be > 0", x)
		}
		return d, nil
	default:
		return 0, fmt.Errorf("%v: want a string like \"10s\" or a number of ms", v)
	}
}

// Send builds one batch of batchSize events for the next source, sends it and waits for the
// ack. It emits the capsim_* metrics and returns the outcome; it throws only when called
// outside a VU (init context).
func (f *Fleet) Send() BatchResult {
	state := f.mi.vu.State()
	if state == nil {
		throw(f.mi.vu.Runtime(), errors.New("capsim: fleet.send() cannot run in the init context"))
	}
	src := uint32((f.mi.root.sources.Add(1) - 1) % uint64(f.opts.Agents))
	now := time.Now()
	return f.sendBatch(f.mi.vu.Context(), src, f.opts.BatchSize, "", f.opts.EventSize, now, now)
}

// sendBatch sends n events of size bytes each (0 = natural) of source src (kind "" = the
// fleet's mix), measuring from intended;
// sent is when the send actually starts.
func (f *Fleet) sendBatch(ctx context.Context, src uint32, n int, kind string, size int, intended, sent time.Time) BatchResult {
	seq := f.mi.root.nextSeq(src)
	res := BatchResult{Source: src, Seq: seq, Events: n}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	status, acked, err := f.sender.send(ctx, f, src, seq, n, kind, size)
	end := time.Now()
	res.Status, res.Acked = status, acked
	res.DurationMS = float64(end.Sub(intended)) / float64(time.Millisecond)
	res.OK = err == nil
	if err != nil {
		res.Error = err.Error()
	}
	f.emit(ctx, end, res)
	return res
}

func (f *Fleet) emit(_ context.Context, t time.Time, r BatchResult) {
	state := f.mi.vu.State()
	if state == nil || f.mi.m == nil {
		return
	}
	tags := state.Tags.GetCurrentValues().Tags
	for k, v := range f.opts.Tags {
		tags = tags.With(k, v)
	}
	failed := 0.0
	if !r.OK {
		failed = 1
	}
	m := f.mi.m
	metrics.PushIfNotDone(f.mi.vu.Context(), state.Samples, metrics.ConnectedSamples{
		Samples: []metrics.Sample{
			{TimeSeries: metrics.TimeSeries{Metric: m.events, Tags: tags}, Time: t, Value: float64(r.Events)},
			{TimeSeries: metrics.TimeSeries{Metric: m.acked, Tags: tags}, Time: t, Value: float64(r.Acked)},
			{TimeSeries: metrics.TimeSeries{Metric: m.duration, Tags: tags}, Time: t, Value: r.DurationMS},
			{TimeSeries: metrics.TimeSeries{Metric: m.failed, Tags: tags}, Time: t, Value: failed},
		},
		Tags: tags,
		Time: t,
	})
}

// sender is one transport (HTTP JSON or gRPC).
type sender interface {
	send(ctx context.Context, f *Fleet, src uint32, seq uint64, n int, kind string, size int) (status, acked int, err error)
}

func (r *RootModule) newSender(o FleetOptions, g *loadgen.Guard) (sender, error) {
	u, err := url.Parse(o.Target)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", o.Target, err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("target %q: want http://host:port/path or grpc://host:port", o.Target)
	}
	switch u.Scheme {
	case "http":
		if o.Mode != "" {
			return nil, fmt.Errorf("mode %q applies to grpc targets only", o.Mode)
		}
		return &httpSender{url: u.String(), client: r.httpClient(g, o.Allow)}, nil
	case "grpc":
		switch o.Mode {
		case "", "stream", "unary":
		default:
			return nil, fmt.Errorf("mode %q: want \"stream\" or \"unary\"", o.Mode)
		}
		conn, err := r.grpcConn(u.Host, g, o.Allow)
		if err != nil {
			return nil, err
		}
		return &grpcSender{client: agentpb.NewIngestClient(conn), unary: o.Mode == "unary"}, nil
	default:
		return nil, fmt.Errorf("target %q: scheme %q not supported (http, grpc)", o.Target, u.Scheme)
	}
}

type httpSender struct {
	url    string
	client *http.Client
}

func (s *httpSender) send(ctx context.Context, f *Fleet, src uint32, seq uint64, n int, kind string, size int) (int, int, error) {
	f.jbuf = f.gen.AppendJSONBatch(f.jbuf[:0], src, seq, n, kind, size)
	body := f.jbuf
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, 0, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, 0, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if h := resp.Header.Get("X-Accepted"); h != "" {
		if v, err := strconv.Atoi(h); err == nil && v >= 0 {
			return resp.StatusCode, min(v, n), nil
		}
	}
	return resp.StatusCode, ackedFrom(rb, n), nil
}

// ackedFrom reads "accepted":N from a JSON response; without it (and without an X-Accepted
// header, as capsim's loopback target sends) a 2xx acknowledges all n.
func ackedFrom(b []byte, n int) int {
	i := bytes.Index(b, []byte(`"accepted":`))
	if i < 0 {
		return n
	}
	b = bytes.TrimLeft(b[i+len(`"accepted":`):], " ")
	j := 0
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	v, err := strconv.Atoi(string(b[:j]))
	if err != nil || v > n {
		return n
	}
	return v
}
