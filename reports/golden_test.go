package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/capsim/capsim/sim"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./reports -update after checking the change):\n%s",
			path, cmp.Diff(string(want), string(got)))
	}
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"medium.golden.json", func(b *bytes.Buffer) error { return WriteJSON(b, sampleResult()) }},
		{"medium.golden.html", func(b *bytes.Buffer) error { return WriteHTML(b, []*sim.Result{sampleResult()}) }},
		{"tiers.golden.html", func(b *bytes.Buffer) error { return WriteHTML(b, sampleTiers()) }},
		{"tiers.golden.json", func(b *bytes.Buffer) error { return WriteComparisonJSON(b, sampleTiers()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a, b bytes.Buffer
			if err := tt.write(&a); err != nil {
				t.Fatal(err)
			}
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("two renderings of the same input differ")
			}
			golden(t, tt.name, a.Bytes())
		})
	}
}
