package loadgen

import (
	"embed"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/capsim/capsim/loadgen/agentpb"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// Event kinds with a built-in template (templates/*.tmpl).
const (
	KindSyslog   = "syslog"
	KindWindows  = "windows"
	KindFirewall = "firewall"
	KindNetflow  = "netflow"
)

// DefaultKindMix is the share of each event kind when a hit names none: an assumed SIEM mix
// (syslog-heavy, as Linux servers and network devices dominate source counts).
var DefaultKindMix = []KindWeight{{KindSyslog, 0.5}, {KindWindows, 0.2}, {KindFirewall, 0.2}, {KindNetflow, 0.1}}

// KindWeight is one entry of an event-kind mix.
type KindWeight struct {
	Kind   string
	Weight float64
}

type segment struct {
	lit  string
	hole string // placeholder name, "" for a literal
}

type template struct {
	kind string
	segs []segment
}

var knownHoles = map[string]bool{"ts": true, "host": true, "ip": true, "ip2": true, "port": true,
	"port2": true, "user": true, "pid": true, "pri": true, "n": true, "proto": true, "bytes": true, "action": true}

func parseTemplate(kind, s string) *template {
	t := &template{kind: kind}
	s = strings.TrimRight(s, "\n")
	lit := strings.Builder{}
	for len(s) > 0 {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			lit.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j > 0 && knownHoles[s[i+1:i+j]] {
			lit.WriteString(s[:i])
			t.segs = append(t.segs, segment{lit: lit.String()}, segment{hole: s[i+1 : i+j]})
			lit.Reset()
			s = s[i+j+1:]
			continue
		}
		lit.WriteString(s[:i+1])
		s = s[i+1:]
	}
	if lit.Len() > 0 {
		t.segs = append(t.segs, segment{lit: lit.String()})
	}
	return t
}

var templates = func() map[string]*template {
	m := map[string]*template{}
	for _, k := range []string{KindSyslog, KindWindows, KindFirewall, KindNetflow} {
		b, err := templateFS.ReadFile("templates/" + k + ".tmpl")
		if err != nil {
			panic(err) // embedded at build time
		}
		m[k] = parseTemplate(k, string(b))
	}
	return m
}()

// EventKinds lists the kinds EventGen knows.
func EventKinds() []string { return []string{KindSyslog, KindWindows, KindFirewall, KindNetflow} }

// EventGen makes realistic event bodies from the templates, each with an id unique in the run:
// "<run>-<vu>-<n>". One EventGen per VU (not safe for concurrent use); it reuses its buffers,
// so a body is valid until the next call.
type EventGen struct {
	run   string
	vu    int
	n     uint64
	rng   *rand.Rand
	mix   []KindWeight
	cum   []float64
	buf   []byte
	idb   []byte
	hosts []string
}

var users = []string{"admin", "root", "jdoe", "asmith", "backup", "oracle", "postgres", "svc_web", "ftpuser", "test"}
var protos = []string{"TCP", "UDP", "TCP", "TCP", "ICMP"}
var actions = []string{"allow", "deny", "allow", "allow"}

// NewEventGen returns the generator of VU vu in run (the run id prefixes every event id),
// drawing from the PCG stream (seed, vu). mix nil means DefaultKindMix.
func NewEventGen(run string, vu int, seed uint64, mix []KindWeight) (*EventGen, error) {
	if mix == nil {
		mix = DefaultKindMix
	}
	g := &EventGen{run: run, vu: vu, rng: rand.New(rand.NewPCG(seed, uint64(vu)+0x5eed)), mix: mix}
	tot := 0.0
	for _, kw := range mix {
		if _, ok := templates[kw.Kind]; !ok {
			return nil, fmt.Errorf("loadgen: unknown event kind %q (known: %s)", kw.Kind, strings.Join(EventKinds(), ", "))
		}
		if !(kw.Weight > 0) {
			return nil, fmt.Errorf("loadgen: event kind %q: weight must be > 0", kw.Kind)
		}
		tot += kw.Weight
		g.cum = append(g.cum, tot)
	}
	for i := range g.cum {
		g.cum[i] /= tot
	}
	for i := range 8 {
		g.hosts = append(g.hosts, fmt.Sprintf("srv-%02d-%d", vu%100, i))
	}
	return g, nil
}

// PickKind draws a kind from the mix.
func (g *EventGen) PickKind() string {
	u := g.rng.Float64()
	for i, c := range g.cum {
		if u < c {
			return g.mix[i].Kind
		}
	}
	return g.mix[len(g.mix)-1].Kind
}

// NextID returns the next unique event id (valid until the next call).
func (g *EventGen) NextID() []byte {
	g.idb = append(g.idb[:0], g.run...)
	g.idb = append(g.idb, '-')
	g.idb = strconv.AppendInt(g.idb, int64(g.vu), 10)
	g.idb = append(g.idb, '-')
	g.idb = strconv.AppendUint(g.idb, g.n, 10)
	g.n++
	return g.idb
}

func (g *EventGen) appendIP(b []byte) []byte {
	x := g.rng.Uint32()
	b = strconv.AppendUint(b, uint64(10+x%200), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(x>>8&0xff), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(x>>16&0xff), 10)
	b = append(b, '.')
	return strconv.AppendUint(b, uint64(1+x>>24%254), 10)
}

// Body renders one event of kind (a known kind; "" draws from the mix) at time now, padded
// with a "pad=" field to at least size bytes when size > 0. The slice is reused.
func (g *EventGen) Body(kind string, now time.Time, size int) []byte {
	if kind == "" {
		kind = g.PickKind()
	}
	t, ok := templates[kind]
	if !ok {
		t = templates[KindSyslog]
	}
	b := g.buf[:0]
	for _, s := range t.segs {
		if s.hole == "" {
			b = append(b, s.lit...)
			continue
		}
		switch s.hole {
		case "ts":
			b = now.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z07:00")
		case "host":
			b = append(b, g.hosts[g.rng.IntN(len(g.hosts))]...)
		case "ip", "ip2":
			b = g.appendIP(b)
		case "port", "port2":
			b = strconv.AppendInt(b, int64(1024+g.rng.IntN(64000)), 10)
		case "user":
			b = append(b, users[g.rng.IntN(len(users))]...)
		case "pid":
			b = strconv.AppendInt(b, int64(100+g.rng.IntN(60000)), 10)
		case "pri":
			b = strconv.AppendInt(b, int64(8*4+g.rng.IntN(8)), 10)
		case "n":
			b = strconv.AppendInt(b, int64(40+g.rng.IntN(1400)), 10)
		case "bytes":
			b = strconv.AppendInt(b, int64(64+g.rng.IntN(1<<20)), 10)
		case "proto":
			b = append(b, protos[g.rng.IntN(len(protos))]...)
		case "action":
			b = append(b, actions[g.rng.IntN(len(actions))]...)
		}
	}
	if size > len(b)+5 {
		b = append(b, " pad="...)
		for len(b) < size {
			b = append(b, 'x')
		}
	}
	g.buf = b
	return b
}

// FillBatch fills batch with n events for source (reusing its Event values): kind "" draws
// each event's kind from the mix; size > 0 is the wanted bytes per event. It returns the
// bytes of event bodies.
func (g *EventGen) FillBatch(batch *agentpb.EventBatch, source uint32, seq uint64, n int, kind string, size int) int {
	batch.Source, batch.Seq = source, seq
	for len(batch.Events) < n {
		batch.Events = append(batch.Events, &agentpb.Event{})
	}
	batch.Events = batch.Events[:n]
	now := time.Now()
	total := 0
	for _, ev := range batch.Events {
		k := kind
		if k == "" {
			k = g.PickKind()
		}
		body := g.Body(k, now, size)
		ev.Id = string(g.NextID())
		ev.Kind = k
		ev.UnixNano = now.UnixNano()
		ev.Body = append(ev.Body[:0], body...)
		total += len(body)
	}
	return total
}

// AppendJSONBatch appends the HTTP JSON form of a batch of n events:
//
//	{"source":17,"seq":3,"events":[{"id":"r-0-1","kind":"syslog","unix_nano":…,"body":"…"},…]}
//
// It returns the extended slice.
func (g *EventGen) AppendJSONBatch(b []byte, source uint32, seq uint64, n int, kind string, size int) []byte {
	now := time.Now()
	b = append(b, `{"source":`...)
	b = strconv.AppendUint(b, uint64(source), 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"events":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		k := kind
		if k == "" {
			k = g.PickKind()
		}
		b = append(b, `{"id":"`...)
		b = append(b, g.NextID()...)
		b = append(b, `","kind":"`...)
		b = appendJSONString(b, k)
		b = append(b, `","unix_nano":`...)
		b = strconv.AppendInt(b, now.UnixNano(), 10)
		b = append(b, `,"body":"`...)
		b = appendJSONString(b, g.Body(k, now, size))
		b = append(b, `"}`...)
	}
	return append(b, "]}"...)
}

const hexDigits = "0123456789abcdef"

func appendJSONString[S ~string | ~[]byte](b []byte, s S) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return b
}
