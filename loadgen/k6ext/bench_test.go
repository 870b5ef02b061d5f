package k6ext

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/grafana/sobek"

	"github.com/capsim/capsim/loadgen"
)

// The per-event work the extension moves out of JavaScript: building and encoding a batch of
// 100 events in Go (loadgen.EventGen, what fleet.send() does) against the same batch built in
// k6's JavaScript engine (sobek) with the code of fixtures/k6/agents_plain.js. Both report
// events/s of one goroutine; the ratio is the extension's advantage before any I/O.
//
//	go test -run x -bench BatchBuild ./loadgen/k6ext/
const benchBatch = 100

func BenchmarkBatchBuildGo(b *testing.B) {
	gen, err := loadgen.NewEventGen("bench", 0, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = gen.AppendJSONBatch(buf[:0], uint32(i%500), uint64(i), benchBatch, "", 0)
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(len(buf))/benchBatch, "B/event")
}

// plainJS is agents_plain.js's batch building (exec.vu.idInTest replaced by a constant).
const plainJS = `
const kinds = ['syslog', 'syslog', 'syslog', 'syslog', 'syslog', 'windows', 'windows', 'firewall', 'firewall', 'netflow'];
const users = ['admin', 'root', 'jdoe', 'asmith', 'backup', 'oracle', 'postgres', 'svc_web', 'ftpuser', 'test'];
const runId = 'bench'; const vu = 1; const seqs = {}; let n = 0;
function ip() {
  return ` + "`${10 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`" + `;
}
function body(kind, ts) {
  const port = 1024 + Math.floor(Math.random() * 64000);
  switch (kind) {
    case 'windows':
      return ` + "`<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider Name=\"Microsoft-Windows-Security-Auditing\"/><EventID>4624</EventID><TimeCreated SystemTime=\"${ts}\"/><Computer>srv-${vu % 100}</Computer></System><EventData><Data Name=\"TargetUserName\">${users[Math.floor(Math.random() * users.length)]}</Data><Data Name=\"IpAddress\">${ip()}</Data><Data Name=\"IpPort\">${port}</Data><Data Name=\"LogonType\">3</Data></EventData></Event>`" + `;
    case 'firewall':
      return ` + "`${ts} fw01 kernel: action=${Math.random() < 0.75 ? 'allow' : 'deny'} proto=TCP src=${ip()} spt=${port} dst=${ip()} dpt=443 len=${40 + Math.floor(Math.random() * 1400)}`" + `;
    case 'netflow':
      return ` + "`{\"ts\":\"${ts}\",\"src\":\"${ip()}\",\"dst\":\"${ip()}\",\"sport\":${port},\"dport\":443,\"proto\":\"TCP\",\"bytes\":${64 + Math.floor(Math.random() * 1048576)},\"packets\":${40 + Math.floor(Math.random() * 1400)}}`" + `;
    default:
      return ` + "`<${32 + Math.floor(Math.random() * 8)}>1 ${ts} srv-${vu % 100} sshd ${100 + Math.floor(Math.random() * 60000)} - - Accepted password for ${users[Math.floor(Math.random() * users.length)]} from ${ip()} port ${port} ssh2`" + `;
  }
}
function build(it, batch) {
  const source = it % 500;
  const seq = seqs[source] || 0;
  seqs[source] = seq + 1;
  const now = Date.now();
  const ts = new Date(now).toISOString();
  const evs = new Array(batch);
  for (let i = 0; i < batch; i++) {
    const kind = kinds[Math.floor(Math.random() * kinds.length)];
    evs[i] = { id: ` + "`${runId}-${vu}-${n++}`" + `, kind: kind, unix_nano: now * 1e6, body: body(kind, ts) };
  }
  return JSON.stringify({ source: source, seq: seq, events: evs });
}
`

func BenchmarkBatchBuildJS(b *testing.B) {
	rt := sobek.New()
	if _, err := rt.RunString(plainJS); err != nil {
		b.Fatal(err)
	}
	build, ok := sobek.AssertFunction(rt.Get("build"))
	if !ok {
		b.Fatal("build is not a function")
	}
	var size int
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v, err := build(sobek.Undefined(), rt.ToValue(i), rt.ToValue(benchBatch))
		if err != nil {
			b.Fatal(err)
		}
		size = len(v.String())
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(size)/benchBatch, "B/event")
}

// BenchmarkFleetSend is fleet.send() end to end through the JS module (batch of 100, HTTP JSON)
// against an in-process server that discards the body: events/s of one VU, server included.
func BenchmarkFleetSend(b *testing.B) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = r.Body.Read(make([]byte, 64<<10))
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hs.Close()
	k := newK6(b)
	k.mustRun(fmt.Sprintf(`var fleet = new capsim.Fleet({target: %q, batchSize: %d})`, hs.URL, benchBatch))
	k.toVU()
	send, _ := sobek.AssertFunction(k.mustRun(`(function () { return fleet.send().ok; })`))
	go func() { // drain the samples channel
		for range k.samples {
		}
	}()
	for b.Loop() {
		v, err := send(sobek.Undefined())
		if err != nil || !v.ToBoolean() {
			b.Fatalf("send: %v %v", v, err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "events/s")
}
