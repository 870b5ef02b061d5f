package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
)

// StatusError is an HTTP answer with a status ≥ 400 (a failed hit).
type StatusError struct{ Code int }

func (e StatusError) Error() string { return "http status " + strconv.Itoa(e.Code) }

// statusOK is the success rule of every HTTP client: a 2xx answer. A 3xx is a failure (and is
// never followed: its target would answer for a request it was not sent); k6 counts 200–399
// as expected by default, capsim does not.
func statusOK(code int) bool { return code >= 200 && code < 300 }

// noRedirect makes a net/http client return a redirect as the answer.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// APIRequest is one class of an API request mix.
type APIRequest struct {
	Name   string
	Weight float64
	Method string
	// Path is appended to the base URL; "{q}" is replaced by a search term drawn per hit.
	Path string
	// Body is sent with POST/PUT; "{n}" is replaced by the hit's sequence number.
	Body        string
	ContentType string
}

// DefaultAPIMix is the API mix used when a scenario gives none: list 60 %, search 30 %,
// write 10 % (assumed; a read-heavy REST API like the Changemaker API of seed 004).
var DefaultAPIMix = []APIRequest{
	{Name: "list", Weight: 0.6, Method: http.MethodGet, Path: "/api/items?limit=50"},
	{Name: "search", Weight: 0.3, Method: http.MethodGet, Path: "/api/search?q={q}&limit=20"},
	{Name: "write", Weight: 0.1, Method: http.MethodPost, Path: "/api/items",
		Body: `{"title":"item {n}","status":"open","tags":["capsim","load"]}`, ContentType: "application/json"},
}

var searchTerms = []string{"failed+password", "sshd", "4624", "UFW+BLOCK", "deny", "admin", "10.0.0.1", "error", "timeout", "login"}

// HTTPAPI is API traffic: each hit is one request drawn from Mix (or the class named by
// Hit.Kind) against Base (e.g. "http://127.0.0.1:8080"). Connections go through Guard.
type HTTPAPI struct {
	Base   string
	Mix    []APIRequest
	Seed   uint64
	client *http.Client
	cum    []float64
}

var _ Target = (*HTTPAPI)(nil)

// NewHTTPAPI checks the mix and builds a client through guard with up to conns connections.
func NewHTTPAPI(base string, mix []APIRequest, guard *Guard, conns int, seed uint64) (*HTTPAPI, error) {
	if guard == nil {
		return nil, errors.New("loadgen: HTTPAPI needs a Guard")
	}
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("loadgen: API base %q must start with http:// or https://", base)
	}
	if len(mix) == 0 {
		mix = DefaultAPIMix
	}
	client := guard.HTTPClient(conns)
	client.CheckRedirect = noRedirect
	t := &HTTPAPI{Base: strings.TrimRight(base, "/"), Mix: mix, Seed: seed, client: client}
	cum, err := cumWeights(mix)
	if err != nil {
		return nil, err
	}
	t.cum = cum
	return t, nil
}

type apiVU struct {
	t    *HTTPAPI
	rng  *rand.Rand
	body bytes.Reader
	buf  []byte
}

// NewVU implements Target.
func (t *HTTPAPI) NewVU(id int) (VU, error) {
	return &apiVU{t: t, rng: rand.New(rand.NewPCG(t.Seed, uint64(id)))}, nil
}

func (v *apiVU) pick(kind string) *APIRequest { return pickAPI(v.t.Mix, v.t.cum, v.rng, kind) }

// Do implements VU.
func (v *apiVU) Do(ctx context.Context, h *Hit) error {
	m := v.pick(h.Kind)
	h.Kind = m.Name
	url := v.t.Base + m.Path
	if strings.Contains(url, "{q}") {
		url = strings.Replace(url, "{q}", searchTerms[v.rng.IntN(len(searchTerms))], 1)
	}
	var body io.Reader
	if m.Body != "" {
		v.buf = append(v.buf[:0], m.Body...)
		if i := bytes.Index(v.buf, []byte("{n}")); i >= 0 {
			v.buf = append(v.buf[:i], append(strconv.AppendUint(nil, h.Seq, 10), m.Body[i+3:]...)...)
		}
		v.body.Reset(v.buf)
		body = &v.body
		h.BytesSent = len(v.buf)
	}
	ctx, cancel := context.WithDeadline(ctx, h.Deadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, m.Method, url, body)
	if err != nil {
		return err
	}
	if m.ContentType != "" {
		req.Header.Set("Content-Type", m.ContentType)
	}
	return doHTTP(v.t.client, req, h)
}

func doHTTP(c *http.Client, req *http.Request, h *Hit) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	h.Status = resp.StatusCode
	if !statusOK(resp.StatusCode) {
		return StatusError{resp.StatusCode}
	}
	return err
}

// HTTPIngest is agent traffic over HTTP: each hit POSTs one JSON batch (see
// EventGen.AppendJSONBatch) of Batch events (or Hit.Events) to URL. The server's
// "X-Accepted" answer header gives the events acknowledged.
type HTTPIngest struct {
	URL    string
	Batch  int
	Mix    []KindWeight
	Run    string
	Seed   uint64
	client *http.Client
}

var _ Target = (*HTTPIngest)(nil)

// NewHTTPIngest builds the target; run prefixes every event id (make it unique per run).
func NewHTTPIngest(url string, batch int, mix []KindWeight, guard *Guard, conns int, run string, seed uint64) (*HTTPIngest, error) {
	if guard == nil {
		return nil, errors.New("loadgen: HTTPIngest needs a Guard")
	}
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return nil, fmt.Errorf("loadgen: ingest URL %q must start with http:// or https://", url)
	}
	if batch <= 0 {
		batch = 1
	}
	if _, err := NewEventGen(run, 0, seed, mix); err != nil {
		return nil, err
	}
	client := guard.HTTPClient(conns)
	client.CheckRedirect = noRedirect
	return &HTTPIngest{URL: url, Batch: batch, Mix: mix, Run: run, Seed: seed, client: client}, nil
}

type ingestVU struct {
	t    *HTTPIngest
	gen  *EventGen
	buf  []byte
	body bytes.Reader
	seq  uint64
}

// NewVU implements Target.
func (t *HTTPIngest) NewVU(id int) (VU, error) {
	g, err := NewEventGen(t.Run, id, t.Seed, t.Mix)
	if err != nil {
		return nil, err
	}
	return &ingestVU{t: t, gen: g}, nil
}

// Do implements VU.
func (v *ingestVU) Do(ctx context.Context, h *Hit) error {
	n := h.Events
	if n <= 0 {
		n = v.t.Batch
	}
	size := 0
	if h.Size > 0 {
		size = h.Size / n
	}
	src := h.Source
	if src == 0 {
		src = uint32(h.VU)
	}
	h.FirstEvent = v.gen.n
	v.buf = v.gen.AppendJSONBatch(v.buf[:0], src, v.seq, n, h.Kind, size)
	v.seq++
	v.body.Reset(v.buf)
	h.BytesSent, h.EventsSent = len(v.buf), n
	ctx, cancel := context.WithDeadline(ctx, h.Deadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.t.URL, &v.body)
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(v.buf))
	req.Header.Set("Content-Type", "application/json")
	resp, err := v.t.client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	h.Status = resp.StatusCode
	if !statusOK(resp.StatusCode) {
		return StatusError{resp.StatusCode}
	}
	if a, e := strconv.Atoi(resp.Header.Get("X-Accepted")); e == nil {
		h.EventsAcked = a
	}
	return err
}

// cumWeights is the cumulative distribution of a request mix's weights (last = 1).
func cumWeights(mix []APIRequest) ([]float64, error) {
	cum := make([]float64, 0, len(mix))
	tot := 0.0
	for _, m := range mix {
		if !(m.Weight > 0) {
			return nil, fmt.Errorf("loadgen: API mix %q: weight must be > 0", m.Name)
		}
		tot += m.Weight
		cum = append(cum, tot)
	}
	for i := range cum {
		cum[i] /= tot
	}
	return cum, nil
}

// pickAPI is the request of the given kind, or one drawn from the mix by weight.
func pickAPI(mix []APIRequest, cum []float64, rng *rand.Rand, kind string) *APIRequest {
	if kind != "" {
		for i := range mix {
			if mix[i].Name == kind {
				return &mix[i]
			}
		}
	}
	u := rng.Float64()
	for i, c := range cum {
		if u < c {
			return &mix[i]
		}
	}
	return &mix[len(mix)-1]
}
