package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Option configures Load.
type Option func(*options)

type options struct {
	lookup func(string) (string, bool)
	keep   bool // error messages show secret values (WithRedact(false))
	sets   []string
	inc    *includeFS // the root is a built-in: its includes are built-in files too
}

// WithRedact sets whether error messages hide the values of secret variables (Var.Secret)
// behind their ${NAME}. Default true.
func WithRedact(on bool) Option { return func(o *options) { o.keep = !on } }

// WithEnv sets the variable lookup used for ${VAR} interpolation. Default os.LookupEnv.
func WithEnv(lookup func(string) (string, bool)) Option {
	return func(o *options) {
		if lookup != nil {
			o.lookup = lookup
		}
	}
}

// WithSet adds "key=value" what-if assignments, applied in order to the parsed file before
// decoding (see doc.go for the key syntax): "load.design=8000", "nodes.search-1.cores=64",
// "services.agent-manager.concurrency=20", "flows.ingest.batch=200".
func WithSet(assignments ...string) Option {
	return func(o *options) { o.sets = append(o.sets, assignments...) }
}

// Load decodes a scenario from data (file names it in errors), then, in order: rejects hostile
// input (size, nesting, alias expansion), interpolates ${VAR}, parses, applies the --set
// assignments, checks the tree against the format (unknown or duplicate keys, wrong types,
// unparseable units), decodes, applies defaults and validates.
//
// On bad input it returns an ErrorList holding every problem found at the first stage that
// failed, each an *Error with file:line:col; errors.Is(err, ErrInvalid) is true.
func Load(file string, data []byte, opts ...Option) (sc *Scenario, err error) {
	o := options{lookup: os.LookupEnv}
	for _, opt := range opts {
		opt(&o)
	}
	data = stripBOM(data)
	src := newSource(file, data)
	src.key = file
	if o.inc != nil {
		src.key = o.inc.root
	} else if abs, err := filepath.Abs(file); err == nil {
		src.key = abs
	}
	// every variable the file (or a file it composes) takes from the environment
	var vars []Var
	seen := map[string]bool{}
	lookup := func(name string) (string, bool) {
		v, ok := o.lookup(name)
		if ok && v != "" && !seen[name] {
			seen[name] = true
			vars = append(vars, Var{Name: name, Value: v})
		}
		return v, ok
	}
	fail := func(errs ErrorList) (*Scenario, error) {
		errs.sort()
		if sec := secrets(vars); !o.keep && len(sec) > 0 {
			for _, e := range errs {
				e.Msg = Redact(e.Msg, sec)
			}
		}
		return nil, errs.dedup()
	}
	defer func() {
		// The YAML library is third-party code fed with user input: a panic in it is reported
		// as bad input, never passed on.
		if r := recover(); r != nil {
			sc, err = nil, ErrorList{{File: file, Msg: fmt.Sprintf("cannot parse: %v", r)}}
		}
	}()

	body, errs := parseFile(src, data, lookup)
	if len(errs) > 0 {
		return fail(errs)
	}
	g := &astGuard{src: src}
	if e := g.check(body); e != nil {
		return fail(ErrorList{e})
	}
	roots := []ast.Node{body}
	files := []string{file}
	if hasComposition(body, (&checker{src: src, anchors: g.anchors}).resolve) {
		cm := &composer{root: src, lookup: lookup, inc: o.inc, guard: g, files: []*source{src}, bodies: []ast.Node{body}}
		merged := cm.compose(src, body)
		if len(cm.errs) > 0 {
			return fail(cm.errs)
		}
		roots = append(cm.bodies, merged)
		if e := g.check(roots...); e != nil {
			return fail(ErrorList{e})
		}
		body = merged
		files = files[:0]
		for _, f := range cm.files {
			files = append(files, f.file)
		}
	}
	c := &checker{src: src, anchors: g.anchors}
	// A what-if on the design load keeps the flows per load unit: their rates stay written at
	// the file's design load (load.rates_at), so the traffic scales to the new design load.
	fileDesign, hasDesign := scalarAt(body, c.resolve, "load", "design")
	if !hasDesign {
		fileDesign = strconv.FormatFloat(DefaultDesign, 'g', -1, 64)
	}
	_, hasRatesAt := scalarAt(body, c.resolve, "load", "rates_at")
	designSet := false
	for _, a := range o.sets {
		if e := applySet(body, a, src, c.resolve); e != nil {
			errs = append(errs, e)
		}
		if k, _, _ := strings.Cut(a, "="); strings.TrimSpace(k) == "load.design" || strings.TrimSpace(k) == "load" {
			designSet = true
		}
	}
	if designSet && !hasRatesAt && len(errs) == 0 {
		if _, set := scalarAt(body, c.resolve, "load", "rates_at"); !set {
			if e := applySet(body, "load.rates_at="+fileDesign, src, c.resolve); e != nil {
				errs = append(errs, e)
			}
		}
	}
	if len(errs) > 0 {
		return fail(errs)
	}
	if len(o.sets) > 0 {
		// A --set value may itself be large or nested.
		roots[len(roots)-1] = body
		if e := g.check(roots...); e != nil {
			return fail(ErrorList{e})
		}
		c.anchors = g.anchors
	}
	// Bad nodes are reported and left at their zero value, so the rest is validated too and
	// every problem is reported at once. Validation errors on or under a bad node are
	// consequences and left out.
	s := new(Scenario)
	c.decode(body, reflect.ValueOf(s).Elem(), "$")
	v := &validator{loc: &locator{src: src, body: body}}
	v.explicitZeros(s)
	v.negatives(reflect.ValueOf(s).Elem(), "$")
	s.ApplyDefaults()
	v.scenario(s)
	errs = c.errs
	for _, e := range v.errs {
		if !underAny(e.Path, c.pruned) {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return fail(errs)
	}
	s.Overrides = append([]string(nil), o.sets...)
	s.Files = files
	s.Vars = vars
	for i := range s.Assumptions {
		if n, ok := v.loc.find(fmt.Sprintf("$.assumptions[%d]", i)); ok {
			s.Assumptions[i].File = src.of(nodeToken(n)).file
		}
	}
	return s, nil
}

// scalarAt is the text of the scalar at the mapping path keys under body (false when absent or
// not a scalar).
func scalarAt(body ast.Node, resolve func(ast.Node) ast.Node, keys ...string) (string, bool) {
	cur := resolve(body)
	for _, k := range keys {
		var list []*ast.MappingValueNode
		switch m := cur.(type) {
		case *ast.MappingNode:
			list = m.Values
		case *ast.MappingValueNode:
			list = []*ast.MappingValueNode{m}
		default:
			return "", false
		}
		var next ast.Node
		for _, mv := range list {
			if t, ok := scalarText(resolve(mv.Key)); ok && t == k {
				next = mv.Value
			}
		}
		if next == nil {
			return "", false
		}
		cur = resolve(next)
	}
	return scalarText(cur)
}

// underAny reports whether path is one of roots or below one.
func underAny(path string, roots []string) bool {
	for _, r := range roots {
		if path == r || strings.HasPrefix(path, r) && len(path) > len(r) && (path[len(r)] == '.' || path[len(r)] == '[') {
			return true
		}
	}
	return false
}

// LoadFile resolves arg (a path or a built-in name, see Resolve) and loads it.
func LoadFile(arg string, opts ...Option) (*Scenario, error) {
	name, data, inc, err := resolve(arg)
	if err != nil {
		return nil, err
	}
	if inc != nil {
		opts = append([]Option{func(o *options) { o.inc = inc }}, opts...)
	}
	return Load(name, data, opts...)
}

// yamlError turns an error of the YAML library into a positioned *Error.
func yamlError(src *source, err error) *Error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		return src.errAtToken(ye.GetToken(), "", ye.GetMessage())
	}
	return &Error{File: src.file, Msg: err.Error()}
}
