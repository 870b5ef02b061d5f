package k6ext

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/loadgen/agentpb"
)

// sharedTransport is one HTTP transport or gRPC connection per (kind, target, allow list),
// shared by every VU of the process.
type sharedTransport struct {
	client *http.Client
	conn   *grpc.ClientConn
}

func (r *RootModule) httpClient(g *loadgen.Guard, allow []string) *http.Client {
	key := "http|" + strings.Join(allow, ",")
	r.mu.Lock()
	defer r.mu.Unlock()
	if t := r.transports[key]; t != nil {
		return t.client
	}
	// One idle connection per VU: k6 may run thousands.
	c := g.HTTPClient(100_000)
	r.transports[key] = &sharedTransport{client: c}
	return c
}

func (r *RootModule) grpcConn(host string, g *loadgen.Guard, allow []string) (*grpc.ClientConn, error) {
	key := "grpc|" + host + "|" + strings.Join(allow, ",")
	r.mu.Lock()
	defer r.mu.Unlock()
	if t := r.transports[key]; t != nil {
		return t.conn, nil
	}
	conn, err := grpc.NewClient("passthrough:///"+host,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return g.Dialer().DialContext(ctx, "tcp", addr)
		}),
		grpc.WithNoProxy(),
	)
	if err != nil {
		return nil, fmt.Errorf("grpc %s: %w", host, err)
	}
	r.transports[key] = &sharedTransport{conn: conn}
	return conn, nil
}

// grpcSender sends over agentpb.Ingest: Stream (one long-lived bidirectional stream per VU,
// one BatchAck per batch) or Send (one unary call per batch).
type grpcSender struct {
	client agentpb.IngestClient
	unary  bool
	stream agentpb.Ingest_StreamClient
	cancel context.CancelFunc
}

func (s *grpcSender) send(ctx context.Context, f *Fleet, src uint32, seq uint64, n int, kind string, size int) (int, int, error) {
	b := &f.batch
	f.gen.FillBatch(b, src, seq, n, kind, size)
	var ack *agentpb.BatchAck
	var err error
	if s.unary {
		ack, err = s.client.Send(ctx, b)
	} else {
		ack, err = s.roundTrip(ctx, f, b)
	}
	if err != nil {
		return int(status.Code(err)), 0, err
	}
	if ack.GetSeq() != seq {
		return int(codes.OK), 0, fmt.Errorf("ack for batch %d, sent %d", ack.GetSeq(), seq)
	}
	return int(codes.OK), int(min(ack.GetAccepted(), uint32(n))), nil
}

// roundTrip sends b on the VU's stream and waits for its ack. A timeout or error breaks the
// stream; the next batch opens a new one.
func (s *grpcSender) roundTrip(ctx context.Context, f *Fleet, b *agentpb.EventBatch) (*agentpb.BatchAck, error) {
	if s.stream == nil {
		// Not the VU's context: k6 cancels that at the end of every activation (each iteration of
		// an arrival-rate executor), which would break the stream between batches. The stream
		// lives as long as the process; every batch is bounded by ctx through the AfterFunc.
		sctx, cancel := context.WithCancel(context.Background())
		st, err := s.client.Stream(sctx)
		if err != nil {
			cancel()
			return nil, err
		}
		s.stream, s.cancel = st, cancel
	}
	stop := context.AfterFunc(ctx, s.cancel) // batch timeout or VU end: abort the stream
	defer stop()
	err := s.stream.Send(b)
	var ack *agentpb.BatchAck
	if err == nil {
		ack, err = s.stream.Recv()
	}
	if err != nil {
		s.cancel()
		s.stream, s.cancel = nil, nil
		if ctx.Err() != nil {
			err = errors.Join(ctx.Err(), err)
		}
		return nil, err
	}
	return ack, nil
}
