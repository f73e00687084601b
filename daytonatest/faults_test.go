package daytonatest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
)

func TestFaultStatusCountAndRetryAfter(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	srv.InjectFault(Fault{Method: "GET", Path: "/sandbox", Status: 429, RetryAfter: "1", Count: 2})

	for i := range 2 {
		r, err := c.ListSandboxesWithResponse(ctx, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusTooManyRequests, r.StatusCode(), "attempt %d", i)
		assert.Equal(t, "1", r.HTTPResponse.Header.Get("Retry-After"))
		assert.Contains(t, nestError(t, r.Body, 429).Message, "injected fault")
	}
	r, err := c.ListSandboxesWithResponse(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, r.StatusCode())
	assert.Equal(t, 3, srv.Requests("GET", "/sandbox"))
	assert.Equal(t, 0, srv.Requests("POST", "/sandbox"))
}

func TestFaultMatching(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	sb := started(t, c, controlplane.CreateSandbox{Name: strp("m")})

	// The contract's own template matches any sandbox; other methods and
	// paths are left alone.
	srv.InjectFault(Fault{Method: "post", Path: "/sandbox/{sandboxIdOrName}/stop", Status: 503, Count: Always})
	code, _ := get(t, c, sb.ID)
	assert.Equal(t, http.StatusOK, code)
	for range 3 {
		r, err := c.StopSandboxWithResponse(ctx, "m", nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusServiceUnavailable, r.StatusCode())
	}
	assert.Equal(t, 3, srv.Requests("POST", "/sandbox/*/stop"))
	assert.Equal(t, 3, srv.Requests("", "/sandbox/m/stop"))
	srv.ClearFaults()
	r, err := c.StopSandboxWithResponse(ctx, "m", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, r.StatusCode())
	assert.Equal(t, 4, srv.Requests("POST", "/sandbox/{id}/stop"))
	assert.GreaterOrEqual(t, srv.Requests("", "/sandbox/**"), 5)
	assert.Equal(t, srv.Requests("", ""), srv.Requests("", "/**"))
}

func TestFaultBodies(t *testing.T) {
	srv := NewServer(t)
	hc := rawClient(t)
	tests := []struct {
		name  string
		fault Fault
		body  string
		ctype string
	}{
		{"empty body", Fault{Status: 404, EmptyBody: true}, "", ""},
		{"custom JSON", Fault{Status: 409, Body: `{"error":"PTY session with ID 'p' already exists"}`}, `{"error":"PTY session with ID 'p' already exists"}`, "application/json"},
		{"HTML gateway page", Fault{Status: 502, Body: "<html>bad gateway</html>", ContentType: "text/html"}, "<html>bad gateway</html>", "text/html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fault.Path = "/sandbox"
			srv.InjectFault(tt.fault)
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/sandbox", nil)
			req.Header.Set("Authorization", "Bearer "+srv.APIKey)
			resp, err := hc.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, tt.fault.Status, resp.StatusCode)
			assert.Equal(t, tt.body, string(b))
			assert.Equal(t, tt.ctype, resp.Header.Get("Content-Type"))
		})
	}
}

func TestFaultAppliesBeforeAuth(t *testing.T) {
	srv := NewServer(t)
	hc := rawClient(t)
	srv.InjectFault(Fault{Status: 503})
	resp, err := hc.Get(srv.URL + "/sandbox")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
}

func TestFaultReset(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	srv.InjectFault(Fault{Path: "/sandbox", Reset: true})
	_, err := c.ListSandboxesWithResponse(context.Background(), nil)
	require.Error(t, err)
	assert.False(t, errors.Is(err, context.DeadlineExceeded))
	r, err := c.ListSandboxesWithResponse(context.Background(), nil)
	require.NoError(t, err, "the next request goes through")
	assert.Equal(t, http.StatusOK, r.StatusCode())
	assert.Equal(t, 2, srv.Requests("GET", "/sandbox"))
}

func TestFaultDelay(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	srv.InjectFault(Fault{Path: "/sandbox", Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.ListSandboxesWithResponse(ctx, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the delay holds the answer back")

	// A delay without a status lets the real handler answer afterwards.
	srv.InjectFault(Fault{Path: "/sandbox", Delay: time.Millisecond})
	r, err := c.ListSandboxesWithResponse(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, r.StatusCode())
}

func TestFaultCutsBodyMidway(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault Fault
	}{
		{"reset", Fault{ResetAfterBytes: 10}},
		{"close", Fault{CloseAfterBytes: 10}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer(t)
			c := client(t, srv)
			for range 3 {
				create(t, c, controlplane.CreateSandbox{})
			}
			tt.fault.Method, tt.fault.Path = "GET", "/sandbox"
			srv.InjectFault(tt.fault)
			resp, err := c.ListSandboxes(context.Background(), nil)
			require.NoError(t, err, "the headers arrive")
			require.Equal(t, http.StatusOK, resp.StatusCode)
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Error(t, err, "the body is cut")
			assert.LessOrEqual(t, len(b), 10)
		})
	}
}

func TestPathPatterns(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"", "/anything/at/all", true},
		{"/sandbox", "/sandbox", true},
		{"/sandbox", "/sandbox/x", false},
		{"/sandbox/{id}", "/sandbox/x", true},
		{"/sandbox/{id}", "/sandbox", false},
		{"/sandbox/*/stop", "/sandbox/abc/stop", true},
		{"/sandbox/*/stop", "/sandbox/abc/start", false},
		{"/toolbox/*/files/**", "/toolbox/id/files", true},
		{"/toolbox/*/files/**", "/toolbox/id/files/a/b/c", true},
		{"/toolbox/*/files/**", "/toolbox/id/process", false},
		{"/**", "/", true},
		{"sandbox/", "/sandbox", true},
		{"/a/**/b", "/a/**/b", true},
		{"/a/**/b", "/a/x/b", false},
		{"/a/{}", "/a/{}", true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.path, func(t *testing.T) {
			assert.Equal(t, tt.want, pathMatches(splitPattern(tt.pattern), tt.path))
		})
	}
}

func FuzzPathPattern(f *testing.F) {
	f.Add("/sandbox/{id}/stop", "/sandbox/x/stop")
	f.Add("/toolbox/*/files/**", "/toolbox/a/files/b/c")
	f.Add("**", "")
	f.Add("/{a}/{b}", "//")
	f.Fuzz(func(t *testing.T, pattern, path string) {
		pat := splitPattern(pattern)
		_ = pathMatches(pat, path) // must not panic
		// A pattern always matches itself when it has no wildcards.
		if !strings.ContainsAny(pattern, "*{") && strings.Trim(pattern, "/") != "" {
			if !pathMatches(pat, pattern) {
				t.Fatalf("literal pattern %q does not match itself", pattern)
			}
		}
		// "/**" matches everything.
		if !pathMatches(splitPattern("/**"), path) {
			t.Fatalf("/** does not match %q", path)
		}
	})
}

// hijackToolbox writes a raw HTTP response over the hijacked connection,
// the way a WebSocket handler owns its connection.
type hijackToolbox struct{}

func (hijackToolbox) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n")
	_, _ = buf.WriteString(strings.Repeat("x", 100))
	_ = buf.Flush()
}

func (hijackToolbox) Close() error { return nil }

func TestFaultCutsHijackedConnection(t *testing.T) {
	srv := NewServer(t)
	srv.toolboxFactory = func(toolboxSandbox) (sandboxToolbox, error) { return hijackToolbox{}, nil }
	c := client(t, srv)
	sb := started(t, c, controlplane.CreateSandbox{})
	hc := rawClient(t)
	get := func() (int, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/toolbox/"+sb.ID+"/ws", nil)
		req.Header.Set("Authorization", "Bearer "+srv.APIKey)
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return len(b), err
	}
	n, err := get()
	require.NoError(t, err)
	require.Equal(t, 100, n, "without a fault the whole body arrives")

	srv.InjectFault(Fault{Path: "/toolbox/*/ws", CloseAfterBytes: 80})
	n, err = get()
	require.Error(t, err, "the connection is cut after 80 bytes, inside the body")
	assert.Less(t, n, 100)
}
