package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrDisallowedTarget is returned (wrapped) when a dial would reach an address the Guard does
// not allow.
var ErrDisallowedTarget = errors.New("loadgen: target address not allowed (only 127.0.0.0/8 and ::1 by default; use --allow-host)")

// Guard decides which addresses load may be sent to. By default only loopback (127.0.0.0/8,
// ::1). The check is made on the IP address a dial resolved, in net.Dialer.Control, i.e.
// before the socket connects: a rejected dial sends no packet. Safe for concurrent use.
type Guard struct {
	mu       sync.RWMutex
	prefixes []netip.Prefix

	// Allowed and Rejected count dials that passed and were refused by the Control hook.
	Allowed  atomic.Uint64
	Rejected atomic.Uint64
}

// NewGuard returns a guard allowing loopback plus every entry of allow: an IP, a CIDR prefix,
// or a host name (resolved now; every address it resolves to is allowed).
func NewGuard(allow ...string) (*Guard, error) {
	g := &Guard{prefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	var errs []error
	for _, a := range allow {
		if err := g.Allow(a); err != nil {
			errs = append(errs, err)
		}
	}
	return g, errors.Join(errs...)
}

// Allow adds an IP, CIDR prefix or host name (resolved now, with a 5 s bound).
func (g *Guard) Allow(a string) error {
	a = strings.TrimSpace(a)
	var add []netip.Prefix
	if p, err := netip.ParsePrefix(a); err == nil {
		add = append(add, p.Masked())
	} else if ip, err := netip.ParseAddr(strings.Trim(a, "[]")); err == nil {
		add = append(add, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
	} else {
		if a == "" {
			return errors.New("loadgen: empty --allow-host")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", a)
		if err != nil {
			return fmt.Errorf("loadgen: allow host %q: %w", a, err)
		}
		for _, ip := range ips {
			add = append(add, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
		}
	}
	g.mu.Lock()
	g.prefixes = append(g.prefixes, add...)
	g.mu.Unlock()
	return nil
}

// Allows reports whether ip may be a target.
func (g *Guard) Allows(ip netip.Addr) bool {
	ip = ip.Unmap()
	g.mu.RLock()
	defer g.mu.RUnlock()
	for _, p := range g.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Control is a net.Dialer.Control hook: it refuses any address the guard does not allow.
func (g *Guard) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !g.Allows(ap.Addr()) {
		g.Rejected.Add(1)
		return fmt.Errorf("%w: %s %s", ErrDisallowedTarget, network, address)
	}
	g.Allowed.Add(1)
	return nil
}

// Dialer returns a dialer whose every connection goes through Control.
func (g *Guard) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: g.Control}
}

// HTTPTransport returns a transport that dials through the guard, ignores proxy environment
// variables (Proxy nil) and keeps up to conns idle connections per host.
func (g *Guard) HTTPTransport(conns int) *http.Transport {
	if conns < 2 {
		conns = 2
	}
	return &http.Transport{
		Proxy:               nil,
		DialContext:         g.Dialer().DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
}

// HTTPClient returns a client over HTTPTransport that follows redirects only to the same host
// (at most 5), so a redirect cannot send load elsewhere.
func (g *Guard) HTTPClient(conns int) *http.Client {
	return &http.Client{
		Transport: g.HTTPTransport(conns),
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("loadgen: too many redirects")
			}
			if req.URL.Host != via[0].URL.Host {
				return fmt.Errorf("loadgen: redirect to another host %q not followed", req.URL.Host)
			}
			return nil
		},
	}
}

// CheckTarget resolves the host of a URL or host:port now and returns an error if any of its
// addresses is not allowed (an early, friendly error; the dial-time check still applies).
func (g *Guard) CheckTarget(ctx context.Context, target string) error {
	host := target
	if strings.Contains(target, "://") {
		u, err := url.Parse(target)
		if err != nil {
			return fmt.Errorf("loadgen: target %q: %w", target, err)
		}
		host = u.Hostname()
	} else if h, _, err := net.SplitHostPort(target); err == nil {
		host = h
	}
	if host == "" {
		return fmt.Errorf("loadgen: target %q has no host", target)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("loadgen: target %q: %w", target, err)
	}
	for _, ip := range ips {
		if !g.Allows(ip) {
			return fmt.Errorf("%w: %s resolves to %s", ErrDisallowedTarget, host, ip.Unmap())
		}
	}
	return nil
}
