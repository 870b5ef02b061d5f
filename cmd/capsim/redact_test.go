package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capsim/capsim/fixtures/loopback"
)

// captureRun runs capsim with args and returns the exit code, standard output and standard
// error (the process's, where run prints its errors).
func captureRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	var stdout bytes.Buffer
	rootCmd.SetOut(&stdout)
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	code := runLoadArgs(args...)
	w.Close()
	os.Stderr = old
	rootCmd.SetOut(nil)
	return code, stdout.String(), <-done
}

// TestRedaction: a value that came from ${VAR} (an API token in the target URL) appears in no
// output of capsim load — load.json, result.json, standard output, an error message — but
// its ${NAME} does; with --no-redact the value is shown.
func TestRedaction(t *testing.T) {
	srv, err := loopback.Start(loopback.Config{GRPCAddr: "off"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const token = "s3cr3t-T0KEN-9f8e7d"
	t.Setenv("CAPSIM_TEST_TOKEN", token)
	dir := t.TempDir()
	sc := filepath.Join(dir, "s.yaml")
	yaml := fmt.Sprintf(`name: s
stations: [{name: st, servers: 4, service: 1ms}]
flows: [{name: f, rate: 20/s, route: [{station: st}]}]
loadtest:
  target: "%s/${CAPSIM_TEST_TOKEN}"
  duration: 1s
`, srv.URL())
	if err := os.WriteFile(sc, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	files := func(out string) string {
		var all strings.Builder
		for _, f := range []string{"result.json", "load.json"} {
			b, err := os.ReadFile(filepath.Join(out, f))
			if err != nil {
				t.Fatal(err)
			}
			all.Write(b)
		}
		return all.String()
	}
	out := filepath.Join(dir, "red")
	code, stdout, stderr := captureRun(t, "load", sc, "--out", out)
	written := files(out)
	for what, text := range map[string]string{"files": written, "stdout": stdout, "stderr": stderr} {
		if strings.Contains(text, token) {
			t.Errorf("the token is in %s:\n%s", what, text)
		}
	}
	if !strings.Contains(written, "${CAPSIM_TEST_TOKEN}") || !strings.Contains(stdout, "${CAPSIM_TEST_TOKEN}") {
		t.Errorf("the reference is not shown instead (exit %d):\n%s\n%s", code, written, stdout)
	}
	// an error message naming the value: a duration that does not parse
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: s\nstations: [{name: st, servers: 4, service: 1ms}]\nflows: [{name: f, rate: 20/s, route: [{station: st}]}]\nloadtest: {target: \"http://127.0.0.1:1/${CAPSIM_TEST_TOKEN}\", duration: \"${CAPSIM_TEST_TOKEN}\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = captureRun(t, "load", bad, "--out", filepath.Join(dir, "y"))
	if code != ExitInvalid || strings.Contains(stderr, token) || !strings.Contains(stderr, "${CAPSIM_TEST_TOKEN}") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	// --no-redact shows the value
	code, stdout, _ = captureRun(t, "load", sc, "--out", filepath.Join(dir, "plain"), "--no-redact")
	if !strings.Contains(stdout, token) || !strings.Contains(files(filepath.Join(dir, "plain")), token) {
		t.Errorf("--no-redact: exit %d, token not shown:\n%s", code, stdout)
	}
}
