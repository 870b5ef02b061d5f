package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/capsim/capsim/loadgen"
)

// Status is the answer of GET /v1/status: the runners, the merged accounting and the
// thresholds evaluated on the merged data so far.
type Status struct {
	Runners    []RunnerReport            `json:"runners"`
	Counts     loadgen.Counts            `json:"counts"`
	ElapsedS   float64                   `json:"elapsed_s"`
	Stop       string                    `json:"stop,omitempty"`
	Thresholds []loadgen.ThresholdResult `json:"thresholds,omitempty"`
}

// Status returns the collection's state now.
func (c *Collector) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.snapshotLocked()
	st := Status{Runners: c.runnersLocked(c.now()), Counts: s.Counts, ElapsedS: s.Elapsed.Seconds(), Stop: c.stop.Reason}
	for _, t := range c.thresholds {
		st.Thresholds = append(st.Thresholds, t.Eval(s))
	}
	return st
}

// Handler serves POST /v1/batches (a JSON Batch; the answer is a JSON Reply, 400 for a bad
// batch) and GET /v1/status.
func (c *Collector) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathBatches, func(w http.ResponseWriter, r *http.Request) {
		var b Batch
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBatchBytes))
		if err := dec.Decode(&b); err != nil {
			http.Error(w, "collect: batch: "+err.Error(), http.StatusBadRequest)
			return
		}
		rep, err := c.Add(&b)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, rep)
	})
	mux.HandleFunc("GET "+PathStatus, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, c.Status()) })
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// Client sends batches to a collector.
type Client struct {
	url  string
	http *http.Client
	// Retries is how many times a batch is sent again after a network error or a 5xx answer
	// (the collector counts a batch it already has once).
	Retries int
}

// DefaultRetries is Client.Retries' default: with the back-off (0.2 s doubling to 3.2 s) a
// batch is retried for about 6 s.
const DefaultRetries = 5

// NewClient returns a client of the collector at base ("http://host:port").
func NewClient(base string) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("collect: collector URL %q: want http://host:port", base)
	}
	u.Path = strings.TrimRight(u.Path, "/") + PathBatches
	tr := &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second}
	return &Client{url: u.String(), Retries: DefaultRetries, http: &http.Client{Transport: tr, Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, nil
}

// Ping asks the collector for its status until it answers or ctx ends.
func (c *Client) Ping(ctx context.Context) error {
	u := strings.TrimSuffix(c.url, PathBatches) + PathStatus
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return fmt.Errorf("collect: %w", err)
		}
		resp, err := c.http.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s", resp.Status)
		}
		t := time.NewTimer(250 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("collect: collector %s does not answer: %w", u, err)
		case <-t.C:
		}
	}
}

// Send posts b and returns the collector's reply, retrying network errors and 5xx answers.
func (c *Client) Send(ctx context.Context, b *Batch) (Reply, error) {
	body, err := json.Marshal(b)
	if err != nil {
		return Reply{}, fmt.Errorf("collect: %w", err)
	}
	backoff := 200 * time.Millisecond
	var last error
	for attempt := 0; attempt <= c.Retries; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return Reply{}, errors.Join(last, ctx.Err())
			case <-t.C:
			}
			backoff *= 2
		}
		rep, retry, err := c.post(ctx, body)
		if err == nil {
			return rep, nil
		}
		last = err
		if !retry {
			break
		}
	}
	return Reply{}, last
}

func (c *Client) post(ctx context.Context, body []byte) (Reply, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return Reply{}, false, fmt.Errorf("collect: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return Reply{}, ctx.Err() == nil, fmt.Errorf("collect: send to %s: %w", c.url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return Reply{}, resp.StatusCode >= 500, fmt.Errorf("collect: %s: %s: %s", c.url, resp.Status, strings.TrimSpace(string(b)))
	}
	var rep Reply
	if err := json.Unmarshal(b, &rep); err != nil {
		return Reply{}, false, fmt.Errorf("collect: reply from %s: %w", c.url, err)
	}
	return rep, false, nil
}

// Sender sends batches in order from its own goroutine, so a runner never waits for the
// collector while it measures. Replies go to onReply.
type Sender struct {
	c       *Client
	q       chan *Batch
	onReply func(Reply)
	done    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc

	mu     sync.Mutex
	errs   []error
	failed int
}

// NewSender starts a sender with room for queue batches; onReply may be nil.
func NewSender(c *Client, queue int, onReply func(Reply)) *Sender {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sender{c: c, q: make(chan *Batch, max(queue, 1)), onReply: onReply, done: make(chan struct{}), ctx: ctx, cancel: cancel}
	go s.loop()
	return s
}

func (s *Sender) loop() {
	defer close(s.done)
	for b := range s.q {
		rep, err := s.c.Send(s.ctx, b)
		if err != nil {
			s.mu.Lock()
			s.failed++
			if len(s.errs) < 5 {
				s.errs = append(s.errs, fmt.Errorf("second %d part %d: %w", b.Second, b.Part, err))
			}
			s.mu.Unlock()
			continue
		}
		if s.onReply != nil {
			s.onReply(rep)
		}
	}
}

// Send queues b (blocking while the queue is full).
func (s *Sender) Send(b *Batch) { s.q <- b }

// Close sends what is queued, waiting until ctx ends at the latest, and returns the batches that
// could not be delivered as an error.
func (s *Sender) Close(ctx context.Context) error {
	close(s.q)
	select {
	case <-s.done:
	case <-ctx.Done():
		s.cancel()
		<-s.done
	}
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed > 0 {
		return fmt.Errorf("collect: %d batch(es) not delivered: %w", s.failed, errors.Join(s.errs...))
	}
	return nil
}
