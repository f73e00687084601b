package retry

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPolicyBackoff(t *testing.T) {
	t.Parallel()
	p := Policy{InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}.WithDefaults()
	lowest := func(int64) int64 { return 0 }
	highest := func(k int64) int64 { return k - 1 }
	tests := []struct {
		name   string
		n      int
		lo, hi time.Duration
	}{
		{name: "first retry", n: 1, lo: 50 * time.Millisecond, hi: 100 * time.Millisecond},
		{name: "second doubles", n: 2, lo: 100 * time.Millisecond, hi: 200 * time.Millisecond},
		{name: "fourth", n: 4, lo: 400 * time.Millisecond, hi: 800 * time.Millisecond},
		{name: "capped", n: 5, lo: 500 * time.Millisecond, hi: time.Second},
		{name: "far out stays capped", n: 80, lo: 500 * time.Millisecond, hi: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.lo, p.Backoff(tt.n, lowest))
			assert.Equal(t, tt.hi, p.Backoff(tt.n, highest))
			got := p.Backoff(tt.n, nil)
			assert.GreaterOrEqual(t, got, tt.lo)
			assert.LessOrEqual(t, got, tt.hi)
		})
	}
}

func TestPolicyDefaultsAndValidate(t *testing.T) {
	t.Parallel()
	d := Policy{}.WithDefaults()
	assert.Equal(t, Policy{MaxAttempts: DefaultMaxAttempts, InitialBackoff: DefaultInitialBackoff,
		MaxBackoff: DefaultMaxBackoff, MaxElapsed: DefaultMaxElapsed}, d)
	assert.Equal(t, 1, Policy{MaxAttempts: 1}.WithDefaults().MaxAttempts)

	tests := []struct {
		name string
		p    Policy
		ok   bool
	}{
		{name: "zero", p: Policy{}, ok: true},
		{name: "disabled", p: Policy{MaxAttempts: 1}, ok: true},
		{name: "negative attempts", p: Policy{MaxAttempts: -1}},
		{name: "negative backoff", p: Policy{InitialBackoff: -1}},
		{name: "negative elapsed", p: Policy{MaxElapsed: -time.Second}},
		{name: "initial above max", p: Policy{InitialBackoff: 2 * time.Second, MaxBackoff: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.ok {
				assert.NoError(t, tt.p.Validate())
			} else {
				assert.Error(t, tt.p.Validate())
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{name: "absent", header: http.Header{}},
		{name: "seconds", header: http.Header{"Retry-After": {"3"}}, want: 3 * time.Second, ok: true},
		{name: "zero", header: http.Header{"Retry-After": {"0"}}, want: 0, ok: true},
		{name: "spaces", header: http.Header{"Retry-After": {" 7 "}}, want: 7 * time.Second, ok: true},
		{name: "negative", header: http.Header{"Retry-After": {"-1"}}},
		{name: "garbage", header: http.Header{"Retry-After": {"soon"}}},
		{name: "http date", header: http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, want: 90 * time.Second, ok: true},
		{name: "past date", header: http.Header{"Retry-After": {now.Add(-time.Hour).Format(http.TimeFormat)}}, want: 0, ok: true},
		{name: "milliseconds win", header: http.Header{"Retry-After-Ms": {"1500"}, "Retry-After": {"9"}}, want: 1500 * time.Millisecond, ok: true},
		{name: "bad milliseconds fall back", header: http.Header{"Retry-After-Ms": {"x"}, "Retry-After": {"2"}}, want: 2 * time.Second, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RetryAfter(tt.header, now)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "0", "-5", "Wed, 21 Oct 2015 07:28:00 GMT", "99999999999999999999", "1.5", ""} {
		f.Add(s)
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := RetryAfter(http.Header{"Retry-After": {v}}, now)
		if !ok && d != 0 {
			t.Fatalf("no hint but delay %v", d)
		}
		if d < 0 {
			t.Fatalf("negative delay %v", d)
		}
	})
}

// trackedBody records whether it was closed.
type trackedBody struct {
	io.Reader
	closed bool
}

func (b *trackedBody) Close() error { b.closed = true; return nil }

// script answers try i with outcomes[i] (the last one repeats) and records
// every request body it was sent.
type script struct {
	mu       sync.Mutex
	outcomes []func() (*http.Response, error)
	tries    int
	bodies   []string
	resps    []*trackedBody
}

func (s *script) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		s.bodies = append(s.bodies, string(b))
	}
	i := min(s.tries, len(s.outcomes)-1)
	s.tries++
	resp, err := s.outcomes[i]()
	if resp != nil {
		tb := &trackedBody{Reader: strings.NewReader("body")}
		resp.Body = tb
		resp.Request = r
		s.resps = append(s.resps, tb)
	}
	return resp, err
}

func status(code int, header ...string) func() (*http.Response, error) {
	return func() (*http.Response, error) {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return &http.Response{StatusCode: code, Header: h}, nil
	}
}

func fail(err error) func() (*http.Response, error) {
	return func() (*http.Response, error) { return nil, err }
}

var (
	dialErr  = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	resetErr = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	noHost   = &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nope.invalid", IsNotFound: true}}
	dnsBusy  = &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}}
)

func TestTransportDecisions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		body       string // "" = no body
		streamed   bool   // body without GetBody
		header     http.Header
		outcomes   []func() (*http.Response, error)
		policy     Policy
		wantTries  int
		wantStatus int // 0: want an error
		wantSleeps []time.Duration
	}{
		{name: "200 once", method: "GET", outcomes: []func() (*http.Response, error){status(200)}, wantTries: 1, wantStatus: 200},
		{name: "429 honours Retry-After for POST", method: "POST", body: `{"a":1}`,
			outcomes:  []func() (*http.Response, error){status(429, "Retry-After", "3"), status(201)},
			wantTries: 2, wantStatus: 201, wantSleeps: []time.Duration{3 * time.Second}},
		{name: "503 storm on GET is bounded", method: "GET", outcomes: []func() (*http.Response, error){status(503)},
			wantTries: 4, wantStatus: 503, wantSleeps: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}},
		{name: "POST 503 is not retried", method: "POST", body: "x", outcomes: []func() (*http.Response, error){status(503), status(200)},
			wantTries: 1, wantStatus: 503},
		{name: "POST 502 with Retry-After is not retried", method: "POST", outcomes: []func() (*http.Response, error){status(502, "Retry-After", "1"), status(200)},
			wantTries: 1, wantStatus: 502},
		{name: "POST with idempotency key 503 is retried", method: "POST", body: "x", header: http.Header{"Idempotency-Key": {"k1"}},
			outcomes:  []func() (*http.Response, error){status(503), status(200)},
			wantTries: 2, wantStatus: 200, wantSleeps: []time.Duration{100 * time.Millisecond}},
		{name: "DELETE 504 retried", method: "DELETE", outcomes: []func() (*http.Response, error){status(504), status(204)},
			wantTries: 2, wantStatus: 204, wantSleeps: []time.Duration{100 * time.Millisecond}},
		{name: "GET 408 retried", method: "GET", outcomes: []func() (*http.Response, error){status(408), status(200)},
			wantTries: 2, wantStatus: 200, wantSleeps: []time.Duration{100 * time.Millisecond}},
		{name: "POST 408 not retried", method: "POST", outcomes: []func() (*http.Response, error){status(408), status(200)},
			wantTries: 1, wantStatus: 408},
		{name: "500 not retried", method: "GET", outcomes: []func() (*http.Response, error){status(500), status(200)},
			wantTries: 1, wantStatus: 500},
		{name: "404 not retried", method: "GET", outcomes: []func() (*http.Response, error){status(404), status(200)},
			wantTries: 1, wantStatus: 404},
		{name: "streamed body never retried", method: "POST", body: "stream", streamed: true,
			outcomes: []func() (*http.Response, error){status(429), status(200)}, wantTries: 1, wantStatus: 429},
		{name: "dial error retried for POST", method: "POST", body: "x",
			outcomes:  []func() (*http.Response, error){fail(dialErr), status(200)},
			wantTries: 2, wantStatus: 200, wantSleeps: []time.Duration{100 * time.Millisecond}},
		{name: "temporary DNS failure retried", method: "POST",
			outcomes:  []func() (*http.Response, error){fail(dnsBusy), status(200)},
			wantTries: 2, wantStatus: 200, wantSleeps: []time.Duration{100 * time.Millisecond}},
		{name: "unknown host not retried", method: "GET", outcomes: []func() (*http.Response, error){fail(noHost), status(200)},
			wantTries: 1},
		{name: "reset retried for GET", method: "GET", outcomes: []func() (*http.Response, error){fail(resetErr), status(200)},
			wantTries: 2, wantStatus: 200, wantSleeps: []time.Duration{100 * time.Millisecond}},
		{name: "reset not retried for POST", method: "POST", outcomes: []func() (*http.Response, error){fail(resetErr), status(200)},
			wantTries: 1},
		{name: "unexpected EOF retried for PUT", method: "PUT", body: "x", outcomes: []func() (*http.Response, error){fail(io.ErrUnexpectedEOF), status(200)},
			wantTries: 2, wantStatus: 200, wantSleeps: []time.Duration{100 * time.Millisecond}},
		{name: "other error not retried", method: "GET", outcomes: []func() (*http.Response, error){fail(errors.New("tls: bad certificate")), status(200)},
			wantTries: 1},
		{name: "disabled", method: "GET", policy: Policy{MaxAttempts: 1}, outcomes: []func() (*http.Response, error){status(503), status(200)},
			wantTries: 1, wantStatus: 503},
		{name: "Retry-After beyond the budget ends retries", method: "GET",
			outcomes:  []func() (*http.Response, error){status(429, "Retry-After", "120"), status(200)},
			wantTries: 1, wantStatus: 429},
		{name: "backoff is capped", method: "GET", policy: Policy{MaxAttempts: 6, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond},
			outcomes:  []func() (*http.Response, error){status(502)},
			wantTries: 6, wantStatus: 502,
			wantSleeps: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}},
		{name: "budget bounds the storm", method: "GET", policy: Policy{MaxAttempts: 100, InitialBackoff: time.Second, MaxBackoff: time.Second, MaxElapsed: 3500 * time.Millisecond},
			outcomes:  []func() (*http.Response, error){status(503)},
			wantTries: 4, wantStatus: 503, wantSleeps: []time.Duration{time.Second, time.Second, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &script{outcomes: tt.outcomes}
			var clock time.Time
			var sleeps []time.Duration
			policy := tt.policy
			if policy == (Policy{}) {
				policy = Policy{InitialBackoff: 100 * time.Millisecond}
			}
			tr := &Transport{
				Next:   s,
				Policy: policy,
				Rand:   func(k int64) int64 { return k - 1 }, // no jitter: the upper bound
				Now:    func() time.Time { return clock },
				Sleep: func(_ context.Context, d time.Duration) error {
					sleeps = append(sleeps, d)
					clock = clock.Add(d)
					return nil
				},
			}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
				if tt.streamed {
					body = io.MultiReader(body)
				}
			}
			req, err := http.NewRequestWithContext(t.Context(), tt.method, "http://example.test/x", body)
			require.NoError(t, err)
			for k, v := range tt.header {
				req.Header[k] = v
			}
			resp, err := tr.RoundTrip(req)
			assert.Equal(t, tt.wantTries, s.tries, "tries")
			assert.Equal(t, tt.wantSleeps, sleeps, "sleeps")
			if tt.wantStatus == 0 {
				require.Error(t, err)
				assert.Nil(t, resp)
			} else {
				require.NoError(t, err)
				require.Equal(t, tt.wantStatus, resp.StatusCode)
				// Every retried response was closed; the returned one was not.
				for i, b := range s.resps[:len(s.resps)-1] {
					assert.True(t, b.closed, "retried response %d not closed", i)
				}
				assert.False(t, s.resps[len(s.resps)-1].closed)
			}
			if tt.body != "" && !tt.streamed {
				for i, b := range s.bodies {
					assert.Equal(t, tt.body, b, "body of try %d", i+1)
				}
			}
		})
	}
}

func TestTransportDeadlineStopsRetrying(t *testing.T) {
	t.Parallel()
	s := &script{outcomes: []func() (*http.Response, error){status(429, "Retry-After", "30"), status(200)}}
	slept := false
	tr := &Transport{Next: s, Sleep: func(context.Context, time.Duration) error { slept = true; return nil }}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://example.test/", nil)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, 429, resp.StatusCode, "a wait past the deadline returns the 429 at once")
	assert.Equal(t, 1, s.tries)
	assert.False(t, slept)
}

func TestTransportCancelDuringWait(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	s := &script{outcomes: []func() (*http.Response, error){
		func() (*http.Response, error) { cancel(); return status(503)() },
	}}
	tr := &Transport{Next: s, Policy: Policy{InitialBackoff: time.Hour, MaxBackoff: time.Hour, MaxElapsed: 2 * time.Hour}}
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://example.test/", nil)
	resp, err := tr.RoundTrip(req)
	// The cancel happened during the try, so no retry is planned.
	require.NoError(t, err)
	assert.Equal(t, 503, resp.StatusCode)

	// A cancel during the wait ends it with ctx.Err().
	ctx2, cancel2 := context.WithCancel(t.Context())
	tr2 := &Transport{Next: &script{outcomes: []func() (*http.Response, error){status(503)}},
		Policy: Policy{InitialBackoff: time.Hour, MaxBackoff: time.Hour, MaxElapsed: 2 * time.Hour},
		OnAttempt: func(a Attempt) {
			if a.RetryIn > 0 {
				cancel2()
			}
		}}
	req2, _ := http.NewRequestWithContext(ctx2, "GET", "http://example.test/", nil)
	resp2, err := tr2.RoundTrip(req2)
	assert.Nil(t, resp2)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestTransportOnAttempt(t *testing.T) {
	t.Parallel()
	s := &script{outcomes: []func() (*http.Response, error){status(503), status(502), status(200)}}
	var got []Attempt
	tr := &Transport{Next: s, Policy: Policy{InitialBackoff: time.Millisecond},
		Rand:      func(k int64) int64 { return k - 1 },
		OnAttempt: func(a Attempt) { got = append(got, a) }}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://example.test/", nil)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Len(t, got, 3)
	for i, a := range got {
		assert.Equal(t, i+1, a.Number)
		require.NotNil(t, a.Response)
	}
	assert.Equal(t, time.Millisecond, got[0].RetryIn)
	assert.Equal(t, 2*time.Millisecond, got[1].RetryIn)
	assert.Zero(t, got[2].RetryIn)
}

// Against real sockets: a refused connection is retried, even for a POST,
// and the body is sent whole once the server is there.
func TestTransportRealDialError(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens: connections are refused

	base := &http.Transport{}
	defer base.CloseIdleConnections()
	var tries []error
	tr := &Transport{Next: base, Policy: Policy{MaxAttempts: 3, InitialBackoff: time.Millisecond},
		OnAttempt: func(a Attempt) { tries = append(tries, a.Err) }}
	req, _ := http.NewRequestWithContext(t.Context(), "POST", "http://"+addr+"/", bytes.NewReader([]byte("hello")))
	resp, err := tr.RoundTrip(req)
	require.Error(t, err)
	assert.Nil(t, resp)
	require.Len(t, tries, 3)
	assert.True(t, NeverSent(err), "%v", err)

	// And a server that is up gets the body on the first try.
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
	}))
	defer srv.Close()
	req, _ = http.NewRequestWithContext(t.Context(), "POST", srv.URL, bytes.NewReader([]byte("hello")))
	resp, err = tr.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "hello", got)
}
