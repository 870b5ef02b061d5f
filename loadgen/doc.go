// Package loadgen is capsim's load generator library: pacers, k6-named executors, traffic
// (HTTP API mix, HTTP and gRPC agent event batches, trace replay), HDR latency histograms,
// accounting, thresholds, and a dial-time safety guard. It knows nothing of the CLI.
//
// # Model
//
// A run schedules hits (k6: iterations). Hit n (0-based) has an INTENDED send time computed
// from the start of the run alone — Pacer.Pace(elapsed, n) and SendTimer.SendTime(n) — never
// from the previous hit, so a slow target cannot slow the schedule down (no coordinated
// omission, as in wrk2 and vegeta). A single pacer goroutine hands each hit, at its intended
// time, to a free VU of a fixed pool (open executors: constant-arrival-rate,
// ramping-arrival-rate, replay; the pool grows from preAllocatedVUs up to maxVUs). Closed
// executors (constant-vus, ramping-vus) run a population of VUs that each send, wait for the
// response, then think; their intended send time is the end of the think time.
//
// Three times are kept for every hit, all from the run's monotonic clock:
//
//	intended   the scheduled send time (offset from the start)
//	dispatched when the pacer woke up and offered the hit (dispatched − intended = the
//	           generator's own scheduling lag: the self-check)
//	sent       when a VU actually started the request
//
// Latency (the headline figure, k6's http_req_duration as it should be) is
// done − intended; service time is done − sent; send lag is sent − intended. Each goes to an
// HDR histogram (µs, 3 significant digits) of a shard of the VUs, merged at the end: no list of
// samples is kept.
//
// Histograms are kept per shard of VUs (VU id mod 2×GOMAXPROCS), not per VU, so a VU costs
// no histogram memory (a 1 µs–10 min, 3-digit HDR histogram is ~160 KB; the VU budget is
// 50 KB); the shards are merged at the end and every second for progress and abortOnFail.
//
// # Targets
//
// RawHTTPAPI (a lean HTTP/1.1 client, one warm keep-alive connection per VU, no goroutine per
// connection) and HTTPAPI (net/http, also https) send API traffic: a weighted mix of list,
// search-with-a-query and write requests. HTTPIngest posts JSON event batches; GRPCIngest
// streams agentpb.EventBatch messages (bidirectional with per-batch acks, client streaming, or
// unary). Event bodies come from templates (syslog, Windows event, firewall, netflow) and
// every event id is unique in the run. Plan turns a scenario's loadtest section into an
// executor, thresholds and a target; NewTraceGen turns its flows into a trace, streamed record by
// record in offset order (TraceGen.WriteTo writes any length in bounded memory).
//
// # Accounting
//
// Every scheduled hit ends in exactly one bucket, so this identity holds for every Result:
//
//	Scheduled = OK + Failed + TimedOut + Dropped + Interrupted
//
// Dropped means the hit could not be sent on time: no VU was free (and none could be added
// under maxVUs) within MaxLag of its intended time, or the pacer itself was more than MaxLag
// behind, or the schedule's duration was over before the hit could be offered (k6 starts no
// iteration after an arrival-rate executor's duration). A pacer that falls behind counts such
// hits in one step, so a schedule the generator cannot keep (10¹² hits/s for 2 s) still ends
// after its duration, with every hit of it accounted for. Interrupted means the run stopped
// (Ctrl-C, abortOnFail, the end of gracefulStop) before the hit completed. TimedOut means the
// request's own timeout expired. Failed is any other error: a refused connection, a rejected
// batch, an HTTP status outside 2xx (a 3xx is a failure and is not followed; k6 counts
// 200–399 as expected).
//
// # Reconnection
//
// A VU whose connection cannot be made (the target is not up yet, or went away) tries again
// after DefaultReconnectMin, doubling up to DefaultReconnectMax; hits due meanwhile fail at
// once with the connection error (counted as Failed), and a closed VU waits for its next
// attempt instead of failing hit after hit. A target that comes up late is therefore served
// within DefaultReconnectMax of coming up. gRPC connections use the same backoff.
//
// # Validity
//
// A run that did not keep its schedule is marked invalid (Result.Valid false, with reasons):
// the scheduling lag p99 exceeded its budget (DefaultLagBudget), or the process used nearly
// all the CPU it may use (getrusage user+sys ≥ 95 % of GOMAXPROCS × wall time). A late
// schedule has one of two causes, named in Result.LateBy and the message. When hits found
// every VU of the pool (maxVUs) busy and, by Little's law, the VUs spent (nearly) all their
// time waiting for answers (Σ service times ÷ wall time ≥ 0.8 × maxVUs), the target's
// concurrency limit held the schedule back (LateTarget): it answers fewer requests at once
// than the rate needs. Otherwise the generator itself was late (LateGenerator), and the
// latencies describe the generator, not the target. Closed executors have no schedule to
// lag behind, so only the CPU check applies to them.
//
// # Execution segments
//
// WithSegment runs one share of a test, with k6's execution-segment semantics (Segment): the
// generators of one segment sequence send every hit of the schedule exactly once between them,
// each hit at its global intended time, so N generators on N hosts replay one arrival process.
//
// # Safety
//
// Guard only lets connections reach 127.0.0.0/8 and ::1 unless more is allowed explicitly; the
// check runs on the IP address resolved at dial time (net.Dialer.Control), before any packet is
// sent. HTTP clients built by Guard ignore proxy environment variables and do not follow
// redirects to another host. Every run is bounded by its duration, MaxRequests and gracefulStop.
package loadgen
