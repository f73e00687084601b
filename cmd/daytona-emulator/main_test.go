package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The emulator refuses addresses reachable from other machines.
func TestRefusesNonLoopback(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-addr", "0.0.0.0:0"}, &stdout, &stderr)
	require.ErrorContains(t, err, "loopback")
	require.Empty(t, stdout.String())
}

// TestStandalone builds the binary, runs it, and walks create, exec,
// upload, download and delete with nothing but net/http, as a program in
// another language would; then it stops the server with SIGINT and checks
// that a background process started in the sandbox is gone.
func TestStandalone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "daytona-emulator")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	cmd := exec.Command(bin, "-latency", "10ms")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	env := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for len(env) < 2 && sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		require.True(t, ok, "unexpected line %q", sc.Text())
		env[k] = v
	}
	base, key := env["DAYTONA_API_URL"], env["DAYTONA_API_KEY"]
	require.NotEmpty(t, base, "stderr: %s", stderr.String())
	require.NotEmpty(t, key)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	call := func(method, path, contentType string, body io.Reader) (int, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, base+path, body)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+key)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, b
	}

	status, _ := call("GET", "/sandbox", "", nil)
	require.Equal(t, 200, status)

	create := func(name string) string {
		t.Helper()
		status, body := call("POST", "/sandbox", "application/json", strings.NewReader(`{"name":"`+name+`"}`))
		require.Equal(t, 200, status, "%s", body)
		var sb struct{ ID, State string }
		require.NoError(t, json.Unmarshal(body, &sb))
		for sb.State != "started" {
			time.Sleep(20 * time.Millisecond)
			status, body = call("GET", "/sandbox/"+sb.ID, "", nil)
			require.Equal(t, 200, status, "%s", body)
			require.NoError(t, json.Unmarshal(body, &sb))
			require.NotEqual(t, "error", sb.State)
		}
		return sb.ID
	}
	execute := func(id, command string) string {
		t.Helper()
		req, err := json.Marshal(map[string]string{"command": command})
		require.NoError(t, err)
		status, body := call("POST", "/toolbox/"+id+"/process/execute", "application/json", bytes.NewReader(req))
		require.Equal(t, 200, status, "%s", body)
		var ex struct {
			ExitCode int    `json:"exitCode"`
			Result   string `json:"result"`
		}
		require.NoError(t, json.Unmarshal(body, &ex))
		require.Equal(t, 0, ex.ExitCode, ex.Result)
		return ex.Result
	}

	// A sandbox that stays up with a background process, for the shutdown check.
	keeper := create("keeper")
	pid, err := strconv.Atoi(strings.TrimSpace(execute(keeper, "sh -c 'sleep 300 >/dev/null 2>&1 & echo $!'")))
	require.NoError(t, err)
	require.NoError(t, syscall.Kill(pid, 0), "background process should be running")

	id := create("plain-http")
	tb := "/toolbox/" + id
	require.Equal(t, "hi\n", execute(id, "echo hi"))

	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, err := mw.CreateFormFile("file", "hello.txt")
	require.NoError(t, err)
	_, _ = fw.Write([]byte("hello from plain http\n"))
	require.NoError(t, mw.Close())
	status, body := call("POST", tb+"/files/upload?path="+url.QueryEscape("docs/hello.txt"), mw.FormDataContentType(), &form)
	require.Equal(t, 200, status, "%s", body)

	status, body = call("GET", tb+"/files/download?path="+url.QueryEscape("docs/hello.txt"), "", nil)
	require.Equal(t, 200, status, "%s", body)
	require.Equal(t, "hello from plain http\n", string(body))

	status, body = call("DELETE", "/sandbox/"+id, "", nil)
	require.Equal(t, 200, status, "%s", body)
	status, _ = call("GET", "/sandbox/"+id, "", nil)
	for status == 200 {
		time.Sleep(20 * time.Millisecond)
		status, _ = call("GET", "/sandbox/"+id, "", nil)
	}
	require.Equal(t, 404, status)

	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	select {
	case err := <-exited:
		exited <- err // for the cleanup
		require.NoError(t, err, "stderr: %s", stderr.String())
	case <-time.After(40 * time.Second):
		t.Fatalf("no exit after SIGINT; stderr: %s", stderr.String())
	}
	require.Eventually(t, func() bool { return gone(pid) }, 10*time.Second, 20*time.Millisecond,
		"process %d outlived the emulator", pid)
}

// gone reports whether pid has ended: it no longer exists, or it is a
// zombie that nobody has reaped yet (in a container, PID 1 may never reap
// the orphans it inherits).
func gone(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the parenthesised command name.
	rest := stat[bytes.LastIndexByte(stat, ')')+1:]
	return len(bytes.TrimSpace(rest)) > 0 && bytes.TrimSpace(rest)[0] == 'Z'
}

// lockedBuffer is a bytes.Buffer safe for the writer goroutine of os/exec
// and the test reading it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
