package daytona

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestToolboxURLFallback: a sandbox whose data has no toolboxProxyUrl asks
// the control plane for it once, then calls its toolbox there.
func TestToolboxURLFallback(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var paths []string
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/sandbox/sb1/toolbox-proxy-url":
			writeJSON(w, 200, map[string]string{"url": srvURL + "/tb/"})
		case "/tb/sb1/user-home-dir":
			writeJSON(w, 200, map[string]string{"dir": "/home/daytona"})
		case "/tb/sb1/work-dir":
			writeJSON(w, 200, map[string]string{"dir": "/home/daytona/work"})
		case "/tb/sb1/system/metrics":
			writeJSON(w, 200, map[string]any{"cpuCount": 2, "cpuUsedPct": 12.5, "memTotal": 1024, "memUsed": 512,
				"memCache": 64, "diskTotal": 4096, "diskUsed": 1024, "diskFree": 3072, "timestampUnix": 1767225600})
		default:
			writeJSON(w, 404, map[string]any{"statusCode": 404, "message": "no route " + r.URL.Path})
		}
	}))
	t.Cleanup(srv.Close)
	srvURL = srv.URL
	c, err := New(Config{APIURL: srv.URL, APIKey: "test-key-123456", Retry: RetryPolicy{MaxAttempts: 1}})
	require.NoError(t, err)
	sb := newSandbox(c, &sandboxData{id: "sb1", state: StateStarted})

	home, err := sb.UserHomeDir(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "/home/daytona", home)
	assert.Equal(t, srv.URL+"/tb/", sb.ToolboxProxyURL(), "the fetched URL is kept")
	wd, err := sb.WorkDir(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "/home/daytona/work", wd)
	m, err := sb.Metrics(t.Context())
	require.NoError(t, err)
	assert.Equal(t, SystemMetrics{CPUCount: 2, CPUUsedPercent: 12.5, MemTotal: 1024, MemUsed: 512, MemCache: 64,
		DiskTotal: 4096, DiskUsed: 1024, DiskFree: 3072, Timestamp: m.Timestamp}, m)
	assert.Equal(t, int64(1767225600), m.Timestamp.Unix())

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{
		"GET /sandbox/sb1/toolbox-proxy-url",
		"GET /tb/sb1/user-home-dir",
		"GET /tb/sb1/work-dir",
		"GET /tb/sb1/system/metrics",
	}, paths)
}

func TestToolboxURLFallbackMissing(t *testing.T) {
	t.Parallel()
	c := testClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"url": ""})
	}))
	sb := newSandbox(c, &sandboxData{id: "sb1"})
	_, err := sb.UserHomeDir(t.Context())
	require.ErrorIs(t, err, ErrServer)
}
