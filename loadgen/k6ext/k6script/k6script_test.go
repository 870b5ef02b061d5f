package k6script

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capsim/capsim/loadgen"
	"github.com/capsim/capsim/scenarios"
)

func threshold(t *testing.T, metric, expr string) loadgen.Threshold {
	t.Helper()
	th, err := loadgen.ParseThreshold(metric, expr)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// k6Inspect returns k6's view of the script's options (`k6 inspect`), or skips when bin/k6 has
// not been built (cd cmd/k6 && go build -o ../../bin/k6 .).
func k6Inspect(t *testing.T, script []byte) map[string]any {
	t.Helper()
	bin, _ := filepath.Abs(filepath.Join("..", "..", "..", "bin", "k6"))
	if _, err := os.Stat(bin); err != nil {
		t.Skip("bin/k6 not built")
	}
	path := filepath.Join(t.TempDir(), "script.js")
	if err := os.WriteFile(path, script, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "inspect", path)
	cmd.Env = append(os.Environ(), "K6_NO_USAGE_REPORT=true", "K6_AUTO_EXTENSION_RESOLUTION=false")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("k6 inspect: %v\n%s\n%s", err, errb.String(), script)
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("k6 inspect output: %v\n%s", err, out.String())
	}
	return m
}

func TestScriptAgentConstantArrivalRate(t *testing.T) {
	plan := &loadgen.Plan{Scenario: "small", Describe: "test", Protocol: loadgen.ProtoGRPC, Target: "127.0.0.1:50051",
		Batch: 200, OfferedPerS: 80, Timeout: 5 * time.Second,
		Thresholds: []loadgen.Threshold{threshold(t, "http_req_duration", "p(95)<500")}}
	lt := scenarios.LoadTest{Executor: loadgen.ExecConstantArrivalRate, Duration: scenarios.Duration(45 * time.Second)}
	js, err := Script(plan, lt)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"target":"grpc://127.0.0.1:50051"`, `"batchSize":200`, `"mode":"stream"`,
		`"capsim_batch_duration"`, `"rate": 80`, `"duration": "45s"`, "fleet.send()"} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("script lacks %s:\n%s", want, js)
		}
	}
	m := k6Inspect(t, js)
	sc := m["scenarios"].(map[string]any)["capsim"].(map[string]any)
	if sc["executor"] != "constant-arrival-rate" || sc["rate"].(float64) != 80 || sc["duration"] != "45s" {
		t.Errorf("k6 sees scenario %v", sc)
	}
	if _, ok := m["thresholds"].(map[string]any)["capsim_batch_duration"]; !ok {
		t.Errorf("k6 sees thresholds %v", m["thresholds"])
	}
}

func TestScriptAPIClosed(t *testing.T) {
	plan := &loadgen.Plan{Scenario: "changemaker", Protocol: loadgen.ProtoHTTPAPI, Target: "http://127.0.0.1:8080/"}
	lt := scenarios.LoadTest{Executor: loadgen.ExecRampingVUs, StartVUs: 50,
		Stages: []scenarios.LoadStage{{Duration: scenarios.Duration(time.Minute), Target: 100}},
		Think:  scenarios.Dist{Kind: scenarios.Exponential, Mean: scenarios.Duration(2 * time.Second)}}
	js, err := Script(plan, lt)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`const base = "http://127.0.0.1:8080"`, `"/api/search?q={q}&limit=20"`,
		"Math.log(1 - Math.random()) * 2", `"startVUs": 50`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("script lacks %s:\n%s", want, js)
		}
	}
	m := k6Inspect(t, js)
	sc := m["scenarios"].(map[string]any)["capsim"].(map[string]any)
	if sc["executor"] != "ramping-vus" {
		t.Errorf("k6 sees %v", sc)
	}
}

func TestScriptErrors(t *testing.T) {
	agent := &loadgen.Plan{Protocol: loadgen.ProtoHTTPIngest, Target: "http://127.0.0.1:1"}
	api := &loadgen.Plan{Protocol: loadgen.ProtoHTTPAPI, Target: "http://127.0.0.1:1"}
	tests := map[string]struct {
		plan *loadgen.Plan
		lt   scenarios.LoadTest
	}{
		"nil plan":           {nil, scenarios.LoadTest{}},
		"no rate":            {agent, scenarios.LoadTest{Executor: loadgen.ExecConstantArrivalRate}},
		"ramp without stage": {agent, scenarios.LoadTest{Executor: loadgen.ExecRampingArrivalRate}},
		"replay of api":      {api, scenarios.LoadTest{Executor: loadgen.ExecReplay, Trace: "x.jsonl"}},
		"unknown executor":   {api, scenarios.LoadTest{Executor: "externally-controlled"}},
		"ingest not http":    {&loadgen.Plan{Protocol: loadgen.ProtoHTTPIngest, Target: "127.0.0.1:1"}, scenarios.LoadTest{Executor: loadgen.ExecConstantVUs}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Script(tt.plan, tt.lt); err == nil {
				t.Error("no error")
			}
		})
	}
}

// TestScriptClosedFlowDefaults: without loadtest values the script takes the flow's population
// and think time, as the Go generator does (loadgen.NewPlan), so `capsim load --k6` and
// `capsim load` offer the same closed load.
func TestScriptClosedFlowDefaults(t *testing.T) {
	plan := &loadgen.Plan{Scenario: "changemaker", Protocol: loadgen.ProtoHTTPAPI, Target: "http://127.0.0.1:8080",
		Flow: loadgen.FlowLoad{Population: 8, Think: scenarios.Dist{Kind: scenarios.Exponential, Mean: scenarios.Duration(time.Second)}}}
	js, err := Script(plan, scenarios.LoadTest{Executor: loadgen.ExecConstantVUs})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"vus": 8`, "Math.log(1 - Math.random()) * 1)"} {
		if !strings.Contains(string(js), want) {
			t.Errorf("script lacks %s:\n%s", want, js)
		}
	}
}

// TestRunStopsHungK6: a k6 that ignores SIGINT and never ends (a shell that traps INT and
// TERM and sleeps) is stopped at its limit: SIGINT, then SIGKILL after the kill grace. Run
// returns ErrStopped within limit + grace (+ slack for a busy machine), not after the sleep.
func TestRunStopsHungK6(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "k6")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\ntrap '' INT TERM\nexec sleep 300\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	const limit, grace = time.Second, 500 * time.Millisecond
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), []byte("export default function () {}\n"),
			RunOptions{K6: fake, Dir: filepath.Join(dir, "out"), Stdout: io.Discard, Stderr: io.Discard, Limit: limit, KillGrace: grace})
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrStopped) {
			t.Errorf("err %v, want ErrStopped", err)
		}
		if el := time.Since(start); el < limit || el > limit+grace+5*time.Second {
			t.Errorf("stopped after %v, want about %v", el, limit+grace)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a hung k6 hangs Run")
	}
}

// TestLimit: the schedule's length (duration; the stages' sum), plus gracefulStop (k6's
// default 30 s when unset), plus StartAllowance.
func TestLimit(t *testing.T) {
	for _, c := range []struct {
		lt   scenarios.LoadTest
		want time.Duration
	}{
		{scenarios.LoadTest{}, DefaultDuration + 30*time.Second + StartAllowance},
		{scenarios.LoadTest{Duration: scenarios.Duration(2 * time.Second), GracefulStop: scenarios.Duration(time.Second)}, 3*time.Second + StartAllowance},
		{scenarios.LoadTest{Stages: []scenarios.LoadStage{{Duration: scenarios.Duration(time.Minute)}, {Duration: scenarios.Duration(2 * time.Minute)}}},
			3*time.Minute + 30*time.Second + StartAllowance},
	} {
		if got := Limit(&loadgen.Plan{}, c.lt); got != c.want {
			t.Errorf("%+v: %v, want %v", c.lt, got, c.want)
		}
	}
}
