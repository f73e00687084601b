package toolbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
	"github.com/daytona-go/daytona/stream"
)

// createSession creates a session and fails the test otherwise.
func (e *testEnv) createSession(id string) {
	e.t.Helper()
	resp, err := e.raw.CreateSession(e.t.Context(), tbclient.CreateSessionRequest{SessionID: id})
	require.NoError(e.t, err)
	requireEmpty(e.t, resp, readAll(e.t, resp), http.StatusCreated)
}

// sdkHeader is the version header the SDK sends.
var sdkHeader = http.Header{"X-Daytona-Sdk-Version": {"0.205.1"}}

// sessionExec runs a command in a session with the given headers (nil: the
// SDK's version header).
func (e *testEnv) sessionExec(sid string, req tbclient.SessionExecuteRequest, header http.Header) (*http.Response, []byte) {
	e.t.Helper()
	body, err := json.Marshal(req)
	require.NoError(e.t, err)
	h := http.Header{"Content-Type": {"application/json"}}
	if header == nil {
		header = sdkHeader
	}
	for k, v := range header {
		h[k] = v
	}
	resp := e.do(http.MethodPost, "/process/session/"+sid+"/exec", bytes.NewReader(body), h)
	return resp, readAll(e.t, resp)
}

type execAnswer struct {
	CmdID    string  `json:"cmdId"`
	Output   *string `json:"output"`
	Stdout   *string `json:"stdout"`
	Stderr   *string `json:"stderr"`
	ExitCode *int    `json:"exitCode"`
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(b, &v), "%s", b)
	return v
}

// lines returns the sorted lines of s (stdout and stderr lines interleave
// in no guaranteed order, 5.3).
func lines(s string) []string {
	l := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	slices.Sort(l)
	return l
}

func TestSessionLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.createSession("s1")

	dup, err := e.raw.CreateSession(ctx, tbclient.CreateSessionRequest{SessionID: "s1"})
	require.NoError(t, err)
	requireEnvelope(t, dup, readAll(t, dup), http.StatusConflict, "CONFLICT")
	reserved, err := e.raw.CreateSession(ctx, tbclient.CreateSessionRequest{SessionID: "entrypoint"})
	require.NoError(t, err)
	requireEnvelope(t, reserved, readAll(t, reserved), http.StatusBadRequest, "BAD_REQUEST")

	resp, body := e.sessionExec("s1", tbclient.SessionExecuteRequest{Command: "mkdir -p sub && cd sub && export X=persisted && f() { echo fn; }"}, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	resp, body = e.sessionExec("s1", tbclient.SessionExecuteRequest{Command: "pwd; echo $X; f; (exit 7)"}, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	ans := decode[execAnswer](t, body)
	assert.Equal(t, e.path("sub")+"\npersisted\nfn\n", *ans.Stdout, "cd, export and functions persist")
	assert.Equal(t, 7, *ans.ExitCode)

	list, err := e.c.ListSessionsWithResponse(ctx)
	require.NoError(t, err)
	require.NotNil(t, list.JSON200)
	require.Len(t, *list.JSON200, 1)
	s := (*list.JSON200)[0]
	assert.Equal(t, "s1", s.SessionID)
	require.Len(t, s.Commands, 2)
	assert.Equal(t, ans.CmdID, s.Commands[1].ID)
	assert.Equal(t, "pwd; echo $X; f; (exit 7)", s.Commands[1].Command)
	assert.Equal(t, 7, *s.Commands[1].ExitCode)

	got, err := e.c.GetSessionWithResponse(ctx, "s1")
	require.NoError(t, err)
	require.NotNil(t, got.JSON200)
	assert.Equal(t, s, *got.JSON200)

	cmd, err := e.c.GetSessionCommandWithResponse(ctx, "s1", ans.CmdID)
	require.NoError(t, err)
	require.NotNil(t, cmd.JSON200)
	assert.Equal(t, 7, *cmd.JSON200.ExitCode)

	del, err := e.raw.DeleteSession(ctx, "s1")
	require.NoError(t, err)
	requireEmpty(t, del, readAll(t, del), http.StatusNoContent)
	gone, err := e.raw.GetSession(ctx, "s1")
	require.NoError(t, err)
	env := requireEnvelope(t, gone, readAll(t, gone), http.StatusNotFound, "NOT_FOUND")
	assert.Equal(t, "not found: session not found", env.Message)
	unknownCmd, err := e.raw.GetSessionCommand(ctx, "nope", "x")
	require.NoError(t, err)
	requireEnvelope(t, unknownCmd, readAll(t, unknownCmd), http.StatusNotFound, "NOT_FOUND")
}

func TestSessionExecUnknownSessionIsDegenerate500(t *testing.T) {
	e := newEnv(t)
	resp, body := e.sessionExec("missing", tbclient.SessionExecuteRequest{Command: "true"}, nil)
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.JSONEq(t, `{"statusCode":500,"message":"failed to execute command: not found: session not found","timestamp":"0001-01-01T00:00:00Z","path":""}`, string(body))
}

func TestSessionVersionMatrix(t *testing.T) {
	e := newEnv(t)
	e.createSession("m")
	const framed = "\x01\x01\x01out\n\x02\x02\x02err\n"
	tests := []struct {
		name    string
		header  http.Header
		split   bool
		markers bool
	}{
		{name: "no version", header: http.Header{}},
		{name: "split header without version", header: http.Header{"X-Daytona-Split-Output": {"true"}}, markers: true},
		{name: "0.26.0", header: http.Header{"X-Daytona-Sdk-Version": {"0.26.0"}}},
		{name: "0.100.0", header: http.Header{"X-Daytona-Sdk-Version": {"0.100.0"}}, markers: true},
		{name: "0.167.0-rc1 precedes 0.167.0", header: http.Header{"X-Daytona-Sdk-Version": {"0.167.0rc1"}}, markers: true},
		{name: "unparseable", header: http.Header{"X-Daytona-Sdk-Version": {"unknown"}}, markers: true},
		{name: "0.167.0", header: http.Header{"X-Daytona-Sdk-Version": {"0.167.0"}}, markers: true, split: true},
		{name: "v0.205.1", header: http.Header{"X-Daytona-Sdk-Version": {"v0.205.1"}}, markers: true, split: true},
		{name: "dev", header: http.Header{"X-Daytona-Sdk-Version": {"0.0.0-dev"}}, markers: true, split: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			resp, body := e.sessionExec("m", tbclient.SessionExecuteRequest{Command: "echo out; echo err >&2"}, h)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			ans := decode[execAnswer](t, body)
			require.NotNil(t, ans.Output)
			assert.Equal(t, 0, *ans.ExitCode)
			if tt.markers {
				assert.ElementsMatch(t, []string{"\x01\x01\x01out", "\x02\x02\x02err"}, lines(*ans.Output))
			} else {
				assert.Equal(t, []string{"err", "out"}, lines(*ans.Output))
			}
			if tt.split {
				assert.Equal(t, "out\n", *ans.Stdout)
				assert.Equal(t, "err\n", *ans.Stderr)
			} else {
				assert.Nil(t, ans.Stdout)
				assert.Nil(t, ans.Stderr)
			}

			// The one-shot log read follows the same matrix; follow=true
			// without an upgrade is ignored (quirk 4).
			logs := e.do(http.MethodGet, "/process/session/m/command/"+ans.CmdID+"/logs?follow=true", nil, h)
			raw := readAll(t, logs)
			require.Equal(t, http.StatusOK, logs.StatusCode)
			if tt.split {
				assert.Equal(t, "application/json; charset=utf-8", logs.Header.Get("Content-Type"))
				l := decode[tbclient.SessionCommandLogsResponse](t, raw)
				assert.Equal(t, "out\n", l.Stdout)
				assert.Equal(t, "err\n", l.Stderr)
				assert.Len(t, l.Output, len(framed))
				return
			}
			assert.Equal(t, "text/plain; charset=utf-8", logs.Header.Get("Content-Type"))
			if tt.markers {
				assert.ElementsMatch(t, []string{"\x01\x01\x01out", "\x02\x02\x02err"}, lines(string(raw)))
			} else {
				assert.Equal(t, []string{"err", "out"}, lines(string(raw)))
			}
		})
	}
}

func TestSessionExitKillsTheShell(t *testing.T) {
	e := newEnv(t)
	e.createSession("x")
	resp, body := e.sessionExec("x", tbclient.SessionExecuteRequest{Command: "echo bye; exit 3"}, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	ans := decode[execAnswer](t, body)
	assert.Equal(t, 3, *ans.ExitCode)
	assert.Equal(t, "bye\n", *ans.Stdout)

	resp, body = e.sessionExec("x", tbclient.SessionExecuteRequest{Command: "echo again"}, nil)
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	var env envelope
	require.NoError(t, json.Unmarshal(body, &env))
	assert.Equal(t, "failed to execute command: write |1: broken pipe", env.Message, "quirk 9")

	del, err := e.raw.DeleteSession(t.Context(), "x")
	require.NoError(t, err)
	requireEmpty(t, del, readAll(t, del), http.StatusNoContent)
	e.createSession("x")
	resp, body = e.sessionExec("x", tbclient.SessionExecuteRequest{Command: "echo again"}, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Equal(t, "again\n", *decode[execAnswer](t, body).Stdout)
}

// dialLogs opens a logs WebSocket.
func (e *testEnv) dialLogs(path string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	if opts == nil {
		opts = &websocket.DialOptions{}
	}
	if opts.HTTPHeader == nil {
		opts.HTTPHeader = sdkHeader
	}
	return websocket.Dial(e.t.Context(), "ws"+strings.TrimPrefix(e.url, "http")+path, opts)
}

// readFrames reads BINARY frames until the close and returns them with the
// close status.
func readFrames(t *testing.T, c *websocket.Conn) ([][]byte, websocket.StatusCode) {
	t.Helper()
	var frames [][]byte
	for {
		typ, data, err := c.Read(t.Context())
		if err != nil {
			status := websocket.CloseStatus(err)
			require.NotEqual(t, websocket.StatusCode(-1), status, "not a close: %v", err)
			return frames, status
		}
		require.Equal(t, websocket.MessageBinary, typ)
		require.LessOrEqual(t, len(data), 1024)
		frames = append(frames, data)
	}
}

func TestSessionFollowLogsOverWebSocket(t *testing.T) {
	e := newEnv(t)
	e.createSession("f")
	resp, body := e.sessionExec("f", tbclient.SessionExecuteRequest{
		Command:  `for i in 1 2 3; do echo tick$i; echo warn$i >&2; sleep 0.2; done; head -c 3000 /dev/zero | tr '\0' a; printf '\nnonl'; sh -c "exit 7"`,
		RunAsync: ptr(true),
	}, nil)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", body)
	cmdID := decode[execAnswer](t, body).CmdID
	require.NotEmpty(t, cmdID)

	c, hresp, err := e.dialLogs("/process/session/f/command/"+cmdID+"/logs?follow=true", &websocket.DialOptions{
		HTTPHeader:   http.Header{"X-Daytona-Sdk-Version": {"0.205.1"}},
		Subprotocols: []string{"X-Daytona-SDK-Version~0.205.1"},
	})
	require.NoError(t, err)
	defer c.CloseNow()
	assert.Equal(t, "X-Daytona-SDK-Version~0.205.1", hresp.Header.Get("Sec-Websocket-Protocol"), "the version subprotocol is echoed")
	frames, status := readFrames(t, c)
	assert.Equal(t, websocket.StatusNormalClosure, status)
	raw := bytes.Join(frames, nil)
	stdout, stderr := stream.SplitLogs(raw)
	assert.Equal(t, "tick1\ntick2\ntick3\n"+strings.Repeat("a", 3000)+"\nnonl\n", string(stdout), "a final newline is added (quirk 7)")
	assert.Equal(t, "warn1\nwarn2\nwarn3\n", string(stderr))
	assert.Greater(t, len(frames), 3, "the 3000-byte line spans several frames")

	cmd, err := e.c.GetSessionCommandWithResponse(t.Context(), "f", cmdID)
	require.NoError(t, err)
	require.NotNil(t, cmd.JSON200)
	require.NotNil(t, cmd.JSON200.ExitCode, "the exit code is known once the follow closed")
	assert.Equal(t, 7, *cmd.JSON200.ExitCode)

	t.Run("without follow: the whole log in one frame", func(t *testing.T) {
		c, _, err := e.dialLogs("/process/session/f/command/"+cmdID+"/logs", nil)
		require.NoError(t, err)
		defer c.CloseNow()
		typ, data, err := c.Read(t.Context())
		require.NoError(t, err)
		assert.Equal(t, websocket.MessageBinary, typ)
		assert.Equal(t, raw, data)
		_, _, err = c.Read(t.Context())
		assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err))
	})
	t.Run("without a version: markers stripped", func(t *testing.T) {
		c, _, err := e.dialLogs("/process/session/f/command/"+cmdID+"/logs?follow=true", &websocket.DialOptions{HTTPHeader: http.Header{}})
		require.NoError(t, err)
		defer c.CloseNow()
		frames, status := readFrames(t, c)
		assert.Equal(t, websocket.StatusNormalClosure, status)
		got := string(bytes.Join(frames, nil))
		assert.NotContains(t, got, "\x01")
		assert.NotContains(t, got, "\x02")
		assert.ElementsMatch(t, lines(string(stdout)+string(stderr)), lines(got))
	})
	t.Run("unknown command is refused before the upgrade", func(t *testing.T) {
		_, hresp, err := e.dialLogs("/process/session/f/command/nope/logs?follow=true", nil)
		require.Error(t, err)
		require.NotNil(t, hresp)
		assert.Equal(t, http.StatusNotFound, hresp.StatusCode)
	})
}

func TestSessionInput(t *testing.T) {
	e := newEnv(t)
	e.createSession("in")
	for _, suppress := range []bool{false, true} {
		resp, body := e.sessionExec("in", tbclient.SessionExecuteRequest{
			Command: "read -r name; echo hello $name", RunAsync: ptr(true), SuppressInputEcho: ptr(suppress),
		}, nil)
		require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", body)
		cmdID := decode[execAnswer](t, body).CmdID

		running, err := e.c.GetSessionCommandWithResponse(t.Context(), "in", cmdID)
		require.NoError(t, err)
		require.NotNil(t, running.JSON200)
		assert.Nil(t, running.JSON200.ExitCode, "absent while the command runs")
		assert.NotContains(t, string(running.Body), "exitCode")

		in, err := e.raw.SendInput(t.Context(), "in", cmdID, tbclient.SessionSendInputRequest{Data: "world\n"})
		require.NoError(t, err)
		requireEmpty(t, in, readAll(t, in), http.StatusNoContent)

		c, _, err := e.dialLogs("/process/session/in/command/"+cmdID+"/logs?follow=true", nil)
		require.NoError(t, err)
		frames, status := readFrames(t, c)
		c.CloseNow()
		assert.Equal(t, websocket.StatusNormalClosure, status)
		want := "\x01\x01\x01world\n\x01\x01\x01hello world\n" // the input is echoed (quirk 8)
		if suppress {
			want = "\x01\x01\x01hello world\n"
		}
		assert.Equal(t, want, string(bytes.Join(frames, nil)))

		late, err := e.raw.SendInput(t.Context(), "in", cmdID, tbclient.SessionSendInputRequest{Data: "late\n"})
		require.NoError(t, err)
		env := requireEnvelope(t, late, readAll(t, late), http.StatusGone, "COMMAND_ALREADY_COMPLETED")
		assert.Equal(t, "command has already completed with exit code 0", env.Message)
	}
}

func TestSessionDeleteClosesFollowers(t *testing.T) {
	e := newEnv(t)
	e.createSession("d")
	resp, body := e.sessionExec("d", tbclient.SessionExecuteRequest{Command: "echo up; sleep 300", RunAsync: ptr(true)}, nil)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", body)
	cmdID := decode[execAnswer](t, body).CmdID
	c, _, err := e.dialLogs("/process/session/d/command/"+cmdID+"/logs?follow=true", nil)
	require.NoError(t, err)
	defer c.CloseNow()
	typ, data, err := c.Read(t.Context())
	require.NoError(t, err)
	assert.Equal(t, websocket.MessageBinary, typ)
	assert.Equal(t, "\x01\x01\x01up\n", string(data))

	del, err := e.raw.DeleteSession(t.Context(), "d")
	require.NoError(t, err)
	requireEmpty(t, del, readAll(t, del), http.StatusNoContent)
	_, _, err = c.Read(t.Context())
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err))
}

func TestEntrypointSession(t *testing.T) {
	t.Run("absent", func(t *testing.T) {
		e := newEnv(t)
		for _, p := range []string{"/process/session/entrypoint", "/process/session/entrypoint/logs"} {
			resp := e.do(http.MethodGet, p, nil, nil)
			env := requireEnvelope(t, resp, readAll(t, resp), http.StatusNotFound, "NOT_FOUND")
			assert.Equal(t, "not found: session not found", env.Message)
		}
	})
	t.Run("present", func(t *testing.T) {
		e := newEnv(t, func(c *toolbox.Config) {
			c.Entrypoint = []string{"sh", "-c", "echo boot; echo 'w a' >&2"}
		})
		var s tbclient.Session
		require.Eventually(t, func() bool {
			resp, err := e.c.GetEntrypointSessionWithResponse(t.Context())
			require.NoError(t, err)
			require.NotNil(t, resp.JSON200, "%s", resp.Body)
			s = *resp.JSON200
			return len(s.Commands) == 1 && s.Commands[0].ExitCode != nil
		}, 10*time.Second, 10*time.Millisecond)
		assert.Equal(t, "entrypoint", s.SessionID)
		assert.Equal(t, `'sh' '-c' 'echo boot; echo '\''w a'\'' >&2'`, s.Commands[0].Command)

		// Never combined (quirk 3): raw with markers even without a version.
		resp := e.do(http.MethodGet, "/process/session/entrypoint/logs", nil, nil)
		raw := readAll(t, resp)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.ElementsMatch(t, []string{"\x01\x01\x01boot", "\x02\x02\x02w a"}, lines(string(raw)))
		split, err := e.c.GetEntrypointLogsWithResponse(t.Context(), &tbclient.GetEntrypointLogsParams{})
		require.NoError(t, err)
		require.NotNil(t, split.JSON200, "%s", split.Body)
		assert.Equal(t, "boot\n", split.JSON200.Stdout)
		assert.Equal(t, "w a\n", split.JSON200.Stderr)

		c, _, err := e.dialLogs("/process/session/entrypoint/logs?follow=true", nil)
		require.NoError(t, err)
		defer c.CloseNow()
		frames, status := readFrames(t, c)
		assert.Equal(t, websocket.StatusNormalClosure, status)
		assert.Equal(t, raw, bytes.Join(frames, nil))

		list, err := e.c.ListSessionsWithResponse(t.Context())
		require.NoError(t, err)
		assert.Empty(t, *list.JSON200, "the entrypoint session is not listed")
	})
}

func TestSessionLargeOutput(t *testing.T) {
	e := newEnv(t)
	e.createSession("big")
	resp, body := e.sessionExec("big", tbclient.SessionExecuteRequest{Command: "seq 1 20000"}, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	ans := decode[execAnswer](t, body)
	var want strings.Builder
	for i := 1; i <= 20000; i++ {
		want.WriteString(strconv.Itoa(i) + "\n")
	}
	assert.Equal(t, want.String(), *ans.Stdout)
	logs := e.do(http.MethodGet, "/process/session/big/command/"+ans.CmdID+"/logs", nil, sdkHeader)
	l := decode[tbclient.SessionCommandLogsResponse](t, readAll(t, logs))
	assert.Equal(t, want.String(), l.Stdout)
	assert.Empty(t, l.Stderr)
}
