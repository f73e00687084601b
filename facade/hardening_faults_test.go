package daytona

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest"
	"github.com/daytona-go/daytona/internal/retry"
)

// Faults injected by the emulator, seen end to end through the facade: the
// README's fault table points at these tests. The retry layer's waits are
// recorded, not slept (hardEnv), so the tests assert which waits the SDK
// chose, never how long anything took.

const sandboxPath = "/sandbox/{sandboxIdOrName}"

func requireKind(t *testing.T, err error, kind error, msgAndArgs ...any) *Error {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.ErrorIs(t, err, kind, msgAndArgs...)
	var de *Error
	require.ErrorAs(t, err, &de, msgAndArgs...)
	return de
}

// TestFault429RetryAfter: a 429 is retried for every method (the server
// refused before acting) after the wait its Retry-After asks for, and a
// 429 storm ends with ErrRateLimited carrying that wait.
func TestFault429RetryAfter(t *testing.T) {
	t.Parallel()
	e := newHardEnv(t, Config{})
	exec := e.tbPath("process/execute")

	t.Run("GET twice refused then served", func(t *testing.T) {
		e.srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Status: 429, RetryAfter: "7", Count: 2})
		before := len(e.sleeps.all())
		n := e.calls("GET", sandboxPath, func() {
			got, err := e.c.Get(e.ctx, e.sb.ID())
			require.NoError(t, err)
			assert.Equal(t, e.sb.ID(), got.ID())
		})
		assert.Equal(t, 3, n)
		assert.Equal(t, []time.Duration{7 * time.Second, 7 * time.Second}, e.sleeps.all()[before:])
	})

	t.Run("POST exec refused once then run once", func(t *testing.T) {
		e.srv.InjectFault(daytonatest.Fault{Method: "POST", Path: exec, Status: 429, RetryAfter: "2"})
		before := len(e.sleeps.all())
		n := e.calls("POST", exec, func() {
			res, err := e.sb.Process.Exec(e.ctx, "echo once >> ran.txt; cat ran.txt", ExecOptions{})
			require.NoError(t, err)
			assert.Equal(t, "once\n", res.Result, "the command ran exactly once")
		})
		assert.Equal(t, 2, n)
		assert.Equal(t, []time.Duration{2 * time.Second}, e.sleeps.all()[before:])
	})

	t.Run("Retry-After as an HTTP date", func(t *testing.T) {
		at := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
		e.srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Status: 429, RetryAfter: at})
		before := len(e.sleeps.all())
		require.NoError(t, e.sb.Refresh(e.ctx))
		waits := e.sleeps.all()[before:]
		require.Len(t, waits, 1)
		assert.Greater(t, waits[0], 20*time.Second, "the wait runs to the date")
		assert.LessOrEqual(t, waits[0], 30*time.Second)
	})

	t.Run("storm: bounded, then ErrRateLimited", func(t *testing.T) {
		e.srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Status: 429, RetryAfter: "3", Count: daytonatest.Always})
		defer e.srv.ClearFaults()
		var err error
		n := e.calls("GET", sandboxPath, func() { err = e.sb.Refresh(e.ctx) })
		de := requireKind(t, err, ErrRateLimited)
		assert.Equal(t, 429, de.StatusCode)
		assert.Equal(t, 3*time.Second, de.RetryAfter)
		assert.Equal(t, retry.DefaultMaxAttempts, n, "the default policy's attempts, no more")
	})

	t.Run("a Retry-After past the ctx deadline is not waited for", func(t *testing.T) {
		e.srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Status: 429, RetryAfter: "600"})
		ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
		defer cancel()
		before := len(e.sleeps.all())
		var err error
		n := e.calls("GET", sandboxPath, func() { err = e.sb.Refresh(ctx) })
		de := requireKind(t, err, ErrRateLimited)
		assert.Equal(t, 10*time.Minute, de.RetryAfter)
		assert.Equal(t, 1, n)
		assert.Empty(t, e.sleeps.all()[before:])
	})

	t.Run("a Retry-After past the policy's MaxElapsed is not waited for", func(t *testing.T) {
		e.srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Status: 429, RetryAfter: "3600"})
		var err error
		n := e.calls("GET", sandboxPath, func() { err = e.sb.Refresh(e.ctx) })
		requireKind(t, err, ErrRateLimited)
		assert.Equal(t, 1, n)
	})
}

// TestFault503Storm: 502/503/504 on idempotent requests are retried with
// growing, jittered backoff up to the policy's attempts, then surface as a
// typed error; the request count proves the bound.
func TestFault503Storm(t *testing.T) {
	t.Parallel()
	e := newHardEnv(t, Config{})
	tests := []struct {
		name     string
		status   int
		policy   RetryPolicy
		attempts int
		kind     error
	}{
		{"503 default policy", 503, RetryPolicy{}, retry.DefaultMaxAttempts, ErrServer},
		{"502 default policy", 502, RetryPolicy{}, retry.DefaultMaxAttempts, ErrServer},
		{"504 default policy", 504, RetryPolicy{}, retry.DefaultMaxAttempts, ErrTimeout},
		{"503 two attempts", 503, RetryPolicy{MaxAttempts: 2}, 2, ErrServer},
		{"503 retries off", 503, RetryPolicy{MaxAttempts: 1}, 1, ErrServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, Config{APIURL: e.srv.URL, APIKey: e.srv.APIKey, Retry: tt.policy})
			sleeps := &sleepRecorder{}
			c.retrier.Sleep = sleeps.sleep
			e.srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Status: tt.status, Count: daytonatest.Always})
			defer e.srv.ClearFaults()
			var err error
			n := e.calls("GET", sandboxPath, func() { _, err = c.Get(e.ctx, e.sb.ID()) })
			de := requireKind(t, err, tt.kind)
			assert.ErrorIs(t, err, ErrServer)
			assert.Equal(t, tt.status, de.StatusCode)
			assert.Contains(t, de.Message, "injected fault")
			assert.Equal(t, tt.attempts, n)
			waits := sleeps.all()
			require.Len(t, waits, tt.attempts-1)
			for i, w := range waits { // equal jitter: [d/2, d], d = 250ms doubling
				d := 250 * time.Millisecond << i
				assert.GreaterOrEqual(t, w, d/2, "wait %d", i)
				assert.LessOrEqual(t, w, d, "wait %d", i)
			}
		})
	}

	t.Run("a storm that ends in time is invisible", func(t *testing.T) {
		e.srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Status: 503, Count: 3})
		n := e.calls("GET", sandboxPath, func() { require.NoError(t, e.sb.Refresh(e.ctx)) })
		assert.Equal(t, 4, n)
	})

	t.Run("DELETE is idempotent and retried", func(t *testing.T) {
		sb, err := e.c.Create(e.ctx, FromSnapshot{}, CreateOptions{})
		require.NoError(t, err)
		e.srv.InjectFault(daytonatest.Fault{Method: "DELETE", Path: sandboxPath, Status: 503, Count: 2})
		n := e.calls("DELETE", sandboxPath, func() { require.NoError(t, sb.Delete(e.ctx)) })
		assert.Equal(t, 3, n)
	})
}

// TestFaultPostNotRetried: a non-idempotent request that reached the server
// and failed (5xx, or the connection dropped before an answer) is sent
// exactly once: the server may have acted on it.
func TestFaultPostNotRetried(t *testing.T) {
	t.Parallel()
	e := newHardEnv(t, Config{})
	exec := e.tbPath("process/execute")
	tests := []struct {
		name  string
		fault daytonatest.Fault
		kind  error
	}{
		{"503", daytonatest.Fault{Status: 503}, ErrServer},
		{"502", daytonatest.Fault{Status: 502}, ErrServer},
		{"500", daytonatest.Fault{Status: 500}, ErrServer},
		{"504", daytonatest.Fault{Status: 504}, ErrTimeout},
		{"connection reset before the answer", daytonatest.Fault{Reset: true}, ErrConnection},
		{"reset after a delay", daytonatest.Fault{Reset: true, Delay: 20 * time.Millisecond}, ErrConnection},
	}
	for _, tt := range tests {
		t.Run("exec/"+tt.name, func(t *testing.T) {
			f := tt.fault
			f.Method, f.Path = "POST", exec
			e.srv.InjectFault(f)
			var err error
			n := e.calls("POST", exec, func() { _, err = e.sb.Process.Exec(e.ctx, "true", ExecOptions{}) })
			requireKind(t, err, tt.kind)
			assert.Equal(t, 1, n, "sent exactly once")
		})
		t.Run("create/"+tt.name, func(t *testing.T) {
			f := tt.fault
			f.Method, f.Path = "POST", "/sandbox"
			e.srv.InjectFault(f)
			var err error
			n := e.calls("POST", "/sandbox", func() { _, err = e.c.Create(e.ctx, FromSnapshot{}, CreateOptions{}) })
			requireKind(t, err, tt.kind)
			assert.Equal(t, 1, n, "sent exactly once")
		})
	}

	t.Run("a 500 is not retried even on a GET", func(t *testing.T) {
		e.srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Status: 500})
		var err error
		n := e.calls("GET", sandboxPath, func() { err = e.sb.Refresh(e.ctx) })
		requireKind(t, err, ErrServer)
		assert.Equal(t, 1, n)
	})

	t.Run("a GET whose connection dropped is retried", func(t *testing.T) {
		e.srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Reset: true})
		n := e.calls("GET", sandboxPath, func() { require.NoError(t, e.sb.Refresh(e.ctx)) })
		assert.Equal(t, 2, n)
	})
}

// TestFaultNeverAnswers: a server that accepts the request and never
// answers is bounded by the ctx deadline alone: the error matches
// ErrTimeout and context.DeadlineExceeded, and no retry follows.
func TestFaultNeverAnswers(t *testing.T) {
	t.Parallel()
	e := newHardEnv(t, Config{})
	stall := daytonatest.Fault{Delay: time.Hour}
	calls := []struct {
		name, method, path string
		call               func(ctx context.Context) error
	}{
		{"Get", "GET", sandboxPath, func(ctx context.Context) error { _, err := e.c.Get(ctx, e.sb.ID()); return err }},
		{"Exec", "POST", e.tbPath("process/execute"), func(ctx context.Context) error {
			_, err := e.sb.Process.Exec(ctx, "true", ExecOptions{})
			return err
		}},
		{"Upload", "POST", e.tbPath("files/upload-v2"), func(ctx context.Context) error {
			return e.sb.FS.Upload(ctx, "stalled.txt", strings.NewReader("x"))
		}},
		{"Download", "GET", e.tbPath("files/download"), func(ctx context.Context) error {
			rc, err := e.sb.FS.Download(ctx, "stalled.txt")
			if err == nil {
				rc.Close()
			}
			return err
		}},
		{"WaitUntil", "GET", sandboxPath, func(ctx context.Context) error { return e.sb.WaitUntil(ctx, StateStopped) }},
		{"session log follow handshake", "GET", e.tbPath("process/session/s/command/c/logs"), func(ctx context.Context) error {
			return e.sb.Process.StreamSessionCommandLogs(ctx, "s", "c", io.Discard, io.Discard)
		}},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			f := stall
			f.Method, f.Path, f.Count = tc.method, tc.path, daytonatest.Always
			e.srv.InjectFault(f)
			defer e.srv.ClearFaults()
			ctx, cancel := context.WithTimeout(e.ctx, 300*time.Millisecond)
			defer cancel()
			var err error
			noHang(t, tc.name, func() { err = tc.call(ctx) })
			requireKind(t, err, ErrTimeout)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Empty(t, e.sleeps.all(), "no retry wait")
		})
	}

	t.Run("a bare TCP listener that never reads", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		conns := make(chan net.Conn, 16)
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					close(conns)
					return
				}
				conns <- c
			}
		}()
		defer func() {
			ln.Close()
			for c := range conns {
				c.Close()
			}
		}()
		c := newTestClient(t, Config{APIURL: "http://" + ln.Addr().String()})
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		noHang(t, "Get", func() { _, err = c.Get(ctx, "sb") })
		requireKind(t, err, ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

// TestFaultResetMidTransfer: a connection reset in the middle of an upload
// or a download is a typed error; a download to a local path leaves no
// partial file and no temporary file, and an existing file untouched.
func TestFaultResetMidTransfer(t *testing.T) {
	t.Parallel()
	e := newHardEnv(t, Config{})
	const size = 4 << 20
	root, err := e.srv.SandboxDir(e.sb.ID())
	require.NoError(t, err)
	require.NoError(t, e.sb.FS.Upload(e.ctx, "big.bin", &patternSource{left: size}))

	for _, ep := range []string{"upload-v2", "bulk-upload"} {
		t.Run("upload/"+ep, func(t *testing.T) {
			// The server lets the client send for a while, then resets: the
			// source has been read in part only.
			path := e.tbPath("files/" + ep)
			e.srv.InjectFault(daytonatest.Fault{Method: "POST", Path: path, Delay: 50 * time.Millisecond, Reset: true})
			src := &patternSource{left: 256 << 20}
			var err error
			n := e.calls("POST", path, func() {
				noHang(t, ep, func() {
					if ep == "upload-v2" {
						err = e.sb.FS.Upload(e.ctx, "cut.bin", src)
					} else {
						err = e.sb.FS.UploadMany(e.ctx, []FileUpload{{Source: src, Destination: "cut.bin"}}, UploadOptions{})
					}
				})
			})
			requireKind(t, err, ErrConnection)
			assert.Equal(t, 1, n, "a streamed upload is never retried")
			assert.Less(t, src.read.Load(), int64(256<<20), "the reset came mid-upload")
			assert.NoFileExists(t, filepath.Join(root, "cut.bin"))
		})
	}

	download := e.tbPath("files/download")
	t.Run("Download", func(t *testing.T) {
		e.srv.InjectFault(daytonatest.Fault{Method: "GET", Path: download, ResetAfterBytes: 256 << 10})
		rc, err := e.sb.FS.Download(e.ctx, "big.bin")
		require.NoError(t, err, "the headers arrived")
		var n int64
		noHang(t, "reading", func() { n, err = io.Copy(io.Discard, rc) })
		require.NoError(t, rc.Close())
		requireKind(t, err, ErrConnection)
		assert.Less(t, n, int64(size))
	})

	t.Run("DownloadFile to a new path", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "big.bin")
		e.srv.InjectFault(daytonatest.Fault{Method: "GET", Path: download, ResetAfterBytes: 256 << 10})
		err := e.sb.FS.DownloadFile(e.ctx, "big.bin", target, DownloadOptions{})
		requireKind(t, err, ErrConnection)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Empty(t, entries, "no partial file, no temporary file")
	})

	t.Run("DownloadFile over an existing file", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "keep.bin")
		require.NoError(t, os.WriteFile(target, []byte("previous content"), 0o600))
		e.srv.InjectFault(daytonatest.Fault{Method: "GET", Path: download, ResetAfterBytes: 1 << 20})
		err := e.sb.FS.DownloadFile(e.ctx, "big.bin", target, DownloadOptions{})
		requireKind(t, err, ErrConnection)
		b, err := os.ReadFile(target)
		require.NoError(t, err)
		assert.Equal(t, "previous content", string(b), "untouched")
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Len(t, entries, 1, "no temporary file")
	})

	t.Run("DownloadMany to local paths", func(t *testing.T) {
		require.NoError(t, e.sb.FS.Upload(e.ctx, "small.txt", strings.NewReader("small")))
		dir := t.TempDir()
		e.srv.InjectFault(daytonatest.Fault{Method: "POST", Path: e.tbPath("files/bulk-download"), ResetAfterBytes: 512 << 10})
		res, err := e.sb.FS.DownloadMany(e.ctx, []FileDownload{
			{Source: "small.txt", LocalPath: filepath.Join(dir, "small.txt")},
			{Source: "big.bin", LocalPath: filepath.Join(dir, "big.bin")},
			{Source: "small.txt", LocalPath: filepath.Join(dir, "after.txt")},
		}, DownloadOptions{})
		// The connection was reset mid-part: a transport failure, as
		// Download reports it (ErrConnection, wrapping the reset).
		requireKind(t, err, ErrConnection)
		assert.ErrorIs(t, err, syscall.ECONNRESET)
		require.Len(t, res, 3)
		assert.NoError(t, res[0].Err, "the file before the cut is complete")
		assert.ErrorIs(t, res[1].Err, syscall.ECONNRESET)
		assert.ErrorIs(t, res[2].Err, syscall.ECONNRESET)
		b, err := os.ReadFile(filepath.Join(dir, "small.txt"))
		require.NoError(t, err)
		assert.Equal(t, "small", string(b))
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Len(t, entries, 1, "only the complete file; no partial or temporary file")
	})
}

// TestFaultWebSocketDrops: a WebSocket cut mid-stream (TCP reset, or a
// close without a close frame) during a session log follow, a PTY and an
// interpreter run surfaces as ErrConnection; nothing hangs.
func TestFaultWebSocketDrops(t *testing.T) {
	t.Parallel()
	e := newHardEnv(t, Config{})
	// A command that talks for much longer than the test runs. A session
	// (and an interpreter context) runs one command at a time, so each
	// case gets its own.
	loop := "i=0; while [ $i -lt 100000 ]; do echo line $i; i=$((i+1)); sleep 0.01; done"
	cut := []struct {
		name  string
		fault daytonatest.Fault
	}{
		{"reset", daytonatest.Fault{ResetAfterBytes: 2048}},
		{"closed without a close frame", daytonatest.Fault{CloseAfterBytes: 2048}},
	}
	for i, ct := range cut {
		t.Run("session log follow/"+ct.name, func(t *testing.T) {
			sid := "s" + strconv.Itoa(i)
			require.NoError(t, e.sb.Process.CreateSession(e.ctx, sid))
			defer func() { _ = e.sb.Process.DeleteSession(e.ctx, sid) }()
			res, err := e.sb.Process.ExecuteSessionCommand(e.ctx, sid, loop, SessionExecOptions{Async: true})
			require.NoError(t, err)
			f := ct.fault
			f.Method, f.Path = "GET", e.tbPath("process/session/"+sid+"/command/"+res.CommandID+"/logs")
			e.srv.InjectFault(f)
			var out syncBuffer
			noHang(t, "log follow", func() {
				err = e.sb.Process.StreamSessionCommandLogs(e.ctx, sid, res.CommandID, &out, io.Discard)
			})
			requireKind(t, err, ErrConnection)
			assert.Contains(t, out.String(), "line 0\n", "output before the cut was delivered")
		})

		t.Run("PTY/"+ct.name, func(t *testing.T) {
			f := ct.fault
			f.Method, f.Path = "GET", e.tbPath("process/pty/create-connect")
			e.srv.InjectFault(f)
			pty, err := e.sb.Process.CreatePTY(e.ctx, PTYOptions{})
			require.NoError(t, err)
			defer pty.Close()
			_, err = io.WriteString(pty, loop+"\n")
			require.NoError(t, err)
			var readErr, waitErr error
			noHang(t, "PTY read", func() { _, readErr = io.Copy(io.Discard, pty) })
			requireKind(t, readErr, ErrConnection)
			noHang(t, "PTY wait", func() { _, waitErr = pty.Wait(e.ctx) })
			requireKind(t, waitErr, ErrConnection)
			require.NoError(t, pty.Kill(e.ctx), "the shell lives on after the cut")
		})

		t.Run("interpreter/"+ct.name, func(t *testing.T) {
			f := ct.fault
			f.Method, f.Path = "GET", e.tbPath("process/interpreter/execute")
			ic, err := e.sb.CodeInterpreter.CreateContext(e.ctx, ContextOptions{})
			require.NoError(t, err)
			defer func() { _ = e.sb.CodeInterpreter.DeleteContext(e.ctx, ic.ID) }()
			e.srv.InjectFault(f)
			var out syncBuffer
			noHang(t, "RunCode", func() {
				_, err = e.sb.CodeInterpreter.RunCode(e.ctx,
					"import time\nfor i in range(100000):\n    print('line', i, flush=True)\n    time.sleep(0.01)\n",
					RunCodeOptions{Context: ic, OnStdout: func(s string) { _, _ = out.Write([]byte(s)) }})
			})
			requireKind(t, err, ErrConnection)
			assert.Contains(t, out.String(), "line 0", "output before the cut was delivered")
		})
	}

	t.Run("handshake refused", func(t *testing.T) {
		e.srv.InjectFault(daytonatest.Fault{Method: "GET", Path: e.tbPath("process/interpreter/execute"), Reset: true, Count: daytonatest.Always})
		defer e.srv.ClearFaults()
		var err error
		noHang(t, "RunCode", func() { _, err = e.sb.CodeInterpreter.RunCode(e.ctx, "print(1)", RunCodeOptions{}) })
		requireKind(t, err, ErrConnection)
	})
}

// TestFaultMalformedBodies: bodies that are not what the contract says
// (broken JSON, wrong types, HTML, cut short, huge, invalid UTF-8) give a
// typed *Error and never a panic.
func TestFaultMalformedBodies(t *testing.T) {
	t.Parallel()
	e := newHardEnv(t, Config{Retry: RetryPolicy{MaxAttempts: 1}})
	require.NoError(t, e.sb.FS.Upload(e.ctx, "f.txt", strings.NewReader("content")))
	get := func(ctx context.Context) error { _, err := e.c.Get(ctx, e.sb.ID()); return err }
	exec := func(ctx context.Context) error { _, err := e.sb.Process.Exec(ctx, "true", ExecOptions{}); return err }
	list := func(ctx context.Context) error { _, err := e.sb.FS.List(ctx, ".", ListFilesOptions{}); return err }
	bulk := func(ctx context.Context) error {
		_, err := e.sb.FS.DownloadMany(ctx, []FileDownload{{Source: "f.txt", Destination: io.Discard}}, DownloadOptions{})
		return err
	}
	logs := func(ctx context.Context) error {
		_, err := e.sb.Process.GetSessionCommandLogs(ctx, "s", "c")
		return err
	}
	huge := strings.Repeat("x", 1<<20)
	tests := []struct {
		name   string
		method string
		path   string
		fault  daytonatest.Fault
		call   func(context.Context) error
		kind   error
	}{
		{"sandbox: broken JSON", "GET", sandboxPath, daytonatest.Fault{Status: 200, Body: `{"id":"x","state":`}, get, ErrServer},
		{"sandbox: an array", "GET", sandboxPath, daytonatest.Fault{Status: 200, Body: `[1,2,3]`}, get, ErrServer},
		{"sandbox: wrong field types", "GET", sandboxPath, daytonatest.Fault{Status: 200, Body: `{"id":7,"state":["started"]}`}, get, ErrServer},
		{"sandbox: HTML", "GET", sandboxPath, daytonatest.Fault{Status: 200, Body: "<html><title>Gateway</title></html>", ContentType: "text/html"}, get, ErrServer},
		{"sandbox: empty 200", "GET", sandboxPath, daytonatest.Fault{Status: 200, EmptyBody: true}, get, ErrServer},
		{"sandbox: cut short", "GET", sandboxPath, daytonatest.Fault{CloseAfterBytes: 20}, get, ErrConnection},
		{"sandbox: reset mid-body", "GET", sandboxPath, daytonatest.Fault{ResetAfterBytes: 20}, get, ErrConnection},
		{"sandbox: 404 HTML page", "GET", sandboxPath, daytonatest.Fault{Status: 404, Body: "<!doctype html><h1>nope</h1>", ContentType: "text/html"}, get, ErrNotFound},
		{"sandbox: 500 broken JSON", "GET", sandboxPath, daytonatest.Fault{Status: 500, Body: `{"message":`}, get, ErrServer},
		{"sandbox: 500 odd field types", "GET", sandboxPath, daytonatest.Fault{Status: 500, Body: `{"statusCode":"x","message":{"a":[1]},"code":5}`}, get, ErrServer},
		{"sandbox: 400 invalid UTF-8", "GET", sandboxPath, daytonatest.Fault{Status: 400, Body: "\xff\xfe bad \xc3", ContentType: "text/plain"}, get, ErrValidation},
		{"sandbox: 502 huge body", "GET", sandboxPath, daytonatest.Fault{Status: 502, Body: huge, ContentType: "text/plain"}, get, ErrServer},
		{"sandbox: statusCode in the body wins", "GET", sandboxPath, daytonatest.Fault{Status: 400, Body: `{"statusCode":404,"message":"gone"}`}, get, ErrNotFound},
		{"exec: wrong types", "POST", "process/execute", daytonatest.Fault{Status: 200, Body: `{"exitCode":"zero","result":1}`}, exec, ErrServer},
		{"exec: truncated", "POST", "process/execute", daytonatest.Fault{Status: 200, Body: `{"exitCode":0,"res`}, exec, ErrServer},
		{"list: object for array", "GET", "files", daytonatest.Fault{Status: 200, Body: `{"name":"x"}`}, list, ErrServer},
		{"bulk download: garbage multipart", "POST", "files/bulk-download", daytonatest.Fault{Status: 200, Body: "--X\r\ngarbage", ContentType: "multipart/form-data; boundary=X"}, bulk, ErrServer},
		{"bulk download: no boundary", "POST", "files/bulk-download", daytonatest.Fault{Status: 200, Body: "x", ContentType: "multipart/form-data"}, bulk, ErrServer},
		{"bulk download: JSON instead", "POST", "files/bulk-download", daytonatest.Fault{Status: 200, Body: `{"a":1}`}, bulk, ErrServer},
		{"session logs: wrong types", "GET", "process/session/s/command/c/logs", daytonatest.Fault{Status: 200, Body: `{"stdout":5}`}, logs, ErrServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.fault
			f.Method, f.Path = tt.method, tt.path
			if !strings.HasPrefix(f.Path, "/") {
				f.Path = e.tbPath(f.Path)
			}
			e.srv.InjectFault(f)
			var err error
			p := catchPanic(func() { err = tt.call(e.ctx) })
			require.Nil(t, p, "panic")
			de := requireKind(t, err, tt.kind)
			assert.NotEmpty(t, de.Error())
			assert.LessOrEqual(t, len(de.Message), 1024, "messages stay short")
		})
	}
	// The sandbox still works after every fault.
	res, err := e.sb.Process.Exec(e.ctx, "echo ok", ExecOptions{})
	require.NoError(t, err)
	assert.Equal(t, "ok\n", res.Result)
}
