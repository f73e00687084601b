package daytona_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	daytona "github.com/daytona-go/daytona/facade"
)

// screen reads a PTY on a goroutine and keeps the recent output, so tests
// can wait for text to appear.
type screen struct {
	t   *testing.T
	pty *daytona.PTY

	mu      sync.Mutex
	out     bytes.Buffer
	changed chan struct{}
	err     error // Read's final error (io.EOF after an exit)
	done    chan struct{}
}

func newScreen(t *testing.T, pty *daytona.PTY) *screen {
	s := &screen{t: t, pty: pty, changed: make(chan struct{}), done: make(chan struct{})}
	go s.read()
	t.Cleanup(func() {
		_ = pty.Close()
		<-s.done
	})
	return s
}

func (s *screen) read() {
	defer close(s.done)
	buf := make([]byte, 32<<10)
	for {
		n, err := s.pty.Read(buf)
		s.mu.Lock()
		s.out.Write(buf[:n])
		if s.out.Len() > 1<<20 {
			s.out.Next(s.out.Len() - 64<<10)
		}
		if err != nil {
			s.err = err
		}
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// expect waits for text in the output (not in the echo of a command: put
// a shell expansion in what the test types) and consumes the output up to
// it.
func (s *screen) expect(text string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.t.Context(), 30*time.Second)
	defer cancel()
	for {
		s.mu.Lock()
		out := s.out.String()
		if i := strings.Index(out, text); i >= 0 {
			s.out.Next(i + len(text))
			s.mu.Unlock()
			return
		}
		ch, err := s.changed, s.err
		s.mu.Unlock()
		if err != nil {
			s.t.Fatalf("the PTY ended (%v) before %q; output %q", err, text, out)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			s.t.Fatalf("no %q; output %q", text, out)
		}
	}
}

// anyOutput waits for the first output (the shell's first prompt).
func (s *screen) anyOutput() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.t.Context(), 30*time.Second)
	defer cancel()
	for {
		s.mu.Lock()
		n, ch := s.out.Len(), s.changed
		s.mu.Unlock()
		if n > 0 {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			s.t.Fatal("no output")
		}
	}
}

func (s *screen) send(text string) {
	s.t.Helper()
	_, err := io.WriteString(s.pty, text)
	require.NoError(s.t, err)
}

// end waits for Read's final error.
func (s *screen) end() error {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.t.Fatal("the PTY did not end")
	}
	return s.err
}

func TestPTYShell(t *testing.T) {
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		p := tt.sb.Process
		pty, err := p.CreatePTY(tt.ctx, daytona.PTYOptions{Cwd: tt.dir, Env: map[string]string{"DTN_FOO": "bar"}})
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(pty.ID(), "pty-"), pty.ID())
		s := newScreen(t, pty)
		s.anyOutput() // nothing is lost before the first read: the first prompt is there
		s.send("echo $DTN_FOO-$((1+1)); stty size; pwd\n")
		s.expect("bar-2\r\n")
		s.expect("24 80\r\n")
		s.expect(tt.dir + "\r\n")

		require.NoError(t, pty.Resize(tt.ctx, 120, 40))
		s.send("stty size\n")
		s.expect("40 120\r\n")

		info, err := p.PTYSessionInfo(tt.ctx, pty.ID())
		require.NoError(t, err)
		assert.Equal(t, pty.ID(), info.ID)
		assert.Equal(t, daytona.PTYSize{Cols: 120, Rows: 40}, info.Size)
		assert.True(t, info.Active)
		assert.Equal(t, "bar", info.Env["DTN_FOO"])
		assert.Equal(t, "xterm-256color", info.Env["TERM"])
		assert.False(t, info.CreatedAt.IsZero())
		list, err := p.ListPTYSessions(tt.ctx)
		require.NoError(t, err)
		assert.Contains(t, ids(list), pty.ID())

		s.send("exit 3\n")
		code, err := pty.Wait(tt.ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, code)
		require.ErrorIs(t, s.end(), io.EOF, "Read ends with io.EOF once the process has exited")
		_, err = pty.Write([]byte("late"))
		require.ErrorIs(t, err, daytona.ErrPTYExited)

		// The session is removed when its shell exits.
		_, err = p.PTYSessionInfo(tt.ctx, pty.ID())
		require.ErrorIs(t, err, daytona.ErrNotFound)
	})
}

func ids(list []daytona.PTYSessionInfo) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.ID)
	}
	return out
}

func TestPTYConnectKillAndErrors(t *testing.T) {
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		p := tt.sb.Process
		id := strings.ReplaceAll(uniqueName("pty-k"), "/", "-")
		first, err := p.CreatePTY(tt.ctx, daytona.PTYOptions{ID: id, Size: daytona.PTYSize{Cols: 100, Rows: 30}})
		require.NoError(t, err)
		assert.Equal(t, id, first.ID())
		a := newScreen(t, first)

		// A second client shares the terminal: output goes to both, input
		// from both is merged.
		second, err := p.ConnectPTY(tt.ctx, id)
		require.NoError(t, err)
		b := newScreen(t, second)
		b.send("echo from-$((20+2))\n")
		a.expect("from-22")
		b.expect("from-22")

		_, err = p.CreatePTY(tt.ctx, daytona.PTYOptions{ID: id})
		require.ErrorIs(t, err, daytona.ErrConflict)

		require.NoError(t, second.Kill(tt.ctx))
		for _, pty := range []*daytona.PTY{first, second} {
			code, err := pty.Wait(tt.ctx)
			require.NoError(t, err)
			assert.Equal(t, 137, code, "killed")
		}
		_, err = p.ConnectPTY(tt.ctx, id)
		require.ErrorIs(t, err, daytona.ErrNotFound)
		require.ErrorIs(t, p.KillPTYSession(tt.ctx, id), daytona.ErrNotFound)
		_, err = p.ResizePTYSession(tt.ctx, id, 10, 10)
		require.ErrorIs(t, err, daytona.ErrGone, "the daemon answers a resize of an unknown session with 410")
	})
}

func TestPTYValidation(t *testing.T) {
	t.Parallel()
	c, err := daytona.New(daytona.Config{APIURL: "http://127.0.0.1:1", APIKey: "k"})
	require.NoError(t, err)
	sb := daytona.NewToolboxSandbox(c, "http://127.0.0.1:1")
	p := sb.Process
	ctx := t.Context()
	for _, opts := range []daytona.PTYOptions{
		{ID: "a/b"},
		{ID: "nul\x00"},
		{Size: daytona.PTYSize{Cols: 1001}},
		{Size: daytona.PTYSize{Rows: -1}},
		{Env: map[string]string{"A=B": "x"}},
		{Cwd: "x\x00y"},
	} {
		_, err := p.CreatePTY(ctx, opts)
		require.ErrorIs(t, err, daytona.ErrValidation, "%+v", opts)
	}
	_, err = p.ConnectPTY(ctx, "")
	require.ErrorIs(t, err, daytona.ErrValidation)
	_, err = p.ResizePTYSession(ctx, "x", 0, 10)
	require.ErrorIs(t, err, daytona.ErrValidation)
	_, err = p.ResizePTYSession(ctx, "x", 10, 1001)
	require.ErrorIs(t, err, daytona.ErrValidation)
	require.ErrorIs(t, p.KillPTYSession(ctx, ""), daytona.ErrValidation)
	_, err = p.PTYSessionInfo(ctx, "")
	require.ErrorIs(t, err, daytona.ErrValidation)
}

// ptyBigFile writes a file of n random bytes in the test's directory and
// returns its path and SHA-256.
func ptyBigFile(t *testing.T, tt *tbTarget, n int) (string, string) {
	t.Helper()
	path := tt.path("big.bin")
	res, err := tt.sb.Process.Exec(tt.ctx, fmt.Sprintf("head -c %d /dev/urandom > %s && sha256sum %s", n, path, path), daytona.ExecOptions{})
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode, res.Result)
	sum, _, _ := strings.Cut(strings.TrimSpace(res.Result), " ")
	require.Len(t, sum, 64, res.Result)
	return path, sum
}

// pacedCat is typed into a shell: it switches the terminal to raw mode
// (bytes pass unchanged), prints the start marker, then writes the file
// one chunk at a time, each after a key from the reader, so the reader
// sets the pace (the toolbox disconnects a reader that falls too far
// behind: the PTY never waits). The echo of the line cannot hold the
// marker: the shell builds it.
func pacedCat(path string, chunk, chunks int) string {
	return fmt.Sprintf("stty raw -echo; printf 'DTN%%s\\n' -BEGIN; for i in $(seq 0 %d); do dd if=%s bs=%d skip=$i count=1 2>/dev/null; read -rsn1 _; done; exec true\n",
		chunks-1, path, chunk)
}

const ptyMarker = "DTN-BEGIN\n"

// readPaced reads a pacedCat run through reads of size bytes: it skips to
// the marker, hashes the next total bytes, acks every chunk, and returns
// the hash after checking that the output ends there (io.EOF).
func readPaced(t *testing.T, pty *daytona.PTY, size, chunk, total int) string {
	t.Helper()
	buf := make([]byte, size)
	var h hash.Hash = sha256.New()
	var pre []byte // output before the data, up to the marker
	found := false
	got := 0
	for {
		n, err := pty.Read(buf)
		p := buf[:n]
		for !found && len(p) > 0 {
			pre = append(pre, p[0])
			p = p[1:]
			found = bytes.HasSuffix(pre, []byte(ptyMarker))
		}
		for len(p) > 0 {
			m := min(len(p), chunk-got%chunk)
			h.Write(p[:m])
			got += m
			p = p[m:]
			if got%chunk == 0 {
				if _, err := pty.Write([]byte("a")); err != nil {
					t.Fatalf("ack after %d bytes: %v", got, err)
				}
			}
		}
		if err == io.EOF {
			require.Equal(t, total, got, "the output ends with the file")
			return hex.EncodeToString(h.Sum(nil))
		}
		if err != nil || got > total { // plain checks: this loop runs once per byte
			t.Fatalf("after %d bytes: %v", got, err)
		}
	}
}

// TestPTYLargeOutput: 100 MB through the PTY read with 1-byte and 64 KiB
// buffers arrive byte for byte. Under the race detector, which makes each
// Read ~25 times slower, the 1-byte run reads 8 MB.
func TestPTYLargeOutput(t *testing.T) {
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		const chunk = 1_000_000
		total := 100 * chunk
		path, sum := ptyBigFile(t, tt, total)
		for _, size := range []int{64 << 10, 1} {
			t.Run(fmt.Sprintf("read=%d", size), func(t *testing.T) {
				n := total
				if size == 1 && raceEnabled {
					n = 8 * chunk
					res, err := tt.sb.Process.Exec(tt.ctx, fmt.Sprintf("head -c %d %s | sha256sum", n, path), daytona.ExecOptions{})
					require.NoError(t, err)
					sum, _, _ = strings.Cut(strings.TrimSpace(res.Result), " ")
				}
				pty, err := tt.sb.Process.CreatePTY(tt.ctx, daytona.PTYOptions{})
				require.NoError(t, err)
				defer pty.Close()
				_, err = io.WriteString(pty, pacedCat(path, chunk, n/chunk))
				require.NoError(t, err)
				assert.Equal(t, sum, readPaced(t, pty, size, chunk, n))
				code, err := pty.Wait(tt.ctx)
				require.NoError(t, err)
				assert.Equal(t, 0, code)
			})
		}
	})
}

// TestPTYStalledReader: a client that stops reading blocks nothing else:
// another client keeps the terminal going, REST calls work, and the
// stalled one, when it reads again, gets its buffered output and then a
// clear error (the toolbox dropped it: 1008 slow consumer).
func TestPTYStalledReader(t *testing.T) {
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		const chunk, chunks = 1_000_000, 64
		path, _ := ptyBigFile(t, tt, chunk*chunks)
		p := tt.sb.Process
		stalled, err := p.CreatePTY(tt.ctx, daytona.PTYOptions{})
		require.NoError(t, err)
		defer stalled.Close()
		reader, err := p.ConnectPTY(tt.ctx, stalled.ID())
		require.NoError(t, err)
		defer reader.Close()

		require.NoError(t, stalled.Resize(tt.ctx, 90, 20), "REST calls work")
		_, err = io.WriteString(reader, pacedCat(path, chunk, chunks))
		require.NoError(t, err)
		readPaced(t, reader, 64<<10, chunk, chunk*chunks) // 64 MB went past the stalled client
		code, err := reader.Wait(tt.ctx)
		require.NoError(t, err)
		assert.Equal(t, 0, code)

		_, err = io.Copy(io.Discard, stalled)
		require.ErrorIs(t, err, daytona.ErrConnection)
		if tt.emu != nil {
			// The daemon sends its "slow consumer" error frame and then
			// drops the TCP connection: behind a full socket buffer the
			// frame may never leave it, so only the emulator is held to it.
			assert.Contains(t, err.Error(), "slow consumer")
		}
		_, err = stalled.Wait(tt.ctx)
		require.ErrorIs(t, err, daytona.ErrConnection)
	})
}

// TestPTYContextAndClose: the end of the PTY's ctx and Close stop
// everything it started (goleak checks the goroutines).
func TestPTYContextAndClose(t *testing.T) {
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ctx, cancel := context.WithCancel(tt.ctx)
		pty, err := tt.sb.Process.CreatePTY(ctx, daytona.PTYOptions{})
		require.NoError(t, err)
		readErr := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, pty)
			readErr <- err
		}()
		cancel()
		err = <-readErr
		require.ErrorIs(t, err, context.Canceled)
		_, err = pty.Wait(tt.ctx)
		require.ErrorIs(t, err, context.Canceled)
		require.NoError(t, pty.Close())
		// The session itself lives on: Close and the ctx only detach.
		info, err := tt.sb.Process.PTYSessionInfo(tt.ctx, pty.ID())
		require.NoError(t, err)
		assert.True(t, info.Active)

		again, err := tt.sb.Process.ConnectPTY(tt.ctx, pty.ID())
		require.NoError(t, err)
		require.NoError(t, again.Close())
		_, err = again.Read(make([]byte, 1))
		require.ErrorIs(t, err, daytona.ErrPTYClosed)
		_, err = again.Wait(tt.ctx)
		require.ErrorIs(t, err, daytona.ErrPTYClosed)
		require.NoError(t, tt.sb.Process.KillPTYSession(tt.ctx, pty.ID()))
	})
}

func TestPTYOnData(t *testing.T) {
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		var mu sync.Mutex
		var got bytes.Buffer
		pty, err := tt.sb.Process.CreatePTY(tt.ctx, daytona.PTYOptions{OnData: func(p []byte) {
			mu.Lock()
			got.Write(p)
			mu.Unlock()
		}})
		require.NoError(t, err)
		defer pty.Close()
		_, err = pty.Read(make([]byte, 1))
		require.ErrorIs(t, err, daytona.ErrValidation, "output goes to OnData")
		_, err = io.WriteString(pty, "echo on-$((4*10+2)); exit 5\n")
		require.NoError(t, err)
		code, err := pty.Wait(tt.ctx)
		require.NoError(t, err)
		assert.Equal(t, 5, code)
		mu.Lock()
		defer mu.Unlock()
		assert.Contains(t, got.String(), "on-42", "all output is delivered before Wait returns")
	})
}
