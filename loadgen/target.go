package loadgen

import (
	"context"
	"time"
)

// Hit is one scheduled request, handed by value to a VU. The VU fills the output fields.
type Hit struct {
	// Seq is the scheduling order, 0-based, unique in the run.
	Seq uint64
	// VU is the id of the VU running the hit (0-based).
	VU int
	// Intended is the intended send time as an offset from the start of the run.
	Intended time.Duration
	// Deadline is the absolute time by which the request must be done (its timeout).
	Deadline time.Time

	// From a trace (replay) or a mix; zero values mean "the target's default".
	Source uint32 // data source / agent id
	Kind   string // event kind ("syslog") or request class ("search")
	Size   int    // bytes of payload wanted
	Events int    // events in the batch

	// Outputs, set by the VU.
	Status      int // protocol status (HTTP status code, gRPC code)
	BytesSent   int
	EventsSent  int
	EventsAcked int
	// FirstEvent is the per-VU number of the batch's first event id (EventGen.NextID: ids
	// "<run>-<VU>-<n>" for n in [FirstEvent, FirstEvent+EventsSent)).
	FirstEvent uint64
}

// VU performs hits one at a time (k6: a virtual user). A VU is used by one goroutine only, so
// it may keep buffers, a connection or a stream between hits. Do returns nil on success; an
// error that is a timeout (context.DeadlineExceeded, or a net.Error with Timeout()) counts as
// timed out, any other error as failed.
type VU interface {
	Do(ctx context.Context, h *Hit) error
}

// Target makes VUs. NewVU is called once per VU, from that VU's goroutine; it may dial.
// A VU that also implements io.Closer is closed when the run ends.
type Target interface {
	NewVU(id int) (VU, error)
}

// TargetFunc is a stateless target: every VU calls the function.
type TargetFunc func(ctx context.Context, h *Hit) error

// NewVU implements Target.
func (f TargetFunc) NewVU(int) (VU, error) { return f, nil }

// Do implements VU.
func (f TargetFunc) Do(ctx context.Context, h *Hit) error { return f(ctx, h) }
