package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/capsim/capsim/reports"
)

// folderName is name+override+override…, sanitised (see sanitizeName); a suffix longer than
// 60 bytes is replaced by a short hash of the overrides.
func folderName(name string, overrides []string) string {
	base := sanitizeName(name)
	if len(overrides) == 0 {
		return base
	}
	suffix := sanitizeName(strings.Join(overrides, "+"))
	if len(suffix) > 60 {
		h := sha256.Sum256([]byte(strings.Join(overrides, "\x00")))
		suffix = "whatif-" + hex.EncodeToString(h[:])[:10]
	}
	return base + "+" + suffix
}

// sanitizeName makes s safe as one path element: bytes other than ASCII letters, digits and
// "._+=-" become "_", leading dots are dropped (no "." or ".." and no hidden folder), and the
// result is at most 100 bytes; an empty result is "scenario".
func sanitizeName(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '+', c == '=', c == '-':
			b = append(b, c)
		default:
			b = append(b, '_')
		}
	}
	out := strings.TrimLeft(string(b), ".")
	if len(out) > 100 {
		out = out[:100]
	}
	if out == "" {
		out = "scenario"
	}
	return out
}

// writeFile writes path through a temporary file and a rename, so a failed run never leaves
// half a report over a good one. The file is created through os.Root on its folder: nothing
// (no "..", no symlink) leads out of the folder; the temporary file is new (O_EXCL, a random
// name: a file or symlink planted in its place is never followed) and the rename replaces a
// symlink at path instead of writing through it.
func writeFile(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return fmt.Errorf("render %s: %w", path, err)
	}
	data := []byte(redact(buf.String())) // secret ${VAR} values never reach a file
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer root.Close()
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := "." + name + "." + hex.EncodeToString(rnd[:]) + ".tmp"
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = root.Rename(tmp, name)
	}
	if werr != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, werr)
	}
	return nil
}

// termWriter hides secret ${VAR} values (see redact) and escapes control characters (see
// reports.TerminalSafe) in everything written to a terminal or pipe, keeping newlines and tabs.
type termWriter struct{ w io.Writer }

func (t termWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(t.w, reports.TerminalSafe(redact(string(p)), true)); err != nil {
		return 0, err
	}
	return len(p), nil
}
