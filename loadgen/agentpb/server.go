package agentpb

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc"
)

// BatchFunc handles one batch of an agent's stream; a nil error acknowledges every event of it.
type BatchFunc func(ctx context.Context, b *EventBatch) error

// NewBatchServer returns an IngestServer whose three RPCs all hand each batch to accept:
// Send answers the one batch, Stream acknowledges every batch in order, and Upload answers once
// at close with the batches and events accepted. An error from accept ends the call (or the
// stream) with that error. Batches received on a stream reuse one message, so accept must not
// keep b after it returns. Hand-written; the generated code is agent.pb.go and agent_grpc.pb.go.
func NewBatchServer(accept BatchFunc) IngestServer { return batchServer{accept: accept} }

type batchServer struct {
	UnimplementedIngestServer
	accept BatchFunc
}

func (s batchServer) Send(ctx context.Context, b *EventBatch) (*BatchAck, error) {
	if err := s.accept(ctx, b); err != nil {
		return nil, err
	}
	return &BatchAck{Seq: b.Seq, Accepted: uint32(len(b.Events))}, nil
}

func (s batchServer) Stream(st grpc.BidiStreamingServer[EventBatch, BatchAck]) error {
	var b EventBatch
	var ack BatchAck
	for {
		if err := st.RecvMsg(&b); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := s.accept(st.Context(), &b); err != nil {
			return err
		}
		ack.Seq, ack.Accepted = b.Seq, uint32(len(b.Events))
		if err := st.Send(&ack); err != nil {
			return err
		}
	}
}

func (s batchServer) Upload(st grpc.ClientStreamingServer[EventBatch, UploadSummary]) error {
	var sum UploadSummary
	var b EventBatch
	for {
		if err := st.RecvMsg(&b); err != nil {
			if errors.Is(err, io.EOF) {
				return st.SendAndClose(&sum)
			}
			return err
		}
		if err := s.accept(st.Context(), &b); err != nil {
			return err
		}
		sum.Batches++
		sum.Events += uint64(len(b.Events))
	}
}
