package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// checker decodes the YAML tree into the Go value, strictly, and reports every problem strict
// decoding would stop at one by one: unknown keys (with a "did you mean"), duplicate keys,
// wrong node kinds (a list where a mapping belongs), numbers that do not fit, and unparseable
// durations, sizes, rates and distributions. Every problem, with its position.
type checker struct {
	src     *source
	anchors map[anchorKey]ast.Node
	errs    ErrorList
	visits  int
	// nested is set when the errors just added came from inside a collection.
	nested bool
	// pruned lists the paths of bad nodes left at their zero value: validation errors there
	// are consequences.
	pruned []string
}

var (
	durationType   = reflect.TypeOf(Duration(0))
	sizeType       = reflect.TypeOf(Size(0))
	rateType       = reflect.TypeOf(Rate(0))
	distType       = reflect.TypeOf(Dist{})
	stdDurationTyp = reflect.TypeOf(time.Duration(0))
	bytesUnmarshal = reflect.TypeOf((*interface{ UnmarshalYAML([]byte) error })(nil)).Elem()
	funcUnmarshal  = reflect.TypeOf((*interface{ UnmarshalYAML(func(any) error) error })(nil)).Elem()
)

func (c *checker) errorf(n ast.Node, path, format string, args ...any) {
	c.errs = append(c.errs, c.src.errAt(n, path, fmt.Sprintf(format, args...)))
}

// resolve follows anchors, aliases and tags to the node that holds the value.
func (c *checker) resolve(n ast.Node) ast.Node {
	for i := 0; i < MaxDepth && n != nil; i++ {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			if v.Value == nil {
				return nil
			}
			n = c.anchors[anchorKey{file: c.src.of(v.GetToken()), name: v.Value.String()}]
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
	return n
}

func kindName(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	case *ast.NullNode:
		return "null"
	}
	return "a " + n.Type().String()
}

// scalarText is the text of a scalar node ("" and false for collections).
func scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, true
	case *ast.NullNode:
		return "", true
	}
	return "", false
}

func isNumber(n ast.Node) bool {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return true
	}
	return false
}

// decode checks node n against the type of dst and, when it is good, stores its value in dst
// (addressable). It reports whether n itself is bad (dst then keeps its zero value, so the rest
// can still be validated); problems deeper inside n are handled where they are.
//
// Decoding here, rather than in the YAML library, keeps every error and makes loading linear:
// the library re-prints the whole document for every value decoded by a custom unmarshaler.
func (c *checker) decode(n ast.Node, dst reflect.Value, path string) (bad bool) {
	c.visits++
	if c.visits > 4*MaxNodes {
		return false
	}
	before := len(c.errs)
	defer func() {
		// Only an error reported at this level (not inside a collection below) makes n bad.
		if len(c.errs) > before && !c.nested {
			bad = true
			c.pruned = append(c.pruned, path)
		}
		c.nested = false
	}()
	at := n
	n = c.resolve(n)
	if n == nil {
		return
	}
	if _, ok := n.(*ast.NullNode); ok {
		return // null leaves the zero value
	}
	t := dst.Type()
	if t.Kind() == reflect.Pointer {
		if dst.IsNil() {
			dst.Set(reflect.New(t.Elem()))
		}
		return c.decode(at, dst.Elem(), path)
	}
	switch t {
	case durationType, stdDurationTyp:
		if d, ok := c.duration(n, at, path); ok {
			dst.SetInt(int64(d))
		}
		return
	case sizeType:
		if s, ok := c.scalar(n, at, path, "a size such as 64GiB"); ok {
			if v, err := ParseSize(s); err != nil {
				c.errorf(at, path, "%v", err)
			} else {
				dst.SetFloat(float64(v))
			}
		}
		return
	case rateType:
		if s, ok := c.scalar(n, at, path, "a rate such as 80/s"); ok {
			if v, err := ParseRate(s); err != nil {
				c.errorf(at, path, "%v", err)
			} else {
				dst.SetFloat(float64(v))
			}
		}
		return
	case distType:
		if _, ok := scalarText(n); ok {
			if d, ok := c.duration(n, at, path); ok {
				dst.Set(reflect.ValueOf(Dist{Kind: Exponential, Mean: d}))
			}
			return
		}
		c.decodeStruct(n, at, dst, path)
		if d := dst.Addr().Interface().(*Dist); d.Kind == "" {
			d.Kind = Exponential
		}
		return
	}
	if pt := reflect.PointerTo(t); pt.Implements(bytesUnmarshal) || pt.Implements(funcUnmarshal) {
		// A type of another file with its own format: let the YAML library decode it.
		if err := yaml.NodeToValue(at, dst.Addr().Interface(), yaml.Strict()); err != nil {
			c.errs = append(c.errs, yamlError(c.src, err))
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		c.decodeStruct(n, at, dst, path)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			c.errorf(at, path, "expected a list, got %s", kindName(n))
			return
		}
		out := reflect.MakeSlice(t, 0, len(seq.Values))
		elem := reflect.New(t.Elem()).Elem()
		for i, e := range seq.Values {
			elem.SetZero()
			if !c.decode(e, elem, fmt.Sprintf("%s[%d]", path, i)) {
				out = reflect.Append(out, elem)
			}
		}
		dst.Set(out)
		c.nested = true
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return
		}
		entries, ok := c.mapEntries(n, at, path)
		if !ok {
			return
		}
		m := reflect.MakeMapWithSize(t, len(entries))
		seen := map[string]bool{}
		for _, mv := range entries {
			key, ok := c.key(mv, path)
			if !ok {
				continue
			}
			if seen[key] {
				c.errorf(mv.Key, path, "duplicate key %q", key)
				continue
			}
			seen[key] = true
			val := reflect.New(t.Elem()).Elem()
			if !c.decode(mv.Value, val, childPath(path, key)) {
				m.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), val)
			}
		}
		dst.Set(m)
		c.nested = true
	case reflect.String:
		if s, ok := scalarText(n); ok {
			dst.SetString(s)
		} else {
			c.errorf(at, path, "expected a string, got %s", kindName(n))
		}
	case reflect.Bool:
		if b, ok := n.(*ast.BoolNode); ok {
			dst.SetBool(b.Value)
		} else {
			c.errorf(at, path, "expected true or false, got %s", describe(n))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		iv, ok := n.(*ast.IntegerNode)
		if !ok {
			c.errorf(at, path, "expected a whole number, got %s", describe(n))
			return
		}
		var x int64
		switch v := iv.Value.(type) {
		case int64:
			x = v
		case uint64:
			if v > math.MaxInt64 {
				c.errorf(at, path, "number %s is too large", iv.GetToken().Value)
				return
			}
			x = int64(v)
		}
		if dst.OverflowInt(x) || x > 1<<53 || x < -(1<<53) {
			c.errorf(at, path, "number %s is too large", iv.GetToken().Value)
			return
		}
		dst.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		iv, ok := n.(*ast.IntegerNode)
		if !ok {
			c.errorf(at, path, "expected a whole number, got %s", describe(n))
			return
		}
		var x uint64
		switch v := iv.Value.(type) {
		case int64:
			if v < 0 {
				c.errorf(at, path, "expected a number ≥ 0, got %d", v)
				return
			}
			x = uint64(v)
		case uint64:
			x = v
		}
		if dst.OverflowUint(x) {
			c.errorf(at, path, "number %s is too large", iv.GetToken().Value)
			return
		}
		dst.SetUint(x)
	case reflect.Float32, reflect.Float64:
		switch v := n.(type) {
		case *ast.IntegerNode:
			switch x := v.Value.(type) {
			case int64:
				dst.SetFloat(float64(x))
			case uint64:
				dst.SetFloat(float64(x))
			}
		case *ast.FloatNode:
			if math.IsInf(v.Value, 0) || math.IsNaN(v.Value) {
				c.errorf(at, path, "expected a finite number, got %s", v.GetToken().Value)
				return
			}
			dst.SetFloat(v.Value)
		case *ast.InfinityNode, *ast.NanNode:
			c.errorf(at, path, "expected a finite number, got %s", n.GetToken().Value)
		case *ast.StringNode:
			// YAML 1.2's core schema reads a plain 1e4 as a float; the library (YAML 1.1) wants
			// a dot (1.0e4). Quoted, it stays a string.
			if x, ok := yaml12Float(v); ok {
				dst.SetFloat(x)
				return
			}
			c.errorf(at, path, "expected a number, got %s", describe(n))
		default:
			c.errorf(at, path, "expected a number, got %s", describe(n))
		}
	default:
		// interface{} and other kinds: let the YAML library decode them.
		if err := yaml.NodeToValue(at, dst.Addr().Interface()); err != nil {
			c.errs = append(c.errs, yamlError(c.src, err))
		}
	}
	return
}

// yaml12Float is the value of a plain (unquoted) scalar that YAML 1.2's core schema resolves to a
// finite float, [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, such as 1e4.
func yaml12Float(n *ast.StringNode) (float64, bool) {
	if tk := n.GetToken(); tk == nil || tk.Type != token.StringType || !yaml12FloatRe.MatchString(n.Value) {
		return 0, false
	}
	x, err := strconv.ParseFloat(n.Value, 64)
	if err != nil || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

var yaml12FloatRe = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

func describe(n ast.Node) string {
	if s, ok := scalarText(n); ok {
		if _, isStr := n.(*ast.StringNode); isStr {
			return fmt.Sprintf("%s %q", kindName(n), s)
		}
		return fmt.Sprintf("%s %s", kindName(n), s)
	}
	return kindName(n)
}

// scalar returns the text of a scalar node or reports that one was expected.
func (c *checker) scalar(n, at ast.Node, path, want string) (string, bool) {
	s, ok := scalarText(n)
	if !ok {
		c.errorf(at, path, "expected %s, got %s", want, kindName(n))
	}
	return s, ok
}

func (c *checker) duration(n, at ast.Node, path string) (Duration, bool) {
	s, ok := c.scalar(n, at, path, "a duration such as 250ms")
	if !ok {
		return 0, false
	}
	if isNumber(n) && s != "0" {
		c.errorf(at, path, "duration %s needs a unit, e.g. %sms or %ss", s, s, s)
		return 0, false
	}
	d, err := ParseDuration(s)
	if err != nil {
		c.errorf(at, path, "%v", err)
		return 0, false
	}
	return d, true
}

// mapEntries returns the key/value pairs of a mapping node, following merge keys ("<<: *base").
func (c *checker) mapEntries(n, at ast.Node, path string) ([]*ast.MappingValueNode, bool) {
	var values []*ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingNode:
		values = v.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{v}
	default:
		c.errorf(at, path, "expected a mapping, got %s", describe(n))
		return nil, false
	}
	var out []*ast.MappingValueNode
	var merged []*ast.MappingValueNode
	for _, mv := range values {
		if mv.Key != nil && mv.Key.IsMergeKey() {
			src := c.resolve(mv.Value)
			var srcs []ast.Node
			if seq, ok := src.(*ast.SequenceNode); ok {
				for _, e := range seq.Values {
					srcs = append(srcs, c.resolve(e))
				}
			} else {
				srcs = append(srcs, src)
			}
			for _, s := range srcs {
				m, ok := c.mapEntries(s, mv.Value, path)
				if !ok {
					continue
				}
				merged = append(merged, m...)
			}
			continue
		}
		out = append(out, mv)
	}
	// Explicit keys override merged ones.
	if len(merged) > 0 {
		have := map[string]bool{}
		for _, mv := range out {
			if k, ok := scalarText(c.resolve(mv.Key)); ok {
				have[k] = true
			}
		}
		for _, mv := range merged {
			if k, ok := scalarText(c.resolve(mv.Key)); ok && !have[k] {
				have[k] = true
				out = append(out, mv)
			}
		}
	}
	return out, true
}

// key returns the key of a pair as a string, or reports a key that is not a scalar.
func (c *checker) key(mv *ast.MappingValueNode, path string) (string, bool) {
	var k ast.Node = mv.Key
	if mk, ok := k.(*ast.MappingKeyNode); ok {
		k = mk.Value
	}
	k = c.resolve(k)
	s, ok := scalarText(k)
	if !ok || k == nil {
		c.errorf(mv, path, "a key must be a plain string")
		return "", false
	}
	return s, true
}

type fieldInfo struct {
	name  string
	index int
	typ   reflect.Type
}

var fieldCache sync.Map // reflect.Type → map[string]fieldInfo

func yamlFields(t reflect.Type) map[string]fieldInfo {
	if v, ok := fieldCache.Load(t); ok {
		return v.(map[string]fieldInfo)
	}
	m := map[string]fieldInfo{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		m[name] = fieldInfo{name: name, index: i, typ: f.Type}
	}
	fieldCache.Store(t, m)
	return m
}

func (c *checker) decodeStruct(n, at ast.Node, dst reflect.Value, path string) {
	entries, ok := c.mapEntries(n, at, path)
	if !ok {
		return
	}
	fields := yamlFields(dst.Type())
	seen := map[string]bool{}
	for _, mv := range entries {
		key, ok := c.key(mv, path)
		if !ok {
			continue
		}
		if seen[key] {
			c.errorf(mv.Key, path, "duplicate key %q", key)
			continue
		}
		seen[key] = true
		f, ok := fields[key]
		if !ok {
			c.errorf(mv.Key, childPath(path, key), "%s", unknownField(key, fields, path))
			c.pruned = append(c.pruned, childPath(path, key))
			continue
		}
		c.decode(mv.Value, dst.Field(f.index), childPath(path, key))
	}
	c.nested = true
}

func unknownField(key string, fields map[string]fieldInfo, path string) string {
	names := make([]string, 0, len(fields))
	best, bestD := "", 3
	for n := range fields {
		names = append(names, n)
		if d := editDistance(key, n); d < bestD || d == bestD && n < best {
			best, bestD = n, d
		}
	}
	sort.Strings(names)
	where := "in the top level"
	if path == "$" {
		where = "at the top level"
	} else {
		where = strings.TrimRight(path[strings.LastIndexAny(path, ".")+1:], "]")
		if i := strings.IndexByte(where, '['); i >= 0 {
			where = where[:i]
		}
		where = "in " + strings.Trim(where, "'")
	}
	if best != "" {
		return fmt.Sprintf("unknown field %q %s; did you mean %q?", key, where, best)
	}
	return fmt.Sprintf("unknown field %q %s (known: %s)", key, where, strings.Join(names, ", "))
}

// editDistance is the Levenshtein distance, capped for long strings.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// childPath appends a key to a YAML path, quoting it the way goccy's PathString reads it.
func childPath(path, key string) string {
	if strings.ContainsAny(key, "$*.[]'") {
		key = "'" + strings.ReplaceAll(key, "'", `\'`) + "'"
	}
	return path + "." + key
}
