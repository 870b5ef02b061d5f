package loadgen

import "time"

// Reconnection backoff: a VU whose connection could not be made (or was lost and could not be
// made again) tries again after DefaultReconnectMin, doubling up to DefaultReconnectMax. Hits
// due while it waits fail at once with the last connection error, so a target that is down
// is counted as failing, and a target that comes up late is served within
// DefaultReconnectMax of coming up.
const (
	DefaultReconnectMin = 50 * time.Millisecond
	DefaultReconnectMax = time.Second
)

// backoff is the reconnection state of one VU or connection (used by one goroutine).
type backoff struct {
	wait time.Duration
	next time.Time
	err  error
}

// blocked returns the last connection error (as a *reconnectError) while the next attempt is
// not yet due.
func (b *backoff) blocked(now time.Time) error {
	if b.err != nil && now.Before(b.next) {
		return &reconnectError{err: b.err, next: b.next}
	}
	return nil
}

// reconnectError is the error of a hit that failed without an attempt because its VU waits to
// reconnect; a closed VU sleeps until next instead of failing hit after hit.
type reconnectError struct {
	err  error
	next time.Time
}

func (e *reconnectError) Error() string { return e.err.Error() }
func (e *reconnectError) Unwrap() error { return e.err }

// failed records a failed attempt at now and schedules the next one.
func (b *backoff) failed(now time.Time, err error) {
	b.wait = min(max(2*b.wait, DefaultReconnectMin), DefaultReconnectMax)
	b.next, b.err = now.Add(b.wait), err
}

// ok forgets the failures.
func (b *backoff) ok() { *b = backoff{} }
