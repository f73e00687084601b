package daytona

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// Every stream, WebSocket and download ends when its ctx is cancelled or
// it is closed: the call returns an error matching context.Canceled, the
// TCP connection it used is closed (counted at the client's dialer), and
// once the client and the emulator are closed no goroutine is left (each
// case checks with goleak against the goroutines before it started; these
// tests are not parallel so that the check sees only their own).

// closeCase is one stream to interrupt. run starts it with ctx and
// interrupts it with cancel (or its own Close) once it is under way; it
// returns the error the interrupted call gave.
type closeCase struct {
	name string
	// setup prepares the sandbox (optional).
	setup func(t *testing.T, e *hardEnv)
	run   func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error
	// canceled says the error must match context.Canceled (false for a
	// Close, which gives the stream's own closed error).
	canceled bool
}

// cancelingWriter cancels on its first write.
type cancelingWriter struct {
	once   sync.Once
	cancel context.CancelFunc
}

func (w *cancelingWriter) Write(p []byte) (int, error) {
	w.once.Do(w.cancel)
	return len(p), nil
}

// cancelingSource is an endless source that cancels after its first read.
type cancelingSource struct {
	patternSource
	once   sync.Once
	cancel context.CancelFunc
}

func (s *cancelingSource) Read(p []byte) (int, error) {
	defer s.once.Do(s.cancel)
	return s.patternSource.Read(p)
}

const bigFile = 8 << 20

func uploadBig(t *testing.T, e *hardEnv) {
	require.NoError(t, e.sb.FS.Upload(e.ctx, "big.bin", &patternSource{left: bigFile}))
}

// talker is a command that prints for far longer than a test runs.
const talker = "i=0; while [ $i -lt 1000000 ]; do echo line $i; i=$((i+1)); sleep 0.01; done"

var closeCases = []closeCase{
	{name: "Download cancelled mid-body", setup: uploadBig, canceled: true,
		run: func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
			rc, err := e.sb.FS.Download(ctx, "big.bin")
			require.NoError(t, err)
			defer rc.Close()
			_, err = io.CopyN(io.Discard, rc, 64<<10)
			require.NoError(t, err)
			cancel()
			_, err = io.Copy(io.Discard, rc)
			return err
		}},
	{name: "Download closed mid-body", setup: uploadBig,
		run: func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
			rc, err := e.sb.FS.Download(ctx, "big.bin")
			require.NoError(t, err)
			_, err = io.CopyN(io.Discard, rc, 64<<10)
			require.NoError(t, err)
			require.NoError(t, rc.Close())
			_, err = rc.Read(make([]byte, 10))
			return err
		}},
	{name: "DownloadFile", setup: uploadBig, canceled: true,
		run: func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
			dir := t.TempDir()
			err := e.sb.FS.DownloadFile(ctx, "big.bin", filepath.Join(dir, "big.bin"), DownloadOptions{
				OnProgress: func(TransferProgress) { cancel() },
			})
			entries, rerr := os.ReadDir(dir)
			require.NoError(t, rerr)
			assert.Empty(t, entries, "no partial or temporary file")
			return err
		}},
	{name: "DownloadMany", setup: uploadBig, canceled: true,
		run: func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
			_, err := e.sb.FS.DownloadMany(ctx, []FileDownload{{Source: "big.bin", Destination: &cancelingWriter{cancel: cancel}}}, DownloadOptions{})
			return err
		}},
	{name: "Upload", canceled: true,
		run: func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
			return e.sb.FS.Upload(ctx, "up.bin", &cancelingSource{patternSource: patternSource{left: 1 << 40}, cancel: cancel})
		}},
	{name: "UploadMany", canceled: true,
		run: func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
			src := &cancelingSource{patternSource: patternSource{left: 1 << 40}, cancel: cancel}
			return e.sb.FS.UploadMany(ctx, []FileUpload{{Source: src, Destination: "up.bin"}}, UploadOptions{})
		}},
	{name: "Exec in flight", canceled: true,
		run: func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
			// Cancel once the command runs: it touches a file, then sleeps.
			root, err := e.srv.SandboxDir(e.sb.ID())
			require.NoError(t, err)
			go func() {
				for ctx.Err() == nil {
					if _, err := os.Stat(filepath.Join(root, "started")); err == nil {
						cancel()
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}()
			_, err = e.sb.Process.Exec(ctx, "touch started; sleep 600", ExecOptions{})
			return err
		}},
	{name: "session log follow", canceled: true,
		run: func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
			require.NoError(t, e.sb.Process.CreateSession(e.ctx, "s"))
			res, err := e.sb.Process.ExecuteSessionCommand(e.ctx, "s", talker, SessionExecOptions{Async: true})
			require.NoError(t, err)
			return e.sb.Process.StreamSessionCommandLogs(ctx, "s", res.CommandID, &cancelingWriter{cancel: cancel}, io.Discard)
		}},
	{name: "PTY ctx cancelled", canceled: true,
		run: func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
			pty, err := e.sb.Process.CreatePTY(ctx, PTYOptions{})
			require.NoError(t, err)
			defer pty.Close()
			_, err = io.WriteString(pty, talker+"\n")
			require.NoError(t, err)
			_, err = io.CopyN(io.Discard, pty, 1)
			require.NoError(t, err)
			cancel()
			_, err = io.Copy(io.Discard, pty)
			_, werr := pty.Wait(e.ctx)
			assert.Error(t, werr, "Wait after the end of the PTY's ctx")
			require.NoError(t, e.sb.Process.KillPTYSession(e.ctx, pty.ID()))
			return err
		}},
	{name: "PTY closed",
		run: func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
			pty, err := e.sb.Process.CreatePTY(ctx, PTYOptions{})
			require.NoError(t, err)
			_, err = io.WriteString(pty, talker+"\n")
			require.NoError(t, err)
			_, err = io.CopyN(io.Discard, pty, 1)
			require.NoError(t, err)
			require.NoError(t, pty.Close())
			_, err = pty.Read(make([]byte, 10))
			require.ErrorIs(t, err, ErrPTYClosed)
			_, werr := pty.Wait(e.ctx)
			require.ErrorIs(t, werr, ErrPTYClosed)
			_, werr = pty.Write([]byte("x"))
			require.ErrorIs(t, werr, ErrPTYClosed)
			require.NoError(t, e.sb.Process.KillPTYSession(e.ctx, pty.ID()))
			return err
		}},
	{name: "PTY with OnData, ctx cancelled", canceled: true,
		run: func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
			var once sync.Once
			pty, err := e.sb.Process.CreatePTY(ctx, PTYOptions{OnData: func([]byte) { once.Do(cancel) }})
			require.NoError(t, err)
			defer pty.Close()
			_, err = io.WriteString(pty, talker+"\n")
			require.NoError(t, err)
			_, err = pty.Wait(ctx)
			require.NoError(t, e.sb.Process.KillPTYSession(e.ctx, pty.ID()))
			return err
		}},
	{name: "RunCode", canceled: true,
		run: func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
			var once sync.Once
			_, err := e.sb.CodeInterpreter.RunCode(ctx,
				"import time\nwhile True:\n    print('tick', flush=True)\n    time.sleep(0.01)\n",
				RunCodeOptions{OnStdout: func(string) { once.Do(cancel) }})
			return err
		}},
}

func TestStreamsEndOnCancelAndClose(t *testing.T) {
	for _, tc := range closeCases {
		t.Run(tc.name, func(t *testing.T) {
			before := goleak.IgnoreCurrent()
			e := newHardEnv(t, Config{})
			if tc.setup != nil {
				tc.setup(t, e)
			}
			ctx, cancel := context.WithCancel(e.ctx)
			defer cancel()
			var err error
			noHang(t, tc.name, func() {
				if p := catchPanic(func() { err = tc.run(t, e, ctx, cancel) }); p != nil {
					err = errors.New("panic")
				}
			})
			require.Error(t, err)
			t.Logf("the call gave: %v", err)
			var de *Error
			require.ErrorAs(t, err, &de, "an *Error: %v", err)
			if tc.canceled {
				require.ErrorIs(t, err, context.Canceled)
				assert.NotErrorIs(t, err, ErrTimeout)
			}

			// Idle connections go with Close; a connection the stream kept
			// would stay open.
			require.NoError(t, e.c.Close())
			require.Eventually(t, func() bool {
				_, open, _ := e.dials.counts()
				return open == 0
			}, hangGuard, 10*time.Millisecond, "connections left open: %s", e.dials)

			// The sandbox is still usable: nothing is stuck on the server.
			res, err := e.sb.Process.Exec(e.ctx, "echo alive", ExecOptions{})
			require.NoError(t, err)
			assert.Equal(t, "alive\n", res.Result)

			require.NoError(t, e.c.Close())
			e.srv.Close()
			goleak.VerifyNone(t, before)
		})
	}
}
