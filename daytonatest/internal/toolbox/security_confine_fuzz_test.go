package toolbox

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/daytona-go/daytona/internal/version"
)

// FuzzPathConfinement feeds arbitrary client paths to the file API's path
// resolution and to the file endpoints of a toolbox whose root holds
// symlinks of every kind (out absolute, out relative, chained, dangling,
// looping, "..", and links that stay inside), beside a directory outside
// the root holding a secret. For every input:
//
//   - resolve either refuses (400/403) or gives paths under the root, whose
//     real location (symlinks resolved) is under the root too;
//   - no answer of download, info, list, find or search carries the outside
//     secret or an outside file's name;
//   - an upload to the path changes nothing outside the root.
func FuzzPathConfinement(f *testing.F) {
	const (
		secret      = "OUTSIDE-SECRET-7f3a9c"
		outsideName = "zz-outside-only-name.txt"
	)
	base := f.TempDir()
	root := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(root, "d"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			f.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, outsideName), []byte(secret+"\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	links := map[string]string{
		"esc":    outside,
		"relesc": "../outside",
		"chain":  "esc",
		"dangle": filepath.Join(outside, "new"),
		"in":     "d",
		"absin":  filepath.Join(root, "d"),
		"loop":   "loop",
		"dotdot": "..",
		"d/up":   "../..",
		"d/file": filepath.Join(outside, outsideName),
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			f.Fatal(err)
		}
	}
	fixture := map[string]bool{"d": true}
	for name := range links {
		fixture[name] = true
	}
	tb, err := New(Config{Root: root})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = tb.Close() })
	fsys := tb.core.fs
	h := tb.Handler()
	realRoot := fsys.root

	// reset removes what uploads created and restores the inside file.
	reset := func() {
		for _, dir := range []string{root, filepath.Join(root, "d")} {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				rel, _ := filepath.Rel(root, filepath.Join(dir, e.Name()))
				if !fixture[rel] && rel != "d/in.txt" {
					_ = os.RemoveAll(filepath.Join(dir, e.Name()))
				}
			}
		}
		_ = os.WriteFile(filepath.Join(root, "d", "in.txt"), []byte("inside\n"), 0o644)
	}
	reset()
	outsideState := func() []string {
		var out []string
		_ = filepath.WalkDir(outside, func(p string, d os.DirEntry, err error) error {
			if err == nil {
				out = append(out, p)
			}
			return nil
		})
		b, _ := os.ReadFile(filepath.Join(outside, outsideName))
		return append(out, string(b))
	}
	wantOutside := outsideState()

	for _, seed := range []string{
		"", ".", "/", "..", "../outside/" + outsideName, "d/in.txt", "in/in.txt", "absin/in.txt",
		"esc", "esc/" + outsideName, "relesc/" + outsideName, "chain/" + outsideName, "dangle", "dangle/x",
		"loop", "loop/x", "dotdot/outside/" + outsideName, "d/up/outside", "d/file", "d/../../outside",
		"a/../../outside", "./././d", "d//in.txt", "d/./../esc", outside, outside + "/" + outsideName,
		root + "/esc/" + outsideName, root + "/d/in.txt", root + "/../outside", "\x00", "d/in.txt\x00.txt",
		"%2e%2e/outside", "..\\outside", "~/" + outsideName, "new/dir/file.txt",
	} {
		f.Add(seed)
	}

	serve := func(method, target string, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("X-Daytona-SDK-Version", version.API)
		if body != "" {
			req.Header.Set("Content-Type", "application/octet-stream")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	f.Fuzz(func(t *testing.T, p string) {
		defer reset()
		// Resolution invariants.
		tg, err := fsys.resolve(p)
		if err != nil {
			de, ok := err.(*daemonError)
			if !ok || (de.status != http.StatusBadRequest && de.status != http.StatusForbidden) {
				t.Fatalf("resolve(%q): unexpected error %#v", p, err)
			}
		} else {
			for _, rel := range []string{tg.rel, tg.follow} {
				if rel != "." && !filepath.IsLocal(rel) {
					t.Fatalf("resolve(%q) gave %q, not under the root", p, rel)
				}
			}
			// The directory holding the entry (the root itself has none).
			if real, err := filepath.EvalSymlinks(filepath.Dir(filepath.Join(realRoot, tg.rel))); tg.rel != "." && err == nil && !within(realRoot, real) {
				t.Fatalf("resolve(%q): the entry's directory is really %s", p, real)
			}
			if tg.followErr == nil {
				if real, err := filepath.EvalSymlinks(filepath.Join(realRoot, tg.follow)); err == nil && !within(realRoot, real) {
					t.Fatalf("resolve(%q): what it follows is really %s", p, real)
				}
			}
		}

		// The endpoints. Answers may repeat the client's path, so a marker
		// the input itself carries proves nothing.
		q := url.QueryEscape(p)
		for _, target := range []string{
			"/files/download?path=" + q,
			"/files/info?path=" + q,
			"/files?path=" + q,
			"/files/find?pattern=SECRET&path=" + q,
			"/files/search?pattern=**&path=" + q,
		} {
			rec := serve(http.MethodGet, target, "")
			body := rec.Body.String()
			for _, marker := range []string{secret, outsideName} {
				if strings.Contains(body, marker) && !strings.Contains(p, marker) {
					t.Fatalf("GET %s (%d) leaked %q: %.300s", target, rec.Code, marker, body)
				}
			}
		}
		rec := serve(http.MethodPost, "/files/upload-v2?path="+q, "planted")
		if got := outsideState(); !slices.Equal(got, wantOutside) {
			t.Fatalf("upload to %q (%d) changed the outside: %v", p, rec.Code, got)
		}
	})
}
