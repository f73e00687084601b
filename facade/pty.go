package daytona

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/internal/version"
	"github.com/daytona-go/daytona/stream"
)

// Errors of a *PTY, for errors.Is (they come wrapped in an *Error).
var (
	// ErrPTYClosed: the *PTY was used after Close.
	ErrPTYClosed = stream.ErrPTYClosed
	// ErrPTYExited: input was written after the PTY's process exited.
	ErrPTYExited = stream.ErrPTYExited
)

// maxPTYDimension is the toolbox's limit on columns and rows.
const maxPTYDimension = 1000

// ptyReadLimit bounds one PTY output message; the daemon sends at most
// 32 KiB.
const ptyReadLimit = 1 << 20

// PTYSize is a terminal size in character cells.
type PTYSize struct {
	Cols int // Cols is the width, in character cells.
	Rows int // Rows is the height, in character cells.
}

// PTYOptions tunes Process.CreatePTY. The zero value creates a session
// with a generated ID, in the toolbox's work directory, 80x24.
type PTYOptions struct {
	// ID names the session; empty generates one ("pty-" and 16 hex
	// digits). PTY.ID returns it.
	ID string
	// Cwd is the shell's working directory (default: the work directory).
	Cwd string
	// Env adds environment variables for the shell (TERM is
	// xterm-256color).
	Env map[string]string
	// Size is the terminal size; zero fields default to 80 columns and 24
	// rows.
	Size PTYSize
	// OnData, when set, receives the terminal output chunk by chunk, in
	// order, on a goroutine of the PTY (Read then fails). The slice is the
	// callback's to keep. A callback that blocks slows the reading of the
	// connection; the toolbox disconnects a client that falls far behind.
	OnData func(p []byte)
}

// PTYSessionInfo describes a PTY session.
type PTYSessionInfo struct {
	ID  string // ID names the session.
	Cwd string // Cwd is the session's working directory in the sandbox.
	// Env is the session's environment as the toolbox reports it (the
	// variables it was created with, plus TERM).
	Env  map[string]string
	Size PTYSize // Size is the terminal's current size.
	// CreatedAt is zero if the toolbox sent no parseable time.
	CreatedAt time.Time
	// Active reports a running shell (a lazy session is inactive until
	// a client connects).
	Active bool
	// LazyStart reports a session whose shell starts on the first
	// connection.
	LazyStart bool
}

func ptySessionInfo(in toolbox.PtySessionInfo) PTYSessionInfo {
	info := PTYSessionInfo{ID: in.ID, Cwd: in.Cwd, Env: in.Envs, Size: PTYSize{Cols: in.Cols, Rows: in.Rows},
		Active: in.Active, LazyStart: in.LazyStart}
	if t, err := time.Parse(time.RFC3339Nano, in.CreatedAt); err == nil {
		info.CreatedAt = t
	}
	return info
}

// PTY is an interactive terminal session in the sandbox: an
// io.ReadWriteCloser over the shell's terminal. Read returns the output
// (never dropping bytes, whatever the buffer size) and io.EOF once the
// process has exited; Write sends keystrokes ("\x03" is Ctrl-C), and
// concurrent writes do not interleave.
//
// Output is buffered a little (64 frames); past that the PTY stops
// reading its connection, so a reader that stops reading never blocks
// Write, Resize, Wait or Close, but the toolbox disconnects it after a
// while (1008 "slow consumer": Read and Wait then fail with ErrConnection).
//
// The PTY lives until its process exits, Close is called or the ctx it was
// created with ends. Close detaches: the shell keeps running in the
// sandbox (ConnectPTY reattaches); Kill ends it. A PTY is safe for
// concurrent use.
type PTY struct {
	id   string
	p    *Process
	conn *stream.PTYConn
}

// ID returns the PTY session's ID.
func (t *PTY) ID() string { return t.id }

// Read reads terminal output; see PTY.
func (t *PTY) Read(b []byte) (int, error) {
	n, err := t.conn.Read(b)
	if err != nil && err != io.EOF {
		err = ptyError(err)
	}
	return n, err
}

// Write sends input to the terminal.
func (t *PTY) Write(b []byte) (int, error) {
	n, err := t.conn.Write(b)
	if err != nil {
		err = ptyError(err)
	}
	return n, err
}

// Close detaches from the session and stops everything the PTY started
// (its goroutines and connection); unread output is discarded. It always
// returns nil.
func (t *PTY) Close() error { return t.conn.Close() }

// Wait blocks until the process exits and returns its exit code (-1 for a
// shell killed by a signal, 137 after Kill). A non-zero exit code is not
// an error. It fails if ctx ends, the PTY is closed or the connection is
// lost first. The exit comes after the output: when output is pending
// beyond the PTY's buffer, Wait returns only once it is read.
func (t *PTY) Wait(ctx context.Context) (int, error) {
	code, err := t.conn.Wait(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return -1, contextError(ctx.Err(), context.Cause(ctx))
		}
		return -1, ptyError(err)
	}
	return code, nil
}

// Resize changes the terminal size; the shell gets SIGWINCH.
func (t *PTY) Resize(ctx context.Context, cols, rows int) error {
	_, err := t.p.ResizePTYSession(ctx, t.id, cols, rows)
	return err
}

// Kill ends the session's shell and its processes; Wait then returns 137.
func (t *PTY) Kill(ctx context.Context) error { return t.p.KillPTYSession(ctx, t.id) }

// ptyError maps an error of the PTY connection to an *Error.
func ptyError(err error) error {
	var ce *stream.CloseError
	var pe *stream.PTYError
	switch {
	case errors.Is(err, stream.ErrPTYClosed):
		return localError("the PTY is closed", err)
	case errors.Is(err, stream.ErrPTYExited):
		return localError("the PTY's process has exited", err)
	case errors.Is(err, stream.ErrPTYOnData):
		return newSDKError(ErrValidation, err, "PTY.Read: the output goes to the OnData callback")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return contextError(err, nil)
	case errors.As(err, &pe):
		kind := ErrServer
		if strings.Contains(pe.Message, "not found") {
			kind = ErrNotFound
		}
		return newSDKError(kind, err, "PTY: %s", pe.Message)
	case errors.As(err, &ce):
		switch {
		case ce.Code == int(websocket.StatusAbnormalClosure):
			return newSDKError(ErrConnection, err, "the PTY connection was lost")
		case ce.Code == int(websocket.StatusPolicyViolation):
			return newSDKError(ErrConnection, err, "the toolbox closed the PTY connection: %s (close code %d)", ce.Reason, ce.Code)
		}
		return newSDKError(ErrServer, err, "the toolbox closed the PTY connection: %s (close code %d)", ce.Reason, ce.Code)
	}
	return newSDKError(ErrConnection, err, "PTY connection failed")
}

// checkPTYID rejects a session ID the toolbox's URLs cannot carry.
func checkPTYID(op, id string) error {
	switch {
	case id == "":
		return invalidf("%s: the session ID is empty", op)
	case strings.ContainsAny(id, "/\x00"):
		return invalidf("%s: the session ID %q contains '/' or a NUL byte", op, id)
	}
	return nil
}

// checkPTYSize validates a size where 0 means the default.
func checkPTYSize(op string, s PTYSize) (PTYSize, error) {
	for _, d := range []struct {
		name string
		v    *int
		def  int
	}{{"Cols", &s.Cols, 80}, {"Rows", &s.Rows, 24}} {
		switch {
		case *d.v == 0:
			*d.v = d.def
		case *d.v < 0 || *d.v > maxPTYDimension:
			return s, invalidf("%s: %s is %d; it must be between 1 and %d", op, d.name, *d.v, maxPTYDimension)
		}
	}
	return s, nil
}

// CreatePTY starts an interactive shell ($SHELL -i -l) on a new PTY
// session and connects to it. No output is lost before the first Read:
// the session is created and attached in one round trip (create-connect);
// toolboxes that lack it get a lazily started session, connected at once.
// The PTY lives until its process exits, Close, or the end of ctx.
func (p *Process) CreatePTY(ctx context.Context, opts PTYOptions) (*PTY, error) {
	const op = "Process.CreatePTY"
	id := ptyIDOrNew(opts.ID)
	if err := checkPTYID(op, id); err != nil {
		return nil, err
	}
	size, err := checkPTYSize(op, opts.Size)
	if err != nil {
		return nil, err
	}
	env, err := checkEnv(op, opts.Env)
	if err != nil {
		return nil, err
	}
	if opts.Cwd != "" {
		if err := checkPath(op, "Cwd", opts.Cwd); err != nil {
			return nil, err
		}
	}
	q := url.Values{"id": {id}, "cols": {strconv.Itoa(size.Cols)}, "rows": {strconv.Itoa(size.Rows)}}
	if opts.Cwd != "" {
		q.Set("cwd", opts.Cwd)
	}
	protocols := []string{stream.PTYExitControlSubprotocol}
	if env != nil {
		protocols = append(protocols, stream.PTYEnvsSubprotocol(*env))
	}
	conn, err := p.sb.dialToolboxSocket(ctx, "process/pty/create-connect", q, protocols...)
	if errors.Is(err, ErrNotFound) {
		// A toolbox before v0.197 has no create-connect: a lazy session
		// starts its shell when the connection below attaches.
		conn, err = p.createLazy(ctx, id, opts.Cwd, env, size)
	}
	if err != nil {
		return nil, err
	}
	return p.attachPTY(ctx, id, conn, opts.OnData)
}

// createLazy creates a lazily started session and connects to it.
func (p *Process) createLazy(ctx context.Context, id, cwd string, env *map[string]string, size PTYSize) (*websocket.Conn, error) {
	if _, err := p.createPTYSession(ctx, id, cwd, env, size, true); err != nil {
		return nil, err
	}
	return p.sb.dialToolboxSocket(ctx, "process/pty/"+url.PathEscape(id)+"/connect", nil, stream.PTYExitControlSubprotocol)
}

// ConnectPTY attaches to an existing PTY session. Several clients may be
// attached at once: they all get the output and their input is merged.
// Output produced while no client was attached is not replayed. An
// unknown id gives an error matching ErrNotFound.
func (p *Process) ConnectPTY(ctx context.Context, id string) (*PTY, error) {
	const op = "Process.ConnectPTY"
	if err := checkPTYID(op, id); err != nil {
		return nil, err
	}
	conn, err := p.sb.dialToolboxSocket(ctx, "process/pty/"+url.PathEscape(id)+"/connect", nil, stream.PTYExitControlSubprotocol)
	if err != nil {
		return nil, err
	}
	return p.attachPTY(ctx, id, conn, nil)
}

// attachPTY waits for the toolbox's connected message on conn.
func (p *Process) attachPTY(ctx context.Context, id string, conn *websocket.Conn, onData func([]byte)) (*PTY, error) {
	conn.SetReadLimit(ptyReadLimit)
	pc, err := stream.NewPTYConn(ctx, conn, stream.PTYConnOptions{OnData: onData})
	if err != nil {
		if ctx.Err() != nil {
			return nil, contextError(ctx.Err(), context.Cause(ctx))
		}
		return nil, ptyError(err)
	}
	return &PTY{id: id, p: p, conn: pc}, nil
}

// ListPTYSessions lists the sandbox's PTY sessions.
func (p *Process) ListPTYSessions(ctx context.Context) ([]PTYSessionInfo, error) {
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.ListPtySessionsWithResponse(ctx)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("GET /process/pty", resp.Status())
	}
	out := make([]PTYSessionInfo, 0, len(resp.JSON200.Sessions))
	for _, s := range resp.JSON200.Sessions {
		out = append(out, ptySessionInfo(s))
	}
	return out, nil
}

// PTYSessionInfo returns a PTY session's description; an unknown id (or a
// session whose shell has exited) gives an error matching ErrNotFound.
func (p *Process) PTYSessionInfo(ctx context.Context, id string) (PTYSessionInfo, error) {
	if err := checkPTYID("Process.PTYSessionInfo", id); err != nil {
		return PTYSessionInfo{}, err
	}
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return PTYSessionInfo{}, err
	}
	resp, err := tb.GetPtySessionWithResponse(ctx, id)
	if err != nil {
		return PTYSessionInfo{}, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return PTYSessionInfo{}, unexpected("GET /process/pty/{id}", resp.Status())
	}
	return ptySessionInfo(*resp.JSON200), nil
}

// KillPTYSession ends a PTY session: its shell and processes are killed
// and attached clients see exit code 137.
func (p *Process) KillPTYSession(ctx context.Context, id string) error {
	if err := checkPTYID("Process.KillPTYSession", id); err != nil {
		return err
	}
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return err
	}
	if _, err := tb.DeletePtySessionWithResponse(ctx, id); err != nil {
		return wrapErr(ctx, err)
	}
	return nil
}

// ResizePTYSession changes a session's terminal size (each 1 to 1000).
// Resizing a lazy session whose shell has not started fails (the toolbox
// answers 500, ErrServer); a session that has ended, or that was never
// there, gives ErrGone (the toolbox answers 410 to both).
func (p *Process) ResizePTYSession(ctx context.Context, id string, cols, rows int) (PTYSessionInfo, error) {
	const op = "Process.ResizePTYSession"
	if err := checkPTYID(op, id); err != nil {
		return PTYSessionInfo{}, err
	}
	if cols < 1 || rows < 1 {
		return PTYSessionInfo{}, invalidf("%s: the size %dx%d is not positive", op, cols, rows)
	}
	if _, err := checkPTYSize(op, PTYSize{Cols: cols, Rows: rows}); err != nil {
		return PTYSessionInfo{}, err
	}
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return PTYSessionInfo{}, err
	}
	resp, err := tb.ResizePtySessionWithResponse(ctx, id, toolbox.PtyResizeRequest{Cols: cols, Rows: rows})
	if err != nil {
		return PTYSessionInfo{}, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return PTYSessionInfo{}, unexpected("POST /process/pty/{id}/resize", resp.Status())
	}
	return ptySessionInfo(*resp.JSON200), nil
}

// PTYSessionOptions tunes Process.CreatePTYSession. The zero value
// creates a session with a generated ID, in the toolbox's work directory,
// 80x24, whose shell starts at once.
type PTYSessionOptions struct {
	// ID names the session; empty generates one ("pty-" and 16 hex
	// digits).
	ID string
	// Cwd is the shell's working directory (default: the work directory).
	Cwd string
	// Env adds environment variables for the shell (TERM is
	// xterm-256color).
	Env map[string]string
	// Size is the terminal size; zero fields default to 80 columns and 24
	// rows.
	Size PTYSize
	// LazyStart delays the shell's start until the first client connects
	// (ConnectPTY), which then sees its output from the first byte.
	// Without it the shell starts at once, and what it prints while no
	// client is attached is lost (the toolbox keeps no replay buffer).
	LazyStart bool
}

// CreatePTYSession creates a PTY session without connecting to it, and
// returns the session as the toolbox then describes it (a lazy session is
// not Active until a client connects). ConnectPTY attaches to it and
// KillPTYSession ends it. A duplicate ID gives an error matching
// ErrConflict; a shell that exits at once can make the description fail
// with ErrNotFound, since an ended session is removed.
func (p *Process) CreatePTYSession(ctx context.Context, opts PTYSessionOptions) (PTYSessionInfo, error) {
	const op = "Process.CreatePTYSession"
	id := ptyIDOrNew(opts.ID)
	if err := checkPTYID(op, id); err != nil {
		return PTYSessionInfo{}, err
	}
	size, err := checkPTYSize(op, opts.Size)
	if err != nil {
		return PTYSessionInfo{}, err
	}
	env, err := checkEnv(op, opts.Env)
	if err != nil {
		return PTYSessionInfo{}, err
	}
	if opts.Cwd != "" {
		if err := checkPath(op, "Cwd", opts.Cwd); err != nil {
			return PTYSessionInfo{}, err
		}
	}
	created, err := p.createPTYSession(ctx, id, opts.Cwd, env, size, opts.LazyStart)
	if err != nil {
		return PTYSessionInfo{}, err
	}
	return p.PTYSessionInfo(ctx, created)
}

// createPTYSession creates a session with POST /process/pty and returns
// the ID the toolbox gave it.
func (p *Process) createPTYSession(ctx context.Context, id, cwd string, env *map[string]string, size PTYSize, lazy bool) (string, error) {
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return "", err
	}
	body := toolbox.PtyCreateRequest{ID: &id, Envs: env, Cols: &size.Cols, Rows: &size.Rows, LazyStart: &lazy}
	if cwd != "" {
		body.Cwd = &cwd
	}
	resp, err := tb.CreatePtySessionWithResponse(ctx, body)
	if err != nil {
		return "", wrapErr(ctx, err)
	}
	if resp.JSON201 == nil {
		return "", unexpected("POST /process/pty", resp.Status())
	}
	if got := resp.JSON201.SessionID; got != "" {
		return got, nil
	}
	return id, nil
}

// ptyIDOrNew returns id, or a new session ID if id is empty.
func ptyIDOrNew(id string) string {
	if id != "" {
		return id
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "pty-" + hex.EncodeToString(b[:])
}

// dialToolboxSocket opens a WebSocket to the sandbox's toolbox at path
// (relative to the toolbox base) with query, with the SDK's headers, the
// version subprotocol (0.3) and protocols offered. A refused upgrade comes
// back as the *Error of its HTTP answer.
func (s *Sandbox) dialToolboxSocket(ctx context.Context, path string, query url.Values, protocols ...string) (*websocket.Conn, error) {
	base, err := s.toolboxServer(ctx)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(base + path)
	if err != nil {
		return nil, newSDKError(ErrValidation, err, "invalid toolbox URL")
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	return s.dialSocket(ctx, u, protocols...)
}

// dialSocket opens a WebSocket to u, an http(s) URL of the sandbox's
// toolbox, as dialToolboxSocket describes. It is the SDK's one toolbox
// WebSocket dialer.
func (s *Sandbox) dialSocket(ctx context.Context, u *url.URL, protocols ...string) (*websocket.Conn, error) {
	ws := *u
	switch ws.Scheme {
	case "https":
		ws.Scheme = "wss"
	default:
		ws.Scheme = "ws"
	}
	h := http.Header{}
	setHeaders(h, &s.c.cfg)
	conn, _, err := websocket.Dial(ctx, ws.String(), &websocket.DialOptions{
		HTTPClient:   s.c.http,
		HTTPHeader:   h,
		Subprotocols: append([]string{"X-Daytona-SDK-Version~" + version.API}, protocols...),
	})
	if err != nil {
		var de *Error
		if errors.As(err, &de) {
			return nil, de
		}
		return nil, wrapErr(ctx, err)
	}
	return conn, nil
}
