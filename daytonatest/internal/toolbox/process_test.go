package toolbox_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
)

func TestExecuteCommand(t *testing.T) {
	e := newEnv(t)
	require.NoError(t, os.Mkdir(e.path("sub"), 0o755))
	shell, err := exec.LookPath("bash")
	require.NoError(t, err)

	tests := []struct {
		name     string
		req      tbclient.ExecuteRequest
		exitCode int
		result   string
	}{
		{name: "merged output in the root", req: tbclient.ExecuteRequest{Command: "echo hi; echo err >&2; pwd; echo $HOME"},
			result: "hi\nerr\n" + e.root + "\n" + e.root + "\n"},
		{name: "relative cwd and env", req: tbclient.ExecuteRequest{Command: "pwd; echo $FOO", Cwd: ptr("sub"), Envs: &map[string]string{"FOO": "bar baz"}},
			result: e.path("sub") + "\nbar baz\n"},
		{name: "multi-line script on stdin", req: tbclient.ExecuteRequest{Command: "x=1\nif [ $x = 1 ]; then\n  echo one\nfi\nexit 3"},
			exitCode: 3, result: "one\n"},
		{name: "missing cwd is not an HTTP error (quirk 26)", req: tbclient.ExecuteRequest{Command: "true", Cwd: ptr("/nonexistent/dir")},
			exitCode: -1, result: "fork/exec " + shell + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := e.c.ExecuteCommandWithResponse(t.Context(), tt.req)
			require.NoError(t, err)
			require.NotNil(t, resp.JSON200, "%d %s", resp.StatusCode(), resp.Body)
			assert.Equal(t, tt.result, resp.JSON200.Result)
			require.NotNil(t, resp.JSON200.ExitCode)
			assert.Equal(t, tt.exitCode, *resp.JSON200.ExitCode)
		})
	}

	for _, tt := range []struct {
		name string
		body string
	}{
		{"empty command", `{"command":"  \n "}`},
		{"invalid env name", `{"command":"true","envs":{"1BAD":"x"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.do(http.MethodPost, "/process/execute", strings.NewReader(tt.body), http.Header{"Content-Type": {"application/json"}})
			env := requireEnvelope(t, resp, readAll(t, resp), http.StatusBadRequest, "BAD_REQUEST")
			assert.True(t, strings.HasPrefix(env.Message, "bad request: "))
			assert.Equal(t, "/process/execute", env.Path)
			assert.Equal(t, http.MethodPost, env.Method)
		})
	}
}

// processGone reports whether pid has exited (gone or a zombie).
func processGone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] == 'Z' || s[i+2] == 'X'
}

func TestExecuteTimeoutKillsTheGroup(t *testing.T) {
	e := newEnv(t)
	resp, err := e.c.ExecuteCommandWithResponse(t.Context(), tbclient.ExecuteRequest{
		Command: "echo started; sleep 300 & echo $! > child.pid; sleep 300",
		Timeout: ptr(1),
	})
	require.NoError(t, err)
	env := requireEnvelope(t, resp.HTTPResponse, resp.Body, http.StatusRequestTimeout, "REQUEST_TIMEOUT")
	assert.Equal(t, "request timeout: command execution timeout", env.Message)
	assert.NotContains(t, string(resp.Body), "started", "output is discarded")

	b, err := os.ReadFile(e.path("child.pid"))
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return processGone(pid) }, 10*time.Second, 10*time.Millisecond,
		"the command's background child (pid %d) must be killed with the group", pid)
}

func TestCloseKillsBackgroundProcesses(t *testing.T) {
	root := t.TempDir()
	tb, err := toolbox.New(toolbox.Config{Root: root})
	require.NoError(t, err)
	e := &testEnv{t: t, tb: tb, root: tb.Root()}
	srv := newServer(t, tb)
	resp, err := srv.ExecuteCommandWithResponse(t.Context(), tbclient.ExecuteRequest{
		Command: "sleep 300 >/dev/null 2>&1 & echo $! > bg.pid",
	})
	require.NoError(t, err)
	require.NotNil(t, resp.JSON200, "%s", resp.Body)
	b, err := os.ReadFile(e.path("bg.pid"))
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	assert.False(t, processGone(pid), "a background process outlives its exec, as on the daemon")
	require.NoError(t, tb.Close())
	require.Eventually(t, func() bool { return processGone(pid) }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, tb.Close(), "Close is idempotent")
}

func TestCodeRun(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name     string
		req      tbclient.CodeRunRequest
		need     string // shell probe that must succeed
		exitCode int
		result   string
		contains string
	}{
		{name: "python argv joined by spaces (quirk 28)", need: "python3 -c 1",
			req:    tbclient.CodeRunRequest{Language: "python", Code: "import sys;print('py',sys.argv[1:]);print('e',file=sys.stderr)", Argv: &[]string{"a", "b c"}},
			result: "py ['a', 'b', 'c']\ne\n"},
		{name: "python exception", need: "python3 -c 1", req: tbclient.CodeRunRequest{Language: "python", Code: "1/0"},
			exitCode: 1, contains: "ZeroDivisionError: division by zero"},
		{name: "python env", need: "python3 -c 1", req: tbclient.CodeRunRequest{Language: "python", Code: "import os;print(os.environ['K'])", Envs: &map[string]string{"K": "v"}},
			result: "v\n"},
		{name: "javascript argv starts at argv[1]", need: "node -e 1",
			req:    tbclient.CodeRunRequest{Language: "javascript", Code: "console.log(JSON.stringify(process.argv.slice(1)))", Argv: &[]string{"x", "y z"}},
			result: "[\"x\",\"y\",\"z\"]\n"},
		{name: "javascript error line numbers hold", need: "node -e 1",
			req:      tbclient.CodeRunRequest{Language: "javascript", Code: "const a = 1;\nthrow new Error('boom')"},
			exitCode: 1, contains: "[stdin]:2"},
		{name: "typescript", need: `npx --no-install ts-node -T -O '{"module":"CommonJS"}' -e 1`,
			req: tbclient.CodeRunRequest{Language: "typescript", Code: "const n: number = 2; console.log(n * 21)",
				Envs: &map[string]string{"NPM_CONFIG_UPDATE_NOTIFIER": "false"}},
			result: "42\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if out, err := exec.Command("sh", "-c", tt.need).CombinedOutput(); err != nil {
				t.Skipf("%q fails here (%v): %.200s", tt.need, err, out)
			}
			resp, err := e.c.CodeRunWithResponse(t.Context(), tt.req)
			require.NoError(t, err)
			require.NotNil(t, resp.JSON200, "%d %s", resp.StatusCode(), resp.Body)
			require.NotNil(t, resp.JSON200.Result)
			if tt.contains != "" {
				assert.Contains(t, *resp.JSON200.Result, tt.contains)
			} else {
				assert.Equal(t, tt.result, *resp.JSON200.Result)
			}
			assert.Equal(t, tt.exitCode, *resp.JSON200.ExitCode)
			assert.Nil(t, resp.JSON200.Artifacts, "no charts, no artifacts")
		})
	}

	t.Run("unsupported language", func(t *testing.T) {
		resp, err := e.c.CodeRunWithResponse(t.Context(), tbclient.CodeRunRequest{Language: "ruby", Code: "puts 1"})
		require.NoError(t, err)
		env := requireEnvelope(t, resp.HTTPResponse, resp.Body, http.StatusBadRequest, "BAD_REQUEST")
		assert.Equal(t, "bad request: unsupported language: ruby", env.Message)
	})
	t.Run("timeout", func(t *testing.T) {
		needPython(t)
		resp, err := e.c.CodeRunWithResponse(t.Context(), tbclient.CodeRunRequest{Language: "python", Code: "import time\ntime.sleep(300)", Timeout: ptr(1)})
		require.NoError(t, err)
		requireEnvelope(t, resp.HTTPResponse, resp.Body, http.StatusRequestTimeout, "REQUEST_TIMEOUT")
	})
	t.Run("marker lines are removed from every run", func(t *testing.T) {
		needPython(t)
		code := `print("before"); print('dtn_artifact_k39fd2:{"type":"chart","value":{"type":"line","title":"t","elements":[]}}'); print("dtn_artifact_k39fd2:not json"); print("after")`
		resp, err := e.c.CodeRunWithResponse(t.Context(), tbclient.CodeRunRequest{Language: "python", Code: code})
		require.NoError(t, err)
		require.NotNil(t, resp.JSON200, "%s", resp.Body)
		assert.Equal(t, "before\nafter\n", *resp.JSON200.Result)
		require.NotNil(t, resp.JSON200.Artifacts)
		require.Len(t, *resp.JSON200.Artifacts.Charts, 1, "the undecodable marker is dropped silently")
		c := (*resp.JSON200.Artifacts.Charts)[0]
		assert.Equal(t, "line", *c.Type)
		assert.Equal(t, "t", *c.Title)
	})
}

func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH (Debian: python3)")
	}
}

// matplotlibPath returns a PATH under which python3 imports matplotlib, or
// "" when none does.
func matplotlibPath() string {
	for _, p := range []string{os.Getenv("PATH"), "/usr/bin:" + os.Getenv("PATH")} {
		cmd := exec.Command("sh", "-c", "python3 -c 'import matplotlib, numpy'") // PATH of cmd.Env picks python3
		cmd.Env = append(os.Environ(), "PATH="+p)
		if cmd.Run() == nil {
			return p
		}
	}
	return ""
}

func TestCodeRunMatplotlibCharts(t *testing.T) {
	path := matplotlibPath()
	if path == "" {
		t.Skip("python3 cannot import matplotlib and numpy: install the Debian packages python3-matplotlib and python3-numpy")
	}
	e := newEnv(t, func(c *toolbox.Config) { c.Env = append(os.Environ(), "PATH="+path) })
	code := `import matplotlib.pyplot as plt
print("before")
plt.plot([1, 2, 3], [4, 5, 6], label="up")
plt.title("Line"); plt.xlabel("x"); plt.ylabel("y")
plt.show()
plt.bar(["a", "b"], [3, 5])
plt.show()
plt.scatter([1, 2], [3, 4], label="pts")
plt.show()
plt.scatter([1, 2], [3, 4], label="pts")
plt.show()
print("after")
`
	resp, err := e.c.CodeRunWithResponse(t.Context(), tbclient.CodeRunRequest{Language: "python", Code: code})
	require.NoError(t, err)
	require.NotNil(t, resp.JSON200, "%s", resp.Body)
	assert.Equal(t, "before\nafter\n", *resp.JSON200.Result, "marker lines never reach the client")
	require.NotNil(t, resp.JSON200.Artifacts)
	charts := *resp.JSON200.Artifacts.Charts
	// The bar chart is dropped (its numeric values do not decode into the
	// daemon's string field, quirk 29) and the repeated scatter figure is
	// emitted once.
	require.Len(t, charts, 2)

	line := charts[0]
	assert.Equal(t, "line", *line.Type)
	assert.Equal(t, "Line", *line.Title)
	assert.Equal(t, "x", *line.XLabel)
	assert.Equal(t, "y", *line.YLabel)
	require.NotNil(t, line.Elements)
	require.Len(t, *line.Elements, 1)
	el := (*line.Elements)[0]
	assert.Equal(t, "up", *el.Label)
	assert.Equal(t, [][]float32{{1, 4}, {2, 5}, {3, 6}}, *el.Points)
	png, err := base64.StdEncoding.DecodeString(*line.Png)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")))

	scatter := charts[1]
	assert.Equal(t, "scatter", *scatter.Type)
	require.Len(t, *scatter.Elements, 1)
	assert.Equal(t, [][]float32{{1, 3}, {2, 4}}, *(*scatter.Elements)[0].Points)
}
