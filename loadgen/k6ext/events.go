package k6ext

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// Event kinds and their typical body sizes (bytes). Syslog lines (RFC 5424) run 150–400 B,
// Windows events rendered as XML 1–2 KB, firewall/netflow records 150–250 B (assumed from
// common collector samples; set options.eventSize to force a size).
var kindTemplates = map[string]string{
	"syslog": `<134>1 2026-11-21T13:44:06.%03dZ host-%d sshd %d - - Accepted publickey for user%d from 10.%d.%d.%d port %d ssh2: RSA SHA256:%016x`,
	"windows": `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}"/>` +
		`<EventID>4624</EventID><Version>2</Version><Level>0</Level><Task>12544</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords>` +
		`<TimeCreated SystemTime="2026-11-21T13:44:06.%03dZ"/><EventRecordID>%d</EventRecordID><Correlation/><Execution ProcessID="%d" ThreadID="%d"/>` +
		`<Channel>Security</Channel><Computer>ws-%d.corp.example</Computer><Security/></System><EventData><Data Name="SubjectUserSid">S-1-5-18</Data>` +
		`<Data Name="TargetUserName">user%d</Data><Data Name="TargetDomainName">CORP</Data><Data Name="LogonType">3</Data>` +
		`<Data Name="IpAddress">10.%d.%d.%d</Data><Data Name="IpPort">%d</Data><Data Name="LogonGuid">{%016x}</Data></EventData></Event>`,
	"netflow": `fw-%d action=allow proto=tcp src=10.%d.%d.%d:%d dst=192.168.%d.%d:443 bytes=%d packets=%d duration_ms=%d rule=%d flow=%016x`,
}

// DefaultKinds is the event mix when options.kinds is empty (weights).
var DefaultKinds = map[string]float64{"syslog": 0.6, "windows": 0.25, "netflow": 0.15}

// bodiesPerKind is how many distinct bodies are pre-built per kind.
const bodiesPerKind = 64

// body is one pre-built event body, raw and as an escaped JSON string literal.
type body struct {
	kind    string
	raw     []byte
	jsonStr []byte // `"…"` with JSON escaping
}

// bodyPool holds pre-built bodies and a precomputed kind sequence following the mix.
type bodyPool struct {
	bodies []body // bodiesPerKind per kind, kinds sorted by name
	order  []int  // index into bodies, cycled through: the mix, shuffled
}

func newBodyPool(kinds map[string]float64, size int, seed uint64) (*bodyPool, error) {
	if len(kinds) == 0 {
		kinds = DefaultKinds
	}
	names := make([]string, 0, len(kinds))
	var total float64
	for k, w := range kinds {
		if _, ok := kindTemplates[k]; !ok {
			return nil, fmt.Errorf("unknown event kind %q (known: syslog, windows, netflow)", k)
		}
		if !(w >= 0) {
			return nil, fmt.Errorf("kind %q: weight %v must be ≥ 0", k, w)
		}
		names = append(names, k)
		total += w
	}
	if total <= 0 {
		return nil, fmt.Errorf("kinds: weights sum to %v, want > 0", total)
	}
	if size < 0 || size > 1<<20 {
		return nil, fmt.Errorf("eventSize %d out of range 0 … 1 MiB", size)
	}
	sort.Strings(names)
	rng := rand.New(rand.NewPCG(seed, 0xca95))
	p := &bodyPool{}
	for _, k := range names {
		for range bodiesPerKind {
			raw := []byte(render(k, rng))
			if size > 0 {
				raw = fitSize(raw, size)
			}
			js, _ := json.Marshal(string(raw))
			p.bodies = append(p.bodies, body{kind: k, raw: raw, jsonStr: js})
		}
	}
	// 1000 slots give the mix to 0.1 %.
	const slots = 1000
	for ki, k := range names {
		n := int(kinds[k]/total*slots + 0.5)
		for j := range n {
			p.order = append(p.order, ki*bodiesPerKind+j%bodiesPerKind)
		}
	}
	if len(p.order) == 0 {
		p.order = append(p.order, 0)
	}
	rng.Shuffle(len(p.order), func(i, j int) { p.order[i], p.order[j] = p.order[j], p.order[i] })
	return p, nil
}

func render(kind string, r *rand.Rand) string {
	n := func(m int) int { return r.IntN(m) }
	switch kind {
	case "syslog":
		return fmt.Sprintf(kindTemplates[kind], n(1000), n(500), n(65535), n(5000), n(256), n(256), n(256), 1024+n(60000), r.Uint64())
	case "windows":
		return fmt.Sprintf(kindTemplates[kind], n(1000), n(1<<30), n(9000), n(9000), n(2000), n(5000), n(256), n(256), n(256), 1024+n(60000), r.Uint64())
	default:
		return fmt.Sprintf(kindTemplates[kind], n(8), n(256), n(256), n(256), 1024+n(60000), n(256), n(256), n(1<<20), n(1000), n(60000), n(200), r.Uint64())
	}
}

// fitSize pads (with a key=value filler) or truncates raw to exactly size bytes.
func fitSize(raw []byte, size int) []byte {
	if len(raw) >= size {
		return raw[:size]
	}
	return append(raw, (" pad=" + strings.Repeat("x", size))[:size-len(raw)]...)
}
