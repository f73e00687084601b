package daytona

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeToolbox is an httptest toolbox: handler h answers, every request is
// counted by method and path, and the sandbox's client has the default
// retry policy (with near-zero waits) and a debug logger into logs.
type fakeToolbox struct {
	srv  *httptest.Server
	sb   *Sandbox
	logs *syncBuffer

	mu       sync.Mutex
	requests []string
}

func newFakeToolbox(t *testing.T, h http.HandlerFunc) *fakeToolbox {
	t.Helper()
	f := &fakeToolbox{logs: &syncBuffer{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.Method+" "+r.URL.Path)
		f.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(f.srv.Close)
	logger := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, Config{APIURL: f.srv.URL, Logger: logger, Retry: RetryPolicy{InitialBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}})
	f.sb = newToolboxSandbox(c, f.srv.URL+"/tb/sb-1")
	return f
}

// sent returns the requests received so far.
func (f *fakeToolbox) sent() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// envelope writes the daemon's error envelope.
func envelope(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"statusCode": status, "message": message, "code": code,
		"timestamp": "2026-01-01T00:00:00Z", "path": "/x", "method": "POST"})
}
