package daytona

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/stream"
)

// CodeInterpreter runs code in the sandbox's stateful interpreter
// (PROTOCOLS.md 7): variables and imports persist within a context between
// runs, and contexts are isolated from each other. Use it as
// sb.CodeInterpreter.
type CodeInterpreter struct{ sb *Sandbox }

// DefaultRunCodeTimeout is the time limit of RunCode when
// RunCodeOptions.Timeout is 0 (the official SDKs' default).
const DefaultRunCodeTimeout = 10 * time.Minute

// NoTimeout, as RunCodeOptions.Timeout, runs the code without a time
// limit (any negative value does).
const NoTimeout time.Duration = -1

// interpreterReadLimit bounds one message of an execution.
const interpreterReadLimit = 16 << 20

// InterpreterContext is an isolated interpreter state: its own globals
// and working directory, served by its own worker process.
type InterpreterContext struct {
	ID       string // ID identifies the context (RunCodeOptions.Context, DeleteContext).
	Cwd      string // Cwd is the context's working directory in the sandbox.
	Language string // Language is the context's language, e.g. "python".
	// CreatedAt is zero if the toolbox sent no parseable time.
	CreatedAt time.Time
	// Active is false while the context's worker is dead (after a timeout
	// it could not interrupt, or exit() in the code); the context's next
	// run restarts it, with empty state.
	Active bool
}

func interpreterContext(in toolbox.InterpreterContext) InterpreterContext {
	ic := InterpreterContext{ID: in.ID, Cwd: in.Cwd, Language: in.Language, Active: in.Active}
	if t, err := time.Parse(time.RFC3339Nano, in.CreatedAt); err == nil {
		ic.CreatedAt = t
	}
	return ic
}

// ContextOptions tunes CodeInterpreter.CreateContext. The zero value is a
// Python context in the toolbox's work directory.
type ContextOptions struct {
	// Cwd is the context's working directory (default: the work
	// directory).
	Cwd string
	// Language is "python" (the default; the only language the toolbox
	// supports: any other is refused with ErrValidation).
	Language string
}

// RunCodeOptions tunes CodeInterpreter.RunCode. The zero value runs in the
// default context with the default time limit.
type RunCodeOptions struct {
	// Context is the context to run in; nil means the toolbox's default
	// context. A context known only by its ID can be given as
	// &InterpreterContext{ID: id}.
	Context *InterpreterContext
	// Env sets environment variables for this run only.
	Env map[string]string
	// Timeout is the time limit, enforced in the sandbox and sent in whole
	// seconds (rounded up): 0 means DefaultRunCodeTimeout (10 minutes), a
	// negative value (NoTimeout) none. When it passes, the run is
	// interrupted (KeyboardInterrupt) and RunCode fails with an error
	// matching ErrTimeout; the context keeps its state, unless the code
	// could not be interrupted within 2 s: then its worker is killed, and
	// the context's next run starts a new one, with empty state.
	Timeout time.Duration
	// OnStdout and OnStderr receive the output as it is produced (each
	// flushed write), OnError the exception the code raised. They run on
	// the calling goroutine, in order, and should return promptly.
	OnStdout func(text string)
	// OnStderr receives standard error text (see OnStdout).
	OnStderr func(text string)
	// OnError receives the exception the code raised (see OnStdout).
	OnError func(err *ExecutionError)
}

// ExecutionResult is what a run produced. The value of a trailing
// expression is not returned (print it).
type ExecutionResult struct {
	Stdout string // Stdout is all the standard output, concatenated.
	Stderr string // Stderr is all the standard error output, concatenated.
	// Error is the exception the code raised, nil if none. An exception
	// is not an error of RunCode.
	Error *ExecutionError
}

// ExecutionError is a Python exception raised by the code.
type ExecutionError struct {
	// Name is the exception's class, e.g. "ValueError".
	Name string
	// Value is its message (str(exception)).
	Value string
	// Traceback is the cleaned-up traceback text.
	Traceback string
}

// Error returns "Name: Value".
func (e *ExecutionError) Error() string {
	if e.Value == "" {
		return e.Name
	}
	return e.Name + ": " + e.Value
}

// RunCode runs Python code in an interpreter context and returns its
// output and the exception it raised, if any. Runs on one context are
// queued and executed one at a time, in order.
//
// A timeout gives an error matching ErrTimeout along with the result
// holding the output produced before it. An unknown context matches
// ErrNotFound, a deleted one ErrGone; a lost connection ErrConnection.
func (ci *CodeInterpreter) RunCode(ctx context.Context, code string, opts RunCodeOptions) (*ExecutionResult, error) {
	const op = "CodeInterpreter.RunCode"
	if strings.TrimSpace(code) == "" {
		return nil, invalidf("%s: code is empty", op)
	}
	req := stream.InterpreterRequest{Code: code}
	if opts.Context != nil {
		if opts.Context.ID == "" {
			return nil, invalidf("%s: Context has no ID", op)
		}
		req.ContextID = opts.Context.ID
	}
	env, err := checkEnv(op, opts.Env)
	if err != nil {
		return nil, err
	}
	if env != nil {
		req.Envs = *env
	}
	seconds := 0 // no limit
	switch d := opts.Timeout; {
	case d == 0:
		seconds = int(DefaultRunCodeTimeout / time.Second)
	case d > 0:
		s := (d + time.Second - 1) / time.Second
		if s > math.MaxInt32 {
			return nil, invalidf("%s: Timeout %v is too long", op, d)
		}
		seconds = int(s)
	}
	req.Timeout = &seconds

	conn, err := ci.sb.dialToolboxSocket(ctx, "process/interpreter/execute", nil)
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(interpreterReadLimit)
	h := stream.InterpreterHandlers{OnStdout: opts.OnStdout, OnStderr: opts.OnStderr}
	if opts.OnError != nil {
		h.OnError = func(e stream.ExecutionError) {
			opts.OnError(&ExecutionError{Name: e.Name, Value: e.Value, Traceback: e.Traceback})
		}
	}
	res, err := stream.RunInterpreter(ctx, conn, req, h)
	out := &ExecutionResult{Stdout: res.Stdout, Stderr: res.Stderr}
	if res.Error != nil {
		out.Error = &ExecutionError{Name: res.Error.Name, Value: res.Error.Value, Traceback: res.Error.Traceback}
	}
	if err != nil {
		err = interpreterError(ctx, err)
		if errors.Is(err, ErrTimeout) {
			return out, err
		}
		return nil, err
	}
	return out, nil
}

// interpreterError maps the end of an execution to an *Error: the close
// code and reason as "<reason> (close code N)".
func interpreterError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return contextError(ctx.Err(), context.Cause(ctx))
	}
	var ce *stream.CloseError
	if !errors.As(err, &ce) {
		return newSDKError(ErrServer, err, "code interpreter")
	}
	if ce.Code == stream.StatusInterpreterTimeout {
		return newSDKError(ErrTimeout, err, "code interpreter: the execution timed out (close code %d)", ce.Code)
	}
	if ce.Code == int(websocket.StatusAbnormalClosure) {
		return newSDKError(ErrConnection, err, "code interpreter: the connection was lost")
	}
	kind := ErrServer
	switch reason := ce.Reason; {
	case strings.HasPrefix(reason, "context not found"):
		kind = ErrNotFound
	case reason == "context is not active", reason == "context shutdown":
		kind = ErrGone
	case reason == "slow consumer":
		kind = ErrConnection
	case ce.Code == int(websocket.StatusProtocolError), ce.Code == int(websocket.StatusPolicyViolation):
		kind = ErrValidation
	}
	msg := ce.Reason
	if msg == "" {
		msg = "the connection was closed"
	}
	return &Error{Kind: kind, Source: SourceDaemon, Message: fmt.Sprintf("code interpreter: %s (close code %d)", msg, ce.Code), Err: err}
}

// CreateContext creates an interpreter context with its own state and
// working directory.
func (ci *CodeInterpreter) CreateContext(ctx context.Context, opts ContextOptions) (*InterpreterContext, error) {
	const op = "CodeInterpreter.CreateContext"
	var body toolbox.CreateContextRequest
	if opts.Cwd != "" {
		if err := checkPath(op, "Cwd", opts.Cwd); err != nil {
			return nil, err
		}
		body.Cwd = &opts.Cwd
	}
	if opts.Language != "" {
		if opts.Language != "python" {
			return nil, invalidf("%s: language %q is not supported (only python)", op, opts.Language)
		}
		body.Language = &opts.Language
	}
	tb, err := ci.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.CreateInterpreterContextWithResponse(ctx, body)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("POST /process/interpreter/context", resp.Status())
	}
	ic := interpreterContext(*resp.JSON200)
	return &ic, nil
}

// ListContexts lists the contexts created with CreateContext (the default
// context is not listed).
func (ci *CodeInterpreter) ListContexts(ctx context.Context) ([]InterpreterContext, error) {
	tb, err := ci.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.ListInterpreterContextsWithResponse(ctx)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("GET /process/interpreter/context", resp.Status())
	}
	out := make([]InterpreterContext, 0, len(resp.JSON200.Contexts))
	for _, c := range resp.JSON200.Contexts {
		out = append(out, interpreterContext(c))
	}
	return out, nil
}

// DeleteContext deletes a context and kills its worker; a run in progress
// on it fails with ErrGone. The default context cannot be deleted
// (ErrValidation); an unknown id gives ErrNotFound.
func (ci *CodeInterpreter) DeleteContext(ctx context.Context, id string) error {
	const op = "CodeInterpreter.DeleteContext"
	if id == "" || strings.ContainsAny(id, "/\x00") {
		return invalidf("%s: invalid context ID %q", op, id)
	}
	tb, err := ci.sb.toolboxCall(ctx)
	if err != nil {
		return err
	}
	if _, err := tb.DeleteInterpreterContextWithResponse(ctx, id); err != nil {
		return wrapErr(ctx, err)
	}
	return nil
}
