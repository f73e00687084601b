package toolbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/coder/websocket"
	"github.com/creack/pty"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
	"github.com/daytona-go/daytona/stream"
)

// PTY sessions (PROTOCOLS.md 6): a real login shell on a real
// pseudo-terminal per session, served over WebSockets with the daemon's
// frames, control messages and close codes.
//
// Reproduced: lazyStart and the loss of output produced while no client is
// attached (quirk 16), the upgrade-then-error of a connect to an unknown id
// (15), the exit close codes with JSON reasons and -1 for a shell killed by
// a signal (17), resize answering 500 on a lazy session that has not
// started and 410 on one that has ended (18), the 256-frame queue per
// client and 1008 "slow consumer" (19), the exited control message and the
// subprotocols of create-connect (6.4), the E3 error bodies (13).

// PTY limits (6.7).
const (
	ptyFrameSize    = 32 << 10 // largest output frame
	ptyClientQueue  = 256      // output frames queued per client
	ptyMaxDimension = 1000
)

// ptyHandlers serves the PTY endpoints.
type ptyHandlers struct{ ptys *ptyManager }

func newPTYHandlers(c *core) ptyHandlers {
	return ptyHandlers{&ptyManager{c: c, sessions: map[string]*ptySession{}}}
}

// ptyManager holds the live PTY sessions.
type ptyManager struct {
	c        *core
	mu       sync.Mutex
	sessions map[string]*ptySession
}

// ptySession is one PTY session. Its shell is started at creation, or on
// the first attach for a lazy one; when the shell exits the session is
// removed.
type ptySession struct {
	m         *ptyManager
	id        string
	cwd       string
	envs      map[string]string // as reported: the request's plus TERM
	env       []string          // the shell's whole environment
	lazy      bool
	createdAt time.Time
	exited    chan struct{} // closed when the shell has exited

	mu      sync.Mutex
	cols    int
	rows    int
	started bool
	ended   bool
	killed  bool // deleted: the exit is reported as SIGKILL (137)
	master  *os.File
	cmd     *exec.Cmd
	clients map[*ptyClient]struct{}
}

// ptyErr is a PTY error answer: {"error": msg} (E3).
func ptyErr(status int, format string, args ...any) error {
	return fieldError(status, fmt.Sprintf(format, args...))
}

// checkDimension validates a create's cols or rows (0 = default).
func checkDimension(name string, v *int) (int, error) {
	switch {
	case v == nil || *v == 0:
		if name == "cols" {
			return 80, nil
		}
		return 24, nil
	case *v > ptyMaxDimension:
		return 0, ptyErr(http.StatusBadRequest, "invalid value for %s - must be less than %d", name, ptyMaxDimension)
	case *v < 0:
		return 0, ptyErr(http.StatusBadRequest, "invalid value for %s - must be greater than 0", name)
	}
	return *v, nil
}

// ptyRequest is a create request, from POST /process/pty or the query of
// create-connect.
type ptyRequest struct {
	id         string
	cwd        *string
	envs       map[string]string
	cols, rows *int
	lazy       bool // reported as lazyStart; the shell starts on the first attach
	// onAttach starts the shell on the first attach without reporting
	// lazyStart (create-connect).
	onAttach bool
}

// create validates and registers a session, and starts its shell unless
// lazy.
func (m *ptyManager) create(req ptyRequest) (*ptySession, error) {
	if strings.TrimSpace(req.id) == "" {
		return nil, ptyErr(http.StatusBadRequest, "session ID is required")
	}
	cols, err := checkDimension("cols", req.cols)
	if err != nil {
		return nil, err
	}
	rows, err := checkDimension("rows", req.rows)
	if err != nil {
		return nil, err
	}
	if err := checkEnvNames(req.envs); err != nil {
		return nil, ptyErr(http.StatusBadRequest, "%s", strings.TrimPrefix(err.Error(), "bad request: "))
	}
	cwd := m.c.cwdOf(req.cwd)
	if fi, err := os.Stat(cwd); err != nil || !fi.IsDir() {
		// Refused before any upgrade, so create-connect answers it in HTTP.
		return nil, ptyErr(http.StatusBadRequest, "working directory %s does not exist", cwd)
	}
	envs := maps.Clone(req.envs)
	if envs == nil {
		envs = map[string]string{}
	}
	envs["TERM"] = "xterm-256color"
	s := &ptySession{
		m: m, id: req.id, cwd: cwd, envs: envs, env: m.c.env.environ(envs),
		lazy: req.lazy, createdAt: time.Now().UTC(), cols: cols, rows: rows,
		clients: map[*ptyClient]struct{}{}, exited: make(chan struct{}),
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.sessions[req.id]; dup {
		return nil, ptyErr(http.StatusConflict, "PTY session with ID '%s' already exists", req.id)
	}
	if !req.lazy && !req.onAttach {
		s.mu.Lock()
		err := s.start()
		s.mu.Unlock()
		if err != nil {
			return nil, ptyErr(http.StatusInternalServerError, "failed to start PTY session: %v", err)
		}
	}
	m.sessions[req.id] = s
	return s, nil
}

// get returns a live session.
func (m *ptyManager) get(id string) (*ptySession, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return nil, ptyErr(http.StatusNotFound, "PTY session not found")
	}
	return s, nil
}

// remove forgets s if it is still registered.
func (m *ptyManager) remove(s *ptySession) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sessions[s.id] == s {
		delete(m.sessions, s.id)
	}
}

// shell returns the login shell: $SHELL of the environment, else the
// toolbox's shell.
func (s *ptySession) shell() string {
	for _, kv := range slices.Backward(s.env) {
		if v, ok := strings.CutPrefix(kv, "SHELL="); ok && v != "" {
			if _, err := os.Stat(v); err == nil {
				return v
			}
		}
	}
	return s.m.c.shell
}

// start starts the shell on a new pseudo-terminal. The caller holds s.mu.
func (s *ptySession) start() error {
	master, tty, err := openPTY()
	if err != nil {
		return err
	}
	defer tty.Close()
	if err := setWinsize(master, s.cols, s.rows); err != nil {
		_ = master.Close()
		return err
	}
	cmd := exec.Command(s.shell(), "-i", "-l")
	cmd.Dir = s.cwd
	cmd.Env = s.env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := s.m.c.startSessionLeader(cmd); err != nil {
		_ = master.Close()
		return err
	}
	s.master, s.cmd, s.started = master, cmd, true
	outputDone := make(chan struct{})
	s.m.c.goTracked(func() { s.pumpOutput(outputDone) })
	s.m.c.goTracked(func() { s.wait(outputDone) })
	return nil
}

// openPTY opens a pseudo-terminal pair whose master is registered with
// the runtime poller (creack/pty leaves it blocking), so that a read
// deadline and Close interrupt a pending Read.
func openPTY() (master, tty *os.File, err error) {
	m, tty, err := pty.Open()
	if err != nil {
		return nil, nil, err
	}
	syscall.ForkLock.RLock() // no child may inherit the copy before it is close-on-exec
	fd, err := syscall.Dup(int(m.Fd()))
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	_ = m.Close()
	if err == nil {
		if err = syscall.SetNonblock(fd, true); err != nil {
			_ = syscall.Close(fd)
		}
	}
	if err != nil {
		_ = tty.Close()
		return nil, nil, err
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), tty, nil
}

// setWinsize sets the terminal size through the poller's descriptor
// (pty.Setsize would switch the master back to blocking mode).
func setWinsize(master *os.File, cols, rows int) error {
	sc, err := master.SyscallConn()
	if err != nil {
		return err
	}
	ws := pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)}
	var errno syscall.Errno
	if err := sc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSWINSZ, uintptr(unsafe.Pointer(&ws)))
	}); err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}

// startSessionLeader is startProcess for a session leader (startProcess
// makes a process group leader, which setsid refuses): it records the
// group (the pid) so that Close kills it, and takes a wait-group token that
// releaseProcess returns.
func (c *core) startSessionLeader(cmd *exec.Cmd) error {
	c.procMu.Lock()
	defer c.procMu.Unlock()
	if c.ctx.Err() != nil {
		return errors.New("the toolbox is closed")
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	c.procs[cmd.Process.Pid] = struct{}{}
	c.wg.Add(1) // before Close can reach wg.Wait: it cancels ctx, then takes procMu
	return nil
}

// pumpOutput broadcasts the terminal's output until the pseudo-terminal
// closes (every process holding it has ended). Output with no client
// attached is lost (quirk 16).
func (s *ptySession) pumpOutput(done chan<- struct{}) {
	defer close(done)
	buf := make([]byte, ptyFrameSize)
	for {
		n, err := s.master.Read(buf)
		if err == nil && n >= ptyTTYBuffer {
			n, err = s.gather(buf, n)
		}
		if n > 0 {
			s.broadcast(append([]byte(nil), buf[:n]...))
		}
		if err != nil {
			return
		}
	}
}

// ptyTTYBuffer is the most a read of the master returns at once (the
// kernel's line-discipline buffer); a read that size suggests more output
// is pending.
const ptyTTYBuffer = 4095

// ptyGatherWait is how long gather waits for more pending output.
const ptyGatherWait = 500 * time.Microsecond

// gather fills buf[n:] with output that is already pending, so that a
// burst goes out in frames of up to 32 KiB rather than 4 KiB ones (fewer
// frames for the clients' 256-frame queues). It returns the new length
// and the read error, if any, other than the end of the wait.
func (s *ptySession) gather(buf []byte, n int) (int, error) {
	_ = s.master.SetReadDeadline(time.Now().Add(ptyGatherWait))
	defer s.master.SetReadDeadline(time.Time{}) //nolint:errcheck // a closed master fails the next read anyway
	for n < len(buf) {
		m, err := s.master.Read(buf[n:])
		n += m
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// broadcast queues one output frame for every attached client; a client
// whose queue is full is disconnected with 1008 (6.7).
func (s *ptySession) broadcast(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for cl := range s.clients {
		if !cl.queue(ptyFrame{typ: websocket.MessageBinary, data: p}) {
			delete(s.clients, cl)
			cl.end(websocket.StatusPolicyViolation, "slow consumer", false)
		}
	}
}

// wait waits for the shell, ends the processes left in its session so
// that the terminal closes, lets the output drain, then closes every
// client with the exit and removes the session.
func (s *ptySession) wait(outputDone <-chan struct{}) {
	exited := make(chan struct{})
	s.m.c.goTracked(func() {
		select {
		case <-exited:
		case <-s.m.c.ctx.Done(): // the toolbox is closing
			killSession(s.cmd.Process.Pid)
		}
	})
	_ = s.cmd.Wait()
	close(exited)
	close(s.exited)
	code := s.cmd.ProcessState.ExitCode()
	killSession(s.cmd.Process.Pid)
	_ = s.master.SetReadDeadline(time.Now().Add(2 * time.Second))
	<-outputDone
	s.m.c.releaseProcess(s.cmd)

	s.m.remove(s) // gone before the clients hear of the exit
	s.mu.Lock()
	s.ended = true
	if s.killed {
		code = 137
	}
	reason := ptyExitReason(code)
	for cl := range s.clients {
		cl.finish(code, reason)
	}
	clear(s.clients)
	s.mu.Unlock()
	_ = s.master.Close()
}

// ptyExitReason is the exitReason of an exit code (6.6).
func ptyExitReason(code int) string {
	switch {
	case code == 0:
		return ""
	case code == 130:
		return "Ctrl+C"
	case code == 137:
		return "SIGKILL"
	case code == 143:
		return "SIGTERM"
	case code > 128:
		return fmt.Sprintf("signal %d", code-128)
	}
	return "non-zero exit"
}

// killSession kills every process of the session sid (the shell's
// background jobs run in process groups of their own), and the group sid.
func killSession(sid int) {
	killGroup(sid)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		if sessionOf(string(stat)) == sid {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// sessionOf reads the session id from a /proc/<pid>/stat line ("pid
// (comm) state ppid pgrp session ..."); the command name may hold spaces
// and parentheses, so fields are counted after the last ')'. It returns -1
// for a line it cannot read.
func sessionOf(stat string) int {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 4 {
		return -1
	}
	sid, err := strconv.Atoi(f[3])
	if err != nil {
		return -1
	}
	return sid
}

// info is the session's PtySessionInfo.
func (s *ptySession) info() tbserver.PtySessionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return tbserver.PtySessionInfo{
		ID: s.id, Cwd: s.cwd, Envs: maps.Clone(s.envs), Cols: s.cols, Rows: s.rows,
		CreatedAt: s.createdAt.Format(time.RFC3339Nano), Active: s.started && !s.ended, LazyStart: s.lazy,
	}
}

// errPTYEnded is the attach of a session whose shell has exited.
var errPTYEnded = errors.New("PTY session has ended")

// attach registers cl (whose queue already holds the connected message)
// and starts a lazy session's shell, so that the first client sees
// everything from the first byte (6.2).
func (s *ptySession) attach(cl *ptyClient) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return errPTYEnded
	}
	if !s.started {
		if err := s.start(); err != nil {
			return err
		}
	}
	s.clients[cl] = struct{}{}
	return nil
}

// detach forgets a client that went away.
func (s *ptySession) detach(cl *ptyClient) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.clients, cl)
}

// input writes a client's message to the terminal.
func (s *ptySession) input(p []byte) error {
	s.mu.Lock()
	master := s.master
	s.mu.Unlock()
	_, err := master.Write(p)
	return err
}

// kill ends the session (DELETE): its processes are killed and attached
// clients see exit 137 "SIGKILL"; a session never started just goes.
func (s *ptySession) kill() {
	s.m.remove(s)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started || s.ended {
		s.ended = true
		return
	}
	s.killed = true
	killSession(s.cmd.Process.Pid)
}

// resize changes the terminal size (the kernel signals SIGWINCH).
func (s *ptySession) resize(cols, rows int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.ended:
		return ptyErr(http.StatusGone, "PTY session '%s' has terminated and cannot be resized", s.id)
	case !s.started:
		return ptyErr(http.StatusInternalServerError, "cannot resize inactive PTY session")
	}
	if err := setWinsize(s.master, cols, rows); err != nil {
		return ptyErr(http.StatusInternalServerError, "failed to resize PTY session: %v", err)
	}
	s.cols, s.rows = cols, rows
	return nil
}

// ptyFrame is one queued WebSocket message.
type ptyFrame struct {
	typ  websocket.MessageType
	data []byte
}

// ptyClient is one attached WebSocket. Its writer goroutine sends the
// queued frames; end makes it send a close frame.
type ptyClient struct {
	conn        *websocket.Conn
	exitControl bool // the client offered X-Daytona-Pty-Exit-Control
	out         chan ptyFrame

	endOnce sync.Once
	ending  chan struct{}
	code    websocket.StatusCode
	reason  string
	drain   bool // send the queued frames before the close frame
}

func newPTYClient(conn *websocket.Conn, exitControl bool) *ptyClient {
	return &ptyClient{conn: conn, exitControl: exitControl, out: make(chan ptyFrame, ptyClientQueue), ending: make(chan struct{})}
}

// queue adds a frame without blocking; false means the queue is full.
func (cl *ptyClient) queue(f ptyFrame) bool {
	select {
	case cl.out <- f:
		return true
	default:
		return false
	}
}

// end asks the writer to close the socket with code and reason, after the
// queued frames if drain. The first call wins.
func (cl *ptyClient) end(code websocket.StatusCode, reason string, drain bool) {
	cl.endOnce.Do(func() {
		cl.code, cl.reason, cl.drain = code, reason, drain
		close(cl.ending)
	})
}

// ptyExited is the exited control message (6.5), in the daemon's key
// order.
type ptyExited struct {
	Type       string `json:"type"`
	Status     string `json:"status"`
	ExitCode   int    `json:"exitCode"`
	ExitReason string `json:"exitReason,omitempty"`
}

// ptyCloseReason is the JSON reason of the exit close frame (6.6).
type ptyCloseReason struct {
	ExitCode   int    `json:"exitCode"`
	ExitReason string `json:"exitReason,omitempty"`
}

// finish queues the exit for the client: the exited control message when
// it asked for it, then the close frame (1000 for 0, else 1011).
func (cl *ptyClient) finish(code int, reason string) {
	if cl.exitControl {
		b, _ := json.Marshal(ptyExited{Type: "control", Status: "exited", ExitCode: code, ExitReason: reason})
		if !cl.queue(ptyFrame{typ: websocket.MessageText, data: b}) {
			cl.end(websocket.StatusPolicyViolation, "slow consumer", false)
			return
		}
	}
	status := websocket.StatusInternalError
	if code == 0 {
		status = websocket.StatusNormalClosure
	}
	b, _ := json.Marshal(ptyCloseReason{ExitCode: code, ExitReason: reason})
	cl.end(status, string(b), true)
}

// writeLoop sends the queued frames until the client ends or ctx does. A
// slow consumer's close frame goes out once its in-flight write completes
// (when the client reads again or goes away).
func (cl *ptyClient) writeLoop(ctx context.Context) {
	for {
		if isDone(cl.ending) && !cl.drain { // a slow consumer: close at once
			_ = cl.conn.Close(cl.code, cl.reason)
			return
		}
		select {
		case f := <-cl.out:
			if cl.conn.Write(ctx, f.typ, f.data) != nil {
				return
			}
		case <-cl.ending:
			if cl.drain && !cl.flush(ctx) {
				return
			}
			_ = cl.conn.Close(cl.code, cl.reason)
			return
		case <-ctx.Done():
			return
		}
	}
}

// flush sends the frames left in the queue; false if the socket failed.
func (cl *ptyClient) flush(ctx context.Context) bool {
	for {
		select {
		case f := <-cl.out:
			if cl.conn.Write(ctx, f.typ, f.data) != nil {
				return false
			}
		default:
			return true
		}
	}
}

// Control frames sent on attach (6.3, 6.5), in the daemon's key order.
var ptyConnectedFrame = []byte(`{"status":"connected","type":"control"}`)

func ptyErrorFrame(msg string) []byte {
	b, _ := json.Marshal(struct {
		Error  string `json:"error"`
		Status string `json:"status"`
		Type   string `json:"type"`
	}{msg, "error", "control"})
	return b
}

// offeredProtocols returns the subprotocols a WebSocket request offers.
func offeredProtocols(r *http.Request) []string {
	var out []string
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// websocketOnly answers a plain GET to a WebSocket-only endpoint
// (quirk 33).
func websocketOnly(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Sec-Websocket-Version", "13")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte("Bad Request"))
}

// serve attaches a WebSocket to the session id (nil s: unknown). The
// daemon upgrades first and reports a bad id in-band, then drops the
// connection without a close frame (quirk 15). The version subprotocol is
// selected when offered (quirk 38), else the exit-control one; the envs
// token never is.
//
// It reports whether a client was attached.
func (m *ptyManager) serve(w http.ResponseWriter, r *http.Request, id string, s *ptySession) bool {
	offered := offeredProtocols(r)
	exitControl := slices.Contains(offered, stream.PTYExitControlSubprotocol)
	var selected []string
	if v := offeredVersion(r.Header); v != "" {
		selected = []string{v}
	} else if exitControl {
		selected = []string{stream.PTYExitControlSubprotocol}
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: selected, InsecureSkipVerify: true})
	if err != nil {
		return false // Accept has answered
	}
	ctx, cancel := context.WithCancel(m.c.ctx)
	defer cancel()
	fail := func(msg string) {
		_ = conn.Write(ctx, websocket.MessageText, ptyErrorFrame("Failed to connect to PTY session: "+msg))
		_ = conn.CloseNow()
	}
	if s == nil {
		fail("PTY session " + id + " not found")
		return false
	}
	cl := newPTYClient(conn, exitControl)
	cl.queue(ptyFrame{typ: websocket.MessageText, data: ptyConnectedFrame})
	if err := s.attach(cl); err != nil {
		if errors.Is(err, errPTYEnded) {
			fail("PTY session " + id + " not found")
		} else {
			fail(err.Error())
		}
		return false
	}
	conn.SetReadLimit(stream.MaxPTYInputMessage)
	inputDone := make(chan struct{})
	go func() { // input: TEXT and BINARY alike, verbatim
		defer close(inputDone)
		defer s.detach(cl)
		for {
			_, p, err := conn.Read(ctx)
			if err != nil {
				cancel()
				return
			}
			if err := s.input(p); err != nil {
				// Input fails as the shell exits: then the exit closes
				// the client. Otherwise the terminal is broken.
				select {
				case <-s.exited:
				case <-time.After(time.Second):
					s.detach(cl)
					cl.end(websocket.StatusInternalError, "PTY session unavailable", false)
				case <-ctx.Done():
				}
				return
			}
		}
	}()
	cl.writeLoop(ctx)
	cancel() // the writer is done: end the input reader too
	<-inputDone
	return true
}

// CreatePtySession serves POST /process/pty (6.1).
func (h ptyHandlers) CreatePtySession(_ context.Context, req tbserver.CreatePtySessionRequestObject) (tbserver.CreatePtySessionResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, ptyErr(http.StatusBadRequest, "invalid request body")
	}
	r := ptyRequest{cwd: b.Cwd, cols: b.Cols, rows: b.Rows}
	if b.ID != nil {
		r.id = *b.ID
	}
	if b.Envs != nil {
		r.envs = *b.Envs
	}
	if b.LazyStart != nil {
		r.lazy = *b.LazyStart
	}
	s, err := h.ptys.create(r)
	if err != nil {
		return nil, err
	}
	return tbserver.CreatePtySession201JSONResponse{SessionID: s.id}, nil
}

// ListPtySessions serves GET /process/pty.
func (h ptyHandlers) ListPtySessions(context.Context, tbserver.ListPtySessionsRequestObject) (tbserver.ListPtySessionsResponseObject, error) {
	h.ptys.mu.Lock()
	sessions := slices.Collect(maps.Values(h.ptys.sessions))
	h.ptys.mu.Unlock()
	slices.SortFunc(sessions, func(a, b *ptySession) int {
		if c := a.createdAt.Compare(b.createdAt); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	out := make([]tbserver.PtySessionInfo, 0, len(sessions))
	for _, s := range sessions {
		out = append(out, s.info())
	}
	return tbserver.ListPtySessions200JSONResponse{Sessions: out}, nil
}

// GetPtySession serves GET /process/pty/{sessionId}.
func (h ptyHandlers) GetPtySession(_ context.Context, req tbserver.GetPtySessionRequestObject) (tbserver.GetPtySessionResponseObject, error) {
	s, err := h.ptys.get(req.SessionID)
	if err != nil {
		return nil, err
	}
	return tbserver.GetPtySession200JSONResponse(s.info()), nil
}

// DeletePtySession serves DELETE /process/pty/{sessionId}.
func (h ptyHandlers) DeletePtySession(_ context.Context, req tbserver.DeletePtySessionRequestObject) (tbserver.DeletePtySessionResponseObject, error) {
	s, err := h.ptys.get(req.SessionID)
	if err != nil {
		return nil, err
	}
	s.kill()
	return tbserver.DeletePtySession200JSONResponse{"message": "PTY session deleted"}, nil
}

// ResizePtySession serves POST /process/pty/{sessionId}/resize.
func (h ptyHandlers) ResizePtySession(_ context.Context, req tbserver.ResizePtySessionRequestObject) (tbserver.ResizePtySessionResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, ptyErr(http.StatusBadRequest, "invalid request body")
	}
	for _, d := range []struct {
		name string
		v    int
	}{{"cols", b.Cols}, {"rows", b.Rows}} {
		switch {
		case d.v > ptyMaxDimension:
			return nil, ptyErr(http.StatusBadRequest, "%s must be less than %d", d.name, ptyMaxDimension)
		case d.v < 1:
			return nil, ptyErr(http.StatusBadRequest, "%s must be greater than 0", d.name)
		}
	}
	s, err := h.ptys.get(req.SessionID)
	if err != nil { // the daemon answers an unknown session here with 410, not 404
		return nil, ptyErr(http.StatusGone, "PTY session %s not found", req.SessionID)
	}
	if err := s.resize(b.Cols, b.Rows); err != nil {
		return nil, err
	}
	return tbserver.ResizePtySession200JSONResponse(s.info()), nil
}

// ConnectPtySession is only reached through the strict interface, which
// the connect override (overrides.ConnectPtySession) replaces.
func (h ptyHandlers) ConnectPtySession(context.Context, tbserver.ConnectPtySessionRequestObject) (tbserver.ConnectPtySessionResponseObject, error) {
	return nil, badRequest("the PTY connect endpoint takes a WebSocket upgrade")
}

// ConnectPtySession serves GET /process/pty/{sessionId}/connect (6.3).
func (o *overrides) ConnectPtySession(w http.ResponseWriter, r *http.Request, sessionID string) {
	if !isWebSocketUpgrade(r) {
		websocketOnly(w)
		return
	}
	s, _ := o.s.ptys.get(sessionID)
	o.s.ptys.serve(w, r, sessionID, s)
}

// ptyCreateConnectID is the path segment of create-connect, which the
// router sees as GET /process/pty/{sessionId}.
const ptyCreateConnectID = "create-connect"

// GetPtySession routes GET /process/pty/create-connect (6.4, not in the
// spec) to the create-connect WebSocket.
func (o *overrides) GetPtySession(w http.ResponseWriter, r *http.Request, sessionID string) {
	if sessionID != ptyCreateConnectID {
		o.ServerInterface.GetPtySession(w, r, sessionID)
		return
	}
	o.s.ptys.createConnect(w, r)
}

// createConnect serves GET /process/pty/create-connect?id&cols&rows[&cwd]:
// a session created and attached in one round trip, envs in a subprotocol
// token. Request errors are HTTP answers before the upgrade.
func (m *ptyManager) createConnect(w http.ResponseWriter, r *http.Request) {
	if !isWebSocketUpgrade(r) {
		websocketOnly(w)
		return
	}
	q := r.URL.Query()
	req := ptyRequest{id: q.Get("id")}
	for _, d := range []struct {
		name string
		dst  **int
	}{{"cols", &req.cols}, {"rows", &req.rows}} {
		if v := q.Get(d.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				writeError(w, r, ptyErr(http.StatusBadRequest, "invalid value for %s", d.name))
				return
			}
			*d.dst = &n
		}
	}
	if q.Has("cwd") {
		cwd := q.Get("cwd")
		req.cwd = &cwd
	}
	envs, err := stream.ParsePTYEnvsSubprotocol(offeredProtocols(r))
	if err != nil {
		writeError(w, r, ptyErr(http.StatusBadRequest, "invalid envs subprotocol"))
		return
	}
	req.envs = envs
	req.onAttach = true // started by the attach below, so no output is lost
	s, err := m.create(req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if !m.serve(w, r, req.id, s) {
		s.kill() // the handshake failed: nobody will attach
	}
}
