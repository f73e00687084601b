package stream

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// msg encodes a server message with all five keys.
func msg(typ, text string) []byte {
	b, _ := json.Marshal(InterpreterMessage{Type: typ, Text: text})
	return b
}

func TestRunInterpreter(t *testing.T) {
	t.Parallel()
	errMsg, _ := json.Marshal(InterpreterMessage{Type: "error", Name: "ValueError", Value: "boom",
		Traceback: "Traceback (most recent call last):\n  File \"<stdin>\", line 2\nValueError: boom\n"})
	tests := []struct {
		name     string
		frames   [][]byte
		binary   bool // send the frames as BINARY
		code     websocket.StatusCode
		reason   string
		want     InterpreterResult
		wantCode int // of the *CloseError; 0 for no error
	}{
		{
			name:   "output and completion",
			frames: [][]byte{msg("stdout", "hello\n"), msg("stderr", "warn\n"), msg("stdout", "bye\n"), msg("control", "completed")},
			code:   websocket.StatusNormalClosure,
			want:   InterpreterResult{Stdout: "hello\nbye\n", Stderr: "warn\n", Completed: true},
		},
		{
			name:   "BINARY frames are accepted",
			frames: [][]byte{msg("stdout", "x"), msg("control", "completed")},
			binary: true,
			code:   websocket.StatusNormalClosure,
			want:   InterpreterResult{Stdout: "x", Completed: true},
		},
		{
			name:   "exception",
			frames: [][]byte{msg("stdout", "41\n"), errMsg, msg("control", "completed")},
			code:   websocket.StatusNormalClosure,
			want: InterpreterResult{Stdout: "41\n", Completed: true, Error: &ExecutionError{Name: "ValueError", Value: "boom",
				Traceback: "Traceback (most recent call last):\n  File \"<stdin>\", line 2\nValueError: boom\n"}},
		},
		{
			name:     "timeout",
			frames:   [][]byte{msg("stdout", "start\n"), msg("control", "interrupted")},
			code:     StatusInterpreterTimeout,
			want:     InterpreterResult{Stdout: "start\n", Interrupted: true},
			wantCode: StatusInterpreterTimeout,
		},
		{
			name:   "exit() ends the worker after completed",
			frames: [][]byte{msg("stdout", "1\n"), msg("control", "completed")},
			code:   websocket.StatusGoingAway,
			reason: "worker process ended",
			want:   InterpreterResult{Stdout: "1\n", Completed: true},
		},
		{
			name:     "context shutdown",
			code:     websocket.StatusGoingAway,
			reason:   "context shutdown",
			wantCode: 1001,
		},
		{
			name:     "request error",
			code:     websocket.StatusPolicyViolation,
			reason:   "context not found: nope",
			wantCode: 1008,
		},
		{
			name:     "unknown messages are skipped",
			frames:   [][]byte{msg("result", "x"), msg("control", "other"), msg("control", "completed")},
			code:     websocket.StatusNormalClosure,
			want:     InterpreterResult{Completed: true},
			wantCode: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan InterpreterRequest, 1)
			url := wsHandlerServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
				var req InterpreterRequest
				_, b, err := c.Read(ctx)
				if err != nil || json.Unmarshal(b, &req) != nil {
					return
				}
				got <- req
				typ := websocket.MessageText
				if tt.binary {
					typ = websocket.MessageBinary
				}
				for _, f := range tt.frames {
					if c.Write(ctx, typ, f) != nil {
						return
					}
				}
				_ = c.Close(tt.code, tt.reason)
			})
			timeout := 5
			req := InterpreterRequest{Code: "print(1)", ContextID: "c1", Envs: map[string]string{"A": "b"}, Timeout: &timeout}
			var stdout, stderr []string
			var errs []ExecutionError
			res, err := RunInterpreter(t.Context(), dialURL(t, url), req, InterpreterHandlers{
				OnStdout: func(s string) { stdout = append(stdout, s) },
				OnStderr: func(s string) { stderr = append(stderr, s) },
				OnError:  func(e ExecutionError) { errs = append(errs, e) },
			})
			assert.Equal(t, req, <-got)
			if tt.wantCode == 0 {
				require.NoError(t, err)
			} else {
				var ce *CloseError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tt.wantCode, ce.Code)
				assert.Equal(t, tt.reason, ce.Reason)
			}
			require.NotNil(t, res)
			assert.Equal(t, tt.want, *res)
			var wantOut, wantErr []string
			for _, f := range tt.frames {
				m, _ := ParseInterpreterMessage(f)
				switch m.Type {
				case "stdout":
					wantOut = append(wantOut, m.Text)
				case "stderr":
					wantErr = append(wantErr, m.Text)
				}
			}
			assert.Equal(t, wantOut, stdout)
			assert.Equal(t, wantErr, stderr)
			if tt.want.Error != nil {
				assert.Equal(t, []ExecutionError{*tt.want.Error}, errs)
			} else {
				assert.Empty(t, errs)
			}
		})
	}
}

func TestRunInterpreterFailures(t *testing.T) {
	t.Parallel()
	t.Run("malformed message", func(t *testing.T) {
		t.Parallel()
		url := wsHandlerServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
			_, _, _ = c.Read(ctx)
			_ = c.Write(ctx, websocket.MessageText, []byte("not json"))
			_, _, _ = c.Read(ctx) // until the client closes
		})
		_, err := RunInterpreter(t.Context(), dialURL(t, url), InterpreterRequest{Code: "1"}, InterpreterHandlers{})
		require.ErrorContains(t, err, "malformed interpreter message")
	})
	t.Run("connection lost", func(t *testing.T) {
		t.Parallel()
		url := wsHandlerServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
			_, _, _ = c.Read(ctx)
			_ = c.Write(ctx, websocket.MessageText, msg("stdout", "partial"))
			_ = c.CloseNow()
		})
		res, err := RunInterpreter(t.Context(), dialURL(t, url), InterpreterRequest{Code: "1"}, InterpreterHandlers{})
		var ce *CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, 1006, ce.Code)
		assert.Equal(t, "partial", res.Stdout)
	})
	t.Run("ctx ends", func(t *testing.T) {
		t.Parallel()
		url := wsHandlerServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
			_, _, _ = c.Read(ctx)
			_, _, _ = c.Read(ctx) // until the client goes
		})
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
		defer cancel()
		_, err := RunInterpreter(ctx, dialURL(t, url), InterpreterRequest{Code: "1"}, InterpreterHandlers{})
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestParseInterpreterMessage(t *testing.T) {
	t.Parallel()
	m, err := ParseInterpreterMessage([]byte(`{"type":"stdout","text":"hi","name":"","value":"","traceback":""}`))
	require.NoError(t, err)
	assert.Equal(t, InterpreterMessage{Type: "stdout", Text: "hi"}, m)
	for _, bad := range []string{``, `nope`, `{}`, `{"type":1}`, `[]`} {
		_, err := ParseInterpreterMessage([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func FuzzParseInterpreterMessage(f *testing.F) {
	f.Add([]byte(`{"type":"stdout","text":"hello\n","name":"","value":"","traceback":""}`))
	f.Add([]byte(`{"type":"error","text":"","name":"ValueError","value":"boom","traceback":"x"}`))
	f.Add([]byte(`{"type":"control","text":"completed"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseInterpreterMessage(b)
		if err != nil {
			assert.Equal(t, InterpreterMessage{}, m)
			return
		}
		require.NotEmpty(t, m.Type)
		again, err := json.Marshal(m)
		require.NoError(t, err)
		m2, err := ParseInterpreterMessage(again)
		require.NoError(t, err)
		assert.Equal(t, m, m2)
	})
}
