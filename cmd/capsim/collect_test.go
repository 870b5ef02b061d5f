package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/capsim/capsim/fixtures/loopback"
	"github.com/capsim/capsim/loadgen/collect"
	"github.com/capsim/capsim/loadgen/k6ext/k6operator"
	"github.com/capsim/capsim/scenarios"
	"github.com/capsim/capsim/sim"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startLoadChild runs `capsim load ARGS` in a child process (TestLoadInterrupt's hook).
func startLoadChild(t *testing.T, args string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadInterrupt$")
	cmd.Env = append(os.Environ(), "CAPSIM_LOAD_CHILD="+args)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

func runCollectArgs(args ...string) int {
	defer func() { collectOpts = collectFlags{} }()
	return run(append([]string{"collect"}, args...))
}

func readLoadJSON(t *testing.T, dir string) (loadJSON, collect.Report) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "load.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Result  json.RawMessage `json:"result"`
		Collect collect.Report  `json:"collect"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	var lj loadJSON
	_ = json.Unmarshal(b, &lj)
	return lj, raw.Collect
}

// Three `capsim load --segment i/3 --collect URL` processes stream to `capsim collect`: the
// merged count is the whole schedule, each runner's share passes count<100, the merge fails it
// (exit 99); the runners write their own segment's results too.
func TestCollectCommandThreeRunners(t *testing.T) {
	srv, err := loopback.Start(loopback.Config{GRPCAddr: "off", Workers: 4,
		Service: scenarios.Dist{Kind: scenarios.Deterministic, Mean: scenarios.Duration(time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr, dir := freeAddr(t), t.TempDir()
	var children []*exec.Cmd
	var outs []*bytes.Buffer
	for i := 1; i <= 3; i++ {
		c, out := startLoadChild(t, fmt.Sprintf("load --target %s --rate 60 --duration 2s --quiet --lag-budget 1s --segment %d/3 --collect http://%s --out %s",
			srv.URL(), i, addr, filepath.Join(dir, fmt.Sprint("runner", i))))
		children, outs = append(children, c), append(outs, out)
	}
	out := filepath.Join(dir, "merged")
	code := runCollectArgs("--listen", addr, "--runners", "3", "--threshold", "http_reqs=count<100",
		"--threshold", "http_req_failed=rate<0.01", "--lost-after", "15s", "--timeout", "60s", "--out", out, "--quiet")
	for i, c := range children {
		if err := c.Wait(); err != nil {
			t.Errorf("runner %d: %v\n%s", i+1, err, outs[i])
		}
	}
	if code != ExitSLOBreached {
		t.Errorf("collect: exit %d, want %d (count<100 fails on the merged 120)", code, ExitSLOBreached)
	}
	lj, rep := readLoadJSON(t, out)
	if lj.Result == nil || lj.Result.Scheduled != 120 || lj.Result.OK != 120 || srv.Stats().Requests != 120 {
		t.Fatalf("merged result %+v; target saw %d", lj.Result, srv.Stats().Requests)
	}
	if len(rep.Runners) != 3 || rep.Coverage != 1 || len(rep.Warnings) != 0 {
		t.Errorf("runners %+v coverage %v warnings %v", rep.Runners, rep.Coverage, rep.Warnings)
	}
	segs := map[string]bool{}
	for _, r := range rep.Runners {
		segs[r.Segment] = r.State == "finished"
	}
	if !segs["0:1/3"] || !segs["1/3:2/3"] || !segs["2/3:1"] {
		t.Errorf("segments %v", segs)
	}
	if len(lj.Thresh) != 2 || lj.Thresh[0].Passed || lj.Thresh[0].Value != 120 || !lj.Thresh[1].Passed {
		t.Errorf("thresholds %+v", lj.Thresh)
	}
	var scheduled uint64
	for i := 1; i <= 3; i++ {
		r, _ := readLoadJSON(t, filepath.Join(dir, fmt.Sprint("runner", i)))
		scheduled += r.Result.Scheduled
		if r.Segment == "" || len(r.Thresh) != 0 {
			t.Errorf("runner %d: segment %q, thresholds %v (the collector evaluates them)", i, r.Segment, r.Thresh)
		}
	}
	if scheduled != 120 {
		t.Errorf("runners scheduled %d in total, want 120", scheduled)
	}
	var sr sim.Result
	b, _ := os.ReadFile(filepath.Join(out, "result.json"))
	if err := json.Unmarshal(b, &sr); err != nil || sr.SLOMet || !strings.Contains(strings.Join(sr.Violations, ";"), "http_reqs count<100") {
		t.Errorf("result.json: %v %+v", err, sr.Violations)
	}
}

// A runner killed mid-run is reported lost with its segment; the collection ends without it,
// the result is marked invalid and the exit code is 1.
func TestCollectCommandLostRunner(t *testing.T) {
	srv, err := loopback.Start(loopback.Config{GRPCAddr: "off"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr, dir := freeAddr(t), t.TempDir()
	var kids []*exec.Cmd
	for i := 1; i <= 2; i++ {
		dur := "2s"
		if i == 2 {
			dur = "30s"
		}
		c, _ := startLoadChild(t, fmt.Sprintf("load --target %s --rate 20 --duration %s --quiet --lag-budget 1s --segment %d/2 --collect http://%s --out %s",
			srv.URL(), dur, i, addr, filepath.Join(dir, fmt.Sprint("runner", i))))
		kids = append(kids, c)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(3 * time.Second)
		_ = kids[1].Process.Kill()
	})
	out := filepath.Join(dir, "merged")
	var stderr bytes.Buffer
	code := func() int {
		r, w, _ := os.Pipe()
		old := os.Stderr
		os.Stderr = w
		rootCmd.SetErr(w)
		rootCmd.SetOut(io.Discard)
		defer func() { os.Stderr = old; rootCmd.SetErr(nil); rootCmd.SetOut(nil) }()
		done := make(chan struct{})
		go func() { _, _ = stderr.ReadFrom(r); close(done) }()
		code := runCollectArgs("--listen", addr, "--runners", "2", "--lost-after", "2s", "--timeout", "60s", "--out", out)
		w.Close()
		<-done
		return code
	}()
	wg.Wait()
	for _, k := range kids {
		_ = k.Wait()
	}
	if code != ExitError {
		t.Errorf("exit %d, want %d", code, ExitError)
	}
	if !strings.Contains(stderr.String(), "(segment 1/2:1) LOST: no data since") {
		t.Errorf("stderr does not report the lost runner with its segment:\n%s", stderr.String())
	}
	lj, rep := readLoadJSON(t, out)
	states := map[string]string{}
	for _, r := range rep.Runners {
		states[r.Segment] = r.State
	}
	if states["0:1/2"] != "finished" || states["1/2:1"] != "lost" {
		t.Errorf("runner states %v", states)
	}
	if lj.Result.Valid || !strings.Contains(strings.Join(lj.Result.Invalid, ";"), "segment 1/2:1) LOST") {
		t.Errorf("result valid=%v invalid=%v", lj.Result.Valid, lj.Result.Invalid)
	}
}

// `capsim load --k6 --operator 4` writes manifests whose ConfigMap holds the script and the
// collector config the TestRun and the collector read (the TestRun's fields are checked against
// the CRD in loadgen/k6ext/k6operator).
func TestLoadOperatorManifests(t *testing.T) {
	dir := t.TempDir()
	if code := runLoadArgs("load", "../../fixtures/loopback/scenarios/mm4.yaml", "--k6", "--operator", "4", "--out", dir, "--quiet"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	y, err := os.ReadFile(filepath.Join(dir, "manifests.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	var cm struct {
		Metadata struct{ Name string }
		Data     map[string]string
	}
	var tr struct {
		Spec struct {
			Parallelism int
			Arguments   string
			Script      struct {
				ConfigMap struct{ Name, File string } `yaml:"configMap"`
			}
		}
	}
	for _, doc := range regexp.MustCompile(`(?m)^---\n`).Split(string(y), -1) {
		var k struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &k); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, k.Kind)
		switch k.Kind {
		case "ConfigMap":
			_ = yaml.Unmarshal([]byte(doc), &cm)
		case "TestRun":
			_ = yaml.Unmarshal([]byte(doc), &tr)
		}
	}
	if strings.Join(kinds, ",") != "ConfigMap,Service,Deployment,TestRun" {
		t.Errorf("kinds %v", kinds)
	}
	js, _ := os.ReadFile(filepath.Join(dir, k6operator.ScriptKey))
	if tr.Spec.Parallelism != 4 || tr.Spec.Script.ConfigMap.Name != cm.Metadata.Name || cm.Data[tr.Spec.Script.ConfigMap.File] != string(js) ||
		tr.Spec.Arguments != "--out capsim=http://capsim-collect:7070" {
		t.Errorf("TestRun %+v, ConfigMap %s", tr.Spec, cm.Metadata.Name)
	}
	if strings.Contains(string(js), "thresholds") || !strings.Contains(string(js), "constant-arrival-rate") {
		t.Errorf("script: thresholds belong to the collector, the executor to the script:\n%s", js)
	}
	cfg, err := collect.ReadConfig([]byte(cm.Data[k6operator.ConfigKey]))
	if err != nil || cfg.Runners != 4 || len(cfg.Thresholds) != 4 || cfg.Scenario != "mm4-loopback" {
		t.Errorf("collect.json: %+v %v", cfg, err)
	}
	for _, f := range []string{"Dockerfile.k6", "Dockerfile.capsim", "README.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// A non-loopback target needs --allow-host; --operator needs --k6.
	for _, args := range [][]string{
		{"load", "../../fixtures/loopback/scenarios/mm4.yaml", "--k6", "--operator", "2", "--target", "http://api.prod:80", "--out", dir},
		{"load", "../../fixtures/loopback/scenarios/mm4.yaml", "--operator", "2", "--out", dir},
		{"load", "../../fixtures/loopback/scenarios/mm4.yaml", "--k6", "--operator", "2", "--segment", "1/2", "--out", dir},
	} {
		if code := runLoadArgs(append(args, "--quiet")...); code != ExitInvalid {
			t.Errorf("%v: exit %d, want %d", args, code, ExitInvalid)
		}
	}
	if code := runLoadArgs("load", "../../fixtures/loopback/scenarios/mm4.yaml", "--k6", "--operator", "2", "--target", "http://api.prod:80",
		"--allow-host", "api.prod", "--out", dir, "--quiet"); code != ExitOK {
		t.Errorf("allowed cluster target: exit %d", code)
	}
}

// An abortOnFail threshold that fails on the merged data stops the Go runners long before their
// schedule ends: they exit 99, and so does the collector.
func TestCollectCommandAbortOnFail(t *testing.T) {
	srv, err := loopback.Start(loopback.Config{GRPCAddr: "off"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr, dir := freeAddr(t), t.TempDir()
	var kids []*exec.Cmd
	var outs []*bytes.Buffer
	for i := 1; i <= 2; i++ {
		c, out := startLoadChild(t, fmt.Sprintf("load --target %s --rate 40 --duration 20s --quiet --lag-budget 1s --segment %d/2 --collect http://%s --out %s",
			srv.URL(), i, addr, filepath.Join(dir, fmt.Sprint("runner", i))))
		kids, outs = append(kids, c), append(outs, out)
	}
	start := time.Now()
	code := runCollectArgs("--listen", addr, "--runners", "2", "--threshold", "http_reqs=count<60,abortOnFail",
		"--lost-after", "10s", "--timeout", "60s", "--out", filepath.Join(dir, "merged"), "--quiet")
	for i, k := range kids {
		err := k.Wait()
		if k.ProcessState.ExitCode() != ExitSLOBreached || !strings.Contains(outs[i].String(), "stopped by capsim collect: threshold http_reqs count<60") {
			t.Errorf("runner %d: %v, exit %d\n%s", i+1, err, k.ProcessState.ExitCode(), outs[i])
		}
	}
	if code != ExitSLOBreached || time.Since(start) > 12*time.Second {
		t.Errorf("collect: exit %d after %v; want 99 well before the 20 s schedule ends", code, time.Since(start))
	}
	lj, _ := readLoadJSON(t, filepath.Join(dir, "merged"))
	if !lj.Result.Aborted || !strings.Contains(lj.Result.AbortReason, "abortOnFail") || lj.Result.Scheduled >= 800 {
		t.Errorf("merged result aborted=%v reason %q scheduled %d", lj.Result.Aborted, lj.Result.AbortReason, lj.Result.Scheduled)
	}
}

// Three real k6 processes (bin/k6, built by `cd cmd/k6 && go build -o ../../bin/k6 .`) with
// --out capsim=http://… stream their segments to `capsim collect`: the merge holds every
// request the target saw, and count<250, which each runner's ~100 requests pass, exits 99.
func TestCollectCommandThreeK6Runners(t *testing.T) {
	if testing.Short() {
		t.Skip("runs bin/k6")
	}
	bin, _ := filepath.Abs(filepath.Join("..", "..", "bin", "k6"))
	if _, err := os.Stat(bin); err != nil {
		t.Skip("bin/k6 not built (cd cmd/k6 && go build -o ../../bin/k6 .)")
	}
	srv, err := loopback.Start(loopback.Config{GRPCAddr: "off"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	addr, dir := freeAddr(t), t.TempDir()
	script := filepath.Join("..", "..", "fixtures", "k6", "http_plain.js")
	var kids []*exec.Cmd
	var outs []*bytes.Buffer
	for _, seg := range []string{"0:1/3", "1/3:2/3", "2/3:1"} {
		c := exec.Command(bin, "run", "-q", "--execution-segment", seg, "--execution-segment-sequence", "0,1/3,2/3,1",
			"--out", "capsim=http://"+addr, script)
		c.Env = append(os.Environ(), "K6_NO_USAGE_REPORT=true", "K6_AUTO_EXTENSION_RESOLUTION=false", "K6_NO_COLOR=true",
			"URL="+srv.URL()+"/api/items", "RATE=100", "DURATION=3s", "VUS=10")
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		kids, outs = append(kids, c), append(outs, &out)
	}
	out := filepath.Join(dir, "merged")
	code := runCollectArgs("--listen", addr, "--runners", "3", "--threshold", "http_reqs=count<250", "--lost-after", "15s",
		"--timeout", "90s", "--out", out, "--quiet")
	for i, k := range kids {
		if err := k.Wait(); err != nil {
			t.Errorf("k6 %d: %v\n%s", i, err, outs[i])
		}
	}
	if code != ExitSLOBreached {
		t.Errorf("collect: exit %d, want 99", code)
	}
	lj, rep := readLoadJSON(t, out)
	if lj.Result == nil || lj.Result.OK != srv.Stats().Requests || lj.Result.OK < 300 || rep.Coverage != 1 || len(rep.Runners) != 3 {
		t.Fatalf("merged ok %d, target %d, coverage %v, runners %d", lj.Result.OK, srv.Stats().Requests, rep.Coverage, len(rep.Runners))
	}
	if lj.Thresh[0].Passed || lj.Thresh[0].Value != float64(lj.Result.OK) || lj.Latency["p95"] <= 0 {
		t.Errorf("thresholds %+v latency %v", lj.Thresh, lj.Latency)
	}
}
