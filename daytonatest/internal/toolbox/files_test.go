package toolbox_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
)

func ptr[T any](v T) *T { return &v }

func TestListFiles(t *testing.T) {
	e := newEnv(t)
	e.write("b.txt", "bb")
	e.write("a/x.txt", "x")
	e.write("a/deep/y.txt", "yy")
	ctx := t.Context()

	tests := []struct {
		name  string
		path  *string
		depth *int
		want  []string // paths relative to the root, in order
	}{
		{name: "work dir by default", want: []string{"a", "b.txt"}},
		{name: "relative", path: ptr("a"), want: []string{"a/deep", "a/x.txt"}},
		{name: "absolute inside", path: ptr(e.path("a")), want: []string{"a/deep", "a/x.txt"}},
		{name: "depth 2", depth: ptr(2), want: []string{"a", "a/deep", "a/x.txt", "b.txt"}},
		{name: "depth 3", depth: ptr(3), want: []string{"a", "a/deep", "a/deep/y.txt", "a/x.txt", "b.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := e.c.ListFilesWithResponse(ctx, &tbclient.ListFilesParams{Path: tt.path, Depth: tt.depth})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode(), "%s", resp.Body)
			assert.Equal(t, "application/json; charset=utf-8", resp.HTTPResponse.Header.Get("Content-Type"))
			require.NotNil(t, resp.JSON200)
			var got []string
			for _, fi := range *resp.JSON200 {
				require.NotNil(t, fi.Path)
				rel, err := filepath.Rel(e.root, *fi.Path)
				require.NoError(t, err)
				got = append(got, filepath.ToSlash(rel))
				assert.Equal(t, filepath.Base(*fi.Path), fi.Name)
			}
			assert.Equal(t, tt.want, got)
		})
	}

	t.Run("missing is an empty 404", func(t *testing.T) {
		resp := e.do(http.MethodGet, "/files?path=nope", nil, nil)
		requireEmpty(t, resp, readAll(t, resp), http.StatusNotFound)
	})
	t.Run("depth 0 is 400", func(t *testing.T) {
		resp := e.do(http.MethodGet, "/files?depth=0", nil, nil)
		requireEnvelope(t, resp, readAll(t, resp), http.StatusBadRequest, "BAD_REQUEST")
	})
}

func TestGetFileInfo(t *testing.T) {
	e := newEnv(t)
	e.write("dir/hello.txt", "hello world\n")
	require.NoError(t, os.Chmod(e.path("dir/hello.txt"), 0o640))
	mod := time.Date(2026, 11, 25, 17, 18, 23, 150394735, time.UTC)
	require.NoError(t, os.Chtimes(e.path("dir/hello.txt"), mod, mod))

	resp, err := e.c.GetFileInfoWithResponse(t.Context(), &tbclient.GetFileInfoParams{Path: "dir/hello.txt"})
	require.NoError(t, err)
	require.NotNil(t, resp.JSON200, "%s", resp.Body)
	fi := *resp.JSON200
	assert.Equal(t, "hello.txt", fi.Name)
	assert.Equal(t, 12, fi.Size)
	assert.False(t, fi.IsDir)
	assert.Equal(t, "-rw-r-----", fi.Mode)
	assert.Equal(t, "0640", fi.Permissions)
	assert.Equal(t, "2026-11-25 17:18:23.150394735 +0000 UTC", fi.ModTime, "Go's time.String form (quirk 24)")
	assert.Equal(t, "2026-11-25T17:18:23.150394735Z", fi.ModifiedAt)
	assert.Equal(t, strconv.Itoa(os.Getuid()), fi.Owner)
	assert.Equal(t, strconv.Itoa(os.Getgid()), fi.Group)
	assert.Equal(t, e.path("dir/hello.txt"), *fi.Path)

	dir, err := e.c.GetFileInfoWithResponse(t.Context(), &tbclient.GetFileInfoParams{Path: "dir"})
	require.NoError(t, err)
	require.NotNil(t, dir.JSON200)
	assert.True(t, dir.JSON200.IsDir)
	assert.Equal(t, "d", dir.JSON200.Mode[:1])

	missing := e.do(http.MethodGet, "/files/info?path=missing", nil, nil)
	requireEmpty(t, missing, readAll(t, missing), http.StatusNotFound)
}

func TestCreateFolder(t *testing.T) {
	e := newEnv(t)
	resp, err := e.raw.CreateFolder(t.Context(), &tbclient.CreateFolderParams{Path: "a/b/c", Mode: "0700"})
	require.NoError(t, err)
	requireEmpty(t, resp, readAll(t, resp), http.StatusCreated)
	fi, err := os.Stat(e.path("a/b/c"))
	require.NoError(t, err)
	assert.True(t, fi.IsDir())
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())

	again, err := e.raw.CreateFolder(t.Context(), &tbclient.CreateFolderParams{Path: "a/b/c", Mode: "0755"})
	require.NoError(t, err)
	requireEmpty(t, again, readAll(t, again), http.StatusCreated) // quirk 23

	bad, err := e.raw.CreateFolder(t.Context(), &tbclient.CreateFolderParams{Path: "x", Mode: "rwx"})
	require.NoError(t, err)
	requireEnvelope(t, bad, readAll(t, bad), http.StatusBadRequest, "BAD_REQUEST")
}

func TestDeleteFile(t *testing.T) {
	e := newEnv(t)
	e.write("f.txt", "x")
	e.write("d/inner.txt", "y")
	ctx := t.Context()

	dirNoRec, err := e.raw.DeleteFile(ctx, &tbclient.DeleteFileParams{Path: "d"})
	require.NoError(t, err)
	requireEmpty(t, dirNoRec, readAll(t, dirNoRec), http.StatusBadRequest)
	assert.DirExists(t, e.path("d"))

	for _, p := range []tbclient.DeleteFileParams{{Path: "f.txt"}, {Path: "d", Recursive: ptr(true)}} {
		resp, err := e.raw.DeleteFile(ctx, &p)
		require.NoError(t, err)
		requireEmpty(t, resp, readAll(t, resp), http.StatusNoContent)
		assert.NoFileExists(t, e.path(p.Path))
		assert.NoDirExists(t, e.path(p.Path))
	}

	missing, err := e.raw.DeleteFile(ctx, &tbclient.DeleteFileParams{Path: "f.txt"})
	require.NoError(t, err)
	requireEmpty(t, missing, readAll(t, missing), http.StatusNotFound)

	root, err := e.raw.DeleteFile(ctx, &tbclient.DeleteFileParams{Path: e.root, Recursive: ptr(true)})
	require.NoError(t, err)
	requireEnvelope(t, root, readAll(t, root), http.StatusForbidden, "FILE_ACCESS_DENIED")
	assert.DirExists(t, e.root)
}

func TestMoveFile(t *testing.T) {
	e := newEnv(t)
	e.write("src.txt", "content")
	e.write("taken.txt", "other")
	ctx := t.Context()

	resp, err := e.raw.MoveFile(ctx, &tbclient.MoveFileParams{Source: "src.txt", Destination: "sub/../moved.txt"})
	require.NoError(t, err)
	requireEmpty(t, resp, readAll(t, resp), http.StatusOK)
	b, err := os.ReadFile(e.path("moved.txt"))
	require.NoError(t, err)
	assert.Equal(t, "content", string(b))
	assert.NoFileExists(t, e.path("src.txt"))

	tests := []struct {
		name, src, dst string
		status         int
		code           string
	}{
		{"missing source", "nope.txt", "x.txt", http.StatusNotFound, "FILE_NOT_FOUND"},
		{"missing destination dir", "moved.txt", "no/dir/x.txt", http.StatusNotFound, "FILE_NOT_FOUND"},
		{"existing destination", "moved.txt", "taken.txt", http.StatusConflict, "CONFLICT"},
		{"destination outside", "moved.txt", "../escaped.txt", http.StatusForbidden, "FILE_ACCESS_DENIED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := e.raw.MoveFile(ctx, &tbclient.MoveFileParams{Source: tt.src, Destination: tt.dst})
			require.NoError(t, err)
			requireEnvelope(t, resp, readAll(t, resp), tt.status, tt.code)
		})
	}
	assert.NoFileExists(t, filepath.Join(filepath.Dir(e.root), "escaped.txt"))
}

func TestSetFilePermissions(t *testing.T) {
	e := newEnv(t)
	e.write("f.sh", "#!/bin/sh\n")
	uid, gid := strconv.Itoa(os.Getuid()), strconv.Itoa(os.Getgid())
	resp, err := e.raw.SetFilePermissions(t.Context(), &tbclient.SetFilePermissionsParams{
		Path: "f.sh", Mode: ptr("0751"), Owner: &uid, Group: &gid,
	})
	require.NoError(t, err)
	requireEmpty(t, resp, readAll(t, resp), http.StatusOK)
	fi, err := os.Stat(e.path("f.sh"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o751), fi.Mode().Perm())

	missing, err := e.raw.SetFilePermissions(t.Context(), &tbclient.SetFilePermissionsParams{Path: "nope", Mode: ptr("0644")})
	require.NoError(t, err)
	requireEnvelope(t, missing, readAll(t, missing), http.StatusNotFound, "FILE_NOT_FOUND")

	badUser, err := e.raw.SetFilePermissions(t.Context(), &tbclient.SetFilePermissionsParams{Path: "f.sh", Owner: ptr("no-such-user-xyz")})
	require.NoError(t, err)
	requireEnvelope(t, badUser, readAll(t, badUser), http.StatusBadRequest, "BAD_REQUEST")
}

func TestFindInFiles(t *testing.T) {
	e := newEnv(t)
	e.write("src/a.go", "package a\n// TODO one\nfunc x() {}\n")
	e.write("src/sub/b.txt", "nothing\nstill TODO here\r\nTODO")
	e.write("src/bin.dat", "TODO\x00binary")
	resp, err := e.c.FindInFilesWithResponse(t.Context(), &tbclient.FindInFilesParams{Path: "src", Pattern: "TODO"})
	require.NoError(t, err)
	require.NotNil(t, resp.JSON200, "%s", resp.Body)
	type m struct {
		file    string
		line    int
		content string
	}
	var got []m
	for _, x := range *resp.JSON200 {
		got = append(got, m{x.File, x.Line, x.Content})
	}
	assert.Equal(t, []m{ // named as filepath.Walk("src") names them
		{"src/a.go", 2, "// TODO one"},
		{"src/sub/b.txt", 2, "still TODO here"},
		{"src/sub/b.txt", 3, "TODO"},
	}, got)

	none, err := e.c.FindInFilesWithResponse(t.Context(), &tbclient.FindInFilesParams{Path: "src", Pattern: "absent"})
	require.NoError(t, err)
	require.NotNil(t, none.JSON200)
	assert.Empty(t, *none.JSON200)
	assert.JSONEq(t, "[]", string(none.Body))
}

func TestSearchFiles(t *testing.T) {
	e := newEnv(t)
	for _, f := range []string{"a.txt", "b.go", "sub/c.txt", "sub/deep/d.txt", "sub/deep/e.md"} {
		e.write(f, "x")
	}
	tests := []struct {
		pattern string
		want    []string // in walk (lexical) order
	}{
		// The base name of every entry at any depth, directories and the
		// searched directory itself included.
		{"*.txt", []string{"a.txt", "sub/c.txt", "sub/deep/d.txt"}},
		{"?.go", []string{"b.go"}},
		{"*", []string{".", "a.txt", "b.go", "sub", "sub/c.txt", "sub/deep", "sub/deep/d.txt", "sub/deep/e.md"}},
		{"deep", []string{"sub/deep"}},
		{"[de].*", []string{"sub/deep/d.txt", "sub/deep/e.md"}},
		// Separators, "**" and {a,b} get no special meaning.
		{"**/*.txt", nil},
		{"sub/*.txt", nil},
		{"*.{md,txt}", nil},
		{"*.none", nil},
		// A pattern that does not parse matches nothing.
		{"[a-", nil},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			resp, err := e.c.SearchFilesWithResponse(t.Context(), &tbclient.SearchFilesParams{Path: ".", Pattern: tt.pattern})
			require.NoError(t, err)
			require.NotNil(t, resp.JSON200, "%s", resp.Body)
			want := append([]string{}, tt.want...) // relative, as the request was
			assert.Equal(t, want, resp.JSON200.Files)
		})
	}
	abs, err := e.c.SearchFilesWithResponse(t.Context(), &tbclient.SearchFilesParams{Path: e.path("sub"), Pattern: "*.txt"})
	require.NoError(t, err)
	require.NotNil(t, abs.JSON200, "%s", abs.Body)
	assert.Equal(t, []string{e.path("sub/c.txt"), e.path("sub/deep/d.txt")}, abs.JSON200.Files, "absolute, as the request was")
	missing, err := e.c.SearchFilesWithResponse(t.Context(), &tbclient.SearchFilesParams{Path: "no/such/dir", Pattern: "*"})
	require.NoError(t, err)
	require.NotNil(t, missing.JSON200, "a missing directory has no matches: %s", missing.Body)
	assert.Empty(t, missing.JSON200.Files)
}

func TestReplaceInFiles(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", "foo bar foo")
	e.write("b.txt", "no match")
	resp, err := e.c.ReplaceInFilesWithResponse(t.Context(), tbclient.ReplaceRequest{
		Files: []string{"a.txt", e.path("b.txt"), "missing.txt", "../outside.txt"}, Pattern: "foo", NewValue: "baz",
	})
	require.NoError(t, err)
	require.NotNil(t, resp.JSON200, "%s", resp.Body)
	res := *resp.JSON200
	require.Len(t, res, 4)
	assert.True(t, *res[0].Success)
	assert.Equal(t, "a.txt", *res[0].File)
	assert.True(t, *res[1].Success)
	assert.False(t, *res[2].Success)
	assert.Contains(t, *res[2].Error, "no such file")
	assert.False(t, *res[3].Success)
	assert.Contains(t, *res[3].Error, "outside the sandbox root")
	b, _ := os.ReadFile(e.path("a.txt"))
	assert.Equal(t, "baz bar baz", string(b))
	b, _ = os.ReadFile(e.path("b.txt"))
	assert.Equal(t, "no match", string(b))
}
