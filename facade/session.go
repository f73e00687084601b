package daytona

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/stream"
)

// Sessions are long-lived shells in the sandbox: each command runs in the
// session's shell, so cd, exports and shell variables carry over from one
// command to the next. A command's output is kept, split into stdout and
// stderr, and can be read at once or followed as it is produced.
//
// Do not end a session command with "exit N": it ends the session's shell,
// and every later command in the session fails until it is deleted and
// created again. Use "(exit N)" to set an exit code.

// Session is a session and the commands it has run.
type Session struct {
	// ID is the session's ID.
	ID string
	// Commands are the commands run in it, in no particular order (the
	// daemon keeps them in a map).
	Commands []SessionCommand
}

// SessionCommand is a command run in a session.
type SessionCommand struct {
	// ID is the command's ID.
	ID string
	// Command is the command text.
	Command string
	// Exited reports that the command has finished; ExitCode is its exit
	// code then (0 while it runs).
	Exited   bool
	ExitCode int // ExitCode is the exit code once Exited (see Exited).
}

func sessionFromAPI(s *toolbox.Session) *Session {
	out := &Session{ID: s.SessionID, Commands: make([]SessionCommand, len(s.Commands))}
	for i := range s.Commands {
		out.Commands[i] = commandFromAPI(&s.Commands[i])
	}
	return out
}

func commandFromAPI(c *toolbox.Command) SessionCommand {
	return SessionCommand{ID: c.ID, Command: c.Command, Exited: c.ExitCode != nil, ExitCode: fromPtr(c.ExitCode)}
}

// CreateSession creates the session id. An existing id gives an error
// matching ErrConflict.
func (p *Process) CreateSession(ctx context.Context, id string) error {
	if err := checkPath("Process.CreateSession", "session ID", id); err != nil {
		return err
	}
	return p.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.CreateSessionWithResponse(ctx, toolbox.CreateSessionRequest{SessionID: id})
		return err
	})
}

// GetSession returns the session id and its commands. An unknown id gives
// an error matching ErrNotFound.
func (p *Process) GetSession(ctx context.Context, id string) (*Session, error) {
	if err := checkPath("Process.GetSession", "session ID", id); err != nil {
		return nil, err
	}
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.GetSessionWithResponse(ctx, id)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("GET /process/session/{id}", resp.Status())
	}
	return sessionFromAPI(resp.JSON200), nil
}

// ListSessions returns every session of the sandbox.
func (p *Process) ListSessions(ctx context.Context) ([]Session, error) {
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.ListSessionsWithResponse(ctx)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("GET /process/session", resp.Status())
	}
	out := make([]Session, len(*resp.JSON200))
	for i := range *resp.JSON200 {
		out[i] = *sessionFromAPI(&(*resp.JSON200)[i])
	}
	return out, nil
}

// DeleteSession ends the session id, killing its shell and the commands
// still running in it.
func (p *Process) DeleteSession(ctx context.Context, id string) error {
	if err := checkPath("Process.DeleteSession", "session ID", id); err != nil {
		return err
	}
	return p.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.DeleteSessionWithResponse(ctx, id)
		return err
	})
}

// SessionExecOptions tunes Process.ExecuteSessionCommand.
type SessionExecOptions struct {
	// Async returns as soon as the command has started; follow it with
	// StreamSessionCommandLogs and GetSessionCommand. Without it the call
	// waits for the command to finish.
	Async bool
	// SuppressInputEcho keeps the input sent with SendSessionCommandInput
	// out of the command's stdout (where the toolbox echoes it by default).
	SuppressInputEcho bool
	// Timeout, if > 0, bounds the wait for a synchronous command, on the
	// client (sessions have no server-side limit): when it passes, the
	// call fails with an error matching ErrTimeout, and the command goes
	// on running in the session. It is applied on top of ctx.
	Timeout time.Duration
}

// SessionExecResult is the outcome of Process.ExecuteSessionCommand.
type SessionExecResult struct {
	// CommandID identifies the command in the session.
	CommandID string
	// Exited reports that the command has finished (always, for a
	// synchronous command); ExitCode is its exit code then.
	Exited   bool
	ExitCode int // ExitCode is the exit code once Exited (see Exited).
	// Stdout and Stderr are the command's output streams, and Output both
	// merged, for a synchronous command; empty for an asynchronous one.
	Stdout, Stderr, Output string
}

// ExecuteSessionCommand runs command in the session sessionID, waiting for
// it to finish unless opts.Async is set. A non-zero exit code is not an
// error.
func (p *Process) ExecuteSessionCommand(ctx context.Context, sessionID, command string, opts SessionExecOptions) (*SessionExecResult, error) {
	const op = "Process.ExecuteSessionCommand"
	if err := checkPath(op, "session ID", sessionID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(command) == "" {
		return nil, invalidf("%s: command is empty", op)
	}
	if opts.Timeout < 0 {
		return nil, invalidf("%s: Timeout is negative (%v)", op, opts.Timeout)
	}
	body := toolbox.SessionExecuteRequest{Command: command}
	if opts.Async {
		body.RunAsync = toPtr(true)
	}
	if opts.SuppressInputEcho {
		body.SuppressInputEcho = toPtr(true)
	}
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	resp, err := tb.SessionExecuteCommandWithResponse(ctx, sessionID, body)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	r := resp.JSON200
	if r == nil {
		r = resp.JSON202
	}
	if r == nil || r.CmdID == "" {
		return nil, unexpected("POST /process/session/{id}/exec", resp.Status())
	}
	out := &SessionExecResult{CommandID: r.CmdID, Exited: r.ExitCode != nil, ExitCode: fromPtr(r.ExitCode)}
	out.Output, out.Stdout, out.Stderr = splitOutput(fromPtr(r.Output), fromPtr(r.Stdout), fromPtr(r.Stderr))
	return out, nil
}

// splitOutput returns a session command's merged output without markers
// and its stdout and stderr. Toolboxes answering our SDK version split the
// streams themselves; otherwise they are split from the raw output's
// markers (a log without markers is all stdout).
func splitOutput(raw, stdout, stderr string) (output, so, se string) {
	output = strings.NewReplacer(stream.StdoutMarker, "", stream.StderrMarker, "").Replace(raw)
	if stdout == "" && stderr == "" && raw != "" {
		o, e := stream.SplitLogs([]byte(raw))
		return output, string(o), string(e)
	}
	return output, stdout, stderr
}

// GetSessionCommand returns a command of a session, with its exit code once
// it has finished.
func (p *Process) GetSessionCommand(ctx context.Context, sessionID, commandID string) (*SessionCommand, error) {
	const op = "Process.GetSessionCommand"
	if err := checkPath(op, "session ID", sessionID); err != nil {
		return nil, err
	}
	if err := checkPath(op, "command ID", commandID); err != nil {
		return nil, err
	}
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.GetSessionCommandWithResponse(ctx, sessionID, commandID)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("GET /process/session/{id}/command/{id}", resp.Status())
	}
	c := commandFromAPI(resp.JSON200)
	return &c, nil
}

// SessionCommandLogs is the output of a session command so far.
type SessionCommandLogs struct {
	// Stdout and Stderr are the two output streams.
	Stdout, Stderr string
	// Output is both merged, in the order the toolbox logged the lines.
	Output string
}

// logsFromResponse reads a one-shot log answer: JSON with the streams
// split, or raw text with the markers (older SDK versions, entrypoint logs).
func logsFromResponse(op string, status string, json200 *toolbox.SessionCommandLogsResponse, body []byte, code int) (*SessionCommandLogs, error) {
	var out SessionCommandLogs
	switch {
	case json200 != nil:
		out.Output, out.Stdout, out.Stderr = splitOutput(json200.Output, json200.Stdout, json200.Stderr)
	case code == http.StatusOK:
		out.Output, out.Stdout, out.Stderr = splitOutput(string(body), "", "")
	default:
		return nil, unexpected(op, status)
	}
	return &out, nil
}

// GetSessionCommandLogs returns the output of a session command so far,
// stdout and stderr apart.
func (p *Process) GetSessionCommandLogs(ctx context.Context, sessionID, commandID string) (*SessionCommandLogs, error) {
	const op = "Process.GetSessionCommandLogs"
	if err := checkPath(op, "session ID", sessionID); err != nil {
		return nil, err
	}
	if err := checkPath(op, "command ID", commandID); err != nil {
		return nil, err
	}
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.GetSessionCommandLogsWithResponse(ctx, sessionID, commandID, nil)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	return logsFromResponse("GET /process/session/{id}/command/{id}/logs", resp.Status(), resp.JSON200, resp.Body, resp.StatusCode())
}

// StreamSessionCommandLogs writes a session command's output to stdout and
// stderr (nil discards a stream) as it is produced, from the start, and
// returns when the command has finished and its output is drained (nil),
// when ctx ends, or when the stream fails. Writes happen on the calling
// goroutine, in order; a slow writer slows the stream, nothing is dropped.
//
// It follows the toolbox's log WebSocket without ever sending on it, and
// asks the toolbox for the command's exit code when the stream goes quiet,
// so it ends even if the toolbox fails to close the socket.
func (p *Process) StreamSessionCommandLogs(ctx context.Context, sessionID, commandID string, stdout, stderr io.Writer) error {
	const op = "Process.StreamSessionCommandLogs"
	if err := checkPath(op, "session ID", sessionID); err != nil {
		return err
	}
	if err := checkPath(op, "command ID", commandID); err != nil {
		return err
	}
	exited := func(ctx context.Context) (bool, error) {
		c, err := p.GetSessionCommand(ctx, sessionID, commandID)
		if err != nil {
			return false, err
		}
		return c.Exited, nil
	}
	return p.followLogs(ctx, func(server string) (*http.Request, error) {
		return toolbox.NewGetSessionCommandLogsRequest(server, sessionID, commandID, &toolbox.GetSessionCommandLogsParams{Follow: toPtr(true)})
	}, exited, stdout, stderr)
}

// StreamSessionCommandLogsFunc is StreamSessionCommandLogs with callbacks:
// onStdout and onStderr (nil ignores a stream) receive the output as text,
// never splitting a UTF-8 character (invalid bytes become U+FFFD). They
// are called on the calling goroutine.
func (p *Process) StreamSessionCommandLogsFunc(ctx context.Context, sessionID, commandID string, onStdout, onStderr func(string)) error {
	return p.StreamSessionCommandLogs(ctx, sessionID, commandID, textWriter(onStdout), textWriter(onStderr))
}

// textWriter returns a TextWriter calling fn, or nil (discard) for a nil fn.
func textWriter(fn func(string)) io.Writer {
	if fn == nil {
		return nil
	}
	return stream.NewTextWriter(fn)
}

// SendSessionCommandInput writes data to the standard input of a running
// asynchronous command (add "\n" to end a line). Unless the command was
// started with SuppressInputEcho, the input also appears in its stdout.
// Input to a command that has finished is an error.
func (p *Process) SendSessionCommandInput(ctx context.Context, sessionID, commandID, data string) error {
	const op = "Process.SendSessionCommandInput"
	if err := checkPath(op, "session ID", sessionID); err != nil {
		return err
	}
	if err := checkPath(op, "command ID", commandID); err != nil {
		return err
	}
	// The daemon's command shell makes the input pipe after the execute
	// request has answered, and removes it when the command ends, before
	// the daemon has noticed the end: either way the input finds no pipe
	// (a 500 "failed to open input pipe: ... no such file or directory").
	// A command that has ended then gives ErrGone, as the daemon answers
	// once it knows; one still starting is waited for, with the one
	// waiter, for up to inputPipeWait, after which the 500 is returned.
	var last error
	wctx, cancel := context.WithTimeout(ctx, inputPipeWait)
	defer cancel()
	err := poll(wctx, inputPipeBackoff, func() string { return "the input pipe of command " + commandID }, func(ctx context.Context) (bool, error) {
		last = p.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
			_, err := tb.SendInputWithResponse(ctx, sessionID, commandID, toolbox.SessionSendInputRequest{Data: data})
			return err
		})
		if !noInputPipe(last) {
			return true, last
		}
		cmd, err := p.GetSessionCommand(ctx, sessionID, commandID)
		switch {
		case err != nil:
			return true, err
		case cmd.Exited:
			return true, &Error{Kind: ErrGone, Source: SourceSDK, Err: last,
				Message: fmt.Sprintf("command %s has already completed with exit code %d", commandID, cmd.ExitCode)}
		}
		return false, nil
	})
	if err != nil && ctx.Err() == nil && wctx.Err() != nil && noInputPipe(last) { // the pipe never came
		return last
	}
	return err
}

// inputPipeWait bounds the wait for a new command's input pipe, and
// inputPipeBackoff is its schedule (no final check: the last answer is
// the error).
const inputPipeWait = 5 * time.Second

var inputPipeBackoff = backoff{initial: 10 * time.Millisecond, max: 200 * time.Millisecond, factor: 2, jitter: 0.2}

// noInputPipe reports whether err is the daemon finding no input pipe for
// a command (yet).
func noInputPipe(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusInternalServerError &&
		strings.Contains(e.Message, "failed to open input pipe") && strings.Contains(e.Message, "no such file or directory")
}

// EntrypointSession returns the session running the sandbox's entrypoint
// command. A sandbox started without one gives an error matching
// ErrNotFound.
func (p *Process) EntrypointSession(ctx context.Context) (*Session, error) {
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.GetEntrypointSessionWithResponse(ctx)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("GET /process/session/entrypoint", resp.Status())
	}
	return sessionFromAPI(resp.JSON200), nil
}

// EntrypointLogs returns the entrypoint command's output so far.
func (p *Process) EntrypointLogs(ctx context.Context) (*SessionCommandLogs, error) {
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.GetEntrypointLogsWithResponse(ctx, nil)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	return logsFromResponse("GET /process/session/entrypoint/logs", resp.Status(), resp.JSON200, resp.Body, resp.StatusCode())
}

// StreamEntrypointLogs follows the entrypoint command's output as
// StreamSessionCommandLogs follows a command's: it returns when the
// entrypoint has finished and its output is drained, or when ctx ends.
func (p *Process) StreamEntrypointLogs(ctx context.Context, stdout, stderr io.Writer) error {
	exited := func(ctx context.Context) (bool, error) {
		s, err := p.EntrypointSession(ctx)
		if err != nil {
			return false, err
		}
		for _, c := range s.Commands {
			if !c.Exited {
				return false, nil
			}
		}
		return len(s.Commands) > 0, nil
	}
	return p.followLogs(ctx, func(server string) (*http.Request, error) {
		return toolbox.NewGetEntrypointLogsRequest(server, &toolbox.GetEntrypointLogsParams{Follow: toPtr(true)})
	}, exited, stdout, stderr)
}

// logReadLimit bounds one WebSocket message of a log stream; the daemon
// sends at most 1 KiB per frame.
const logReadLimit = 1 << 20

// followLogs dials the log WebSocket whose HTTP request newReq builds
// against the toolbox base URL, and follows it (stream.FollowLogs).
func (p *Process) followLogs(ctx context.Context, newReq func(server string) (*http.Request, error),
	exited func(context.Context) (bool, error), stdout, stderr io.Writer) error {
	server, err := p.sb.toolboxServer(ctx)
	if err != nil {
		return err
	}
	req, err := newReq(server)
	if err != nil {
		return newSDKError(ErrValidation, err, "invalid toolbox URL")
	}
	conn, err := p.sb.dialSocket(ctx, req.URL)
	if err != nil {
		return err
	}
	conn.SetReadLimit(logReadLimit)
	so, se := &writeErrRecorder{w: stdout}, &writeErrRecorder{w: stderr}
	err = stream.FollowLogs(ctx, conn, writerOrNil(so, stdout), writerOrNil(se, stderr), stream.FollowOptions{Exited: exited})
	switch {
	case err == nil:
		return nil
	case so.err != nil:
		return localError("writing the stdout of the log stream", so.err)
	case se.err != nil:
		return localError("writing the stderr of the log stream", se.err)
	case ctx.Err() != nil:
		return wrapErr(ctx, err)
	}
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	var ce *stream.CloseError
	if errors.As(err, &ce) {
		if ce.Code == int(websocket.StatusAbnormalClosure) {
			return &Error{Kind: ErrConnection, Source: SourceSDK, Message: "the log stream was cut", Err: err}
		}
		return &Error{Kind: ErrServer, Source: SourceSDK, Message: "the log stream ended abnormally", Err: err}
	}
	return wrapErr(ctx, err)
}

// writerOrNil keeps a nil destination nil (FollowLogs discards it).
func writerOrNil(rec *writeErrRecorder, w io.Writer) io.Writer {
	if w == nil {
		return nil
	}
	return rec
}

// writeErrRecorder remembers the first error of w. Flush is forwarded so a
// TextWriter destination still gets flushed at the end of the stream.
type writeErrRecorder struct {
	w   io.Writer
	err error
}

func (r *writeErrRecorder) Write(p []byte) (int, error) {
	n, err := r.w.Write(p)
	if err != nil && r.err == nil {
		r.err = err
	}
	return n, err
}

// Flush flushes w when it can be flushed.
func (r *writeErrRecorder) Flush() error {
	if f, ok := r.w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			if r.err == nil {
				r.err = err
			}
			return err
		}
	}
	return nil
}
