package toolbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
	"github.com/daytona-go/daytona/internal/version"
)

// interpEnv is a toolbox whose interpreter runs python3 from the PATH.
func interpEnv(t *testing.T) *wsEnv {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	return newWSEnv(t)
}

// execution is the transcript of one execute WebSocket.
type execution struct {
	msgs   []string // the server's messages, raw
	code   websocket.StatusCode
	reason string
}

// stdout joins the text of the stdout messages.
func (x execution) stdout() string { return x.join("stdout") }

func (x execution) join(typ string) string {
	var b strings.Builder
	for _, m := range x.msgs {
		var v struct{ Type, Text string }
		if json.Unmarshal([]byte(m), &v) == nil && v.Type == typ {
			b.WriteString(v.Text)
		}
	}
	return b.String()
}

// last returns the last message decoded.
func (x execution) last() map[string]string {
	if len(x.msgs) == 0 {
		return nil
	}
	var v map[string]string
	_ = json.Unmarshal([]byte(x.msgs[len(x.msgs)-1]), &v)
	return v
}

// dialExecute opens an execute WebSocket.
func (e *wsEnv) dialExecute() *websocket.Conn {
	e.t.Helper()
	conn, _, err := websocket.Dial(e.t.Context(), "ws"+strings.TrimPrefix(e.wsURL, "http")+"/process/interpreter/execute",
		&websocket.DialOptions{HTTPHeader: http.Header{"X-Daytona-SDK-Version": {version.API}}})
	require.NoError(e.t, err)
	conn.SetReadLimit(16 << 20)
	e.t.Cleanup(func() { _ = conn.CloseNow() })
	return conn
}

// run sends first as the first message and reads the execution to its end;
// onMessage, if set, sees each message as it arrives.
func (e *wsEnv) run(first string, onMessage func(string)) execution {
	e.t.Helper()
	conn := e.dialExecute()
	ctx, cancel := context.WithTimeout(e.t.Context(), time.Minute)
	defer cancel()
	require.NoError(e.t, conn.Write(ctx, websocket.MessageText, []byte(first)))
	var x execution
	for {
		typ, b, err := conn.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			require.True(e.t, errors.As(err, &ce), "no close frame: %v", err)
			x.code, x.reason = ce.Code, ce.Reason
			return x
		}
		require.Equal(e.t, websocket.MessageText, typ)
		x.msgs = append(x.msgs, string(b))
		if onMessage != nil {
			onMessage(string(b))
		}
	}
}

// request encodes an execute request.
func request(code, contextID string, timeout *int, envs map[string]string) string {
	b, _ := json.Marshal(map[string]any{"code": code, "contextId": contextID, "timeout": timeout, "envs": envs})
	return string(b)
}

func TestInterpreterTranscript(t *testing.T) {
	t.Parallel()
	e := interpEnv(t)
	x := e.run(`{"code":"import sys, time\nx = 41\nprint(\"hello\")\nsys.stderr.write(\"warn\\n\")\ntime.sleep(0.3)\nprint(\"bye\")\nx+1"}`, nil)
	assert.Equal(t, websocket.StatusNormalClosure, x.code)
	assert.Empty(t, x.reason)
	// Every message has all five keys, in the daemon's order.
	for _, m := range x.msgs {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(m), &v))
		assert.Len(t, v, 5, m)
		assert.True(t, strings.HasPrefix(m, `{"type":`), m)
	}
	assert.Contains(t, x.msgs, `{"type":"stdout","text":"hello\n","name":"","value":"","traceback":""}`)
	assert.Contains(t, x.msgs, `{"type":"stderr","text":"warn\n","name":"","value":"","traceback":""}`)
	assert.Equal(t, "hello\nbye\n", x.stdout(), "no trailing expression value")
	assert.Equal(t, `{"type":"control","text":"completed","name":"","value":"","traceback":""}`, x.msgs[len(x.msgs)-1])

	// State persists; an exception comes with a cleaned-up traceback.
	x = e.run(`{"code":"print(x)\nraise ValueError(\"boom\")"}`, nil)
	assert.Equal(t, websocket.StatusNormalClosure, x.code)
	assert.Equal(t, []string{
		`{"type":"stdout","text":"41\n","name":"","value":"","traceback":""}`,
		`{"type":"error","text":"","name":"ValueError","value":"boom","traceback":"Traceback (most recent call last):\n  File \"\u003cstdin\u003e\", line 2\nValueError: boom\n"}`,
		`{"type":"control","text":"completed","name":"","value":"","traceback":""}`,
	}, x.msgs)

	// A function frame is named.
	x = e.run(`{"code":"def f():\n    return 1/0\nf()"}`, nil)
	var errMsg map[string]string
	require.NoError(t, json.Unmarshal([]byte(x.msgs[0]), &errMsg))
	assert.Equal(t, "ZeroDivisionError", errMsg["name"])
	assert.Equal(t, "Traceback (most recent call last):\n  File \"<stdin>\", line 3\n  File \"<stdin>\", line 2, in f\nZeroDivisionError: division by zero\n",
		errMsg["traceback"])

	// A syntax error.
	x = e.run(`{"code":"def f(:"}`, nil)
	require.Len(t, x.msgs, 2)
	require.NoError(t, json.Unmarshal([]byte(x.msgs[0]), &errMsg))
	assert.Equal(t, "SyntaxError", errMsg["name"])
	assert.Contains(t, errMsg["value"], "(<string>, line 1)")
	assert.Equal(t, "SyntaxError: "+errMsg["value"]+"\n", errMsg["traceback"])
	assert.Equal(t, "completed", x.last()["text"])
}

func TestInterpreterRequestErrors(t *testing.T) {
	t.Parallel()
	e := interpEnv(t)
	tests := []struct {
		first  string
		code   websocket.StatusCode
		reason string
	}{
		{`{"code":""}`, websocket.StatusPolicyViolation, "code is required"},
		{`not json`, websocket.StatusProtocolError, "invalid JSON payload"},
		{`{"code":"1","contextId":"nope"}`, websocket.StatusPolicyViolation, "context not found: nope"},
		{`{"code":"1","timeout":-1}`, websocket.StatusPolicyViolation, "timeout must be greater than or equal to 0"},
	}
	for _, tt := range tests {
		x := e.run(tt.first, nil)
		assert.Empty(t, x.msgs, "request errors are bare close frames")
		assert.Equal(t, tt.code, x.code, tt.first)
		assert.Equal(t, tt.reason, x.reason, tt.first)
	}
}

func TestInterpreterPlainGet(t *testing.T) {
	t.Parallel()
	e := interpEnv(t)
	r, body := e.rawDo(http.MethodGet, "/process/interpreter/execute", "")
	assert.Equal(t, http.StatusBadRequest, r.StatusCode)
	assert.Equal(t, "text/plain; charset=utf-8", r.Header.Get("Content-Type"))
	assert.Equal(t, "Bad Request", string(body))
}

func TestInterpreterContexts(t *testing.T) {
	t.Parallel()
	e := interpEnv(t)
	require.NoError(t, os.Mkdir(e.path("sub"), 0o755))
	created, err := e.c.CreateInterpreterContextWithResponse(t.Context(), tbclient.CreateContextRequest{Cwd: ptr("sub"), Language: ptr("python")})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, created.StatusCode(), "200, not 201: %s", created.Body)
	ic := *created.JSON200
	assert.NotEmpty(t, ic.ID)
	assert.Equal(t, "sub", ic.Cwd, "the cwd as given, not resolved")
	assert.True(t, ic.Active)
	assert.Equal(t, "python", ic.Language)
	_, err = time.Parse(time.RFC3339Nano, ic.CreatedAt)
	require.NoError(t, err)

	// The default context is used (so it exists) but never listed.
	x := e.run(`{"code":"y = 'default'"}`, nil)
	require.Equal(t, websocket.StatusNormalClosure, x.code)
	list, err := e.c.ListInterpreterContextsWithResponse(t.Context())
	require.NoError(t, err)
	require.Len(t, list.JSON200.Contexts, 1)
	assert.Equal(t, ic.ID, list.JSON200.Contexts[0].ID)

	// Contexts are isolated, each in its own directory.
	x = e.run(request("import os\nprint(os.getcwd())\nprint(y)", ic.ID, nil, nil), nil)
	assert.Equal(t, e.path("sub")+"\n", x.stdout())
	require.GreaterOrEqual(t, len(x.msgs), 2)
	assert.Contains(t, x.msgs[len(x.msgs)-2], `"name":"NameError"`)
	x = e.run(`{"code":"import os\nprint(os.getcwd(), y)"}`, nil)
	assert.Equal(t, e.root+" default\n", x.stdout())

	// Empty-body errors (quirks 12, 30).
	for _, tt := range []struct {
		method, path, body string
		status             int
	}{
		{http.MethodPost, "/process/interpreter/context", `{"language":"javascript"}`, http.StatusBadRequest},
		{http.MethodDelete, "/process/interpreter/context/default", "", http.StatusBadRequest},
		{http.MethodDelete, "/process/interpreter/context/nope", "", http.StatusNotFound},
	} {
		r, body := e.rawDo(tt.method, tt.path, tt.body)
		assert.Equal(t, tt.status, r.StatusCode, tt.path)
		assert.Empty(t, body, tt.path)
	}

	del, err := e.c.DeleteInterpreterContextWithResponse(t.Context(), ic.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, del.StatusCode())
	assert.JSONEq(t, `{"message":"Context deleted successfully"}`, string(del.Body))
	x = e.run(request("1", ic.ID, nil, nil), nil)
	assert.Equal(t, websocket.StatusPolicyViolation, x.code)
	assert.Equal(t, "context not found: "+ic.ID, x.reason)
}

func TestInterpreterTimeout(t *testing.T) {
	t.Parallel()
	e := interpEnv(t)
	created, err := e.c.CreateInterpreterContextWithResponse(t.Context(), tbclient.CreateContextRequest{})
	require.NoError(t, err)
	id := created.JSON200.ID
	one := 1

	// SIGINT stops the code: "interrupted", 4008, the state survives.
	x := e.run(request("import time\nx = 5\nprint('start', flush=True)\ntime.sleep(30)", id, &one, nil), nil)
	assert.Equal(t, websocket.StatusCode(4008), x.code)
	assert.Empty(t, x.reason)
	assert.Equal(t, "start\n", x.stdout())
	assert.Equal(t, `{"type":"control","text":"interrupted","name":"","value":"","traceback":""}`, x.msgs[len(x.msgs)-1])
	x = e.run(request("print(x)", id, nil, nil), nil)
	assert.Equal(t, websocket.StatusNormalClosure, x.code)
	assert.Equal(t, "5\n", x.stdout())

	// Code that ignores SIGINT is killed after the grace period; the
	// context is inactive until its next run restarts it, empty.
	x = e.run(request("import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(30)", id, &one, nil), nil)
	assert.Equal(t, websocket.StatusCode(4008), x.code)
	list, err := e.c.ListInterpreterContextsWithResponse(t.Context())
	require.NoError(t, err)
	require.Len(t, list.JSON200.Contexts, 1)
	assert.False(t, list.JSON200.Contexts[0].Active)
	x = e.run(request("print(x)", id, nil, nil), nil)
	assert.Equal(t, websocket.StatusNormalClosure, x.code)
	require.GreaterOrEqual(t, len(x.msgs), 2)
	assert.Contains(t, x.msgs[len(x.msgs)-2], `"name":"NameError"`, "the state is gone")
	list, err = e.c.ListInterpreterContextsWithResponse(t.Context())
	require.NoError(t, err)
	assert.True(t, list.JSON200.Contexts[0].Active, "restarted")

	// A zero timeout means none.
	zero := 0
	x = e.run(request("import time\ntime.sleep(1.2)\nprint('slept')", "", &zero, nil), nil)
	assert.Equal(t, websocket.StatusNormalClosure, x.code)
	assert.Equal(t, "slept\n", x.stdout())
}

// TestInterpreterExit: exit() ends the worker after "completed"; the
// default context restarts empty (quirk 32).
func TestInterpreterExit(t *testing.T) {
	t.Parallel()
	e := interpEnv(t)
	x := e.run(`{"code":"z = 1"}`, nil)
	require.Equal(t, websocket.StatusNormalClosure, x.code)
	x = e.run(`{"code":"print(1); exit(3)"}`, nil)
	assert.Equal(t, websocket.StatusGoingAway, x.code)
	assert.Equal(t, "worker process ended", x.reason)
	assert.Equal(t, "1\n", x.stdout())
	assert.Equal(t, "completed", x.last()["text"])
	x = e.run(`{"code":"print(z)"}`, nil)
	assert.Equal(t, websocket.StatusNormalClosure, x.code)
	assert.Contains(t, x.msgs[0], `"name":"NameError"`)
}

func TestInterpreterEnvsAndOutput(t *testing.T) {
	t.Parallel()
	e := interpEnv(t)
	x := e.run(request("import os\nprint(os.environ['DTN_A'])", "", nil, map[string]string{"DTN_A": "one"}), nil)
	assert.Equal(t, "one\n", x.stdout())
	x = e.run(`{"code":"import os\nprint(os.environ.get('DTN_A'))"}`, nil)
	assert.Equal(t, "None\n", x.stdout(), "envs apply to one execution")

	// Output written below Python (a subprocess) arrives too; characters
	// are never split between messages.
	x = e.run(`{"code":"import subprocess\nsubprocess.run(['echo', 'from-child'])\nprint('é' * 50000)"}`, nil)
	assert.Equal(t, "from-child\n"+strings.Repeat("é", 50000)+"\n", x.stdout())
	for _, m := range x.msgs {
		assert.NotContains(t, m, `\ufffd`)
	}
}

// TestInterpreterQueue: runs on one context execute one at a time, in
// arrival order, each with its own output.
func TestInterpreterQueue(t *testing.T) {
	t.Parallel()
	e := interpEnv(t)
	x := e.run(`{"code":"log = []"}`, nil)
	require.Equal(t, websocket.StatusNormalClosure, x.code)
	started := make(chan struct{})
	var wg sync.WaitGroup
	var first execution
	wg.Go(func() {
		var once sync.Once
		first = e.run(`{"code":"import time\nlog.append('start1')\nprint('one', flush=True)\ntime.sleep(0.5)\nlog.append('end1')"}`,
			func(string) { once.Do(func() { close(started) }) })
	})
	<-started // the first run is executing
	second := e.run(`{"code":"log.append('2')\nprint(log)"}`, nil)
	wg.Wait()
	assert.Equal(t, "one\n", first.stdout())
	assert.Equal(t, "['start1', 'end1', '2']\n", second.stdout())
}

func TestInterpreterDeleteWhileRunning(t *testing.T) {
	t.Parallel()
	e := interpEnv(t)
	created, err := e.c.CreateInterpreterContextWithResponse(t.Context(), tbclient.CreateContextRequest{})
	require.NoError(t, err)
	id := created.JSON200.ID
	started := make(chan struct{})
	var once sync.Once
	done := make(chan execution)
	go func() {
		done <- e.run(request("import time\nprint('go', flush=True)\ntime.sleep(30)", id, nil, nil),
			func(string) { once.Do(func() { close(started) }) })
	}()
	<-started
	del, err := e.c.DeleteInterpreterContextWithResponse(t.Context(), id)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, del.StatusCode())
	x := <-done
	assert.Equal(t, websocket.StatusGoingAway, x.code)
	assert.Equal(t, "context shutdown", x.reason)
}

// TestInterpreterSlowConsumer: a client that stops reading is dropped
// with 1008 once 1024 messages wait for it (quirk 19).
func TestInterpreterSlowConsumer(t *testing.T) {
	t.Parallel()
	e := interpEnv(t)
	conn := e.dialExecute()
	code := "import sys\nline = 'x' * 1000\nfor i in range(100000):\n    print(line, flush=True)\nopen('printed', 'w').close()"
	require.NoError(t, conn.Write(t.Context(), websocket.MessageText, []byte(request(code, "", nil, nil))))
	waitForFile(t, e.path("printed")) // 100 MB printed while nobody read
	var end error
	for end == nil {
		_, _, end = conn.Read(t.Context())
	}
	assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(end), "%v", end)
	var ce websocket.CloseError
	require.ErrorAs(t, end, &ce)
	assert.Equal(t, "slow consumer", ce.Reason)
}

// TestInterpreterCloseKillsWorkers: closing the toolbox kills every worker.
func TestInterpreterCloseKillsWorkers(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	tb, err := toolbox.New(toolbox.Config{Root: t.TempDir()})
	require.NoError(t, err)
	e := &wsEnv{testEnv: &testEnv{t: t, tb: tb, root: tb.Root()}}
	_, c, _ := serve(t, tb)
	e.c = c
	e.wsURL = serveUnvalidated(t, tb)
	created, err := c.CreateInterpreterContextWithResponse(t.Context(), tbclient.CreateContextRequest{})
	require.NoError(t, err)
	x := e.run(request("import os\nprint(os.getpid())", created.JSON200.ID, nil, nil), nil)
	pid, err := strconv.Atoi(strings.TrimSpace(x.stdout()))
	require.NoError(t, err)
	x = e.run(`{"code":"import os\nprint(os.getpid())"}`, nil)
	defaultPid, err := strconv.Atoi(strings.TrimSpace(x.stdout()))
	require.NoError(t, err)
	require.NoError(t, tb.Close())
	requireGone(t, pid)
	requireGone(t, defaultPid)
}
