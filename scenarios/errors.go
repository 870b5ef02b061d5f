package scenarios

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrInvalid is wrapped by every error that reports a problem with a scenario's content
// (syntax, type, unknown key, reference, value, hostile input): test with errors.Is.
var ErrInvalid = errors.New("scenarios: invalid scenario")

// Error is one problem in a scenario file, at the 1-based line and column (in characters) of
// the offending node of the source as written (before ${VAR} interpolation). Line and Col are 0
// when the problem has no position (then File may name a --set assignment instead of a file).
type Error struct {
	// File is the file name as given to Load (or "--set key=value" for an assignment).
	File string
	// Line and Col are 1-based; 0 when unknown.
	Line, Col int
	// Path is the YAML path of the node, e.g. "$.nodes[2].cores" ("" when unknown).
	Path string
	// Msg is the message, lower case, without position.
	Msg string
	// Snippet is the source line with a caret under Col ("" when unknown).
	Snippet string
}

// Error formats the problem as "file:line:col: msg" (or "file: msg" without a position).
func (e *Error) Error() string {
	if e.Line <= 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *Error) Unwrap() error { return ErrInvalid }

// ErrorList is every problem found in one scenario, sorted by position. Load returns it (never
// empty) when a scenario is invalid; errors.As(err, &list) gets it back.
type ErrorList []*Error

// Error is one problem per line, "file:line:col: msg".
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap gives the individual errors to errors.Is / errors.As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Verbose formats every problem with its source snippet, for a terminal.
func (l ErrorList) Verbose() string { return l.VerboseN(len(l)) }

// VerboseN formats the first n problems as Verbose does, then, when there are more, one line
// "… and N more problems" (a file with 99,000 errors prints n of them, not 52 MB).
func (l ErrorList) VerboseN(n int) string {
	var b strings.Builder
	for i, e := range l {
		if i >= n {
			fmt.Fprintf(&b, "\n… and %s more problems", thousands(len(l)-n))
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
		if e.Snippet != "" {
			b.WriteByte('\n')
			b.WriteString(e.Snippet)
		}
	}
	return b.String()
}

// thousands writes n with comma separators (98950 → "98,950").
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func (l ErrorList) sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.File != b.File {
			// Positions in the file first, then --set assignments.
			return a.Line > 0 && b.Line <= 0 || (a.Line > 0) == (b.Line > 0) && a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// dedup removes identical messages at identical positions (one node can be reached twice
// through an alias).
func (l ErrorList) dedup() ErrorList {
	seen := map[string]bool{}
	out := l[:0]
	for _, e := range l {
		k := fmt.Sprintf("%s\x00%d\x00%d\x00%s", e.File, e.Line, e.Col, e.Msg)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	return out
}
