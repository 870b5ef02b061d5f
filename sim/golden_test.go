package sim

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// kernelGolden holds one line per case: its name and the SHA-256 of its result JSON.
var kernelGolden = filepath.Join("testdata", "kernel.golden")

// TestKernelGolden: the result JSON of short runs of built-in scenarios is byte-identical to
// the one recorded in testdata/kernel.golden (SHA-256 per case: the JSON is 100–270 kB each).
// The hashes were recorded before node CPU limits (cpu_limit) existed, so a model without a
// limit still runs the same instructions on the same numbers: the sweep and saturation search
// (medium), closed flows and pools (changemaker/stack), crashes, pauses and their recovery
// mechanisms (small-failures). Rewrite them (-update) only for a change that is meant to change
// results, and say so in the commit; to see what changed, run the test with -update at the
// commit before and after and compare the JSON it leaves in $TMPDIR.
func TestKernelGolden(t *testing.T) {
	cases := []struct {
		name  string
		sweep bool
	}{
		{"medium", true},
		{"changemaker/stack", true},
		{"small-failures", false},
	}
	want := map[string]string{}
	if !*update {
		f, err := os.Open(kernelGolden)
		if err != nil {
			t.Fatalf("%v (go test ./sim -run TestKernelGolden -update creates it)", err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if name, sum, ok := strings.Cut(sc.Text(), " "); ok {
				want[name] = sum
			}
		}
		f.Close()
	}
	var out bytes.Buffer
	for _, c := range cases {
		s := mustLoad(t, c.name)
		r, err := mustCompile(t, s).Run(WithReplications(2), WithDuration(5*time.Second, time.Second), WithSeed(7),
			WithAdvice(false), WithSweep(c.sweep))
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		sum := hex.EncodeToString(h[:])
		fmt.Fprintf(&out, "%s %s\n", c.name, sum)
		if *update {
			dump := filepath.Join(os.TempDir(), "capsim-golden-"+strings.ReplaceAll(c.name, "/", "_")+".json")
			_ = os.WriteFile(dump, b, 0o644)
			continue
		}
		if want[c.name] != sum {
			t.Errorf("%s: result JSON (%d bytes) has SHA-256 %s, %s records %s", c.name, len(b), sum, kernelGolden, want[c.name])
		}
	}
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(kernelGolden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
