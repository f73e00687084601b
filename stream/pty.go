package stream

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Subprotocol tokens of the PTY WebSockets (PROTOCOLS.md 6.4).
const (
	// PTYExitControlSubprotocol asks the server for the exited control
	// message before the close frame.
	PTYExitControlSubprotocol = "X-Daytona-Pty-Exit-Control"
	// PTYEnvsSubprotocolPrefix starts the token that carries a
	// create-connect's environment; see [PTYEnvsSubprotocol].
	PTYEnvsSubprotocolPrefix = "X-Daytona-Pty-Envs~"
)

// Limits of the PTY WebSockets (PROTOCOLS.md 6.7).
const (
	// MaxPTYInputMessage is the largest message the server accepts from a
	// client; [PTYConn.Write] splits larger writes.
	MaxPTYInputMessage = 64 << 10
	// DefaultPTYConnectTimeout is how long [NewPTYConn] waits for the
	// server's connected (or exited) control message.
	DefaultPTYConnectTimeout = 10 * time.Second
	// DefaultPTYBufferFrames is how many output frames a [PTYConn] holds
	// for its reader before it stops reading the socket (2 MiB at the
	// daemon's 32 KiB frames).
	DefaultPTYBufferFrames = 64
)

// Errors of a [PTYConn].
var (
	// ErrPTYClosed is returned by the methods of a PTYConn after Close.
	ErrPTYClosed = errors.New("stream: PTY connection closed")
	// ErrPTYExited is returned by Write once the PTY's process has exited.
	ErrPTYExited = errors.New("stream: PTY process exited")
	// ErrPTYOnData is returned by Read when output goes to the OnData
	// callback instead.
	ErrPTYOnData = errors.New("stream: PTY output goes to the OnData callback")
)

// PTYError is an error the server reported in a PTY control message (for
// example an unknown session id, PROTOCOLS.md 6.3) or in a close reason.
type PTYError struct {
	Message string // Message is the server's error text.
}

// Error implements error.
func (e *PTYError) Error() string { return "stream: PTY: " + e.Message }

// PTYExit is how a PTY's process ended: its exit code (-1 for a shell
// killed by a signal) and the server's reason ("" for 0, "non-zero exit",
// "Ctrl+C", "SIGKILL", ...).
type PTYExit struct {
	Code   int    // Code is the exit code; -1 for a shell killed by a signal.
	Reason string // Reason is the server's reason; empty for exit code 0.
}

// PTYControl is a control message of a PTY WebSocket (PROTOCOLS.md 6.5):
// a TEXT frame holding JSON whose type is "control".
type PTYControl struct {
	// Type is always "control".
	Type string `json:"type"`
	// Status is "connected", "error" or "exited".
	Status string `json:"status"`
	// Error is the reason attach failed (status "error").
	Error string `json:"error,omitempty"`
	// ExitCode is the process's exit code (status "exited").
	ExitCode *int `json:"exitCode,omitempty"`
	// ExitReason is the exit reason (status "exited"); absent for code 0.
	ExitReason string `json:"exitReason,omitempty"`
}

// ParsePTYControl decodes a TEXT frame as a control message. It reports
// false for anything else (which the client treats as output).
func ParsePTYControl(p []byte) (PTYControl, bool) {
	p = bytes.TrimSpace(p)
	if len(p) == 0 || p[0] != '{' {
		return PTYControl{}, false
	}
	var c PTYControl
	if json.Unmarshal(p, &c) != nil || c.Type != "control" {
		return PTYControl{}, false
	}
	return c, true
}

// ptyCloseReason is the JSON reason of a PTY close frame (6.6).
type ptyCloseReason struct {
	ExitCode   *int   `json:"exitCode"`
	ExitReason string `json:"exitReason"`
	Error      string `json:"error"`
}

// ParsePTYClose interprets the close frame of a PTY WebSocket (6.6): a
// reason holding an exitCode gives the exit (whatever the close code); a
// 1000 without a parseable reason means exit 0; anything else is an error
// (1008 "slow consumer", 1011 "PTY session unavailable", a reason with an
// "error" field, ...), returned as a [*CloseError].
func ParsePTYClose(code int, reason string) (PTYExit, error) {
	var r ptyCloseReason
	if json.Unmarshal([]byte(reason), &r) == nil {
		if r.ExitCode != nil {
			return PTYExit{Code: *r.ExitCode, Reason: r.ExitReason}, nil
		}
		if r.Error != "" {
			return PTYExit{}, &CloseError{Code: code, Reason: r.Error}
		}
	}
	if code == int(websocket.StatusNormalClosure) {
		return PTYExit{}, nil
	}
	return PTYExit{}, &CloseError{Code: code, Reason: reason}
}

// PTYEnvsSubprotocol returns the subprotocol token that carries envs on a
// create-connect (6.4): the prefix and the base64url encoding, without
// padding, of the JSON object. It returns "" for no envs.
func PTYEnvsSubprotocol(envs map[string]string) string {
	if len(envs) == 0 {
		return ""
	}
	b, _ := json.Marshal(envs) // a map of strings always encodes
	return PTYEnvsSubprotocolPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// ParsePTYEnvsSubprotocol finds the envs token in a list of offered
// subprotocols and decodes it. It returns nil and no error when there is
// none; padding is tolerated.
func ParsePTYEnvsSubprotocol(protocols []string) (map[string]string, error) {
	for _, p := range protocols {
		enc, ok := strings.CutPrefix(strings.TrimSpace(p), PTYEnvsSubprotocolPrefix)
		if !ok {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(enc, "="))
		if err != nil {
			return nil, fmt.Errorf("stream: PTY envs subprotocol: %w", err)
		}
		var envs map[string]string
		if err := json.Unmarshal(raw, &envs); err != nil {
			return nil, fmt.Errorf("stream: PTY envs subprotocol: %w", err)
		}
		return envs, nil
	}
	return nil, nil
}

// PTYConnOptions tunes [NewPTYConn]. The zero value reads output through
// Read with the defaults.
type PTYConnOptions struct {
	// OnData, when set, receives every output chunk, in order, on a
	// goroutine of the PTYConn (Read then returns ErrPTYOnData). The slice
	// is the callback's to keep. A slow callback slows the reading of the
	// socket (see BufferFrames); Close waits for a running call to return.
	OnData func(p []byte)
	// ConnectTimeout bounds the wait for the server's connected control
	// message; 0 means DefaultPTYConnectTimeout.
	ConnectTimeout time.Duration
	// BufferFrames is how many output frames are held for the reader
	// before the PTYConn stops reading the socket; 0 means
	// DefaultPTYBufferFrames.
	BufferFrames int
}

// PTYConn is the client side of a PTY WebSocket (PROTOCOLS.md 6.3-6.7): an
// io.ReadWriteCloser over the terminal. TEXT frames that are control
// messages are interpreted; every other frame, TEXT or BINARY, is output.
//
// Output is buffered up to BufferFrames frames; past that the PTYConn
// stops reading the socket, so a reader that stalls applies back-pressure
// (the daemon then disconnects it with 1008 "slow consumer") and never
// blocks Write, Wait or Close. Read never drops bytes: whatever the size of
// its buffer, it returns every byte of output in order. Writes are
// serialised. All methods are safe for concurrent use.
type PTYConn struct {
	conn   *websocket.Conn
	ctx    context.Context // the PTYConn's life; cancel ends it
	cancel context.CancelFunc
	onData func([]byte)

	chunks  chan []byte   // output frames; closed by the reading goroutine when it ends
	ready   chan error    // the first control message (or the end), once
	closing chan struct{} // closed by Close
	exited  chan struct{} // closed when the exit is known
	done    chan struct{} // closed when the socket has ended and the terminal state is set
	drained chan struct{} // closed when every chunk has been given to OnData (OnData mode)
	wg      sync.WaitGroup

	closed     atomic.Bool // Close was called (Read's fast check)
	closeOnce  sync.Once
	readyOnce  sync.Once
	exitedOnce sync.Once

	readMu  sync.Mutex
	pending []byte // the rest of the frame Read is returning
	writeMu sync.Mutex

	mu   sync.Mutex
	exit *PTYExit
	err  error // why the socket ended, when no exit is known
}

// NewPTYConn takes over conn, a PTY WebSocket just dialed, and waits for
// the server's connected (or exited) control message. An error control
// message (an unknown session, 6.3) gives a [*PTYError]; a close before
// it a [*CloseError]; the end of ctx or of ConnectTimeout ctx's error or
// context.DeadlineExceeded. On error conn is closed and nothing is left
// running.
//
// ctx bounds the whole life of the PTYConn: when it ends, the socket is
// closed and pending calls return.
func NewPTYConn(ctx context.Context, conn *websocket.Conn, opts PTYConnOptions) (*PTYConn, error) {
	buffer := opts.BufferFrames
	if buffer <= 0 {
		buffer = DefaultPTYBufferFrames
	}
	timeout := opts.ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultPTYConnectTimeout
	}
	lctx, cancel := context.WithCancel(ctx)
	p := &PTYConn{
		conn:    conn,
		ctx:     lctx,
		cancel:  cancel,
		onData:  opts.OnData,
		chunks:  make(chan []byte, buffer),
		ready:   make(chan error, 1),
		closing: make(chan struct{}),
		exited:  make(chan struct{}),
		done:    make(chan struct{}),
		drained: make(chan struct{}),
	}
	p.wg.Go(func() { p.readLoop(lctx) })
	if p.onData != nil {
		p.wg.Go(p.dispatch)
	} else {
		close(p.drained)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var err error
	select {
	case err = <-p.ready:
	case <-timer.C:
		err = fmt.Errorf("stream: PTY: no connected message within %v: %w", timeout, context.DeadlineExceeded)
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		p.cancel() // abandon the socket at once: no close handshake
		p.closeOnce.Do(func() {
			p.closed.Store(true)
			close(p.closing)
		})
		_ = conn.CloseNow()
		p.wg.Wait()
		return nil, err
	}
	return p, nil
}

// readLoop reads the socket until it ends, then records why.
func (p *PTYConn) readLoop(ctx context.Context) {
	defer close(p.done)
	defer close(p.chunks)
	var ctlErr error // an error control message
	for {
		typ, b, err := p.conn.Read(ctx)
		if err != nil {
			p.finish(ctx, err, ctlErr)
			return
		}
		if typ == websocket.MessageText {
			if c, ok := ParsePTYControl(b); ok {
				switch c.Status {
				case "connected":
					p.setReady(nil)
				case "exited":
					code := -1
					if c.ExitCode != nil {
						code = *c.ExitCode
					}
					p.setExit(PTYExit{Code: code, Reason: c.ExitReason})
					p.setReady(nil)
				case "error":
					ctlErr = &PTYError{Message: c.Error}
					p.setReady(ctlErr)
				}
				continue
			}
		}
		if len(b) == 0 {
			continue
		}
		select {
		case p.chunks <- b:
		case <-p.closing: // nobody reads any more: drop and keep draining
		case <-ctx.Done():
		}
	}
}

// finish records the terminal state from the read error that ended the
// socket.
func (p *PTYConn) finish(ctx context.Context, err, ctlErr error) {
	var end error
	switch status := websocket.CloseStatus(err); {
	case isClosed(p.closing):
		end = ErrPTYClosed
	case status != -1:
		var ce websocket.CloseError
		errors.As(err, &ce)
		exit, cerr := ParsePTYClose(int(status), ce.Reason)
		if cerr == nil {
			p.setExit(exit)
		}
		end = cerr
	case ctx.Err() != nil:
		end = ctx.Err()
	case ctlErr != nil:
		end = ctlErr
	default:
		end = &CloseError{Code: int(websocket.StatusAbnormalClosure), Err: err}
	}
	p.mu.Lock()
	p.err = end
	exited := p.exit != nil
	p.mu.Unlock()
	if exited {
		end = nil // an exit may come before or instead of connected (6.5)
	}
	p.setReady(end) // no-op once connected
}

func (p *PTYConn) setReady(err error) {
	p.readyOnce.Do(func() { p.ready <- err })
}

func (p *PTYConn) setExit(e PTYExit) {
	p.mu.Lock()
	if p.exit == nil {
		p.exit = &e
	}
	p.mu.Unlock()
	p.exitedOnce.Do(func() { close(p.exited) })
}

// dispatch hands output to OnData.
func (p *PTYConn) dispatch() {
	defer close(p.drained)
	for b := range p.chunks {
		if !isClosed(p.closing) {
			p.onData(b)
		}
	}
}

// Read reads terminal output. It blocks until output arrives; once the
// process has exited and all output has been read it returns io.EOF
// (whatever the exit code: see Wait). If the socket ended otherwise, the
// error says why (a [*CloseError] for 1008 "slow consumer" or a lost
// connection, the ctx error, ...) after the buffered output.
func (p *PTYConn) Read(b []byte) (int, error) {
	if p.onData != nil {
		return 0, ErrPTYOnData
	}
	p.readMu.Lock()
	defer p.readMu.Unlock()
	if p.closed.Load() {
		return 0, ErrPTYClosed
	}
	if len(b) == 0 {
		return 0, nil
	}
	for len(p.pending) == 0 {
		select {
		case c, ok := <-p.chunks:
			if !ok {
				return 0, p.readEnd()
			}
			p.pending = c
		case <-p.closing:
			return 0, ErrPTYClosed
		}
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	return n, nil
}

// readEnd is what Read returns once the output is exhausted.
func (p *PTYConn) readEnd() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exit != nil {
		return io.EOF
	}
	return p.err
}

// Write sends b to the terminal (keystrokes: "\x03" is Ctrl-C) as BINARY
// messages of at most MaxPTYInputMessage bytes. Concurrent writes do not
// interleave. It returns ErrPTYClosed after Close and ErrPTYExited once
// the process has exited.
func (p *PTYConn) Write(b []byte) (int, error) {
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	if isClosed(p.closing) || isClosed(p.exited) || isClosed(p.done) {
		return 0, p.writeError(net.ErrClosed)
	}
	n := 0
	for len(b) > 0 {
		m := min(len(b), MaxPTYInputMessage)
		if err := p.conn.Write(p.ctx, websocket.MessageBinary, b[:m]); err != nil {
			return n, p.writeError(err)
		}
		n += m
		b = b[m:]
	}
	return n, nil
}

// writeError explains a failed write.
func (p *PTYConn) writeError(err error) error {
	if isClosed(p.closing) {
		return ErrPTYClosed
	}
	select {
	case <-p.exited:
		return ErrPTYExited
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.exit != nil {
			return ErrPTYExited
		}
		return p.err
	default:
	}
	return fmt.Errorf("stream: PTY write: %w", err)
}

// Wait blocks until the process exits and returns its exit code. It
// returns early with ctx's error, or with the error that ended the socket
// before an exit was known (ErrPTYClosed after Close, a [*CloseError] for
// 1008 "slow consumer" or a lost connection, ...).
//
// The exit comes after the output: if nobody reads and more output is
// pending than the PTYConn buffers, Wait blocks until the output is read
// (or ctx ends). With OnData, Wait returns once every chunk has been
// handed to the callback.
func (p *PTYConn) Wait(ctx context.Context) (int, error) {
	exited, end := p.exited, p.done
	if p.onData != nil {
		exited, end = nil, p.drained // wait for the last chunk to be delivered
	}
	select {
	case <-exited:
	case <-end:
	case <-ctx.Done():
		return -1, ctx.Err()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exit != nil {
		return p.exit.Code, nil
	}
	return -1, p.err
}

// Exit returns how the process ended, once known.
func (p *PTYConn) Exit() (PTYExit, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exit == nil {
		return PTYExit{}, false
	}
	return *p.exit, true
}

// Done is closed when the socket has ended (the process exited, the
// connection was lost or closed).
func (p *PTYConn) Done() <-chan struct{} { return p.done }

// Subprotocol returns the subprotocol the server selected, if any.
func (p *PTYConn) Subprotocol() string { return p.conn.Subprotocol() }

// Close detaches from the PTY (the process keeps running on the server):
// it closes the socket with 1000, discards unread output and waits for the
// PTYConn's goroutines. Later calls return ErrPTYClosed from Read, Write
// and Wait. Close always returns nil and may be called more than once.
func (p *PTYConn) Close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		close(p.closing)
		// The reading goroutine keeps draining frames while the close
		// handshake runs, so the server's close frame is seen.
		_ = p.conn.Close(websocket.StatusNormalClosure, "")
		p.cancel()
	})
	p.wg.Wait()
	return nil
}

// isClosed reports whether ch is closed.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
