package scenarios

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Composition: a scenario file may name other files whose sections it builds on.
//
//	extends: medium.yaml               # one base scenario
//	include: [../systems/utmstack.yaml] # files holding parts of the scenario
//
// Paths are relative to the file that names them (a built-in scenario's includes are read from
// the built-in files). The file is the composition of, from lowest to highest precedence:
// its base (extends), its included files (which are peers: none wins over another), and its own
// sections. Composing a lower tree L with a higher tree H:
//
//   - mappings merge key by key, recursively (sim, slo, load, storage, ha, a service's balancer…);
//   - lists of named components merge by name: nodes, stations, services, queues, stores,
//     databases, caches, flows, failures, a flow's mix (by name) and a service's handlers (by
//     class). A component of L that H names again is merged with H's entry as a mapping (H
//     completes or overrides it: a tier adds placement to a service of the system file); a
//     component only in H is appended; the order is L's, then H's new ones;
//   - sources and assumptions concatenate (L's first);
//   - anything else (a scalar, any other list such as placement or calls) set in H replaces L's.
//
// Between peers (two included files) nothing wins: a component defined in both, or a value set
// in both, is an error naming both places. Cycles, a file included twice and missing files are
// errors at the include. Every value keeps the position where it was written, so errors point
// at the right file and line.

// MaxIncludes is the most files one scenario may be composed of, the root included.
const MaxIncludes = 64

// listKeys are the lists that merge by a key field ("" = concatenate); paths as composePath
// writes them.
var listKeys = map[string]string{
	"$.nodes":               "name",
	"$.stations":            "name",
	"$.services":            "name",
	"$.queues":              "name",
	"$.stores":              "name",
	"$.databases":           "name",
	"$.caches":              "name",
	"$.flows":               "name",
	"$.failures":            "name",
	"$.flows[].mix":         "name",
	"$.services[].handlers": "class",
	"$.sources":             "",
	"$.assumptions":         "",
}

// includeFS reads the files a built-in scenario names: paths inside the embedded FS.
type includeFS struct {
	fsys    fs.FS
	root    string // path of the root file inside fsys
	display string // prefix of the names shown in errors ("scenarios/")
}

// composer loads and merges the files of one scenario.
type composer struct {
	root   *source
	lookup func(string) (string, bool)
	inc    *includeFS
	guard  *astGuard
	files  []*source  // every file read, root first
	bodies []ast.Node // their parsed bodies, for the guard
	stack  []*source  // files being composed, for cycles
	first  map[string]string
	errs   ErrorList
}

// hasComposition reports whether the top-level mapping names an include or a base.
func hasComposition(body ast.Node, resolve func(ast.Node) ast.Node) bool {
	for _, mv := range topEntries(resolve(body)) {
		if k, ok := scalarText(resolve(mv.Key)); ok && (k == "include" || k == "extends") {
			return true
		}
	}
	return false
}

func topEntries(n ast.Node) []*ast.MappingValueNode {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}
	}
	return nil
}

func (c *composer) errorf(n ast.Node, format string, args ...any) {
	c.errs = append(c.errs, c.root.errAt(n, "", fmt.Sprintf(format, args...)))
}

// where is "file:line:col" of a node, for messages that name a second place.
func (c *composer) where(n ast.Node) string {
	e := c.root.errAt(n, "", "")
	if e.Line == 0 {
		return e.File
	}
	return fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
}

func (c *composer) resolve(n ast.Node) ast.Node {
	return (&checker{src: c.root, anchors: c.guard.anchors}).resolve(n)
}

// entries are the pairs of a mapping, merge keys ("<<: *base") followed.
func (c *composer) entries(n ast.Node) []*ast.MappingValueNode {
	ck := &checker{src: c.root, anchors: c.guard.anchors}
	out, _ := ck.mapEntries(n, n, "$")
	c.errs = append(c.errs, ck.errs...)
	return out
}

// register records the tokens of an included file's tree as that file's.
func (c *composer) register(src *source, body ast.Node) {
	if c.root.owner == nil {
		c.root.owner = map[*token.Token]*source{}
	}
	mark := func(tk *token.Token) {
		if tk != nil {
			c.root.owner[tk] = src
		}
	}
	if tk := body.GetToken(); tk != nil {
		for t := tk; t != nil; t = t.Prev {
			mark(t)
		}
		for t := tk.Next; t != nil; t = t.Next {
			mark(t)
		}
	}
	ast.Walk(ownerMarker(func(n ast.Node) {
		mark(n.GetToken())
		mark(nodeToken(n))
	}), body)
}

type ownerMarker func(ast.Node)

func (m ownerMarker) Visit(n ast.Node) ast.Visitor {
	m(n)
	return m
}

// compose returns the composed tree of the file src whose parsed body is body: its base and
// included files merged under its own sections, "include" and "extends" removed.
func (c *composer) compose(src *source, body ast.Node) ast.Node {
	top := c.resolve(body)
	if _, ok := top.(*ast.MappingNode); !ok {
		if _, ok := top.(*ast.MappingValueNode); !ok {
			return body // the decoder reports a top level that is not a mapping
		}
	}
	c.stack = append(c.stack, src)
	defer func() { c.stack = c.stack[:len(c.stack)-1] }()
	var own []*ast.MappingValueNode
	var inc, ext *ast.MappingValueNode
	for _, mv := range c.entries(top) {
		k, _ := scalarText(c.resolve(mv.Key))
		switch {
		case k == "include" && inc == nil:
			inc = mv
		case k == "extends" && ext == nil:
			ext = mv
		case k == "include" || k == "extends":
			c.errorf(mv.Key, "duplicate key %q", k)
		default:
			own = append(own, mv)
		}
	}
	var lower ast.Node
	if ext != nil {
		if ref, ok := c.fileName(ext.Value, "extends"); ok {
			lower = c.load(src, ext.Value, ref)
		}
	}
	if inc != nil {
		var peers ast.Node
		switch v := c.resolve(inc.Value).(type) {
		case *ast.SequenceNode:
			for _, item := range v.Values {
				ref, ok := c.fileName(item, "include")
				if !ok {
					continue
				}
				if part := c.load(src, item, ref); part != nil {
					if peers == nil {
						peers = part
					} else {
						peers = c.merge(peers, part, "$", true)
					}
				}
			}
		case *ast.NullNode:
		default:
			c.errorf(inc.Value, "include: expected a list of file names, got %s", describe(v))
		}
		if peers != nil {
			if lower == nil {
				lower = peers
			} else {
				lower = c.merge(lower, peers, "$", false)
			}
		}
	}
	self := ast.Mapping(mappingStart(top), false, own...)
	if lower == nil {
		return self
	}
	return c.merge(lower, self, "$", false)
}

func mappingStart(n ast.Node) *token.Token {
	if m, ok := n.(*ast.MappingNode); ok && m.Start != nil {
		return m.Start
	}
	return nodeToken(n)
}

// fileName is the file name written at n (a non-empty string).
func (c *composer) fileName(n ast.Node, key string) (string, bool) {
	r := c.resolve(n)
	s, ok := scalarText(r)
	if _, isStr := r.(*ast.StringNode); !ok || !isStr || strings.TrimSpace(s) == "" {
		c.errorf(n, "%s: expected a file name, got %s", key, describe(r))
		return "", false
	}
	return s, true
}

// load reads, parses and composes the file ref named at n in the file from. It returns nil after
// reporting a problem.
func (c *composer) load(from *source, at ast.Node, ref string) ast.Node {
	display, key, data, err := c.read(from, ref)
	if err != nil {
		c.errorf(at, "%v", err)
		return nil
	}
	for i, s := range c.stack {
		if s.key == key {
			var chain []string
			for _, t := range c.stack[i:] {
				chain = append(chain, t.file)
			}
			c.errorf(at, "include cycle: %s → %s", strings.Join(chain, " → "), display)
			return nil
		}
	}
	if c.first == nil {
		c.first = map[string]string{}
	}
	if w, dup := c.first[key]; dup {
		c.errorf(at, "%s is already part of this scenario (named at %s): a file is composed in once", display, w)
		return nil
	}
	c.first[key] = c.where(at)
	if len(c.files) >= MaxIncludes {
		c.errorf(at, "more than %d files in one scenario", MaxIncludes)
		return nil
	}
	data = stripBOM(data)
	src := newSource(display, data)
	src.key = key
	c.files = append(c.files, src)
	body, errs := parseFile(src, data, c.lookup)
	if len(errs) > 0 {
		c.errs = append(c.errs, errs...)
		return nil
	}
	c.register(src, body)
	if e := c.guard.scan(body); e != nil {
		c.errs = append(c.errs, e)
		return nil
	}
	c.bodies = append(c.bodies, body)
	switch c.resolve(body).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
	default:
		c.errs = append(c.errs, src.errAt(body, "$", "a composed file must be a mapping of scenario sections"))
		return nil
	}
	return c.compose(src, body)
}

// read finds the file ref named in from: in the built-in files when the root is built in,
// else on disk relative to from's folder.
func (c *composer) read(from *source, ref string) (display, key string, data []byte, err error) {
	ref = strings.TrimSpace(ref)
	if c.inc != nil {
		p := path.Join(path.Dir(from.key), filepath.ToSlash(ref))
		if path.IsAbs(ref) || !fs.ValidPath(p) {
			return "", "", nil, fmt.Errorf("%q: a built-in scenario can only name built-in files next to it or below the scenarios folder", ref)
		}
		data, err := fs.ReadFile(c.inc.fsys, p)
		if err != nil {
			return "", "", nil, fmt.Errorf("%q: no such built-in file (%s%s)", ref, c.inc.display, p)
		}
		if len(data) > MaxFileSize {
			return "", "", nil, fmt.Errorf("%q: file is larger than the %d-byte limit", ref, MaxFileSize)
		}
		return c.inc.display + p, p, data, nil
	}
	p := ref
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(from.file), p)
	}
	key, err = filepath.Abs(p)
	if err != nil {
		key = filepath.Clean(p)
	}
	f, err := os.Open(p)
	if err != nil {
		if os.IsNotExist(err) {
			return "", "", nil, fmt.Errorf("%q: no such file (%s)", ref, p)
		}
		return "", "", nil, fmt.Errorf("%q: %v", ref, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return "", "", nil, fmt.Errorf("%q: %s is a directory", ref, p)
	}
	data, err = io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return "", "", nil, fmt.Errorf("%q: %v", ref, err)
	}
	if len(data) > MaxFileSize {
		return "", "", nil, fmt.Errorf("%q: file is larger than the %d-byte limit", ref, MaxFileSize)
	}
	return p, key, data, nil
}

// parseFile checks, interpolates and parses one file: its single document's body.
func parseFile(src *source, data []byte, lookup func(string) (string, bool)) (ast.Node, ErrorList) {
	file := src.file
	if err := prescan(data); err != nil {
		return nil, ErrorList{{File: file, Msg: err.Error()}}
	}
	text, shifts, errs := interpolate(data, lookup, src)
	if len(errs) > 0 {
		return nil, errs
	}
	src.shifts = shifts
	if len(text) != len(data) {
		if err := prescan(text); err != nil {
			return nil, ErrorList{{File: file, Msg: "after ${VAR} interpolation: " + err.Error()}}
		}
	}
	f, err := parser.ParseBytes(text, 0)
	if err != nil {
		return nil, ErrorList{yamlError(src, err)}
	}
	var body ast.Node
	for i, d := range f.Docs {
		if d.Body == nil {
			continue
		}
		if body != nil {
			return nil, ErrorList{src.errAt(d.Body, "", fmt.Sprintf("a scenario file holds one YAML document, found a second (document %d)", i+1))}
		}
		body = d.Body
	}
	if body == nil {
		return nil, ErrorList{{File: file, Msg: "empty scenario file"}}
	}
	return body, nil
}

// merge composes lo (lower precedence) with hi at the schema path p ("$", "$.services",
// "$.services[]"…). With peers set, neither wins: a value or component in both is an error.
func (c *composer) merge(lo, hi ast.Node, p string, peers bool) ast.Node {
	l, h := c.resolve(lo), c.resolve(hi)
	if isMapping(l) && isMapping(h) {
		return c.mergeMaps(l, h, p, peers)
	}
	ls, lok := l.(*ast.SequenceNode)
	hs, hok := h.(*ast.SequenceNode)
	if lok && hok {
		if key, ok := listKeys[p]; ok {
			if key == "" {
				out := ast.Sequence(ls.Start, false)
				out.Values = append(append(out.Values, ls.Values...), hs.Values...)
				return out
			}
			return c.mergeNamed(ls, hs, p, key, peers)
		}
	}
	if peers {
		c.errorf(hi, "%s is set in two included files: here and at %s (set it in one of them, or in the file that includes both)", displayPath(p), c.where(lo))
	}
	return hi
}

func isMapping(n ast.Node) bool {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return true
	}
	return false
}

// displayPath turns a schema path into words for messages ("$.sim.duration" → "sim.duration").
func displayPath(p string) string {
	if p == "$" {
		return "the top level"
	}
	return strings.TrimPrefix(p, "$.")
}

// mergeMaps merges two mappings key by key. The result lists the higher file's keys first (key
// order means nothing to the format), so an error about the whole mapping — a missing name, a
// service without placement — points at the file that completes it.
func (c *composer) mergeMaps(l, h ast.Node, p string, peers bool) ast.Node {
	le, he := c.entries(l), c.entries(h)
	lIdx := map[string]int{}
	for i, mv := range le {
		if k, ok := scalarText(c.resolve(mv.Key)); ok {
			if _, dup := lIdx[k]; !dup {
				lIdx[k] = i
			}
		}
	}
	used := make([]bool, len(le))
	seen := map[string]bool{}
	out := make([]*ast.MappingValueNode, 0, len(le)+len(he))
	for _, mv := range he {
		k, ok := scalarText(c.resolve(mv.Key))
		i, inL := lIdx[k]
		if !ok || seen[k] || !inL {
			out = append(out, mv) // a duplicate key stays for the decoder to report
			seen[k] = ok
			continue
		}
		seen[k] = true
		used[i] = true
		v := c.merge(le[i].Value, mv.Value, childSchemaPath(p, k), peers)
		out = append(out, ast.MappingValue(mv.Start, mv.Key, v))
	}
	for i, mv := range le {
		if !used[i] {
			out = append(out, mv)
		}
	}
	return ast.Mapping(mappingStart(h), false, out...)
}

func childSchemaPath(p, key string) string { return p + "." + key }

// component is the word for one item of the list at schema path p ("$.services" → "service").
func component(p string) string {
	w := p[strings.LastIndexByte(p, '.')+1:]
	return strings.TrimSuffix(w, "s")
}

func (c *composer) mergeNamed(ls, hs *ast.SequenceNode, p, key string, peers bool) ast.Node {
	name := func(n ast.Node) (string, bool) {
		for _, mv := range topEntries(c.resolve(n)) {
			if k, ok := scalarText(c.resolve(mv.Key)); ok && k == key {
				v, ok := scalarText(c.resolve(mv.Value))
				return v, ok && v != ""
			}
		}
		return "", false
	}
	hIdx := map[string]int{}
	for j, e := range hs.Values {
		if nm, ok := name(e); ok {
			if _, dup := hIdx[nm]; !dup {
				hIdx[nm] = j
			}
		}
	}
	used := make([]bool, len(hs.Values))
	seen := map[string]bool{}
	out := ast.Sequence(ls.Start, false)
	for _, e := range ls.Values {
		nm, ok := name(e)
		j, inH := hIdx[nm]
		if !ok || seen[nm] || !inH {
			out.Values = append(out.Values, e) // duplicates stay for validation to report
			seen[nm] = ok
			continue
		}
		seen[nm] = true
		used[j] = true
		if peers {
			c.errorf(hs.Values[j], "%s %q is defined in two included files: here and at %s (define it once; the including file may add to it)", component(p), nm, c.where(e))
			out.Values = append(out.Values, e)
			continue
		}
		out.Values = append(out.Values, c.merge(e, hs.Values[j], p+"[]", false))
	}
	for j, e := range hs.Values {
		if !used[j] {
			out.Values = append(out.Values, e)
		}
	}
	return out
}
