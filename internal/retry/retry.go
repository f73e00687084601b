// Package retry is the SDK's single retry layer: a Policy (attempts, backoff
// with jitter, a time budget) and a Transport, the http.RoundTripper that
// applies it. Nothing else in the SDK retries an HTTP request.
package retry

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Defaults used for the zero fields of a Policy.
const (
	DefaultMaxAttempts    = 4
	DefaultInitialBackoff = 250 * time.Millisecond
	DefaultMaxBackoff     = 8 * time.Second
	DefaultMaxElapsed     = time.Minute
)

// Policy bounds retries. A zero field means its default; MaxAttempts 1
// disables retries.
type Policy struct {
	// MaxAttempts is the number of tries, the first one included.
	MaxAttempts int
	// InitialBackoff is the base delay before the first retry; it doubles
	// for each following retry.
	InitialBackoff time.Duration
	// MaxBackoff caps the computed delay (not a server's Retry-After).
	MaxBackoff time.Duration
	// MaxElapsed bounds the time from the first try to the start of the
	// last one. A retry whose delay would end after it is not made.
	MaxElapsed time.Duration
}

// WithDefaults returns p with its zero fields set to the defaults.
func (p Policy) WithDefaults() Policy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.InitialBackoff == 0 {
		p.InitialBackoff = DefaultInitialBackoff
	}
	if p.MaxBackoff == 0 {
		p.MaxBackoff = DefaultMaxBackoff
	}
	if p.MaxElapsed == 0 {
		p.MaxElapsed = DefaultMaxElapsed
	}
	return p
}

// Validate reports a negative field, or MaxBackoff below InitialBackoff.
func (p Policy) Validate() error {
	switch {
	case p.MaxAttempts < 0:
		return errors.New("MaxAttempts must not be negative (1 disables retries)")
	case p.InitialBackoff < 0, p.MaxBackoff < 0, p.MaxElapsed < 0:
		return errors.New("durations must not be negative")
	case p.MaxBackoff != 0 && p.InitialBackoff > p.MaxBackoff:
		return errors.New("InitialBackoff must not exceed MaxBackoff")
	}
	return nil
}

// Backoff returns the delay before retry number n (n >= 1): InitialBackoff
// doubled n-1 times and capped at MaxBackoff, then "equal jitter", a value
// drawn uniformly from [d/2, d]. rnd(k) must return a value in [0, k); nil
// means math/rand/v2. p must have its defaults applied.
func (p Policy) Backoff(n int, rnd func(int64) int64) time.Duration {
	d := p.InitialBackoff
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.MaxBackoff)
	if d <= 0 {
		return 0
	}
	if rnd == nil {
		rnd = rand.Int64N
	}
	half := d / 2
	return half + time.Duration(rnd(int64(d-half)+1))
}

// RetryAfter parses the server's wait hint: Retry-After-Ms (milliseconds),
// else Retry-After as delay-seconds or an HTTP date (relative to now). A
// date in the past gives 0. ok is false when there is no valid hint.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && ms < 1e12 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 || s > 1e9 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// Attempt describes one try, for logging.
type Attempt struct {
	// Request is the request sent (do not modify it).
	Request *http.Request
	// Number counts tries from 1.
	Number int
	// Response is the answer, nil on error. Its body must not be read.
	Response *http.Response
	// Err is the transport error, nil when a response arrived.
	Err error
	// Duration is how long the try took, up to the response headers.
	Duration time.Duration
	// RetryIn is the wait before the next try; 0 when none follows.
	RetryIn time.Duration
}

// Transport retries requests through Next according to Policy, only when
// that is safe:
//   - the body can be replayed (no body, or Request.GetBody is set), so a
//     streamed upload is never retried;
//   - the status is 429 (the server refused before acting), or 502, 503,
//     504 or 408 on an idempotent request (GET, HEAD, OPTIONS, TRACE, PUT,
//     DELETE, or one with an Idempotency-Key header);
//   - or no response arrived: a failure to connect (nothing was sent) is
//     retried for every method, a dropped connection only for idempotent
//     requests.
//
// A server's Retry-After wins over the computed backoff. A retry is not made
// when its wait would pass Policy.MaxElapsed or the context's deadline; the
// last response or error is returned instead. Waits end with the context.
// The bodies of responses that are retried are drained and closed.
//
// Transport is safe for concurrent use once set up.
type Transport struct {
	// Next sends each try.
	Next http.RoundTripper
	// Policy bounds the retries; its zero fields mean the defaults.
	Policy Policy
	// OnAttempt, if set, is called after every try.
	OnAttempt func(Attempt)

	// Sleep waits d or until ctx ends (nil: a timer). For tests.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now returns the time (nil: time.Now). For tests.
	Now func() time.Time
	// Rand returns a value in [0, n) (nil: math/rand/v2). For tests.
	Rand func(n int64) int64
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	p := t.Policy.WithDefaults()
	ctx := req.Context()
	start := t.now()
	for n := 1; ; n++ {
		r := req
		if n > 1 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		t0 := t.now()
		resp, err := t.Next.RoundTrip(r)
		now := t.now()
		delay, again := t.decide(p, req, n, start, now, resp, err)
		if t.OnAttempt != nil {
			a := Attempt{Request: r, Number: n, Response: resp, Err: err, Duration: now.Sub(t0)}
			if again {
				a.RetryIn = delay
			}
			t.OnAttempt(a)
		}
		if !again {
			return resp, err
		}
		if resp != nil {
			drain(resp.Body)
		}
		if err := t.sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// decide says whether try n's outcome is retried, and after which delay.
func (t *Transport) decide(p Policy, req *http.Request, n int, start, now time.Time, resp *http.Response, err error) (time.Duration, bool) {
	ctx := req.Context()
	if n >= p.MaxAttempts || ctx.Err() != nil || !Replayable(req) {
		return 0, false
	}
	delay := p.Backoff(n, t.Rand)
	if err != nil {
		if !NeverSent(err) && !(Idempotent(req) && dropped(err)) {
			return 0, false
		}
	} else {
		switch resp.StatusCode {
		case http.StatusTooManyRequests:
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusRequestTimeout:
			if !Idempotent(req) {
				return 0, false
			}
		default:
			return 0, false
		}
		if ra, ok := RetryAfter(resp.Header, now); ok {
			delay = ra
		}
	}
	if now.Add(delay).Sub(start) > p.MaxElapsed {
		return 0, false
	}
	if dl, ok := ctx.Deadline(); ok && !now.Add(delay).Before(dl) {
		return 0, false
	}
	return delay, true
}

// CloseIdleConnections closes Next's idle connections, if it has any.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.Next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (t *Transport) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Transport) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep != nil {
		return t.Sleep(ctx, d)
	}
	return Sleep(ctx, d)
}

// Sleep waits d, or until ctx ends and then returns ctx.Err().
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// Replayable reports whether req's body can be sent again.
func Replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// Idempotent reports whether sending req twice has the effect of sending it
// once: its method says so, or it carries an idempotency key.
func Idempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return req.Header.Get("Idempotency-Key") != "" || req.Header.Get("X-Idempotency-Key") != ""
}

// NeverSent reports whether err means the request never reached the
// server: the connection could not be made (refused, unreachable, a DNS
// failure that may pass). A host that does not exist is not worth retrying.
func NeverSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTimeout || dnsErr.IsTemporary
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && (opErr.Op == "dial" || opErr.Op == "proxyconnect")
}

// dropped reports whether err means the connection failed while the request
// was in flight, so the server may or may not have acted on it.
func dropped(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return false // decided by NeverSent
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Op != "dial" && opErr.Op != "proxyconnect" // those are NeverSent's
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// drain reads a little of body, so the connection can be reused, and closes it.
func drain(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	_ = body.Close()
}
