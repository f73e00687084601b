package daytonatest

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
)

func TestWarmPoolCRUD(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	sn := createSnapshot(t, c, controlplane.CreateSnapshot{Name: "warm", ImageName: strp("alpine:3"), CPU: intp(2)})

	waitSnapshot(t, c, sn.ID, controlplane.SnapshotStateActive)
	de, err := c.DeactivateSnapshotWithResponse(ctx, sn.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, de.StatusCode())
	r, err := c.CreateWarmPoolWithResponse(ctx, nil, controlplane.CreateWarmPool{Snapshot: "warm", Pool: 3})
	require.NoError(t, err)
	assert.Contains(t, nestError(t, r.Body, http.StatusBadRequest).Message, "not active")
	act, err := c.ActivateSnapshotWithResponse(ctx, sn.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, act.StatusCode())

	r, err = c.CreateWarmPoolWithResponse(ctx, nil, controlplane.CreateWarmPool{Snapshot: sn.ID, Pool: 3, Target: strp("eu")})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, r.StatusCode(), string(r.Body))
	wp := *r.JSON201
	assert.Equal(t, "warm", wp.Snapshot)
	assert.Equal(t, "eu", wp.Target)
	assert.Equal(t, 3.0, wp.Pool)
	assert.Equal(t, 0.0, wp.CurrentSize, "members are still being created")
	assert.Equal(t, 2.0, wp.CPU)
	assert.Equal(t, "daytona", wp.OsUser)

	dup, err := c.CreateWarmPoolWithResponse(ctx, nil, controlplane.CreateWarmPool{Snapshot: "warm", Pool: 1, Target: strp("eu")})
	require.NoError(t, err)
	nestError(t, dup.Body, http.StatusConflict)
	missing, err := c.CreateWarmPoolWithResponse(ctx, nil, controlplane.CreateWarmPool{Snapshot: "ghost", Pool: 1})
	require.NoError(t, err)
	nestError(t, missing.Body, http.StatusNotFound)
	frac, err := c.CreateWarmPoolWithResponse(ctx, nil, controlplane.CreateWarmPool{Snapshot: "warm", Pool: 1.5})
	require.NoError(t, err)
	nestError(t, frac.Body, http.StatusBadRequest)

	u, err := c.UpdateWarmPoolWithResponse(ctx, wp.ID, nil, controlplane.UpdateWarmPool{Pool: 0})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, u.StatusCode(), string(u.Body))
	assert.Equal(t, 0.0, u.JSON200.Pool)

	l, err := c.ListWarmPoolsWithResponse(ctx, nil)
	require.NoError(t, err)
	require.Len(t, *l.JSON200, 1)
	assert.Equal(t, wp.ID, (*l.JSON200)[0].ID)

	d, err := c.DeleteWarmPoolWithResponse(ctx, wp.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, d.StatusCode())
	d, err = c.DeleteWarmPoolWithResponse(ctx, wp.ID, nil)
	require.NoError(t, err)
	nestError(t, d.Body, http.StatusNotFound)
	u, err = c.UpdateWarmPoolWithResponse(ctx, wp.ID, nil, controlplane.UpdateWarmPool{Pool: 1})
	require.NoError(t, err)
	nestError(t, u.Body, http.StatusNotFound)
}

// warmFixture is a server with an active snapshot "warm" (2 vCPU).
type warmFixture struct {
	srv *Server
	c   *controlplane.ClientWithResponses
}

func newWarmFixture(t *testing.T) warmFixture {
	srv := NewServer(t, WithLatency(5*time.Millisecond))
	c := client(t, srv)
	sn := createSnapshot(t, c, controlplane.CreateSnapshot{Name: "warm", ImageName: strp("alpine:3"), CPU: intp(2)})
	waitSnapshot(t, c, sn.ID, controlplane.SnapshotStateActive)
	return warmFixture{srv: srv, c: c}
}

func (f warmFixture) createPool(t *testing.T, size int) controlplane.WarmPool {
	t.Helper()
	r, err := f.c.CreateWarmPoolWithResponse(context.Background(), nil, controlplane.CreateWarmPool{Snapshot: "warm", Pool: float64(size)})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, r.StatusCode(), string(r.Body))
	return *r.JSON201
}

// pool lists the pools (which reconciles them) and returns wp's.
func (f warmFixture) pool(t *testing.T, id string) controlplane.WarmPool {
	t.Helper()
	l, err := f.c.ListWarmPoolsWithResponse(context.Background(), nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, l.StatusCode(), string(l.Body))
	i := slices.IndexFunc(*l.JSON200, func(p controlplane.WarmPool) bool { return p.ID == id })
	require.GreaterOrEqual(t, i, 0, "pool %s is listed", id)
	return (*l.JSON200)[i]
}

// list returns the sandboxes GET /sandbox lists, with or without members.
func (f warmFixture) list(t *testing.T, includeWarm bool) []controlplane.SandboxListItem {
	t.Helper()
	p := &controlplane.ListSandboxesParams{}
	if includeWarm {
		p.IncludeWarm = boolp(true)
	}
	r, err := f.c.ListSandboxesWithResponse(context.Background(), p)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
	return r.JSON200.Items
}

// members returns the IDs of the listed members of the pool poolID (any
// state).
func (f warmFixture) members(t *testing.T, poolID string) []string {
	t.Helper()
	var ids []string
	for _, it := range f.list(t, true) {
		if it.WarmPoolID != nil && *it.WarmPoolID == poolID {
			ids = append(ids, it.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// waitReady waits until the pool has n started members and exactly n
// members in all.
func (f warmFixture) waitReady(t *testing.T, poolID string, n int) []string {
	t.Helper()
	require.Eventually(t, func() bool {
		return int(f.pool(t, poolID).CurrentSize) == n && len(f.members(t, poolID)) == n
	}, 10*time.Second, 5*time.Millisecond, "pool %s never had %d ready members", poolID, n)
	return f.members(t, poolID)
}

func TestWarmPoolFillsClaimsAndRefills(t *testing.T) {
	f := newWarmFixture(t)
	ctx := context.Background()
	wp := f.createPool(t, 2)
	members := f.waitReady(t, wp.ID, 2)

	assert.Empty(t, f.list(t, false), "members are not listed by default")
	for _, id := range members {
		code, sb := get(t, f.c, id)
		require.Equal(t, http.StatusOK, code)
		require.NotNil(t, sb.WarmPoolID)
		assert.Equal(t, wp.ID, *sb.WarmPoolID)
		assert.Equal(t, controlplane.SandboxStateStarted, *sb.State)
		assert.Equal(t, "warm", *sb.Snapshot)
		assert.Equal(t, 2.0, sb.CPU)
		assert.Empty(t, sb.Env)
	}

	// A matching create is served by a member, at once and started, with
	// what the create asked for.
	sb := create(t, f.c, controlplane.CreateSandbox{
		Snapshot: strp("warm"), Name: strp("claimed"), Labels: &map[string]string{"team": "a"},
		AutoStopInterval: intp(7), Public: boolp(true), User: strp("daytona"), Env: &map[string]string{},
	})
	assert.Contains(t, members, sb.ID)
	assert.Nil(t, sb.WarmPoolID)
	assert.Equal(t, controlplane.SandboxStateStarted, *sb.State)
	assert.Equal(t, "claimed", sb.Name)
	assert.Equal(t, map[string]string{"team": "a"}, sb.Labels)
	assert.Equal(t, 7.0, *sb.AutoStopInterval)
	assert.True(t, sb.Public)

	// The claimed sandbox is the user's: listed by default, usable.
	listed := f.list(t, false)
	require.Len(t, listed, 1)
	assert.Equal(t, sb.ID, listed[0].ID)
	assert.Nil(t, listed[0].WarmPoolID)

	// The pool refills to 2 members, none of them the claimed one.
	refilled := f.waitReady(t, wp.ID, 2)
	assert.NotContains(t, refilled, sb.ID)

	// A create without a name keeps the member's.
	unnamed := create(t, f.c, controlplane.CreateSandbox{Snapshot: strp("warm")})
	assert.Contains(t, refilled, unnamed.ID)
	assert.Equal(t, unnamed.ID, unnamed.Name)
	assert.Equal(t, 15.0, *unnamed.AutoStopInterval, "a claimed sandbox gets a new sandbox's defaults")
	f.waitReady(t, wp.ID, 2)

	// A second create with the taken name is a conflict, member or not.
	r, err := f.c.CreateSandboxWithResponse(ctx, nil, controlplane.CreateSandbox{Snapshot: strp("warm"), Name: strp("claimed")})
	require.NoError(t, err)
	nestError(t, r.Body, http.StatusConflict)
}

func TestWarmPoolNonMatchingCreates(t *testing.T) {
	f := newWarmFixture(t)
	ctx := context.Background()
	wp := f.createPool(t, 1)
	f.waitReady(t, wp.ID, 1)

	vr, err := f.c.CreateVolumeWithResponse(ctx, nil, controlplane.CreateVolume{Name: "v"})
	require.NoError(t, err)
	waitVolume(t, f.c, vr.JSON200.ID, controlplane.VolumeStateReady)
	newSecret(t, f.c, "TOKEN", "x")

	for _, tc := range []struct {
		name string
		body controlplane.CreateSandbox
	}{
		{"another snapshot (the default)", controlplane.CreateSandbox{}},
		{"another target", controlplane.CreateSandbox{Snapshot: strp("warm"), Target: strp("eu")}},
		{"env", controlplane.CreateSandbox{Snapshot: strp("warm"), Env: &map[string]string{"A": "1"}}},
		{"os user", controlplane.CreateSandbox{Snapshot: strp("warm"), User: strp("root")}},
		{"resources", controlplane.CreateSandbox{Snapshot: strp("warm"), CPU: intp(4)}},
		{"gpu", controlplane.CreateSandbox{Snapshot: strp("warm"), Gpu: intp(1)}},
		{"spot", controlplane.CreateSandbox{Snapshot: strp("warm"), Spot: boolp(true)}},
		{"volumes", controlplane.CreateSandbox{Snapshot: strp("warm"), Volumes: &[]controlplane.SandboxVolume{{VolumeID: "v", MountPath: "/data"}}}},
		{"secrets", controlplane.CreateSandbox{Snapshot: strp("warm"), Secrets: &[]map[string]string{{"T": "TOKEN"}}}},
		{"image build", controlplane.CreateSandbox{BuildInfo: &controlplane.CreateBuildInfo{DockerfileContent: "FROM alpine:3\n"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.members(t, wp.ID)
			sb := create(t, f.c, tc.body)
			assert.NotContains(t, before, sb.ID, "served by a new sandbox")
			assert.NotEqual(t, controlplane.SandboxStateStarted, *sb.State, "a new sandbox is not started yet")
			assert.Equal(t, before, f.members(t, wp.ID), "the pool is untouched")
		})
	}

	// A pending injected failure goes to a fresh create, not to the pool.
	f.srv.FailNext(OpCreate, Failure{Reason: "boom"})
	before := f.members(t, wp.ID)
	sb := create(t, f.c, controlplane.CreateSandbox{Snapshot: strp("warm")})
	assert.NotContains(t, before, sb.ID)
	failed := waitState(t, f.c, sb.ID, controlplane.SandboxStateError)
	assert.Equal(t, "boom", *failed.ErrorReason)
	assert.Equal(t, before, f.members(t, wp.ID))
}

func TestWarmPoolResizeDrainDelete(t *testing.T) {
	f := newWarmFixture(t)
	ctx := context.Background()
	wp := f.createPool(t, 3)
	three := f.waitReady(t, wp.ID, 3)

	u, err := f.c.UpdateWarmPoolWithResponse(ctx, wp.ID, nil, controlplane.UpdateWarmPool{Pool: 1})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, u.StatusCode(), string(u.Body))
	one := f.waitReady(t, wp.ID, 1)
	assert.Subset(t, three, one, "shrinking keeps members")

	// Draining deletes every member; an empty pool serves nothing.
	u, err = f.c.UpdateWarmPoolWithResponse(ctx, wp.ID, nil, controlplane.UpdateWarmPool{Pool: 0})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, u.StatusCode(), string(u.Body))
	f.waitReady(t, wp.ID, 0)
	for _, id := range three {
		waitState(t, f.c, id, controlplane.SandboxStateDestroyed)
	}
	sb := create(t, f.c, controlplane.CreateSandbox{Snapshot: strp("warm")})
	assert.Equal(t, controlplane.SandboxStateCreating, *sb.State, "a drained pool serves nothing")

	// Growing refills; a member the user stops leaves the pool and is
	// replaced.
	u, err = f.c.UpdateWarmPoolWithResponse(ctx, wp.ID, nil, controlplane.UpdateWarmPool{Pool: 2})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, u.StatusCode(), string(u.Body))
	two := f.waitReady(t, wp.ID, 2)
	st, err := f.c.StopSandboxWithResponse(ctx, two[0], nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, st.StatusCode(), string(st.Body))
	replaced := f.waitReady(t, wp.ID, 2)
	assert.NotContains(t, replaced, two[0])
	waitState(t, f.c, two[0], controlplane.SandboxStateDestroyed)

	// Deleting the pool deletes its members, not the claimed sandboxes.
	claimed := create(t, f.c, controlplane.CreateSandbox{Snapshot: strp("warm")})
	require.Contains(t, replaced, claimed.ID)
	left := f.members(t, wp.ID)
	d, err := f.c.DeleteWarmPoolWithResponse(ctx, wp.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, d.StatusCode(), string(d.Body))
	for _, id := range left {
		waitState(t, f.c, id, controlplane.SandboxStateDestroyed)
	}
	code, got := get(t, f.c, claimed.ID)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, controlplane.SandboxStateStarted, *got.State)
}

func TestWarmPoolErrorReason(t *testing.T) {
	f := newWarmFixture(t)
	ctx := context.Background()
	wp := f.createPool(t, 1)
	f.waitReady(t, wp.ID, 1)
	sn, err := f.c.GetSnapshotWithResponse(ctx, "warm", nil)
	require.NoError(t, err)
	de, err := f.c.DeactivateSnapshotWithResponse(ctx, sn.JSON200.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, de.StatusCode(), string(de.Body))

	// Growing fails: no member can be made from an inactive snapshot.
	u, err := f.c.UpdateWarmPoolWithResponse(ctx, wp.ID, nil, controlplane.UpdateWarmPool{Pool: 2})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, u.StatusCode(), string(u.Body))
	require.NotNil(t, u.JSON200.ErrorReason)
	assert.Contains(t, *u.JSON200.ErrorReason, "warm")
	assert.Len(t, f.members(t, wp.ID), 1)

	// Once the snapshot is active again the next reconciliation fills it.
	act, err := f.c.ActivateSnapshotWithResponse(ctx, sn.JSON200.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, act.StatusCode(), string(act.Body))
	f.waitReady(t, wp.ID, 2)
	assert.Nil(t, f.pool(t, wp.ID).ErrorReason)
}
