package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capsim/capsim/fixtures/loopback"
)

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
