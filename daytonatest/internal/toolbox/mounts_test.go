package toolbox

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/internal/version"
)

// mountFixture is a sandbox root with two mounts, the way the emulator
// lays them out (a symlink at each mount point):
//
//	root/a -> volA            (a whole volume)
//	root/b -> volB/sub        (a subpath mount)
//	root/alias -> root/b      (a link to a mount point, inside the root)
//	volA/f.txt
//	volB/secret.txt           (in the volume, outside the mounted subpath)
//	volB/sub/x/f.txt
//	volB/sub/up -> ..         (out of the subpath)
//	volB/sub/abs -> outside   (out of everything)
//	volB/sub/toA -> volA      (into the other mount)
//	volB/sub/in -> x          (stays inside)
//	outside/secret.txt
type mountFixture struct {
	base, root, volA, volB, outside string
	tb                              *Toolbox
}

const mountSecret = "MOUNT-OUTSIDE-SECRET-51c2"

func newMountFixture(t testing.TB) *mountFixture {
	base, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	f := &mountFixture{
		base:    base,
		root:    filepath.Join(base, "root"),
		volA:    filepath.Join(base, "volA"),
		volB:    filepath.Join(base, "volB"),
		outside: filepath.Join(base, "outside"),
	}
	for _, d := range []string{f.root, f.volA, filepath.Join(f.volB, "sub", "x"), f.outside} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	files := map[string]string{
		filepath.Join(f.volA, "f.txt"):             "in A\n",
		filepath.Join(f.volB, "secret.txt"):        mountSecret + "\n",
		filepath.Join(f.volB, "sub", "x", "f.txt"): "in B\n",
		filepath.Join(f.outside, "secret.txt"):     mountSecret + "\n",
	}
	for p, c := range files {
		require.NoError(t, os.WriteFile(p, []byte(c), 0o644))
	}
	links := map[string]string{
		filepath.Join(f.root, "a"):            f.volA,
		filepath.Join(f.root, "b"):            filepath.Join(f.volB, "sub"),
		filepath.Join(f.root, "alias"):        filepath.Join(f.root, "b"),
		filepath.Join(f.volB, "sub", "up"):    "..",
		filepath.Join(f.volB, "sub", "abs"):   f.outside,
		filepath.Join(f.volB, "sub", "toA"):   f.volA,
		filepath.Join(f.volB, "sub", "in"):    "x",
		filepath.Join(f.volB, "sub", "upsec"): "../secret.txt",
	}
	for p, target := range links {
		require.NoError(t, os.Symlink(target, p))
	}
	f.tb, err = New(Config{Root: f.root, Mounts: []Mount{
		{Path: "/a", HostDir: f.volA},
		{Path: "b", HostDir: filepath.Join(f.volB, "sub")},
	}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.tb.Close() })
	return f
}

// serve runs one request against the toolbox's handler.
func (f *mountFixture) serve(method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("X-Daytona-SDK-Version", version.API)
	if body != "" {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	rec := httptest.NewRecorder()
	f.tb.Handler().ServeHTTP(rec, req)
	return rec
}

func TestMountResolve(t *testing.T) {
	f := newMountFixture(t)
	fsys := f.tb.core.fs
	for _, tc := range []struct {
		path        string
		rel, follow string // "" when refused
		followErr   bool
	}{
		{path: "a", rel: "a", follow: "a"},
		{path: "b", rel: "b", follow: "b"},
		{path: f.root + "/b", rel: "b", follow: "b"},
		{path: "b/x/f.txt", rel: "b/x/f.txt", follow: "b/x/f.txt"},
		{path: "b/new/dir/file.txt", rel: "b/new/dir/file.txt", follow: "b/new/dir/file.txt"},
		{path: "b/../elsewhere", rel: "elsewhere", follow: "elsewhere"},
		{path: "alias/x/f.txt", rel: "b/x/f.txt", follow: "b/x/f.txt"},
		{path: "alias", rel: "alias", follow: "b"},
		{path: "b/in", rel: "b/in", follow: "b/x"},
		{path: "b/in/f.txt", rel: "b/x/f.txt", follow: "b/x/f.txt"},
		{path: "b/toA/f.txt", rel: "a/f.txt", follow: "a/f.txt"},
		{path: "b/toA", rel: "b/toA", follow: "a"},
		// Out and back in: what counts is where the path really leads.
		{path: "b/up/sub/x/f.txt", rel: "b/x/f.txt", follow: "b/x/f.txt"},
		// Links out of the mounted subpath or out of everything: the link
		// itself is inside, what it points at is refused.
		{path: "b/up", rel: "b/up", followErr: true},
		{path: "b/upsec", rel: "b/upsec", followErr: true},
		{path: "b/abs", rel: "b/abs", followErr: true},
		// Walking through them is refused.
		{path: "b/up/secret.txt"},
		{path: "b/abs/secret.txt"},
		{path: "b/../../outside/secret.txt"},
		{path: f.volB + "/secret.txt"},
		{path: f.volA + "/f.txt"},
		{path: "/"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			tg, err := fsys.resolve(tc.path)
			if tc.rel == "" {
				require.Error(t, err)
				assert.Equal(t, http.StatusForbidden, asDaemonError(err).status)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.rel, tg.rel)
			if tc.followErr {
				require.Error(t, tg.followErr)
				assert.Equal(t, http.StatusForbidden, asDaemonError(tg.followErr).status)
				return
			}
			require.NoError(t, tg.followErr)
			assert.Equal(t, tc.follow, tg.follow)
		})
	}
}

func TestMountOperations(t *testing.T) {
	f := newMountFixture(t)
	rs := f.tb.core.fs.r
	read := func(p string) string {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		return string(b)
	}

	// Writes under a mount point land in the mount's directory.
	require.NoError(t, rs.MkdirAll("b/new/deep", 0o755))
	require.NoError(t, rs.WriteFile("b/new/deep/g.txt", []byte("g"), 0o644))
	assert.Equal(t, "g", read(filepath.Join(f.volB, "sub", "new", "deep", "g.txt")))
	require.NoError(t, rs.MkdirAll("b", 0o755), "a mount point is a directory")

	// The mount point is a directory, also to Lstat.
	fi, err := rs.Lstat("b")
	require.NoError(t, err)
	assert.True(t, fi.IsDir())

	// A mount point and a directory above one are busy; nothing is deleted.
	require.NoError(t, os.MkdirAll(filepath.Join(f.root, "home"), 0o755))
	require.NoError(t, os.Symlink(f.volA, filepath.Join(f.root, "home", "vol")))
	mA := rs.mounts[slices.IndexFunc(rs.mounts, func(m *mountRoot) bool { return m.point == "a" })]
	rs.mounts = append([]*mountRoot{{point: "home/vol", dir: f.volA, r: mA.r}}, rs.mounts...)
	for _, name := range []string{"a", "b", "home", "home/vol", "."} {
		require.ErrorIs(t, rs.RemoveAll(name), syscall.EBUSY, name)
		require.ErrorIs(t, rs.Remove(name), syscall.EBUSY, name)
		require.ErrorIs(t, rs.Rename(name, "moved"), syscall.EBUSY, name)
	}
	require.ErrorIs(t, rs.Rename("b/x/f.txt", "home"), syscall.EBUSY)
	rs.mounts = rs.mounts[1:]
	assert.Equal(t, "in B\n", read(filepath.Join(f.volB, "sub", "x", "f.txt")))

	// Within one mount, a move is a rename.
	require.NoError(t, rs.Rename("b/x/f.txt", "b/f.txt"))
	assert.Equal(t, "in B\n", read(filepath.Join(f.volB, "sub", "f.txt")))

	// Across a boundary it copies (a tree, links as links), then deletes.
	require.NoError(t, os.Symlink("f.txt", filepath.Join(f.volB, "sub", "new", "link")))
	require.NoError(t, rs.Rename("b/new", "a/new"))
	assert.Equal(t, "g", read(filepath.Join(f.volA, "new", "deep", "g.txt")))
	link, err := os.Readlink(filepath.Join(f.volA, "new", "link"))
	require.NoError(t, err)
	assert.Equal(t, "f.txt", link)
	assert.NoDirExists(t, filepath.Join(f.volB, "sub", "new"))
	require.NoError(t, rs.Rename("b/f.txt", "top.txt"))
	assert.Equal(t, "in B\n", read(filepath.Join(f.root, "top.txt")))
	assert.NoFileExists(t, filepath.Join(f.volB, "sub", "f.txt"))
	require.NoError(t, rs.Rename("top.txt", "b/back.txt"))
	assert.Equal(t, "in B\n", read(filepath.Join(f.volB, "sub", "back.txt")))

	// A copy that fails leaves the source and no partial destination.
	require.NoError(t, os.MkdirAll(filepath.Join(f.volA, "src", "d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(f.volA, "src", "d", "ok.txt"), []byte("ok"), 0o644))
	require.NoError(t, syscall.Mkfifo(filepath.Join(f.volA, "src", "d", "pipe"), 0o644))
	err = rs.Rename("a/src", "b/src")
	require.ErrorIs(t, err, errors.ErrUnsupported)
	assert.FileExists(t, filepath.Join(f.volA, "src", "d", "ok.txt"))
	assert.NoDirExists(t, filepath.Join(f.volB, "sub", "src"))
}

func TestMountHTTP(t *testing.T) {
	f := newMountFixture(t)
	q := url.QueryEscape

	// Upload into the mount, then the file API sees it under the mount
	// point and the host has it in the volume.
	rec := f.serve(http.MethodPost, "/files/upload-v2?path="+q("b/up2/note.txt"), "hello volume")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	b, err := os.ReadFile(filepath.Join(f.volB, "sub", "up2", "note.txt"))
	require.NoError(t, err)
	assert.Equal(t, "hello volume", string(b))

	// List of the root shows the mount point as a directory; list of the
	// mount point shows the volume.
	var infos []struct {
		Name  string `json:"name"`
		IsDir bool   `json:"isDir"`
	}
	rec = f.serve(http.MethodGet, "/files?path=.", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &infos))
	idx := slices.IndexFunc(infos, func(i struct {
		Name  string `json:"name"`
		IsDir bool   `json:"isDir"`
	}) bool {
		return i.Name == "b"
	})
	require.GreaterOrEqual(t, idx, 0)
	assert.True(t, infos[idx].IsDir)
	rec = f.serve(http.MethodGet, "/files?path=b", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), `"name":"up2"`)
	rec = f.serve(http.MethodGet, "/files?path=.&depth=3", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), `"name":"note.txt"`, "a deep listing descends into the mount point")

	// Find and search from the root walk into both mounts (matching the
	// names' ends keeps this independent of how names are shown).
	rec = f.serve(http.MethodGet, "/files/find?pattern=hello&path="+q(f.root), "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), filepath.Join("b", "up2", "note.txt")+`"`)
	rec = f.serve(http.MethodGet, "/files/search?pattern="+q("*.txt")+"&path="+q(f.root), "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), filepath.Join(f.root, "a", "f.txt"))
	assert.Contains(t, rec.Body.String(), filepath.Join(f.root, "b", "x", "f.txt"))
	assert.NotContains(t, rec.Body.String(), "secret")

	// Escapes out of the volume are refused with FILE_ACCESS_DENIED.
	for _, target := range []string{
		"/files/download?path=" + q("b/upsec"),
		"/files/download?path=" + q("b/up/secret.txt"),
		"/files/download?path=" + q("b/abs/secret.txt"),
		"/files/info?path=" + q("b/up"),
	} {
		rec = f.serve(http.MethodGet, target, "")
		assert.Equal(t, http.StatusForbidden, rec.Code, target)
		assert.Contains(t, rec.Body.String(), "FILE_ACCESS_DENIED", target)
		assert.NotContains(t, rec.Body.String(), mountSecret, target)
	}

	// Deleting the mount point is refused; its files stay.
	rec = f.serve(http.MethodDelete, "/files?recursive=true&path=b", "")
	assert.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	assert.FileExists(t, filepath.Join(f.volB, "sub", "up2", "note.txt"))

	// A move out of the mount copies and deletes.
	rec = f.serve(http.MethodPost, "/files/move?source="+q("b/up2/note.txt")+"&destination=note.txt", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.FileExists(t, filepath.Join(f.root, "note.txt"))
	assert.NoFileExists(t, filepath.Join(f.volB, "sub", "up2", "note.txt"))
}

func TestOpenMountsErrors(t *testing.T) {
	root := t.TempDir()
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		mounts []Mount
	}{
		{"root", []Mount{{Path: "/", HostDir: dir}}},
		{"dotdot root", []Mount{{Path: "/x/..", HostDir: dir}}},
		{"missing dir", []Mount{{Path: "/m", HostDir: filepath.Join(dir, "missing")}}},
		{"twice", []Mount{{Path: "/m", HostDir: dir}, {Path: "m/", HostDir: dir}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{Root: root, Mounts: tc.mounts})
			require.Error(t, err)
		})
	}
}

// FuzzMountConfinement feeds arbitrary paths to the resolution and the file
// endpoints of a toolbox with mounts (and links out of them). For every
// input: a resolved path, and what it follows, really lies under the root
// or a mounted directory; no answer carries a secret from outside them;
// an upload changes nothing outside them.
func FuzzMountConfinement(f *testing.F) {
	fx := newMountFixture(f)
	fsys := fx.tb.core.fs
	allowed := []string{fx.root, fx.volA, filepath.Join(fx.volB, "sub")}
	inside := func(real string) bool {
		return slices.ContainsFunc(allowed, func(d string) bool { return within(d, real) })
	}
	outsideState := func() []string {
		var out []string
		for _, d := range []string{fx.outside, fx.volB} {
			_ = filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
				if err == nil && !within(filepath.Join(fx.volB, "sub"), p) {
					out = append(out, p)
				}
				return nil
			})
		}
		return out
	}
	want := outsideState()
	for _, seed := range []string{
		"a", "b", "b/x/f.txt", "alias/x", "b/up", "b/up/secret.txt", "b/upsec", "b/abs/secret.txt",
		"b/toA/f.txt", "b/in/f.txt", "b/../../outside/secret.txt", "b/../b/up/../secret.txt",
		fx.volB + "/secret.txt", fx.root + "/b/up", "b/new/x.txt", "", ".", "..", "b/\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		tg, err := fsys.resolve(p)
		if err == nil {
			if real, err := evalExisting(filepath.Dir(filepath.Join(fx.root, tg.rel))); tg.rel != "." && err == nil && !inside(real) {
				t.Fatalf("resolve(%q): the entry's directory is really %s", p, real)
			}
			if tg.followErr == nil {
				if real, err := evalExisting(filepath.Join(fx.root, tg.follow)); err == nil && !inside(real) {
					t.Fatalf("resolve(%q): what it follows is really %s", p, real)
				}
			}
		}
		q := url.QueryEscape(p)
		for _, target := range []string{
			"/files/download?path=" + q,
			"/files/info?path=" + q,
			"/files?path=" + q,
			"/files/find?pattern=MOUNT&path=" + q,
			"/files/search?pattern=**&path=" + q,
		} {
			rec := fx.serve(http.MethodGet, target, "")
			if strings.Contains(rec.Body.String(), mountSecret) && !strings.Contains(p, mountSecret) {
				t.Fatalf("GET %s (%d) leaked the secret: %.300s", target, rec.Code, rec.Body.String())
			}
		}
		rec := fx.serve(http.MethodPost, "/files/upload-v2?path="+q, "planted")
		if got := outsideState(); !slices.Equal(got, want) {
			t.Fatalf("upload to %q (%d) changed the outside: %v", p, rec.Code, got)
		}
	})
}
