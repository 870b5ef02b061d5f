// Package k6test holds what the tests that run the custom k6 (cmd/k6, its own Go module)
// share: building it once per test binary, and the rule for skipping when it cannot be built
// because the Go module proxy does not answer. It does not import k6.
package k6test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/capsim/capsim/loadgen/k6ext/k6script"
)

// Module is the main module's path; its go.mod marks the repository root.
const Module = "github.com/capsim/capsim"

type build struct {
	once sync.Once
	bin  string
	out  string
	err  error
}

var fresh, repo build

// Build builds cmd/k6 into a temporary folder once per test binary and returns its path: for
// the tests of the extension itself, which must run the code under test (25–90 s the first
// time on a machine).
func Build(t testing.TB) string {
	t.Helper()
	skipShort(t)
	fresh.once.Do(func() {
		dir, err := os.MkdirTemp("", "capsim-k6-")
		if err != nil {
			fresh.err = err
			return
		}
		fresh.bin = filepath.Join(dir, "k6")
		fresh.out, fresh.err = goBuild(fresh.bin)
	})
	return fresh.result(t)
}

// Bin returns the repository's bin/k6 (k6script.DefaultK6), building it there first when it
// is absent: for tests that drive k6 rather than test the extension (a bin/k6 built earlier is
// used as it is).
func Bin(t testing.TB) string {
	t.Helper()
	skipShort(t)
	repo.once.Do(func() {
		root, err := Root()
		if err != nil {
			repo.err = err
			return
		}
		repo.bin = filepath.Join(root, filepath.FromSlash(k6script.DefaultK6))
		if _, err := os.Stat(repo.bin); err == nil {
			return
		}
		repo.out, repo.err = goBuild(repo.bin)
	})
	return repo.result(t)
}

func skipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the custom k6: skipped with -short")
	}
}

// result fails the test when the build failed, or skips it with a message when only the module
// proxy was missing (no network: the build cannot be attempted here).
func (b *build) result(t testing.TB) string {
	t.Helper()
	switch {
	case b.err == nil:
		return b.bin
	case ProxyUnreachable(b.out):
		t.Skipf("cannot build the custom k6: the Go module proxy is unreachable (build it with %s):\n%s", k6script.BuildCommand, tail(b.out))
	}
	t.Fatalf("go build cmd/k6 (%s): %v\n%s", k6script.BuildCommand, b.err, b.out)
	return ""
}

func goBuild(dst string) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "build", "-o", dst, ".")
	cmd.Dir = filepath.Join(root, "cmd", "k6")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

// ProxyUnreachable reports whether go build's output says a module could not be downloaded
// because the proxy (or the network) did not answer, or downloads are switched off.
func ProxyUnreachable(out string) bool {
	if strings.Contains(out, "GOPROXY=off") || strings.Contains(out, "GOFLAGS=-mod=vendor") {
		return true
	}
	if !strings.Contains(out, "proxy") && !strings.Contains(out, "dial tcp") && !strings.Contains(out, "lookup ") {
		return false
	}
	for _, s := range []string{"dial tcp", "no such host", "connection refused", "i/o timeout", "network is unreachable", "TLS handshake timeout", "server misbehaving"} {
		if strings.Contains(out, s) {
			return true
		}
	}
	return false
}

// Root is the repository root: the nearest folder above the working directory whose go.mod
// declares Module.
func Root() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modulePath(b) == Module {
			return d, nil
		}
		p := filepath.Dir(d)
		if p == d {
			return "", errors.New("k6test: no go.mod of " + Module + " above the working directory")
		}
		d = p
	}
}

func modulePath(gomod []byte) string {
	for _, l := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "module" {
			return f[1]
		}
	}
	return ""
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], "\n")
}
