package daytonatest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// The emulator runs commands for whoever holds its key: it must listen on
// loopback only and refuse every request without the key.

// TestSecurityListensOnLoopbackOnly: WithListenAddr cannot put the
// emulator on a reachable interface (cmd/daytona-emulator checks its -addr
// flag, but the library is the one that listens).
func TestSecurityListensOnLoopbackOnly(t *testing.T) {
	srv := NewServer(t)
	for _, u := range []string{srv.URL, srv.ObjectStorageURL()} {
		pu, err := url.Parse(u)
		require.NoError(t, err)
		ip := net.ParseIP(pu.Hostname())
		require.NotNil(t, ip, u)
		assert.True(t, ip.IsLoopback(), "%s listens on loopback", u)
	}

	refused := []string{"0.0.0.0:0", ":0", "[::]:0"}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
				refused = append(refused, net.JoinHostPort(n.IP.String(), "0"))
				break
			}
		}
	}
	for _, addr := range refused {
		t.Run(addr, func(t *testing.T) {
			s, err := Start(WithListenAddr(addr), WithDataDir(t.TempDir()))
			if err == nil {
				t.Errorf("WithListenAddr(%q) was accepted: the emulator listens on %s", addr, s.URL)
				s.Close()
			}
		})
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		s, err := Start(WithListenAddr(addr), WithDataDir(t.TempDir()))
		require.NoError(t, err, addr)
		s.Close()
	}
}

// pathParam matches a path template parameter.
var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// credentialVariants are ways to send (or not send) the key that must all
// be refused.
func credentialVariants(key string) []struct {
	name string
	set  func(r *http.Request)
} {
	header := func(k, v string) func(r *http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	return []struct {
		name string
		set  func(r *http.Request)
	}{
		{"none", func(*http.Request) {}},
		{"wrong key", header("Authorization", "Bearer dtn_not_the_key")},
		{"empty bearer", header("Authorization", "Bearer ")},
		{"key without a scheme", header("Authorization", key)},
		{"key as Basic", header("Authorization", "Basic "+key)},
		{"key with a suffix", header("Authorization", "Bearer "+key+"x")},
		{"key prefix", header("Authorization", "Bearer "+key[:len(key)-1])},
		{"key in X-API-Key", header("X-API-Key", key)},
		{"key in a cookie", header("Cookie", "token="+key)},
		{"key in the query", func(r *http.Request) {
			q := r.URL.Query()
			q.Set("api_key", key)
			q.Set("token", key)
			r.URL.RawQuery = q.Encode()
		}},
	}
}

// TestSecurityEveryRouteNeedsTheKey sends every operation of both contracts
// (the toolbox's under a running sandbox) with each wrong credential, and
// WebSocket upgrades to the toolbox's socket endpoints: all are refused
// with 401, and nothing changes on the server.
func TestSecurityEveryRouteNeedsTheKey(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	sb := started(t, c, controlplane.CreateSandbox{})
	hc := rawClient(t)

	type route struct{ method, path string }
	var routes []route
	cp, err := cpserver.GetSpec()
	require.NoError(t, err)
	for p, item := range cp.Paths.Map() {
		for m := range item.Operations() {
			routes = append(routes, route{m, pathParam.ReplaceAllString(p, sb.ID)})
		}
	}
	tb, err := tbserver.GetSpec()
	require.NoError(t, err)
	for p, item := range tb.Paths.Map() {
		for m := range item.Operations() {
			routes = append(routes, route{m, "/toolbox/" + sb.ID + pathParam.ReplaceAllString(p, "x")})
		}
	}
	routes = append(routes, route{"GET", "/sandbox/" + sb.ID + "/build-logs"})
	require.Greater(t, len(routes), 250, "both contracts were read")

	dir, err := srv.SandboxDir(sb.ID)
	require.NoError(t, err)
	before := treeOf(t, dir)
	sandboxesBefore := listIDs(t, c)

	n := 0
	for _, rt := range routes {
		for _, v := range credentialVariants(srv.APIKey) {
			var body io.Reader
			if rt.method != http.MethodGet && rt.method != http.MethodHead && rt.method != http.MethodDelete {
				body = strings.NewReader(`{"command":"touch pwned","name":"pwned","path":"pwned","paths":["pwned"]}`)
			}
			req, err := http.NewRequestWithContext(context.Background(), rt.method, srv.URL+rt.path, body)
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			v.set(req)
			resp, err := hc.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			n++
			if !assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s %s with %s: %s", rt.method, rt.path, v.name, b) {
				continue
			}
			assert.NotContains(t, string(b), srv.APIKey)
		}
	}
	t.Logf("%d refused requests over %d routes", n, len(routes))

	for _, p := range []string{"process/pty/create-connect?id=p1", "process/pty/p1/connect", "process/interpreter/execute",
		"process/session/s/command/c/logs?follow=true", "process/session/entrypoint/logs?follow=true"} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/toolbox/"+sb.ID+"/"+p, nil)
		require.NoError(t, err)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Version", "13")
		req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		resp, err := hc.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "WebSocket upgrade to %s", p)
	}

	assert.Equal(t, before, treeOf(t, dir), "the sandbox's files are unchanged")
	assert.Equal(t, sandboxesBefore, listIDs(t, c), "no sandbox was created or deleted")
	code, got := get(t, c, sb.ID)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, controlplane.SandboxStateStarted, *got.State, "the sandbox is untouched")
}

// TestSecurityObjectStorageNeedsASignature: the S3 endpoint refuses
// unsigned requests and requests signed with the API key as a secret.
func TestSecurityObjectStorageNeedsASignature(t *testing.T) {
	srv := NewServer(t)
	hc := rawClient(t)
	for _, tc := range []struct {
		name   string
		method string
		set    func(r *http.Request)
	}{
		{"unsigned list", http.MethodGet, func(*http.Request) {}},
		{"unsigned put", http.MethodPut, func(*http.Request) {}},
		{"API key as bearer", http.MethodPut, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+srv.APIKey) }},
		{"forged signature", http.MethodPut, func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=DTNEMUX/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
			r.Header.Set("X-Amz-Date", "20260101T000000Z")
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.ObjectStorageURL()+"/"+ObjectStorageBucket+"/x/context.tar", strings.NewReader("x"))
			require.NoError(t, err)
			tc.set(req)
			resp, err := hc.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Contains(t, []int{http.StatusForbidden, http.StatusBadRequest}, resp.StatusCode, "%s", b)
		})
	}
}

func treeOf(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		out = append(out, strings.TrimPrefix(p, dir))
		return nil
	}))
	return out
}

func listIDs(t *testing.T, c *controlplane.ClientWithResponses) []string {
	t.Helper()
	resp, err := c.ListSandboxesWithResponse(context.Background(), nil)
	require.NoError(t, err)
	require.NotNil(t, resp.JSON200, string(resp.Body))
	var ids []string
	for _, s := range resp.JSON200.Items {
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	return ids
}
