package toolbox_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
)

// confinedEnv is a toolbox plus a directory outside its root holding a
// secret, reachable through the symlinks "esc" (to the directory) and
// "esclink" (to the secret).
type confinedEnv struct {
	*testEnv
	outside string
}

func newConfinedEnv(t *testing.T) *confinedEnv {
	e := newEnv(t)
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret"), 0o644))
	require.NoError(t, os.Symlink(outside, e.path("esc")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret.txt"), e.path("esclink")))
	return &confinedEnv{testEnv: e, outside: outside}
}

// outsideUnchanged checks that nothing was created, changed or removed
// outside the root.
func (c *confinedEnv) outsideUnchanged(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(c.outside)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only secret.txt may be outside")
	b, err := os.ReadFile(filepath.Join(c.outside, "secret.txt"))
	require.NoError(t, err)
	require.Equal(t, "secret", string(b))
	fi, err := os.Stat(filepath.Join(c.outside, "secret.txt"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
}

// multipartBody builds a multipart body from (field, filename, content)
// triples; filename "" makes a plain field.
func multipartBody(t *testing.T, parts ...[3]string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w interface{ Write([]byte) (int, error) }
		var err error
		if p[1] == "" {
			w, err = mw.CreateFormField(p[0])
		} else {
			w, err = mw.CreateFormFile(p[0], p[1])
		}
		require.NoError(t, err)
		_, err = w.Write([]byte(p[2]))
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), &buf
}

func TestPathConfinement(t *testing.T) {
	c := newConfinedEnv(t)
	ctx := t.Context()
	q := url.QueryEscape

	// Every call that takes a path, given a path that leaves the root.
	calls := []struct {
		name string
		call func(p string) *http.Response
		// follows is false for the calls that act on a final symlink itself
		// (they may touch the link inside the root, never its target).
		follows bool
	}{
		{"list", func(p string) *http.Response { return c.do(http.MethodGet, "/files?path="+q(p), nil, nil) }, true},
		{"info", func(p string) *http.Response { return c.do(http.MethodGet, "/files/info?path="+q(p), nil, nil) }, true},
		{"folder", func(p string) *http.Response {
			return c.do(http.MethodPost, "/files/folder?mode=0755&path="+q(p+"/newdir"), nil, nil)
		}, true},
		{"delete", func(p string) *http.Response {
			return c.do(http.MethodDelete, "/files?recursive=true&path="+q(p+"/secret.txt"), nil, nil)
		}, true},
		{"move from", func(p string) *http.Response {
			return c.do(http.MethodPost, "/files/move?source="+q(p+"/secret.txt")+"&destination=stolen.txt", nil, nil)
		}, true},
		{"move to", func(p string) *http.Response {
			c.write("mine.txt", "mine")
			return c.do(http.MethodPost, "/files/move?source=mine.txt&destination="+q(p+"/planted.txt"), nil, nil)
		}, true},
		{"permissions", func(p string) *http.Response {
			return c.do(http.MethodPost, "/files/permissions?mode=0600&path="+q(p+"/secret.txt"), nil, nil)
		}, true},
		{"find", func(p string) *http.Response {
			return c.do(http.MethodGet, "/files/find?pattern=secret&path="+q(p), nil, nil)
		}, true},
		{"search", func(p string) *http.Response {
			return c.do(http.MethodGet, "/files/search?pattern=*&path="+q(p), nil, nil)
		}, true},
		{"download", func(p string) *http.Response {
			return c.do(http.MethodGet, "/files/download?path="+q(p+"/secret.txt"), nil, nil)
		}, true},
		{"upload-v2 raw", func(p string) *http.Response {
			resp, err := c.raw.UploadFileWithBody(ctx, &tbclient.UploadFileParams{Path: p + "/planted.txt"}, "application/octet-stream", strings.NewReader("x"))
			require.NoError(t, err)
			return resp
		}, true},
		{"upload-v2 multipart", func(p string) *http.Response {
			ct, body := multipartBody(t, [3]string{"file", "f", "x"})
			resp, err := c.raw.UploadFileWithBody(ctx, &tbclient.UploadFileParams{Path: p + "/planted.txt"}, ct, body)
			require.NoError(t, err)
			return resp
		}, true},
		{"upload legacy", func(p string) *http.Response {
			ct, body := multipartBody(t, [3]string{"file", "f", "x"})
			return c.do(http.MethodPost, "/files/upload?path="+q(p+"/planted.txt"), body, http.Header{"Content-Type": {ct}})
		}, true},
		{"git init", func(p string) *http.Response {
			resp, err := c.raw.InitRepository(ctx, tbclient.GitInitRequest{Path: p + "/repo"})
			require.NoError(t, err)
			return resp
		}, true},
		{"git status", func(p string) *http.Response {
			resp, err := c.raw.GetStatus(ctx, &tbclient.GetStatusParams{Path: p})
			require.NoError(t, err)
			return resp
		}, true},
	}
	bad := []struct{ name, path string }{
		{"dot-dot", "../" + filepath.Base(c.outside)},
		{"dot-dot inside a path", "a/../../" + filepath.Base(c.outside)},
		{"absolute elsewhere", c.outside},
		{"symlinked directory", "esc"},
		{"absolute through the symlink", c.path("esc")},
	}
	for _, call := range calls {
		for _, b := range bad {
			t.Run(call.name+"/"+b.name, func(t *testing.T) {
				// The outside dir sits beside the root only when both come
				// from t.TempDir of different tests; point dot-dot at it.
				p := b.path
				if strings.HasPrefix(p, "../") || strings.HasPrefix(p, "a/") {
					rel, err := filepath.Rel(c.root, c.outside)
					require.NoError(t, err)
					if strings.HasPrefix(p, "a/") {
						rel = "a/../" + rel
					}
					p = rel
				}
				resp := call.call(p)
				body := readAll(t, resp)
				requireEnvelope(t, resp, body, http.StatusForbidden, "FILE_ACCESS_DENIED")
				assert.NotContains(t, string(body), "secret\"", "no content of the outside file")
				c.outsideUnchanged(t)
			})
		}
	}

	t.Run("final symlink is followed only inside", func(t *testing.T) {
		for _, path := range []string{
			"/files/download?path=esclink", "/files/info?path=esclink",
		} {
			resp := c.do(http.MethodGet, path, nil, nil)
			requireEnvelope(t, resp, readAll(t, resp), http.StatusForbidden, "FILE_ACCESS_DENIED")
		}
		resp, err := c.raw.UploadFileWithBody(ctx, &tbclient.UploadFileParams{Path: "esclink"}, "application/octet-stream", strings.NewReader("overwritten"))
		require.NoError(t, err)
		requireEnvelope(t, resp, readAll(t, resp), http.StatusForbidden, "FILE_ACCESS_DENIED")
		c.outsideUnchanged(t)
	})

	t.Run("a symlink inside the root is followed", func(t *testing.T) {
		c.write("real/data.txt", "inside")
		require.NoError(t, os.Symlink(c.path("real"), c.path("abslink"))) // absolute target
		require.NoError(t, os.Symlink("real/data.txt", c.path("rellink")))
		for _, p := range []string{"abslink/data.txt", "rellink", c.path("abslink/data.txt")} {
			resp := c.do(http.MethodGet, "/files/download?path="+q(p), nil, nil)
			body := readAll(t, resp)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", p, body)
			assert.Equal(t, "inside", string(body))
		}
	})

	t.Run("deleting an escaping symlink removes the link only", func(t *testing.T) {
		resp := c.do(http.MethodDelete, "/files?path=esclink", nil, nil)
		requireEmpty(t, resp, readAll(t, resp), http.StatusNoContent)
		_, err := os.Lstat(c.path("esclink"))
		assert.True(t, os.IsNotExist(err))
		c.outsideUnchanged(t)
	})

	t.Run("bulk download reports an error part", func(t *testing.T) {
		resp := c.do(http.MethodPost, "/files/bulk-download", strings.NewReader(`{"paths":["esc/secret.txt"]}`),
			http.Header{"Content-Type": {"application/json"}})
		body := readAll(t, resp)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, string(body), `name="error"`)
		assert.Contains(t, string(body), `"code":"FILE_ACCESS_DENIED"`)
		assert.NotContains(t, string(body), "\r\nsecret\r\n")
	})

	t.Run("bulk upload refuses the file", func(t *testing.T) {
		ct, body := multipartBody(t,
			[3]string{"files[0].path", "", "esc/planted.txt"}, [3]string{"files[0].file", "planted.txt", "x"},
			[3]string{"files[1].path", "", "ok.txt"}, [3]string{"files[1].file", "ok.txt", "ok"})
		resp := c.do(http.MethodPost, "/files/bulk-upload", body, http.Header{"Content-Type": {ct}})
		raw := readAll(t, resp)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", raw)
		var e4 struct {
			Errors []string `json:"errors"`
			Files  []struct {
				Path  string `json:"path"`
				Bytes int    `json:"bytes"`
			} `json:"files"`
		}
		require.NoError(t, json.Unmarshal(raw, &e4))
		require.Len(t, e4.Errors, 1)
		assert.Contains(t, e4.Errors[0], "file[0]")
		assert.Contains(t, e4.Errors[0], "outside the sandbox root")
		require.Len(t, e4.Files, 1)
		assert.Equal(t, c.path("ok.txt"), e4.Files[0].Path)
		c.outsideUnchanged(t)
	})
}

// TestSymlinkSwapDuringCall swaps a directory for a symlink to the outside
// between the path check and its use: the os.Root walk must refuse it.
func TestSymlinkSwapDuringCall(t *testing.T) {
	tests := []struct {
		name string
		call func(c *confinedEnv) *http.Response
	}{
		{"upload-v2", func(c *confinedEnv) *http.Response {
			resp, err := c.raw.UploadFileWithBody(t.Context(), &tbclient.UploadFileParams{Path: "victim/secret.txt"}, "application/octet-stream", strings.NewReader("overwritten"))
			require.NoError(t, err)
			return resp
		}},
		{"download", func(c *confinedEnv) *http.Response {
			return c.do(http.MethodGet, "/files/download?path=victim/secret.txt", nil, nil)
		}},
		{"delete", func(c *confinedEnv) *http.Response {
			return c.do(http.MethodDelete, "/files?path=victim/secret.txt", nil, nil)
		}},
		{"permissions", func(c *confinedEnv) *http.Response {
			return c.do(http.MethodPost, "/files/permissions?mode=0600&path=victim/secret.txt", nil, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConfinedEnv(t)
			c.write("victim/secret.txt", "inside")
			var once sync.Once
			toolbox.SetAfterResolve(c.tb, func(rel string) {
				if rel != filepath.Join("victim", "secret.txt") {
					return
				}
				once.Do(func() {
					require.NoError(t, os.RemoveAll(c.path("victim")))
					require.NoError(t, os.Symlink(c.outside, c.path("victim")))
				})
			})
			resp := tt.call(c)
			body := readAll(t, resp)
			requireEnvelope(t, resp, body, http.StatusForbidden, "FILE_ACCESS_DENIED")
			assert.NotContains(t, string(body), "secret\"")
			c.outsideUnchanged(t)
		})
	}
}
