package daytonatest

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
	"github.com/daytona-go/daytona/internal/socketio"
)

// The Socket.IO push channel (PROTOCOLS.md 2.6). The real API serves it at
// {apiUrl}/socket.io/ (https://app.daytona.io/api/socket.io/); the
// emulator's apiUrl is Server.URL, so it answers at URL+"/socket.io/". It
// speaks Engine.IO v4 over WebSocket only (no long polling, no upgrade):
// an OPEN packet with the ping settings (WithEventPing), a CONNECT whose
// auth.token must be the API key or a JWT of IssueJWT (else 44
// Unauthorized and the socket closes), then server pings and the
// organization's events. The emulator has one organization: a socket
// authenticated by the API key, or by a JWT with ?organizationId= naming
// it, is in its room and receives every event.

// Default Engine.IO ping settings, the Socket.IO server's defaults.
const (
	DefaultEventPingInterval = 25 * time.Second
	DefaultEventPingTimeout  = 20 * time.Second
)

const eventsPath = "/socket.io/"

// eventQueue bounds the events queued for one socket; a socket that falls
// that far behind is dropped (the client then reconnects and polls).
const eventQueue = 256

func isEventsPath(p string) bool { return p == eventsPath || p == "/socket.io" }

// eventRoom is the organization's room: the sockets that receive events.
type eventRoom struct {
	n       atomic.Int32 // len(sockets), read without mu by publish
	mu      sync.Mutex
	sockets map[*eventSocket]struct{}
}

func newEventRoom() *eventRoom { return &eventRoom{sockets: map[*eventSocket]struct{}{}} }

// eventSocket is one connected, authenticated socket.
type eventSocket struct {
	out      chan string   // packets to send
	dropped  chan struct{} // closed to cut the socket without a goodbye
	dropOnce sync.Once
}

func (e *eventSocket) drop() { e.dropOnce.Do(func() { close(e.dropped) }) }

func (r *eventRoom) add(e *eventSocket) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sockets[e] = struct{}{}
	r.n.Store(int32(len(r.sockets)))
}

func (r *eventRoom) remove(e *eventSocket) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.sockets, e)
	r.n.Store(int32(len(r.sockets)))
}

// broadcast queues msg on every socket, dropping those whose queue is full.
func (r *eventRoom) broadcast(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for e := range r.sockets {
		select {
		case e.out <- msg:
		default:
			e.drop()
		}
	}
}

// DropEventSockets cuts every connected push-channel socket at once, the
// way a network failure or a server restart does (no Engine.IO close
// packet, no WebSocket close frame), and returns how many there were.
// Clients are expected to reconnect.
func (s *Server) DropEventSockets() int {
	r := s.events
	r.mu.Lock()
	defer r.mu.Unlock()
	for e := range r.sockets {
		e.drop()
	}
	return len(r.sockets)
}

// EventSockets returns how many push-channel sockets are connected and
// authenticated.
func (s *Server) EventSockets() int { return int(s.events.n.Load()) }

// serveEvents serves one push-channel socket until the client leaves, a
// ping goes unanswered, DropEventSockets cuts it or the server closes.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("EIO") != "4":
		writeEngineError(w, 5, "Unsupported protocol version")
		return
	case q.Get("transport") != "websocket":
		writeEngineError(w, 0, "Transport unknown")
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered
	}
	defer conn.CloseNow()
	conn.SetReadLimit(socketio.MaxPacket)
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()

	interval, timeout := s.cfg.eventPingInterval, s.cfg.eventPingTimeout
	send := func(msg string) bool {
		wctx, wcancel := context.WithTimeout(ctx, timeout)
		defer wcancel()
		return conn.Write(wctx, websocket.MessageText, []byte(msg)) == nil
	}
	open, _ := json.Marshal(socketio.Handshake{
		SID: randomHex(10), Upgrades: []string{},
		PingInterval: interval.Milliseconds(), PingTimeout: timeout.Milliseconds(), MaxPayload: 1_000_000,
	})
	if !send(string(socketio.Open) + string(open)) {
		return
	}
	auth := s.eventAuth(ctx, conn, interval+timeout, q.Get("organizationId"))
	if auth == eventRefused {
		msg, _ := socketio.Encode(socketio.ConnectError, map[string]string{"message": "Unauthorized"})
		if send(msg) {
			_ = conn.Close(websocket.StatusNormalClosure, "")
		}
		return
	}
	// The socket joins the room before the CONNECT is acknowledged, so a
	// client that has its acknowledgement misses no event.
	sock := &eventSocket{out: make(chan string, eventQueue), dropped: make(chan struct{})}
	if auth == eventMember {
		room := s.events
		room.add(sock)
		defer room.remove(sock)
	}
	ok, _ := socketio.Encode(socketio.Connect, map[string]string{"sid": randomHex(10)})
	if !send(ok) {
		return
	}

	pongs := make(chan struct{}, 1)
	left := make(chan struct{}) // closed when the reader ends
	go func() {
		defer close(left)
		for {
			typ, data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			if typ != websocket.MessageText {
				continue
			}
			p, err := socketio.Parse(string(data))
			switch {
			case err != nil:
			case p.Type == socketio.Pong:
				select {
				case pongs <- struct{}{}:
				default:
				}
			case p.Type == socketio.Close, p.Type == socketio.Message && p.SocketType == socketio.Disconnect:
				return
			}
		}
	}()
	defer func() { conn.CloseNow(); <-left }()

	ping := time.NewTicker(interval)
	defer ping.Stop()
	deadline := time.NewTimer(timeout)
	deadline.Stop()
	defer deadline.Stop()
	awaiting := false
	for {
		select {
		case <-ctx.Done():
			_ = conn.Close(websocket.StatusGoingAway, "server closing")
			return
		case <-sock.dropped:
			return
		case <-left:
			_ = conn.Close(websocket.StatusNormalClosure, "")
			return
		case msg := <-sock.out:
			if !send(msg) {
				return
			}
		case <-ping.C:
			if !send(socketio.Text(socketio.Ping)) {
				return
			}
			if !awaiting {
				awaiting = true
				deadline.Reset(timeout)
			}
		case <-pongs:
			awaiting = false
			deadline.Stop()
		case <-deadline.C:
			return // ping timeout: the client is gone
		}
	}
}

// eventAccess is what a socket's CONNECT gets it.
type eventAccess int

const (
	eventRefused  eventAccess = iota // 44 Unauthorized
	eventMember                      // in the organization's room
	eventOutsider                    // accepted, but in no room: no events
)

// eventAuth reads the client's CONNECT and checks its auth.token: the API
// key makes the socket a member of the organization's room; a JWT of the
// server's (jwt.go) does too when org, the ?organizationId= of the
// handshake, names the organization, and is otherwise accepted into no
// room (PROTOCOLS.md quirk 44).
func (s *Server) eventAuth(ctx context.Context, conn *websocket.Conn, wait time.Duration, org string) eventAccess {
	rctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	typ, data, err := conn.Read(rctx)
	if err != nil || typ != websocket.MessageText {
		return eventRefused
	}
	p, err := socketio.Parse(string(data))
	if err != nil || p.Type != socketio.Message || p.SocketType != socketio.Connect || p.Namespace != "/" {
		return eventRefused
	}
	var auth struct {
		Token string `json:"token"`
	}
	if len(p.Data) == 0 || json.Unmarshal(p.Data, &auth) != nil || auth.Token == "" {
		return eventRefused
	}
	switch {
	case subtle.ConstantTimeCompare([]byte(auth.Token), []byte(s.APIKey)) == 1:
		return eventMember
	case !s.validJWT(auth.Token):
		return eventRefused
	case org == s.OrganizationID:
		return eventMember
	}
	return eventOutsider
}

// writeEngineError answers a handshake the Engine.IO server refuses.
func writeEngineError(w http.ResponseWriter, code int, message string) {
	body, _ := json.Marshal(map[string]any{"code": code, "message": message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(body)
}

// publish sends the event name with payload to the organization's room.
// Callers hold s.mu; payload is only built when a socket listens.
func (s *Server) publish(name string, payload func() any) {
	room := s.events
	if room.n.Load() == 0 {
		return
	}
	msg, err := socketio.EncodeEvent(name, payload())
	if err != nil {
		s.recordf("encoding event %s: %v", name, err)
		return
	}
	room.broadcast(msg)
}

// sandboxStateChanged publishes sandbox.state.updated when sb left prev.
// Callers hold s.mu.
func (s *Server) sandboxStateChanged(sb *sandbox, prev State) {
	if prev == sb.state {
		return
	}
	s.publish("sandbox.state.updated", func() any {
		return map[string]any{"sandbox": s.dto(sb), "oldState": prev, "newState": sb.state}
	})
}

// sandboxCreated publishes sandbox.created. Callers hold s.mu.
func (s *Server) sandboxCreated(sb *sandbox) {
	s.publish("sandbox.created", func() any { return s.dto(sb) })
}

// sandboxDesiredChanged publishes sandbox.desired-state.updated when the
// desired state moved from prev. Callers hold s.mu.
func (s *Server) sandboxDesiredChanged(sb *sandbox, prev cpserver.SandboxDesiredState) {
	if prev == sb.desired {
		return
	}
	s.publish("sandbox.desired-state.updated", func() any {
		return map[string]any{"sandbox": s.dto(sb), "oldDesiredState": prev, "newDesiredState": sb.desired}
	})
}

// snapshotCreated publishes snapshot.created. Callers hold s.mu.
func (s *Server) snapshotCreated(sn *snapshot) {
	s.publish("snapshot.created", func() any { return sn.dto(s.OrganizationID) })
}

// snapshotRemoved publishes snapshot.removed. Callers hold s.mu.
func (s *Server) snapshotRemoved(sn *snapshot) {
	s.publish("snapshot.removed", func() any { return sn.dto(s.OrganizationID) })
}

// snapshotStateChanged publishes snapshot.state.updated when sn left prev.
// Callers hold s.mu.
func (s *Server) snapshotStateChanged(sn *snapshot, prev cpserver.SnapshotState) {
	if prev == sn.state {
		return
	}
	s.publish("snapshot.state.updated", func() any {
		return map[string]any{"snapshot": sn.dto(s.OrganizationID), "oldState": prev, "newState": sn.state}
	})
}

// volumeCreated publishes volume.created. Callers hold s.mu.
func (s *Server) volumeCreated(v *volume) {
	s.publish("volume.created", func() any { return v.dto(s.OrganizationID) })
}

// volumeStateChanged publishes volume.state.updated when v left prev.
// Callers hold s.mu.
func (s *Server) volumeStateChanged(v *volume, prev cpserver.VolumeState) {
	if prev == v.state {
		return
	}
	s.publish("volume.state.updated", func() any {
		return map[string]any{"volume": v.dto(s.OrganizationID), "oldState": prev, "newState": v.state}
	})
}
