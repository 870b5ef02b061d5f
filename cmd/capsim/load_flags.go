package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/loadgen/k6ext/k6operator"
	"github.com/capsim/capsim/loadgen/k6ext/k6script"
	"github.com/capsim/capsim/scenarios"
)

type loadFlags struct {
	target, out, executor, protocol, flow string
	rate                                  float64
	duration                              time.Duration
	vus, batch                            int
	allow, sets                           []string
	maxRequests                           uint64
	quiet                                 bool
	k6                                    string // the k6 binary of --k6 ("" without)
	lagBudget                             time.Duration
	cluster                               string
	segment, segmentSeq, collectURL       string
	operator, collectorPort               int
	runnerImage, collectorImage, ns       string
}

// k6Runner runs the plan through bin/k6 with the capsim extension (`capsim load --k6`). It is
// set by the k6 integration when that is built in; nil means unavailable.
// It returns the run as the Go generator's Result (thresholds, validity, abort included), which
// runLoad writes, summarizes and turns into the exit code as for the Go generator.
// k6's own output goes to the command's stdout and stderr, or with quiet to out/k6.log.
var k6Runner func(ctx context.Context, cmd *cobra.Command, sc *scenarios.Scenario, plan *loadgen.Plan, out, k6 string, quiet bool) (*loadgen.Result, error)

// loadOpts holds the flags of `capsim load` (a package variable so tests can reset it).
var loadOpts loadFlags

func init() {
	f := &loadOpts
	cmd := &cobra.Command{
		Use:   "load [SCENARIO]",
		Short: "Drive real load at a target with the Go generator; writes result.json in the model's shape",
		Long: `Run the scenario's loadtest section (or a plain load given by flags) against a real
target with capsim's Go load generator, measuring latency from the intended send time.

Without a scenario, --target and --rate (open, constant-arrival-rate) or --vus (closed,
constant-vus) describe the load. Flags override the scenario's loadtest section.

Only 127.0.0.0/8 and ::1 are allowed as targets unless --allow-host names more (checked on the
address resolved at dial time). Proxy variables are ignored. The first Ctrl-C stops sending,
drains in-flight requests and writes partial results marked aborted; the second exits at once.

VUs whose connection fails reconnect with backoff (50 ms doubling to 1 s). Only a 2xx answer
is a success; a 3xx is a failure and is not followed. Without a threshold on failed requests,
http_req_failed rate<0.01 applies (k6's convention). No hit is sent after --duration, however
far behind the generator is.

Writes DIR/result.json (sim.Result shape: one flow with throughput and latency mean/p50/p95/
p99 in ms; slo_met is false when the P95 target, slo.max_drop_ratio or a threshold fails, or
the run is invalid or aborted) and DIR/load.json (accounting, thresholds, validity). Exit
codes: 0 a valid, complete run whose thresholds passed; 99 a threshold failed; 98 invalid
measurement (the schedule was not kept: the message says whether the generator or the
target's concurrency limit was late); 3 aborted by a limit (--max-requests); 2 invalid input;
1 anything else (an I/O error, stopped by Ctrl-C).

With --k6 (bin/k6, built by "task k6"; --k6=PATH for another) k6 runs the same plan instead:
capsim writes the k6 script, runs k6 with its capsim output and converts that output into the
same result.json and load.json, prints the same summary and exits by the same rules. k6's
verdict decides each threshold; k6's latency runs from the actual send, not the intended one;
an iteration k6 dropped (no free VU) makes the run invalid (98).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runLoad(cmd, args, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.target, "target", "", "target base URL (http://127.0.0.1:8080) or host:port for gRPC")
	fl.Float64Var(&f.rate, "rate", 0, "arrival rate, requests per second (constant-arrival-rate)")
	fl.DurationVar(&f.duration, "duration", 0, "test duration (default: the scenario's, else 30s)")
	fl.IntVar(&f.vus, "vus", 0, "virtual users (constant-vus; with --rate: the VU pool limit)")
	fl.StringVar(&f.out, "out", "", "output folder (default out/<scenario>-load)")
	fl.StringArrayVar(&f.allow, "allow-host", nil, "also allow this host, IP or CIDR as a target (repeatable)")
	fl.StringVar(&f.executor, "executor", "", "k6 executor: constant-arrival-rate, ramping-arrival-rate, constant-vus, ramping-vus, replay")
	fl.StringVar(&f.protocol, "protocol", "", "http-api, http-ingest, grpc, grpc-upload or grpc-unary")
	fl.StringVar(&f.flow, "flow", "", "scenario flow to drive (default: the loadtest's, else the first)")
	fl.IntVar(&f.batch, "batch", 0, "events per request of agent traffic")
	fl.Uint64Var(&f.maxRequests, "max-requests", 0, "bound on the number of requests (default 50,000,000)")
	fl.StringArrayVar(&f.sets, "set", nil, "override a scenario value (repeatable)")
	fl.DurationVar(&f.lagBudget, "lag-budget", loadgen.DefaultLagBudget, "scheduling-lag p99 above which the run is marked invalid (the generator was the bottleneck)")
	fl.BoolVar(&f.quiet, "quiet", false, "print nothing but errors")
	fl.StringVar(&f.k6, "k6", "", "run the plan with k6 instead of the Go generator: bin/k6 ("+k6script.BuildCommand+"), or --k6=PATH")
	fl.Lookup("k6").NoOptDefVal = k6script.DefaultK6
	fl.StringVar(&f.segment, "segment", "", "run only this execution segment of the test: i/n (the i-th of n equal parts, as k6-operator splits) or k6's from:to")
	fl.StringVar(&f.segmentSeq, "segment-sequence", "", "k6's --execution-segment-sequence for a from:to --segment (default: its own boundaries)")
	fl.StringVar(&f.collectURL, "collect", "", "stream per-second histograms to capsim collect at this URL (http://HOST:PORT); thresholds are evaluated there, on the merged data")
	fl.IntVar(&f.operator, "operator", 0, "with --k6: write k6-operator manifests for N runners streaming to capsim collect (into --out), run nothing")
	fl.StringVar(&f.runnerImage, "runner-image", "", "--operator: the k6 runner image (default "+k6operator.DefaultRunnerImage+")")
	fl.StringVar(&f.collectorImage, "collector-image", "", "--operator: the capsim image of the collector (default "+k6operator.DefaultCollectorImage+")")
	fl.IntVar(&f.collectorPort, "collector-port", k6operator.DefaultCollectorPort, "--operator: the collector Service's port")
	fl.StringVar(&f.ns, "namespace", "", "--operator: namespace of the manifests (default: kubectl's)")
	fl.StringVar(&f.cluster, "cluster", "", "target the running miniature of this run (capsim cluster up; \"auto\" = the only run): its entry point for the flow, rates and VUs scaled by the cluster's scale")
	rootCmd.AddCommand(cmd)
}
