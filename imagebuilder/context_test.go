package imagebuilder

import (
	"archive/tar"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func md5hex(parts ...string) string {
	h := md5.New()
	for _, p := range parts {
		io.WriteString(h, p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func hashOf(t *testing.T, local, arc string) string {
	t.Helper()
	h, err := Context{LocalPath: local, ArchivePath: arc}.Hash()
	require.NoError(t, err)
	return h
}

// TestHashVectors checks the worked examples of PROTOCOLS.md 10.5.
func TestHashVectors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "file/req.txt"), "numpy\n")
	touch(t, filepath.Join(dir, "app/a.txt"), "A")
	touch(t, filepath.Join(dir, "app/sub/b.txt"), "B")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "ctx"), 0o755))

	tests := []struct {
		name, local, arc, want string
	}{
		{"file", "file/req.txt", "home/user/proj/req.txt", "3f4dce22eef19c4b0b69264d0d6e475c"},
		{"nested directory", "app", "app", "127ce80c7d9a7a5a99d0d2a23a5ef244"},
		{"empty directory", "ctx", "ctx", "2bcfddbc86ce229ae59ee3df4cc424af"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hashOf(t, filepath.Join(dir, tt.local), tt.arc)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, got, hashOf(t, filepath.Join(dir, tt.local), tt.arc), "deterministic")
		})
	}
	// The formula, spelled out, gives the same keys.
	assert.Equal(t, md5hex("home/user/proj/req.txt", "numpy\n"), "3f4dce22eef19c4b0b69264d0d6e475c")
	assert.Equal(t, md5hex("app", "a.txt", "A", "sub/b.txt", "B"), "127ce80c7d9a7a5a99d0d2a23a5ef244")
	assert.Equal(t, md5hex("ctx", "."), "2bcfddbc86ce229ae59ee3df4cc424af")
}

func TestHashChanges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	app := filepath.Join(dir, "app")
	touch(t, filepath.Join(app, "a.txt"), "A")
	touch(t, filepath.Join(app, "sub/b.txt"), "B")
	base := hashOf(t, app, "app")

	assert.NotEqual(t, base, hashOf(t, app, "/app"), "the archive path is part of the key, leading slash included")

	touch(t, filepath.Join(app, "sub/b.txt"), "B2")
	changed := hashOf(t, app, "app")
	assert.NotEqual(t, base, changed, "content change")
	assert.Equal(t, md5hex("app", "a.txt", "A", "sub/b.txt", "B2"), changed)

	require.NoError(t, os.Rename(filepath.Join(app, "sub/b.txt"), filepath.Join(app, "sub/c.txt")))
	renamed := hashOf(t, app, "app")
	assert.NotEqual(t, changed, renamed, "name change")
	assert.Equal(t, md5hex("app", "a.txt", "A", "sub/c.txt", "B2"), renamed)

	require.NoError(t, os.Mkdir(filepath.Join(app, "sub/empty"), 0o755))
	assert.Equal(t, md5hex("app", "a.txt", "A", "sub/c.txt", "B2", "sub/empty"), hashOf(t, app, "app"),
		"an empty directory contributes its relative path")
}

// TestHashRawOrder checks that the files of a directory are hashed in the
// order the file system lists them, as Python's os.walk does, and that a
// directory's files come before its subdirectories.
func TestHashRawOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, n := range []string{"m", "b", "y", "a", "q", "k"} {
		touch(t, filepath.Join(dir, n+".txt"), n)
	}
	touch(t, filepath.Join(dir, "0sub/z.txt"), "z")
	f, err := os.Open(dir)
	require.NoError(t, err)
	raw, err := f.Readdirnames(-1)
	require.NoError(t, f.Close())
	require.NoError(t, err)
	parts := []string{"x"}
	for _, n := range raw {
		if n != "0sub" {
			parts = append(parts, n, n[:1])
		}
	}
	parts = append(parts, "0sub/z.txt", "z")
	assert.Equal(t, md5hex(parts...), hashOf(t, dir, "x"))
}

func TestHashSymlinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "target/t.txt"), "T")
	touch(t, filepath.Join(dir, "real.txt"), "R")
	onlyDirLink := filepath.Join(dir, "a")
	require.NoError(t, os.Mkdir(onlyDirLink, 0o755))
	require.NoError(t, os.Symlink("../target", filepath.Join(onlyDirLink, "link")))
	assert.Equal(t, md5hex("a"), hashOf(t, onlyDirLink, "a"),
		"a symlinked directory is listed (so the directory is not empty) but not descended")

	fileLink := filepath.Join(dir, "b")
	require.NoError(t, os.Mkdir(fileLink, 0o755))
	require.NoError(t, os.Symlink("../real.txt", filepath.Join(fileLink, "l.txt")))
	assert.Equal(t, md5hex("b", "l.txt", "R"), hashOf(t, fileLink, "b"), "a symlinked file is read")

	require.NoError(t, os.Symlink("real.txt", filepath.Join(dir, "top.txt")))
	assert.Equal(t, md5hex("top.txt", "R"), hashOf(t, filepath.Join(dir, "top.txt"), "top.txt"))

	broken := filepath.Join(dir, "c")
	require.NoError(t, os.Mkdir(broken, 0o755))
	require.NoError(t, os.Symlink("nowhere", filepath.Join(broken, "x")))
	_, err := Context{LocalPath: broken, ArchivePath: "c"}.Hash()
	require.ErrorIs(t, err, fs.ErrNotExist)
}

func TestContextErrors(t *testing.T) {
	t.Parallel()
	missing := Context{LocalPath: filepath.Join(t.TempDir(), "nope"), ArchivePath: "nope"}
	_, err := missing.Hash()
	require.ErrorIs(t, err, fs.ErrNotExist)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "Hash", e.Op)
	assert.Equal(t, missing.LocalPath, e.Path)
	assert.Contains(t, err.Error(), missing.LocalPath)

	err = missing.WriteTar(io.Discard)
	require.ErrorIs(t, err, fs.ErrNotExist)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "WriteTar", e.Op)

	if _, err := os.Stat("/dev/null"); err == nil {
		dev := Context{LocalPath: "/dev/null", ArchivePath: "null"}
		_, err := dev.Hash()
		require.ErrorIs(t, err, ErrNotFile)
		require.ErrorIs(t, dev.WriteTar(io.Discard), ErrNotFile)
	}
}

type tarEntry struct {
	Name     string
	Type     byte
	Body     string
	Linkname string
	Mode     int64
}

func readTar(t *testing.T, b []byte) []tarEntry {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	var out []tarEntry
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		out = append(out, tarEntry{Name: h.Name, Type: h.Typeflag, Body: string(body), Linkname: h.Linkname, Mode: h.Mode & 0o777})
	}
}

func writeTar(t *testing.T, c Context) []tarEntry {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, c.WriteTar(&buf))
	return readTar(t, buf.Bytes())
}

func TestWriteTarLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "f/req.txt"), "numpy\n")
	require.NoError(t, os.Chmod(filepath.Join(dir, "f/req.txt"), 0o600))
	touch(t, filepath.Join(dir, "app/z.txt"), "Z")
	touch(t, filepath.Join(dir, "app/a.txt"), "A")
	touch(t, filepath.Join(dir, "app/sub/b.txt"), "B")
	touch(t, filepath.Join(dir, "app/.hidden"), "H")
	mkdir(t, filepath.Join(dir, "app/empty"))
	mkdir(t, filepath.Join(dir, "ctx"))
	touch(t, filepath.Join(dir, "other/o.txt"), "O")
	require.NoError(t, os.Symlink("../other/o.txt", filepath.Join(dir, "app/flink")))
	require.NoError(t, os.Symlink("../other", filepath.Join(dir, "app/dlink")))

	tests := []struct {
		name string
		ctx  Context
		want []tarEntry
	}{
		{
			name: "file",
			ctx:  Context{LocalPath: filepath.Join(dir, "f/req.txt"), ArchivePath: "home/user/proj/req.txt"},
			want: []tarEntry{{Name: "home/user/proj/req.txt", Type: tar.TypeReg, Body: "numpy\n", Mode: 0o600}},
		},
		{
			name: "leading slash dropped",
			ctx:  Context{LocalPath: filepath.Join(dir, "f/req.txt"), ArchivePath: "/abs/req.txt"},
			want: []tarEntry{{Name: "abs/req.txt", Type: tar.TypeReg, Body: "numpy\n", Mode: 0o600}},
		},
		{
			name: "empty directory",
			ctx:  Context{LocalPath: filepath.Join(dir, "ctx"), ArchivePath: "ctx"},
			want: []tarEntry{{Name: "ctx/", Type: tar.TypeDir, Mode: 0o755}},
		},
		{
			name: "directory tree in sorted order",
			ctx:  Context{LocalPath: filepath.Join(dir, "app"), ArchivePath: "/home/u/app"},
			want: []tarEntry{
				{Name: "home/u/app/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "home/u/app/.hidden", Type: tar.TypeReg, Body: "H", Mode: 0o644},
				{Name: "home/u/app/a.txt", Type: tar.TypeReg, Body: "A", Mode: 0o644},
				{Name: "home/u/app/dlink", Type: tar.TypeSymlink, Linkname: "../other", Mode: 0o777},
				{Name: "home/u/app/empty/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "home/u/app/flink", Type: tar.TypeReg, Body: "O", Mode: 0o644},
				{Name: "home/u/app/sub/", Type: tar.TypeDir, Mode: 0o755},
				{Name: "home/u/app/sub/b.txt", Type: tar.TypeReg, Body: "B", Mode: 0o644},
				{Name: "home/u/app/z.txt", Type: tar.TypeReg, Body: "Z", Mode: 0o644},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, writeTar(t, tt.ctx))
		})
	}
}

// TestWriteTarEmptyFile checks that an empty file is archived.
func TestWriteTarEmptyFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "empty")
	touch(t, p, "")
	got := writeTar(t, Context{LocalPath: p, ArchivePath: "empty"})
	require.Len(t, got, 1)
	assert.Equal(t, "empty", got[0].Name)
	assert.Empty(t, got[0].Body)
}

// TestWriteTarConstantMemory archives a 64 MiB (sparse) file and checks that
// the allocations stay far below its size: the file is streamed.
func TestWriteTarConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 64 MiB sparse file")
	}
	const size = 64 << 20
	p := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(p)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(size))
	require.NoError(t, f.Close())
	c := Context{LocalPath: p, ArchivePath: "big"}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cw := &countingWriter{}
	require.NoError(t, c.WriteTar(cw))
	_, err = c.Hash()
	require.NoError(t, err)
	runtime.ReadMemStats(&after)

	assert.Greater(t, cw.n, int64(size))
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4<<20), "bytes allocated while archiving and hashing 64 MiB")
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// TestWriteTarWriterError checks that a failing writer stops the archive
// with its error (what an aborted upload looks like).
func TestWriteTarWriterError(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "f")
	touch(t, p, "content")
	boom := errors.New("upload aborted")
	err := Context{LocalPath: p, ArchivePath: "f"}.WriteTar(failingWriter{boom})
	require.ErrorIs(t, err, boom)
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func benchFile(b *testing.B, size int64) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), "data")
	data := bytes.Repeat([]byte("0123456789abcdef"), int(size/16))
	require.NoError(b, os.WriteFile(p, data, 0o644))
	return p
}

// BenchmarkWriteTar measures archiving a 16 MiB file; BenchmarkCopyBaseline
// is a plain io.Copy of the same file for comparison.
func BenchmarkWriteTar(b *testing.B) {
	p := benchFile(b, 16<<20)
	c := Context{LocalPath: p, ArchivePath: "data"}
	b.SetBytes(16 << 20)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WriteTar(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCopyBaseline(b *testing.B) {
	p := benchFile(b, 16<<20)
	b.SetBytes(16 << 20)
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// BenchmarkHash measures the context key of a 16 MiB file;
// BenchmarkMD5Baseline hashes the same file with a plain io.Copy.
func BenchmarkHash(b *testing.B) {
	p := benchFile(b, 16<<20)
	c := Context{LocalPath: p, ArchivePath: "data"}
	b.SetBytes(16 << 20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Hash(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMD5Baseline(b *testing.B) {
	p := benchFile(b, 16<<20)
	b.SetBytes(16 << 20)
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		h := md5.New()
		if _, err := io.Copy(h, f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
