package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/daytona-go/daytona/examples/internal/extest"
	daytona "github.com/daytona-go/daytona/facade"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRunScripted runs the example as CI does, with a standard input that is
// not a terminal.
func TestRunScripted(t *testing.T) {
	devNull, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer devNull.Close()
	stdin = devNull
	defer func() { stdin = os.Stdin }()

	out := extest.Run(t, run)
	extest.Lines(t, out,
		`^standard input is not a terminal: running a scripted session$`,
		`^created pty-[0-9a-f]{16} \(80x24\)$`,
		`size: 24 80\r?$`,
		`answer: 42\r?$`,
		`^\[resized to 120x40\]$`,
		`size: 40 120\r?$`,
		`^shell exited with code 3$`,
	)
}

// TestInteractive drives the interactive mode through a pseudo-terminal of
// this machine, as a user at a terminal would: its size reaches the remote
// shell, a window resize (SIGWINCH) follows, keys typed reach the shell and
// its exit code comes back.
func TestInteractive(t *testing.T) {
	ptmx, tty, err := pty.Open()
	require.NoError(t, err)
	defer ptmx.Close()
	require.NoError(t, pty.Setsize(tty, &pty.Winsize{Cols: 100, Rows: 30}))

	// Everything the "terminal" shows, read as it comes.
	var mu sync.Mutex
	var screen bytes.Buffer
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	shown := func() string { mu.Lock(); defer mu.Unlock(); return screen.String() }
	waitFor := func(text string) {
		t.Helper()
		require.Eventually(t, func() bool { return strings.Contains(shown(), text) }, time.Minute, 20*time.Millisecond, "waiting for %q; the screen shows:\n%s", text, shown())
	}

	env := extest.NewEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sb, err := env.Client.Create(ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
	require.NoError(t, err)

	var log bytes.Buffer
	errc := make(chan error, 1)
	go func() { errc <- interactive(ctx, &log, sb, tty, tty) }()

	// printf keeps the answer out of the echo of the typed line.
	_, err = io.WriteString(ptmx, "printf 'size: %s\\n' \"$(stty size)\"\r")
	require.NoError(t, err)
	waitFor("size: 30 100")

	// Resize the window: the program gets SIGWINCH and resizes the remote
	// terminal. Its arrival is asynchronous, so ask until it shows.
	require.NoError(t, pty.Setsize(tty, &pty.Winsize{Cols: 132, Rows: 43}))
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGWINCH))
	require.Eventually(t, func() bool {
		if _, err := io.WriteString(ptmx, "printf 'size: %s\\n' \"$(stty size)\"\r"); err != nil {
			return false
		}
		time.Sleep(100 * time.Millisecond) // give the shell time to answer before asking again
		return strings.Contains(shown(), "size: 43 132")
	}, time.Minute, 10*time.Millisecond, "the remote terminal never reported 43 rows and 132 columns")

	_, err = io.WriteString(ptmx, "exit 7\r")
	require.NoError(t, err)
	require.NoError(t, <-errc)
	assert.Contains(t, log.String(), "connected to pty-")
	assert.Contains(t, log.String(), "(100x30)")
	assert.Contains(t, log.String(), "shell exited with code 7")

	// The goroutine that copied keys is still reading the terminal (see
	// interactive): one more key lets it see that the PTY is closed and
	// end. Then the terminal can close, which ends the screen reader.
	_, err = io.WriteString(ptmx, "\n")
	require.NoError(t, err)
	require.NoError(t, tty.Close())
	<-readDone
	require.NoError(t, sb.Delete(ctx))
}
