package daytona

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest"
)

// eventsEnv is an emulator and a client for it with a started sandbox.
type eventsEnv struct {
	srv *daytonatest.Server
	c   *Client
	sb  *Sandbox
	ctx context.Context
}

// newEventsEnv starts an emulator with opts and a client with cfg (APIURL
// and APIKey filled in); tune, if set, adjusts the client's push channel
// before its first wait.
func newEventsEnv(t *testing.T, cfg Config, tune func(*eventHub), opts ...daytonatest.Option) *eventsEnv {
	t.Helper()
	srv := daytonatest.NewServer(t, opts...)
	cfg.APIURL = srv.URL
	if cfg.APIKey == "" {
		cfg.APIKey = srv.APIKey
	}
	c := newTestClient(t, cfg)
	if tune != nil {
		h := c.events()
		h.mu.Lock()
		tune(h)
		h.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	sb, err := c.Create(ctx, FromSnapshot{}, CreateOptions{})
	require.NoError(t, err)
	return &eventsEnv{srv: srv, c: c, sb: sb, ctx: ctx}
}

// getsDuring counts the GET /sandbox/{id} the emulator received while f ran.
func (e *eventsEnv) getsDuring(f func()) int {
	path := "/sandbox/" + e.sb.ID()
	before := e.srv.Requests(http.MethodGet, path)
	f()
	return e.srv.Requests(http.MethodGet, path) - before
}

// slowStart stops the sandbox, then starts it through the raw API (no
// wait) with the emulator's starting state lasting d.
func (e *eventsEnv) slowStart(t *testing.T, d time.Duration) {
	t.Helper()
	require.NoError(t, e.sb.Stop(e.ctx, StopOptions{}))
	e.srv.SetLatency(d, daytonatest.StateStarting)
	_, err := e.c.cp.StartSandboxWithResponse(e.ctx, e.sb.ID(), nil)
	require.NoError(t, err)
}

func connected(srv *daytonatest.Server, n int) func() bool {
	return func() bool { return srv.EventSockets() == n }
}

// TestEventsWaitEndsOnPush: over the same slow start, a wait woken by the
// pushed state change makes fewer GETs than a wait that only polls, and
// the pushed sandbox is applied.
func TestEventsWaitEndsOnPush(t *testing.T) {
	t.Parallel()
	const transition = 1500 * time.Millisecond
	counts := map[string]int{}
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"poll", Config{DisableEvents: true}},
		{"push", Config{}},
	} {
		e := newEventsEnv(t, tc.cfg, nil)
		if !tc.cfg.DisableEvents {
			require.Eventually(t, connected(e.srv, 1), 10*time.Second, 5*time.Millisecond, "the create's wait opened the socket")
		}
		e.slowStart(t, transition)
		counts[tc.name] = e.getsDuring(func() {
			require.NoError(t, e.sb.WaitUntil(e.ctx, StateStarted))
		})
		assert.Equal(t, StateStarted, e.sb.State())
		if tc.cfg.DisableEvents {
			assert.Zero(t, e.srv.Requests(http.MethodGet, "/socket.io/"), "DisableEvents opens no socket")
		}
	}
	t.Logf("GET /sandbox/{id} during a %v start: %v", transition, counts)
	assert.Less(t, counts["push"], counts["poll"])
	assert.GreaterOrEqual(t, counts["poll"], 5, "polling checks on its 50 ms..1 s schedule")
	assert.LessOrEqual(t, counts["push"], 3, "the first check, safety polls once a second, none for the push")
}

// keyInjector is a proxy-like transport that replaces the Authorization
// header with the right key, so REST calls work whatever the client's key.
type keyInjector struct {
	key  string
	next *http.Transport
}

func (k keyInjector) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.Header.Get("Authorization") != "" {
		r.Header.Set("Authorization", "Bearer "+k.key)
	}
	return k.next.RoundTrip(r)
}

// syncBuf is a goroutine-safe log buffer.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestEventsRefusedKeyFallsBackToPolling: the server refuses the socket's
// credentials (44); waits still complete by polling, nothing panics, and
// the key shows up in no log line.
func TestEventsRefusedKeyFallsBackToPolling(t *testing.T) {
	t.Parallel()
	const badKey = "dtn_wrong_key_for_the_socket_0123456789"
	srv := daytonatest.NewServer(t)
	var logs syncBuf
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c := newTestClient(t, Config{
		APIURL: srv.URL, APIKey: badKey,
		HTTPClient: &http.Client{Transport: keyInjector{key: srv.APIKey, next: tr}},
		Logger:     slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	h := c.events()
	h.mu.Lock()
	h.delays = []time.Duration{10 * time.Millisecond}
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sb, err := c.Create(ctx, FromSnapshot{}, CreateOptions{})
	require.NoError(t, err)
	e := &eventsEnv{srv: srv, c: c, sb: sb, ctx: ctx}
	e.slowStart(t, 300*time.Millisecond)
	require.NoError(t, sb.WaitUntil(ctx, StateStarted))
	assert.Equal(t, StateStarted, sb.State())
	assert.GreaterOrEqual(t, srv.Requests(http.MethodGet, "/socket.io/"), 1, "the socket was tried")
	assert.Zero(t, srv.EventSockets(), "and refused")
	assert.Contains(t, logs.String(), "push channel")
	assert.NotContains(t, logs.String(), badKey)
	assert.NotContains(t, logs.String(), srv.APIKey)
}

// TestEventsReconnect: the server drops the socket in the middle of a wait;
// the client reconnects and the wait completes.
func TestEventsReconnect(t *testing.T) {
	t.Parallel()
	e := newEventsEnv(t, Config{}, func(h *eventHub) { h.delays = []time.Duration{20 * time.Millisecond} })
	require.Eventually(t, connected(e.srv, 1), 10*time.Second, 5*time.Millisecond)
	dials := e.srv.Requests(http.MethodGet, "/socket.io/")
	e.slowStart(t, time.Second)
	errc := make(chan error, 1)
	go func() { errc <- e.sb.WaitUntil(e.ctx, StateStarted) }()
	require.Equal(t, 1, e.srv.DropEventSockets())
	require.Eventually(t, func() bool {
		return e.srv.Requests(http.MethodGet, "/socket.io/") > dials && e.srv.EventSockets() == 1
	}, 10*time.Second, 5*time.Millisecond, "the client reconnects")
	require.NoError(t, <-errc)
	assert.Equal(t, StateStarted, e.sb.State())
}

// TestEventsLingerAndClose: the idle socket closes once the linger time has
// passed after the last wait, a new wait opens it again, and Client.Close
// closes it at once.
func TestEventsLingerAndClose(t *testing.T) {
	t.Parallel()
	e := newEventsEnv(t, Config{}, func(h *eventHub) { h.linger = 50 * time.Millisecond })
	require.Eventually(t, func() bool {
		return hubOf(e.c) == nil && e.srv.EventSockets() == 0
	}, 10*time.Second, 5*time.Millisecond, "the socket closes after the linger time")

	// The next wait opens a new socket, with the default linger.
	require.NoError(t, e.sb.Stop(e.ctx, StopOptions{}))
	require.Eventually(t, connected(e.srv, 1), 10*time.Second, 5*time.Millisecond)
	require.NoError(t, e.c.Close())
	assert.Nil(t, hubOf(e.c), "Close ends the push channel")
	require.Eventually(t, connected(e.srv, 0), 10*time.Second, 5*time.Millisecond)
}

// TestEventsPings: the client answers the server's pings, so a socket
// outlives many ping timeouts.
func TestEventsPings(t *testing.T) {
	t.Parallel()
	e := newEventsEnv(t, Config{}, nil, daytonatest.WithEventPing(50*time.Millisecond, time.Second))
	require.Eventually(t, connected(e.srv, 1), 10*time.Second, 5*time.Millisecond)
	dials := e.srv.Requests(http.MethodGet, "/socket.io/")
	time.Sleep(time.Second) // 20 ping intervals: a socket that did not answer would be gone
	assert.Equal(t, 1, e.srv.EventSockets())
	assert.Equal(t, dials, e.srv.Requests(http.MethodGet, "/socket.io/"), "no reconnection was needed")
}

// TestEventsDispatch: events reach only the subscriptions of their
// resource, by ID or by name, wrapped or not; others are ignored.
func TestEventsDispatch(t *testing.T) {
	h := &eventHub{subs: map[*eventSub]struct{}{}}
	mk := func(kind, id, name string) *eventSub {
		s := &eventSub{h: h, kind: kind, id: id, name: name, wakeC: make(chan struct{}, 1)}
		h.subs[s] = struct{}{}
		return s
	}
	sb := mk("sandbox", "sb1", "")
	vol := mk("volume", "", "data")
	snap := mk("snapshot", "sn1", "")
	tests := []struct {
		event string
		woken *eventSub
	}{
		{`["sandbox.state.updated",{"sandbox":{"id":"sb1","state":"started"},"oldState":"starting","newState":"started"}]`, sb},
		{`["sandbox.created",{"id":"sb1","state":"creating"}]`, sb},
		{`["sandbox.state.updated",{"sandbox":{"id":"other"},"newState":"started"}]`, nil},
		{`["volume.state.updated",{"volume":{"id":"v1","name":"data"},"newState":"ready"}]`, vol},
		{`["snapshot.state.updated",{"snapshot":{"id":"sn1","name":"x"},"newState":"active"}]`, snap},
		{`["runner.state.updated",{"runner":{"id":"sb1"}}]`, nil},
		{`["sandbox.state.updated","not an object"]`, nil},
		{`["sandbox.state.updated"]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			h.dispatch([]byte(tt.event))
			for _, s := range []*eventSub{sb, vol, snap} {
				select {
				case <-s.woken():
					assert.Same(t, tt.woken, s, "woken")
					_, ok := s.take()
					assert.True(t, ok, "the resource is kept for the wait")
				default:
					assert.NotSame(t, tt.woken, s, "not woken")
				}
			}
		})
	}
}

// TestEventsPushedSandboxOrder: a pushed sandbox older than the one held
// (an event that overtook a poll) is not applied.
func TestEventsPushedSandboxOrder(t *testing.T) {
	sb := newSandbox(nil, &sandboxData{id: "sb1", state: StateStarted, updatedAt: time.Date(2026, 1, 1, 0, 0, 2, 0, time.UTC)})
	assert.False(t, sb.applyPushed([]byte(`{"id":"sb1","state":"starting","updatedAt":"2026-01-01T00:00:01.000Z"}`)))
	assert.Equal(t, StateStarted, sb.State())
	assert.False(t, sb.applyPushed([]byte(`{"id":"other","state":"stopped","updatedAt":"2026-01-01T00:00:03.000Z"}`)))
	assert.False(t, sb.applyPushed([]byte(`not json`)))
	assert.True(t, sb.applyPushed([]byte(`{"id":"sb1","state":"stopping","updatedAt":"2026-01-01T00:00:03.000Z"}`)))
	assert.Equal(t, StateStopping, sb.State())
}

// TestEventsDisableFromEnvironment: DAYTONA_USE_DEPRECATED_POLLING turns
// the push channel off when the Config does not; a bad value is an
// ErrValidation that names the variable.
func TestEventsDisableFromEnvironment(t *testing.T) {
	tests := []struct {
		value   string
		cfg     bool
		want    bool
		wantErr bool
	}{
		{value: "", want: false},
		{value: "true", want: true},
		{value: "1", want: true},
		{value: "false", want: false},
		{value: "false", cfg: true, want: true},
		{value: "yes", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			env := environment{dir: t.TempDir(), lookup: func(k string) (string, bool) {
				if k == envPolling && tt.value != "" {
					return tt.value, true
				}
				return "", false
			}}
			res, err := resolveConfig(Config{APIKey: testKey, DisableEvents: tt.cfg}, env)
			if tt.wantErr {
				require.ErrorIs(t, err, ErrValidation)
				assert.Contains(t, err.Error(), envPolling)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.DisableEvents)
		})
	}
}

// TestEventsVolumeWaitEndsOnPush: a volume wait is woken by the pushed
// volume.state.updated events (matched by name), so over the same slow
// creation it makes fewer GETs than a wait that only polls.
func TestEventsVolumeWaitEndsOnPush(t *testing.T) {
	t.Parallel()
	counts := map[string]int{}
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"poll", Config{DisableEvents: true}},
		{"push", Config{}},
	} {
		// Every volume step (pending_create -> creating -> ready) takes 1 s.
		e := newEventsEnv(t, tc.cfg, nil, daytonatest.WithLatency(time.Second))
		if !tc.cfg.DisableEvents {
			require.Eventually(t, connected(e.srv, 1), 10*time.Second, 5*time.Millisecond, "the create's wait opened the socket")
		}
		name := "vol-" + tc.name
		_, err := e.c.Volumes.Create(e.ctx, name)
		require.NoError(t, err)
		path := "/volumes/by-name/" + name
		before := e.srv.Requests(http.MethodGet, path)
		vol, err := e.c.Volumes.WaitUntilReady(e.ctx, name)
		require.NoError(t, err)
		assert.Equal(t, VolumeStateReady, vol.State)
		counts[tc.name] = e.srv.Requests(http.MethodGet, path) - before
	}
	t.Logf("GET /volumes/by-name/{name} during a 2 s creation: %v", counts)
	assert.Less(t, counts["push"], counts["poll"])
}

// hubOf is c's push channel, nil when it has none.
func hubOf(c *Client) *eventHub {
	c.evMu.Lock()
	defer c.evMu.Unlock()
	return c.hub
}
