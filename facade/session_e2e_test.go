package daytona_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	daytona "github.com/daytona-go/daytona/facade"
)

func TestE2ESessions(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ctx, p := tt.ctx, tt.sb.Process
		sid := strings.ReplaceAll(uniqueName("sess"), "/", "-")
		require.NoError(t, p.CreateSession(ctx, sid))
		t.Cleanup(func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 30*time.Second)
			defer cancel()
			_ = p.DeleteSession(cctx, sid)
		})
		require.ErrorIs(t, p.CreateSession(ctx, sid), daytona.ErrConflict)

		// Sync: split output, exit code, state that persists.
		res, err := p.ExecuteSessionCommand(ctx, sid, "cd "+tt.dir+" && export V=kept; echo out; echo err >&2; (exit 3)", daytona.SessionExecOptions{})
		require.NoError(t, err)
		assert.NotEmpty(t, res.CommandID)
		assert.True(t, res.Exited)
		assert.Equal(t, 3, res.ExitCode)
		assert.Equal(t, "out\n", res.Stdout)
		assert.Equal(t, "err\n", res.Stderr)
		assert.ElementsMatch(t, []string{"out", "err"}, strings.Fields(res.Output))
		first := res.CommandID

		res, err = p.ExecuteSessionCommand(ctx, sid, "pwd; echo $V", daytona.SessionExecOptions{})
		require.NoError(t, err)
		assert.Equal(t, 0, res.ExitCode)
		lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
		require.Len(t, lines, 2, res.Stdout)
		assert.True(t, strings.HasSuffix(lines[0], tt.dir), "cd carried over: %s", lines[0])
		assert.Equal(t, "kept", lines[1], "the export carried over")

		cmd, err := p.GetSessionCommand(ctx, sid, first)
		require.NoError(t, err)
		assert.True(t, cmd.Exited)
		assert.Equal(t, 3, cmd.ExitCode)
		assert.Contains(t, cmd.Command, "export V=kept")

		logs, err := p.GetSessionCommandLogs(ctx, sid, first)
		require.NoError(t, err)
		assert.Equal(t, "out\n", logs.Stdout)
		assert.Equal(t, "err\n", logs.Stderr)

		s, err := p.GetSession(ctx, sid)
		require.NoError(t, err)
		assert.Equal(t, sid, s.ID)
		require.Len(t, s.Commands, 2)
		assert.ElementsMatch(t, []string{first, res.CommandID}, []string{s.Commands[0].ID, s.Commands[1].ID}, "in no particular order")

		all, err := p.ListSessions(ctx)
		require.NoError(t, err)
		var ids []string
		for _, s := range all {
			ids = append(ids, s.ID)
		}
		assert.Contains(t, ids, sid)

		// Async, followed over the WebSocket from the start.
		res, err = p.ExecuteSessionCommand(ctx, sid, "for i in 1 2 3; do echo tick$i; echo warn$i >&2; sleep 0.2; done; printf nonl; (exit 5)",
			daytona.SessionExecOptions{Async: true})
		require.NoError(t, err)
		assert.False(t, res.Exited)
		var so, se bytes.Buffer
		require.NoError(t, p.StreamSessionCommandLogs(ctx, sid, res.CommandID, &so, &se))
		assert.Equal(t, "tick1\ntick2\ntick3\nnonl\n", so.String())
		assert.Equal(t, "warn1\nwarn2\nwarn3\n", se.String())
		cmd, err = p.GetSessionCommand(ctx, sid, res.CommandID)
		require.NoError(t, err)
		assert.True(t, cmd.Exited)
		assert.Equal(t, 5, cmd.ExitCode)

		// Following a finished command replays its log; the callback form.
		var mu sync.Mutex
		var out []string
		require.NoError(t, p.StreamSessionCommandLogsFunc(ctx, sid, res.CommandID, func(s string) {
			mu.Lock()
			out = append(out, s)
			mu.Unlock()
		}, nil))
		mu.Lock()
		assert.Equal(t, "tick1\ntick2\ntick3\nnonl\n", strings.Join(out, ""))
		mu.Unlock()

		// Unknown commands and sessions.
		_, err = p.GetSessionCommand(ctx, sid, "no-such-command")
		require.ErrorIs(t, err, daytona.ErrNotFound)
		require.ErrorIs(t, p.StreamSessionCommandLogs(ctx, sid, "no-such-command", nil, nil), daytona.ErrNotFound)
		_, err = p.GetSession(ctx, "no-such-session")
		require.ErrorIs(t, err, daytona.ErrNotFound)
		_, err = p.ExecuteSessionCommand(ctx, "no-such-session", "true", daytona.SessionExecOptions{})
		require.Error(t, err, "the toolbox answers 500 here, not 404")

		require.NoError(t, p.DeleteSession(ctx, sid))
		_, err = p.GetSession(ctx, sid)
		require.ErrorIs(t, err, daytona.ErrNotFound)
	})
}

// TestE2ESessionInput: input to a running command reaches it, echoed into
// stdout unless suppressed; input after the end is an error.
func TestE2ESessionInput(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ctx, p := tt.ctx, tt.sb.Process
		sid := strings.ReplaceAll(uniqueName("input"), "/", "-")
		require.NoError(t, p.CreateSession(ctx, sid))
		defer func() { _ = p.DeleteSession(context.WithoutCancel(ctx), sid) }()

		for _, suppress := range []bool{false, true} {
			res, err := p.ExecuteSessionCommand(ctx, sid, "read -r name; echo hello $name", daytona.SessionExecOptions{Async: true, SuppressInputEcho: suppress})
			require.NoError(t, err)
			require.NoError(t, p.SendSessionCommandInput(ctx, sid, res.CommandID, "wörld\n"))
			var so bytes.Buffer
			require.NoError(t, p.StreamSessionCommandLogs(ctx, sid, res.CommandID, &so, nil))
			if suppress {
				assert.Equal(t, "hello wörld\n", so.String())
			} else {
				assert.Equal(t, "wörld\nhello wörld\n", so.String(), "the input is echoed")
			}
			require.ErrorIs(t, p.SendSessionCommandInput(ctx, sid, res.CommandID, "late\n"), daytona.ErrGone, "the command has finished")
		}
	})
}

// TestE2ESessionTimeout: SessionExecOptions.Timeout bounds a synchronous
// command on the client; the session stays usable.
func TestE2ESessionTimeout(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ctx, p := tt.ctx, tt.sb.Process
		sid := strings.ReplaceAll(uniqueName("timeout"), "/", "-")
		require.NoError(t, p.CreateSession(ctx, sid))
		defer func() { _ = p.DeleteSession(context.WithoutCancel(ctx), sid) }()
		_, err := p.ExecuteSessionCommand(ctx, sid, "sleep 3", daytona.SessionExecOptions{Timeout: 300 * time.Millisecond})
		require.ErrorIs(t, err, daytona.ErrTimeout)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		s, err := p.GetSession(ctx, sid)
		require.NoError(t, err)
		require.Len(t, s.Commands, 1, "the command went on in the session")
	})
}

// TestE2EEntrypointAbsent: a sandbox started without an entrypoint has no
// entrypoint session.
func TestE2EEntrypointAbsent(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		tt.needEmulator(t) // a real sandbox's snapshot may have an entrypoint
		_, err := tt.sb.Process.EntrypointSession(tt.ctx)
		require.ErrorIs(t, err, daytona.ErrNotFound)
		_, err = tt.sb.Process.EntrypointLogs(tt.ctx)
		require.ErrorIs(t, err, daytona.ErrNotFound)
		require.ErrorIs(t, tt.sb.Process.StreamEntrypointLogs(tt.ctx, nil, nil), daytona.ErrNotFound)
	})
}
