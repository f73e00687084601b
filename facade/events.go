package daytona

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/daytona-go/daytona/internal/socketio"
	"github.com/daytona-go/daytona/internal/version"
)

// The push channel (PROTOCOLS.md 2.6): one Socket.IO socket per Client,
// opened in the background by the first wait, carrying the organization's
// state changes. A wait subscribes to its resource's events; an event ends
// its sleep at once (poll's wake-up), and a pushed sandbox is applied
// without a GET. Polling never stops: while the socket is up, a wait still
// checks every backoff.max (1 s) in case an event was lost, and while it
// is down the wait polls on its normal schedule. No wait depends on the
// socket, and no error of the socket reaches a caller.

// Push-channel timing (PROTOCOLS.md 2.6).
const (
	eventConnectTimeout = 5 * time.Second
	eventLinger         = 30 * time.Second // the socket stays this long after the last wait
	eventMaxAttempts    = 100              // connection attempts in a row before giving up
	eventPingInterval   = 25 * time.Second // when the server's OPEN packet says none
	eventPingTimeout    = 20 * time.Second
)

// eventDelays are the waits before reconnecting: 1, 2, 4, 8, 16, 30, 30 s...
var eventDelays = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second}

// eventHub is one Client's push channel.
type eventHub struct {
	c      *Client
	linger time.Duration   // eventLinger; tests shorten it
	delays []time.Duration // eventDelays; tests shorten them

	// rt carries the socket: the Config.HTTPClient's transport, else one
	// of the SDK's own apart from the request pool, so that the socket
	// takes none of the pool's connections per host.
	rt http.RoundTripper

	mu   sync.Mutex
	subs map[*eventSub]struct{}
	run  *eventRun              // the goroutine that keeps the socket; nil when none should
	runs map[*eventRun]struct{} // every goroutine still running, run included
	dead bool                   // no longer the Client's hub: subscribe makes a new one
}

// eventRun is one goroutine keeping the socket open and reconnecting it.
type eventRun struct {
	cancel context.CancelFunc
	done   chan struct{}
	live   atomic.Bool // connected and authenticated
	linger *time.Timer // set while the socket outlives its last wait
}

// eventSub is one wait's subscription to the events of one resource,
// matched by ID or (for volumes, waited on by name) by name. A nil
// *eventSub is a wait without a push channel.
type eventSub struct {
	h        *eventHub
	kind     string // "sandbox", "snapshot" or "volume"
	id, name string
	wakeC    chan struct{} // holds one wake-up at most

	mu     sync.Mutex
	latest json.RawMessage // the resource as last pushed, until taken
}

// subscribe starts a wait's subscription to the events of the resource of
// kind with this id (or name), connecting the Client's push channel if it
// is not. It returns nil when Config.DisableEvents is set. The caller must
// close the subscription.
func (c *Client) subscribe(kind, id, name string) *eventSub {
	if c.cfg.DisableEvents {
		return nil
	}
	for {
		h := c.events()
		if sub := h.add(kind, id, name); sub != nil {
			return sub
		}
	}
}

// events returns the Client's hub, making it if there is none. A hub
// stops being the Client's when its last goroutine ends with no wait
// subscribed (ended), so an idle Client holds nothing.
func (c *Client) events() *eventHub {
	c.evMu.Lock()
	defer c.evMu.Unlock()
	if c.hub == nil {
		rt := c.base
		if c.own != nil {
			rt = newTransport()
		}
		c.hub = &eventHub{
			c: c, rt: rt, linger: eventLinger, delays: eventDelays,
			subs: map[*eventSub]struct{}{}, runs: map[*eventRun]struct{}{},
		}
	}
	return c.hub
}

// closeEvents closes the Client's push channel, if it has one, and waits
// for its goroutine to end. A later wait opens it again.
func (c *Client) closeEvents() {
	c.evMu.Lock()
	h := c.hub
	c.evMu.Unlock()
	if h == nil {
		return
	}
	h.mu.Lock()
	if h.run != nil {
		h.stopRun()
	}
	var done []chan struct{}
	for r := range h.runs {
		r.cancel()
		done = append(done, r.done)
	}
	h.mu.Unlock()
	for _, d := range done {
		<-d
	}
}

func (h *eventHub) add(kind, id, name string) *eventSub {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dead {
		return nil
	}
	sub := &eventSub{h: h, kind: kind, id: id, name: name, wakeC: make(chan struct{}, 1)}
	h.subs[sub] = struct{}{}
	switch {
	case h.run == nil:
		h.startRun()
	case h.run.linger != nil:
		h.run.linger.Stop()
		h.run.linger = nil
	}
	return sub
}

func (h *eventHub) remove(sub *eventSub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, sub)
	r := h.run
	if len(h.subs) > 0 || r == nil {
		return
	}
	if !r.live.Load() {
		// Not connected: nobody needs the reconnection loop any more.
		h.stopRun()
		return
	}
	r.linger = time.AfterFunc(h.linger, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.run == r && len(h.subs) == 0 {
			h.stopRun()
		}
	})
}

// startRun starts the goroutine that keeps the socket. Callers hold h.mu.
func (h *eventHub) startRun() {
	ctx, cancel := context.WithCancel(context.Background())
	r := &eventRun{cancel: cancel, done: make(chan struct{})}
	h.run = r
	h.runs[r] = struct{}{}
	go h.keep(ctx, r)
}

// stopRun ends the current goroutine (without waiting). Callers hold h.mu.
func (h *eventHub) stopRun() {
	if h.run.linger != nil {
		h.run.linger.Stop()
		h.run.linger = nil
	}
	h.run.cancel()
	h.run = nil
}

// keep connects the socket and reconnects it while a wait is subscribed,
// until ctx ends or eventMaxAttempts attempts in a row have failed.
func (h *eventHub) keep(ctx context.Context, r *eventRun) {
	defer h.ended(r)
	log := h.c.logger
	reconnect := false
	for attempt := 0; attempt < eventMaxAttempts; attempt++ {
		connected, err := h.session(ctx, r, reconnect)
		if ctx.Err() != nil {
			return
		}
		if connected {
			attempt, reconnect = 0, true
		}
		if errors.Is(err, errUnauthorized) {
			log.Warn("daytona: push channel refused; waits poll", "error", err, "attempt", attempt+1)
		} else {
			log.Debug("daytona: push channel down", "error", err, "attempt", attempt+1)
		}
		h.mu.Lock()
		wanted := h.run == r && len(h.subs) > 0
		h.mu.Unlock()
		if !wanted {
			return
		}
		t := time.NewTimer(h.delays[min(attempt, len(h.delays)-1)])
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	log.Warn("daytona: push channel unavailable; waits poll", "attempts", eventMaxAttempts)
}

// ended forgets r once its goroutine is over, and retires the hub (the
// Client makes a new one when needed) when nothing runs and nobody waits.
// Lock order: h.mu, then the Client's evMu.
func (h *eventHub) ended(r *eventRun) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r.live.Store(false)
	if h.run == r {
		if r.linger != nil {
			r.linger.Stop()
		}
		h.run = nil
	}
	r.cancel()
	delete(h.runs, r)
	if h.run == nil && len(h.runs) == 0 && len(h.subs) == 0 {
		h.dead = true
		h.c.evMu.Lock()
		if h.c.hub == h {
			h.c.hub = nil
		}
		h.c.evMu.Unlock()
	}
	close(r.done)
}

// errUnauthorized is the server refusing the CONNECT (44).
var errUnauthorized = errors.New("the server refused the push channel's credentials")

// session opens one socket and reads it until it ends. connected reports
// whether the server accepted the CONNECT. After a reconnection every
// subscriber is woken, since events may have been missed meanwhile.
func (h *eventHub) session(ctx context.Context, r *eventRun, reconnect bool) (connected bool, err error) {
	dctx, cancel := context.WithTimeout(ctx, eventConnectTimeout)
	defer cancel()
	conn, err := h.dial(dctx)
	if err != nil {
		return false, err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(socketio.MaxPacket)

	p, err := readPacket(dctx, conn)
	if err != nil {
		return false, err
	}
	if p.Type != socketio.Open {
		return false, fmt.Errorf("push channel: expected an Engine.IO open packet, got type %q", p.Type)
	}
	var hs socketio.Handshake
	if err := json.Unmarshal(p.Data, &hs); err != nil {
		return false, fmt.Errorf("push channel: bad open packet: %w", err)
	}
	interval, timeout := eventPingInterval, eventPingTimeout
	if hs.PingInterval > 0 {
		interval = time.Duration(hs.PingInterval) * time.Millisecond
	}
	if hs.PingTimeout > 0 {
		timeout = time.Duration(hs.PingTimeout) * time.Millisecond
	}
	if err := h.connect(dctx, conn); err != nil {
		return false, err
	}
	r.live.Store(true)
	defer r.live.Store(false)
	h.c.logger.Debug("daytona: push channel connected")
	if reconnect {
		h.wakeAll()
	}

	// Leaving on purpose (linger over, Client.Close) says goodbye: an
	// Engine.IO close, then a WebSocket close 1000.
	closed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(closed)
		wctx, wcancel := context.WithTimeout(context.Background(), time.Second)
		_ = conn.Write(wctx, websocket.MessageText, []byte(socketio.Text(socketio.Close)))
		wcancel()
		_ = conn.Close(websocket.StatusNormalClosure, "")
	})
	defer func() {
		if !stop() {
			<-closed
		}
	}()
	// The server pings every interval; silence beyond interval+timeout
	// means the connection is dead.
	for {
		rctx, rcancel := context.WithTimeout(context.Background(), interval+timeout)
		p, err := readPacket(rctx, conn)
		rcancel()
		switch {
		case err != nil && errors.Is(err, socketio.ErrMalformed):
			continue // skip what cannot be read; the socket stays usable
		case err != nil:
			return true, err
		}
		switch {
		case p.Type == socketio.Ping:
			wctx, wcancel := context.WithTimeout(ctx, timeout)
			err := conn.Write(wctx, websocket.MessageText, []byte(socketio.Text(socketio.Pong)))
			wcancel()
			if err != nil {
				return true, err
			}
		case p.Type == socketio.Close:
			return true, errors.New("push channel: the server closed the session")
		case p.Type == socketio.Message && p.SocketType == socketio.Disconnect:
			return true, errors.New("push channel: the server disconnected the socket")
		case p.Type == socketio.Message && p.SocketType == socketio.Event:
			h.dispatch(p.Data)
		}
	}
}

// dial opens the WebSocket: {apiUrl}/socket.io/ with ws(s), the Engine.IO
// query and the SDK's identity headers. The credentials go in the CONNECT
// packet, never in the URL or a header.
func (h *eventHub) dial(ctx context.Context) (*websocket.Conn, error) {
	u, err := url.Parse(h.c.cfg.APIURL)
	if err != nil {
		return nil, fmt.Errorf("push channel: invalid API URL: %w", err)
	}
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/socket.io/"
	u.RawPath = ""
	q := url.Values{"EIO": {"4"}, "transport": {"websocket"}, "source": {version.Source}, "sdkVersion": {version.API}}
	if h.c.cfg.OrganizationID != "" {
		q.Set("organizationId", h.c.cfg.OrganizationID)
	}
	u.RawQuery = q.Encode()
	hdr := http.Header{}
	setIdentity(hdr)
	conn, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: h.rt},
		HTTPHeader: hdr,
	})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("push channel: %w", err)
	}
	return conn, nil
}

// connect sends the CONNECT with the credentials and reads the answer,
// answering pings meanwhile.
func (h *eventHub) connect(ctx context.Context, conn *websocket.Conn) error {
	token := h.c.cfg.APIKey
	if token == "" {
		token = h.c.cfg.JWTToken
	}
	msg, err := socketio.Encode(socketio.Connect, map[string]string{"token": token})
	if err != nil {
		return fmt.Errorf("push channel: encoding the connect packet failed")
	}
	if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		return fmt.Errorf("push channel: sending the connect packet: %w", err)
	}
	for {
		p, err := readPacket(ctx, conn)
		if err != nil {
			return err
		}
		switch {
		case p.Type == socketio.Ping:
			if err := conn.Write(ctx, websocket.MessageText, []byte(socketio.Text(socketio.Pong))); err != nil {
				return fmt.Errorf("push channel: %w", err)
			}
		case p.Type == socketio.Message && p.SocketType == socketio.Connect:
			return nil
		case p.Type == socketio.Message && p.SocketType == socketio.ConnectError:
			return errUnauthorized
		case p.Type == socketio.Close:
			return errors.New("push channel: the server closed the session before connecting")
		}
	}
}

// readPacket reads one text packet.
func readPacket(ctx context.Context, conn *websocket.Conn) (socketio.Packet, error) {
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return socketio.Packet{}, fmt.Errorf("push channel: %w", err)
		}
		if typ == websocket.MessageText {
			return socketio.Parse(string(data))
		}
	}
}

// dispatch hands an event to the subscriptions of its resource. The
// resource is data.<kind> when the payload wraps it (state updates), else
// the payload itself (created, removed).
func (h *eventHub) dispatch(data []byte) {
	name, arg, err := socketio.DecodeEvent(data)
	if err != nil || len(arg) == 0 {
		return
	}
	kind, _, _ := strings.Cut(name, ".")
	switch kind {
	case "sandbox", "snapshot", "volume":
	default:
		return
	}
	entity := arg
	var wrapped map[string]json.RawMessage
	if json.Unmarshal(arg, &wrapped) != nil {
		return
	}
	if e := wrapped[kind]; len(e) > 0 && e[0] == '{' {
		entity = e
	}
	var ref struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if json.Unmarshal(entity, &ref) != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		if sub.kind == kind && ((sub.id != "" && sub.id == ref.ID) || (sub.name != "" && sub.name == ref.Name)) {
			sub.deliver(entity)
		}
	}
}

// wakeAll wakes every subscriber.
func (h *eventHub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		sub.wake()
	}
}

func (s *eventSub) deliver(entity json.RawMessage) {
	s.mu.Lock()
	s.latest = entity
	s.mu.Unlock()
	s.wake()
}

func (s *eventSub) wake() {
	select {
	case s.wakeC <- struct{}{}:
	default:
	}
}

// woken is the channel a wait's sleep also selects on (nil without a
// push channel: it never fires).
func (s *eventSub) woken() <-chan struct{} {
	if s == nil {
		return nil
	}
	return s.wakeC
}

// live reports whether the push channel is connected, so that a wait can
// poll only as a safety net.
func (s *eventSub) live() bool {
	if s == nil {
		return false
	}
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	return s.h.run != nil && s.h.run.live.Load()
}

// take returns the resource as last pushed, once.
func (s *eventSub) take() (json.RawMessage, bool) {
	if s == nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.latest
	s.latest = nil
	return e, e != nil
}

// close ends the subscription. The socket stays open for the hub's linger
// time in case another wait follows.
func (s *eventSub) close() {
	if s != nil {
		s.h.remove(s)
	}
}
