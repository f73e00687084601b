package daytona

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/stream"
)

func TestSplitOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		raw, stdout, stderr   string
		wantOut, wantO, wantE string
	}{
		{name: "server split", raw: "\x01\x01\x01a\n\x02\x02\x02b\n", stdout: "a\n", stderr: "b\n", wantOut: "a\nb\n", wantO: "a\n", wantE: "b\n"},
		{name: "markers only", raw: "\x01\x01\x01a\n\x02\x02\x02b\n\x01\x01\x01c\n", wantOut: "a\nb\nc\n", wantO: "a\nc\n", wantE: "b\n"},
		{name: "combined", raw: "a\nb\n", wantOut: "a\nb\n", wantO: "a\nb\n"},
		{name: "empty"},
	}
	for _, tt := range tests {
		out, o, e := splitOutput(tt.raw, tt.stdout, tt.stderr)
		assert.Equal(t, tt.wantOut, out, tt.name)
		assert.Equal(t, tt.wantO, o, tt.name)
		assert.Equal(t, tt.wantE, e, tt.name)
	}
}

// FuzzSplitOutput: whatever the raw log, the merged output is the two
// streams' bytes (nothing lost or invented), and holds no marker that the
// input did not have split across marker boundaries.
func FuzzSplitOutput(f *testing.F) {
	f.Add("\x01\x01\x01a\n\x02\x02\x02b\n")
	f.Add("plain")
	f.Add("\x01\x01\x02\x02\x02\x01\x01\x01")
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		out, o, e := splitOutput(raw, "", "")
		if raw == "" {
			if out != "" || o != "" || e != "" {
				t.Fatalf("empty input gave %q %q %q", out, o, e)
			}
			return
		}
		so, se := stream.SplitLogs([]byte(raw))
		if o != string(so) || e != string(se) {
			t.Fatalf("split differs from stream.SplitLogs")
		}
		if len(out) > len(raw) {
			t.Fatalf("output longer than input")
		}
	})
}

// TestSessionLogsFormats: the one-shot logs are read from the JSON answer
// (split by the server) and from a raw marker text answer.
func TestSessionLogsFormats(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/command/json/logs"):
			writeJSON(w, 200, map[string]any{"output": "\x01\x01\x01out\n\x02\x02\x02err\n", "stdout": "out\n", "stderr": "err\n"})
		case strings.HasSuffix(r.URL.Path, "/command/text/logs"):
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, "\x01\x01\x01tick\n\x02\x02\x02warn\n\x01\x01\x01nonl\n")
		case strings.HasSuffix(r.URL.Path, "/entrypoint/logs"):
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, "\x02\x02\x02boot failed\n")
		default:
			envelope(w, 404, "NOT_FOUND", "not found: command not found")
		}
	})
	logs, err := f.sb.Process.GetSessionCommandLogs(t.Context(), "s", "json")
	require.NoError(t, err)
	assert.Equal(t, SessionCommandLogs{Stdout: "out\n", Stderr: "err\n", Output: "out\nerr\n"}, *logs)
	logs, err = f.sb.Process.GetSessionCommandLogs(t.Context(), "s", "text")
	require.NoError(t, err)
	assert.Equal(t, SessionCommandLogs{Stdout: "tick\nnonl\n", Stderr: "warn\n", Output: "tick\nwarn\nnonl\n"}, *logs)
	logs, err = f.sb.Process.EntrypointLogs(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "boot failed\n", logs.Stderr)
	_, err = f.sb.Process.GetSessionCommandLogs(t.Context(), "s", "missing")
	require.ErrorIs(t, err, ErrNotFound)
}

// TestSessionExecAnswers: sync answers give the split output and the exit
// code; async ones (all nulls) give only the command ID.
func TestSessionExecAnswers(t *testing.T) {
	t.Parallel()
	var bodies []map[string]any
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&b))
		bodies = append(bodies, b)
		if b["runAsync"] == true {
			writeJSON(w, 202, map[string]any{"cmdId": "c2", "output": nil, "stdout": nil, "stderr": nil, "exitCode": nil})
			return
		}
		// An old-format answer: markers in output, no split fields.
		writeJSON(w, 200, map[string]any{"cmdId": "c1", "output": "\x01\x01\x01o\n\x02\x02\x02e\n", "exitCode": 4})
	})
	res, err := f.sb.Process.ExecuteSessionCommand(t.Context(), "s", "cmd", SessionExecOptions{SuppressInputEcho: true})
	require.NoError(t, err)
	assert.Equal(t, SessionExecResult{CommandID: "c1", Exited: true, ExitCode: 4, Stdout: "o\n", Stderr: "e\n", Output: "o\ne\n"}, *res)
	res, err = f.sb.Process.ExecuteSessionCommand(t.Context(), "s", "cmd", SessionExecOptions{Async: true})
	require.NoError(t, err)
	assert.Equal(t, SessionExecResult{CommandID: "c2"}, *res)
	assert.Equal(t, map[string]any{"command": "cmd", "suppressInputEcho": true}, bodies[0])
	assert.Equal(t, map[string]any{"command": "cmd", "runAsync": true}, bodies[1])
}

// wsLogs is a fake log WebSocket endpoint: it records the handshake and
// runs serve on the connection.
type wsLogs struct {
	t      *testing.T
	header http.Header
	mu     sync.Mutex
	exited atomic.Bool
	serve  func(ctx context.Context, c *websocket.Conn)
}

func (l *wsLogs) handler(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/logs"):
		if r.URL.Query().Get("follow") != "true" {
			l.t.Errorf("follow is %q", r.URL.Query().Get("follow"))
		}
		if strings.Contains(r.URL.Path, "/command/missing/") {
			envelope(w, 404, "NOT_FOUND", "not found: command not found")
			return
		}
		l.mu.Lock()
		l.header = r.Header.Clone()
		l.mu.Unlock()
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"X-Daytona-SDK-Version~0.205.1"}})
		if err != nil {
			l.t.Errorf("accept: %v", err)
			return
		}
		defer c.CloseNow()
		ctx := c.CloseRead(r.Context()) // a data frame from the client would be an error
		l.serve(ctx, c)
	default: // GET .../command/{cid}
		var exit any
		if l.exited.Load() {
			exit = 0
		}
		writeJSON(w, 200, map[string]any{"id": "c1", "command": "x", "exitCode": exit})
	}
}

// TestStreamLogsCloseRace: the server splits markers and a UTF-8
// character across frames and never sends its close frame (the daemon's
// close race); the follow still ends once the command has exited, with the
// streams intact, and the handshake carried the SDK's headers.
func TestStreamLogsCloseRace(t *testing.T) {
	t.Parallel()
	l := &wsLogs{t: t}
	l.serve = func(ctx context.Context, c *websocket.Conn) {
		for _, frame := range []string{"\x01\x01", "\x01h\xc3", "\xa9llo\n\x02", "\x02\x02warn\n", "\x01\x01\x01done\n"} {
			if err := c.Write(ctx, websocket.MessageBinary, []byte(frame)); err != nil {
				return
			}
		}
		l.exited.Store(true)
		<-ctx.Done() // no close frame
	}
	f := newFakeToolbox(t, l.handler)
	var so, se bytes.Buffer
	err := f.sb.Process.StreamSessionCommandLogs(t.Context(), "s 1", "c1", &so, &se)
	require.NoError(t, err)
	assert.Equal(t, "héllo\ndone\n", so.String())
	assert.Equal(t, "warn\n", se.String())
	l.mu.Lock()
	defer l.mu.Unlock()
	assert.Equal(t, "0.205.1", l.header.Get("X-Daytona-SDK-Version"))
	assert.Equal(t, "X-Daytona-SDK-Version~0.205.1", l.header.Get("Sec-WebSocket-Protocol"))
	assert.Equal(t, "Bearer "+testKey, l.header.Get("Authorization"))
	assert.Contains(t, f.sent(), "GET /tb/sb-1/process/session/s 1/command/c1/logs")
}

// TestStreamLogsCallbacks: the callback form delivers whole characters and
// ends on the server's normal close.
func TestStreamLogsCallbacks(t *testing.T) {
	t.Parallel()
	l := &wsLogs{t: t}
	l.serve = func(ctx context.Context, c *websocket.Conn) {
		for _, frame := range []string{"\x01\x01\x01h\xc3", "\xa9\n\x02\x02\x02\xe2\x82", "\xac\n"} {
			if err := c.Write(ctx, websocket.MessageBinary, []byte(frame)); err != nil {
				return
			}
		}
		_ = c.Close(websocket.StatusNormalClosure, "")
	}
	f := newFakeToolbox(t, l.handler)
	var out, errs []string
	err := f.sb.Process.StreamSessionCommandLogsFunc(t.Context(), "s", "c1",
		func(s string) { out = append(out, s) }, func(s string) { errs = append(errs, s) })
	require.NoError(t, err)
	assert.Equal(t, "hé\n", strings.Join(out, ""))
	assert.Equal(t, "€\n", strings.Join(errs, ""))
	for _, s := range append(out, errs...) {
		assert.NotContains(t, s, "\ufffd", "a character was split")
	}
}

// TestStreamLogsErrors: a refused upgrade maps like a REST error, an
// abnormal close code is an error, and ctx ends the follow.
func TestStreamLogsErrors(t *testing.T) {
	t.Parallel()
	l := &wsLogs{t: t}
	l.serve = func(ctx context.Context, c *websocket.Conn) {
		_ = c.Write(ctx, websocket.MessageBinary, []byte("\x01\x01\x01x\n"))
		_ = c.Close(websocket.StatusInternalError, "read error")
	}
	f := newFakeToolbox(t, l.handler)
	err := f.sb.Process.StreamSessionCommandLogs(t.Context(), "s", "missing", nil, nil)
	require.ErrorIs(t, err, ErrNotFound)
	err = f.sb.Process.StreamSessionCommandLogs(t.Context(), "s", "c1", io.Discard, nil)
	require.ErrorIs(t, err, ErrServer)
	var ce *stream.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 1011, ce.Code)

	l2 := &wsLogs{t: t}
	ctx, cancel := context.WithCancel(t.Context())
	l2.serve = func(sctx context.Context, c *websocket.Conn) {
		_ = c.Write(sctx, websocket.MessageBinary, []byte("\x01\x01\x01x\n"))
		cancel() // the client gives up while the command runs on
		<-sctx.Done()
	}
	f2 := newFakeToolbox(t, l2.handler)
	err = f2.sb.Process.StreamSessionCommandLogs(ctx, "s", "c1", io.Discard, nil)
	require.ErrorIs(t, err, context.Canceled)
}

// TestStreamLogsWriterError: a failing destination ends the follow with
// its error.
func TestStreamLogsWriterError(t *testing.T) {
	t.Parallel()
	l := &wsLogs{t: t}
	l.serve = func(ctx context.Context, c *websocket.Conn) {
		_ = c.Write(ctx, websocket.MessageBinary, []byte("\x01\x01\x01x\n"))
		<-ctx.Done()
	}
	f := newFakeToolbox(t, l.handler)
	err := f.sb.Process.StreamSessionCommandLogs(t.Context(), "s", "c1", failingWriter{}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no space")
}

// TestSendInputWaitsForThePipe: the daemon makes a command's input pipe
// after the execute request has answered; input that finds no pipe yet is
// sent again until it does, while any other error comes back at once.
func TestSendInputWaitsForThePipe(t *testing.T) {
	const noPipe = `{"statusCode":500,"code":"INTERNAL_SERVER_ERROR","message":"failed to open input pipe: open /s/c/input.pipe: no such file or directory"}`
	var calls atomic.Int32
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet { // the command, still running
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"c","command":"read x"}`)
			return
		}
		if calls.Add(1) <= 2 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, noPipe)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	require.NoError(t, f.sb.Process.SendSessionCommandInput(t.Context(), "s", "c", "hi\n"))
	assert.Equal(t, int32(3), calls.Load(), "two answers without a pipe, then the input went through")

	other := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"statusCode":500,"code":"INTERNAL_SERVER_ERROR","message":"failed to write to input pipe: broken pipe"}`)
	})
	err := other.sb.Process.SendSessionCommandInput(t.Context(), "s", "c", "hi\n")
	require.ErrorIs(t, err, ErrServer)
	assert.Contains(t, err.Error(), "broken pipe")
	assert.Len(t, other.sent(), 1, "another 500 is not waited out (nor retried: the input could have arrived)")

	// A command whose pipe is gone because it has ended: ErrGone at once.
	ended := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			_, _ = io.WriteString(w, `{"id":"c","command":"read x","exitCode":0}`)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, noPipe)
	})
	err = ended.sb.Process.SendSessionCommandInput(t.Context(), "s", "c", "hi\n")
	require.ErrorIs(t, err, ErrGone)
	assert.Contains(t, err.Error(), "already completed with exit code 0")
	assert.Len(t, ended.sent(), 2, "one input, one look at the command")
}
