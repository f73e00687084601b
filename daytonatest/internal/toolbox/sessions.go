package toolbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
	"github.com/daytona-go/daytona/stream"
)

// entrypointSession is the reserved id of the entrypoint session (5.10).
const entrypointSession = "entrypoint"

// sessionHandlers serves /process/session (PROTOCOLS.md 5).
type sessionHandlers struct{ sessions *sessionManager }

// sessionManager holds the sessions of a toolbox.
//
// A session is a persistent shell reading commands on its stdin. Each
// command is written to a file that the shell sources inside a group whose
// stdout and stderr go to two FIFOs; the toolbox reads them line by line and
// appends every line to the command's log with its stream marker (5.3).
// The shell reports each exit code on a control pipe (its fd 3), so an
// "exit N" in a command ends the shell itself (quirk 9). State lives under
// the toolbox's state dir, not in the sandbox.
type sessionManager struct {
	c  *core
	mu sync.Mutex
	m  map[string]*session
}

func newSessionManager(c *core) *sessionManager {
	return &sessionManager{c: c, m: map[string]*session{}}
}

// session is one persistent shell.
type session struct {
	c     *core
	id    string
	dir   string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	dead  chan struct{} // closed when the shell has exited
	gone  chan struct{} // closed when the session is deleted

	mu       sync.Mutex
	commands []*command
	pending  map[string]*command // commands whose exit code is not known yet
	exitCode int                 // the shell's, once dead
	closed   bool                // shut down: no more commands
}

// command is one command run in a session.
type command struct {
	id           string
	text         string
	log          *cmdLog
	suppressEcho bool
	inputPath    string   // the stdin FIFO ("" for a sync command)
	inputW       *os.File // held open while the command runs (async)
	outW, errW   *os.File // the toolbox's own writers of the output FIFOs
	readers      []*os.File
	streams      sync.WaitGroup
	once         sync.Once
	done         chan struct{} // closed once the exit code is known and the output read

	mu       sync.Mutex
	exitCode *int
}

// exit returns the command's exit code, nil while it runs.
func (cmd *command) exit() *int {
	cmd.mu.Lock()
	defer cmd.mu.Unlock()
	return cmd.exitCode
}

// info is the command as the API shows it.
func (cmd *command) info() tbserver.Command {
	return tbserver.Command{ID: cmd.id, Command: cmd.text, ExitCode: cmd.exit()}
}

// cmdLog is a command's log: an append-only file in the daemon's framing,
// with a change signal for followers.
type cmdLog struct {
	path string
	mu   sync.Mutex
	f    *os.File
	size int64
	wake chan struct{} // closed and replaced on every change
	done bool          // the command has ended and its output was read
}

func newCmdLog(path string) (*cmdLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &cmdLog{path: path, f: f, wake: make(chan struct{})}, nil
}

// Write appends p. LineFramers call it with whole framed lines, so the
// lines of stdout and stderr never mix.
func (l *cmdLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, os.ErrClosed
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	l.signal()
	return n, err
}

// signal wakes the followers. The caller holds l.mu.
func (l *cmdLog) signal() {
	close(l.wake)
	l.wake = make(chan struct{})
}

// finish marks the log complete.
func (l *cmdLog) finish() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done = true
	l.signal()
}

// state returns the log's size, whether it is complete, and a channel
// closed on the next change.
func (l *cmdLog) state() (int64, bool, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size, l.done, l.wake
}

// close closes the log's file; later writes fail.
func (l *cmdLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		_ = l.f.Close()
		l.f = nil
	}
}

// read returns the whole log.
func (l *cmdLog) read() ([]byte, error) { return os.ReadFile(l.path) }

// errSessionNotFound is the 404 of an unknown session.
func errSessionNotFound() *daemonError { return notFound("session not found") }

// get returns the session id.
func (m *sessionManager) get(id string) (*session, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.m[id]
	return s, ok
}

// create starts the shell of a new session.
func (m *sessionManager) create(id string) (*session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.m[id]; dup {
		return nil, conflict("session already exists")
	}
	dir := filepath.Join(m.c.stateDir, "sessions", id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, internalError("create session: %s", errText(err))
	}
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		return nil, internalError("create session: %s", err.Error())
	}
	cmd := exec.Command(m.c.shell)
	cmd.Dir = m.c.root
	cmd.Env = m.c.env.environ(nil)
	cmd.ExtraFiles = []*os.File{ctlW} // fd 3: the control pipe
	// A pipe of our own rather than StdinPipe, which Wait closes: after
	// the shell died, a write must fail with EPIPE as on the daemon.
	stdinR, stdin, err := os.Pipe()
	if err != nil {
		_, _ = ctlR.Close(), ctlW.Close()
		return nil, internalError("create session: %s", err.Error())
	}
	cmd.Stdin = stdinR
	err = m.c.startTracked(cmd, 1) // one more token, released by shutdown
	_, _ = ctlW.Close(), stdinR.Close()
	if err != nil {
		_, _ = ctlR.Close(), stdin.Close()
		return nil, internalError("create session: %s", err.Error())
	}
	s := &session{
		c: m.c, id: id, dir: dir, cmd: cmd, stdin: stdin,
		dead: make(chan struct{}), gone: make(chan struct{}),
		pending: map[string]*command{},
	}
	m.m[id] = s
	m.c.goTracked(func() { s.readControl(ctlR) })
	m.c.goTracked(func() { s.wait(m.c) })
	return s, nil
}

// readControl reads "cmdId exitCode" lines from the shell.
func (s *session) readControl(r *os.File) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		id, codeText, ok := strings.Cut(sc.Text(), " ")
		code, err := strconv.Atoi(codeText)
		if !ok || err != nil {
			continue
		}
		s.mu.Lock()
		cmd := s.pending[id]
		delete(s.pending, id)
		s.mu.Unlock()
		if cmd != nil {
			s.c.goTracked(func() { cmd.complete(code) })
		}
	}
}

// wait reaps the shell and ends the commands it left unfinished with its
// exit status.
func (s *session) wait(c *core) {
	_ = s.cmd.Wait()
	c.releaseProcess(s.cmd)
	s.mu.Lock()
	s.exitCode = s.cmd.ProcessState.ExitCode()
	pending := s.pending
	s.pending = map[string]*command{}
	s.mu.Unlock()
	close(s.dead)
	for _, cmd := range pending {
		cmd.complete(s.exitCode)
	}
}

// complete records the exit code once the output is read: the toolbox's
// own FIFO writers are closed, so the readers end when the shell's group
// has closed its side, or after waitDelay when a background child keeps
// it open (the log then keeps growing while the child writes).
func (cmd *command) complete(code int) {
	cmd.once.Do(func() {
		_ = cmd.outW.Close()
		_ = cmd.errW.Close()
		drained := make(chan struct{})
		go func() {
			cmd.streams.Wait()
			close(drained)
		}()
		timer := time.NewTimer(waitDelay)
		select {
		case <-drained:
		case <-timer.C:
		}
		timer.Stop()
		if cmd.inputW != nil {
			_ = cmd.inputW.Close()
			_ = os.Remove(cmd.inputPath)
		}
		cmd.mu.Lock()
		cmd.exitCode = &code
		cmd.mu.Unlock()
		cmd.log.finish()
		close(cmd.done)
	})
}

// exec starts text in the session. It returns once the shell has been
// given the command.
func (m *sessionManager) exec(s *session, text string, async, suppressEcho bool) (*command, error) {
	cmd := &command{id: uuid.NewString(), text: text, suppressEcho: suppressEcho, done: make(chan struct{})}
	dir := filepath.Join(s.dir, cmd.id)
	stdin := "/dev/null"
	if async {
		stdin = filepath.Join(dir, "input.pipe")
	}
	line := fmt.Sprintf("{ . %s; } <%s >%s 2>%s 3>&-; printf '%%s %%s\\n' %s \"$?\" >&3\n",
		shellQuote(filepath.Join(dir, "cmd.sh")), shellQuote(stdin),
		shellQuote(filepath.Join(dir, "stdout.fifo")), shellQuote(filepath.Join(dir, "stderr.fifo")), cmd.id)
	// s.mu is held from the check to the hand-over, so that shutdown (which
	// sets closed under it) cannot release the session's wait-group token
	// while this command starts its goroutines.
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, degenerateError("failed to execute command: not found: session not found")
	}
	cleanup, err := m.prepare(cmd, dir, async)
	if err == nil {
		s.pending[cmd.id] = cmd
		s.commands = append(s.commands, cmd)
		if _, err = io.WriteString(s.stdin, line); err != nil {
			delete(s.pending, cmd.id)
			s.commands = s.commands[:len(s.commands)-1]
		}
	}
	s.mu.Unlock()
	if err != nil {
		cleanup()
		return nil, degenerateError("failed to execute command: " + err.Error())
	}
	select {
	case <-s.dead: // the shell died before it could answer
		s.mu.Lock()
		_, still := s.pending[cmd.id]
		delete(s.pending, cmd.id)
		code := s.exitCode
		s.mu.Unlock()
		if still {
			cmd.complete(code)
		}
	default:
	}
	return cmd, nil
}

// prepare creates the command's files and starts reading its output. The
// returned cleanup undoes it when the command cannot be handed over.
func (m *sessionManager) prepare(cmd *command, dir string, async bool) (cleanup func(), err error) {
	var closers []io.Closer
	cleanup = func() {
		for _, c := range closers {
			_ = c.Close()
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return cleanup, err
	}
	if err := os.WriteFile(filepath.Join(dir, "cmd.sh"), []byte(cmd.text+"\n"), 0o600); err != nil {
		return cleanup, err
	}
	if cmd.log, err = newCmdLog(filepath.Join(dir, "output.log")); err != nil {
		return cleanup, err
	}
	closers = append(closers, closerFunc(cmd.log.close))
	readers := make([]*os.File, 2)
	for i, name := range []string{"stdout.fifo", "stderr.fifo"} {
		p := filepath.Join(dir, name)
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			return cleanup, err
		}
		// A non-blocking read end first, then the toolbox's own writer: the
		// shell's open never blocks and the reader sees EOF only once both
		// the shell's group and the toolbox have closed their ends.
		r, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			return cleanup, err
		}
		closers = append(closers, r)
		w, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return cleanup, err
		}
		closers = append(closers, w)
		readers[i] = r
		if i == 0 {
			cmd.outW = w
		} else {
			cmd.errW = w
		}
	}
	if async {
		cmd.inputPath = filepath.Join(dir, "input.pipe")
		if err := syscall.Mkfifo(cmd.inputPath, 0o600); err != nil {
			return cleanup, err
		}
		if cmd.inputW, err = os.OpenFile(cmd.inputPath, os.O_RDWR, 0); err != nil {
			return cleanup, err
		}
		closers = append(closers, cmd.inputW)
	}
	cmd.readers = readers
	for i, r := range readers {
		cmd.streams.Add(1)
		framer := stream.NewLineFramer(cmd.log, []stream.Stream{stream.Stdout, stream.Stderr}[i])
		m.c.goTracked(func() {
			defer cmd.streams.Done()
			defer r.Close()
			_, _ = io.Copy(framer, r)
			_ = framer.Close()
		})
	}
	return cleanup, nil
}

// closerFunc adapts a func to io.Closer.
type closerFunc func()

func (f closerFunc) Close() error { f(); return nil }

// remove deletes the session: its shell's process group is killed, its
// followers are closed with 1000 and its files removed.
func (m *sessionManager) remove(id string) bool {
	m.mu.Lock()
	s, ok := m.m[id]
	delete(m.m, id)
	m.mu.Unlock()
	if !ok {
		return false
	}
	s.shutdown()
	return true
}

// shutdown kills the shell and everything it started, then releases the
// commands' files.
func (s *session) shutdown() {
	defer s.c.wg.Done() // the session's token (startTracked)
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	close(s.gone)
	killGroup(s.cmd.Process.Pid)
	_ = s.stdin.Close()
	<-s.dead
	s.mu.Lock()
	cmds := slices.Clone(s.commands)
	s.mu.Unlock()
	for _, cmd := range cmds {
		<-cmd.done
		for _, r := range cmd.readers {
			_ = r.Close() // stops a reader a detached background child keeps open
		}
		cmd.log.close()
	}
	_ = os.RemoveAll(s.dir)
}

// closeAll deletes every session (Toolbox.Close).
func (m *sessionManager) closeAll() {
	m.mu.Lock()
	ids := slices.Collect(maps.Keys(m.m))
	m.mu.Unlock()
	for _, id := range ids {
		m.remove(id)
	}
}

// startEntrypoint runs the sandbox's entrypoint in the reserved session.
func (m *sessionManager) startEntrypoint(text string) error {
	s, err := m.create(entrypointSession)
	if err != nil {
		return err
	}
	_, err = m.exec(s, text, true, true)
	return err
}

// sessionInfo is the session as the API shows it.
func (s *session) info() tbserver.Session {
	s.mu.Lock()
	cmds := slices.Clone(s.commands)
	s.mu.Unlock()
	out := tbserver.Session{SessionID: s.id, Commands: make([]tbserver.Command, 0, len(cmds))}
	for _, c := range cmds {
		out.Commands = append(out.Commands, c.info())
	}
	return out
}

// command returns the command id of the session.
func (s *session) command(id string) (*command, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.commands {
		if c.id == id {
			return c, true
		}
	}
	return nil, false
}

// CreateSession serves POST /process/session: 201 with an empty body,
// 409 for an id in use; "entrypoint" is reserved.
func (h sessionHandlers) CreateSession(_ context.Context, req tbserver.CreateSessionRequestObject) (tbserver.CreateSessionResponseObject, error) {
	if req.Body == nil || strings.TrimSpace(req.Body.SessionID) == "" {
		return nil, badRequest("sessionId is required")
	}
	if req.Body.SessionID == entrypointSession {
		return nil, badRequest("session ID %q is reserved", entrypointSession)
	}
	if strings.ContainsAny(req.Body.SessionID, "/\x00") || req.Body.SessionID == "." || req.Body.SessionID == ".." {
		return nil, badRequest("invalid session ID %q", req.Body.SessionID)
	}
	if _, err := h.sessions.create(req.Body.SessionID); err != nil {
		return nil, err
	}
	return tbserver.CreateSession201Response{}, nil
}

// ListSessions serves GET /process/session (the entrypoint session is not
// listed).
func (h sessionHandlers) ListSessions(context.Context, tbserver.ListSessionsRequestObject) (tbserver.ListSessionsResponseObject, error) {
	m := h.sessions
	m.mu.Lock()
	ids := slices.Sorted(maps.Keys(m.m))
	list := make([]*session, 0, len(ids))
	for _, id := range ids {
		if id != entrypointSession {
			list = append(list, m.m[id])
		}
	}
	m.mu.Unlock()
	out := make([]tbserver.Session, 0, len(list))
	for _, s := range list {
		out = append(out, s.info())
	}
	return tbserver.ListSessions200JSONResponse(out), nil
}

// GetSession serves GET /process/session/{sessionId}.
func (h sessionHandlers) GetSession(_ context.Context, req tbserver.GetSessionRequestObject) (tbserver.GetSessionResponseObject, error) {
	s, ok := h.sessions.get(req.SessionID)
	if !ok {
		return nil, errSessionNotFound()
	}
	return tbserver.GetSession200JSONResponse(s.info()), nil
}

// DeleteSession serves DELETE /process/session/{sessionId}: 204; a dead
// shell is deleted the same way.
func (h sessionHandlers) DeleteSession(_ context.Context, req tbserver.DeleteSessionRequestObject) (tbserver.DeleteSessionResponseObject, error) {
	if !h.sessions.remove(req.SessionID) {
		return nil, errSessionNotFound()
	}
	return tbserver.DeleteSession204Response{}, nil
}

// GetEntrypointSession serves GET /process/session/entrypoint.
func (h sessionHandlers) GetEntrypointSession(context.Context, tbserver.GetEntrypointSessionRequestObject) (tbserver.GetEntrypointSessionResponseObject, error) {
	s, ok := h.sessions.get(entrypointSession)
	if !ok {
		return nil, errSessionNotFound()
	}
	return tbserver.GetEntrypointSession200JSONResponse(s.info()), nil
}

// SessionExecuteCommand serves POST /process/session/{sessionId}/exec:
// async → 202 {"cmdId"}, sync → 200 once the command ended, with the
// output in the format the SDK version asks for (5.4). An unknown session
// or a dead shell is the degenerate 500 (quirks 9, 10).
func (h sessionHandlers) SessionExecuteCommand(ctx context.Context, req tbserver.SessionExecuteCommandRequestObject) (tbserver.SessionExecuteCommandResponseObject, error) {
	b := req.Body
	if b == nil || strings.TrimSpace(b.Command) == "" {
		return nil, badRequest("command is required")
	}
	s, ok := h.sessions.get(req.SessionID)
	if !ok {
		return nil, degenerateError("failed to execute command: not found: session not found")
	}
	async := (b.RunAsync != nil && *b.RunAsync) || (b.Async != nil && *b.Async)
	suppress := b.SuppressInputEcho != nil && *b.SuppressInputEcho
	cmd, err := h.sessions.exec(s, b.Command, async, suppress)
	if err != nil {
		return nil, err
	}
	if async {
		return tbserver.SessionExecuteCommand202JSONResponse{CmdID: cmd.id}, nil
	}
	select {
	case <-cmd.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-h.sessions.c.ctx.Done():
		return nil, internalError("the toolbox is closed")
	}
	raw, err := cmd.log.read()
	if err != nil {
		return nil, internalError("read command log: %s", errText(err))
	}
	res := tbserver.SessionExecuteCommand200JSONResponse{CmdID: cmd.id, ExitCode: cmd.exit()}
	switch outputModeOf(headersFrom(ctx), false) {
	case modeCombined:
		out := string(stripMarkers(raw))
		res.Output = &out
	case modeRaw:
		out := string(raw)
		res.Output = &out
	case modeSplit:
		out := string(raw)
		o, e := stream.SplitLogs(raw)
		so, se := string(o), string(e)
		res.Output, res.Stdout, res.Stderr = &out, &so, &se
	}
	return res, nil
}

// findCommand returns the command of a session, or the 404 envelope.
func (h sessionHandlers) findCommand(sessionID, commandID string) (*session, *command, error) {
	s, ok := h.sessions.get(sessionID)
	if !ok {
		return nil, nil, errSessionNotFound()
	}
	if sessionID == entrypointSession && commandID == "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(s.commands) == 0 {
			return nil, nil, notFound("command not found")
		}
		return s, s.commands[0], nil
	}
	cmd, ok := s.command(commandID)
	if !ok {
		return nil, nil, notFound("command not found")
	}
	return s, cmd, nil
}

// GetSessionCommand serves GET /process/session/{sessionId}/command/{commandId};
// exitCode is absent while the command runs (5.8).
func (h sessionHandlers) GetSessionCommand(_ context.Context, req tbserver.GetSessionCommandRequestObject) (tbserver.GetSessionCommandResponseObject, error) {
	_, cmd, err := h.findCommand(req.SessionID, req.CommandID)
	if err != nil {
		return nil, err
	}
	return tbserver.GetSessionCommand200JSONResponse(cmd.info()), nil
}

// SendInput serves POST /process/session/{sessionId}/command/{commandId}/input:
// the data goes to the command's stdin and, unless the command was started
// with suppressInputEcho, into its stdout log (quirk 8). A finished command
// is 410 COMMAND_ALREADY_COMPLETED, as the daemon checks its exit code
// before the pipe (PROTOCOLS quirk 11 saw a 500: the pipe of a command
// whose end was not recorded yet is gone, which still answers 500 here).
func (h sessionHandlers) SendInput(_ context.Context, req tbserver.SendInputRequestObject) (tbserver.SendInputResponseObject, error) {
	if req.Body == nil {
		return nil, badRequest("data is required")
	}
	_, cmd, err := h.findCommand(req.SessionID, req.CommandID)
	if err != nil {
		return nil, err
	}
	if code := cmd.exit(); code != nil {
		return nil, newError(http.StatusGone, "COMMAND_ALREADY_COMPLETED", fmt.Sprintf("command has already completed with exit code %d", *code))
	}
	if err := cmd.sendInput(req.Body.Data); err != nil {
		return nil, err
	}
	return tbserver.SendInput204Response{}, nil
}

// sendInput writes data to the command's stdin FIFO.
func (cmd *command) sendInput(data string) error {
	path := cmd.inputPath
	if path == "" {
		path = filepath.Join(filepath.Dir(cmd.log.path), "input.pipe") // a sync command never had one
	}
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return internalError("failed to open input pipe: %s", err.Error())
	}
	defer f.Close()
	if !cmd.suppressEcho {
		// The echo goes first, so that it precedes what the command prints
		// in answer.
		echo := stream.NewLineFramer(cmd.log, stream.Stdout)
		_, _ = echo.Write([]byte(data))
		_ = echo.Close()
	}
	_ = f.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(f, data); err != nil {
		return internalError("failed to write to input pipe: %s", errText(err))
	}
	return nil
}

// GetSessionCommandLogs serves the one-shot log read (5.5): follow is
// ignored without a WebSocket upgrade (quirk 4).
func (h sessionHandlers) GetSessionCommandLogs(ctx context.Context, req tbserver.GetSessionCommandLogsRequestObject) (tbserver.GetSessionCommandLogsResponseObject, error) {
	_, cmd, err := h.findCommand(req.SessionID, req.CommandID)
	if err != nil {
		return nil, err
	}
	return logsResponse(cmd, outputModeOf(headersFrom(ctx), false))
}

// GetEntrypointLogs serves the entrypoint's one-shot log read, never in
// combined mode (quirk 3).
func (h sessionHandlers) GetEntrypointLogs(ctx context.Context, _ tbserver.GetEntrypointLogsRequestObject) (tbserver.GetEntrypointLogsResponseObject, error) {
	_, cmd, err := h.findCommand(entrypointSession, "")
	if err != nil {
		return nil, err
	}
	return logsResponse(cmd, outputModeOf(headersFrom(ctx), true))
}

// logsAnswer is a one-shot log answer for both log operations.
type logsAnswer struct {
	mode logMode
	raw  []byte
}

// VisitGetSessionCommandLogsResponse writes the answer.
func (a logsAnswer) VisitGetSessionCommandLogsResponse(w http.ResponseWriter) error {
	return a.write(w)
}

// VisitGetEntrypointLogsResponse writes the answer.
func (a logsAnswer) VisitGetEntrypointLogsResponse(w http.ResponseWriter) error {
	return a.write(w)
}

func (a logsAnswer) write(w http.ResponseWriter) error {
	switch a.mode {
	case modeSplit:
		o, e := stream.SplitLogs(a.raw)
		writeJSON(w, http.StatusOK, tbserver.SessionCommandLogsResponse{Output: string(a.raw), Stdout: string(o), Stderr: string(e)})
		return nil
	case modeCombined:
		a.raw = stripMarkers(a.raw)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(a.raw)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(a.raw)
	return err
}

func logsResponse(cmd *command, mode logMode) (logsAnswer, error) {
	raw, err := cmd.log.read()
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return logsAnswer{}, internalError("read command log: %s", errText(err))
	}
	return logsAnswer{mode: mode, raw: raw}, nil
}
