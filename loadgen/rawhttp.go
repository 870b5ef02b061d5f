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
// proxy, no redirects (a 3xx answer is a success as received; nothing else is fetched).
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
	tot := 0.0
	for _, m := range mix {
		if !(m.Weight > 0) {
			return nil, fmt.Errorf("loadgen: API mix %q: weight must be > 0", m.Name)
		}
		tot += m.Weight
		t.cum = append(t.cum, tot)
	}
	for i := range t.cum {
		t.cum[i] /= tot
	}
	return t, nil
}

type rawVU struct {
	t    *RawHTTPAPI
	rng  *rand.Rand
	conn net.Conn
	br   *bufio.Reader
	req  []byte
	stop func() bool
}

// NewVU implements Target: it dials the VU's connection now.
func (t *RawHTTPAPI) NewVU(id int) (VU, error) {
	v := &rawVU{t: t, rng: rand.New(rand.NewPCG(t.Seed, uint64(id))), br: bufio.NewReaderSize(nil, 4096)}
	if err := v.dial(context.Background()); err != nil {
		return nil, err
	}
	return v, nil
}

func (v *rawVU) dial(ctx context.Context) error {
	c, err := v.t.guard.Dialer().DialContext(ctx, "tcp", v.t.addr)
	if err != nil {
		return err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	v.conn = c
	v.br.Reset(c)
	return nil
}

func (v *rawVU) drop() {
	if v.stop != nil {
		v.stop()
		v.stop = nil
	}
	if v.conn != nil {
		_ = v.conn.Close()
		v.conn = nil
	}
}

// Close implements io.Closer.
func (v *rawVU) Close() error {
	v.drop()
	return nil
}

func (v *rawVU) pick(kind string) *APIRequest {
	if kind != "" {
		for i := range v.t.Mix {
			if v.t.Mix[i].Name == kind {
				return &v.t.Mix[i]
			}
		}
	}
	u := v.rng.Float64()
	for i, c := range v.t.cum {
		if u < c {
			return &v.t.Mix[i]
		}
	}
	return &v.t.Mix[len(v.t.Mix)-1]
}

// Do implements VU.
func (v *rawVU) Do(ctx context.Context, h *Hit) error {
	m := v.pick(h.Kind)
	h.Kind = m.Name
	if v.conn == nil {
		if err := v.dial(ctx); err != nil {
			return err
		}
	}
	if v.stop == nil {
		c := v.conn
		v.stop = context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	}
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
	_ = v.conn.SetDeadline(h.Deadline)
	if _, err := v.conn.Write(b); err != nil {
		v.drop()
		return err
	}
	status, keep, err := readResponse(v.br)
	h.Status = status
	if err != nil || !keep {
		v.drop()
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	if status >= 400 {
		return StatusError{status}
	}
	return nil
}

var errBadResponse = errors.New("loadgen: malformed HTTP response")

// readResponse reads one HTTP/1.1 response, discarding the body. keep is false when the
// connection cannot be reused.
func readResponse(br *bufio.Reader) (status int, keep bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, errBadResponse
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, errBadResponse
	}
	keep = line[7] == '1'
	clen, chunked := int64(-1), false
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return status, false, err
		}
		if len(line) <= 2 {
			break
		}
		k, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return status, false, errBadResponse
		}
		val = bytes.TrimSpace(val)
		switch {
		case asciiEqualFold(k, "content-length"):
			clen, err = strconv.ParseInt(string(val), 10, 64)
			if err != nil || clen < 0 {
				return status, false, errBadResponse
			}
		case asciiEqualFold(k, "transfer-encoding"):
			chunked = bytes.Contains(bytes.ToLower(val), []byte("chunked"))
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
				return status, false, err
			}
			semi := bytes.IndexByte(line, ';')
			if semi < 0 {
				semi = len(line)
			}
			n, perr := strconv.ParseInt(string(bytes.TrimSpace(line[:semi])), 16, 64)
			if perr != nil || n < 0 {
				return status, false, errBadResponse
			}
			if n == 0 {
				for { // trailers
					line, err = br.ReadSlice('\n')
					if err != nil {
						return status, false, err
					}
					if len(line) <= 2 {
						break
					}
				}
				break
			}
			if _, err = br.Discard(int(n) + 2); err != nil {
				return status, false, err
			}
		}
	case clen >= 0:
		if _, err = br.Discard(int(clen)); err != nil {
			return status, false, err
		}
	default: // body until close
		_, err = io.Copy(io.Discard, br)
		return status, false, err
	}
	return status, keep, nil
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
