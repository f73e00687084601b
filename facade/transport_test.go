package daytona

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/internal/retry"
)

// sleepRecorder replaces the retry layer's sleep: it records the delays
// and returns at once, so tests check the computed waits, not wall time.
type sleepRecorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

// newRetryClient returns a test client whose retry sleeps are recorded.
func newRetryClient(t *testing.T, cfg Config) (*Client, *sleepRecorder) {
	c := newTestClient(t, cfg)
	s := &sleepRecorder{}
	c.retrier.Sleep = s.sleep
	return c, s
}

// scripted answers request i with statuses[i] (the last one repeats) and
// records the bodies it received.
type scripted struct {
	mu       sync.Mutex
	statuses []int
	header   http.Header
	bodies   []string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	i := min(len(s.bodies), len(s.statuses)-1)
	s.bodies = append(s.bodies, string(b))
	status := s.statuses[i]
	s.mu.Unlock()
	for k, v := range s.header {
		if status != http.StatusOK {
			w.Header()[k] = v
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if status == http.StatusOK {
		_, _ = io.WriteString(w, `{"id":"sb-1","state":"started"}`)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"statusCode": status, "message": http.StatusText(status) + " (scripted)"})
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

func TestRetry429HonoursRetryAfter(t *testing.T) {
	t.Parallel()
	h := &scripted{statuses: []int{429, 429, 200}, header: http.Header{"Retry-After": {"2"}}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, sleeps := newRetryClient(t, Config{APIURL: srv.URL})
	name := "box"
	// A POST: a 429 means the server refused before acting, so it is retried.
	resp, err := c.cp.CreateSandboxWithResponse(t.Context(), nil, controlplane.CreateSandbox{Name: &name})
	require.NoError(t, wrapErr(t.Context(), err))
	assert.Equal(t, "sb-1", resp.JSON200.ID)
	assert.Equal(t, []time.Duration{2 * time.Second, 2 * time.Second}, sleeps.all())
	require.Equal(t, 3, h.count())
	for _, b := range h.bodies {
		assert.JSONEq(t, `{"name":"box"}`, b, "the body is replayed whole")
	}
}

func TestRetry503StormIsBounded(t *testing.T) {
	t.Parallel()
	h := &scripted{statuses: []int{503}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, sleeps := newRetryClient(t, Config{APIURL: srv.URL,
		Retry: RetryPolicy{MaxAttempts: 5, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond}})
	_, err := c.cp.GetSandboxWithResponse(t.Context(), "sb-1", nil)
	err = wrapErr(t.Context(), err)
	assert.ErrorIs(t, err, ErrServer)
	var de *Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 503, de.StatusCode)
	assert.Equal(t, "Service Unavailable (scripted)", de.Message)
	assert.Equal(t, 5, h.count())
	got := sleeps.all()
	require.Len(t, got, 4)
	for i, d := range got { // jittered within [d/2, d] of 100, 200, 300, 300 ms
		hi := min(100*time.Millisecond<<i, 300*time.Millisecond)
		assert.GreaterOrEqual(t, d, hi/2, "delay %d", i)
		assert.LessOrEqual(t, d, hi, "delay %d", i)
	}
}

func TestRetryPOST503IsNotRetried(t *testing.T) {
	t.Parallel()
	h := &scripted{statuses: []int{503, 200}, header: http.Header{"Retry-After": {"1"}}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, sleeps := newRetryClient(t, Config{APIURL: srv.URL})
	_, err := c.cp.CreateSandboxWithResponse(t.Context(), nil, controlplane.CreateSandbox{})
	err = wrapErr(t.Context(), err)
	assert.ErrorIs(t, err, ErrServer)
	var de *Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, time.Second, de.RetryAfter)
	assert.Equal(t, 1, h.count(), "the server may have acted on the POST")
	assert.Empty(t, sleeps.all())
}

func TestRetryDisabled(t *testing.T) {
	t.Parallel()
	h := &scripted{statuses: []int{503, 200}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, sleeps := newRetryClient(t, Config{APIURL: srv.URL, Retry: RetryPolicy{MaxAttempts: 1}})
	_, err := c.cp.GetSandboxWithResponse(t.Context(), "sb-1", nil)
	assert.ErrorIs(t, wrapErr(t.Context(), err), ErrServer)
	assert.Equal(t, 1, h.count())
	assert.Empty(t, sleeps.all())
}

// A Retry-After longer than the retry budget is not waited for: the error
// comes back at once and carries the wait.
func TestRetryAfterBeyondBudget(t *testing.T) {
	t.Parallel()
	h := &scripted{statuses: []int{429, 200}, header: http.Header{"Retry-After": {"120"}}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, sleeps := newRetryClient(t, Config{APIURL: srv.URL})
	_, err := c.cp.GetSandboxWithResponse(t.Context(), "sb-1", nil)
	err = wrapErr(t.Context(), err)
	assert.ErrorIs(t, err, ErrRateLimited)
	var de *Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 2*time.Minute, de.RetryAfter)
	assert.Equal(t, 1, h.count())
	assert.Empty(t, sleeps.all())
}

// A refused connection never reached the server, so even a POST is retried.
func TestRetryDialError(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, sleeps := newRetryClient(t, Config{APIURL: "http://" + addr + "/api", Logger: logger, Retry: RetryPolicy{MaxAttempts: 3}})
	_, err = c.cp.CreateSandboxWithResponse(t.Context(), nil, controlplane.CreateSandbox{})
	err = wrapErr(t.Context(), err)
	assert.ErrorIs(t, err, ErrConnection)
	var opErr *net.OpError
	require.ErrorAs(t, err, &opErr, "the cause is kept")
	assert.Equal(t, "dial", opErr.Op)
	assert.Len(t, sleeps.all(), 2)
	assert.Equal(t, 3, strings.Count(logs.String(), "daytona: http"), logs.String())
	assert.Contains(t, logs.String(), "attempt=3")
	assert.NotContains(t, err.Error(), "http://", "the URL is not repeated")
}

// blocking is a handler that holds each request until the client gives up.
func blocking(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

func TestDeadlineIsTimeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(blocking))
	defer srv.Close()
	c := newTestClient(t, Config{APIURL: srv.URL})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.cp.GetSandboxWithResponse(ctx, "sb-1", nil)
	err = wrapErr(ctx, err)
	assert.ErrorIs(t, err, ErrTimeout)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, ErrConnection)
	assert.NotErrorIs(t, err, context.Canceled)
}

func TestCancelIsCanceled(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newTestClient(t, Config{APIURL: srv.URL})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := c.cp.GetSandboxWithResponse(ctx, "sb-1", nil)
	err = wrapErr(ctx, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrTimeout)
	assert.NotErrorIs(t, err, ErrConnection)
}

// A cancel during a retry wait ends the call at once with context.Canceled.
func TestCancelDuringRetryWait(t *testing.T) {
	t.Parallel()
	h := &scripted{statuses: []int{503}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := newTestClient(t, Config{APIURL: srv.URL, Retry: RetryPolicy{InitialBackoff: time.Hour, MaxBackoff: time.Hour, MaxElapsed: 3 * time.Hour}})
	ctx, cancel := context.WithCancel(t.Context())
	c.retrier.OnAttempt = func(a retry.Attempt) {
		if a.RetryIn > 0 {
			cancel()
		}
	}
	_, err := c.cp.GetSandboxWithResponse(ctx, "sb-1", nil)
	err = wrapErr(ctx, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, h.count())
}

// The debug log has one line per attempt with method, URL, status, attempt
// and duration, and no secret: no credential, no header, no token from a
// query or a path.
func TestLogsAreRedacted(t *testing.T) {
	t.Parallel()
	const previewToken = "pv-token-8c1e"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"message":"bad key `+r.Header.Get("Authorization")+`"}`)
			return
		}
		w.Header().Set("X-Request-Id", "req-42")
		_, _ = io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, cfg := range []Config{{APIKey: testKey}, {JWTToken: testJWT, OrganizationID: "org-1"}} {
		cfg.APIURL, cfg.Logger = srv.URL, logger
		c := newTestClient(t, cfg)
		_, _ = c.cp.GetSandboxWithResponse(t.Context(), "sb-1", nil)
		for _, p := range []string{
			"/sandbox/sb-1/ports/3000/signed-preview-url/" + previewToken + "/expire",
			"/files/download?path=/home/a.txt&signature=v1_" + previewToken + "&expires=0",
			"/ssh-access/validate?token=" + previewToken,
			"/fail",
		} {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+p, nil)
			resp, err := c.http.Do(req)
			if err == nil {
				resp.Body.Close()
			} else {
				assert.NotContains(t, err.Error(), testKey)
				assert.NotContains(t, err.Error(), testJWT)
			}
		}
	}
	out := logs.String()
	for _, secret := range []string{testKey, testJWT, previewToken, "Bearer", "Authorization"} {
		assert.NotContains(t, out, secret)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 10)
	var first map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	assert.Equal(t, "DEBUG", first["level"])
	assert.Equal(t, "GET", first["method"])
	assert.Equal(t, srv.URL+"/sandbox/sb-1", first["url"])
	assert.EqualValues(t, 200, first["status"])
	assert.EqualValues(t, 1, first["attempt"])
	assert.Contains(t, first, "duration")
	assert.Equal(t, "req-42", first["request_id"])
	assert.Contains(t, out, `signed-preview-url/REDACTED/expire`)
	assert.Contains(t, out, `path=%2Fhome%2Fa.txt`)
	assert.Contains(t, out, `signature=REDACTED`)
	assert.Contains(t, out, `"status":403`)
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://app.daytona.io/api/sandbox?limit=10&cursor=abc", "https://app.daytona.io/api/sandbox?cursor=abc&limit=10"},
		{"https://u:p@x/api#frag", "https://x/api"},
		{"https://x/t/sb/files/upload-v2?path=/a&expires=5&signature=v1_s", "https://x/t/sb/files/upload-v2?expires=5&path=%2Fa&signature=REDACTED"},
		{"https://x/p?DAYTONA_SANDBOX_AUTH_KEY=k", "https://x/p?DAYTONA_SANDBOX_AUTH_KEY=REDACTED"},
		{"https://x/api/sandbox/a/ports/1/signed-preview-url/tok/expire", "https://x/api/sandbox/a/ports/1/signed-preview-url/REDACTED/expire"},
		{"https://x/api/sandbox/a/ports/1/signed-preview-url?expiresInSeconds=60", "https://x/api/sandbox/a/ports/1/signed-preview-url?expiresInSeconds=60"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		require.NoError(t, err)
		assert.Equal(t, tt.want, redactURL(u), tt.in)
	}
}

// Many goroutines share one client and its pool; each first try fails
// with a 503 and is retried.
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	var seen sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, again := seen.LoadOrStore(r.URL.Path, true); !again {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, `{"id":"sb-1"}`)
	}))
	defer srv.Close()
	c, sleeps := newRetryClient(t, Config{APIURL: srv.URL})
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Go(func() {
			_, err := c.cp.GetSandboxWithResponse(t.Context(), fmt.Sprintf("sb-%d", i), nil)
			errs <- wrapErr(t.Context(), err)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Len(t, sleeps.all(), 200)
}

// BenchmarkGet compares a GET through the whole facade stack (headers,
// retry layer, error mapping, generated client and JSON decoding) with a
// plain net/http GET of the same response, against the same server.
func BenchmarkGet(b *testing.B) {
	body := `{"id":"sb-1","name":"box","state":"started","toolboxProxyUrl":"http://x/toolbox"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()

	b.Run("net_http", func(b *testing.B) {
		tr := newTransport()
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr}
		for b.Loop() {
			req, _ := http.NewRequestWithContext(b.Context(), http.MethodGet, srv.URL+"/sandbox/sb-1", nil)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.Run("facade", func(b *testing.B) {
		c, err := newClient(Config{APIKey: testKey, APIURL: srv.URL},
			environment{lookup: func(string) (string, bool) { return "", false }, dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		for b.Loop() {
			if _, err := c.cp.GetSandboxWithResponse(b.Context(), "sb-1", nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
