package scenarios

import (
	"fmt"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Limits on hostile input. A real scenario is a few hundred lines; these are orders of magnitude
// above that and small enough that parsing stays in milliseconds and a few tens of MB.
const (
	// MaxFileSize is the largest scenario file accepted, in bytes (4 MiB).
	MaxFileSize = 4 << 20
	// MaxDepth is the deepest nesting of mappings and sequences accepted.
	MaxDepth = 64
	// MaxNodes is the most YAML nodes accepted, counting every alias as the nodes it expands to
	// (this stops "billion laughs" alias bombs before anything expands them).
	MaxNodes = 100_000
	// maxItems bounds lines + flow separators, a cheap proxy for the node count before parsing.
	maxItems = 2 * MaxNodes
)

// prescan rejects, without parsing, input that is too large, not UTF-8, too deeply nested
// (flow brackets, or block indentation levels) or has too many lines and items.
// It looks at every byte once and allocates only the indentation stack (≤ MaxDepth+1 ints).
func prescan(data []byte) error {
	if len(data) > MaxFileSize {
		return fmt.Errorf("file is %d bytes, larger than the %d-byte limit", len(data), MaxFileSize)
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("file is not UTF-8 text")
	}
	var (
		items   int
		flow    int
		indents = make([]int, 0, MaxDepth+2) // columns of the open block levels
		col     int                          // column of data[i] on its line, 0-based
		first   = true                       // no level started yet on this line
		content = false                      // past the indentation and "- " indicators
	)
	level := func(c, i int) error {
		if first {
			for len(indents) > 0 && indents[len(indents)-1] > c {
				indents = indents[:len(indents)-1]
			}
			first = false
		}
		if len(indents) == 0 || indents[len(indents)-1] < c {
			indents = append(indents, c)
		}
		if len(indents) > MaxDepth+1 {
			return fmt.Errorf("line %d: nesting deeper than %d levels", lineOf(data, i), MaxDepth)
		}
		return nil
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !content && flow == 0 {
			switch {
			case c == ' ':
				col++
				continue
			case c == '-' && (i+1 == len(data) || data[i+1] == ' ' || data[i+1] == '\n'):
				if err := level(col, i); err != nil {
					return err
				}
				col++
				continue
			case c == '\n' || c == '\r' || c == '#' || c == '\t':
				content = true // blank or comment line: no level
			default:
				if err := level(col, i); err != nil {
					return err
				}
				content = true
			}
		}
		switch c {
		case '#':
			if i == 0 || data[i-1] == ' ' || data[i-1] == '\t' || data[i-1] == '\n' {
				// A comment: skip to the end of the line.
				for i+1 < len(data) && data[i+1] != '\n' {
					i++
				}
			}
		case '\n':
			items++
			col, first, content = 0, true, false
			continue
		case ',':
			items++
		case '[', '{':
			flow++
			if flow+len(indents) > MaxDepth+1 {
				return fmt.Errorf("line %d: nesting deeper than %d levels", lineOf(data, i), MaxDepth)
			}
		case ']', '}':
			if flow > 0 {
				flow--
			}
		}
		col++
		if items > maxItems {
			return fmt.Errorf("line %d: more than %d lines and list items", lineOf(data, i), maxItems)
		}
	}
	return nil
}

func lineOf(data []byte, off int) int {
	n := 1
	for _, c := range data[:off] {
		if c == '\n' {
			n++
		}
	}
	return n
}

// astGuard walks the parsed document once and rejects nesting deeper than MaxDepth or more than
// MaxNodes nodes once aliases are counted as what they expand to. It never expands an alias:
// each anchor's expanded size is computed once and reused.
type astGuard struct {
	src     *source
	anchors map[anchorKey]ast.Node // anchor → its value, for the struct checker
	sizes   map[anchorKey]int
	err     *Error
}

// anchorKey names an anchor: anchors are local to the file that defines them.
type anchorKey struct {
	file *source
	name string
}

// check walks each root in turn (the files of a composed scenario, then the composed tree) and
// returns the first problem. Each root on its own is bounded by MaxDepth and MaxNodes.
func (g *astGuard) check(roots ...ast.Node) *Error {
	g.anchors = map[anchorKey]ast.Node{}
	g.sizes = map[anchorKey]int{}
	for _, n := range roots {
		if e := g.scan(n); e != nil {
			return e
		}
	}
	return nil
}

// scan walks one more root, keeping the anchors already seen (one file of a composition).
func (g *astGuard) scan(n ast.Node) *Error {
	if g.anchors == nil {
		g.anchors = map[anchorKey]ast.Node{}
		g.sizes = map[anchorKey]int{}
	}
	g.err = nil
	g.size(n, 0, "$")
	return g.err
}

// key is the anchor an anchor or alias name written at tk refers to.
func (g *astGuard) key(tk *token.Token, name string) anchorKey {
	return anchorKey{file: g.src.of(tk), name: name}
}

// size returns the expanded node count of n (capped at MaxNodes+1).
func (g *astGuard) size(n ast.Node, depth int, path string) int {
	if n == nil || g.err != nil {
		return 0
	}
	if depth > MaxDepth {
		g.err = g.src.errAt(n, n.GetPath(), fmt.Sprintf("nesting deeper than %d levels", MaxDepth))
		return MaxNodes + 1
	}
	total := 1
	add := func(k int) {
		total += k
		if total > MaxNodes && g.err == nil {
			g.err = g.src.errAt(n, n.GetPath(), fmt.Sprintf("more than %d nodes once aliases are expanded (alias bomb?)", MaxNodes))
		}
	}
	switch v := n.(type) {
	case *ast.DocumentNode:
		add(g.size(v.Body, depth, path))
	case *ast.MappingNode:
		for _, mv := range v.Values {
			if g.err != nil {
				break
			}
			add(g.size(mv, depth+1, path))
		}
	case *ast.MappingValueNode:
		add(g.size(v.Key, depth, path))
		add(g.size(v.Value, depth, path))
	case *ast.MappingKeyNode:
		add(g.size(v.Value, depth, path))
	case *ast.SequenceNode:
		for _, e := range v.Values {
			if g.err != nil {
				break
			}
			add(g.size(e, depth+1, path))
		}
	case *ast.AnchorNode:
		k := g.size(v.Value, depth, path)
		add(k)
		if v.Name != nil {
			key := g.key(v.GetToken(), v.Name.String())
			g.anchors[key] = v.Value
			g.sizes[key] = k
		}
	case *ast.AliasNode:
		if v.Value != nil {
			add(g.sizes[g.key(v.GetToken(), v.Value.String())])
		}
	case *ast.TagNode:
		add(g.size(v.Value, depth, path))
	}
	if total > MaxNodes {
		return MaxNodes + 1
	}
	return total
}
