// Package k6ext is capsim's k6 extension: the JavaScript module `k6/x/capsim` and the output
// `--out capsim=FILE`. Blank-import it into a k6 main (cmd/k6) the way xk6 does.
//
// # JavaScript module k6/x/capsim
//
// `new Fleet(options)` (init context) is one VU's share of an agent fleet. `fleet.send()`
// builds a whole batch of events in Go with loadgen.EventGen (unique ids, syslog / Windows /
// firewall / netflow bodies), encodes it (HTTP JSON, or protobuf over gRPC agentpb.Ingest
// Stream/Send), sends it and waits for the ack, with no per-event JavaScript work.
// `fleet.replay(trace, opts)` replays a trace (loadgen's JSON Lines, fixtures/traces) from Go,
// each batch at its intended time. Both emit, through k6's metrics registry:
//
//	capsim_events          counter  events sent
//	capsim_events_acked    counter  events the target acknowledged (HTTP 2xx / gRPC ack)
//	capsim_batch_duration  trend    ms per batch, from the intended send time to the ack
//	                                (send(): the actual send time, since k6 schedules it)
//	capsim_batches_failed  rate     batches that failed (transport error, status ≥ 400, timeout)
//
// Targets must resolve to 127.0.0.0/8 or ::1 unless options.allow lists more (loadgen.Guard);
// the check runs on the address resolved at dial time, before any packet is sent. Proxy
// environment variables are ignored and redirects to another host are not followed.
//
// # Output capsim
//
// `k6 run --out capsim=FILE` writes NDJSON: per 1-s interval and metric, counters and an HDR
// histogram (package capout); K6_CAPSIM_TAGS=name,… adds submetrics per tag value. `capsim merge` merges files of several instances run with
// `--execution-segment` into exact percentiles. `--out capsim=http://HOST:PORT` streams each
// interval to `capsim collect` instead (package collect), which merges runners while the test
// runs; the collector's stop request ends the test with exit code 99.
package k6ext
