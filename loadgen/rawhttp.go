package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// RawHTTPAPI is API traffic over a lean HTTP/1.1 client in the manner of wrk: every VU owns
// one keep-alive connection, dialed through the Guard when the VU is made (so pre-allocated
// VUs start with warm connections), writes pre-built requests and parses only the status
// line, Content-Length, chunked bodies and Connection: close. No goroutine per connection, no
// proxy, no redirects (a 3xx answer is a failure, as in every client: see statusOK).
// Plain http:// only; use HTTPAPI for https.
type RawHTTPAPI struct {
	addr  string // host:port to dial
	host  string // Host header
	base  string // path prefix of the base URL
	Mix   []APIRequest
	Seed  uint64
	guard *Guard
	cum   []float64
}

var _ Target = (*RawHTTPAPI)(nil)

// NewRawHTTPAPI checks base (http://host:port[/prefix]) and the mix.
func NewRawHTTPAPI(base string, mix []APIRequest, guard *Guard, seed uint64) (*RawHTTPAPI, error) {
	if guard == nil {
		return nil, errors.New("loadgen: RawHTTPAPI needs a Guard")
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("loadgen: raw HTTP base %q: want http://host:port", base)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	if len(mix) == 0 {
		mix = DefaultAPIMix
	}
	t := &RawHTTPAPI{addr: addr, host: u.Host, base: strings.TrimRight(u.Path, "/"), Mix: mix, Seed: seed, guard: guard}
	cum, err := cumWeights(mix)
	if err != nil {
		return nil, err
	}
	t.cum = cum
	return t, nil
}

// rawConn is one keep-alive HTTP/1.1 connection through the Guard.
type rawConn struct {
	guard *Guard
	addr  string
	conn  net.Conn
	br    *bufio.Reader
	stop  func() bool
	bo    backoff // redials of a lost connection
}

func newRawConn(g *Guard, addr string) (*rawConn, error) {
	c := &rawConn{guard: g, addr: addr, br: bufio.NewReaderSize(nil, 4096)}
	if err := c.dial(context.Background()); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *rawConn) dial(ctx context.Context) error {
	nc, err := c.guard.Dialer().DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return err
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	c.conn = nc
	c.br.Reset(nc)
	return nil
}

func (c *rawConn) drop() {
	if c.stop != nil {
		c.stop()
		c.stop = nil
	}
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}

// Close implements io.Closer.
func (c *rawConn) Close() error {
	c.drop()
	return nil
}

// roundTrip writes req and reads the answer, redialing a dropped connection first (with
// backoff after a failed redial: until the next attempt is due, it fails at once with the
// last dial error). A canceled ctx ends a blocked read at once.
func (c *rawConn) roundTrip(ctx context.Context, req []byte, deadline time.Time) (status, accepted int, err error) {
	if c.conn == nil {
		now := time.Now()
		if err := c.bo.blocked(now); err != nil {
			return 0, -1, err
		}
		if err := c.dial(ctx); err != nil {
			if ctx.Err() == nil {
				c.bo.failed(now, err)
			}
			return 0, -1, err
		}
		c.bo.ok()
	}
	if c.stop == nil {
		nc := c.conn
		c.stop = context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	}
	_ = c.conn.SetDeadline(deadline)
	if _, err := c.conn.Write(req); err != nil {
		c.drop()
		if ctx.Err() != nil {
			return 0, -1, ctx.Err()
		}
		return 0, -1, err
	}
	status, keep, accepted, err := readResponseAcc(c.br)
	if err != nil || !keep {
		c.drop()
	}
	if err != nil && ctx.Err() != nil {
		return status, accepted, ctx.Err()
	}
	return status, accepted, err
}

type rawVU struct {
	*rawConn
	t   *RawHTTPAPI
	rng *rand.Rand
	req []byte
}

// NewVU implements Target: it dials the VU's connection now.
func (t *RawHTTPAPI) NewVU(id int) (VU, error) {
	c, err := newRawConn(t.guard, t.addr)
	if err != nil {
		return nil, err
	}
	return &rawVU{rawConn: c, t: t, rng: rand.New(rand.NewPCG(t.Seed, uint64(id)))}, nil
}

func (v *rawVU) pick(kind string) *APIRequest { return pickAPI(v.t.Mix, v.t.cum, v.rng, kind) }

// Do implements VU.
func (v *rawVU) Do(ctx context.Context, h *Hit) error {
	m := v.pick(h.Kind)
	h.Kind = m.Name
	b := append(v.req[:0], m.Method...)
	b = append(b, ' ')
	b = append(b, v.t.base...)
	if i := strings.Index(m.Path, "{q}"); i >= 0 {
		b = append(b, m.Path[:i]...)
		b = append(b, searchTerms[v.rng.IntN(len(searchTerms))]...)
		b = append(b, m.Path[i+3:]...)
	} else {
		b = append(b, m.Path...)
	}
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, v.t.host...)
	b = append(b, "\r\nUser-Agent: capsim-loadgen\r\n"...)
	if m.Body != "" {
		body := m.Body
		n := strings.Count(body, "{n}")
		clen := len(body) - 3*n
		seq := strconv.AppendUint(nil, h.Seq, 10) // small; only for write requests
		clen += n * len(seq)
		if m.ContentType != "" {
			b = append(b, "Content-Type: "...)
			b = append(b, m.ContentType...)
			b = append(b, "\r\n"...)
		}
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(clen), 10)
		b = append(b, "\r\n\r\n"...)
		for {
			i := strings.Index(body, "{n}")
			if i < 0 {
				break
			}
			b = append(b, body[:i]...)
			b = append(b, seq...)
			body = body[i+3:]
		}
		b = append(b, body...)
		h.BytesSent = clen
	} else {
		b = append(b, "\r\n"...)
	}
	v.req = b
	status, _, err := v.roundTrip(ctx, b, h.Deadline)
	h.Status = status
	if err != nil {
		return err
	}
	if !statusOK(status) {
		return StatusError{status}
	}
	return nil
}

var errBadResponse = errors.New("loadgen: malformed HTTP response")

// readResponse reads one HTTP/1.1 response, discarding the body. keep is false when the
// connection cannot be reused.
func readResponse(br *bufio.Reader) (status int, keep bool, err error) {
	status, keep, _, err = readResponseAcc(br)
	return status, keep, err
}

// readResponseAcc is readResponse that also returns the X-Accepted header's value (-1 when
// absent).
func readResponseAcc(br *bufio.Reader) (status int, keep bool, accepted int, err error) {
	accepted = -1
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, accepted, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, accepted, errBadResponse
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, accepted, errBadResponse
	}
	keep = line[7] == '1'
	clen, chunked := int64(-1), false
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return status, false, accepted, err
		}
		if len(line) <= 2 {
			break
		}
		k, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return status, false, accepted, errBadResponse
		}
		val = bytes.TrimSpace(val)
		switch {
		case asciiEqualFold(k, "content-length"):
			clen, err = strconv.ParseInt(string(val), 10, 64)
			if err != nil || clen < 0 {
				return status, false, accepted, errBadResponse
			}
		case asciiEqualFold(k, "transfer-encoding"):
			chunked = bytes.Contains(bytes.ToLower(val), []byte("chunked"))
		case asciiEqualFold(k, "x-accepted"):
			if a, e := strconv.Atoi(string(val)); e == nil {
				accepted = a
			}
		case asciiEqualFold(k, "connection"):
			if asciiEqualFold(val, "close") {
				keep = false
			}
		}
	}
	switch {
	case status/100 == 1 || status == 204 || status == 304:
	case chunked:
		for {
			line, err = br.ReadSlice('\n')
			if err != nil {
				return status, false, accepted, err
			}
			semi := bytes.IndexByte(line, ';')
			if semi < 0 {
				semi = len(line)
			}
			n, perr := strconv.ParseInt(string(bytes.TrimSpace(line[:semi])), 16, 64)
			if perr != nil || n < 0 {
				return status, false, accepted, errBadResponse
			}
			if n == 0 {
				for { // trailers
					line, err = br.ReadSlice('\n')
					if err != nil {
						return status, false, accepted, err
					}
					if len(line) <= 2 {
						break
					}
				}
				break
			}
			if _, err = br.Discard(int(n) + 2); err != nil {
				return status, false, accepted, err
			}
		}
	case clen >= 0:
		if _, err = br.Discard(int(clen)); err != nil {
			return status, false, accepted, err
		}
	default: // body until close
		_, err = io.Copy(io.Discard, br)
		return status, false, accepted, err
	}
	return status, keep, accepted, nil
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// RawHTTPIngest is agent traffic as HTTP JSON batches (see HTTPIngest) over the lean client:
// one warm keep-alive connection per VU, the batch built into a reused buffer. Plain http://
// only.
type RawHTTPIngest struct {
	addr, host, path string
	Batch            int
	Mix              []KindWeight
	Run              string
	Seed             uint64
	guard            *Guard
}

var _ Target = (*RawHTTPIngest)(nil)

// NewRawHTTPIngest builds the target for an http://host:port/path URL.
func NewRawHTTPIngest(rawURL string, batch int, mix []KindWeight, guard *Guard, run string, seed uint64) (*RawHTTPIngest, error) {
	if guard == nil {
		return nil, errors.New("loadgen: RawHTTPIngest needs a Guard")
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("loadgen: raw ingest URL %q: want http://host:port/path", rawURL)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	if batch <= 0 {
		batch = 1
	}
	if _, err := NewEventGen(run, 0, seed, mix); err != nil {
		return nil, err
	}
	path := u.RequestURI()
	return &RawHTTPIngest{addr: addr, host: u.Host, path: path, Batch: batch, Mix: mix, Run: run, Seed: seed, guard: guard}, nil
}

type rawIngestVU struct {
	*rawConn
	t    *RawHTTPIngest
	gen  *EventGen
	body []byte
	req  []byte
	seq  uint64
}

// NewVU implements Target: it dials the VU's connection now.
func (t *RawHTTPIngest) NewVU(id int) (VU, error) {
	g, err := NewEventGen(t.Run, id, t.Seed, t.Mix)
	if err != nil {
		return nil, err
	}
	c, err := newRawConn(t.guard, t.addr)
	if err != nil {
		return nil, err
	}
	return &rawIngestVU{rawConn: c, t: t, gen: g}, nil
}

// Do implements VU.
func (v *rawIngestVU) Do(ctx context.Context, h *Hit) error {
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
	v.body = v.gen.AppendJSONBatch(v.body[:0], src, v.seq, n, h.Kind, size)
	v.seq++
	b := append(v.req[:0], "POST "...)
	b = append(b, v.t.path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, v.t.host...)
	b = append(b, "\r\nUser-Agent: capsim-loadgen\r\nContent-Type: application/json\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(v.body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, v.body...)
	v.req = b
	h.BytesSent, h.EventsSent = len(v.body), n
	status, acc, err := v.roundTrip(ctx, b, h.Deadline)
	h.Status = status
	if err != nil {
		return err
	}
	if !statusOK(status) {
		return StatusError{status}
	}
	if acc >= 0 {
		h.EventsAcked = acc
	}
	return nil
}
