package daytonatest

import (
	"archive/tar"
	"bytes"
	"context"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
)

// contextTar is an uncompressed tar of files (entry name -> content),
// each preceded by its directories, as imagebuilder writes a context.
func contextTar(t testing.TB, files map[string]string) []byte {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(files[n]))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

// putContext stores a context straight into the object storage backend,
// as if it had been uploaded, under hash.
func putContext(t testing.TB, srv *Server, hash string, files map[string]string) {
	t.Helper()
	data := contextTar(t, files)
	_, err := srv.store.backend.PutObject(ObjectStorageBucket, srv.contextKey(hash), map[string]string{}, bytes.NewReader(data), int64(len(data)), nil)
	require.NoError(t, err)
}

// waitSnapshot polls a snapshot until it is in state want; 10 s at most.
func waitSnapshot(t *testing.T, c *controlplane.ClientWithResponses, id string, want controlplane.SnapshotState) controlplane.SnapshotDto {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		r, err := c.GetSnapshotWithResponse(context.Background(), id, nil)
		require.NoError(t, err)
		if r.StatusCode() == http.StatusOK {
			if r.JSON200.State == want {
				return *r.JSON200
			}
			last = string(r.JSON200.State)
		} else {
			last = r.Status()
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("snapshot %s did not reach %s (last: %s)", id, want, last)
	return controlplane.SnapshotDto{}
}

// waitVolume polls a volume by ID until it is in state want; 10 s at most.
func waitVolume(t *testing.T, c *controlplane.ClientWithResponses, id string, want controlplane.VolumeState) controlplane.VolumeDto {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		r, err := c.GetVolumeWithResponse(context.Background(), id, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
		if r.JSON200.State == want {
			return *r.JSON200
		}
		last = string(r.JSON200.State)
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("volume %s did not reach %s (last: %s)", id, want, last)
	return controlplane.VolumeDto{}
}

// readyVolume creates a volume and waits until it is ready.
func readyVolume(t *testing.T, c *controlplane.ClientWithResponses, name string) controlplane.VolumeDto {
	t.Helper()
	r, err := c.CreateVolumeWithResponse(context.Background(), nil, controlplane.CreateVolume{Name: name})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
	return waitVolume(t, c, r.JSON200.ID, controlplane.VolumeStateReady)
}

// newSecret creates a secret.
func newSecret(t *testing.T, c *controlplane.ClientWithResponses, name, value string) controlplane.Secret {
	t.Helper()
	r, err := c.CreateSecretWithResponse(context.Background(), nil, controlplane.CreateSecret{Name: name, Value: value})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, r.StatusCode(), string(r.Body))
	return *r.JSON201
}
