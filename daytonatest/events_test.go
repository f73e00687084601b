package daytonatest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
	"github.com/daytona-go/daytona/internal/socketio"
)

// rawSocket is a hand-driven push-channel client.
type rawSocket struct {
	t    *testing.T
	conn *websocket.Conn
	hs   socketio.Handshake
}

// dialEvents opens a socket and reads the OPEN packet.
func dialEvents(t *testing.T, srv *Server, query string) *rawSocket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/socket.io/?"+query, &websocket.DialOptions{HTTPClient: rawClient(t)})
	require.NoError(t, err)
	t.Cleanup(func() { conn.CloseNow() })
	s := &rawSocket{t: t, conn: conn}
	p := s.read()
	require.Equal(t, socketio.Open, p.Type)
	require.NoError(t, json.Unmarshal(p.Data, &s.hs))
	return s
}

func (s *rawSocket) read() socketio.Packet {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := s.conn.Read(ctx)
	require.NoError(s.t, err)
	p, err := socketio.Parse(string(data))
	require.NoError(s.t, err, "packet %q", data)
	return p
}

func (s *rawSocket) send(msg string) {
	s.t.Helper()
	require.NoError(s.t, s.conn.Write(context.Background(), websocket.MessageText, []byte(msg)))
}

func (s *rawSocket) connect(token string) socketio.Packet {
	s.t.Helper()
	msg, err := socketio.Encode(socketio.Connect, map[string]string{"token": token})
	require.NoError(s.t, err)
	s.send(msg)
	return s.read()
}

// event reads packets, answering pings, until an event arrives.
func (s *rawSocket) event() (string, map[string]any) {
	s.t.Helper()
	for {
		p := s.read()
		switch {
		case p.Type == socketio.Ping:
			s.send(socketio.Text(socketio.Pong))
		case p.Type == socketio.Message && p.SocketType == socketio.Event:
			name, arg, err := socketio.DecodeEvent(p.Data)
			require.NoError(s.t, err)
			var m map[string]any
			require.NoError(s.t, json.Unmarshal(arg, &m))
			return name, m
		default:
			s.t.Fatalf("unexpected packet %q", p.String())
		}
	}
}

const eioQuery = "EIO=4&transport=websocket"

func TestEventsHandshake(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithEventPing(40*time.Millisecond, 30*time.Millisecond))
	s := dialEvents(t, srv, eioQuery)
	assert.Equal(t, int64(40), s.hs.PingInterval)
	assert.Equal(t, int64(30), s.hs.PingTimeout)
	assert.Empty(t, s.hs.Upgrades, "websocket only")
	assert.NotEmpty(t, s.hs.SID)

	p := s.connect(srv.APIKey)
	require.Equal(t, socketio.Connect, p.SocketType, "accepted: %s", p.String())
	require.Eventually(t, func() bool { return srv.EventSockets() == 1 }, 5*time.Second, time.Millisecond)

	// The server pings; a pong keeps the socket.
	p = s.read()
	require.Equal(t, socketio.Ping, p.Type)
	s.send(socketio.Text(socketio.Pong))

	// A client that stops answering is dropped after the ping timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		if _, _, err := s.conn.Read(ctx); err != nil {
			break
		}
	}
	require.NoError(t, ctx.Err(), "the server closed the silent socket")
	require.Eventually(t, func() bool { return srv.EventSockets() == 0 }, 5*time.Second, time.Millisecond)
}

func TestEventsRefused(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	for _, tc := range []struct{ name, token string }{
		{"wrong key", "dtn_wrong"},
		{"no key", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := dialEvents(t, srv, eioQuery)
			p := s.connect(tc.token)
			require.Equal(t, socketio.ConnectError, p.SocketType)
			assert.JSONEq(t, `{"message":"Unauthorized"}`, string(p.Data))
			assert.Zero(t, srv.EventSockets())
		})
	}

	hc := rawClient(t)
	for _, q := range []string{"EIO=3&transport=websocket", "EIO=4&transport=polling"} {
		resp, err := hc.Get(srv.URL + "/socket.io/?" + q)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
	}
}

// TestEventsSandboxLifecycle: a sandbox's creation and each state change
// reach the socket, in order, with the sandbox as it is after the change.
func TestEventsSandboxLifecycle(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	s := dialEvents(t, srv, eioQuery)
	require.Equal(t, socketio.Connect, s.connect(srv.APIKey).SocketType)
	c := client(t, srv)

	sb := create(t, c, controlplane.CreateSandbox{})
	name, data := s.event()
	assert.Equal(t, "sandbox.created", name)
	assert.Equal(t, sb.ID, data["id"])
	assert.Equal(t, "creating", data["state"])

	name, data = s.event()
	assert.Equal(t, "sandbox.state.updated", name)
	assert.Equal(t, "creating", data["oldState"])
	assert.Equal(t, "started", data["newState"])
	pushed := data["sandbox"].(map[string]any)
	assert.Equal(t, sb.ID, pushed["id"])
	assert.Equal(t, "started", pushed["state"])

	_, err := c.StopSandboxWithResponse(context.Background(), sb.ID, nil)
	require.NoError(t, err)
	name, data = s.event()
	assert.Equal(t, "sandbox.desired-state.updated", name)
	assert.Equal(t, "started", data["oldDesiredState"])
	assert.Equal(t, "stopped", data["newDesiredState"])
	for _, want := range [][2]string{{"started", "stopping"}, {"stopping", "stopped"}} {
		name, data = s.event()
		assert.Equal(t, "sandbox.state.updated", name)
		assert.Equal(t, want[0], data["oldState"])
		assert.Equal(t, want[1], data["newState"])
	}

	require.NoError(t, srv.Fail(sb.ID, Failure{Reason: "disk on fire"}))
	name, data = s.event()
	assert.Equal(t, "sandbox.state.updated", name)
	assert.Equal(t, "error", data["newState"])
	assert.Equal(t, "disk on fire", data["sandbox"].(map[string]any)["errorReason"])
}

// TestEventsSnapshotsAndVolumes: the snapshot and volume publishers send
// their DTOs (wrapped for state changes).
func TestEventsSnapshotsAndVolumes(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	s := dialEvents(t, srv, eioQuery)
	require.Equal(t, socketio.Connect, s.connect(srv.APIKey).SocketType)
	require.Eventually(t, func() bool { return srv.EventSockets() == 1 }, 5*time.Second, time.Millisecond)

	now := time.Now()
	sn := &snapshot{id: "sn1", name: "snap", state: cpserver.SnapshotStateActive, createdAt: now, updatedAt: now}
	v := &volume{id: "v1", name: "vol", state: cpserver.VolumeStateReady, createdAt: now, updatedAt: now}
	srv.mu.Lock()
	srv.snapshotCreated(sn)
	srv.snapshotStateChanged(sn, cpserver.SnapshotStatePending)
	srv.snapshotStateChanged(sn, cpserver.SnapshotStateActive) // no change: nothing sent
	srv.snapshotRemoved(sn)
	srv.volumeCreated(v)
	srv.volumeStateChanged(v, cpserver.VolumeStateCreating)
	srv.mu.Unlock()

	for _, want := range []struct{ name, id, wrapper, old string }{
		{"snapshot.created", "sn1", "", ""},
		{"snapshot.state.updated", "sn1", "snapshot", "pending"},
		{"snapshot.removed", "sn1", "", ""},
		{"volume.created", "v1", "", ""},
		{"volume.state.updated", "v1", "volume", "creating"},
	} {
		name, data := s.event()
		require.Equal(t, want.name, name)
		entity := data
		if want.wrapper != "" {
			entity = data[want.wrapper].(map[string]any)
			assert.Equal(t, want.old, data["oldState"])
			assert.Equal(t, entity["state"], data["newState"])
		}
		assert.Equal(t, want.id, entity["id"])
	}
}

// TestEventsDropAndClose: DropEventSockets cuts sockets without a goodbye,
// and Close ends the ones left.
func TestEventsDropAndClose(t *testing.T) {
	t.Parallel()
	srv, err := Start()
	require.NoError(t, err)
	defer srv.Close()
	a := dialEvents(t, srv, eioQuery)
	require.Equal(t, socketio.Connect, a.connect(srv.APIKey).SocketType)
	require.Eventually(t, func() bool { return srv.EventSockets() == 1 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, 1, srv.DropEventSockets())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err = a.conn.Read(ctx)
	require.Error(t, err)
	assert.Equal(t, websocket.StatusCode(-1), websocket.CloseStatus(err), "no close frame: %v", err)

	b := dialEvents(t, srv, eioQuery)
	require.Equal(t, socketio.Connect, b.connect(srv.APIKey).SocketType)
	require.Eventually(t, func() bool { return srv.EventSockets() == 1 }, 5*time.Second, time.Millisecond)
	srv.Close()
	_, _, err = b.conn.Read(ctx)
	require.Error(t, err)
	assert.Zero(t, srv.EventSockets())
}
