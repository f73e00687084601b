package daytonatest

import (
	"context"
	"net/http"
	"testing"

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
	assert.Equal(t, 0.0, wp.CurrentSize, "the emulator keeps no warm sandboxes")
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
