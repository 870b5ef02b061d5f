package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// locator finds the node of a YAML path in the parsed document, falling back to the nearest
// ancestor that exists (a missing field is reported where its parent is).
type locator struct {
	src   *source
	body  ast.Node
	index map[string]ast.Node // path → value node, built on first use
}

// build indexes every node reachable without an alias by the path the validator uses.
func (l *locator) build() {
	l.index = map[string]ast.Node{}
	var walk func(n ast.Node, path string, depth int)
	walk = func(n ast.Node, path string, depth int) {
		if n == nil || depth > MaxDepth+2 {
			return
		}
		l.index[path] = n
		for {
			switch v := n.(type) {
			case *ast.AnchorNode:
				n = v.Value
				continue
			case *ast.TagNode:
				n = v.Value
				continue
			}
			break
		}
		switch v := n.(type) {
		case *ast.MappingNode:
			for _, mv := range v.Values {
				if k, ok := scalarText(mv.Key); ok && !mv.Key.IsMergeKey() {
					walk(mv.Value, childPath(path, k), depth+1)
				}
			}
		case *ast.MappingValueNode:
			if k, ok := scalarText(v.Key); ok && !v.Key.IsMergeKey() {
				walk(v.Value, childPath(path, k), depth+1)
			}
		case *ast.SequenceNode:
			for i, e := range v.Values {
				walk(e, fmt.Sprintf("%s[%d]", path, i), depth+1)
			}
		}
	}
	walk(l.body, "$", 0)
}

// find returns the node at path (or its nearest existing ancestor) and whether it was exact.
func (l *locator) find(path string) (ast.Node, bool) {
	if l == nil || l.body == nil {
		return nil, false
	}
	if l.index == nil {
		l.build()
	}
	exact := true
	for p := path; p != ""; p = parentPath(p) {
		if p == "$" {
			return l.body, exact && path == "$"
		}
		if n, ok := l.index[p]; ok {
			return n, exact
		}
		// Through an alias or a merge key: ask the YAML library.
		if yp, err := yaml.PathString(p); err == nil {
			if n, err := yp.FilterNode(l.body); err == nil && n != nil {
				return n, exact
			}
		}
		exact = false
	}
	return l.body, false
}

// has reports whether the file (or a --set) gave path explicitly.
func (l *locator) has(path string) bool {
	_, ok := l.find(path)
	return ok
}

// parentPath strips the last ".key" or "[i]" of a path ("" after "$").
func parentPath(p string) string {
	inQuote := false
	cut := -1
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '\'':
			inQuote = !inQuote
		case '.', '[':
			if !inQuote {
				cut = i
			}
		}
	}
	if cut <= 0 {
		if p == "$" {
			return ""
		}
		return "$"
	}
	return p[:cut]
}

// validator collects every problem of a decoded, defaulted scenario.
type validator struct {
	loc  *locator
	errs ErrorList
	// negative holds the paths already reported as negative: other checks stay quiet there.
	negative map[string]bool
}

func (v *validator) errf(path, format string, args ...any) {
	if v.negative[path] {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if v.loc == nil || v.loc.src == nil {
		v.errs = append(v.errs, &Error{File: "scenario", Path: path, Msg: msg})
		return
	}
	n, _ := v.loc.find(path)
	// A pair's key marks the field; a mapping's position is its first key.
	v.errs = append(v.errs, v.loc.src.errAt(n, path, msg))
}

func p(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// Validate checks a decoded scenario (after ApplyDefaults) and returns an ErrorList with every
// problem, without positions (Load gives positions). nil when valid.
func (s *Scenario) Validate() error {
	v := &validator{}
	v.negatives(reflect.ValueOf(s).Elem(), "$")
	v.scenario(s)
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

// explicitZeros reports fields written as 0 whose zero value would otherwise silently mean
// "use the default" (e.g. servers: 0 would become 1). Run before ApplyDefaults.
func (v *validator) explicitZeros(s *Scenario) {
	z := func(path string, isZero bool, what string) {
		if isZero && v.loc.has(path) {
			v.errf(path, "%s must be > 0 (leave it out for the default)", what)
		}
	}
	z("$.load.design", s.Load.Design == 0, "load.design")
	z("$.load.points", s.Load.Points == 0, "load.points")
	z("$.load.rates_at", s.Load.RatesAt == 0, "load.rates_at")
	z("$.slo.memory", s.SLO.Memory == 0, "slo.memory")
	z("$.slo.queue_trigger", s.SLO.QueueTrigger == 0, "slo.queue_trigger")
	z("$.sim.replications", s.Sim.Replications == 0, "sim.replications")
	z("$.sim.duration", s.Sim.Duration == 0, "sim.duration")
	z("$.sim.precision", s.Sim.Precision == 0, "sim.precision")
	z("$.sim.max_replications", s.Sim.MaxReplications == 0, "sim.max_replications")
	z("$.storage.index_ratio", s.Storage.IndexRatio == 0, "storage.index_ratio")
	for i, st := range s.Stations {
		z(p("$.stations[%d].servers", i), st.Servers == 0, "servers")
	}
	for i, n := range s.Nodes {
		z(p("$.nodes[%d].disk_parallelism", i), n.DiskParallelism == 0, "disk_parallelism")
		if np := p("$.nodes[%d].cpu_limit", i); n.CPULimit == 0 && v.loc.has(np) {
			v.errf(np, "cpu_limit must be > 0 (leave it out for no limit)")
		}
		z(p("$.nodes[%d].cpu_period", i), n.CPUPeriod == 0, "cpu_period")
	}
	for i, f := range s.Flows {
		fp := p("$.flows[%d]", i)
		z(fp+".batch", f.Batch == 0, "batch")
		z(fp+".peak_factor", f.PeakFactor == 0, "peak_factor")
		z(fp+".sources", f.Sources == 0, "sources")
		z(fp+".rate", f.Rate == 0, "rate")
		z(fp+".events_per_source", f.EventsPerSource == 0, "events_per_source")
		z(fp+".population", f.Population == 0, "population")
		if f.Entry != nil {
			v.zeroProb(*f.Entry, fp+".entry")
		}
		for j, m := range f.Mix {
			if m.Entry != nil {
				v.zeroProb(*m.Entry, p("%s.mix[%d].entry", fp, j))
			}
		}
	}
	for i, sv := range s.Services {
		for j, h := range sv.Handlers {
			for k, c := range h.Calls {
				v.zeroProb(c, p("$.services[%d].handlers[%d].calls[%d]", i, j, k))
			}
		}
	}
	for i, q := range s.Queues {
		v.zeroProb(q.Consumer, p("$.queues[%d].consumer", i))
	}
}

func (v *validator) zeroProb(c Call, path string) {
	if c.Probability == 0 && v.loc.has(path+".probability") {
		v.errf(path+".probability", "probability 0 means the call is never made: remove the call (leave probability out for 1)")
	}
	for i, m := range c.OnMiss {
		v.zeroProb(m, p("%s.on_miss[%d]", path, i))
	}
}

// negatives reports every negative number anywhere in the scenario.
func (v *validator) negatives(rv reflect.Value, path string) {
	switch rv.Kind() {
	case reflect.Pointer:
		if !rv.IsNil() {
			v.negatives(rv.Elem(), path)
		}
	case reflect.Struct:
		t := rv.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			v.negatives(rv.Field(i), childPath(path, name))
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			v.negatives(rv.Index(i), p("%s[%d]", path, i))
		}
	case reflect.Map:
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			v.negatives(rv.MapIndex(k), childPath(path, fmt.Sprint(k)))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if rv.Int() < 0 {
			v.errf(path, "must not be negative, got %d", rv.Int())
			v.markNegative(path)
		}
	case reflect.Float32, reflect.Float64:
		if x := rv.Float(); x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			v.errf(path, "must be a finite number ≥ 0, got %g", x)
			v.markNegative(path)
		}
	}
}

func (v *validator) markNegative(path string) {
	if v.negative == nil {
		v.negative = map[string]bool{}
	}
	v.negative[path] = true
}

func oneOf(s string, allowed ...string) bool {
	for _, a := range allowed {
		if s == a {
			return true
		}
	}
	return false
}

// names checks that every name of one kind is non-empty and unique and returns name → index.
func (v *validator) names(kind string, n int, name func(int) string, path func(int) string) map[string]int {
	m := make(map[string]int, n)
	for i := 0; i < n; i++ {
		nm := name(i)
		if strings.TrimSpace(nm) == "" {
			v.errf(path(i), "%s needs a name", kind)
			continue
		}
		if j, dup := m[nm]; dup {
			v.errf(path(i), "duplicate %s name %q (first at %s)", kind, nm, v.where(path(j)))
			continue
		}
		m[nm] = i
	}
	return m
}

// where is "line L" of a path, for messages that point at a second place ("file:L:C" in a
// scenario composed of several files).
func (v *validator) where(path string) string {
	if v.loc != nil && v.loc.src != nil {
		if n, _ := v.loc.find(path); n != nil {
			if tk := nodeToken(n); tk != nil && tk.Position != nil {
				if _, set := v.loc.src.set[tk]; !set {
					if v.loc.src.owner != nil {
						// A composed scenario: name the file too.
						e := v.loc.src.errAtToken(tk, "", "")
						return p("%s:%d:%d", e.File, e.Line, e.Col)
					}
					return p("line %d", tk.Position.Line)
				}
			}
		}
	}
	return path
}

func keys(m map[string]int) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "none defined"
	}
	if len(out) > 12 {
		out = append(out[:12], "…")
	}
	return strings.Join(out, ", ")
}

// model holds the name indices used for reference checks.
type model struct {
	s                                                             *Scenario
	stations, nodes, services, queues, stores, dbs, caches, flows map[string]int
	handlers                                                      []map[string]int // per service: class → handler index
}

func (v *validator) scenario(s *Scenario) {
	if strings.TrimSpace(s.Name) == "" {
		v.errf("$.name", "the scenario needs a name")
	}
	v.load(s)
	v.slo(s)
	v.sizing(s.Sizing)
	if s.Sim.Replications < 0 {
		v.errf("$.sim.replications", "replications must be ≥ 1")
	}
	if s.Sim.Duration <= 0 {
		v.errf("$.sim.duration", "duration must be > 0")
	}
	if s.Sim.Replications > MaxReplications {
		v.errf("$.sim.replications", "replications %d is more than %d", s.Sim.Replications, MaxReplications)
	}
	if s.Sim.Duration > MaxSimDuration {
		v.errf("$.sim.duration", "duration %v is longer than %v of simulated time per replication", time.Duration(s.Sim.Duration), time.Duration(MaxSimDuration))
	}
	if p := s.Sim.Precision; p < 0 || p >= 1 || math.IsNaN(p) {
		v.errf("$.sim.precision", "precision must be a fraction in (0, 1) (0.05 = ±5 %%), got %v", p)
	}
	if s.Sim.MaxReplications < 0 || s.Sim.MaxReplications > MaxReplications {
		v.errf("$.sim.max_replications", "max_replications must be in [2, %d], got %d", MaxReplications, s.Sim.MaxReplications)
	} else if s.Sim.MaxReplications == 1 {
		v.errf("$.sim.max_replications", "max_replications must be ≥ 2 (an interval needs two replications)")
	}
	if s.Sim.Warmup > MaxSimDuration {
		v.errf("$.sim.warmup", "warmup %v is longer than %v of simulated time per replication", time.Duration(s.Sim.Warmup), time.Duration(MaxSimDuration))
	}

	m := &model{s: s}
	m.stations = v.names("station", len(s.Stations), func(i int) string { return s.Stations[i].Name }, func(i int) string { return p("$.stations[%d].name", i) })
	m.nodes = v.names("node", len(s.Nodes), func(i int) string { return s.Nodes[i].Name }, func(i int) string { return p("$.nodes[%d].name", i) })
	m.services = v.names("service", len(s.Services), func(i int) string { return s.Services[i].Name }, func(i int) string { return p("$.services[%d].name", i) })
	m.queues = v.names("queue", len(s.Queues), func(i int) string { return s.Queues[i].Name }, func(i int) string { return p("$.queues[%d].name", i) })
	m.stores = v.names("store", len(s.Stores), func(i int) string { return s.Stores[i].Name }, func(i int) string { return p("$.stores[%d].name", i) })
	m.dbs = v.names("database", len(s.Databases), func(i int) string { return s.Databases[i].Name }, func(i int) string { return p("$.databases[%d].name", i) })
	m.caches = v.names("cache", len(s.Caches), func(i int) string { return s.Caches[i].Name }, func(i int) string { return p("$.caches[%d].name", i) })
	m.flows = v.names("flow", len(s.Flows), func(i int) string { return s.Flows[i].Name }, func(i int) string { return p("$.flows[%d].name", i) })
	m.handlers = make([]map[string]int, len(s.Services))
	for i := range s.Services {
		sv := &s.Services[i]
		m.handlers[i] = v.names("handler class", len(sv.Handlers), func(j int) string { return sv.Handlers[j].Class }, func(j int) string { return p("$.services[%d].handlers[%d].class", i, j) })
	}

	for i := range s.Stations {
		v.station(&s.Stations[i], p("$.stations[%d]", i))
	}
	for i := range s.Nodes {
		n := &s.Nodes[i]
		np := p("$.nodes[%d]", i)
		if n.Cores < 1 {
			v.errf(np+".cores", "node %q needs cores ≥ 1", n.Name)
		}
		if n.DiskParallelism < 1 {
			v.errf(np+".disk_parallelism", "disk_parallelism must be ≥ 1")
		}
		v.cpuLimit(n, np)
	}
	for i := range s.Services {
		v.service(m, i)
	}
	for i := range s.Queues {
		v.queue(m, i)
	}
	for i := range s.Stores {
		v.store(m, i)
	}
	for i := range s.Databases {
		v.database(m, i)
	}
	for i := range s.Caches {
		c := &s.Caches[i]
		cp := p("$.caches[%d]", i)
		v.nodeList(m, c.Nodes, cp+".nodes", "cache "+quote(c.Name), true)
		if c.HitRatio < 0 || c.HitRatio > 1 {
			v.errf(cp+".hit_ratio", "hit_ratio must be in [0, 1], got %g", c.HitRatio)
		}
		v.dist(c.CPU, cp+".cpu", false)
	}
	if len(s.Flows) == 0 {
		v.errf("$.flows", "the scenario needs at least one flow")
	}
	for i := range s.Flows {
		v.flow(m, i)
	}
	// SLO flow names.
	for _, name := range sortedKeys(s.SLO.P95) {
		pp := childPath("$.slo.p95", name)
		if _, ok := m.flows[name]; !ok {
			v.errf(pp, "slo.p95: no flow %q (flows: %s)", name, keys(m.flows))
		}
		if s.SLO.P95[name] <= 0 {
			v.errf(pp, "slo.p95 target for %q must be > 0", name)
		}
	}
	// Storage.
	st := s.Storage
	if st.Flow != "" {
		if _, ok := m.flows[st.Flow]; !ok {
			v.errf("$.storage.flow", "storage.flow: no flow %q (flows: %s)", st.Flow, keys(m.flows))
		}
	}
	if st.Store != "" {
		if _, ok := m.stores[st.Store]; !ok {
			v.errf("$.storage.store", "storage.store: no store %q (stores: %s)", st.Store, keys(m.stores))
		}
	}
	if (st.Flow != "" || st.Store != "") && st.Flow == "" {
		v.errf("$.storage", "storage needs the flow whose events are stored")
	}
	if st.IndexRatio <= 0 {
		v.errf("$.storage.index_ratio", "index_ratio must be > 0")
	}
	v.cycles(m)
	v.failures(m, s)
	v.availability(m, s)
	v.loadTest(s.LoadTest)
	if c := s.Cluster; c != nil && (c.Scale < 0 || c.Scale > 1) {
		v.errf("$.cluster.scale", "cluster.scale must be in (0, 1], got %g", c.Scale)
	}
}

// cpuLimit checks a node's CFS quota: a limit in (0, cores] CPUs, a period in (0, 1s] and
// only with a limit.
func (v *validator) cpuLimit(n *Node, np string) {
	if n.CPULimit > 0 && n.Cores >= 1 && n.CPULimit > float64(n.Cores) {
		v.errf(np+".cpu_limit", "cpu_limit %g is more than node %q's %d cores", n.CPULimit, n.Name, n.Cores)
	}
	if n.CPUPeriod == 0 {
		return
	}
	if n.CPULimit == 0 {
		v.errf(np+".cpu_period", "cpu_period is the period of a cpu_limit: node %q has none", n.Name)
	}
	if n.CPUPeriod < 0 || n.CPUPeriod > MaxCPUPeriod {
		v.errf(np+".cpu_period", "cpu_period must be in (0, %v], got %v", MaxCPUPeriod, n.CPUPeriod)
	}
}

// loadTest reports the problems LoadTest.Validate finds (loadtest.go), each at the field its
// message names ("loadtest.executor ...", "loadtest.mix[0]: ...").
func (v *validator) loadTest(l *LoadTest) {
	err := l.Validate()
	if err == nil {
		return
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		msg := e.Error()
		path := "$.loadtest"
		if rest, ok := strings.CutPrefix(msg, "loadtest."); ok {
			if i := strings.IndexAny(rest, " :"); i > 0 {
				path = "$.loadtest." + rest[:i]
			}
		}
		v.errf(path, "%s", msg)
	}
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Upper bounds of run settings and loads: beyond them a number is a typo or an attack, not a
// plan, and the arithmetic of the model (load × 20, rates × seconds) would overflow.
const (
	// MaxLoad bounds load.design, rates_at, min and max.
	MaxLoad = 1e12
	// MaxReplications bounds sim.replications (and --replications).
	MaxReplications = 10_000
	// MaxSimDuration bounds sim.duration and sim.warmup (and --duration, --warmup): one year.
	MaxSimDuration = Duration(365 * 24 * time.Hour)
)

func (v *validator) load(s *Scenario) {
	l := s.Load
	for _, x := range []struct {
		path     string
		v, limit float64
	}{{"$.load.design", l.Design, MaxLoad}, {"$.load.rates_at", l.RatesAt, MaxLoad}, {"$.load.min", l.Min, MaxLoad}, {"$.load.max", l.Max, MaxLoad * DefaultMaxFactor}} {
		written := x.path == "$.load.design" || v.loc.has(x.path) // min and max may be derived from design
		if written && (x.v > x.limit || math.IsInf(x.v, 0) || math.IsNaN(x.v)) {
			v.errf(x.path, "%s %g is beyond %g load units", strings.TrimPrefix(x.path, "$."), x.v, x.limit)
		}
	}
	if l.Design <= 0 || l.Min < 0 || l.Max < 0 {
		return // reported as negative (0 is replaced by the default)
	}
	if l.Min <= 0 {
		v.errf("$.load.min", "load.min must be > 0")
	}
	if l.Max <= l.Min {
		v.errf("$.load.max", "load.max (%g) must be greater than load.min (%g)", l.Max, l.Min)
	}
	if l.Points < 2 {
		v.errf("$.load.points", "load.points must be ≥ 2, got %d", l.Points)
	}
}

// sizing checks a seed's sizing: cores and load in (0, MaxLoad], and a source.
func (v *validator) sizing(sz *Sizing) {
	if sz == nil {
		return
	}
	for _, x := range []struct {
		path string
		v    float64
	}{{"$.sizing.cores", sz.Cores}, {"$.sizing.load", sz.Load}} {
		if x.v < 0 {
			continue // reported as negative
		}
		if !(x.v > 0) || x.v > MaxLoad {
			v.errf(x.path, "%s must be > 0 and at most %g, got %g", strings.TrimPrefix(x.path, "$."), float64(MaxLoad), x.v)
		}
	}
	if strings.TrimSpace(sz.Source) == "" {
		v.errf("$.sizing.source", "sizing.source must cite where the seed gives this sizing")
	}
}

func (v *validator) slo(s *Scenario) {
	o := s.SLO
	if o.Utilization < 0 || o.Utilization >= 1 {
		v.errf("$.slo.utilization", "slo.utilization must be in (0, 1) (0 or absent: no utilization criterion), got %g", o.Utilization)
	}
	if o.Memory <= 0 || o.Memory >= 1 {
		v.errf("$.slo.memory", "slo.memory must be in (0, 1), got %g", o.Memory)
	}
	if o.MaxDropRatio < 0 || o.MaxDropRatio > 1 {
		v.errf("$.slo.max_drop_ratio", "slo.max_drop_ratio must be in [0, 1], got %g", o.MaxDropRatio)
	}
	if o.QueueTrigger <= 0 {
		v.errf("$.slo.queue_trigger", "slo.queue_trigger must be > 0")
	}
}

func (v *validator) station(st *Station, sp string) {
	if st.Servers < 1 {
		v.errf(sp+".servers", "servers must be ≥ 1")
	}
	if !oneOf(st.Discipline, "fcfs", "ps") {
		v.errf(sp+".discipline", "discipline must be fcfs or ps, got %q", st.Discipline)
	}
	if st.Capacity > 0 && st.Capacity < st.Servers {
		v.errf(sp+".capacity", "capacity %d is less than servers %d", st.Capacity, st.Servers)
	}
	v.dist(st.Service, sp+".service", true)
}

// dist checks a distribution's parameters. required: a missing distribution is an error.
func (v *validator) dist(d Dist, path string, required bool) {
	if d.IsZero() {
		if required {
			v.errf(path, "a service-time distribution is required, e.g. 10ms or {dist: lognormal, mean: 10ms, p95: 30ms}")
		} else if d.Mean != 0 || d.P95 != 0 || d.CV != 0 || d.Min != 0 || d.Max != 0 || len(d.Samples) > 0 {
			v.errf(path, "distribution without a kind")
		}
		return
	}
	unused := func(field string, set bool) {
		if set {
			v.errf(childPath(path, field), "%s is not a parameter of the %s distribution", field, d.Kind)
		}
	}
	// at is where a missing or bad parameter is reported: the parameter when it is written
	// (so a value that did not parse, e.g. a duration without a unit, is reported once, as
	// itself, and not again as "needs mean > 0"), the distribution when it is left out.
	at := func(fields ...string) string {
		for _, f := range fields {
			if fp := childPath(path, f); v.loc.has(fp) {
				return fp
			}
		}
		return path
	}
	switch d.Kind {
	case Exponential, Deterministic:
		if d.Mean <= 0 {
			v.errf(at("mean"), "%s distribution needs mean > 0", d.Kind)
		}
		unused("p95", d.P95 != 0)
		unused("cv", d.CV != 0)
		unused("min", d.Min != 0)
		unused("max", d.Max != 0)
		unused("samples", len(d.Samples) > 0)
	case Lognormal:
		if d.Mean <= 0 {
			v.errf(at("mean"), "lognormal distribution needs mean > 0")
			break
		}
		switch {
		case d.CV > 0 && d.P95 > 0:
			v.errf(childPath(path, "cv"), "lognormal takes p95 or cv, not both")
		case d.CV > 0:
		case d.P95 > 0:
			if d.P95 <= d.Mean {
				v.errf(childPath(path, "p95"), "lognormal p95 (%v) must be greater than its mean (%v)", d.P95, d.Mean)
				break
			}
			const z = 1.6448536269514722
			if z*z-2*math.Log(float64(d.P95)/float64(d.Mean)) < 0 {
				v.errf(childPath(path, "p95"), "no lognormal has mean %v and p95 %v: p95/mean must be ≤ %.2f", d.Mean, d.P95, math.Exp(z*z/2))
			}
		default:
			v.errf(at("p95", "cv"), "lognormal distribution needs p95 > mean or cv > 0")
		}
		unused("min", d.Min != 0)
		unused("max", d.Max != 0)
		unused("samples", len(d.Samples) > 0)
	case Gamma:
		if d.Mean <= 0 {
			v.errf(at("mean"), "gamma distribution needs mean > 0")
		}
		if d.CV <= 0 {
			v.errf(at("cv"), "gamma distribution needs cv > 0")
		}
		unused("p95", d.P95 != 0)
		unused("min", d.Min != 0)
		unused("max", d.Max != 0)
		unused("samples", len(d.Samples) > 0)
	case Uniform:
		if d.Min >= d.Max {
			v.errf(path, "uniform distribution needs min < max, got min %v, max %v", d.Min, d.Max)
		}
		unused("mean", d.Mean != 0)
		unused("p95", d.P95 != 0)
		unused("cv", d.CV != 0)
		unused("samples", len(d.Samples) > 0)
	case Empirical:
		if len(d.Samples) == 0 {
			v.errf(path, "empirical distribution needs at least one sample")
		} else if d.MeanSeconds() <= 0 {
			v.errf(childPath(path, "samples"), "empirical samples must not all be 0")
		}
		unused("mean", d.Mean != 0)
		unused("p95", d.P95 != 0)
		unused("cv", d.CV != 0)
		unused("min", d.Min != 0)
		unused("max", d.Max != 0)
	default:
		v.errf(childPath(path, "dist"), "unknown distribution %q (exponential, deterministic, lognormal, gamma, uniform, empirical)", d.Kind)
	}
}

// nodeList checks references to nodes. distinct: a node may appear only once.
func (v *validator) nodeList(m *model, names []string, path, owner string, distinct bool) {
	if len(names) == 0 {
		v.errf(path, "%s needs at least one node", owner)
		return
	}
	seen := map[string]bool{}
	for i, n := range names {
		ip := p("%s[%d]", path, i)
		if _, ok := m.nodes[n]; !ok {
			v.errf(ip, "%s: no node %q (nodes: %s)", owner, n, keys(m.nodes))
		}
		if distinct && seen[n] {
			v.errf(ip, "%s: node %q listed twice", owner, n)
		}
		seen[n] = true
	}
}

func (v *validator) service(m *model, i int) {
	sv := &m.s.Services[i]
	sp := p("$.services[%d]", i)
	owner := "service " + quote(sv.Name)
	v.nodeList(m, sv.Placement, sp+".placement", owner, false)
	if sv.SingleInstance && len(sv.Placement) > 1 {
		v.errf(sp+".placement", "%s is single_instance but placed %d times", owner, len(sv.Placement))
	}
	b := sv.Balancer
	if !oneOf(b.Policy, "round_robin", "least_conn", "weighted", "source_hash", "random") {
		v.errf(sp+".balancer.policy", "balancer policy must be round_robin, least_conn, weighted, source_hash or random, got %q", b.Policy)
	}
	if len(b.Weights) > 0 {
		if len(b.Weights) != len(sv.Placement) {
			v.errf(sp+".balancer.weights", "%d balancer weights for %d instances (one weight per placement)", len(b.Weights), len(sv.Placement))
		}
		sum := 0.0
		for _, w := range b.Weights {
			sum += w
		}
		if sum <= 0 {
			v.errf(sp+".balancer.weights", "at least one balancer weight must be > 0")
		}
	}
	for j, bi := range b.Backup {
		if bi < 1 || bi > len(sv.Placement) {
			v.errf(p("%s.balancer.backup[%d]", sp, j), "backup instance %d does not exist (%s has %d instances, numbered from 1)", bi, owner, len(sv.Placement))
		}
	}
	if len(b.Backup) > 0 && len(b.Backup) >= len(sv.Placement) {
		v.errf(sp+".balancer.backup", "every instance of %s is a backup: at least one must take traffic", owner)
	}
	if len(sv.Handlers) == 0 {
		v.errf(sp, "%s needs at least one handler", owner)
	}
	for j := range sv.Handlers {
		h := &sv.Handlers[j]
		hp := p("%s.handlers[%d]", sp, j)
		v.dist(h.CPU, hp+".cpu", false)
		v.dist(h.Disk, hp+".disk", false)
		for k := range h.Calls {
			v.call(m, &h.Calls[k], p("%s.calls[%d]", hp, k))
		}
	}
}

// call checks one call (and its on_miss calls).
func (v *validator) call(m *model, c *Call, cp string) {
	var targets []string
	for _, t := range []struct {
		name string
		set  bool
	}{{"service", c.Service != ""}, {"queue", c.Queue != ""}, {"store", c.Store != ""}, {"database", c.Database != ""}, {"cache", c.Cache != ""}} {
		if t.set {
			targets = append(targets, t.name)
		}
	}
	if len(targets) != 1 {
		if len(targets) == 0 {
			v.errf(cp, "a call needs exactly one target: service (with class), queue, store, database or cache")
		} else {
			v.errf(cp, "a call has exactly one target, this one has %s", strings.Join(targets, ", "))
		}
		return
	}
	if c.Probability <= 0 || c.Probability > 1 {
		v.errf(cp+".probability", "probability must be in (0, 1], got %g", c.Probability)
	}
	if c.Class != "" && c.Service == "" {
		v.errf(cp+".class", "class is only for service calls")
	}
	if len(c.OnMiss) > 0 && c.Cache == "" {
		v.errf(cp+".on_miss", "on_miss is only for cache calls")
	}
	switch {
	case c.Service != "":
		j, ok := m.services[c.Service]
		if !ok {
			v.errf(cp+".service", "no service %q (services: %s)", c.Service, keys(m.services))
			break
		}
		if c.Class == "" {
			v.errf(cp, "a call to service %q needs a class (handlers: %s)", c.Service, keys(m.handlers[j]))
		} else if _, ok := m.handlers[j][c.Class]; !ok {
			v.errf(cp+".class", "service %q has no handler for class %q (handlers: %s)", c.Service, c.Class, keys(m.handlers[j]))
		}
		if c.Op != "" {
			v.errf(cp+".op", "op is only for store and database calls")
		}
	case c.Queue != "":
		if _, ok := m.queues[c.Queue]; !ok {
			v.errf(cp+".queue", "no queue %q (queues: %s)", c.Queue, keys(m.queues))
		}
		if c.Op != "" {
			v.errf(cp+".op", "op is only for store and database calls")
		}
	case c.Store != "":
		if _, ok := m.stores[c.Store]; !ok {
			v.errf(cp+".store", "no store %q (stores: %s)", c.Store, keys(m.stores))
		}
		if !oneOf(c.Op, "index", "query") {
			v.errf(cp+".op", "a store call needs op index or query, got %q", c.Op)
		}
	case c.Database != "":
		if _, ok := m.dbs[c.Database]; !ok {
			v.errf(cp+".database", "no database %q (databases: %s)", c.Database, keys(m.dbs))
		}
		if !oneOf(c.Op, "read", "write") {
			v.errf(cp+".op", "a database call needs op read or write, got %q", c.Op)
		}
	case c.Cache != "":
		if _, ok := m.caches[c.Cache]; !ok {
			v.errf(cp+".cache", "no cache %q (caches: %s)", c.Cache, keys(m.caches))
		}
		if c.Op != "" {
			v.errf(cp+".op", "op is only for store and database calls")
		}
	}
	for k := range c.OnMiss {
		v.call(m, &c.OnMiss[k], p("%s.on_miss[%d]", cp, k))
	}
}

func (v *validator) queue(m *model, i int) {
	q := &m.s.Queues[i]
	qp := p("$.queues[%d]", i)
	if !oneOf(q.Overflow, "block", "drop") {
		v.errf(qp+".overflow", "overflow must be block or drop, got %q", q.Overflow)
	}
	if q.Concurrency < 1 {
		v.errf(qp+".concurrency", "queue %q needs concurrency ≥ 1 (the number of consumers)", q.Name)
	}
	if q.Consumer.Service == "" {
		v.errf(qp+".consumer", "queue %q needs a consumer: {service: NAME, class: CLASS}", q.Name)
		return
	}
	v.call(m, &q.Consumer, qp+".consumer")
}

func (v *validator) store(m *model, i int) {
	st := &m.s.Stores[i]
	sp := p("$.stores[%d]", i)
	owner := "store " + quote(st.Name)
	v.nodeList(m, st.Nodes, sp+".nodes", owner, true)
	if st.Shards < 1 {
		v.errf(sp+".shards", "%s needs shards ≥ 1", owner)
	}
	if len(st.Nodes) > 0 && st.Shards >= 1 && st.Replicas >= 0 && st.TotalShardsPerNode >= 0 {
		if _, err := AllocateShards(*st); err != nil {
			path := sp + ".replicas"
			if st.Replicas+1 <= len(st.Nodes) {
				path = sp + ".total_shards_per_node"
			}
			if !v.loc.has(path) {
				path = sp + ".shards"
			}
			v.errf(path, "impossible shard allocation: %v", err)
		}
	}
	v.cost(st.Index, sp+".index")
	v.cost(st.Query, sp+".query")
}

func (v *validator) cost(c StoreCost, path string) {
	v.dist(c.CPU, path+".cpu", false)
	v.dist(c.Disk, path+".disk", false)
}

func (v *validator) database(m *model, i int) {
	d := &m.s.Databases[i]
	dp := p("$.databases[%d]", i)
	owner := "database " + quote(d.Name)
	if d.Primary == "" {
		v.errf(dp, "%s needs a primary node", owner)
	} else if _, ok := m.nodes[d.Primary]; !ok {
		v.errf(dp+".primary", "%s: no node %q (nodes: %s)", owner, d.Primary, keys(m.nodes))
	}
	for j, r := range d.Replicas {
		rp := p("%s.replicas[%d]", dp, j)
		if _, ok := m.nodes[r]; !ok {
			v.errf(rp, "%s: no node %q (nodes: %s)", owner, r, keys(m.nodes))
		}
	}
	if !oneOf(d.ReadRouting, "primary", "replicas", "all") {
		v.errf(dp+".read_routing", "read_routing must be primary, replicas or all, got %q", d.ReadRouting)
	} else if d.ReadRouting == "replicas" && len(d.Replicas) == 0 {
		v.errf(dp+".read_routing", "%s routes reads to replicas but has none", owner)
	}
	if !oneOf(d.Replication, "async", "sync") {
		v.errf(dp+".replication", "replication must be async or sync, got %q", d.Replication)
	} else if d.Replication == "sync" && len(d.Replicas) == 0 {
		v.errf(dp+".replication", "%s has synchronous replication but no replica", owner)
	}
	v.cost(d.Read, dp+".read")
	v.cost(d.Write, dp+".write")
}

func (v *validator) flow(m *model, i int) {
	f := &m.s.Flows[i]
	fp := p("$.flows[%d]", i)
	owner := "flow " + quote(f.Name)
	if !oneOf(f.Arrivals, "poisson", "deterministic") {
		v.errf(fp+".arrivals", "arrivals must be poisson or deterministic, got %q", f.Arrivals)
	}
	var forms []string
	if f.Rate > 0 {
		forms = append(forms, "rate")
	}
	if f.usesSourceForm() {
		forms = append(forms, "events_per_source")
		switch {
		case f.EventsPerSource > 0 && (f.BytesPerMonth > 0):
			v.errf(fp+".bytes_per_month", "%s: give events_per_source or bytes_per_month + event_size, not both", owner)
		case f.EventsPerSource == 0 && f.BytesPerMonth == 0:
			v.errf(fp+".event_size", "%s: event_size needs bytes_per_month", owner)
		case f.EventsPerSource == 0 && f.EventSize == 0:
			v.errf(fp+".bytes_per_month", "%s: bytes_per_month needs event_size", owner)
		}
	}
	if f.Population > 0 {
		forms = append(forms, "population")
	}
	if len(forms) != 1 {
		if len(forms) == 0 {
			v.errf(fp, "%s needs one of rate, events_per_source (or bytes_per_month + event_size), population", owner)
		} else {
			v.errf(fp, "%s has %s: give exactly one", owner, strings.Join(forms, " and "))
		}
	}
	if f.Sources < 0 || f.Sources > 0 && !f.usesSourceForm() {
		v.errf(fp+".sources", "%s: sources is only for the source form (events_per_source or bytes_per_month)", owner)
	}
	if !f.Think.IsZero() && f.Population == 0 {
		v.errf(fp+".think", "%s: think is only for a closed flow (population)", owner)
	}
	v.dist(f.Think, fp+".think", false)
	if f.PeakFactor <= 0 {
		v.errf(fp+".peak_factor", "peak_factor must be > 0")
	}
	if f.Batch < 1 {
		v.errf(fp+".batch", "batch must be ≥ 1")
	}
	var shapes []string
	if f.Entry != nil {
		shapes = append(shapes, "entry")
	}
	if len(f.Route) > 0 {
		shapes = append(shapes, "route")
	}
	if len(f.Mix) > 0 {
		shapes = append(shapes, "mix")
	}
	if len(shapes) != 1 {
		if len(shapes) == 0 {
			v.errf(fp, "%s needs one of entry (a deployment call), route (plain stations) or mix", owner)
		} else {
			v.errf(fp, "%s has %s: give exactly one", owner, strings.Join(shapes, " and "))
		}
	}
	if f.Entry != nil {
		v.call(m, f.Entry, fp+".entry")
	}
	v.route(m, f.Route, fp+".route", 0)
	mixNames := v.names("mix entry", len(f.Mix), func(j int) string { return f.Mix[j].Name }, func(j int) string { return p("%s.mix[%d].name", fp, j) })
	_ = mixNames
	for j := range f.Mix {
		me := &f.Mix[j]
		mp := p("%s.mix[%d]", fp, j)
		if me.Weight <= 0 {
			v.errf(mp+".weight", "mix weight must be > 0")
		}
		switch {
		case me.Entry != nil && len(me.Route) > 0:
			v.errf(mp, "mix entry %q has entry and route: give one", me.Name)
		case me.Entry == nil && len(me.Route) == 0:
			v.errf(mp, "mix entry %q needs an entry or a route", me.Name)
		}
		if me.Entry != nil {
			v.call(m, me.Entry, mp+".entry")
		}
		v.route(m, me.Route, mp+".route", 0)
	}
}

func (v *validator) route(m *model, steps []Step, path string, depth int) {
	if depth > MaxDepth {
		return
	}
	for i := range steps {
		st := &steps[i]
		sp := p("%s[%d]", path, i)
		switch {
		case st.Station != "" && len(st.Branch) > 0:
			v.errf(sp, "a route step is a station or a branch, not both")
		case st.Station == "" && len(st.Branch) == 0:
			v.errf(sp, "a route step needs a station or a branch")
		case st.Station != "":
			if _, ok := m.stations[st.Station]; !ok {
				v.errf(sp+".station", "no station %q (stations: %s); routes visit plain stations, deployments use entry", st.Station, keys(m.stations))
			}
		default:
			sum := 0.0
			for j := range st.Branch {
				b := &st.Branch[j]
				bp := p("%s.branch[%d]", sp, j)
				if b.Probability < 0 || b.Probability > 1 {
					v.errf(bp+".probability", "branch probability must be in [0, 1], got %g", b.Probability)
				}
				sum += b.Probability
				if len(b.Route) == 0 {
					v.errf(bp, "a branch needs a route")
				}
				v.route(m, b.Route, bp+".route", depth+1)
			}
			if sum > 1+1e-9 {
				v.errf(sp+".branch", "branch probabilities of one step sum to %g, more than 1", sum)
			}
		}
	}
}

// cycles reports call cycles between handlers (service, class), through service calls, queue
// consumers and cache misses: A.x → B.y → A.x would recurse without end.
func (v *validator) cycles(m *model) {
	s := m.s
	type key struct{ svc, class string }
	type edge struct {
		to   key
		path string
	}
	adj := map[key][]edge{}
	var add func(from key, c *Call, cp string)
	add = func(from key, c *Call, cp string) {
		switch {
		case c.Service != "":
			adj[from] = append(adj[from], edge{key{c.Service, c.Class}, cp})
		case c.Queue != "":
			if j, ok := m.queues[c.Queue]; ok {
				q := s.Queues[j].Consumer
				if q.Service != "" {
					adj[from] = append(adj[from], edge{key{q.Service, q.Class}, cp})
				}
			}
		}
		for k := range c.OnMiss {
			add(from, &c.OnMiss[k], p("%s.on_miss[%d]", cp, k))
		}
	}
	var order []key
	for i := range s.Services {
		for j := range s.Services[i].Handlers {
			h := &s.Services[i].Handlers[j]
			from := key{s.Services[i].Name, h.Class}
			order = append(order, from)
			for k := range h.Calls {
				add(from, &h.Calls[k], p("$.services[%d].handlers[%d].calls[%d]", i, j, k))
			}
		}
	}
	const (
		white = iota
		grey
		black
	)
	color := map[key]int{}
	var stack []key
	var visit func(k key)
	visit = func(k key) {
		color[k] = grey
		stack = append(stack, k)
		for _, e := range adj[k] {
			switch color[e.to] {
			case grey:
				// Cycle: from e.to along the stack back to k.
				start := 0
				for idx, sk := range stack {
					if sk == e.to {
						start = idx
					}
				}
				var names []string
				for _, sk := range stack[start:] {
					names = append(names, sk.svc+"."+sk.class)
				}
				names = append(names, e.to.svc+"."+e.to.class)
				v.errf(e.path, "call cycle: %s", strings.Join(names, " → "))
			case white:
				if len(stack) < 4*MaxDepth {
					visit(e.to)
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[k] = black
	}
	for _, k := range order {
		if color[k] == white {
			visit(k)
		}
	}
}
