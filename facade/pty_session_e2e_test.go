package daytona_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	daytona "github.com/daytona-go/daytona/facade"
)

func TestPTYCreateSessionThenConnect(t *testing.T) {
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		p := tt.sb.Process
		id := strings.ReplaceAll(uniqueName("pty-s"), "/", "-")
		info, err := p.CreatePTYSession(tt.ctx, daytona.PTYSessionOptions{
			ID: id, Cwd: tt.dir, Env: map[string]string{"DTN_FOO": "bar"},
			Size: daytona.PTYSize{Cols: 100, Rows: 30}, LazyStart: true,
		})
		require.NoError(t, err)
		assert.Equal(t, id, info.ID)
		assert.True(t, strings.HasSuffix(info.Cwd, tt.dir), info.Cwd)
		assert.Equal(t, "bar", info.Env["DTN_FOO"])
		assert.Equal(t, daytona.PTYSize{Cols: 100, Rows: 30}, info.Size)
		assert.True(t, info.LazyStart)
		assert.False(t, info.Active, "a lazy session starts on the first connection")

		// Listed, though nobody is connected.
		list, err := p.ListPTYSessions(tt.ctx)
		require.NoError(t, err)
		assert.Contains(t, ids(list), id)

		pty, err := p.ConnectPTY(tt.ctx, id)
		require.NoError(t, err)
		s := newScreen(t, pty)
		s.anyOutput() // the first prompt: a lazy session loses nothing
		s.send("echo $DTN_FOO-$((2+3)); stty size\n")
		s.expect("bar-5\r\n")
		s.expect("30 100\r\n")
		info, err = p.PTYSessionInfo(tt.ctx, id)
		require.NoError(t, err)
		assert.True(t, info.Active)

		require.NoError(t, p.KillPTYSession(tt.ctx, id))
		code, err := pty.Wait(tt.ctx)
		require.NoError(t, err)
		assert.Equal(t, 137, code)
		_, err = p.PTYSessionInfo(tt.ctx, id)
		require.ErrorIs(t, err, daytona.ErrNotFound)

		// A generated ID; a duplicate is a conflict.
		info, err = p.CreatePTYSession(tt.ctx, daytona.PTYSessionOptions{})
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(info.ID, "pty-"), info.ID)
		assert.True(t, info.Active, "a session that is not lazy starts at once")
		assert.False(t, info.LazyStart)
		assert.Equal(t, daytona.PTYSize{Cols: 80, Rows: 24}, info.Size)
		_, err = p.CreatePTYSession(tt.ctx, daytona.PTYSessionOptions{ID: info.ID})
		require.ErrorIs(t, err, daytona.ErrConflict)
		require.NoError(t, p.KillPTYSession(tt.ctx, info.ID))
	})
}

// TestPTYCreateSessionLazyStart shows what LazyStart is for: the session's
// shell prints a banner as it starts. Connected to later, a lazy session
// shows it; one started at creation has printed it to nobody.
func TestPTYCreateSessionLazyStart(t *testing.T) {
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		tt.needEmulator(t) // the banner shell comes from SHELL in the session's env
		wd, err := tt.sb.WorkDir(tt.ctx)
		require.NoError(t, err)
		shell := wd + "/" + tt.path("banner.sh")
		// With PAD set the shell then writes 256 KiB, more than the
		// terminal buffers, so it can only finish (and create its file)
		// once the toolbox has read the banner.
		script := "#!/bin/sh\necho \"banner-$((6*7))\"\n" +
			"if [ -n \"$PAD\" ]; then yes x | head -c 262144; fi\n" +
			": > \"$0.started-$PTY_NAME\"\nexec /bin/sh\n"
		require.NoError(t, tt.sb.FS.Upload(tt.ctx, shell, strings.NewReader(script)))
		require.NoError(t, tt.sb.FS.SetPermissions(tt.ctx, shell, daytona.SetPermissionsOptions{Mode: 0o755}))
		p := tt.sb.Process

		for _, lazy := range []bool{true, false} {
			name := map[bool]string{true: "lazy", false: "eager"}[lazy]
			info, err := p.CreatePTYSession(tt.ctx, daytona.PTYSessionOptions{
				Env: map[string]string{"SHELL": shell, "PTY_NAME": name, "PAD": map[bool]string{false: "1"}[lazy]}, LazyStart: lazy,
			})
			require.NoError(t, err)
			if !lazy {
				// Wait until the toolbox has read the banner (to no
				// client) before connecting.
				waitForFile(t, tt, shell+".started-"+name)
			}
			pty, err := p.ConnectPTY(tt.ctx, info.ID)
			require.NoError(t, err)
			t.Cleanup(func() { _ = pty.Close() })
			_, err = pty.Write([]byte("echo done-$((1+2))\n"))
			require.NoError(t, err)
			out := readUntil(t, pty, "done-3")
			if lazy {
				assert.Contains(t, out, "banner-42", "the first client of a lazy session sees everything")
			} else {
				assert.NotContains(t, out, "banner-42", "output with no client attached is lost")
			}
			require.NoError(t, p.KillPTYSession(tt.ctx, info.ID))
			_, err = pty.Wait(tt.ctx)
			require.NoError(t, err)
		}
	})
}

// readUntil reads pty until its output contains text, and returns all of
// it.
func readUntil(t *testing.T, pty *daytona.PTY, text string) string {
	t.Helper()
	var out strings.Builder
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := pty.Read(buf)
			out.Write(buf[:n])
			switch {
			case strings.Contains(out.String(), text):
				done <- nil
				return
			case err != nil:
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		require.NoError(t, err, "output so far: %q", out.String())
	case <-time.After(30 * time.Second):
		_ = pty.Close()
		<-done
		t.Fatalf("no %q in %q", text, out.String())
	}
	return out.String()
}

// waitForFile polls until the sandbox file p exists.
func waitForFile(t *testing.T, tt *tbTarget, p string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tt.ctx, 30*time.Second)
	defer cancel()
	for {
		if _, err := tt.sb.FS.Info(ctx, p); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never appeared", p)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestPTYCreateSessionValidation(t *testing.T) {
	t.Parallel()
	c, err := daytona.New(daytona.Config{APIURL: "http://127.0.0.1:1", APIKey: "k"})
	require.NoError(t, err)
	p := daytona.NewToolboxSandbox(c, "http://127.0.0.1:1").Process
	for _, opts := range []daytona.PTYSessionOptions{
		{ID: "a/b"},
		{ID: "nul\x00"},
		{Size: daytona.PTYSize{Cols: 1001}},
		{Size: daytona.PTYSize{Rows: -1}},
		{Env: map[string]string{"A=B": "x"}},
		{Env: map[string]string{"": "x"}},
		{Cwd: "x\x00y"},
	} {
		_, err := p.CreatePTYSession(t.Context(), opts)
		require.ErrorIs(t, err, daytona.ErrValidation, "%+v", opts)
		require.NotErrorIs(t, err, daytona.ErrConnection, "%+v: checked before any network call", opts)
	}
}
