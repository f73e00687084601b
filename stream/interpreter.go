package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/coder/websocket"
)

// Close codes of the code interpreter's execute WebSocket (PROTOCOLS.md
// 7.4) that have no name in the websocket package.
const (
	// StatusInterpreterTimeout closes an execution that ran out of time
	// (after the "interrupted" control message).
	StatusInterpreterTimeout = 4008
)

// Server message types of the execute WebSocket (7.3).
const (
	InterpreterStdout  = "stdout"
	InterpreterStderr  = "stderr"
	InterpreterError   = "error"
	InterpreterControl = "control"
)

// Texts of the control messages (7.3).
const (
	InterpreterCompleted   = "completed"
	InterpreterInterrupted = "interrupted"
)

// InterpreterRequest is the first (and only) client message of an
// execution (7.2).
type InterpreterRequest struct {
	// Code is the source code to run.
	Code string `json:"code"`
	// ContextID is the context to run in; empty means the default context.
	ContextID string `json:"contextId,omitempty"`
	// Envs are environment variables for this run only.
	Envs map[string]string `json:"envs,omitempty"`
	// Timeout is in whole seconds: nil lets the server apply its default
	// (600 s), 0 means no limit.
	Timeout *int `json:"timeout,omitempty"`
}

// InterpreterMessage is a server message of the execute WebSocket (7.3):
// all five keys are always present.
type InterpreterMessage struct {
	// Type is "stdout", "stderr", "error" or "control".
	Type string `json:"type"`
	// Text is the output (stdout, stderr) or "completed"/"interrupted" (control).
	Text string `json:"text"`
	// Name is the exception's class (error messages only).
	Name string `json:"name"`
	// Value is the exception's message (error messages only).
	Value string `json:"value"`
	// Traceback is the cleaned-up traceback (error messages only).
	Traceback string `json:"traceback"`
}

// ParseInterpreterMessage decodes one server message.
func ParseInterpreterMessage(p []byte) (InterpreterMessage, error) {
	var m InterpreterMessage
	if err := json.Unmarshal(bytes.TrimSpace(p), &m); err != nil {
		return InterpreterMessage{}, fmt.Errorf("stream: malformed interpreter message: %w", err)
	}
	if m.Type == "" {
		return InterpreterMessage{}, errors.New("stream: malformed interpreter message: no type")
	}
	return m, nil
}

// ExecutionError is a Python exception reported by the interpreter.
type ExecutionError struct {
	Name      string // exception class, e.g. "ValueError"
	Value     string // str(exception)
	Traceback string // cleaned-up traceback text
}

// InterpreterHandlers receive an execution's messages as they arrive, on
// the goroutine running [RunInterpreter]. Every field is optional. A
// handler that blocks holds up the reading of the socket; the server
// disconnects a client that falls 1024 messages behind (1008 "slow
// consumer").
type InterpreterHandlers struct {
	// OnStdout receives each non-empty stdout text; nil ignores them.
	OnStdout func(text string)
	// OnStderr receives each non-empty stderr text; nil ignores them.
	OnStderr func(text string)
	// OnError receives the exception of an error message; nil ignores it.
	OnError func(ExecutionError)
}

// InterpreterResult is what an execution produced.
type InterpreterResult struct {
	Stdout string // Stdout is all the stdout text, concatenated.
	Stderr string // Stderr is all the stderr text, concatenated.
	// Error is the exception the code raised, nil if none.
	Error *ExecutionError
	// Completed reports the "completed" control message; Interrupted the
	// "interrupted" one (a timeout).
	Completed, Interrupted bool
}

// RunInterpreter sends req on conn, an execute WebSocket just dialed, and
// reads the execution's messages until the server closes the socket. It
// returns the result and:
//
//   - nil for a close with 1000, or with 1001 after "completed" (the code
//     called exit(): the worker ended, 7.4);
//   - a [*CloseError] with Code [StatusInterpreterTimeout] for a timeout;
//   - a [*CloseError] for any other close (1001 "context shutdown", 1002
//     and 1008 request errors, 1008 "slow consumer", 1011) or a
//     connection lost without a close frame (1006);
//   - ctx's error if ctx ends first;
//   - an error for a message that is not the protocol's JSON.
//
// The result holds what arrived even when an error is returned. Frames of
// either type are accepted. RunInterpreter takes ownership of conn: conn
// is closed when it returns, and it leaves no goroutine behind.
func RunInterpreter(ctx context.Context, conn *websocket.Conn, req InterpreterRequest, h InterpreterHandlers) (*InterpreterResult, error) {
	defer conn.CloseNow() //nolint:errcheck // closed either way
	res := &InterpreterResult{}
	first, err := json.Marshal(req)
	if err != nil {
		return res, fmt.Errorf("stream: interpreter request: %w", err)
	}
	if err := conn.Write(ctx, websocket.MessageText, first); err != nil {
		return res, interpreterEnd(ctx, err, false)
	}
	var stdout, stderr strings.Builder
	defer func() { res.Stdout, res.Stderr = stdout.String(), stderr.String() }()
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return res, interpreterEnd(ctx, err, res.Completed)
		}
		m, err := ParseInterpreterMessage(b)
		if err != nil {
			_ = conn.Close(websocket.StatusProtocolError, "malformed message")
			return res, err
		}
		switch m.Type {
		case InterpreterStdout:
			stdout.WriteString(m.Text)
			if h.OnStdout != nil && m.Text != "" {
				h.OnStdout(m.Text)
			}
		case InterpreterStderr:
			stderr.WriteString(m.Text)
			if h.OnStderr != nil && m.Text != "" {
				h.OnStderr(m.Text)
			}
		case InterpreterError:
			e := ExecutionError{Name: m.Name, Value: m.Value, Traceback: m.Traceback}
			res.Error = &e
			if h.OnError != nil {
				h.OnError(e)
			}
		case InterpreterControl:
			switch m.Text {
			case InterpreterCompleted:
				res.Completed = true
			case InterpreterInterrupted:
				res.Interrupted = true
			}
		}
	}
}

// interpreterEnd interprets the read error that ended an execution.
func interpreterEnd(ctx context.Context, err error, completed bool) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	code := websocket.CloseStatus(err)
	switch {
	case code == websocket.StatusNormalClosure:
		return nil
	case code == websocket.StatusGoingAway && completed:
		return nil // exit() in the code: "completed", then 1001 "worker process ended"
	case code == -1:
		return &CloseError{Code: int(websocket.StatusAbnormalClosure), Err: err}
	}
	var ce websocket.CloseError
	errors.As(err, &ce)
	return &CloseError{Code: int(code), Reason: ce.Reason}
}
