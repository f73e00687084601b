package daytona

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/daytona-go/daytona/daytonatest"
	"github.com/daytona-go/daytona/imagebuilder"
)

// Every stream, WebSocket, download and build-log follow ends when its ctx
// is cancelled (or its deadline passes) or it is closed: the call returns
// an error matching context.Canceled (ErrTimeout for a deadline), the TCP
// connection it used is closed (counted at the client's dialer), the
// emulator's handler for it has returned where the case names it, and
// once the client and the emulator are closed no goroutine is left (each
// case checks with goleak against the goroutines before it started; these
// tests are not parallel so that the check sees only their own).

// closeCase is one stream to interrupt. run starts it with ctx and
// interrupts it with cancel (or its own Close) once it is under way; it
// returns the error the interrupted call gave.
type closeCase struct {
	name string
	// opts configure the emulator (optional).
	opts []daytonatest.Option
	// setup prepares the sandbox (optional).
	setup func(t *testing.T, e *hardEnv)
	run   func(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error
	// canceled says the error must match context.Canceled (false for a
	// Close, which gives the stream's own closed error).
	canceled bool
	// deadline makes ctx one whose cancel ends it as a passing deadline
	// does: the error must match ErrTimeout and context.DeadlineExceeded.
	deadline bool
	// handler, if set, is the emulator function serving the stream: no
	// goroutine may still run it once the client's connections are closed.
	handler string
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

// heldBuild keeps every image build in building_snapshot for far longer
// than a test runs: the build log gets its first step at once, then
// nothing more, so a follow stays open.
var heldBuild = []daytonatest.Option{daytonatest.WithLatency(time.Hour, daytonatest.StateBuildingSnapshot)}

// logServer is the emulator function that serves every build-log stream
// (a sandbox's and a snapshot's), as it appears in a goroutine dump.
const logServer = "github.com/daytona-go/daytona/daytonatest.(*logBuffer).serve"

// running reports whether some goroutine is executing fn (a function name
// as a stack dump prints it).
func running(fn string) bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Contains(buf[:n], []byte("\n"+fn+"("))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// buildFollower records the build log a follow delivers and interrupts the
// follow with stop on its first build step ("Step 1/n : FROM ..."; a
// snapshot's progress lines come before the follow and do not count). It
// notes whether the emulator was serving the log stream at that moment.
type buildFollower struct {
	t       *testing.T
	stop    func()
	chunks  []string
	serving bool
}

func (f *buildFollower) onLog(chunk string) {
	f.chunks = append(f.chunks, chunk)
	if strings.HasPrefix(chunk, "Step ") && f.stop != nil {
		f.serving = running(logServer)
		f.stop()
		f.stop = nil
	}
}

// interrupted checks that the follow was under way when stop was called.
func (f *buildFollower) interrupted() {
	f.t.Helper()
	require.Nil(f.t, f.stop, "no build step reached the follow; got %q", f.chunks)
	require.True(f.t, f.serving, "the emulator was not serving the build log when the follow was interrupted")
}

// heldImage is a build with no local context (nothing to upload).
var heldImage = imagebuilder.DebianSlim("3.12").RunCommands("echo held")

// followSandboxBuild creates a sandbox from heldImage with OnBuildLogs and
// interrupts the build-log follow with cancel.
func followSandboxBuild(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
	f := &buildFollower{t: t, stop: cancel}
	sb, err := e.c.Create(ctx, FromImage{Build: heldImage}, CreateOptions{OnBuildLogs: f.onLog})
	f.interrupted()
	require.NotNil(t, sb, "Create returns the sandbox it created")
	assert.Equal(t, StateBuildingSnapshot, sb.State())
	return err
}

// followSnapshotBuild creates a snapshot from heldImage with OnLogs and
// interrupts the build-log follow with cancel.
func followSnapshotBuild(t *testing.T, e *hardEnv, ctx context.Context, cancel context.CancelFunc) error {
	f := &buildFollower{t: t, stop: cancel}
	sn, err := e.c.Snapshots.Create(ctx, CreateSnapshotParams{Name: "held", Build: heldImage}, CreateSnapshotOptions{OnLogs: f.onLog})
	f.interrupted()
	require.NotNil(t, sn, "Create returns the snapshot as last seen")
	assert.Equal(t, SnapshotStateBuilding, sn.State)
	return err
}

// expiringCtx is a context that ends as a passing deadline ends it (Err is
// context.DeadlineExceeded), at the moment the test chooses; it ends with
// its parent too.
type expiringCtx struct {
	parent context.Context
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	err    error
}

// newExpiringCtx returns the context and the func that expires it.
func newExpiringCtx(parent context.Context) (context.Context, context.CancelFunc) {
	c := &expiringCtx{parent: parent, done: make(chan struct{})}
	stop := context.AfterFunc(parent, func() { c.end(parent.Err()) })
	return c, func() {
		stop()
		c.end(context.DeadlineExceeded)
	}
}

func (c *expiringCtx) end(err error) {
	c.once.Do(func() {
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
		close(c.done)
	})
}

func (c *expiringCtx) Deadline() (time.Time, bool) { return c.parent.Deadline() }
func (c *expiringCtx) Done() <-chan struct{}       { return c.done }
func (c *expiringCtx) Value(key any) any           { return c.parent.Value(key) }

func (c *expiringCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

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
	// A build-log follow has no Close: it ends with its ctx, cancelled or
	// past its deadline.
	{name: "sandbox build-log follow, ctx cancelled", opts: heldBuild, handler: logServer, canceled: true,
		run: followSandboxBuild},
	{name: "sandbox build-log follow, ctx deadline", opts: heldBuild, handler: logServer, deadline: true,
		run: followSandboxBuild},
	{name: "snapshot build-log follow, ctx cancelled", opts: heldBuild, handler: logServer, canceled: true,
		run: followSnapshotBuild},
	{name: "snapshot build-log follow, ctx deadline", opts: heldBuild, handler: logServer, deadline: true,
		run: followSnapshotBuild},
}

func TestStreamsEndOnCancelAndClose(t *testing.T) {
	for _, tc := range closeCases {
		t.Run(tc.name, func(t *testing.T) {
			before := goleak.IgnoreCurrent()
			e := newHardEnv(t, Config{}, tc.opts...)
			if tc.setup != nil {
				tc.setup(t, e)
			}
			ctx, cancel := context.WithCancel(e.ctx)
			if tc.deadline {
				ctx, cancel = newExpiringCtx(e.ctx)
			}
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
			if tc.deadline {
				require.ErrorIs(t, err, ErrTimeout)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.NotErrorIs(t, err, context.Canceled)
			}

			// Idle connections go with Close; a connection the stream kept
			// would stay open.
			require.NoError(t, e.c.Close())
			require.Eventually(t, func() bool {
				_, open, _ := e.dials.counts()
				return open == 0
			}, hangGuard, 10*time.Millisecond, "connections left open: %s", e.dials)
			if tc.handler != "" {
				require.Eventually(t, func() bool { return !running(tc.handler) },
					hangGuard, 10*time.Millisecond, "the emulator still runs %s", tc.handler)
			}

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
