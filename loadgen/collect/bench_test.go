package collect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// benchBatch is one runner-second as a k6 runner at 1,000 requests/s sends it: three trends of
// 1,000 latencies each (lognormal around 5 ms), their "name" submetric, five counters and rates.
func benchBatch(b *testing.B) *Batch {
	rng := rand.New(rand.NewPCG(1, 2))
	tr := func(metric string, tags map[string]string) Series {
		h := hdrhistogram.New(histLowest, histHighest, histDigits)
		s := Series{Metric: metric, Tags: tags, Type: TypeTrend, IsTime: true, Min: 1e9}
		for range 1000 {
			v := 5 * (0.5 + rng.ExpFloat64()) // ms
			_ = h.RecordValue(int64(v * DefaultScale))
			s.Count++
			s.Sum += v
			s.Min, s.Max = min(s.Min, v), max(s.Max, v)
		}
		enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			b.Fatal(err)
		}
		s.HDR = string(enc)
		return s
	}
	return &Batch{Version: Version, Runner: "r", Segment: "0:1/100", Series: []Series{
		tr("http_req_duration", nil), tr("http_req_duration", map[string]string{"name": "list"}),
		tr("http_req_waiting", nil), tr("iteration_duration", nil),
		{Metric: "http_reqs", Type: TypeCounter, Count: 1000, Sum: 1000},
		{Metric: "http_req_failed", Type: TypeRate, Count: 1000, Sum: 3},
		{Metric: "dropped_iterations", Type: TypeCounter, Count: 1, Sum: 1},
		{Metric: "data_sent", Type: TypeCounter, Count: 1000, Sum: 120000},
		{Metric: "vus", Type: TypeGauge, Count: 1, Last: 10, Min: 10, Max: 10},
	}}
}

// BenchmarkCollector is the collector's merge rate on one core: batches per second through
// POST /v1/batches (JSON decoding, HDR decoding, merging by second and tag, abortOnFail
// evaluation), from 100 runners sending one batch per second each. At one batch per runner
// and second, batches/s is also the number of runners one core holds.
func BenchmarkCollector(b *testing.B) {
	c, err := New(Config{Thresholds: []ThresholdSpec{{Metric: "http_req_duration", Expr: "p(95)<500", AbortOnFail: true}}})
	if err != nil {
		b.Fatal(err)
	}
	h := c.Handler()
	tmpl := benchBatch(b)
	const runners = 100
	bodies := make([][]byte, runners)
	for i := range bodies { // one body per runner; the second is spliced in per request
		tmpl.Runner = fmt.Sprintf("runner-%03d", i)
		tmpl.Second = 0
		j, _ := json.Marshal(tmpl)
		bodies[i] = j
	}
	marker := []byte(`"second":0,`)
	var buf bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		body := bodies[i%runners]
		k := bytes.Index(body, marker)
		buf.Reset()
		buf.Write(body[:k])
		fmt.Fprintf(&buf, `"second":%d,`, 1_800_000_000+i/runners)
		buf.Write(body[k+len(marker):])
		req := httptest.NewRequest(http.MethodPost, PathBatches, &buf)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%d: %s", w.Code, w.Body.String())
		}
	}
	el := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N)/el, "batches/s")
	b.ReportMetric(float64(b.N)*1000/el, "requests-merged/s")
}
