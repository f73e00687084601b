package toolbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
	"github.com/daytona-go/daytona/internal/version"
	"github.com/daytona-go/daytona/stream"
)

// wsEnv is a toolbox whose REST answers go through the validating server
// (e.c) and whose WebSockets, and the error answers that are documented
// departures from the contract (the PTY's {"error"} bodies, the
// interpreter's empty ones), go to an unvalidated server (wsURL): the
// validator buffers answers, so it cannot pass an upgrade.
type wsEnv struct {
	*testEnv
	wsURL string
}

func newWSEnv(t *testing.T, configure ...func(*toolbox.Config)) *wsEnv {
	t.Helper()
	e := newEnv(t, configure...)
	return &wsEnv{testEnv: e, wsURL: serveUnvalidated(t, e.tb)}
}

// serveUnvalidated serves tb without validation until the end of the test.
func serveUnvalidated(t *testing.T, tb *toolbox.Toolbox) string {
	t.Helper()
	raw := httptest.NewServer(tb.Handler())
	t.Cleanup(func() {
		raw.CloseClientConnections()
		raw.Close()
	})
	return raw.URL
}

// rawDo sends a request to the unvalidated server.
func (e *wsEnv) rawDo(method, path, body string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.wsURL+path, strings.NewReader(body))
	require.NoError(e.t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	return resp, readAll(e.t, resp)
}

// requireE3 checks a PTY error answer: status and {"error": msg}.
func requireE3(t *testing.T, resp *http.Response, body []byte, status int, msg string) {
	t.Helper()
	require.Equal(t, status, resp.StatusCode, "body: %s", body)
	var e struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &e), "body: %s", body)
	assert.Equal(t, msg, e.Error)
}

// term is a test client of a PTY WebSocket: it collects the output and the
// control messages as they arrive.
type term struct {
	t    *testing.T
	conn *websocket.Conn
	resp *http.Response

	mu      sync.Mutex
	out     bytes.Buffer
	texts   []string // TEXT frames, in order
	changed chan struct{}
	end     error // the read error that ended the socket
	done    chan struct{}
}

// dialTerm opens a PTY WebSocket; it fails the test unless it upgrades.
func (e *wsEnv) dialTerm(path string, protocols ...string) *term {
	e.t.Helper()
	tm, err := e.tryTerm(path, protocols...)
	require.NoError(e.t, err)
	return tm
}

func (e *wsEnv) tryTerm(path string, protocols ...string) (*term, error) {
	e.t.Helper()
	conn, resp, err := websocket.Dial(e.t.Context(), "ws"+strings.TrimPrefix(e.wsURL, "http")+path, &websocket.DialOptions{
		HTTPHeader:   http.Header{"X-Daytona-SDK-Version": {version.API}},
		Subprotocols: protocols,
	})
	if err != nil {
		return &term{resp: resp}, err
	}
	conn.SetReadLimit(1 << 20)
	tm := &term{t: e.t, conn: conn, resp: resp, changed: make(chan struct{}), done: make(chan struct{})}
	go tm.read()
	e.t.Cleanup(func() {
		_ = conn.CloseNow()
		<-tm.done
	})
	return tm, nil
}

func (tm *term) read() {
	defer close(tm.done)
	for {
		typ, b, err := tm.conn.Read(context.Background())
		tm.mu.Lock()
		if err != nil {
			tm.end = err
		} else if typ == websocket.MessageText {
			tm.texts = append(tm.texts, string(b))
		} else {
			tm.out.Write(b)
			if tm.out.Len() > 1<<20 { // keep the tail: expectations match recent output
				tm.out.Next(tm.out.Len() - 64<<10)
			}
		}
		close(tm.changed)
		tm.changed = make(chan struct{})
		tm.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// waitFor waits until cond holds on the output and TEXT frames.
func (tm *term) waitFor(what string, cond func(out string, texts []string) bool) {
	tm.t.Helper()
	ctx, cancel := context.WithTimeout(tm.t.Context(), 30*time.Second)
	defer cancel()
	for {
		tm.mu.Lock()
		ok := cond(tm.out.String(), tm.texts)
		ch, ended := tm.changed, tm.end
		out := tm.out.String()
		tm.mu.Unlock()
		if ok {
			return
		}
		if ended != nil {
			tm.t.Fatalf("the socket ended (%v) before %s; output %q", ended, what, out)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			tm.t.Fatalf("no %s; output %q", what, out)
		}
	}
}

// expect waits until the output holds s (after any earlier expectation's
// match) and returns the output from there on.
func (tm *term) expect(s string) {
	tm.t.Helper()
	tm.waitFor(strconv.Quote(s), func(out string, _ []string) bool { return strings.Contains(out, s) })
	tm.mu.Lock()
	i := strings.Index(tm.out.String(), s)
	tm.out.Next(i + len(s))
	tm.mu.Unlock()
}

// send writes keystrokes as a TEXT frame.
func (tm *term) send(s string) {
	tm.t.Helper()
	require.NoError(tm.t, tm.conn.Write(tm.t.Context(), websocket.MessageText, []byte(s)))
}

// closed waits for the end of the socket and returns the close code and
// reason (-1 for a connection lost without a close frame).
func (tm *term) closed() (websocket.StatusCode, string) {
	tm.t.Helper()
	select {
	case <-tm.done:
	case <-time.After(30 * time.Second):
		tm.t.Fatal("the socket did not end")
	}
	var ce websocket.CloseError
	if errors.As(tm.end, &ce) {
		return ce.Code, ce.Reason
	}
	return -1, ""
}

// connected waits for the connected control message, which must be the
// first frame.
func (tm *term) connected() {
	tm.t.Helper()
	tm.waitFor("the connected message", func(_ string, texts []string) bool { return len(texts) > 0 })
	assert.Equal(tm.t, `{"status":"connected","type":"control"}`, tm.textFrames()[0], "the first frame")
}

func (tm *term) textFrames() []string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return append([]string(nil), tm.texts...)
}

// sync waits until the shell has run a command typed now: the match is
// on the command's output, never on its echo.
func (tm *term) sync() {
	tm.t.Helper()
	tm.send("echo sync-$((6*7))\n")
	tm.expect("sync-42")
}

// prompt waits for the first output, before anything is typed: the
// shell's first prompt.
func (tm *term) prompt() {
	tm.t.Helper()
	tm.waitFor("the first prompt", func(out string, _ []string) bool { return out != "" })
}

func TestPTYInteractiveShell(t *testing.T) {
	t.Parallel()
	e := newWSEnv(t)
	require.NoError(t, os.Mkdir(e.path("proj"), 0o755))
	envs := map[string]string{"FOO": "bar", "PS1": "$ "}
	resp, err := e.c.CreatePtySessionWithResponse(t.Context(), tbclient.PtyCreateRequest{
		ID: ptr("pty1"), Cwd: ptr("proj"), Envs: &envs, LazyStart: ptr(true),
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode(), "%s", resp.Body)
	assert.Equal(t, "pty1", resp.JSON201.SessionID)

	info, err := e.c.GetPtySessionWithResponse(t.Context(), "pty1")
	require.NoError(t, err)
	require.NotNil(t, info.JSON200)
	assert.Equal(t, "pty1", info.JSON200.ID)
	assert.Equal(t, e.path("proj"), info.JSON200.Cwd)
	assert.Equal(t, map[string]string{"FOO": "bar", "PS1": "$ ", "TERM": "xterm-256color"}, info.JSON200.Envs)
	assert.Equal(t, 80, info.JSON200.Cols)
	assert.Equal(t, 24, info.JSON200.Rows)
	assert.False(t, info.JSON200.Active, "lazy: not started before a client attaches")
	assert.True(t, info.JSON200.LazyStart)
	created, err := time.Parse(time.RFC3339Nano, info.JSON200.CreatedAt)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), created, time.Minute)

	// Resizing a lazy session that has not started: 500 (quirk 18).
	r, body := e.rawDo(http.MethodPost, "/process/pty/pty1/resize", `{"cols":120,"rows":40}`)
	requireE3(t, r, body, http.StatusInternalServerError, "cannot resize inactive PTY session")

	tm := e.dialTerm("/process/pty/pty1/connect")
	tm.connected()
	tm.prompt() // the lazy session's first prompt is not lost
	tm.send("echo $FOO; stty size; pwd\n")
	tm.expect("bar\r\n")
	tm.expect("24 80\r\n")
	tm.expect(e.path("proj") + "\r\n")

	rs, err := e.c.ResizePtySessionWithResponse(t.Context(), "pty1", tbclient.PtyResizeRequest{Cols: 120, Rows: 40})
	require.NoError(t, err)
	require.NotNil(t, rs.JSON200, "%s", rs.Body)
	assert.Equal(t, 120, rs.JSON200.Cols)
	assert.True(t, rs.JSON200.Active)
	tm.send("stty size\n")
	tm.expect("40 120\r\n")

	list, err := e.c.ListPtySessionsWithResponse(t.Context())
	require.NoError(t, err)
	require.Len(t, list.JSON200.Sessions, 1)
	assert.Equal(t, 40, list.JSON200.Sessions[0].Rows)

	tm.send("exit 3\n")
	code, reason := tm.closed()
	assert.Equal(t, websocket.StatusInternalError, code)
	assert.JSONEq(t, `{"exitCode":3,"exitReason":"non-zero exit"}`, reason)
	assert.Equal(t, []string{`{"status":"connected","type":"control"}`}, tm.textFrames(),
		"no exited message without the exit-control subprotocol")

	// The session is removed when its shell exits.
	r, body = e.rawDo(http.MethodGet, "/process/pty/pty1", "")
	requireE3(t, r, body, http.StatusNotFound, "PTY session not found")
}

func TestPTYExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		input      string
		code       websocket.StatusCode
		reason     string
		exitReason string // of the exited message
	}{
		{"exit 0", "exit\n", websocket.StatusNormalClosure, `{"exitCode":0}`, ""},
		{"exit 130", "exit 130\n", websocket.StatusInternalError, `{"exitCode":130,"exitReason":"Ctrl+C"}`, "Ctrl+C"},
		{"exit 143", "exit 143\n", websocket.StatusInternalError, `{"exitCode":143,"exitReason":"SIGTERM"}`, "SIGTERM"},
		{"exit 200", "exit 200\n", websocket.StatusInternalError, `{"exitCode":200,"exitReason":"signal 72"}`, "signal 72"},
		{"killed by a signal", "kill -9 $$\n", websocket.StatusInternalError, `{"exitCode":-1,"exitReason":"non-zero exit"}`, "non-zero exit"},
	}
	e := newWSEnv(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := "x" + strconv.Itoa(i)
			_, err := e.c.CreatePtySessionWithResponse(t.Context(), tbclient.PtyCreateRequest{ID: &id, LazyStart: ptr(true)})
			require.NoError(t, err)
			tm := e.dialTerm("/process/pty/"+id+"/connect", stream.PTYExitControlSubprotocol)
			assert.Equal(t, stream.PTYExitControlSubprotocol, tm.conn.Subprotocol())
			tm.sync()
			tm.send(tt.input)
			code, reason := tm.closed()
			assert.Equal(t, tt.code, code)
			assert.JSONEq(t, tt.reason, reason)
			texts := tm.textFrames()
			require.Len(t, texts, 2)
			var exited map[string]any
			require.NoError(t, json.Unmarshal([]byte(texts[1]), &exited))
			var want map[string]any
			require.NoError(t, json.Unmarshal([]byte(reason), &want))
			want["type"], want["status"] = "control", "exited"
			assert.Equal(t, want, exited)
			if tt.exitReason == "" {
				assert.NotContains(t, texts[1], "exitReason")
			}
		})
	}
}

func TestPTYCreateErrors(t *testing.T) {
	t.Parallel()
	e := newWSEnv(t)
	_, err := e.c.CreatePtySessionWithResponse(t.Context(), tbclient.PtyCreateRequest{ID: ptr("dup"), LazyStart: ptr(true)})
	require.NoError(t, err)
	tests := []struct {
		body   string
		status int
		msg    string
	}{
		{`{}`, 400, "session ID is required"},
		{`{"id":"dup"}`, 409, "PTY session with ID 'dup' already exists"},
		{`{"id":"a","cols":1001}`, 400, "invalid value for cols - must be less than 1000"},
		{`{"id":"a","rows":5000}`, 400, "invalid value for rows - must be less than 1000"},
		{`{"id":"a","cols":-1}`, 400, "invalid value for cols - must be greater than 0"},
		{`{"id":"a","envs":{"A=B":"x"}}`, 400, `invalid environment variable name: "A=B"`},
		{`{"id":"a","cwd":"missing"}`, 400, "working directory " + e.path("missing") + " does not exist"},
	}
	for _, tt := range tests {
		r, body := e.rawDo(http.MethodPost, "/process/pty", tt.body)
		requireE3(t, r, body, tt.status, tt.msg)
	}
	for _, path := range []string{"/process/pty/nope"} {
		r, body := e.rawDo(http.MethodGet, path, "")
		requireE3(t, r, body, http.StatusNotFound, "PTY session not found")
		r, body = e.rawDo(http.MethodDelete, path, "")
		requireE3(t, r, body, http.StatusNotFound, "PTY session not found")
		r, body = e.rawDo(http.MethodPost, path+"/resize", `{"cols":10,"rows":10}`)
		requireE3(t, r, body, http.StatusGone, "PTY session nope not found")
	}
	for _, tt := range []struct{ body, msg string }{
		{`{"cols":1001,"rows":10}`, "cols must be less than 1000"},
		{`{"cols":10,"rows":0}`, "rows must be greater than 0"},
	} {
		r, body := e.rawDo(http.MethodPost, "/process/pty/dup/resize", tt.body)
		requireE3(t, r, body, http.StatusBadRequest, tt.msg)
	}
	// A lazy session never started is deleted without a trace.
	del, err := e.c.DeletePtySessionWithResponse(t.Context(), "dup")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, del.StatusCode())
	assert.JSONEq(t, `{"message":"PTY session deleted"}`, string(del.Body))
	list, err := e.c.ListPtySessionsWithResponse(t.Context())
	require.NoError(t, err)
	assert.Empty(t, list.JSON200.Sessions)
}

// TestPTYConnectUnknown: the daemon upgrades, sends an error control
// message and drops the connection without a close frame (quirk 15).
func TestPTYConnectUnknown(t *testing.T) {
	t.Parallel()
	e := newWSEnv(t)
	tm := e.dialTerm("/process/pty/nope/connect")
	assert.Equal(t, http.StatusSwitchingProtocols, tm.resp.StatusCode)
	code, _ := tm.closed()
	assert.Equal(t, websocket.StatusCode(-1), code, "no close frame")
	assert.Equal(t, []string{`{"error":"Failed to connect to PTY session: PTY session nope not found","status":"error","type":"control"}`},
		tm.textFrames())
}

func TestPTYPlainGet(t *testing.T) {
	t.Parallel()
	e := newWSEnv(t)
	for _, path := range []string{"/process/pty/x/connect", "/process/pty/create-connect?id=a"} {
		r, body := e.rawDo(http.MethodGet, path, "")
		assert.Equal(t, http.StatusBadRequest, r.StatusCode, path)
		assert.Equal(t, "text/plain; charset=utf-8", r.Header.Get("Content-Type"))
		assert.Equal(t, "13", r.Header.Get("Sec-Websocket-Version"))
		assert.Equal(t, "Bad Request", string(body))
	}
}

// TestPTYOutputWithoutClientIsLost: a session started at create shows its
// output only to clients attached when it is produced (quirk 16).
func TestPTYOutputWithoutClientIsLost(t *testing.T) {
	t.Parallel()
	e := newWSEnv(t)
	e.write(".bash_profile", "echo early-output; touch started\n")
	_, err := e.c.CreatePtySessionWithResponse(t.Context(), tbclient.PtyCreateRequest{ID: ptr("eager")})
	require.NoError(t, err)
	info, err := e.c.GetPtySessionWithResponse(t.Context(), "eager")
	require.NoError(t, err)
	assert.True(t, info.JSON200.Active)
	assert.False(t, info.JSON200.LazyStart)
	waitForFile(t, e.path("started"))
	tm := e.dialTerm("/process/pty/eager/connect")
	tm.send("echo late-$((40+2))\n")
	tm.expect("late-42")
	tm.mu.Lock()
	defer tm.mu.Unlock()
	assert.NotContains(t, tm.out.String(), "early-output")
}

// waitForFile polls until path exists.
func waitForFile(t *testing.T, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never appeared", path)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestPTYCreateConnect(t *testing.T) {
	t.Parallel()
	e := newWSEnv(t)
	require.NoError(t, os.Mkdir(e.path("work"), 0o755))
	envs := stream.PTYEnvsSubprotocol(map[string]string{"FOO": "bar", "PS1": "$ "})
	tm := e.dialTerm("/process/pty/create-connect?id=cc&cols=100&rows=30&cwd=work",
		stream.PTYExitControlSubprotocol, envs, "X-Daytona-SDK-Version~"+version.API)
	assert.Equal(t, "X-Daytona-SDK-Version~"+version.API, tm.conn.Subprotocol(), "the version token is selected, never the envs")
	tm.connected()
	tm.prompt() // nothing is lost: the shell starts with the client attached
	tm.send("echo $FOO; stty size; pwd\n")
	tm.expect("bar\r\n")
	tm.expect("30 100\r\n")
	tm.expect(e.path("work") + "\r\n")

	info, err := e.c.GetPtySessionWithResponse(t.Context(), "cc")
	require.NoError(t, err)
	require.NotNil(t, info.JSON200)
	assert.True(t, info.JSON200.Active)
	assert.False(t, info.JSON200.LazyStart)
	assert.Equal(t, "bar", info.JSON200.Envs["FOO"])

	// Request errors are HTTP answers before the upgrade.
	for _, tt := range []struct {
		path   string
		protos []string
		status int
		msg    string
	}{
		{"/process/pty/create-connect?id=cc", nil, http.StatusConflict, "PTY session with ID 'cc' already exists"},
		{"/process/pty/create-connect?cols=10", nil, http.StatusBadRequest, "session ID is required"},
		{"/process/pty/create-connect?id=z&cols=2000", nil, http.StatusBadRequest, "invalid value for cols - must be less than 1000"},
		{"/process/pty/create-connect?id=z&rows=x", nil, http.StatusBadRequest, "invalid value for rows"},
		{"/process/pty/create-connect?id=z", []string{stream.PTYEnvsSubprotocolPrefix + "!!"}, http.StatusBadRequest, "invalid envs subprotocol"},
	} {
		_, err := e.tryTerm(tt.path, tt.protos...)
		require.Error(t, err, tt.path)
		tmErr, _ := e.tryTerm(tt.path, tt.protos...)
		require.NotNil(t, tmErr.resp, tt.path)
		body, _ := io.ReadAll(tmErr.resp.Body)
		requireE3(t, tmErr.resp, body, tt.status, tt.msg)
	}

	tm.send("exit\n")
	code, reason := tm.closed()
	assert.Equal(t, websocket.StatusNormalClosure, code)
	assert.Equal(t, `{"exitCode":0}`, reason)
}

// TestPTYDeleteWhileAttached: DELETE kills the shell; attached clients see
// 137 SIGKILL.
func TestPTYDeleteWhileAttached(t *testing.T) {
	t.Parallel()
	e := newWSEnv(t)
	_, err := e.c.CreatePtySessionWithResponse(t.Context(), tbclient.PtyCreateRequest{ID: ptr("k"), LazyStart: ptr(true)})
	require.NoError(t, err)
	tm := e.dialTerm("/process/pty/k/connect")
	tm.sync()
	tm.send("sleep 1000 & echo b\"\"g=$!\n")
	tm.expect("bg=")
	tm.waitFor("the pid", func(out string, _ []string) bool { return strings.Contains(out, "\r\n") })
	tm.mu.Lock()
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(tm.out.String(), "\r\n", 2)[0]))
	tm.mu.Unlock()
	require.NoError(t, err)

	del, err := e.c.DeletePtySessionWithResponse(t.Context(), "k")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, del.StatusCode())
	code, reason := tm.closed()
	assert.Equal(t, websocket.StatusInternalError, code)
	assert.JSONEq(t, `{"exitCode":137,"exitReason":"SIGKILL"}`, reason)
	requireGone(t, pid)
}

// requireGone checks that the process pid has ended (a zombie counts).
func requireGone(t *testing.T, pid int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
		if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("process %d is still running", pid)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestPTYBroadcastAndSlowConsumer: output goes to every attached client,
// input from all of them is merged, and a client that stops reading is
// disconnected with 1008 while the PTY keeps going for the others (6.7).
func TestPTYBroadcastAndSlowConsumer(t *testing.T) {
	t.Parallel()
	e := newWSEnv(t)
	_, err := e.c.CreatePtySessionWithResponse(t.Context(), tbclient.PtyCreateRequest{ID: ptr("b"), LazyStart: ptr(true)})
	require.NoError(t, err)
	reader := e.dialTerm("/process/pty/b/connect")
	reader.prompt()

	// The stalled client is a raw socket nobody reads.
	stalled, _, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(e.wsURL, "http")+"/process/pty/b/connect", nil)
	require.NoError(t, err)
	defer stalled.CloseNow()
	require.NoError(t, stalled.Write(t.Context(), websocket.MessageText, []byte("echo from-$((1+1))\n")))
	reader.expect("from-2")

	// 64 MB of output, far more than the stalled client's queue and
	// socket buffers hold, in bursts the reader keeps up with.
	reader.send("stty -echo; for i in $(seq 64); do head -c 1000000 /dev/zero | tr '\\0' x; sleep 0.02; done; echo; echo done-$((2+2))\n")
	reader.waitFor("the end of the output", func(out string, _ []string) bool { return strings.Contains(out, "done-4") })

	// The stalled client got the first frames, then 1008.
	stalled.SetReadLimit(1 << 20)
	var end error
	for end == nil {
		_, _, end = stalled.Read(t.Context())
	}
	assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(end), "%v", end)
	var ce websocket.CloseError
	if errors.As(end, &ce) {
		assert.Equal(t, "slow consumer", ce.Reason)
	}
}

func TestPTYInputLimit(t *testing.T) {
	t.Parallel()
	e := newWSEnv(t)
	_, err := e.c.CreatePtySessionWithResponse(t.Context(), tbclient.PtyCreateRequest{ID: ptr("big"), LazyStart: ptr(true)})
	require.NoError(t, err)
	tm := e.dialTerm("/process/pty/big/connect")
	tm.sync()
	require.NoError(t, tm.conn.Write(t.Context(), websocket.MessageBinary, bytes.Repeat([]byte("a"), 64<<10+1)))
	code, _ := tm.closed()
	assert.Equal(t, websocket.StatusMessageTooBig, code)
	info, err := e.c.GetPtySessionWithResponse(t.Context(), "big")
	require.NoError(t, err)
	assert.True(t, info.JSON200.Active, "the session outlives the client")
}

// TestPTYCloseKillsEverything: closing the toolbox ends the shells, their
// background jobs and the attached sockets.
func TestPTYCloseKillsEverything(t *testing.T) {
	t.Parallel()
	tb, err := toolbox.New(toolbox.Config{Root: t.TempDir()})
	require.NoError(t, err)
	srv := httptest.NewServer(tb.Handler())
	defer srv.Close()
	e := &wsEnv{testEnv: &testEnv{t: t, tb: tb, root: tb.Root()}, wsURL: srv.URL}
	e.url = srv.URL
	c, err := tbclient.NewClientWithResponses(srv.URL)
	require.NoError(t, err)
	_, err = c.CreatePtySessionWithResponse(t.Context(), tbclient.PtyCreateRequest{ID: ptr("c"), LazyStart: ptr(true)})
	require.NoError(t, err)
	tm := e.dialTerm("/process/pty/c/connect")
	tm.sync()
	tm.send("set -m; sleep 1000 & echo b\"\"g=$!\n") // job control: the job has a process group of its own
	tm.expect("bg=")
	tm.waitFor("the pid", func(out string, _ []string) bool { return strings.Contains(out, "\r\n") })
	tm.mu.Lock()
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(tm.out.String(), "\r\n", 2)[0]))
	tm.mu.Unlock()
	require.NoError(t, err)

	require.NoError(t, tb.Close())
	tm.closed()
	requireGone(t, pid)
}
