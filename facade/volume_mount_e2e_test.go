package daytona_test

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	daytona "github.com/daytona-go/daytona/facade"
)

// readRemote downloads a sandbox file whole.
func readRemote(ctx context.Context, t *testing.T, sb *daytona.Sandbox, p string) string {
	t.Helper()
	rc, err := sb.FS.Download(ctx, p)
	require.NoError(t, err, p)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err, p)
	return string(b)
}

// TestVolumeMountFileAPI goes through the toolbox file API of sandboxes
// that mount the same volume: what one writes under its mount point, the
// others read under theirs. (The emulator's file paths are relative to the
// sandbox directory, so mountPath /data is "data".)
func TestVolumeMountFileAPI(t *testing.T) {
	t.Parallel()
	_, c, ctx := emulator(t)
	_, err := c.Volumes.Create(ctx, "shared-files")
	require.NoError(t, err)
	vol, err := c.Volumes.WaitUntilReady(ctx, "shared-files")
	require.NoError(t, err)

	a, err := c.Create(ctx, daytona.FromSnapshot{Volumes: []daytona.VolumeMount{{VolumeID: vol.ID, MountPath: "/data"}}}, daytona.CreateOptions{})
	require.NoError(t, err)
	b, err := c.Create(ctx, daytona.FromSnapshot{Volumes: []daytona.VolumeMount{{VolumeID: "shared-files", MountPath: "/mnt/v"}}}, daytona.CreateOptions{})
	require.NoError(t, err)
	sub, err := c.Create(ctx, daytona.FromSnapshot{Volumes: []daytona.VolumeMount{{VolumeID: vol.ID, MountPath: "/work", Subpath: "team/a"}}}, daytona.CreateOptions{})
	require.NoError(t, err)

	// Upload in A, read in B; the mount point is a directory.
	require.NoError(t, a.FS.Upload(ctx, "data/dir/hello.txt", strings.NewReader("hello from A\n")))
	assert.Equal(t, "hello from A\n", readRemote(ctx, t, b, "mnt/v/dir/hello.txt"))
	info, err := b.FS.Info(ctx, "mnt/v")
	require.NoError(t, err)
	assert.True(t, info.IsDir)
	entries, err := b.FS.List(ctx, "mnt/v/dir", daytona.ListFilesOptions{})
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "hello.txt", entries[0].Name)

	// A subpath mount sees (and writes) only its part of the volume.
	require.NoError(t, sub.FS.Upload(ctx, "work/c.txt", strings.NewReader("from the subpath")))
	assert.Equal(t, "from the subpath", readRemote(ctx, t, a, "data/team/a/c.txt"))
	_, err = sub.FS.Info(ctx, "work/dir")
	assert.ErrorIs(t, err, daytona.ErrNotFound, "the rest of the volume is not under the subpath mount")

	// Bulk upload into one mount, bulk download from another.
	require.NoError(t, a.FS.UploadMany(ctx, []daytona.FileUpload{
		{Source: strings.NewReader("one"), Destination: "data/bulk/1.txt"},
		{Source: strings.NewReader("two"), Destination: "data/bulk/2.txt"},
	}, daytona.UploadOptions{}))
	var one, two bytes.Buffer
	res, err := b.FS.DownloadMany(ctx, []daytona.FileDownload{
		{Source: "mnt/v/bulk/1.txt", Destination: &one},
		{Source: "mnt/v/bulk/2.txt", Destination: &two},
	}, daytona.DownloadOptions{})
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err, r.Source)
	}
	assert.Equal(t, "one", one.String())
	assert.Equal(t, "two", two.String())

	// Find and search walk into the mount, from the mount point and from
	// the sandbox root (a relative request gives relative names).
	matches, err := b.FS.Find(ctx, "mnt/v", "from A")
	require.NoError(t, err)
	require.Len(t, matches, 1)
	assert.Equal(t, "mnt/v/dir/hello.txt", filepath.ToSlash(matches[0].File))
	matches, err = b.FS.Find(ctx, ".", "from the subpath")
	require.NoError(t, err)
	require.Len(t, matches, 1)
	assert.Equal(t, "mnt/v/team/a/c.txt", filepath.ToSlash(matches[0].File))
	found, err := b.FS.Search(ctx, ".", "*.txt")
	require.NoError(t, err)
	for _, want := range []string{"mnt/v/dir/hello.txt", "mnt/v/bulk/2.txt", "mnt/v/team/a/c.txt"} {
		assert.Contains(t, found, filepath.FromSlash(want))
	}

	// Replace in B, seen in A.
	rr, err := b.FS.ReplaceInFiles(ctx, []string{"mnt/v/dir/hello.txt"}, "from A", "via B")
	require.NoError(t, err)
	require.Len(t, rr, 1)
	assert.True(t, rr[0].Success, rr[0].Error)
	assert.Equal(t, "hello via B\n", readRemote(ctx, t, a, "data/dir/hello.txt"))

	// Move within the mount, then out of it (a copy, then a delete).
	require.NoError(t, b.FS.Move(ctx, "mnt/v/dir/hello.txt", "mnt/v/moved.txt"))
	assert.Equal(t, "hello via B\n", readRemote(ctx, t, a, "data/moved.txt"))
	require.NoError(t, a.FS.Move(ctx, "data/moved.txt", "local.txt"))
	assert.Equal(t, "hello via B\n", readRemote(ctx, t, a, "local.txt"))
	_, err = b.FS.Info(ctx, "mnt/v/moved.txt")
	assert.ErrorIs(t, err, daytona.ErrNotFound, "moved out of the volume")
	require.NoError(t, a.FS.Move(ctx, "local.txt", "data/back.txt"))
	assert.Equal(t, "hello via B\n", readRemote(ctx, t, b, "mnt/v/back.txt"))

	// Delete in B, gone in A; the mount point itself cannot be deleted.
	require.NoError(t, b.FS.Delete(ctx, "mnt/v/bulk", daytona.DeleteOptions{Recursive: true}))
	_, err = a.FS.Info(ctx, "data/bulk")
	assert.ErrorIs(t, err, daytona.ErrNotFound)
	assert.Error(t, a.FS.Delete(ctx, "data", daytona.DeleteOptions{Recursive: true}))
	assert.Equal(t, "hello via B\n", readRemote(ctx, t, b, "mnt/v/back.txt"), "a refused delete removes nothing")

	// Processes see the same files through the mount.
	out, err := b.Process.Exec(ctx, "cat mnt/v/back.txt", daytona.ExecOptions{})
	require.NoError(t, err)
	assert.Equal(t, 0, out.ExitCode)
	assert.Equal(t, "hello via B\n", out.Result)
}

// TestVolumeMountEscapesRefused plants links inside a subpath mount that
// lead out of it (to the rest of the volume, and to the host's root): the
// file API refuses every path through them with FILE_ACCESS_DENIED, and
// nothing is written outside the mount.
func TestVolumeMountEscapesRefused(t *testing.T) {
	t.Parallel()
	_, c, ctx := emulator(t)
	_, err := c.Volumes.Create(ctx, "escapes")
	require.NoError(t, err)
	vol, err := c.Volumes.WaitUntilReady(ctx, "escapes")
	require.NoError(t, err)
	whole, err := c.Create(ctx, daytona.FromSnapshot{Volumes: []daytona.VolumeMount{{VolumeID: vol.ID, MountPath: "/all"}}}, daytona.CreateOptions{})
	require.NoError(t, err)
	sub, err := c.Create(ctx, daytona.FromSnapshot{Volumes: []daytona.VolumeMount{{VolumeID: vol.ID, MountPath: "/work", Subpath: "team"}}}, daytona.CreateOptions{})
	require.NoError(t, err)

	require.NoError(t, whole.FS.Upload(ctx, "all/private.txt", strings.NewReader("not for the team")))
	require.NoError(t, whole.FS.CreateFolder(ctx, "all/team", 0o755))
	out, err := sub.Process.Exec(ctx, "ln -s .. work/up && ln -s / work/hostroot && ln -s ../private.txt work/peek", daytona.ExecOptions{})
	require.NoError(t, err)
	require.Equal(t, 0, out.ExitCode, out.Result)

	refused := []struct {
		name string
		call func() error
	}{
		{"download through ..", func() error { _, err := sub.FS.Download(ctx, "work/up/private.txt"); return err }},
		{"download a link out", func() error { _, err := sub.FS.Download(ctx, "work/peek"); return err }},
		{"info through ..", func() error { _, err := sub.FS.Info(ctx, "work/up/private.txt"); return err }},
		{"list the host root", func() error { _, err := sub.FS.List(ctx, "work/hostroot", daytona.ListFilesOptions{}); return err }},
		{"upload through ..", func() error {
			return sub.FS.Upload(ctx, "work/up/planted.txt", strings.NewReader("x"))
		}},
		{"folder through ..", func() error { return sub.FS.CreateFolder(ctx, "work/up/newdir", 0o755) }},
		{"move out through ..", func() error { return sub.FS.Move(ctx, "work/up/private.txt", "stolen.txt") }},
		{"find through ..", func() error { _, err := sub.FS.Find(ctx, "work/up", "team"); return err }},
	}
	for _, tc := range refused {
		err := tc.call()
		require.Error(t, err, tc.name)
		assert.ErrorIs(t, err, daytona.ErrFileAccessDenied, tc.name)
		assert.ErrorIs(t, err, daytona.ErrForbidden, tc.name)
		assert.NotContains(t, err.Error(), "not for the team", tc.name)
	}

	// Nothing changed outside the subpath.
	entries, err := whole.FS.List(ctx, "all", daytona.ListFilesOptions{})
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
	}
	slices.Sort(names)
	assert.Equal(t, []string{"private.txt", "team"}, names)
	assert.Equal(t, "not for the team", readRemote(ctx, t, whole, "all/private.txt"))

	// Links that stay in the mount are followed.
	require.NoError(t, sub.FS.Upload(ctx, "work/in.txt", strings.NewReader("inside")))
	out, err = sub.Process.Exec(ctx, "ln -s in.txt work/alias", daytona.ExecOptions{})
	require.NoError(t, err)
	require.Equal(t, 0, out.ExitCode, out.Result)
	assert.Equal(t, "inside", readRemote(ctx, t, sub, "work/alias"))
}
