package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/capsim/capsim/loadgen/agentpb"
	"google.golang.org/grpc"
	grpcbackoff "google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// gRPC modes of GRPCIngest.
const (
	// GRPCStream is bidirectional streaming: each batch waits for its BatchAck (per-batch
	// latency). Default.
	GRPCStream = "stream"
	// GRPCUpload is client streaming (how agents push): a hit is done when its batch is
	// written to the stream; acks arrive in the summary at close (GRPCIngest.UploadAcked).
	GRPCUpload = "upload"
	// GRPCUnary is one Send call per batch.
	GRPCUnary = "unary"
)

// GRPCIngest is agent traffic over gRPC (agentpb.Ingest): each hit sends one batch of Batch
// events (or Hit.Events). VUs share Conns client connections (VU id mod Conns); each VU has
// its own stream. Dials go through the Guard; proxies are never used.
type GRPCIngest struct {
	Addr  string
	Mode  string
	Batch int
	Mix   []KindWeight
	Run   string
	Seed  uint64

	conns []*grpc.ClientConn
	// UploadAcked sums the events acknowledged by Upload summaries (GRPCUpload mode).
	UploadAcked atomic.Uint64
	closeOnce   sync.Once
}

var _ Target = (*GRPCIngest)(nil)

// NewGRPCIngest builds the target for host:port addr; run prefixes every event id.
func NewGRPCIngest(addr, mode string, batch int, mix []KindWeight, guard *Guard, conns int, run string, seed uint64) (*GRPCIngest, error) {
	if guard == nil {
		return nil, errors.New("loadgen: GRPCIngest needs a Guard")
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("loadgen: gRPC address %q: want host:port: %w", addr, err)
	}
	switch mode {
	case "":
		mode = GRPCStream
	case GRPCStream, GRPCUpload, GRPCUnary:
	default:
		return nil, fmt.Errorf("loadgen: gRPC mode %q: want stream, upload or unary", mode)
	}
	if batch <= 0 {
		batch = 1
	}
	if conns <= 0 {
		conns = 1
	}
	if _, err := NewEventGen(run, 0, seed, mix); err != nil {
		return nil, err
	}
	t := &GRPCIngest{Addr: addr, Mode: mode, Batch: batch, Mix: mix, Run: run, Seed: seed}
	d := guard.Dialer()
	for range conns {
		cc, err := grpc.NewClient("passthrough:///"+addr,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithNoProxy(),
			// reconnect as the other clients do (grpc-go's default waits up to 120 s)
			grpc.WithConnectParams(grpc.ConnectParams{MinConnectTimeout: 5 * time.Second, Backoff: grpcbackoff.Config{
				BaseDelay: DefaultReconnectMin, Multiplier: 2, Jitter: 0.2, MaxDelay: DefaultReconnectMax}}),
			grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
				return d.DialContext(ctx, "tcp", a)
			}))
		if err != nil {
			t.Close()
			return nil, fmt.Errorf("loadgen: gRPC client %s: %w", addr, err)
		}
		t.conns = append(t.conns, cc)
	}
	return t, nil
}

// Close closes the client connections.
func (t *GRPCIngest) Close() error {
	t.closeOnce.Do(func() {
		for _, c := range t.conns {
			_ = c.Close()
		}
	})
	return nil
}

type grpcVU struct {
	t      *GRPCIngest
	client agentpb.IngestClient
	gen    *EventGen
	batch  agentpb.EventBatch
	seq    uint64

	sctx   context.Context
	cancel context.CancelFunc
	bidi   grpc.BidiStreamingClient[agentpb.EventBatch, agentpb.BatchAck]
	up     grpc.ClientStreamingClient[agentpb.EventBatch, agentpb.UploadSummary]
	ack    agentpb.BatchAck
}

// NewVU implements Target.
func (t *GRPCIngest) NewVU(id int) (VU, error) {
	g, err := NewEventGen(t.Run, id, t.Seed, t.Mix)
	if err != nil {
		return nil, err
	}
	return &grpcVU{t: t, client: agentpb.NewIngestClient(t.conns[id%len(t.conns)]), gen: g}, nil
}

func (v *grpcVU) resetStream() {
	if v.cancel != nil {
		v.cancel()
	}
	v.bidi, v.up, v.cancel = nil, nil, nil
}

// Do implements VU.
func (v *grpcVU) Do(ctx context.Context, h *Hit) error {
	n := h.Events
	if n <= 0 {
		n = v.t.Batch
	}
	size := 0
	if h.Size > 0 {
		size = h.Size / n
	}
	src := h.Source
	if src == 0 {
		src = uint32(h.VU)
	}
	h.FirstEvent = v.gen.n
	h.BytesSent = v.gen.FillBatch(&v.batch, src, v.seq, n, h.Kind, size)
	v.seq++
	h.EventsSent = n
	switch v.t.Mode {
	case GRPCUnary:
		cctx, cancel := context.WithDeadline(ctx, h.Deadline)
		defer cancel()
		ack, err := v.client.Send(cctx, &v.batch)
		if err != nil {
			return grpcErr(err)
		}
		h.EventsAcked = int(ack.GetAccepted())
		return nil
	case GRPCUpload:
		if v.up == nil {
			v.sctx, v.cancel = context.WithCancel(ctx)
			up, err := v.client.Upload(v.sctx)
			if err != nil {
				v.resetStream()
				return grpcErr(err)
			}
			v.up = up
		}
		if err := v.up.Send(&v.batch); err != nil {
			v.resetStream()
			return grpcErr(err)
		}
		return nil
	default:
		if v.bidi == nil {
			v.sctx, v.cancel = context.WithCancel(ctx)
			s, err := v.client.Stream(v.sctx)
			if err != nil {
				v.resetStream()
				return grpcErr(err)
			}
			v.bidi = s
		}
		timer := time.AfterFunc(time.Until(h.Deadline), v.cancel)
		defer timer.Stop()
		if err := v.bidi.Send(&v.batch); err != nil {
			v.resetStream()
			return v.timeoutOr(err, h)
		}
		if err := v.bidi.RecvMsg(&v.ack); err != nil {
			v.resetStream()
			return v.timeoutOr(err, h)
		}
		h.EventsAcked = int(v.ack.GetAccepted())
		return nil
	}
}

func (v *grpcVU) timeoutOr(err error, h *Hit) error {
	if !time.Now().Before(h.Deadline) {
		return fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
	}
	return grpcErr(err)
}

// grpcErr maps a gRPC status error, keeping deadline errors recognisable as timeouts.
func grpcErr(err error) error {
	if s, ok := status.FromError(err); ok && s.Code().String() == "DeadlineExceeded" {
		return fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
	}
	return err
}

// Close ends the VU's stream (Upload: waits up to 5 s for the summary).
func (v *grpcVU) Close() error {
	if v.up != nil {
		done := make(chan struct{})
		go func() {
			defer close(done)
			if sum, err := v.up.CloseAndRecv(); err == nil {
				v.t.UploadAcked.Add(sum.GetEvents())
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
	if v.bidi != nil {
		_ = v.bidi.CloseSend()
	}
	v.resetStream()
	return nil
}
