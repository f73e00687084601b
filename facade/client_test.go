package daytona

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/internal/version"
)

const (
	testKey = "sk-test-4b1d2c9e7f"
	testJWT = "eyJhbGciOi.jwt-test-secret.sig"
)

// noEnv is an environment with no variables and no .env files.
func noEnv(t *testing.T) environment {
	return environment{lookup: func(string) (string, bool) { return "", false }, dir: t.TempDir()}
}

// newTestClient returns a client for cfg (with testKey when it has no
// credentials) that ignores the real environment; it is closed at cleanup.
func newTestClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	if cfg.APIKey == "" && cfg.JWTToken == "" {
		cfg.APIKey = testKey
	}
	c, err := newClient(cfg, noEnv(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// recorder is a handler that records each request's headers and answers
// with status and body.
type recorder struct {
	mu      sync.Mutex
	headers []http.Header
	paths   []string
	status  int
	body    string
}

func (h *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	h.mu.Lock()
	h.headers = append(h.headers, r.Header.Clone())
	h.paths = append(h.paths, r.URL.Path)
	status, body := h.status, h.body
	h.mu.Unlock()
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func (h *recorder) all() []http.Header {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]http.Header(nil), h.headers...)
}

func TestHeadersOnEveryRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      Config
		wantAuth string
		wantOrg  string
	}{
		{name: "API key", cfg: Config{APIKey: testKey}, wantAuth: "Bearer " + testKey},
		{name: "JWT with organization", cfg: Config{JWTToken: testJWT, OrganizationID: "org-1"}, wantAuth: "Bearer " + testJWT, wantOrg: "org-1"},
		{name: "API key preferred over JWT", cfg: Config{APIKey: testKey, JWTToken: testJWT, OrganizationID: "org-1"}, wantAuth: "Bearer " + testKey, wantOrg: "org-1"},
		{name: "API key with an organization but no JWT", cfg: Config{APIKey: testKey, OrganizationID: "org-1"}, wantAuth: "Bearer " + testKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := &recorder{body: `{"id":"sb-1"}`}
			srv := httptest.NewServer(h)
			defer srv.Close()
			cfg := tt.cfg
			cfg.APIURL = srv.URL + "/api"
			c := newTestClient(t, cfg)
			ctx := t.Context()

			_, err := c.cp.GetSandboxWithResponse(ctx, "sb-1", nil)
			require.NoError(t, err)
			_, err = c.API().CreateSandboxWithResponse(ctx, nil, controlplane.CreateSandbox{})
			require.NoError(t, err)
			tb, err := c.toolbox(srv.URL+"/toolbox/", "sb-1", false)
			require.NoError(t, err)
			_, err = tb.GetVersionWithResponse(ctx)
			require.NoError(t, err)
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/logs", nil)
			require.NoError(t, err)
			resp, err := c.http.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			ws := http.Header{} // a WebSocket handshake gets the same headers
			setHeaders(ws, &c.cfg)

			assert.Equal(t, []string{"/api/sandbox/sb-1", "/api/sandbox", "/toolbox/sb-1/version", "/logs"}, h.paths)
			for i, got := range append(h.all(), ws) {
				assert.Equal(t, tt.wantAuth, got.Get("Authorization"), "request %d", i)
				assert.Equal(t, tt.wantOrg, got.Get("X-Daytona-Organization-ID"), "request %d", i)
				assert.Equal(t, "daytona-go", got.Get("X-Daytona-Source"), "request %d", i)
				assert.Equal(t, "0.205.1", got.Get("X-Daytona-SDK-Version"), "request %d", i)
				assert.Equal(t, version.UserAgent, got.Get("User-Agent"), "request %d", i)
			}
			assert.Contains(t, version.UserAgent, "github.com/daytona-go/daytona")
		})
	}
}

func TestPerRequestAuthorizationIsKept(t *testing.T) {
	t.Parallel()
	h := &recorder{body: `{}`}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := newTestClient(t, Config{APIURL: srv.URL})
	_, err := c.API().GetSandboxWithResponse(t.Context(), "x", nil, func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer other")
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, "Bearer other", h.all()[0].Get("Authorization"))
}

// A redirect to another host must not carry the credentials; one to the
// same host keeps them.
func TestRedirectCredentials(t *testing.T) {
	t.Parallel()
	other := &recorder{body: `{}`}
	otherSrv := httptest.NewServer(other)
	defer otherSrv.Close()
	same := &recorder{body: `{}`}
	mux := http.NewServeMux()
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherSrv.URL+"/landing", http.StatusFound)
	})
	mux.HandleFunc("/near", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/landing", http.StatusFound)
	})
	mux.Handle("/landing", same)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := newTestClient(t, Config{APIURL: srv.URL, JWTToken: testJWT, OrganizationID: "org-1"})

	for _, path := range []string{"/away", "/near"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
		resp, err := c.http.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	require.Len(t, other.all(), 1)
	assert.Empty(t, other.all()[0].Get("Authorization"))
	assert.Empty(t, other.all()[0].Get("X-Daytona-Organization-ID"))
	assert.Equal(t, "daytona-go", other.all()[0].Get("X-Daytona-Source"))
	require.Len(t, same.all(), 1)
	assert.Equal(t, "Bearer "+testJWT, same.all()[0].Get("Authorization"))
	assert.Equal(t, "org-1", same.all()[0].Get("X-Daytona-Organization-ID"))
}

func TestErrorMappingPerClient(t *testing.T) {
	t.Parallel()
	h := &recorder{status: 404, body: `{"path":"/api/sandbox/nope","timestamp":"t","statusCode":404,"error":"Not Found","message":"Sandbox with ID or name nope not found"}`}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := newTestClient(t, Config{APIURL: srv.URL})
	ctx := t.Context()

	// The facade's client: an error, mapped.
	resp, err := c.cp.GetSandboxWithResponse(ctx, "nope", nil)
	assert.Nil(t, resp)
	err = wrapErr(ctx, err)
	assert.ErrorIs(t, err, ErrNotFound)
	var de *Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 404, de.StatusCode)
	assert.Equal(t, "Sandbox with ID or name nope not found", de.Message)
	assert.Equal(t, "daytona: 404 Not Found: Sandbox with ID or name nope not found", err.Error())

	// The raw client handed to users: the response as it is.
	raw, err := c.API().GetSandboxWithResponse(ctx, "nope", nil)
	require.NoError(t, err)
	assert.Equal(t, 404, raw.StatusCode())
	assert.Contains(t, string(raw.Body), "not found")

	// Toolbox clients, both ways.
	tb, err := c.toolbox(srv.URL, "sb-1", false)
	require.NoError(t, err)
	_, err = tb.GetVersionWithResponse(ctx)
	assert.ErrorIs(t, wrapErr(ctx, err), ErrNotFound)
	tbRaw, err := c.toolbox(srv.URL, "sb-1", true)
	require.NoError(t, err)
	v, err := tbRaw.GetVersionWithResponse(ctx)
	require.NoError(t, err)
	assert.Equal(t, 404, v.StatusCode())
}

// A server that echoes the credentials into its error body does not get
// them into the error text.
func TestSecretsScrubbedFromErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"statusCode":401,"message":"invalid token `+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+`"}`)
	}))
	defer srv.Close()
	for _, cfg := range []Config{{APIKey: testKey}, {JWTToken: testJWT, OrganizationID: "o"}} {
		cfg.APIURL = srv.URL
		c := newTestClient(t, cfg)
		_, err := c.cp.GetSandboxWithResponse(t.Context(), "x", nil)
		err = wrapErr(t.Context(), err)
		assert.ErrorIs(t, err, ErrUnauthorized)
		assert.NotContains(t, err.Error(), testKey)
		assert.NotContains(t, err.Error(), testJWT)
		assert.Contains(t, err.Error(), "invalid token [REDACTED]")
	}
}

// countingRT answers 503 to the first request and 200 to the others.
type countingRT struct {
	mu   sync.Mutex
	seen []*http.Request
}

func (rt *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.seen = append(rt.seen, r)
	n := len(rt.seen)
	rt.mu.Unlock()
	status := http.StatusOK
	if n == 1 {
		status = http.StatusServiceUnavailable
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"id":"sb-1"}`)), Request: r}, nil
}

// Config.HTTPClient carries the requests, with the SDK's layers (headers,
// retries) on top, and is not modified; its Timeout is not used.
func TestCustomHTTPClient(t *testing.T) {
	t.Parallel()
	rt := &countingRT{}
	user := &http.Client{Transport: rt, Timeout: 1}
	c := newTestClient(t, Config{APIURL: "https://api.example.test/api", HTTPClient: user,
		Retry: RetryPolicy{InitialBackoff: 1, MaxBackoff: 1}})
	resp, err := c.cp.GetSandboxWithResponse(t.Context(), "sb-1", nil)
	require.NoError(t, err, "the user's 1ns Timeout would have failed the call")
	assert.Equal(t, "sb-1", resp.JSON200.ID)
	require.Len(t, rt.seen, 2, "the 503 was retried by the SDK's layer")
	for _, r := range rt.seen {
		assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
		assert.Equal(t, "https://api.example.test/api/sandbox/sb-1", r.URL.String())
	}
	assert.Same(t, rt, user.Transport)
	assert.Equal(t, time.Duration(1), user.Timeout)
	assert.Nil(t, c.own)
	assert.NoError(t, c.Close())
}

func TestToolboxBaseURL(t *testing.T) {
	t.Parallel()
	h := &recorder{body: `{"version":"v0.190.0"}`}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := newTestClient(t, Config{APIURL: srv.URL})
	for _, proxy := range []string{srv.URL + "/toolbox", srv.URL + "/toolbox/", srv.URL + "/toolbox//"} {
		tb, err := c.toolbox(proxy, "sb-9", false)
		require.NoError(t, err)
		_, err = tb.GetVersionWithResponse(t.Context())
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"/toolbox/sb-9/version", "/toolbox/sb-9/version", "/toolbox/sb-9/version"}, h.paths)
}

func TestNewUsesProcessEnvironment(t *testing.T) {
	// Not parallel: t.Setenv.
	t.Setenv("DAYTONA_API_KEY", "from-env")
	t.Setenv("DAYTONA_API_URL", "http://127.0.0.1:1/api")
	t.Setenv("DAYTONA_TARGET", "eu")
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, "from-env", c.cfg.APIKey)
	assert.Equal(t, "http://127.0.0.1:1/api", c.cfg.APIURL)
	assert.Equal(t, "eu", c.cfg.Target)
	assert.NotNil(t, c.own)
	assert.NoError(t, c.Close())
	assert.NoError(t, c.Close(), "Close twice")
}
