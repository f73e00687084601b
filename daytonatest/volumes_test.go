package daytonatest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
)

func TestVolumeLifecycle(t *testing.T) {
	srv := NewServer(t, WithLatency(30*time.Millisecond))
	c := client(t, srv)
	ctx := context.Background()

	r, err := c.CreateVolumeWithResponse(ctx, nil, controlplane.CreateVolume{Name: "data"})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
	v := *r.JSON200
	assert.Equal(t, controlplane.VolumeStatePendingCreate, v.State)
	assert.Equal(t, srv.OrganizationID, v.OrganizationID)
	assertStatesInOrder(t, volumeStates(t, c, v.ID, controlplane.VolumeStateReady),
		controlplane.VolumeStatePendingCreate, controlplane.VolumeStateCreating, controlplane.VolumeStateReady)
	assert.DirExists(t, filepath.Join(srv.DataDir(), "volumes", v.ID))

	dup, err := c.CreateVolumeWithResponse(ctx, nil, controlplane.CreateVolume{Name: "data"})
	require.NoError(t, err)
	assert.Contains(t, nestError(t, dup.Body, http.StatusConflict).Message, "already exists")

	byName, err := c.GetVolumeByNameWithResponse(ctx, "data", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, byName.StatusCode())
	assert.Equal(t, v.ID, byName.JSON200.ID)

	list, err := c.ListVolumesWithResponse(ctx, nil)
	require.NoError(t, err)
	require.Len(t, *list.JSON200, 1)

	del, err := c.DeleteVolumeWithResponse(ctx, v.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, del.StatusCode(), string(del.Body))
	assertStatesInOrder(t, volumeStates(t, c, v.ID, controlplane.VolumeStateDeleted),
		controlplane.VolumeStatePendingDelete, controlplane.VolumeStateDeleting, controlplane.VolumeStateDeleted)
	assert.NoDirExists(t, filepath.Join(srv.DataDir(), "volumes", v.ID))

	gone, err := c.GetVolumeByNameWithResponse(ctx, "data", nil)
	require.NoError(t, err)
	nestError(t, gone.Body, http.StatusNotFound)
	list, err = c.ListVolumesWithResponse(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, *list.JSON200)
	list, err = c.ListVolumesWithResponse(ctx, &controlplane.ListVolumesParams{IncludeDeleted: boolp(true)})
	require.NoError(t, err)
	require.Len(t, *list.JSON200, 1)
	assert.Equal(t, controlplane.VolumeStateDeleted, (*list.JSON200)[0].State)

	// The name is free again.
	readyVolume(t, c, "data")
}

// volumeStates polls a volume until it is in state until and returns the
// distinct states it saw, in order (short states may be missed).
func volumeStates(t *testing.T, c *controlplane.ClientWithResponses, id string, until controlplane.VolumeState) []controlplane.VolumeState {
	t.Helper()
	var seen []controlplane.VolumeState
	waitFor := time.Now().Add(10 * time.Second)
	for time.Now().Before(waitFor) {
		r, err := c.GetVolumeWithResponse(context.Background(), id, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
		if st := r.JSON200.State; len(seen) == 0 || seen[len(seen)-1] != st {
			seen = append(seen, st)
		}
		if r.JSON200.State == until {
			return seen
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("volume %s did not reach %s (saw %v)", id, until, seen)
	return nil
}

// assertStatesInOrder checks that seen is a subsequence of want ending
// with want's last state.
func assertStatesInOrder[S comparable](t *testing.T, seen []S, want ...S) {
	t.Helper()
	i := 0
	for _, st := range seen {
		for i < len(want) && want[i] != st {
			i++
		}
		if i == len(want) {
			t.Fatalf("states %v are not in the order %v", seen, want)
		}
	}
	require.NotEmpty(t, seen)
	assert.Equal(t, want[len(want)-1], seen[len(seen)-1])
}

func TestVolumeMountIsShared(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	v := readyVolume(t, c, "shared")

	a := started(t, c, controlplane.CreateSandbox{Volumes: &[]controlplane.SandboxVolume{{VolumeID: v.ID, MountPath: "/mnt/data"}}})
	b := started(t, c, controlplane.CreateSandbox{Volumes: &[]controlplane.SandboxVolume{{VolumeID: "shared", MountPath: "/data", Subpath: strp("sub/dir")}}})
	dirA, err := srv.SandboxDir(a.ID)
	require.NoError(t, err)
	dirB, err := srv.SandboxDir(b.ID)
	require.NoError(t, err)

	require.NoError(t, os.WriteFile(filepath.Join(dirA, "mnt", "data", "sub", "dir", "hello.txt"), []byte("hi"), 0o644))
	got, err := os.ReadFile(filepath.Join(dirB, "data", "hello.txt"))
	require.NoError(t, err)
	assert.Equal(t, "hi", string(got), "both sandboxes see the volume's files")

	vol, err := c.GetVolumeWithResponse(ctx, v.ID, nil)
	require.NoError(t, err)
	assert.NotNil(t, vol.JSON200.LastUsedAt)

	del, err := c.DeleteVolumeWithResponse(ctx, v.ID, nil)
	require.NoError(t, err)
	assert.Contains(t, nestError(t, del.Body, http.StatusConflict).Message, "in use")

	for _, id := range []string{a.ID, b.ID} {
		d, err := c.DeleteSandboxWithResponse(ctx, id, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, d.StatusCode())
		waitState(t, c, id, controlplane.SandboxStateDestroyed)
	}
	del, err = c.DeleteVolumeWithResponse(ctx, v.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, del.StatusCode(), string(del.Body))
}

func TestVolumeMountErrors(t *testing.T) {
	srv := NewServer(t, WithLatency(time.Hour))
	c := client(t, srv)
	r, err := c.CreateVolumeWithResponse(context.Background(), nil, controlplane.CreateVolume{Name: "slow"})
	require.NoError(t, err)
	tests := []struct {
		name string
		id   string
		want int
		msg  string
	}{
		{"unknown volume", "ghost", 404, "Volume ghost not found"},
		{"volume not ready", r.JSON200.ID, 400, "is not ready"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.CreateSandboxWithResponse(context.Background(), nil, controlplane.CreateSandbox{
				Volumes: &[]controlplane.SandboxVolume{{VolumeID: tt.id, MountPath: "/data"}},
			})
			require.NoError(t, err)
			assert.Contains(t, nestError(t, resp.Body, tt.want).Message, tt.msg)
		})
	}
	del, err := c.DeleteVolumeWithResponse(context.Background(), r.JSON200.ID, nil)
	require.NoError(t, err)
	assert.Contains(t, nestError(t, del.Body, http.StatusBadRequest).Message, "cannot be deleted in state pending_create")

	bad, err := c.CreateVolumeWithResponse(context.Background(), nil, controlplane.CreateVolume{Name: "a/b"})
	require.NoError(t, err)
	nestError(t, bad.Body, http.StatusBadRequest)
}
