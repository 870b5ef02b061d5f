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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/capsim/capsim/fixtures/loopback"
	"github.com/capsim/capsim/loadgen/collect"
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
