package k6ext

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/sobek"
	"go.k6.io/k6/js/modulestest"
	"go.k6.io/k6/lib"
	"go.k6.io/k6/metrics"
	"google.golang.org/grpc"

	"github.com/capsim/capsim/loadgen/agentpb"
)

// jsBatch is the HTTP JSON batch as a server decodes it (independent of the encoder).
type jsBatch struct {
	Source uint32 `json:"source"`
	Seq    uint64 `json:"seq"`
	Events []struct {
		ID       string `json:"id"`
		Kind     string `json:"kind"`
		UnixNano int64  `json:"unix_nano"`
		Body     string `json:"body"`
	} `json:"events"`
}

// ingest is an in-test agent manager (HTTP JSON and gRPC) that records what it got.
type ingest struct {
	agentpb.UnimplementedIngestServer
	mu      sync.Mutex
	batches []jsBatch
	ids     map[string]int
	kinds   map[string]int
	sizes   []int
	reject  bool // answer 503
	accept  int  // if > 0, acknowledge at most this many events per batch
}

func newIngest() *ingest { return &ingest{ids: map[string]int{}, kinds: map[string]int{}} }

func (s *ingest) record(b jsBatch) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, b)
	for _, e := range b.Events {
		s.ids[e.ID]++
		s.kinds[e.Kind]++
		s.sizes = append(s.sizes, len(e.Body))
	}
	if s.accept > 0 {
		return min(s.accept, len(b.Events))
	}
	return len(b.Events)
}

func (s *ingest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b jsBatch
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n := s.record(b)
	if s.reject {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintf(w, `{"seq":%d,"accepted":%d}`, b.Seq, n)
}

func fromPB(b *agentpb.EventBatch) jsBatch {
	out := jsBatch{Source: b.Source, Seq: b.Seq}
	for _, e := range b.Events {
		out.Events = append(out.Events, struct {
			ID       string `json:"id"`
			Kind     string `json:"kind"`
			UnixNano int64  `json:"unix_nano"`
			Body     string `json:"body"`
		}{e.Id, e.Kind, e.UnixNano, string(e.Body)})
	}
	return out
}

func (s *ingest) Send(_ context.Context, b *agentpb.EventBatch) (*agentpb.BatchAck, error) {
	return &agentpb.BatchAck{Seq: b.Seq, Accepted: uint32(s.record(fromPB(b)))}, nil
}

func (s *ingest) Stream(st agentpb.Ingest_StreamServer) error {
	for {
		b, err := st.Recv()
		if err != nil {
			return nil
		}
		if err := st.Send(&agentpb.BatchAck{Seq: b.Seq, Accepted: uint32(s.record(fromPB(b)))}); err != nil {
			return err
		}
	}
}

// k6rt is a k6 test runtime with the module loaded as the global `capsim`.
type k6rt struct {
	t       testing.TB
	rt      *modulestest.Runtime
	reg     *metrics.Registry
	samples chan metrics.SampleContainer
}

func newK6(t testing.TB) *k6rt {
	t.Helper()
	rt := modulestest.NewRuntime(t)
	k := &k6rt{t: t, rt: rt, reg: rt.VU.InitEnvField.Registry, samples: make(chan metrics.SampleContainer, 10000)}
	mi := New().NewModuleInstance(rt.VU)
	if err := rt.VU.Runtime().Set("capsim", mi.Exports().Named); err != nil {
		t.Fatal(err)
	}
	return k
}

// toVU leaves the init context.
func (k *k6rt) toVU() {
	k.rt.MoveToVUContext(&lib.State{
		Samples:        k.samples,
		Tags:           lib.NewVUStateTags(k.reg.RootTagSet()),
		BuiltinMetrics: k.rt.BuiltinMetrics,
		VUID:           1,
	})
}

func (k *k6rt) run(code string) (sobek.Value, error) { return k.rt.VU.Runtime().RunString(code) }

func (k *k6rt) mustRun(code string) sobek.Value {
	k.t.Helper()
	v, err := k.run(code)
	if err != nil {
		k.t.Fatalf("%s: %v", code, err)
	}
	return v
}

// sums adds up the samples pushed so far, per metric; trends also give their count.
func (k *k6rt) sums() (sum map[string]float64, count map[string]int) {
	sum, count = map[string]float64{}, map[string]int{}
	for {
		select {
		case sc := <-k.samples:
			for _, s := range sc.GetSamples() {
				sum[s.Metric.Name] += s.Value
				count[s.Metric.Name]++
			}
		default:
			return sum, count
		}
	}
}

func TestFleetSendHTTP(t *testing.T) {
	srv := newIngest()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	k := newK6(t)
	k.mustRun(fmt.Sprintf(`var fleet = new capsim.Fleet({target: %q, agents: 3, batchSize: 50,
		kinds: {syslog: 3, netflow: 1}})`, hs.URL+"/v1/events"))
	runID := k.mustRun(`capsim.runId`).String()
	k.toVU()
	const sends = 12
	k.mustRun(fmt.Sprintf(`var rs = []; for (var i = 0; i < %d; i++) { rs.push(fleet.send()); }
		if (!rs.every(function (r) { return r.ok && r.events === 50 && r.acked === 50 && r.status === 200 && r.duration > 0; }))
			throw new Error(JSON.stringify(rs));`, sends))

	if len(srv.batches) != sends {
		t.Fatalf("server got %d batches, want %d", len(srv.batches), sends)
	}
	// Sources rotate over 3 agents; each source numbers its batches 0, 1, 2, …
	next := map[uint32]uint64{}
	for _, b := range srv.batches {
		if b.Source >= 3 {
			t.Errorf("source %d ≥ agents", b.Source)
		}
		if b.Seq != next[b.Source] {
			t.Errorf("source %d: seq %d, want %d", b.Source, b.Seq, next[b.Source])
		}
		next[b.Source]++
		if len(b.Events) != 50 {
			t.Errorf("batch has %d events", len(b.Events))
		}
		for _, e := range b.Events {
			if !strings.HasPrefix(e.ID, runID+"-") {
				t.Errorf("id %q does not start with the run id %q", e.ID, runID)
			}
		}
	}
	for id, n := range srv.ids {
		if n != 1 {
			t.Errorf("id %s seen %d times", id, n)
		}
	}
	if len(srv.ids) != sends*50 {
		t.Errorf("%d distinct ids, want %d", len(srv.ids), sends*50)
	}
	// The mix: 3:1 syslog:netflow, over 600 events drawn independently (binomial
	// σ ≈ √(600·¾·¼) ≈ 10.6 events; allow 5σ).
	if got := srv.kinds["syslog"]; math.Abs(float64(got)-450) > 53 || srv.kinds["windows"] != 0 {
		t.Errorf("kinds %v, want ≈ 450 syslog, 150 netflow, 0 windows", srv.kinds)
	}
	sum, count := k.sums()
	if sum[MetricEvents] != sends*50 || sum[MetricEventsAcked] != sends*50 || count[MetricBatchDuration] != sends ||
		sum[MetricBatchesFailed] != 0 {
		t.Errorf("metrics sums %v counts %v", sum, count)
	}
}

func TestFleetPartialAckAndFailure(t *testing.T) {
	srv := newIngest()
	srv.accept = 7
	hs := httptest.NewServer(srv)
	defer hs.Close()
	k := newK6(t)
	k.mustRun(fmt.Sprintf(`var fleet = new capsim.Fleet({target: %q, batchSize: 10, eventSize: 300})`, hs.URL))
	k.toVU()
	k.mustRun(`var r = fleet.send(); if (!r.ok || r.acked !== 7) throw new Error(JSON.stringify(r));`)
	for _, n := range srv.sizes {
		if n < 295 { // loadgen pads to size when the body is more than 5 bytes shorter
			t.Fatalf("body of %d bytes, want ≥ eventSize 300", n)
		}
	}
	srv.reject = true
	k.mustRun(`var r = fleet.send(); if (r.ok || r.status !== 503 || r.acked !== 0) throw new Error(JSON.stringify(r));`)
	sum, _ := k.sums()
	if sum[MetricEvents] != 20 || sum[MetricEventsAcked] != 7 || sum[MetricBatchesFailed] != 1 {
		t.Errorf("metrics %v: want 20 events, 7 acked, 1 failed batch", sum)
	}
}

func TestFleetSendGRPC(t *testing.T) {
	for _, mode := range []string{"stream", "unary"} {
		t.Run(mode, func(t *testing.T) {
			srv := newIngest()
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			gs := grpc.NewServer()
			agentpb.RegisterIngestServer(gs, srv)
			go func() { _ = gs.Serve(lis) }()
			defer gs.Stop()
			k := newK6(t)
			k.mustRun(fmt.Sprintf(`var fleet = new capsim.Fleet({target: "grpc://%s", mode: %q, agents: 2, batchSize: 20})`,
				lis.Addr(), mode))
			k.toVU()
			ctx, cancel := context.WithCancel(context.Background())
			k.rt.VU.CtxField = ctx
			k.mustRun(`for (var i = 0; i < 4; i++) { var r = fleet.send(); if (!r.ok || r.acked !== 20) throw new Error(JSON.stringify(r)); }`)
			// k6 cancels a VU's context when it deactivates it (after every iteration of an
			// arrival-rate executor); the stream must survive into the next activation.
			cancel()
			k.rt.VU.CtxField = context.Background()
			k.mustRun(`var r = fleet.send(); if (!r.ok || r.acked !== 20) throw new Error(JSON.stringify(r));`)
			if len(srv.batches) != 5 || len(srv.ids) != 100 {
				t.Errorf("server got %d batches, %d ids; want 5 and 100", len(srv.batches), len(srv.ids))
			}
			sum, _ := k.sums()
			if sum[MetricEventsAcked] != 100 {
				t.Errorf("acked %v, want 100", sum[MetricEventsAcked])
			}
		})
	}
}

// A target outside loopback is refused at dial time: send() fails, nothing is acked.
func TestFleetRefusesNonLoopback(t *testing.T) {
	k := newK6(t)
	k.mustRun(`var fleet = new capsim.Fleet({target: "http://192.0.2.1:9/x", batchSize: 1, timeout: "2s"})`)
	k.toVU()
	v := k.mustRun(`fleet.send()`)
	r := v.Export().(BatchResult)
	if r.OK || !strings.Contains(r.Error, "not allowed") {
		t.Errorf("send to 192.0.2.1: %+v, want a 'not allowed' error", r)
	}
}

func TestFleetOptionErrors(t *testing.T) {
	tests := map[string]string{
		"no options":   `new capsim.Fleet()`,
		"unknown key":  `new capsim.Fleet({target: "http://127.0.0.1:1/", batchsize: 3})`,
		"bad scheme":   `new capsim.Fleet({target: "ftp://127.0.0.1:1/"})`,
		"no host":      `new capsim.Fleet({target: "/just/a/path"})`,
		"batch size":   `new capsim.Fleet({target: "http://127.0.0.1:1/", batchSize: -1})`,
		"kind":         `new capsim.Fleet({target: "http://127.0.0.1:1/", kinds: {mainframe: 1}})`,
		"timeout":      `new capsim.Fleet({target: "http://127.0.0.1:1/", timeout: "soon"})`,
		"allow":        `new capsim.Fleet({target: "http://127.0.0.1:1/", allow: ["10.0.0.0/33"]})`,
		"mode on http": `new capsim.Fleet({target: "http://127.0.0.1:1/", mode: "stream"})`,
		"trace file":   `new capsim.Trace("/nonexistent/trace.jsonl")`,
	}
	for name, code := range tests {
		t.Run(name, func(t *testing.T) {
			k := newK6(t)
			if _, err := k.run(code); err == nil {
				t.Errorf("%s: no error", code)
			}
		})
	}
	t.Run("send in init context", func(t *testing.T) {
		k := newK6(t)
		k.mustRun(`var fleet = new capsim.Fleet({target: "http://127.0.0.1:1/"})`)
		if _, err := k.run(`fleet.send()`); err == nil || !strings.Contains(err.Error(), "init context") {
			t.Errorf("send() in init context: %v", err)
		}
	})
}

func TestFleetReplay(t *testing.T) {
	srv := newIngest()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	var lines []string
	for i := range 10 {
		lines = append(lines, fmt.Sprintf(`{"offset_ms": %d, "source": %d, "kind": "windows", "size": %d, "events": %d}`,
			5*(i+1), (9-i)%3, 1000*(10-i), 10-i))
	}
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k := newK6(t)
	k.mustRun(fmt.Sprintf(`var fleet = new capsim.Fleet({target: %q}); var trace = new capsim.Trace(%q);
		if (trace.length() !== 10) throw new Error("length " + trace.length());`, hs.URL, path))
	k.toVU()
	// Shard 1 of 2: records 1, 3, 5, 7, 9 (offsets 10, 20, 30, 40, 50 ms) → events 9, 7, 5, 3, 1
	// and sources 2, 0, 1, 2, 0, each sent for 3 sources (sourceScale).
	v := k.mustRun(`fleet.replay(trace, {speed: 10, sourceScale: 3, shard: 1, shards: 2})`)
	r := v.Export().(ReplayResult)
	if r.Batches != 15 || r.OK != 15 || r.Events != 3*(9+7+5+3+1) || r.Acked != r.Events || r.Cancelled {
		t.Errorf("replay result %+v", r)
	}
	if srv.kinds["windows"] != r.Events || len(srv.kinds) != 1 {
		t.Errorf("kinds %v, want only windows", srv.kinds)
	}
	for _, n := range srv.sizes { // size 1000 × events per batch: 1000 B per event (padded)
		if n < 995 {
			t.Fatalf("event body %d bytes, want ≈ 1000 from the trace's size", n)
		}
	}
	seen := map[uint32]bool{}
	for _, b := range srv.batches {
		seen[b.Source] = true
	}
	// Sources of the shard: original source (0, 1, 2) × 3 + j: 0 … 8.
	if len(seen) != 9 {
		t.Errorf("sources %v, want 9 distinct (3 × sourceScale 3)", seen)
	}
	if _, err := k.run(`fleet.replay(trace, {shard: 2, shards: 2})`); err == nil {
		t.Error("shard ≥ shards: no error")
	}
}

func FuzzReadTrace(f *testing.F) {
	f.Add([]byte(`{"offset_ms": 1.5, "source": 2, "kind": "syslog", "events": 3, "size": 200}` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := ReadTrace("fuzz", strings.NewReader(string(b)))
		if err == nil && tr.Duration() < 0 {
			t.Error("negative duration")
		}
	})
}
