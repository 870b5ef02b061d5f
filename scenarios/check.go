package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// checker walks the YAML tree beside the Go type it decodes into and reports, for every node,
// the problems strict decoding would stop at one by one: unknown keys (with a "did you mean"),
// duplicate keys, wrong node kinds (a list where a mapping belongs), numbers that do not fit,
// and unparseable durations, sizes, rates and distributions. Every problem, with its position.
type checker struct {
	src     *source
	anchors map[string]ast.Node
	errs    ErrorList
	visits  int
	// nested is set when the errors just added came from inside a collection (already pruned).
	nested bool
	// unprunable is set when a bad node could not be removed (it came through a merge key or a
	// single-pair mapping): then decoding is not attempted.
	unprunable bool
	// pruned lists the paths of removed nodes: validation errors there are consequences.
	pruned []string
}

var (
	durationType   = reflect.TypeOf(Duration(0))
	sizeType       = reflect.TypeOf(Size(0))
	rateType       = reflect.TypeOf(Rate(0))
	distType       = reflect.TypeOf(Dist{})
	scenarioType   = reflect.TypeOf(Scenario{})
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
			n = c.anchors[v.Value.String()]
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

// check checks node n against type t at path. It reports whether n itself is bad (the caller
// then prunes it so that the rest can still be decoded and validated); problems deeper inside n
// are pruned where they are.
func (c *checker) check(n ast.Node, t reflect.Type, path string) (bad bool) {
	c.visits++
	if c.visits > 4*MaxNodes {
		return false
	}
	before := len(c.errs)
	defer func() {
		// Only an error reported at this level (not inside a collection below) makes n bad.
		if len(c.errs) > before && !c.nested {
			bad = true
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
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case durationType, stdDurationTyp:
		c.checkDuration(n, at, path)
		return
	case sizeType:
		if s, ok := c.scalar(n, at, path, "a size such as 64GiB"); ok {
			if _, err := ParseSize(s); err != nil {
				c.errorf(at, path, "%v", err)
			}
		}
		return
	case rateType:
		if s, ok := c.scalar(n, at, path, "a rate such as 80/s"); ok {
			if _, err := ParseRate(s); err != nil {
				c.errorf(at, path, "%v", err)
			}
		}
		return
	case distType:
		if _, ok := scalarText(n); ok {
			c.checkDuration(n, at, path)
			return
		}
		c.checkStruct(n, at, t, path)
		return
	}
	if pt := reflect.PointerTo(t); pt.Implements(bytesUnmarshal) || pt.Implements(funcUnmarshal) {
		return // a type of another file with its own format: the decoder checks it
	}
	switch t.Kind() {
	case reflect.Struct:
		c.checkStruct(n, at, t, path)
	case reflect.Slice, reflect.Array:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			c.errorf(at, path, "expected a list, got %s", kindName(n))
			return
		}
		var drop []int
		for i, e := range seq.Values {
			if ep := fmt.Sprintf("%s[%d]", path, i); c.check(e, t.Elem(), ep) {
				drop = append(drop, i)
				c.pruned = append(c.pruned, ep)
			}
		}
		c.pruneSeq(seq, drop)
		c.nested = true
	case reflect.Map:
		entries, ok := c.mapEntries(n, at, path)
		if !ok {
			return
		}
		seen := map[string]ast.Node{}
		var drop []*ast.MappingValueNode
		for _, mv := range entries {
			key, ok := c.key(mv, path)
			if !ok {
				drop = append(drop, mv)
				continue
			}
			if _, dup := seen[key]; dup {
				c.errorf(mv.Key, path, "duplicate key %q", key)
				drop = append(drop, mv)
				continue
			}
			seen[key] = mv
			if c.check(mv.Value, t.Elem(), childPath(path, key)) {
				drop = append(drop, mv)
				c.pruned = append(c.pruned, childPath(path, key))
			}
		}
		c.pruneMap(n, drop)
		c.nested = true
	case reflect.String:
		if _, ok := scalarText(n); !ok {
			c.errorf(at, path, "expected a string, got %s", kindName(n))
		}
	case reflect.Bool:
		if _, ok := n.(*ast.BoolNode); !ok {
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
		if reflect.New(t).Elem().OverflowInt(x) || x > 1<<53 || x < -(1<<53) {
			c.errorf(at, path, "number %s is too large", iv.GetToken().Value)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		iv, ok := n.(*ast.IntegerNode)
		if !ok {
			c.errorf(at, path, "expected a whole number, got %s", describe(n))
			return
		}
		if v, ok := iv.Value.(int64); ok && v < 0 {
			c.errorf(at, path, "expected a number ≥ 0, got %d", v)
		}
	case reflect.Float32, reflect.Float64:
		switch v := n.(type) {
		case *ast.IntegerNode:
		case *ast.FloatNode:
			if math.IsInf(v.Value, 0) || math.IsNaN(v.Value) {
				c.errorf(at, path, "expected a finite number, got %s", v.GetToken().Value)
			}
		case *ast.InfinityNode, *ast.NanNode:
			c.errorf(at, path, "expected a finite number, got %s", n.GetToken().Value)
		default:
			c.errorf(at, path, "expected a number, got %s", describe(n))
		}
	}
	return
}

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

func (c *checker) checkDuration(n, at ast.Node, path string) {
	s, ok := c.scalar(n, at, path, "a duration such as 250ms")
	if !ok {
		return
	}
	if isNumber(n) && s != "0" {
		c.errorf(at, path, "duration %s needs a unit, e.g. %sms or %ss", s, s, s)
		return
	}
	if _, err := ParseDuration(s); err != nil {
		c.errorf(at, path, "%v", err)
	}
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

func (c *checker) checkStruct(n, at ast.Node, t reflect.Type, path string) {
	entries, ok := c.mapEntries(n, at, path)
	if !ok {
		return
	}
	fields := yamlFields(t)
	seen := map[string]bool{}
	var drop []*ast.MappingValueNode
	for _, mv := range entries {
		key, ok := c.key(mv, path)
		if !ok {
			drop = append(drop, mv)
			continue
		}
		if seen[key] {
			c.errorf(mv.Key, path, "duplicate key %q", key)
			drop = append(drop, mv)
			continue
		}
		seen[key] = true
		f, ok := fields[key]
		if !ok {
			c.errorf(mv.Key, childPath(path, key), "%s", unknownField(key, fields, path))
			drop = append(drop, mv)
			continue
		}
		if c.check(mv.Value, f.typ, childPath(path, key)) {
			drop = append(drop, mv)
			c.pruned = append(c.pruned, childPath(path, key))
		}
	}
	c.pruneMap(n, drop)
	c.nested = true
}

// pruneMap removes bad pairs from a mapping so the rest can be decoded.
func (c *checker) pruneMap(n ast.Node, drop []*ast.MappingValueNode) {
	if len(drop) == 0 {
		return
	}
	m, ok := n.(*ast.MappingNode)
	if !ok {
		c.unprunable = true
		return
	}
	bad := map[*ast.MappingValueNode]bool{}
	for _, d := range drop {
		bad[d] = true
	}
	kept := m.Values[:0]
	removed := 0
	for _, mv := range m.Values {
		if bad[mv] {
			removed++
			continue
		}
		kept = append(kept, mv)
	}
	m.Values = kept
	if removed != len(drop) {
		c.unprunable = true // some came through a merge key
	}
}

// pruneSeq removes bad elements from a sequence.
func (c *checker) pruneSeq(seq *ast.SequenceNode, drop []int) {
	if len(drop) == 0 {
		return
	}
	bad := map[int]bool{}
	for _, i := range drop {
		bad[i] = true
	}
	var vals []ast.Node
	for i, v := range seq.Values {
		if !bad[i] {
			vals = append(vals, v)
		}
	}
	seq.Values = vals
	if len(seq.Entries) > 0 {
		var ents []*ast.SequenceEntryNode
		for i, e := range seq.Entries {
			if !bad[i] {
				ents = append(ents, e)
			}
		}
		seq.Entries = ents
	}
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

var _ = strconv.Itoa
