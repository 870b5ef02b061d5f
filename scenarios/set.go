package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// applySet applies one "--set key=value" assignment to the document body (a mapping) before
// decoding, so the value is type-checked exactly like the file.
//
// The key is a dotted path. A mapping is entered by key; a list element is chosen by its
// 0-based index or by the value of its "name" field (or "class", for handlers):
// "nodes.search-1.cores", "services.agent-manager.handlers.ingest.cpu", "flows.0.rate".
// A missing last key, or missing mapping keys on the way, are added (the decoder then rejects
// names the format does not know); a list element that matches nothing is an error.
// The value is parsed as YAML: "64", "250ms", "[a, b]", "{dist: gamma, mean: 5ms, cv: 0.5}".
func applySet(body ast.Node, assignment string, src *source, resolve func(ast.Node) ast.Node) *Error {
	bad := func(msg string) *Error { return &Error{File: "--set " + assignment, Msg: msg} }
	key, value, ok := strings.Cut(assignment, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return bad("expected key=value, e.g. load.design=8000")
	}
	if err := prescan([]byte(value)); err != nil {
		return bad(err.Error())
	}
	val, err := parseValue(value)
	if err != nil {
		return bad(fmt.Sprintf("value is not valid YAML: %v", err))
	}
	segs := strings.Split(key, ".")
	for _, s := range segs {
		if s == "" {
			return bad(fmt.Sprintf("empty element in path %q", key))
		}
	}
	var created []ast.Node
	created = append(created, val)
	cur := resolve(body)
	if cur == nil {
		return bad("the file is empty")
	}
	for i, seg := range segs {
		last := i == len(segs)-1
		here := strings.Join(segs[:i], ".")
		if here == "" {
			here = "the top level"
		}
		switch v := cur.(type) {
		case *ast.MappingNode, *ast.MappingValueNode:
			var values *[]*ast.MappingValueNode
			var single *ast.MappingValueNode
			if m, ok := v.(*ast.MappingNode); ok {
				values = &m.Values
			} else {
				single = v.(*ast.MappingValueNode)
			}
			var found *ast.MappingValueNode
			list := []*ast.MappingValueNode{single}
			if values != nil {
				list = *values
			}
			for _, mv := range list {
				if k, ok := scalarText(resolve(mv.Key)); ok && k == seg {
					found = mv
				}
			}
			if found == nil {
				if values == nil {
					return bad(fmt.Sprintf("cannot add key %q to %s", seg, here))
				}
				var child ast.Node = val
				if !last {
					child, err = parseValue("{}")
					if err != nil {
						return bad(err.Error())
					}
				}
				mv, err := newPair(seg, child)
				if err != nil {
					return bad(err.Error())
				}
				*values = append(*values, mv)
				created = append(created, mv, mv.Key, child)
				found = mv
				if last {
					break
				}
			} else if last {
				found.Value = val
				break
			}
			cur = resolve(found.Value)
		case *ast.SequenceNode:
			idx := -1
			if n, err := strconv.Atoi(seg); err == nil {
				if n < 0 || n >= len(v.Values) {
					return bad(fmt.Sprintf("%s has %d elements, no index %d", here, len(v.Values), n))
				}
				idx = n
			} else {
				var names []string
				for j, e := range v.Values {
					name := elementName(resolve(e), resolve)
					if name != "" {
						names = append(names, name)
					}
					if name == seg && idx < 0 {
						idx = j
					}
				}
				if idx < 0 {
					return bad(fmt.Sprintf("no element of %s is named %q (names: %s)", here, seg, strings.Join(names, ", ")))
				}
			}
			if last {
				v.Values[idx] = val
				break
			}
			cur = resolve(v.Values[idx])
		default:
			return bad(fmt.Sprintf("%s is %s, it has no element %q", here, kindName(cur), seg))
		}
	}
	for _, n := range created {
		registerTokens(n, src, assignment)
	}
	return nil
}

// elementName is the "name" (or "class") field of a list element that is a mapping.
func elementName(n ast.Node, resolve func(ast.Node) ast.Node) string {
	var list []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		list = m.Values
	case *ast.MappingValueNode:
		list = []*ast.MappingValueNode{m}
	}
	class := ""
	for _, mv := range list {
		k, _ := scalarText(resolve(mv.Key))
		v, _ := scalarText(resolve(mv.Value))
		switch k {
		case "name":
			return v
		case "class":
			class = v
		}
	}
	return class
}

// parseValue parses a YAML value given on the command line.
func parseValue(text string) (n ast.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("parser failure: %v", r)
		}
	}()
	f, err := parser.ParseBytes([]byte(text), 0)
	if err != nil {
		return nil, err
	}
	if len(f.Docs) > 1 {
		return nil, fmt.Errorf("more than one document")
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return ast.Null(token.New("null", "null", &token.Position{Line: 1, Column: 1})), nil
	}
	return f.Docs[0].Body, nil
}

// newPair makes a "key: value" pair node.
func newPair(key string, value ast.Node) (*ast.MappingValueNode, error) {
	f, err := parser.ParseBytes([]byte(strconv.Quote(key)+": null"), 0)
	if err != nil {
		return nil, err
	}
	var mv *ast.MappingValueNode
	switch b := f.Docs[0].Body.(type) {
	case *ast.MappingNode:
		mv = b.Values[0]
	case *ast.MappingValueNode:
		mv = b
	default:
		return nil, fmt.Errorf("cannot make key %q", key)
	}
	mv.Value = value
	return mv, nil
}

// registerTokens marks every token of nodes made by an assignment, so errors on them name the
// assignment instead of a line of the file.
func registerTokens(n ast.Node, src *source, assignment string) {
	if n == nil {
		return
	}
	if src.set == nil {
		src.set = map[*token.Token]string{}
	}
	ast.Walk(tokenMarker{src: src, a: assignment}, n)
}

type tokenMarker struct {
	src *source
	a   string
}

func (m tokenMarker) Visit(n ast.Node) ast.Visitor {
	if tk := n.GetToken(); tk != nil {
		m.src.set[tk] = m.a
	}
	if tk := nodeToken(n); tk != nil {
		m.src.set[tk] = m.a
	}
	return m
}
