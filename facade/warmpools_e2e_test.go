package daytona_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	daytona "github.com/daytona-go/daytona/facade"
)

// warmMembers lists the sandboxes (warm ones included) waiting in the
// pool poolID, sorted by ID.
func warmMembers(ctx context.Context, t *testing.T, c *daytona.Client, poolID string) []string {
	t.Helper()
	var ids []string
	for sb, err := range c.List(ctx, daytona.ListOptions{IncludeWarm: true}) {
		require.NoError(t, err)
		if sb.WarmPoolID() == poolID {
			ids = append(ids, sb.ID())
		}
	}
	slices.Sort(ids)
	return ids
}

// waitWarm waits until the pool has n ready members and n in all.
func waitWarm(ctx context.Context, t *testing.T, c *daytona.Client, poolID string, n int) []string {
	t.Helper()
	require.Eventually(t, func() bool {
		p, err := c.WarmPools.Get(ctx, poolID)
		return err == nil && p.CurrentSize == n && len(warmMembers(ctx, t, c, poolID)) == n
	}, 10*time.Second, 5*time.Millisecond, "pool %s never had %d ready members", poolID, n)
	return warmMembers(ctx, t, c, poolID)
}

func TestWarmPoolServesCreates(t *testing.T) {
	t.Parallel()
	_, c, ctx := emulator(t)
	_, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{Name: "warm", Image: "python:3.12-slim"}, daytona.CreateSnapshotOptions{})
	require.NoError(t, err)
	wp, err := c.WarmPools.Create(ctx, daytona.CreateWarmPoolParams{Snapshot: "warm", Pool: 2})
	require.NoError(t, err)
	members := waitWarm(ctx, t, c, wp.ID, 2)

	for sb, err := range c.List(ctx, daytona.ListOptions{}) {
		require.NoError(t, err)
		t.Errorf("sandbox %s (warm pool %q) is listed without IncludeWarm", sb.ID(), sb.WarmPoolID())
	}
	m, err := c.Get(ctx, members[0])
	require.NoError(t, err)
	assert.Equal(t, wp.ID, m.WarmPoolID())

	// A plain create from the snapshot gets a warm sandbox, started at once.
	sb, err := c.Create(ctx, daytona.FromSnapshot{Snapshot: "warm", Name: "fast", Labels: map[string]string{"team": "a"}}, daytona.CreateOptions{NoWait: true})
	require.NoError(t, err)
	assert.Contains(t, members, sb.ID())
	assert.Empty(t, sb.WarmPoolID())
	assert.Equal(t, daytona.StateStarted, sb.State())
	assert.Equal(t, "fast", sb.Name())
	assert.Equal(t, "a", sb.Labels()["team"])
	res, err := sb.Process.Exec(ctx, "echo warm", daytona.ExecOptions{})
	require.NoError(t, err)
	assert.Equal(t, "warm\n", res.Result)

	var listed []string
	for s, err := range c.List(ctx, daytona.ListOptions{}) {
		require.NoError(t, err)
		listed = append(listed, s.ID())
	}
	assert.Equal(t, []string{sb.ID()}, listed, "the claimed sandbox is an ordinary one")

	// One with env is not served from the pool.
	other, err := c.Create(ctx, daytona.FromSnapshot{Snapshot: "warm", Env: map[string]string{"A": "1"}}, daytona.CreateOptions{})
	require.NoError(t, err)
	assert.NotContains(t, members, other.ID())

	// The pool refills, then drains.
	refilled := waitWarm(ctx, t, c, wp.ID, 2)
	assert.NotContains(t, refilled, sb.ID())
	upd, err := c.WarmPools.Update(ctx, wp.ID, 0)
	require.NoError(t, err)
	assert.Equal(t, 0, upd.Pool)
	waitWarm(ctx, t, c, wp.ID, 0)

	require.NoError(t, c.WarmPools.Delete(ctx, wp.ID))
	_, err = c.WarmPools.Get(ctx, wp.ID)
	assert.ErrorIs(t, err, daytona.ErrNotFound)
	_, err = c.Get(ctx, sb.ID())
	assert.NoError(t, err, "deleting the pool leaves claimed sandboxes")
}
