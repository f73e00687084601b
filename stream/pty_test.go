package stream

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wsHandlerServer serves one WebSocket handler per connection; the handlers get a
// ctx that ends at cleanup, and cleanup waits for them.
func wsHandlerServer(t testing.TB, handle func(ctx context.Context, c *websocket.Conn, r *http.Request)) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{PTYExitControlSubprotocol}})
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer c.CloseNow() //nolint:errcheck
		handle(ctx, c, r)
	}))
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func dialURL(t testing.TB, url string, protocols ...string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(context.Background(), url, &websocket.DialOptions{Subprotocols: protocols})
	require.NoError(t, err)
	c.SetReadLimit(1 << 20)
	return c
}

const connectedFrame = `{"status":"connected","type":"control"}`

// sendAll sends the frames then closes with code and reason.
func sendAll(ctx context.Context, c *websocket.Conn, frames [][]byte, code websocket.StatusCode, reason string) {
	_ = c.Write(ctx, websocket.MessageText, []byte(connectedFrame))
	for _, f := range frames {
		if err := c.Write(ctx, websocket.MessageBinary, f); err != nil {
			return
		}
	}
	_ = c.Close(code, reason)
}

// output is 1 MiB of varied bytes in frames of assorted sizes, cut
// anywhere (inside UTF-8 sequences and escapes).
func output() (all []byte, frames [][]byte) {
	var b bytes.Buffer
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "line %d \x1b[1mé€😀\x1b[0m\r\n", i)
	}
	all = b.Bytes()
	sizes := []int{1, 7, 32 << 10, 100, 3, 4096, 32<<10 - 1}
	for p, i := all, 0; len(p) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(p))
		frames = append(frames, p[:n])
		p = p[n:]
	}
	return all, frames
}

func TestPTYConnReadNeverDropsBytes(t *testing.T) {
	t.Parallel()
	all, frames := output()
	want := sha256.Sum256(all)
	url := wsHandlerServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		sendAll(ctx, c, frames, websocket.StatusInternalError, `{"exitCode":3,"exitReason":"non-zero exit"}`)
	})
	for _, size := range []int{1, 5, 4096, 64 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			p, err := NewPTYConn(t.Context(), dialURL(t, url), PTYConnOptions{})
			require.NoError(t, err)
			defer p.Close()
			h := sha256.New()
			buf := make([]byte, size)
			n, err := io.CopyBuffer(h, readerOnly{p}, buf)
			require.NoError(t, err, "io.EOF ends the output")
			assert.Equal(t, int64(len(all)), n)
			assert.Equal(t, want[:], h.Sum(nil))
			code, err := p.Wait(t.Context())
			require.NoError(t, err)
			assert.Equal(t, 3, code)
			exit, ok := p.Exit()
			assert.True(t, ok)
			assert.Equal(t, PTYExit{Code: 3, Reason: "non-zero exit"}, exit)
		})
	}
}

// readerOnly hides every method but Read, so io.CopyBuffer uses the buffer.
type readerOnly struct{ r io.Reader }

func (o readerOnly) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestPTYConnEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		serve    func(ctx context.Context, c *websocket.Conn)
		wantData string
		wantCode int
		wantErr  func(t *testing.T, err error) // for Read's last error and Wait
	}{
		{
			name: "exit 0 close 1000",
			serve: func(ctx context.Context, c *websocket.Conn) {
				sendAll(ctx, c, [][]byte{[]byte("bye\r\n")}, websocket.StatusNormalClosure, `{"exitCode":0}`)
			},
			wantData: "bye\r\n",
		},
		{
			name: "1000 without reason is exit 0",
			serve: func(ctx context.Context, c *websocket.Conn) {
				sendAll(ctx, c, nil, websocket.StatusNormalClosure, "")
			},
		},
		{
			name: "signal exit",
			serve: func(ctx context.Context, c *websocket.Conn) {
				sendAll(ctx, c, nil, websocket.StatusInternalError, `{"exitCode":-1,"exitReason":"non-zero exit"}`)
			},
			wantCode: -1,
		},
		{
			name: "exited control then close",
			serve: func(ctx context.Context, c *websocket.Conn) {
				_ = c.Write(ctx, websocket.MessageText, []byte(connectedFrame))
				_ = c.Write(ctx, websocket.MessageText, []byte("plain text output"))
				_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"control","status":"exited","exitCode":130,"exitReason":"Ctrl+C"}`))
				_ = c.Close(websocket.StatusInternalError, `{"exitCode":130,"exitReason":"Ctrl+C"}`)
			},
			wantData: "plain text output",
			wantCode: 130,
		},
		{
			name: "exited control then TCP drop",
			serve: func(ctx context.Context, c *websocket.Conn) {
				_ = c.Write(ctx, websocket.MessageText, []byte(connectedFrame))
				_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"control","status":"exited","exitCode":2,"exitReason":"non-zero exit"}`))
				_ = c.CloseNow()
			},
			wantCode: 2,
		},
		{
			name: "exited before connected",
			serve: func(ctx context.Context, c *websocket.Conn) {
				_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"control","status":"exited","exitCode":7,"exitReason":"non-zero exit"}`))
				_ = c.Close(websocket.StatusInternalError, `{"exitCode":7,"exitReason":"non-zero exit"}`)
			},
			wantCode: 7,
		},
		{
			name: "JSON that is not control is output",
			serve: func(ctx context.Context, c *websocket.Conn) {
				_ = c.Write(ctx, websocket.MessageText, []byte(connectedFrame))
				_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"other","status":"connected"}`))
				_ = c.Close(websocket.StatusNormalClosure, "")
			},
			wantData: `{"type":"other","status":"connected"}`,
		},
		{
			name: "slow consumer",
			serve: func(ctx context.Context, c *websocket.Conn) {
				sendAll(ctx, c, [][]byte{[]byte("partial")}, websocket.StatusPolicyViolation, "slow consumer")
			},
			wantData: "partial",
			wantErr: func(t *testing.T, err error) {
				var ce *CloseError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, 1008, ce.Code)
				assert.Equal(t, "slow consumer", ce.Reason)
			},
		},
		{
			name: "session unavailable",
			serve: func(ctx context.Context, c *websocket.Conn) {
				sendAll(ctx, c, nil, websocket.StatusInternalError, "PTY session unavailable")
			},
			wantErr: func(t *testing.T, err error) {
				var ce *CloseError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, 1011, ce.Code)
				assert.Equal(t, "PTY session unavailable", ce.Reason)
			},
		},
		{
			name: "error in the close reason",
			serve: func(ctx context.Context, c *websocket.Conn) {
				sendAll(ctx, c, nil, websocket.StatusInternalError, `{"error":"boom"}`)
			},
			wantErr: func(t *testing.T, err error) {
				var ce *CloseError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, "boom", ce.Reason)
			},
		},
		{
			name: "connection lost",
			serve: func(ctx context.Context, c *websocket.Conn) {
				_ = c.Write(ctx, websocket.MessageText, []byte(connectedFrame))
				_ = c.Write(ctx, websocket.MessageBinary, []byte("x"))
				_ = c.CloseNow()
			},
			wantData: "x",
			wantErr: func(t *testing.T, err error) {
				var ce *CloseError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, 1006, ce.Code)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := wsHandlerServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) { tt.serve(ctx, c) })
			p, err := NewPTYConn(t.Context(), dialURL(t, url), PTYConnOptions{})
			require.NoError(t, err)
			defer p.Close()
			data, err := io.ReadAll(p)
			assert.Equal(t, tt.wantData, string(data))
			code, werr := p.Wait(t.Context())
			<-p.Done()
			if tt.wantErr != nil {
				tt.wantErr(t, err)
				tt.wantErr(t, werr)
				assert.Equal(t, -1, code)
				return
			}
			require.NoError(t, err)
			require.NoError(t, werr)
			assert.Equal(t, tt.wantCode, code)
			_, err = p.Write([]byte("late"))
			assert.ErrorIs(t, err, ErrPTYExited)
		})
	}
}

func TestPTYConnConnectFailures(t *testing.T) {
	t.Parallel()
	t.Run("unknown session: error control then TCP drop", func(t *testing.T) {
		t.Parallel()
		url := wsHandlerServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
			_ = c.Write(ctx, websocket.MessageText,
				[]byte(`{"error":"Failed to connect to PTY session: PTY session nope not found","status":"error","type":"control"}`))
			_ = c.CloseNow()
		})
		_, err := NewPTYConn(t.Context(), dialURL(t, url), PTYConnOptions{})
		var pe *PTYError
		require.ErrorAs(t, err, &pe)
		assert.Contains(t, pe.Message, "PTY session nope not found")
	})
	t.Run("no connected message", func(t *testing.T) {
		t.Parallel()
		url := wsHandlerServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
			<-ctx.Done()
		})
		_, err := NewPTYConn(t.Context(), dialURL(t, url), PTYConnOptions{ConnectTimeout: 50 * time.Millisecond})
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("closed before connected", func(t *testing.T) {
		t.Parallel()
		url := wsHandlerServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
			_ = c.Close(websocket.StatusPolicyViolation, "nope")
		})
		_, err := NewPTYConn(t.Context(), dialURL(t, url), PTYConnOptions{})
		var ce *CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, 1008, ce.Code)
	})
	t.Run("ctx ends while connecting", func(t *testing.T) {
		t.Parallel()
		url := wsHandlerServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
			<-ctx.Done()
		})
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(20*time.Millisecond, cancel)
		_, err := NewPTYConn(ctx, dialURL(t, url), PTYConnOptions{})
		require.ErrorIs(t, err, context.Canceled)
	})
}

// echoServer answers connected, then echoes every message as BINARY
// output until the client goes.
func echoServer(ctx context.Context, c *websocket.Conn, _ *http.Request) {
	_ = c.Write(ctx, websocket.MessageText, []byte(connectedFrame))
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := c.Write(ctx, websocket.MessageBinary, b); err != nil {
			return
		}
	}
}

func TestPTYConnWritesAreSerialised(t *testing.T) {
	t.Parallel()
	got := make(chan []byte, 1)
	url := wsHandlerServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		_ = c.Write(ctx, websocket.MessageText, []byte(connectedFrame))
		c.SetReadLimit(MaxPTYInputMessage) // the daemon's limit: a larger message fails the test
		var all []byte
		for len(all) < 2*300<<10 {
			typ, b, err := c.Read(ctx)
			if err != nil {
				break
			}
			if typ != websocket.MessageBinary {
				break
			}
			all = append(all, b...)
		}
		got <- all
		_ = c.Close(websocket.StatusNormalClosure, `{"exitCode":0}`)
	})
	p, err := NewPTYConn(t.Context(), dialURL(t, url), PTYConnOptions{})
	require.NoError(t, err)
	defer p.Close()
	var wg sync.WaitGroup
	for _, ch := range []byte{'a', 'b'} {
		wg.Go(func() {
			n, err := p.Write(bytes.Repeat([]byte{ch}, 300<<10))
			assert.NoError(t, err)
			assert.Equal(t, 300<<10, n)
		})
	}
	wg.Wait()
	all := <-got
	require.Len(t, all, 2*300<<10)
	// Each write arrives whole: one run of a's and one of b's.
	runs := 1
	for i := 1; i < len(all); i++ {
		if all[i] != all[i-1] {
			runs++
		}
	}
	assert.Equal(t, 2, runs)
	code, err := p.Wait(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 0, code)
}

// TestPTYConnStalledReader: a reader that stops reading does not block
// Write, Wait(ctx) or Close, and reading again later gets the output in
// order.
func TestPTYConnStalledReader(t *testing.T) {
	t.Parallel()
	const frames, frameSize = 2000, 32 << 10
	inputs := make(chan string, 10)
	url := wsHandlerServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		_ = c.Write(ctx, websocket.MessageText, []byte(connectedFrame))
		var wg sync.WaitGroup
		defer wg.Wait()
		wg.Go(func() { // input keeps flowing while output is stuck
			for {
				_, b, err := c.Read(ctx)
				if err != nil {
					return
				}
				inputs <- string(b)
			}
		})
		frame := make([]byte, frameSize)
		for n := range frames {
			copy(frame, fmt.Sprintf("%08d", n))
			if err := c.Write(ctx, websocket.MessageBinary, frame); err != nil {
				return
			}
		}
	})
	p, err := NewPTYConn(t.Context(), dialURL(t, url), PTYConnOptions{BufferFrames: 4})
	require.NoError(t, err)

	_, err = p.Write([]byte("ping"))
	require.NoError(t, err, "writes work while output is stalled")
	require.Equal(t, "ping", <-inputs)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	_, err = p.Wait(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	// Read resumes in order from the first frame.
	buf := make([]byte, frameSize)
	for i := range 8 {
		_, err := io.ReadFull(p, buf)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("%08d", i), string(buf[:8]))
	}
	require.NoError(t, p.Close())
	_, err = p.Read(buf)
	require.ErrorIs(t, err, ErrPTYClosed)
	_, err = p.Write(buf)
	require.ErrorIs(t, err, ErrPTYClosed)
	_, err = p.Wait(t.Context())
	require.ErrorIs(t, err, ErrPTYClosed)
}

func TestPTYConnContextEndsEverything(t *testing.T) {
	t.Parallel()
	url := wsHandlerServer(t, echoServer)
	ctx, cancel := context.WithCancel(t.Context())
	p, err := NewPTYConn(ctx, dialURL(t, url), PTYConnOptions{})
	require.NoError(t, err)
	defer p.Close()
	_, err = p.Write([]byte("hi"))
	require.NoError(t, err)
	buf := make([]byte, 2)
	_, err = io.ReadFull(p, buf)
	require.NoError(t, err)
	assert.Equal(t, "hi", string(buf))

	readErr := make(chan error, 1)
	go func() {
		_, err := p.Read(buf)
		readErr <- err
	}()
	cancel()
	require.ErrorIs(t, <-readErr, context.Canceled)
	_, err = p.Wait(t.Context())
	require.ErrorIs(t, err, context.Canceled)
	<-p.Done()
	_, err = p.Write([]byte("x"))
	require.Error(t, err)
}

func TestPTYConnOnData(t *testing.T) {
	t.Parallel()
	all, frames := output()
	url := wsHandlerServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		sendAll(ctx, c, frames, websocket.StatusNormalClosure, `{"exitCode":0}`)
	})
	var mu sync.Mutex
	var got bytes.Buffer
	p, err := NewPTYConn(t.Context(), dialURL(t, url), PTYConnOptions{OnData: func(b []byte) {
		mu.Lock()
		got.Write(b)
		mu.Unlock()
	}})
	require.NoError(t, err)
	defer p.Close()
	_, err = p.Read(make([]byte, 1))
	require.ErrorIs(t, err, ErrPTYOnData)
	code, err := p.Wait(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 0, code)
	mu.Lock()
	defer mu.Unlock()
	assert.True(t, bytes.Equal(all, got.Bytes()), "every chunk is delivered before Wait returns")
}

func TestParsePTYControl(t *testing.T) {
	t.Parallel()
	seven := 7
	tests := []struct {
		in   string
		want PTYControl
		ok   bool
	}{
		{connectedFrame, PTYControl{Type: "control", Status: "connected"}, true},
		{`{"type":"control","status":"exited","exitCode":7}`, PTYControl{Type: "control", Status: "exited", ExitCode: &seven}, true},
		{`{"error":"x","status":"error","type":"control"}`, PTYControl{Type: "control", Status: "error", Error: "x"}, true},
		{`{"type":"other"}`, PTYControl{}, false},
		{`{"status":"connected"}`, PTYControl{}, false},
		{`ls -la`, PTYControl{}, false},
		{`{"type":"control"`, PTYControl{}, false},
		{``, PTYControl{}, false},
	}
	for _, tt := range tests {
		got, ok := ParsePTYControl([]byte(tt.in))
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestParsePTYClose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code     int
		reason   string
		want     PTYExit
		wantCode int // of the *CloseError; 0 for none
	}{
		{1000, `{"exitCode":0}`, PTYExit{}, 0},
		{1000, ``, PTYExit{}, 0},
		{1011, `{"exitCode":137,"exitReason":"SIGKILL"}`, PTYExit{Code: 137, Reason: "SIGKILL"}, 0},
		{1001, `{"exitCode":5,"exitReason":"non-zero exit"}`, PTYExit{Code: 5, Reason: "non-zero exit"}, 0},
		{1008, `slow consumer`, PTYExit{}, 1008},
		{1011, `PTY session unavailable`, PTYExit{}, 1011},
		{1011, `{"error":"x"}`, PTYExit{}, 1011},
		{1011, ``, PTYExit{}, 1011},
	}
	for _, tt := range tests {
		got, err := ParsePTYClose(tt.code, tt.reason)
		assert.Equal(t, tt.want, got)
		if tt.wantCode == 0 {
			assert.NoError(t, err)
			continue
		}
		var ce *CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, tt.wantCode, ce.Code)
	}
}

func TestPTYEnvsSubprotocol(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "X-Daytona-Pty-Envs~eyJGT08iOiJiYXIifQ", PTYEnvsSubprotocol(map[string]string{"FOO": "bar"}))
	assert.Empty(t, PTYEnvsSubprotocol(nil))
	got, err := ParsePTYEnvsSubprotocol([]string{"X-Daytona-SDK-Version~0.205.1", " X-Daytona-Pty-Envs~eyJGT08iOiJiYXIifQ"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"FOO": "bar"}, got)
	got, err = ParsePTYEnvsSubprotocol([]string{PTYExitControlSubprotocol})
	require.NoError(t, err)
	assert.Nil(t, got)
	_, err = ParsePTYEnvsSubprotocol([]string{PTYEnvsSubprotocolPrefix + "!!"})
	require.Error(t, err)
	_, err = ParsePTYEnvsSubprotocol([]string{PTYEnvsSubprotocolPrefix + "WzFd"}) // [1]
	require.Error(t, err)
}

func FuzzParsePTYControl(f *testing.F) {
	f.Add([]byte(connectedFrame))
	f.Add([]byte(`{"type":"control","status":"exited","exitCode":130,"exitReason":"Ctrl+C"}`))
	f.Add([]byte(`{"type":"control","exitCode":"x"}`))
	f.Add([]byte("\x1b[?2004h"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, ok := ParsePTYControl(b)
		if !ok {
			assert.Equal(t, PTYControl{}, c)
			return
		}
		assert.Equal(t, "control", c.Type)
		// A control message re-encodes to one that parses the same.
		again, err := json.Marshal(c)
		require.NoError(t, err)
		c2, ok := ParsePTYControl(again)
		require.True(t, ok)
		assert.Equal(t, c, c2)
	})
}

func FuzzParsePTYClose(f *testing.F) {
	f.Add(1000, `{"exitCode":0}`)
	f.Add(1011, `{"exitCode":3,"exitReason":"non-zero exit"}`)
	f.Add(1008, "slow consumer")
	f.Add(1011, `{"error":"x"}`)
	f.Fuzz(func(t *testing.T, code int, reason string) {
		exit, err := ParsePTYClose(code, reason)
		if err != nil {
			var ce *CloseError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, code, ce.Code)
			assert.Equal(t, PTYExit{}, exit)
		}
	})
}

func FuzzPTYEnvsSubprotocol(f *testing.F) {
	f.Add("FOO", "bar")
	f.Add("", "")
	f.Add("K", "é\x00\"")
	f.Fuzz(func(t *testing.T, k, v string) {
		in := map[string]string{k: v}
		tok := PTYEnvsSubprotocol(in)
		require.NotContains(t, tok, "=", "no padding")
		require.NotContains(t, tok, ",", "a single token")
		got, err := ParsePTYEnvsSubprotocol([]string{tok})
		require.NoError(t, err)
		// JSON replaces invalid UTF-8; compare through the same encoding.
		b, _ := json.Marshal(in)
		var want map[string]string
		require.NoError(t, json.Unmarshal(b, &want))
		assert.Equal(t, want, got)
	})
}
