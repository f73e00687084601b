package stream

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logFrames is a session log split as the daemon may split it: markers and
// a UTF-8 character cut across frames.
var logFrames = []string{"\x01\x01\x01tick1\n\x02", "\x02\x02warn1\n\x01\x01", "\x01caf\xc3", "\xa9\n"}

const (
	logStdout = "tick1\ncaf\u00e9\n"
	logStderr = "warn1\n"
)

// wsServer starts a server whose handler accepts a WebSocket, fails the test
// if the client sends any data frame (CloseRead answers one with 1008), and
// runs end with the connection.
func wsServer(t *testing.T, end func(ctx context.Context, c *websocket.Conn)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.CloseNow()
		ctx := c.CloseRead(context.Background()) // ends when the connection does
		for _, f := range logFrames {
			if err := c.Write(ctx, websocket.MessageBinary, []byte(f)); err != nil {
				return
			}
		}
		end(ctx, c)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func dial(t *testing.T, srv *httptest.Server) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	require.NoError(t, err)
	if resp.Body != nil {
		resp.Body.Close()
	}
	return c
}

func TestFollowLogs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		end     func(ctx context.Context, c *websocket.Conn)
		exited  func(ctx context.Context) (bool, error)
		wantErr func(t *testing.T, err error)
	}{
		{
			name: "normal close 1000",
			end:  func(_ context.Context, c *websocket.Conn) { _ = c.Close(websocket.StatusNormalClosure, "") },
		},
		{
			name: "close 1011 is a typed error",
			end:  func(_ context.Context, c *websocket.Conn) { _ = c.Close(websocket.StatusInternalError, "read error") },
			wantErr: func(t *testing.T, err error) {
				var ce *CloseError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, 1011, ce.Code)
				assert.Equal(t, "read error", ce.Reason)
				assert.Equal(t, "stream: WebSocket closed with code 1011: read error", err.Error())
			},
		},
		{
			name: "connection dropped without a close frame",
			end:  func(_ context.Context, c *websocket.Conn) { _ = c.CloseNow() },
			wantErr: func(t *testing.T, err error) {
				var ce *CloseError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, 1006, ce.Code)
				assert.Error(t, ce.Unwrap())
			},
		},
		{
			// The close race of 5.7: the close frame never comes.
			name:   "no close frame after the command exited",
			end:    func(ctx context.Context, _ *websocket.Conn) { <-ctx.Done() },
			exited: func(context.Context) (bool, error) { return true, nil },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := wsServer(t, tt.end)
			var o, e bytes.Buffer
			err := FollowLogs(t.Context(), dial(t, srv), &o, &e, FollowOptions{Exited: tt.exited, QuietPeriod: 20 * time.Millisecond})
			if tt.wantErr == nil {
				require.NoError(t, err)
			} else {
				tt.wantErr(t, err)
			}
			assert.Equal(t, logStdout, o.String())
			assert.Equal(t, logStderr, e.String())
		})
	}
}

func TestFollowLogsKeepsWaitingWhileTheCommandRuns(t *testing.T) {
	t.Parallel()
	checked := make(chan struct{})
	var calls atomic.Int32
	srv := wsServer(t, func(ctx context.Context, c *websocket.Conn) {
		select {
		case <-checked:
		case <-ctx.Done():
			return
		}
		_ = c.Write(ctx, websocket.MessageBinary, []byte("\x02\x02\x02late\n"))
		_ = c.Close(websocket.StatusNormalClosure, "")
	})
	var o, e bytes.Buffer
	err := FollowLogs(t.Context(), dial(t, srv), &o, &e, FollowOptions{
		QuietPeriod: 5 * time.Millisecond,
		Exited: func(context.Context) (bool, error) {
			if calls.Add(1) == 2 {
				close(checked)
			}
			return false, nil
		},
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, calls.Load(), int32(2))
	assert.Equal(t, logStdout, o.String())
	assert.Equal(t, logStderr+"late\n", e.String())
}

func TestFollowLogsExitedError(t *testing.T) {
	t.Parallel()
	boom := errors.New("toolbox unreachable")
	srv := wsServer(t, func(ctx context.Context, _ *websocket.Conn) { <-ctx.Done() })
	err := FollowLogs(t.Context(), dial(t, srv), nil, nil, FollowOptions{
		QuietPeriod: 5 * time.Millisecond,
		Exited:      func(context.Context) (bool, error) { return false, boom },
	})
	require.ErrorIs(t, err, boom)
}

func TestFollowLogsContextEnds(t *testing.T) {
	t.Parallel()
	srv := wsServer(t, func(ctx context.Context, _ *websocket.Conn) { <-ctx.Done() })
	ctx, cancel := context.WithCancel(t.Context())
	var e bytes.Buffer
	// Cancel once all of stderr has arrived.
	out := writerFunc(func(p []byte) (int, error) { return len(p), nil })
	errW := writerFunc(func(p []byte) (int, error) {
		e.Write(p)
		if e.String() == logStderr {
			cancel()
		}
		return len(p), nil
	})
	err := FollowLogs(ctx, dial(t, srv), out, errW, FollowOptions{})
	require.ErrorIs(t, err, context.Canceled)
}

func TestFollowLogsWriterError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk full")
	srv := wsServer(t, func(ctx context.Context, _ *websocket.Conn) { <-ctx.Done() })
	err := FollowLogs(t.Context(), dial(t, srv), failWriter{boom}, nil, FollowOptions{})
	require.ErrorIs(t, err, boom)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// trackedBody is a pipe-backed body that records Close.
type trackedBody struct {
	*io.PipeReader
	closed atomic.Bool
}

func (b *trackedBody) Close() error {
	b.closed.Store(true)
	return b.PipeReader.Close()
}

func newTrackedBody() (*trackedBody, *io.PipeWriter) {
	pr, pw := io.Pipe()
	return &trackedBody{PipeReader: pr}, pw
}

func TestFollowBodyEnds(t *testing.T) {
	t.Parallel()
	boom := errors.New("reset")
	tests := []struct {
		name    string
		endErr  error
		wantErr error
	}{
		{name: "clean end", endErr: nil},
		{name: "cut chunked body counts as an end", endErr: io.ErrUnexpectedEOF},
		{name: "other read error", endErr: boom, wantErr: boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body, pw := newTrackedBody()
			go func() {
				_, _ = pw.Write([]byte("step 1\n"))
				_, _ = pw.Write([]byte("step 2\n"))
				pw.CloseWithError(tt.endErr)
			}()
			var out bytes.Buffer
			err := FollowBody(t.Context(), body, &out, FollowBodyOptions{})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, "step 1\nstep 2\n", out.String())
			assert.True(t, body.closed.Load())
		})
	}
}

func TestFollowBodyTerminationRule(t *testing.T) {
	t.Parallel()
	body, pw := newTrackedBody()
	var calls int
	var out bytes.Buffer
	err := FollowBody(t.Context(), body, &out, FollowBodyOptions{
		QuietPeriod: 5 * time.Millisecond,
		Terminated: func(context.Context) (bool, error) {
			calls++
			if calls == 1 {
				// Data after the first "true" resets the count.
				_, _ = pw.Write([]byte("late line\n"))
			}
			return true, nil
		},
	})
	require.NoError(t, err)
	assert.Equal(t, 3, calls, "true, data (reset), true, true")
	assert.Equal(t, "late line\n", out.String())
	assert.True(t, body.closed.Load())
	_, err = pw.Write([]byte("x"))
	require.ErrorIs(t, err, io.ErrClosedPipe, "the body was closed")
}

func TestFollowBodyTerminatedErrorAndContext(t *testing.T) {
	t.Parallel()
	boom := errors.New("api down")
	body, _ := newTrackedBody()
	err := FollowBody(t.Context(), body, io.Discard, FollowBodyOptions{
		QuietPeriod: time.Millisecond,
		Terminated:  func(context.Context) (bool, error) { return false, boom },
	})
	require.ErrorIs(t, err, boom)

	body2, pw2 := newTrackedBody()
	ctx, cancel := context.WithCancel(t.Context())
	var once sync.Once
	go func() { _, _ = pw2.Write([]byte("x")) }()
	err = FollowBody(ctx, body2, writerFunc(func(p []byte) (int, error) {
		once.Do(cancel)
		return len(p), nil
	}), FollowBodyOptions{})
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, body2.closed.Load())
}

// The termination rule must end a follow of a real HTTP body whose server
// never finishes it: closing a net/http response body unblocks the Read.
func TestFollowBodyOverHTTPStalledServer(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "building...\n")
		w.(http.Flusher).Flush()
		select { // stall like a build-log stream that is never ended
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	var out bytes.Buffer
	err = FollowBody(t.Context(), resp.Body, &out, FollowBodyOptions{
		QuietPeriod:   5 * time.Millisecond,
		Confirmations: 1,
		Terminated:    func(context.Context) (bool, error) { return out.Len() > 0, nil },
	})
	require.NoError(t, err)
	assert.Equal(t, "building...\n", out.String())
}
