package k6ext

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrTargetNotAllowed is returned when a connection would reach an address outside
// 127.0.0.0/8, ::1 and the CIDRs of options.allow.
var ErrTargetNotAllowed = errors.New("capsim: target address not allowed (loopback only unless options.allow lists it)")

// guard is the dial-time safety check (a private copy of the rule part A's loadgen.Guard
// implements; swap when that lands).
type guard struct{ allow []netip.Prefix }

func newGuard(cidrs []string) (guard, error) {
	g := guard{allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	var errs []error
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			errs = append(errs, fmt.Errorf("allow %q: %w", c, err))
			continue
		}
		g.allow = append(g.allow, p.Masked())
	}
	return g, errors.Join(errs...)
}

// control runs after DNS resolution and before connect: no packet leaves for a refused address.
func (g guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrTargetNotAllowed, address)
	}
	ip := ap.Addr().Unmap()
	for _, p := range g.allow {
		if p.Contains(ip) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrTargetNotAllowed, ip)
}

func (g guard) dialer() *net.Dialer {
	return &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
}

func (g guard) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return g.dialer().DialContext(ctx, network, addr)
}

// httpTransport ignores proxy variables (Proxy nil) and keeps many idle connections per host,
// since every VU keeps one.
func (g guard) httpTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         g.dialContext,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 100000,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

// noRedirect keeps the client on the target: a redirect is returned as the response.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
