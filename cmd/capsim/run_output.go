package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/term"

	"github.com/capsim/capsim/reports"
	"github.com/capsim/capsim/scenarios"
	"github.com/capsim/capsim/sim"
)

// checkOutDir creates dir if needed and checks that it is a folder capsim can write into.
func checkOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output folder %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".capsim-check-*")
	if err != nil {
		return fmt.Errorf("output folder %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("output folder %s: %w", dir, err)
	}
	return nil
}

func orDur(d scenarios.Duration, def time.Duration) time.Duration {
	if d > 0 {
		return time.Duration(d)
	}
	return def
}

func orStr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// outDir is the output folder of one scenario: --out itself for one file, else
// (--out or "out")/<folder name>. The folder name is the scenario name followed by its
// overrides, so a what-if run never overwrites the baseline's folder.
func outDir(out, name string, overrides []string, n int) string {
	if out == "" {
		return filepath.Join("out", folderName(name, overrides))
	}
	if n > 1 {
		return filepath.Join(out, folderName(name, overrides))
	}
	return out
}

func writeOutputs(dir string, res *sim.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	if err := writeFile(filepath.Join(dir, "result.json"), func(w io.Writer) error { return reports.WriteJSON(w, res) }); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "report.html"), func(w io.Writer) error { return reports.WriteHTML(w, []*sim.Result{res}) })
}

func writeComparison(dir string, rs []*sim.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	if err := writeFile(filepath.Join(dir, "comparison.json"), func(w io.Writer) error { return reports.WriteComparisonJSON(w, rs) }); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "report.html"), func(w io.Writer) error { return reports.WriteHTML(w, rs) })
}
