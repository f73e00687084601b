package toolbox_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
)

func TestInfoEndpoints(t *testing.T) {
	e := newEnv(t, func(c *toolbox.Config) { c.Version = "v9.9.9" })
	ctx := t.Context()

	v, err := e.c.GetVersionWithResponse(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"version": "v9.9.9"}, map[string]string(*v.JSON200))
	assert.NotEmpty(t, v.HTTPResponse.Header.Get("X-Request-Id"))

	home, err := e.c.GetUserHomeDirWithResponse(ctx)
	require.NoError(t, err)
	assert.Equal(t, e.root, home.JSON200.Dir)
	work, err := e.c.GetWorkDirWithResponse(ctx)
	require.NoError(t, err)
	assert.Equal(t, e.root, work.JSON200.Dir)
	proj := e.do(http.MethodGet, "/project-dir", nil, nil)
	assert.JSONEq(t, `{"dir":"`+e.root+`"}`, string(readAll(t, proj)))

	ini, err := e.c.InitializeWithResponse(ctx, tbclient.InitializeRequest{Token: "t"})
	require.NoError(t, err)
	assert.Equal(t, "Auth token set and telemetry initialized successfully", (*ini.JSON200)["message"])

	m, err := e.c.GetSystemMetricsWithResponse(ctx)
	require.NoError(t, err)
	require.NotNil(t, m.JSON200, "%s", m.Body)
	assert.Positive(t, *m.JSON200.CPUCount)
	assert.Positive(t, *m.JSON200.MemTotal)
	assert.Positive(t, *m.JSON200.DiskTotal)
	assert.LessOrEqual(t, *m.JSON200.DiskFree, *m.JSON200.DiskTotal)
	assert.Positive(t, *m.JSON200.TimestampUnix)
}

func TestPorts(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	ports, err := e.c.GetPortsWithResponse(t.Context())
	require.NoError(t, err)
	assert.Contains(t, *ports.JSON200.Ports, port)

	// Find a free port in the accepted range and listen on it.
	var inRange net.Listener
	for p := 3000; p <= 9999 && inRange == nil; p++ {
		inRange, _ = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	}
	require.NotNil(t, inRange)
	defer inRange.Close()
	p := inRange.Addr().(*net.TCPAddr).Port
	used, err := e.c.IsPortInUseWithResponse(t.Context(), p)
	require.NoError(t, err)
	assert.True(t, *used.JSON200.IsInUse)
	require.NoError(t, inRange.Close())
	free, err := e.c.IsPortInUseWithResponse(t.Context(), p)
	require.NoError(t, err)
	assert.False(t, *free.JSON200.IsInUse)

	for _, bad := range []string{"80", "10000", "abc"} {
		var h http.Header
		if bad == "abc" {
			h = invalidRequest
		}
		resp := e.do(http.MethodGet, "/port/"+bad+"/in-use", nil, h)
		requireEmpty(t, resp, readAll(t, resp), http.StatusBadRequest) // quirk 37
	}
}

func TestUpdateEnv(t *testing.T) {
	e := newEnv(t, func(c *toolbox.Config) {
		c.Env = []string{"PATH=/usr/bin:/bin", "KEEP=1", "DROP=1", "SECRET_A=ph:1", "SECRET_B=ph:2"}
	})
	resp, err := e.c.UpdateEnvWithResponse(t.Context(), tbclient.UpdateEnvRequest{
		Set: &map[string]string{"NEW": "n", "SECRET_B": "ph:kept"}, Unset: &[]string{"DROP"}, UnsetValuePrefix: ptr("ph:"),
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), "%s", resp.Body)
	out, err := e.c.ExecuteCommandWithResponse(t.Context(), tbclient.ExecuteRequest{Command: "env | sort | grep -E '^(KEEP|DROP|NEW|SECRET_A|SECRET_B|HOME)='"})
	require.NoError(t, err)
	assert.Equal(t, "HOME="+e.root+"\nKEEP=1\nNEW=n\nSECRET_B=ph:kept\n", out.JSON200.Result)

	bad := e.do(http.MethodPost, "/env", strings.NewReader(`{"set":{"HOME":"/"}}`), http.Header{"Content-Type": {"application/json"}})
	requireEnvelope(t, bad, readAll(t, bad), http.StatusBadRequest, "BAD_REQUEST")
}

func TestUnknownRoute(t *testing.T) {
	e := newEnv(t)
	r, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.url+"/no/such/route", nil)
	require.NoError(t, err)
	// Straight to the toolbox: the validating server would flag the route.
	rec := httptest.NewRecorder()
	e.tb.Handler().ServeHTTP(rec, r)
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.Equal(t, "404 page not found", rec.Body.String())
}
