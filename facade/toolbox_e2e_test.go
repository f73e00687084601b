package daytona_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest"
	daytona "github.com/daytona-go/daytona/facade"
)

// The toolbox suite (sb.FS, sb.Git, sb.Process) runs every test against:
//   - the emulator (a fresh server and sandbox per test);
//   - a bare toolbox when DAYTONA_TOOLBOX_URL is set: a sandbox's toolbox
//     base URL ({toolboxProxyUrl}/{sandboxId}, with DAYTONA_API_KEY as its
//     bearer token if the proxy needs one, or a daemon's own address);
//   - real Daytona when DAYTONA_API_KEY is set (a sandbox is created and
//     deleted per test).
//
// Tests work in a fresh relative directory (tbTarget.dir), so they can
// share a real toolbox; tests that need the emulator's fault injection or
// host access skip the others.

// tbTarget is one toolbox a test runs against.
type tbTarget struct {
	name string
	sb   *daytona.Sandbox
	emu  *daytonatest.Server // nil unless the emulator
	// sandboxID is the emulator sandbox's ID (for fault paths).
	sandboxID string
	// dir is a directory, relative to the work dir, that only this test
	// uses (created; removed at the end on shared toolboxes).
	dir string
	ctx context.Context
}

// path joins the test's directory and name.
func (tt *tbTarget) path(name string) string { return tt.dir + "/" + name }

// needEmulator skips on anything but the emulator.
func (tt *tbTarget) needEmulator(t *testing.T) {
	t.Helper()
	if tt.emu == nil {
		t.Skip("needs the emulator")
	}
}

// forEachToolbox runs f against each configured toolbox, as parallel
// subtests.
func forEachToolbox(t *testing.T, f func(t *testing.T, tt *tbTarget)) {
	t.Helper()
	t.Run("emulator", func(t *testing.T) {
		t.Parallel()
		srv := daytonatest.NewServer(t)
		c, err := daytona.New(daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		ctx := tbContext(t, 2*time.Minute)
		sb, err := c.Create(ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
		require.NoError(t, err)
		runToolbox(t, ctx, &tbTarget{name: "emulator", sb: sb, emu: srv, sandboxID: sb.ID()}, f)
	})
	t.Run("toolbox", func(t *testing.T) {
		base := os.Getenv("DAYTONA_TOOLBOX_URL")
		if base == "" {
			t.Skip("DAYTONA_TOOLBOX_URL is not set")
		}
		t.Parallel()
		key := os.Getenv("DAYTONA_API_KEY")
		if key == "" {
			key = "unused" // the daemon itself does no authentication
		}
		c, err := daytona.New(daytona.Config{APIKey: key})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		runToolbox(t, tbContext(t, 5*time.Minute), &tbTarget{name: "toolbox", sb: daytona.NewToolboxSandbox(c, base)}, f)
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
		ctx := tbContext(t, 10*time.Minute)
		sb, err := c.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{suiteLabel: t.Name()}}, daytona.CreateOptions{})
		if sb != nil {
			t.Cleanup(func() {
				dctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 2*time.Minute)
				defer cancel()
				if err := sb.Delete(dctx); err != nil {
					t.Errorf("deleting %s: %v", sb.ID(), err)
				}
			})
		}
		require.NoError(t, err)
		runToolbox(t, ctx, &tbTarget{name: "daytona", sb: sb}, f)
	})
}

func tbContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// runToolbox gives the test its own directory and runs it.
func runToolbox(t *testing.T, ctx context.Context, tt *tbTarget, f func(t *testing.T, tt *tbTarget)) {
	tt.ctx = ctx
	tt.dir = "daytona-go-e2e/" + strings.NewReplacer("/", "_", " ", "_").Replace(uniqueName(t.Name()))
	require.NoError(t, tt.sb.FS.CreateFolder(ctx, tt.dir, 0o755))
	if tt.emu == nil {
		t.Cleanup(func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), time.Minute)
			defer cancel()
			_ = tt.sb.FS.Delete(cctx, tt.dir, daytona.DeleteOptions{Recursive: true})
		})
	}
	f(t, tt)
}
