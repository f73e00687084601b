package daytona_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest"
	daytona "github.com/daytona-go/daytona/facade"
)

// The lifecycle suite runs every test against the emulator and, when
// DAYTONA_API_KEY is set, against the real Daytona the environment points
// at (DAYTONA_API_URL, DAYTONA_TARGET). Tests that need the emulator's
// fault injection skip the real target.

// target is one place the suite runs against.
type target struct {
	name   string
	client *daytona.Client
	emu    *daytonatest.Server // nil for real Daytona
}

// realSlots bounds concurrent sandboxes on a real Daytona (quotas).
var realSlots = make(chan struct{}, 3)

// forEachTarget runs f against the emulator and, if configured, real
// Daytona, as parallel subtests.
func forEachTarget(t *testing.T, f func(t *testing.T, tg *target)) {
	t.Helper()
	t.Run("emulator", func(t *testing.T) {
		t.Parallel()
		srv := daytonatest.NewServer(t)
		c, err := daytona.New(daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		f(t, &target{name: "emulator", client: c, emu: srv})
	})
	t.Run("daytona", func(t *testing.T) {
		if os.Getenv("DAYTONA_API_KEY") == "" {
			t.Skip("DAYTONA_API_KEY is not set")
		}
		t.Parallel()
		realSlots <- struct{}{}
		t.Cleanup(func() { <-realSlots })
		c, err := daytona.New(daytona.Config{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		f(t, &target{name: "daytona", client: c})
	})
}

// needEmulator skips on real Daytona.
func (tg *target) needEmulator(t *testing.T) {
	if tg.emu == nil {
		t.Skip("needs the emulator's fault injection")
	}
}

// ctx bounds one test: generous on real Daytona, short on the emulator.
func (tg *target) ctx(t *testing.T) context.Context {
	d := 30 * time.Second
	if tg.emu == nil {
		d = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// suiteLabel marks every sandbox the suite creates, so leftovers on a real
// account can be found.
const suiteLabel = "daytona-go-e2e"

// create creates a sandbox for the test and deletes it when the test ends.
func (tg *target) create(t *testing.T, ctx context.Context, src daytona.FromSnapshot, opts daytona.CreateOptions) *daytona.Sandbox {
	t.Helper()
	if src.Labels == nil {
		src.Labels = map[string]string{}
	}
	src.Labels[suiteLabel] = t.Name()
	sb, err := tg.client.Create(ctx, src, opts)
	tg.cleanup(t, sb)
	require.NoError(t, err)
	return sb
}

func (tg *target) cleanup(t *testing.T, sb *daytona.Sandbox) {
	if sb == nil {
		return
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 2*time.Minute)
		defer cancel()
		if err := sb.Delete(ctx); err != nil {
			t.Errorf("deleting %s: %v", sb.ID(), err)
		}
	})
}

func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}

func TestE2ELifecycle(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctx(t)
		name := uniqueName("life")
		sb := tg.create(t, ctx, daytona.FromSnapshot{
			Name: name, Env: map[string]string{"GREETING": "hi"}, Labels: map[string]string{"team": "a"},
			AutoStopInterval: 30 * time.Minute,
		}, daytona.CreateOptions{})

		assert.Equal(t, daytona.StateStarted, sb.State())
		assert.NotEmpty(t, sb.ID())
		assert.Equal(t, name, sb.Name())
		assert.Equal(t, "a", sb.Labels()["team"])
		assert.Equal(t, "python", sb.Labels()["code-toolbox-language"])
		assert.Equal(t, "hi", sb.Env()["GREETING"])
		assert.Equal(t, 30, sb.AutoStopInterval())
		assert.NotEmpty(t, sb.ToolboxProxyURL())
		assert.False(t, sb.CreatedAt().IsZero())

		got, err := tg.client.Get(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, sb.ID(), got.ID())

		labels := map[string]string{"team": "b", suiteLabel: t.Name()}
		require.NoError(t, sb.SetLabels(ctx, labels))
		assert.Equal(t, labels, sb.Labels())
		require.NoError(t, got.Refresh(ctx))
		assert.Equal(t, "b", got.Labels()["team"])

		require.NoError(t, sb.Stop(ctx, daytona.StopOptions{}))
		assert.Equal(t, daytona.StateStopped, sb.State())
		require.NoError(t, tg.client.Start(ctx, sb))
		assert.Equal(t, daytona.StateStarted, sb.State())
		require.NoError(t, tg.client.Stop(ctx, sb, daytona.StopOptions{Force: true}))
		assert.Equal(t, daytona.StateStopped, sb.State())

		require.NoError(t, tg.client.Delete(ctx, sb))
		assert.Equal(t, daytona.StateDestroyed, sb.State())
		require.NoError(t, sb.Delete(ctx), "deleting twice is not an error")
		_, err = tg.client.Get(ctx, sb.ID())
		require.ErrorIs(t, err, daytona.ErrNotFound)
	})
}

func TestE2EArchive(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		if tg.emu == nil {
			t.Skip("archiving takes minutes on real Daytona")
		}
		ctx := tg.ctx(t)
		sb := tg.create(t, ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
		require.NoError(t, sb.Stop(ctx, daytona.StopOptions{}))
		require.NoError(t, sb.Archive(ctx))
		assert.Equal(t, daytona.StateArchived, sb.State())
		require.NoError(t, sb.Start(ctx))
		assert.Equal(t, daytona.StateStarted, sb.State())
	})
}

func TestE2ECreateFromImageWithBuildLogs(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctx(t)
		var mu sync.Mutex
		var logs []string
		src := daytona.FromImage{Image: "python:3.12-slim", Resources: daytona.Resources{CPU: 1, Memory: 1, Disk: 3},
			Labels: map[string]string{suiteLabel: t.Name()}}
		sb, err := tg.client.Create(ctx, src, daytona.CreateOptions{OnBuildLogs: func(s string) {
			mu.Lock()
			logs = append(logs, s)
			mu.Unlock()
		}})
		tg.cleanup(t, sb)
		require.NoError(t, err)
		assert.Equal(t, daytona.StateStarted, sb.State())
		mu.Lock()
		defer mu.Unlock()
		assert.NotEmpty(t, logs, "build logs arrived")
		for _, l := range logs {
			assert.Equal(t, strings.TrimRight(l, " \t\r\n"), l, "chunks are trimmed")
		}
		if tg.emu != nil {
			assert.Contains(t, strings.Join(logs, "\n"), "python:3.12-slim")
			bi := sb.BuildInfo()
			require.NotNil(t, bi)
			assert.Equal(t, "FROM python:3.12-slim\n", bi.DockerfileContent)
		}
	})
}

func TestE2ECreateFailures(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		tg.needEmulator(t)
		tests := []struct {
			name    string
			src     daytona.SandboxSource
			failure daytonatest.Failure
			state   daytona.State
		}{
			{name: "error", src: daytona.FromSnapshot{}, failure: daytonatest.Failure{Reason: "no runner available", Recoverable: true}, state: daytona.StateError},
			{name: "build failed", src: daytona.FromImage{Image: "python:3.12"}, failure: daytonatest.Failure{State: daytonatest.StateBuildFailed, Reason: "RUN exited 1"}, state: daytona.StateBuildFailed},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := tg.ctx(t)
				tg.emu.FailNext(daytonatest.OpCreate, tt.failure)
				sb, err := tg.client.Create(ctx, tt.src, daytona.CreateOptions{})
				require.NotNil(t, sb, "the failed sandbox comes back for inspection")
				tg.cleanup(t, sb)
				require.ErrorIs(t, err, daytona.ErrServer)
				var fe *daytona.FailedStateError
				require.ErrorAs(t, err, &fe)
				assert.Equal(t, string(tt.state), fe.State)
				assert.Equal(t, tt.failure.Reason, fe.Reason)
				assert.Equal(t, sb.ID(), fe.ID)
				assert.Equal(t, tt.state, sb.State())
				assert.Equal(t, tt.failure.Reason, sb.ErrorReason())
			})
		}
	})
}

func TestE2ERecover(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		tg.needEmulator(t)
		ctx := tg.ctx(t)
		sb := tg.create(t, ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
		require.NoError(t, tg.emu.Fail(sb.ID(), daytonatest.Failure{Reason: "runner lost", Recoverable: true}))
		err := sb.WaitUntil(ctx, daytona.StateStarted)
		var fe *daytona.FailedStateError
		require.ErrorAs(t, err, &fe)
		assert.True(t, fe.Recoverable)
		assert.True(t, sb.Recoverable())
		require.NoError(t, sb.Recover(ctx))
		assert.Equal(t, daytona.StateStarted, sb.State())
	})
}

func TestE2EWaitDeadlineAndCancel(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		tg.needEmulator(t)
		tg.emu.SetLatency(time.Hour, daytonatest.StateStarting, daytonatest.StateCreating)

		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		sb, err := tg.client.Create(ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
		require.NotNil(t, sb)
		require.ErrorIs(t, err, daytona.ErrTimeout)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotEqual(t, daytona.StateStarted, sb.State())

		cctx, ccancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, ccancel)
		err = sb.WaitUntil(cctx, daytona.StateStarted)
		require.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, daytona.ErrTimeout)

		// The sandbox stays in starting for an hour: fail it so it can go.
		require.NoError(t, tg.emu.Fail(sb.ID(), daytonatest.Failure{Reason: "test over"}))
		require.NoError(t, sb.Delete(tg.ctx(t)))
	})
}

func TestE2ERefreshErrorAbortsWait(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		tg.needEmulator(t)
		ctx := tg.ctx(t)
		sb := tg.create(t, ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
		require.NoError(t, sb.Stop(ctx, daytona.StopOptions{}))
		tg.emu.InjectFault(daytonatest.Fault{Method: "GET", Path: "/sandbox/{sandboxIdOrName}", Status: 500})
		err := sb.Start(ctx)
		require.ErrorIs(t, err, daytona.ErrServer)
		var de *daytona.Error
		require.ErrorAs(t, err, &de)
		assert.Equal(t, 500, de.StatusCode)
		require.NoError(t, sb.WaitUntil(ctx, daytona.StateStarted))
	})
}

func TestE2EEphemeralStop(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctx(t)
		sb := tg.create(t, ctx, daytona.FromSnapshot{Ephemeral: true}, daytona.CreateOptions{})
		assert.Equal(t, 0, sb.AutoDeleteInterval())
		require.NoError(t, sb.Stop(ctx, daytona.StopOptions{}))
		assert.Contains(t, []daytona.State{daytona.StateDestroyed, daytona.StateStopped}, sb.State())
		if tg.emu != nil {
			assert.Equal(t, daytona.StateDestroyed, sb.State())
		}
	})
}

func TestE2EResizeAndSettings(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctx(t)
		sb := tg.create(t, ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})

		require.NoError(t, sb.Stop(ctx, daytona.StopOptions{}))
		require.NoError(t, sb.Resize(ctx, daytona.Resources{CPU: 2, Memory: 2}))
		assert.Equal(t, 2, sb.Resources().CPU)
		assert.Equal(t, 2, sb.Resources().Memory)
		require.ErrorIs(t, sb.Resize(ctx, daytona.Resources{CPU: -1}), daytona.ErrValidation)
		require.ErrorIs(t, sb.Resize(ctx, daytona.Resources{GPU: 1}), daytona.ErrValidation)
		require.NoError(t, sb.Start(ctx))

		require.NoError(t, sb.SetAutostopInterval(ctx, 45))
		assert.Equal(t, 45, sb.AutoStopInterval())
		require.NoError(t, sb.SetAutoArchiveInterval(ctx, 120))
		assert.Equal(t, 120, sb.AutoArchiveInterval())
		require.NoError(t, sb.SetAutoDeleteInterval(ctx, 600))
		assert.Equal(t, 600, sb.AutoDeleteInterval())
		require.NoError(t, sb.SetAutoDeleteInterval(ctx, -5))
		assert.Equal(t, -1, sb.AutoDeleteInterval())
		require.ErrorIs(t, sb.SetAutostopInterval(ctx, -1), daytona.ErrValidation)
		require.NoError(t, sb.SetTTL(ctx, 240))
		assert.False(t, sb.AutoDestroyAt().IsZero())
		require.NoError(t, sb.RefreshActivity(ctx))

		require.NoError(t, sb.SetPublic(ctx, true))
		assert.True(t, sb.Public())
		require.NoError(t, sb.SetPublic(ctx, false))
		assert.False(t, sb.Public())

		require.NoError(t, sb.UpdateNetworkSettings(ctx, daytona.NetworkSettings{
			NetworkAllowList: []string{"10.0.0.0/8"}, DomainAllowList: []string{"example.com"},
		}))
		assert.Equal(t, []string{"10.0.0.0/8"}, sb.NetworkAllowList())
		assert.Equal(t, []string{"example.com"}, sb.DomainAllowList())
		assert.False(t, sb.NetworkBlockAll())

		require.NoError(t, sb.SetSecrets(ctx, nil), "detaching all secrets")
	})
}

func TestE2EAutoPauseAndPause(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		tg.needEmulator(t) // the default class on real Daytona may not pause
		ctx := tg.ctx(t)
		sb := tg.create(t, ctx, daytona.FromSnapshot{AutoStopInterval: daytona.Disabled}, daytona.CreateOptions{})
		require.NoError(t, sb.SetAutoPauseInterval(ctx, 15))
		assert.Equal(t, 15, sb.AutoPauseInterval())
		require.NoError(t, sb.Pause(ctx))
		assert.Equal(t, daytona.StatePaused, sb.State())
		require.NoError(t, sb.Start(ctx))
		assert.Equal(t, daytona.StateStarted, sb.State())
	})
}

func TestE2EForkAndSnapshot(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		tg.needEmulator(t) // forks and sandbox snapshots are not on every plan
		ctx := tg.ctx(t)
		sb := tg.create(t, ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
		forkName := uniqueName("fork")
		fork, err := sb.Fork(ctx, daytona.ForkOptions{Name: forkName})
		tg.cleanup(t, fork)
		require.NoError(t, err)
		assert.Equal(t, forkName, fork.Name())
		assert.NotEqual(t, sb.ID(), fork.ID())
		assert.Equal(t, daytona.StateStarted, fork.State())

		parent, err := fork.Parent(ctx)
		require.NoError(t, err)
		assert.Equal(t, sb.ID(), parent.ID())
		ancestors, err := fork.Ancestors(ctx)
		require.NoError(t, err)
		require.Len(t, ancestors, 1)
		assert.Equal(t, sb.ID(), ancestors[0].ID())
		forks, err := sb.Forks(ctx, daytona.ForksOptions{})
		require.NoError(t, err)
		require.Len(t, forks, 1)
		assert.Equal(t, fork.ID(), forks[0].ID())
		_, err = sb.Parent(ctx)
		require.ErrorIs(t, err, daytona.ErrNotFound)

		require.NoError(t, sb.CreateSnapshot(ctx, uniqueName("snap"), daytona.SandboxSnapshotOptions{}))
		assert.NotEqual(t, daytona.StateSnapshotting, sb.State())
		require.ErrorIs(t, sb.CreateSnapshot(ctx, " ", daytona.SandboxSnapshotOptions{}), daytona.ErrValidation)
	})
}

func TestE2EPreviewAndSSH(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctx(t)
		sb := tg.create(t, ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})

		link, err := sb.PreviewLink(ctx, 3000)
		require.NoError(t, err)
		assert.NotEmpty(t, link.URL)
		assert.NotEmpty(t, link.Token)
		_, err = sb.PreviewLink(ctx, 0)
		require.ErrorIs(t, err, daytona.ErrValidation)

		signed, err := sb.SignedPreviewURL(ctx, 3000, daytona.SignedPreviewURLOptions{ExpiresIn: 90 * time.Second})
		require.NoError(t, err)
		assert.NotEmpty(t, signed.URL)
		assert.Equal(t, 3000, signed.Port)
		require.NoError(t, sb.ExpireSignedPreviewURL(ctx, 3000, signed.Token))

		acc, err := sb.CreateSSHAccess(ctx, daytona.SSHAccessOptions{ExpiresIn: 10 * time.Minute})
		require.NoError(t, err)
		assert.NotEmpty(t, acc.Token)
		assert.Equal(t, sb.ID(), acc.SandboxID)
		assert.True(t, acc.ExpiresAt.After(time.Now()))
		v, err := tg.client.ValidateSSHAccess(ctx, acc.Token)
		require.NoError(t, err)
		assert.True(t, v.Valid)
		assert.Equal(t, sb.ID(), v.SandboxID)
		require.NoError(t, sb.RevokeSSHAccess(ctx, acc.Token))
		v, err = tg.client.ValidateSSHAccess(ctx, acc.Token)
		if err == nil {
			assert.False(t, v.Valid, "a revoked token is invalid")
		}
	})
}

func TestE2EListFindGet(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctx(t)
		group := uniqueName("grp")
		var ids []string
		for i := range 3 {
			sb := tg.create(t, ctx, daytona.FromSnapshot{
				Labels: map[string]string{"group": group, "idx": fmt.Sprint(i)},
			}, daytona.CreateOptions{})
			ids = append(ids, sb.ID())
		}

		var listed []string
		for sb, err := range tg.client.List(ctx, daytona.ListOptions{Labels: map[string]string{"group": group}, PageSize: 1}) {
			require.NoError(t, err)
			listed = append(listed, sb.ID())
			assert.Equal(t, group, sb.Labels()["group"])
		}
		assert.ElementsMatch(t, ids, listed)

		n := 0
		for _, err := range tg.client.List(ctx, daytona.ListOptions{Labels: map[string]string{"group": group}, PageSize: 1}) {
			require.NoError(t, err)
			n++
			break
		}
		assert.Equal(t, 1, n)

		one, err := tg.client.FindOne(ctx, daytona.ListOptions{Labels: map[string]string{"group": group, "idx": "1"}})
		require.NoError(t, err)
		assert.Equal(t, ids[1], one.ID())
		_, err = tg.client.FindOne(ctx, daytona.ListOptions{Labels: map[string]string{"group": group}})
		require.ErrorIs(t, err, daytona.ErrConflict)
		_, err = tg.client.FindOne(ctx, daytona.ListOptions{Labels: map[string]string{"group": group + "-none"}})
		require.ErrorIs(t, err, daytona.ErrNotFound)

		page, err := tg.client.ListPage(ctx, daytona.ListOptions{Labels: map[string]string{"group": group}, PageSize: 2})
		require.NoError(t, err)
		assert.Len(t, page.Sandboxes, 2)
		assert.NotEmpty(t, page.NextCursor)

		stopped := 0
		for _, err := range tg.client.List(ctx, daytona.ListOptions{Labels: map[string]string{"group": group}, States: []daytona.State{daytona.StateStopped}}) {
			require.NoError(t, err)
			stopped++
		}
		assert.Zero(t, stopped)

		_, err = tg.client.Get(ctx, "no-such-sandbox-"+group)
		require.ErrorIs(t, err, daytona.ErrNotFound)
		var de *daytona.Error
		require.ErrorAs(t, err, &de)
		assert.Equal(t, 404, de.StatusCode)
	})
}

func TestE2EGetOrCreate(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctx(t)
		name := uniqueName("goc")
		src := daytona.FromSnapshot{Labels: map[string]string{suiteLabel: t.Name()}}
		first, err := tg.client.GetOrCreate(ctx, name, src, daytona.CreateOptions{})
		tg.cleanup(t, first)
		require.NoError(t, err)
		assert.Equal(t, name, first.Name())
		assert.Equal(t, daytona.StateStarted, first.State())

		again, err := tg.client.GetOrCreate(ctx, name, src, daytona.CreateOptions{})
		require.NoError(t, err)
		assert.Equal(t, first.ID(), again.ID())

		require.NoError(t, first.Stop(ctx, daytona.StopOptions{}))
		started, err := tg.client.GetOrCreate(ctx, name, src, daytona.CreateOptions{})
		require.NoError(t, err)
		assert.Equal(t, first.ID(), started.ID())
		assert.Equal(t, daytona.StateStarted, started.State())
	})
}

func TestE2EConcurrentCreates(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		tg.needEmulator(t)
		ctx := tg.ctx(t)
		const n = 8
		sbs := make([]*daytona.Sandbox, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				sbs[i], errs[i] = tg.client.Create(ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		for i := range n {
			tg.cleanup(t, sbs[i])
			require.NoError(t, errs[i])
			assert.False(t, seen[sbs[i].ID()])
			seen[sbs[i].ID()] = true
		}
		// Readers and a refresher on one sandbox at once (meaningful under -race).
		sb := sbs[0]
		wg = sync.WaitGroup{}
		for range 4 {
			wg.Go(func() {
				for range 50 {
					_ = sb.State()
					_ = sb.Labels()
				}
			})
		}
		wg.Go(func() {
			for range 5 {
				assert.NoError(t, sb.Refresh(ctx))
			}
		})
		wg.Wait()
	})
}

func TestE2EToolboxInfo(t *testing.T) {
	t.Parallel()
	forEachTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctx(t)
		sb := tg.create(t, ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
		home, err := sb.UserHomeDir(ctx)
		var de *daytona.Error
		if tg.emu != nil && errors.As(err, &de) && de.StatusCode == 501 {
			t.Skip("the emulator's toolbox is not implemented yet (501)")
		}
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(home, "/"), "home %q is absolute", home)
		wd, err := sb.WorkDir(ctx)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(wd, "/"), "work dir %q is absolute", wd)
		m, err := sb.Metrics(ctx)
		require.NoError(t, err)
		assert.Positive(t, m.CPUCount)
		assert.Positive(t, m.MemTotal)
		assert.False(t, m.Timestamp.IsZero())
	})
}
