package daytona_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest"
	daytona "github.com/daytona-go/daytona/facade"
)

// download reads a whole sandbox file through FS.Download.
func download(t *testing.T, tt *tbTarget, p string) string {
	t.Helper()
	rc, err := tt.sb.FS.Download(tt.ctx, p)
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return string(b)
}

func TestE2EFSUploadDownload(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ctx, fsys := tt.ctx, tt.sb.FS
		names := []string{"plain.txt", "with space.txt", "ünïcødé 文件.txt", "new dir/nested/deep.txt"}
		for _, n := range names {
			require.NoError(t, fsys.Upload(ctx, tt.path(n), strings.NewReader("content of "+n)), n)
		}
		for _, n := range names {
			assert.Equal(t, "content of "+n, download(t, tt, tt.path(n)), n)
		}

		// Empty files work both ways.
		require.NoError(t, fsys.Upload(ctx, tt.path("empty"), strings.NewReader("")))
		assert.Equal(t, "", download(t, tt, tt.path("empty")))
		fi, err := fsys.Info(ctx, tt.path("empty"))
		require.NoError(t, err)
		assert.Zero(t, fi.Size)

		// Replacing a file truncates it.
		require.NoError(t, fsys.Upload(ctx, tt.path("plain.txt"), strings.NewReader("x")))
		assert.Equal(t, "x", download(t, tt, tt.path("plain.txt")))

		// Binary content of a few MiB, through local files, with progress.
		local := filepath.Join(t.TempDir(), "in dir", "bin.dat")
		require.NoError(t, os.MkdirAll(filepath.Dir(local), 0o755))
		data := make([]byte, 3<<20+7)
		_, _ = rand.Read(data)
		require.NoError(t, os.WriteFile(local, data, 0o600))
		var mu sync.Mutex
		var up []daytona.TransferProgress
		require.NoError(t, fsys.UploadFile(ctx, local, tt.path("bin.dat"), daytona.UploadOptions{OnProgress: func(p daytona.TransferProgress) {
			mu.Lock()
			up = append(up, p)
			mu.Unlock()
		}}))
		out := filepath.Join(t.TempDir(), "out.dat")
		var down []daytona.TransferProgress
		require.NoError(t, fsys.DownloadFile(ctx, tt.path("bin.dat"), out, daytona.DownloadOptions{OnProgress: func(p daytona.TransferProgress) {
			down = append(down, p)
		}}))
		got, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Equal(t, sha256.Sum256(data), sha256.Sum256(got))
		mu.Lock()
		require.NotEmpty(t, up)
		assert.Equal(t, daytona.TransferProgress{Path: tt.path("bin.dat"), Bytes: int64(len(data)), Total: int64(len(data)), Done: true}, up[len(up)-1])
		mu.Unlock()
		require.NotEmpty(t, down)
		last := down[len(down)-1]
		assert.True(t, last.Done)
		assert.Equal(t, int64(len(data)), last.Bytes)
		for i := 1; i < len(down); i++ {
			assert.GreaterOrEqual(t, down[i].Bytes, down[i-1].Bytes, "progress only grows")
		}

		// Missing files and directories.
		_, err = fsys.Download(ctx, tt.path("missing"))
		require.ErrorIs(t, err, daytona.ErrNotFound)
		_, err = fsys.Download(ctx, tt.path("new dir"))
		require.ErrorIs(t, err, daytona.ErrValidation)
		target := filepath.Join(t.TempDir(), "never")
		require.ErrorIs(t, fsys.DownloadFile(ctx, tt.path("missing"), target, daytona.DownloadOptions{}), daytona.ErrNotFound)
		assert.NoFileExists(t, target)
	})
}

func TestE2EFSBulk(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ctx, fsys := tt.ctx, tt.sb.FS
		local := filepath.Join(t.TempDir(), "local.txt")
		require.NoError(t, os.WriteFile(local, []byte("from a local file"), 0o600))
		uploads := []daytona.FileUpload{
			{Source: strings.NewReader("alpha"), Destination: tt.path("bulk/a.txt")},
			{Source: strings.NewReader(""), Destination: tt.path("bulk/empty.txt")},
			{LocalPath: local, Destination: tt.path("bulk/sub dir/ç.txt")},
			{Source: bytes.NewReader([]byte{0, 1, 2, 0xff}), Destination: tt.path("bulk/bin")},
		}
		require.NoError(t, fsys.UploadMany(ctx, uploads, daytona.UploadOptions{}))

		outDir := t.TempDir()
		var a, empty bytes.Buffer
		res, err := fsys.DownloadMany(ctx, []daytona.FileDownload{
			{Source: tt.path("bulk/a.txt"), Destination: &a},
			{Source: tt.path("bulk/missing.txt"), Destination: io.Discard},
			{Source: tt.path("bulk/empty.txt"), Destination: &empty},
			{Source: tt.path("bulk/sub dir/ç.txt"), LocalPath: filepath.Join(outDir, "c.txt")},
			{Source: tt.path("bulk"), LocalPath: filepath.Join(outDir, "dir")},
			{Source: tt.path("bulk/bin"), LocalPath: filepath.Join(outDir, "bin")},
		}, daytona.DownloadOptions{})
		require.NoError(t, err, "per-file failures do not fail the call")
		require.Len(t, res, 6)
		assert.NoError(t, res[0].Err)
		assert.Equal(t, "alpha", a.String())
		require.ErrorIs(t, res[1].Err, daytona.ErrNotFound)
		require.ErrorIs(t, res[1].Err, daytona.ErrFileNotFound)
		assert.NoError(t, res[2].Err)
		assert.Zero(t, empty.Len())
		assert.NoError(t, res[3].Err)
		b, err := os.ReadFile(filepath.Join(outDir, "c.txt"))
		require.NoError(t, err)
		assert.Equal(t, "from a local file", string(b))
		require.ErrorIs(t, res[4].Err, daytona.ErrValidation, "a directory cannot be downloaded")
		assert.NoFileExists(t, filepath.Join(outDir, "dir"))
		assert.NoError(t, res[5].Err)
		b, err = os.ReadFile(filepath.Join(outDir, "bin"))
		require.NoError(t, err)
		assert.Equal(t, []byte{0, 1, 2, 0xff}, b)
		for i, r := range res {
			assert.Equal(t, []string{"bulk/a.txt", "bulk/missing.txt", "bulk/empty.txt", "bulk/sub dir/ç.txt", "bulk", "bulk/bin"}[i],
				strings.TrimPrefix(r.Source, tt.dir+"/"))
		}
	})
}

func TestE2EFSOperations(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ctx, fsys := tt.ctx, tt.sb.FS
		require.NoError(t, fsys.CreateFolder(ctx, tt.path("ops/sub"), 0o700))
		require.NoError(t, fsys.CreateFolder(ctx, tt.path("ops/sub"), 0), "an existing directory is fine")
		fi, err := fsys.Info(ctx, tt.path("ops/sub"))
		require.NoError(t, err)
		assert.True(t, fi.IsDir)
		assert.Equal(t, "sub", fi.Name)
		assert.Equal(t, "0700", fi.Permissions)
		assert.False(t, fi.ModifiedAt.IsZero())

		require.NoError(t, fsys.UploadMany(ctx, []daytona.FileUpload{
			{Source: strings.NewReader("hello world\nsecond line\n"), Destination: tt.path("ops/a.txt")},
			{Source: strings.NewReader("nothing here\nhello again\n"), Destination: tt.path("ops/sub/b.go")},
		}, daytona.UploadOptions{}))

		entries, err := fsys.List(ctx, tt.path("ops"), daytona.ListFilesOptions{})
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"a.txt", "sub"}, names(entries))
		deep, err := fsys.List(ctx, tt.path("ops"), daytona.ListFilesOptions{Depth: 2})
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"a.txt", "sub", "b.go"}, names(deep))

		matches, err := fsys.Find(ctx, tt.path("ops"), "hello")
		require.NoError(t, err)
		require.Len(t, matches, 2)
		slices.SortFunc(matches, func(a, b daytona.Match) int { return strings.Compare(a.File, b.File) })
		assert.True(t, strings.HasSuffix(matches[0].File, "ops/a.txt"), matches[0].File)
		assert.Equal(t, 1, matches[0].Line)
		assert.Equal(t, "hello world", matches[0].Content)
		assert.True(t, strings.HasSuffix(matches[1].File, "ops/sub/b.go"), matches[1].File)
		assert.Equal(t, 2, matches[1].Line)

		found, err := fsys.Search(ctx, tt.path("ops"), "*.go")
		require.NoError(t, err)
		require.Len(t, found, 1, "base names match at any depth")
		assert.True(t, strings.HasSuffix(found[0], "ops/sub/b.go"), found[0])
		found, err = fsys.Search(ctx, tt.path("ops"), "s?b")
		require.NoError(t, err)
		require.Len(t, found, 1, "directories match too")
		assert.True(t, strings.HasSuffix(found[0], "ops/sub"), found[0])
		for _, pattern := range []string{"**/*.go", "sub/*.go", "*.{txt,go}", "[a-"} {
			found, err = fsys.Search(ctx, tt.path("ops"), pattern)
			require.NoError(t, err)
			assert.Empty(t, found, "%q matches names only, with path.Match", pattern)
		}

		results, err := fsys.ReplaceInFiles(ctx, []string{tt.path("ops/a.txt"), tt.path("ops/missing.txt")}, "hello", "bye")
		require.NoError(t, err)
		require.Len(t, results, 2)
		byFile := map[bool]daytona.ReplaceResult{}
		for _, r := range results {
			byFile[strings.HasSuffix(r.File, "a.txt")] = r
		}
		assert.True(t, byFile[true].Success)
		assert.False(t, byFile[false].Success)
		assert.NotEmpty(t, byFile[false].Error)
		assert.Equal(t, "bye world\nsecond line\n", download(t, tt, tt.path("ops/a.txt")))

		require.NoError(t, fsys.SetPermissions(ctx, tt.path("ops/a.txt"), daytona.SetPermissionsOptions{Mode: 0o640}))
		fi, err = fsys.Info(ctx, tt.path("ops/a.txt"))
		require.NoError(t, err)
		assert.Equal(t, "0640", fi.Permissions)
		assert.Equal(t, "-rw-r-----", fi.Mode)
		// Owner and group: set them to what they are (changing them needs
		// privileges the emulator's user may lack).
		require.NoError(t, fsys.SetPermissions(ctx, tt.path("ops/a.txt"), daytona.SetPermissionsOptions{Owner: fi.Owner, Group: fi.Group}))

		require.NoError(t, fsys.Move(ctx, tt.path("ops/a.txt"), tt.path("ops/moved ä.txt")))
		_, err = fsys.Info(ctx, tt.path("ops/a.txt"))
		require.ErrorIs(t, err, daytona.ErrNotFound)
		assert.Equal(t, "bye world\nsecond line\n", download(t, tt, tt.path("ops/moved ä.txt")))

		err = fsys.Delete(ctx, tt.path("ops/sub"), daytona.DeleteOptions{})
		require.ErrorIs(t, err, daytona.ErrValidation, "a directory needs Recursive")
		require.NoError(t, fsys.Delete(ctx, tt.path("ops/sub"), daytona.DeleteOptions{Recursive: true}))
		require.NoError(t, fsys.Delete(ctx, tt.path("ops/moved ä.txt"), daytona.DeleteOptions{}))
		require.ErrorIs(t, fsys.Delete(ctx, tt.path("ops/moved ä.txt"), daytona.DeleteOptions{}), daytona.ErrNotFound)
		entries, err = fsys.List(ctx, tt.path("ops"), daytona.ListFilesOptions{})
		require.NoError(t, err)
		assert.Empty(t, entries)
		_, err = fsys.List(ctx, tt.path("nowhere"), daytona.ListFilesOptions{})
		require.ErrorIs(t, err, daytona.ErrNotFound)
	})
}

func names(fis []daytona.FileInfo) []string {
	out := make([]string, len(fis))
	for i, fi := range fis {
		out[i] = fi.Name
	}
	return out
}

// TestE2EFSEmulatorHost checks the files on the emulator's host directory
// and its fault paths: an upload that gets 429 is sent once, a download
// cut midway is an error.
func TestE2EFSEmulatorHost(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		tt.needEmulator(t)
		ctx, fsys := tt.ctx, tt.sb.FS
		require.NoError(t, fsys.Upload(ctx, tt.path("host.txt"), strings.NewReader("on the host")))
		root, err := tt.emu.SandboxDir(tt.sandboxID)
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(root, tt.dir, "host.txt"))
		require.NoError(t, err)
		assert.Equal(t, "on the host", string(b))
		fi, err := os.Stat(filepath.Join(root, tt.dir))
		require.NoError(t, err)
		assert.Equal(t, fs.FileMode(0o755), fi.Mode().Perm())

		for _, ep := range []string{"upload-v2", "bulk-upload"} {
			path := "/toolbox/" + tt.sandboxID + "/files/" + ep
			before := tt.emu.Requests("POST", path)
			tt.emu.InjectFault(daytonatest.Fault{Method: "POST", Path: path, Status: 429, RetryAfter: "0"})
			if ep == "upload-v2" {
				err = fsys.Upload(ctx, tt.path("once.txt"), strings.NewReader("x"))
			} else {
				err = fsys.UploadMany(ctx, []daytona.FileUpload{{Source: strings.NewReader("x"), Destination: tt.path("once.txt")}}, daytona.UploadOptions{})
			}
			require.ErrorIs(t, err, daytona.ErrRateLimited, ep)
			assert.Equal(t, 1, tt.emu.Requests("POST", path)-before, "a streamed upload is never retried (%s)", ep)
		}

		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		require.NoError(t, fsys.Upload(ctx, tt.path("big.bin"), bytes.NewReader(big)))
		tt.emu.InjectFault(daytonatest.Fault{Method: "POST", Path: "/toolbox/" + tt.sandboxID + "/files/bulk-download", CloseAfterBytes: 64 << 10})
		outDir := t.TempDir()
		res, err := fsys.DownloadMany(ctx, []daytona.FileDownload{
			{Source: tt.path("big.bin"), LocalPath: filepath.Join(outDir, "big.bin")},
			{Source: tt.path("host.txt"), Destination: io.Discard},
		}, daytona.DownloadOptions{})
		require.Error(t, err, "a stream cut before its closing boundary")
		require.Len(t, res, 2)
		require.Error(t, res[0].Err)
		require.Error(t, res[1].Err)
		assert.NoFileExists(t, filepath.Join(outDir, "big.bin"), "no partial file")

		tt.emu.InjectFault(daytonatest.Fault{Method: "GET", Path: "/toolbox/" + tt.sandboxID + "/files/download", CloseAfterBytes: 64 << 10})
		target := filepath.Join(outDir, "single.bin")
		require.Error(t, fsys.DownloadFile(ctx, tt.path("big.bin"), target, daytona.DownloadOptions{}))
		assert.NoFileExists(t, target, "no partial file")
		entries, err := os.ReadDir(outDir)
		require.NoError(t, err)
		assert.Empty(t, entries, "no temporary file left")
	})
}
