package toolbox_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
)

// Escapes that paths_test.go does not try: symbolic links that point out
// relatively, through a chain, or at a file that does not exist yet (a
// write through them would create it outside); the file replace endpoint;
// a git clone into an outside path; and a directory swapped for an escaping
// symlink during every remaining kind of call (paths_test.go covers
// upload-v2, download, delete and permissions).

// escapeLinks adds, inside the root: "relesc" -> ../<outside> (relative),
// "chain" -> "chain2" -> <outside>, "dangle" -> <outside>/new.txt and
// "dangledir" -> <outside>/newdir (neither exists).
func escapeLinks(t *testing.T, c *confinedEnv) {
	rel, err := filepath.Rel(c.root, c.outside)
	require.NoError(t, err)
	require.NoError(t, os.Symlink(rel, c.path("relesc")))
	require.NoError(t, os.Symlink(c.outside, c.path("chain2")))
	require.NoError(t, os.Symlink("chain2", c.path("chain")))
	require.NoError(t, os.Symlink(filepath.Join(c.outside, "new.txt"), c.path("dangle")))
	require.NoError(t, os.Symlink(filepath.Join(c.outside, "newdir"), c.path("dangledir")))
}

func TestSecurityMoreEscapes(t *testing.T) {
	c := newConfinedEnv(t)
	escapeLinks(t, c)
	ctx := t.Context()
	q := url.QueryEscape
	// An empty repository to clone (outside the root: a source URL may be
	// anywhere, only the destination is confined).
	src := filepath.Join(t.TempDir(), "src.git")
	out, err := exec.Command("git", "init", "--bare", "-q", src).CombinedOutput()
	require.NoError(t, err, "%s", out)
	jsonCT := http.Header{"Content-Type": {"application/json"}}

	tests := []struct {
		name string
		call func() *http.Response
		// anyRefusal accepts any error answer instead of 403: git refuses
		// these itself (the emulator hands it a host path), with 400/500.
		anyRefusal bool
	}{
		{"download through a relative link", func() *http.Response {
			return c.do(http.MethodGet, "/files/download?path="+q("relesc/secret.txt"), nil, nil)
		}, false},
		{"download through a chain of links", func() *http.Response {
			return c.do(http.MethodGet, "/files/download?path="+q("chain/secret.txt"), nil, nil)
		}, false},
		{"info of the chain itself", func() *http.Response { return c.do(http.MethodGet, "/files/info?path=chain", nil, nil) }, false},
		{"upload through a dangling link", func() *http.Response {
			resp, err := c.raw.UploadFileWithBody(ctx, &tbclient.UploadFileParams{Path: "dangle"}, "application/octet-stream", strings.NewReader("planted"))
			require.NoError(t, err)
			return resp
		}, false},
		{"legacy upload through a dangling link", func() *http.Response {
			ct, body := multipartBody(t, [3]string{"file", "f", "planted"})
			return c.do(http.MethodPost, "/files/upload?path=dangle", body, http.Header{"Content-Type": {ct}})
		}, false},
		{"upload under a dangling directory link", func() *http.Response {
			resp, err := c.raw.UploadFileWithBody(ctx, &tbclient.UploadFileParams{Path: "dangledir/planted.txt"}, "application/octet-stream", strings.NewReader("planted"))
			require.NoError(t, err)
			return resp
		}, false},
		{"folder through a dangling directory link", func() *http.Response {
			return c.do(http.MethodPost, "/files/folder?mode=0755&path=dangledir", nil, nil)
		}, false},
		{"folder under a dangling directory link", func() *http.Response {
			return c.do(http.MethodPost, "/files/folder?mode=0755&path="+q("dangledir/sub"), nil, nil)
		}, false},
		{"move onto a dangling link's target", func() *http.Response {
			c.write("mine.txt", "mine")
			return c.do(http.MethodPost, "/files/move?source=mine.txt&destination="+q("dangledir/planted.txt"), nil, nil)
		}, false},
		{"move out through a relative link", func() *http.Response {
			c.write("mine2.txt", "mine")
			return c.do(http.MethodPost, "/files/move?source=mine2.txt&destination="+q("relesc/planted.txt"), nil, nil)
		}, false},
		{"list through a chain", func() *http.Response { return c.do(http.MethodGet, "/files?path=chain", nil, nil) }, false},
		{"search through a relative link", func() *http.Response {
			return c.do(http.MethodGet, "/files/search?pattern=*&path=relesc", nil, nil)
		}, false},
		{"git clone into an outside path", func() *http.Response {
			resp, err := c.raw.CloneRepository(ctx, tbclient.GitCloneRequest{URL: src, Path: filepath.Join(c.outside, "clone")})
			require.NoError(t, err)
			return resp
		}, false},
		{"git clone under a dangling directory link", func() *http.Response {
			resp, err := c.raw.CloneRepository(ctx, tbclient.GitCloneRequest{URL: src, Path: "dangledir/sub"})
			require.NoError(t, err)
			return resp
		}, true},
		{"git init under a dangling directory link", func() *http.Response {
			resp, err := c.raw.InitRepository(ctx, tbclient.GitInitRequest{Path: "dangledir/repo"})
			require.NoError(t, err)
			return resp
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.call()
			body := readAll(t, resp)
			if tt.anyRefusal {
				assert.GreaterOrEqual(t, resp.StatusCode, 400, "%s", body)
			} else {
				requireEnvelope(t, resp, body, http.StatusForbidden, "FILE_ACCESS_DENIED")
			}
			assert.NotContains(t, string(body), `"secret"`)
			c.outsideUnchanged(t)
		})
	}

	t.Run("replace refuses every outside file", func(t *testing.T) {
		rel, err := filepath.Rel(c.root, filepath.Join(c.outside, "secret.txt"))
		require.NoError(t, err)
		files := []string{
			filepath.Join(c.outside, "secret.txt"), rel, "esc/secret.txt", "esclink", "relesc/secret.txt", "chain/secret.txt", "dangle",
		}
		b, err := json.Marshal(map[string]any{"files": files, "pattern": "secret", "newValue": "pwned"})
		require.NoError(t, err)
		resp := c.do(http.MethodPost, "/files/replace", strings.NewReader(string(b)), jsonCT)
		body := readAll(t, resp)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var results []struct {
			File    string `json:"file"`
			Success bool   `json:"success"`
			Error   string `json:"error"`
		}
		require.NoError(t, json.Unmarshal(body, &results))
		require.Len(t, results, len(files))
		for _, r := range results {
			assert.False(t, r.Success, "%s was replaced", r.File)
		}
		c.outsideUnchanged(t)
	})

	t.Run("the links themselves can be removed, their targets stay", func(t *testing.T) {
		for _, p := range []string{"relesc", "chain", "dangle", "dangledir"} {
			resp := c.do(http.MethodDelete, "/files?recursive=true&path="+p, nil, nil)
			body := readAll(t, resp)
			require.Equal(t, http.StatusNoContent, resp.StatusCode, "%s: %s", p, body)
		}
		c.outsideUnchanged(t)
	})
}

// TestSecuritySymlinkSwapEveryCall swaps the directory "victim" for a
// symlink to the outside between the path check and its use, for the calls
// paths_test.go's TestSymlinkSwapDuringCall does not cover.
func TestSecuritySymlinkSwapEveryCall(t *testing.T) {
	q := url.QueryEscape
	tests := []struct {
		name string
		// swapAt is the resolved path (under the root) after whose check
		// the swap happens.
		swapAt string
		call   func(c *confinedEnv) *http.Response
		// listing is true for calls that answer 200 with what they found
		// (find, search): they must find nothing outside.
		listing bool
	}{
		{"info", "victim/secret.txt", func(c *confinedEnv) *http.Response {
			return c.do(http.MethodGet, "/files/info?path="+q("victim/secret.txt"), nil, nil)
		}, false},
		{"list", "victim", func(c *confinedEnv) *http.Response {
			return c.do(http.MethodGet, "/files?path=victim", nil, nil)
		}, false},
		{"folder", "victim/newdir", func(c *confinedEnv) *http.Response {
			return c.do(http.MethodPost, "/files/folder?mode=0755&path="+q("victim/newdir"), nil, nil)
		}, false},
		{"move from", "victim/secret.txt", func(c *confinedEnv) *http.Response {
			return c.do(http.MethodPost, "/files/move?source="+q("victim/secret.txt")+"&destination=stolen.txt", nil, nil)
		}, false},
		{"move to", "victim/planted.txt", func(c *confinedEnv) *http.Response {
			c.write("mine.txt", "mine")
			return c.do(http.MethodPost, "/files/move?source=mine.txt&destination="+q("victim/planted.txt"), nil, nil)
		}, false},
		{"legacy upload", "victim/secret.txt", func(c *confinedEnv) *http.Response {
			ct, body := multipartBody(t, [3]string{"file", "f", "overwritten"})
			return c.do(http.MethodPost, "/files/upload?path="+q("victim/secret.txt"), body, http.Header{"Content-Type": {ct}})
		}, false},
		{"find", "victim", func(c *confinedEnv) *http.Response {
			return c.do(http.MethodGet, "/files/find?pattern=secret&path=victim", nil, nil)
		}, true},
		{"search", "victim", func(c *confinedEnv) *http.Response {
			return c.do(http.MethodGet, "/files/search?pattern=*&path=victim", nil, nil)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConfinedEnv(t)
			c.write("victim/secret.txt", "inside")
			var once sync.Once
			swapped := false
			toolbox.SetAfterResolve(c.tb, func(rel string) {
				if rel != filepath.FromSlash(tt.swapAt) {
					return
				}
				once.Do(func() {
					require.NoError(t, os.RemoveAll(c.path("victim")))
					require.NoError(t, os.Symlink(c.outside, c.path("victim")))
					swapped = true
				})
			})
			resp := tt.call(c)
			body := readAll(t, resp)
			require.True(t, swapped, "the swap happened")
			if tt.listing && resp.StatusCode == http.StatusOK {
				assert.NotContains(t, string(body), c.outside, "nothing outside was found: %s", body)
				assert.NotContains(t, string(body), `"secret"`)
			} else {
				requireEnvelope(t, resp, body, http.StatusForbidden, "FILE_ACCESS_DENIED")
			}
			c.outsideUnchanged(t)
		})
	}

	t.Run("replace", func(t *testing.T) {
		c := newConfinedEnv(t)
		c.write("victim/secret.txt", "secret inside")
		var once sync.Once
		toolbox.SetAfterResolve(c.tb, func(rel string) {
			if rel == filepath.Join("victim", "secret.txt") {
				once.Do(func() {
					require.NoError(t, os.RemoveAll(c.path("victim")))
					require.NoError(t, os.Symlink(c.outside, c.path("victim")))
				})
			}
		})
		resp := c.do(http.MethodPost, "/files/replace", strings.NewReader(`{"files":["victim/secret.txt"],"pattern":"secret","newValue":"pwned"}`),
			http.Header{"Content-Type": {"application/json"}})
		body := readAll(t, resp)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), `"success":false`)
		c.outsideUnchanged(t)
	})

	t.Run("bulk upload", func(t *testing.T) {
		c := newConfinedEnv(t)
		c.write("victim/secret.txt", "inside")
		var once sync.Once
		toolbox.SetAfterResolve(c.tb, func(rel string) {
			if rel == filepath.Join("victim", "secret.txt") {
				once.Do(func() {
					require.NoError(t, os.RemoveAll(c.path("victim")))
					require.NoError(t, os.Symlink(c.outside, c.path("victim")))
				})
			}
		})
		ct, body := multipartBody(t, [3]string{"files[0].path", "", "victim/secret.txt"}, [3]string{"files[0].file", "secret.txt", "overwritten"})
		resp := c.do(http.MethodPost, "/files/bulk-upload", body, http.Header{"Content-Type": {ct}})
		raw := readAll(t, resp)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", raw)
		c.outsideUnchanged(t)
	})

	t.Run("bulk download", func(t *testing.T) {
		c := newConfinedEnv(t)
		c.write("victim/secret.txt", "inside")
		var once sync.Once
		toolbox.SetAfterResolve(c.tb, func(rel string) {
			if rel == filepath.Join("victim", "secret.txt") {
				once.Do(func() {
					require.NoError(t, os.RemoveAll(c.path("victim")))
					require.NoError(t, os.Symlink(c.outside, c.path("victim")))
				})
			}
		})
		resp := c.do(http.MethodPost, "/files/bulk-download", strings.NewReader(`{"paths":["victim/secret.txt"]}`),
			http.Header{"Content-Type": {"application/json"}})
		body := readAll(t, resp)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, string(body), `"code":"FILE_ACCESS_DENIED"`)
		assert.NotContains(t, string(body), "\r\nsecret\r\n")
	})
}
