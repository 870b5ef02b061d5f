package scenarios

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// source maps positions in the parsed (interpolated) text back to the file as written, and
// builds *Error values with snippets.
//
// A scenario composed of several files (include, extends) has one source per file; the root's
// owner map sends every token of an included file to that file's source, so an error on a value
// is reported at the file and line where the value was written.
type source struct {
	file   string
	lines  []string                // the file as written, split on '\n'
	shifts map[int][]shift         // interpolation shifts per line
	set    map[*token.Token]string // tokens made by --set, to the assignment that made them
	// owner maps the tokens of included files to their file (root only; nil without includes).
	owner map[*token.Token]*source
	// key identifies the file for cycle checks: a cleaned OS path, or a path in the built-in FS.
	key string
}

// stripBOM drops a UTF-8 byte order mark at the start of a file (editors on Windows write one):
// it is not part of the first key. Line and column positions are those of the text after it.
func stripBOM(data []byte) []byte {
	return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
}

func newSource(file string, data []byte) *source {
	return &source{file: file, lines: strings.Split(string(data), "\n")}
}

// origCol maps a column of the interpolated text back to the column as written.
func (s *source) origCol(line, col int) int {
	c := col
	for _, sh := range s.shifts[line] {
		if sh.col < col {
			c -= sh.delta
		}
	}
	if c < 1 {
		c = 1
	}
	return c
}

// errAtPos builds an error at a position of the file as written.
func (s *source) errAtPos(line, col int, path, msg string) *Error {
	e := &Error{File: s.file, Line: line, Col: col, Path: path, Msg: msg}
	if line >= 1 && line <= len(s.lines) {
		e.Snippet = snippet(line, col, s.lines[line-1])
	}
	return e
}

// of is the source of the file where tk was written (s itself for its own tokens and for
// tokens made by --set).
func (s *source) of(tk *token.Token) *source {
	if o := s.owner[tk]; o != nil {
		return o
	}
	return s
}

// errAtToken builds an error at a token of the parsed text (nil: no position).
func (s *source) errAtToken(tk *token.Token, path, msg string) *Error {
	if tk == nil || tk.Position == nil {
		return &Error{File: s.file, Path: path, Msg: msg}
	}
	if a, ok := s.set[tk]; ok {
		return &Error{File: "--set " + a, Path: path, Msg: msg}
	}
	if o := s.owner[tk]; o != nil && o != s {
		return o.errAtToken(tk, path, msg)
	}
	line := tk.Position.Line
	return s.errAtPos(line, s.origCol(line, tk.Position.Column), path, msg)
}

// errAt builds an error at a node (its first token; for a mapping, its first key).
func (s *source) errAt(n ast.Node, path, msg string) *Error {
	return s.errAtToken(nodeToken(n), path, msg)
}

// nodeToken is the token that best marks where n was written.
func nodeToken(n ast.Node) *token.Token {
	if n == nil {
		return nil
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		if len(v.Values) > 0 && v.Values[0].Key != nil {
			return v.Values[0].Key.GetToken()
		}
		return v.Start
	case *ast.MappingValueNode:
		if v.Key != nil {
			return v.Key.GetToken()
		}
	case *ast.SequenceNode:
		return v.Start
	case *ast.AnchorNode:
		return v.Start
	case *ast.TagNode:
		return v.Start
	}
	return n.GetToken()
}

// snippet renders one source line with a caret under col:
//
//	12 |     cores: -4
//	   |            ^
func snippet(line, col int, text string) string {
	text = strings.TrimRight(text, "\r")
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	num := strconv.Itoa(line)
	var b strings.Builder
	b.WriteString("  ")
	b.WriteString(num)
	b.WriteString(" | ")
	b.WriteString(text)
	b.WriteString("\n  ")
	b.WriteString(strings.Repeat(" ", len(num)))
	b.WriteString(" | ")
	// Keep tabs so the caret lines up.
	n := 0
	for _, r := range text {
		if n >= col-1 {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		n++
	}
	if rest := col - 1 - utf8.RuneCountInString(text); rest > 0 && rest < 200 {
		b.WriteString(strings.Repeat(" ", rest))
	}
	b.WriteByte('^')
	return b.String()
}
