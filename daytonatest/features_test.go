package daytonatest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

// fakeToolbox echoes what it was made for and the path it got.
type fakeToolbox struct {
	sb     toolboxSandbox
	mu     sync.Mutex
	closed bool
}

func (f *fakeToolbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "%s %s %s", f.sb.ID, r.URL.Path, f.sb.Env["A"])
}

func (f *fakeToolbox) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

func (f *fakeToolbox) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

func TestToolboxMount(t *testing.T) {
	srv := NewServer(t)
	var mu sync.Mutex
	var made []*fakeToolbox
	srv.toolboxFactory = func(sb toolboxSandbox) (sandboxToolbox, error) {
		mu.Lock()
		defer mu.Unlock()
		assert.DirExists(t, sb.Dir)
		f := &fakeToolbox{sb: sb}
		made = append(made, f)
		return f, nil
	}
	c := client(t, srv)
	hc := rawClient(t)
	sb := started(t, c, controlplane.CreateSandbox{Env: &map[string]string{"A": "x"}})
	call := func(auth bool) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, sb.ToolboxProxyURL+"/"+sb.ID+"/files/info?path=a", nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+srv.APIKey)
		}
		resp, err := hc.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	code, body := call(true)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, sb.ID+" /files/info x", body)
	code, _ = call(true)
	require.Equal(t, http.StatusOK, code)
	code, _ = call(false)
	assert.Equal(t, http.StatusUnauthorized, code)
	mu.Lock()
	require.Len(t, made, 1, "one toolbox per sandbox, made on first use")
	first := made[0]
	mu.Unlock()

	// Stopping the sandbox closes its toolbox and refuses requests.
	_, err := c.StopSandboxWithResponse(context.Background(), sb.ID, nil)
	require.NoError(t, err)
	waitState(t, c, sb.ID, controlplane.SandboxStateStopped)
	assert.Eventually(t, first.isClosed, 5*time.Second, time.Millisecond)
	code, body = call(true)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, nestError(t, []byte(body), 400).Message, "is not started")

	// After a restart a fresh toolbox serves it.
	_, err = c.StartSandboxWithResponse(context.Background(), sb.ID, nil)
	require.NoError(t, err)
	waitState(t, c, sb.ID, controlplane.SandboxStateStarted)
	code, _ = call(true)
	require.Equal(t, http.StatusOK, code)
	mu.Lock()
	assert.Len(t, made, 2)
	mu.Unlock()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/toolbox/ghost/files", nil)
	req.Header.Set("Authorization", "Bearer "+srv.APIKey)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// The default toolbox is the real one, working in the sandbox's directory,
// with the sandbox's environment, behind contract validation.
func TestDefaultToolboxIsMounted(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	sb := started(t, c, controlplane.CreateSandbox{Env: &map[string]string{"GREETING": "hello"}})
	do := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequest(method, srv.URL+"/toolbox/"+sb.ID+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+srv.APIKey)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := rawClient(t).Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, body := do("GET", "/work-dir", "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	dir, err := srv.SandboxDir(sb.ID)
	require.NoError(t, err)
	var wd struct{ Dir string }
	require.NoError(t, json.Unmarshal(body, &wd))
	real, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	assert.Equal(t, real, wd.Dir)

	status, body = do("POST", "/process/execute", `{"command":"sh -c 'echo $GREETING > greeting.txt; pwd'"}`)
	require.Equal(t, http.StatusOK, status, "%s", body)
	got, err := os.ReadFile(filepath.Join(dir, "greeting.txt"))
	require.NoError(t, err)
	assert.Equal(t, "hello\n", string(got))
}

func TestPreviewLinks(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "app %s auth=%q q=%q", r.URL.Path, r.Header.Get("X-Daytona-Preview-Token"), r.URL.RawQuery)
	}))
	defer app.Close()
	u, _ := url.Parse(app.URL)
	port := 0
	_, _ = fmt.Sscanf(u.Port(), "%d", &port)

	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	hc := rawClient(t)
	sb := started(t, c, controlplane.CreateSandbox{})

	pr, err := c.GetPortPreviewURLWithResponse(ctx, sb.ID, port, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, pr.StatusCode(), string(pr.Body))
	assert.Equal(t, sb.ID, pr.JSON200.SandboxID)
	fetch := func(u string, hdr map[string]string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := hc.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	code, _ := fetch(pr.JSON200.URL+"/hello", nil)
	assert.Equal(t, http.StatusUnauthorized, code, "private sandbox, no token")
	code, _ = fetch(pr.JSON200.URL+"/hello", map[string]string{"Authorization": "Bearer " + srv.APIKey})
	assert.Equal(t, http.StatusUnauthorized, code, "the API key is not a preview token")
	code, body := fetch(pr.JSON200.URL+"/hello", map[string]string{"X-Daytona-Preview-Token": pr.JSON200.Token})
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `app /hello auth="" q=""`, body, "the token is not passed on")
	code, body = fetch(pr.JSON200.URL+"/x?DAYTONA_SANDBOX_AUTH_KEY="+pr.JSON200.Token+"&a=1", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `app /x auth="" q="a=1"`, body)

	_, err = c.UpdatePublicStatusWithResponse(ctx, sb.ID, true, nil)
	require.NoError(t, err)
	code, _ = fetch(pr.JSON200.URL+"/", nil)
	assert.Equal(t, http.StatusOK, code, "public sandbox")
	_, err = c.UpdatePublicStatusWithResponse(ctx, sb.ID, false, nil)
	require.NoError(t, err)

	sr, err := c.GetSignedPortPreviewURLWithResponse(ctx, sb.ID, port, &controlplane.GetSignedPortPreviewURLParams{ExpiresInSeconds: intp(120)})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, sr.StatusCode(), string(sr.Body))
	assert.Equal(t, port, sr.JSON200.Port)
	code, body = fetch(sr.JSON200.URL+"/signed", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `app /signed auth="" q=""`, body)

	ex, err := c.ExpireSignedPortPreviewURLWithResponse(ctx, sb.ID, port, sr.JSON200.Token, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, ex.StatusCode())
	code, _ = fetch(sr.JSON200.URL+"/signed", nil)
	assert.Equal(t, http.StatusNotFound, code, "expired")

	bad, err := c.GetSignedPortPreviewURLWithResponse(ctx, sb.ID, port, &controlplane.GetSignedPortPreviewURLParams{ExpiresInSeconds: intp(0)})
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, bad.StatusCode())
	badPort, err := c.GetPortPreviewURLWithResponse(ctx, sb.ID, 70000, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, badPort.StatusCode())
}

func TestSSHAccess(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	sb := started(t, c, controlplane.CreateSandbox{})
	a1, err := c.CreateSSHAccessWithResponse(ctx, sb.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, a1.StatusCode(), string(a1.Body))
	assert.Contains(t, a1.JSON200.SSHCommand, a1.JSON200.Token)
	assert.InDelta(t, time.Hour.Seconds(), a1.JSON200.ExpiresAt.Sub(a1.JSON200.CreatedAt).Seconds(), 1)

	valid := func(tok string) (bool, string) {
		r, err := c.ValidateSSHAccessWithResponse(ctx, &controlplane.ValidateSSHAccessParams{Token: tok})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
		return r.JSON200.Valid, r.JSON200.SandboxID
	}
	ok, id := valid(a1.JSON200.Token)
	assert.True(t, ok)
	assert.Equal(t, sb.ID, id)

	mins := 5.0
	a2, err := c.CreateSSHAccessWithResponse(ctx, sb.ID, &controlplane.CreateSSHAccessParams{ExpiresInMinutes: &mins})
	require.NoError(t, err)
	ok, _ = valid(a1.JSON200.Token)
	assert.False(t, ok, "a new token revokes the old ones")
	ok, _ = valid(a2.JSON200.Token)
	assert.True(t, ok)

	rv, err := c.RevokeSSHAccessWithResponse(ctx, sb.ID, &controlplane.RevokeSSHAccessParams{Token: &a2.JSON200.Token})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, rv.StatusCode())
	ok, _ = valid(a2.JSON200.Token)
	assert.False(t, ok)
}

func TestForkAndLineage(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	parent := started(t, c, controlplane.CreateSandbox{Name: strp("parent"), Labels: &map[string]string{"k": "v"}, CPU: intp(2)})
	dir, err := srv.SandboxDir(parent.ID)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "state.txt"), []byte("hello"), 0o644))
	require.NoError(t, os.Symlink("state.txt", filepath.Join(dir, "link")))

	fr, err := c.ForkSandboxWithResponse(ctx, "parent", nil, controlplane.ForkSandbox{Name: strp("child")})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, fr.StatusCode(), string(fr.Body))
	child := *fr.JSON200
	assert.Equal(t, "child", child.Name)
	assert.Equal(t, controlplane.SandboxStateCreating, *child.State)
	assert.Equal(t, 2.0, child.CPU)
	assert.Equal(t, map[string]string{"k": "v"}, child.Labels)
	waitState(t, c, child.ID, controlplane.SandboxStateStarted)
	waitState(t, c, parent.ID, controlplane.SandboxStateStarted)

	childDir, err := srv.SandboxDir("child")
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(childDir, "link"))
	require.NoError(t, err)
	assert.Equal(t, "hello", string(b))

	dup, err := c.ForkSandboxWithResponse(ctx, "parent", nil, controlplane.ForkSandbox{Name: strp("child")})
	require.NoError(t, err)
	assert.Equal(t, http.StatusConflict, dup.StatusCode())

	// The source stays in forking as long as the fork takes.
	srv.SetLatency(time.Hour, StateForking)
	gr, err := c.ForkSandboxWithResponse(ctx, "child", nil, controlplane.ForkSandbox{Name: strp("grandchild")})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, gr.StatusCode())
	waitState(t, c, gr.JSON200.ID, controlplane.SandboxStateStarted)
	_, ch := get(t, c, "child")
	assert.Equal(t, controlplane.SandboxStateForking, *ch.State)

	pa, err := c.GetSandboxParentWithResponse(ctx, "grandchild", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, pa.StatusCode())
	assert.Equal(t, "child", pa.JSON200.Name)
	an, err := c.GetSandboxAncestorsWithResponse(ctx, "grandchild", nil)
	require.NoError(t, err)
	require.Len(t, *an.JSON200, 2)
	assert.Equal(t, []string{"parent", "child"}, []string{(*an.JSON200)[0].Name, (*an.JSON200)[1].Name})
	fk, err := c.GetSandboxForksWithResponse(ctx, "parent", nil)
	require.NoError(t, err)
	require.Len(t, *fk.JSON200, 1)
	assert.Equal(t, "child", (*fk.JSON200)[0].Name)
	np, err := c.GetSandboxParentWithResponse(ctx, "parent", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, np.StatusCode())
}

func TestSnapshotFromSandbox(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	src := started(t, c, controlplane.CreateSandbox{Memory: intp(2)})
	dir, err := srv.SandboxDir(src.ID)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "f"), []byte("data"), 0o600))

	r, err := c.CreateSandboxSnapshotWithResponse(ctx, src.ID, nil, controlplane.CreateSandboxSnapshot{Name: "my-snap"})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
	assert.Equal(t, controlplane.SandboxStateSnapshotting, *r.JSON200.State)
	waitState(t, c, src.ID, controlplane.SandboxStateStarted)

	g, err := c.GetSnapshotWithResponse(ctx, "my-snap", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, g.StatusCode(), string(g.Body))
	assert.Equal(t, controlplane.SnapshotStateActive, g.JSON200.State)
	assert.Equal(t, src.ID, *g.JSON200.SourceSandboxID)
	assert.Equal(t, 2.0, g.JSON200.Mem)
	assert.False(t, g.JSON200.General)

	list, err := c.GetAllSnapshotsWithResponse(ctx, &controlplane.GetAllSnapshotsParams{SourceSandboxID: &src.ID})
	require.NoError(t, err)
	require.Len(t, list.JSON200.Items, 1)

	dup, err := c.CreateSandboxSnapshotWithResponse(ctx, src.ID, nil, controlplane.CreateSandboxSnapshot{Name: "my-snap"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusConflict, dup.StatusCode())
	mem, err := c.CreateSandboxSnapshotWithResponse(ctx, src.ID, nil, controlplane.CreateSandboxSnapshot{Name: "m2", IncludeMemory: boolp(true)})
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, mem.StatusCode())

	// A sandbox created from the snapshot starts with its files and resources.
	sb := started(t, c, controlplane.CreateSandbox{Snapshot: strp("my-snap")})
	assert.Equal(t, "my-snap", *sb.Snapshot)
	assert.Equal(t, 2.0, sb.Memory)
	newDir, err := srv.SandboxDir(sb.ID)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(newDir, "sub", "f"))
	require.NoError(t, err)
	assert.Equal(t, "data", string(b))
}

func TestAutoLifecycle(t *testing.T) {
	srv := NewServer(t, WithLatency(time.Millisecond))
	srv.minute = time.Millisecond // intervals in milliseconds for this test
	c := client(t, srv)

	// Auto-stop after the inactivity interval, then auto-archive.
	sb := create(t, c, controlplane.CreateSandbox{AutoStopInterval: intp(20), AutoArchiveInterval: intp(20)})
	waitState(t, c, sb.ID, controlplane.SandboxStateArchived)

	// Auto-delete of a stopped sandbox.
	sb = create(t, c, controlplane.CreateSandbox{AutoStopInterval: intp(20), AutoDeleteInterval: intp(20)})
	waitState(t, c, sb.ID, controlplane.SandboxStateDestroyed)

	// Auto-pause.
	sb = create(t, c, controlplane.CreateSandbox{AutoPauseInterval: intp(20)})
	waitState(t, c, sb.ID, controlplane.SandboxStatePaused)

	// Ephemeral auto-stop destroys.
	sb = create(t, c, controlplane.CreateSandbox{AutoStopInterval: intp(20), AutoDeleteInterval: intp(0)})
	waitState(t, c, sb.ID, controlplane.SandboxStateDestroyed)

	// TTL destroys whatever the state.
	sb = create(t, c, controlplane.CreateSandbox{AutoStopInterval: intp(0), TTLMinutes: intp(30)})
	waitState(t, c, sb.ID, controlplane.SandboxStateDestroyed)

	// No intervals: nothing happens.
	keep := started(t, c, controlplane.CreateSandbox{AutoStopInterval: intp(0)})
	time.Sleep(50 * time.Millisecond)
	_, got := get(t, c, keep.ID)
	assert.Equal(t, controlplane.SandboxStateStarted, *got.State)
	assert.Empty(t, srv.Violations())
}

func TestConcurrentUse(t *testing.T) {
	srv := NewServer(t, WithLatency(time.Millisecond))
	c := client(t, srv)
	ctx := context.Background()
	// reach polls until the sandbox is in state want (404 for destroyed);
	// it only asserts, as it runs off the test goroutine.
	reach := func(id string, want controlplane.SandboxState) bool {
		for range 5000 {
			r, err := c.GetSandboxWithResponse(ctx, id, nil)
			if !assert.NoError(t, err) {
				return false
			}
			if r.StatusCode() == http.StatusNotFound && want == controlplane.SandboxStateDestroyed {
				return true
			}
			if r.JSON200 != nil && *r.JSON200.State == want {
				return true
			}
			time.Sleep(time.Millisecond)
		}
		return assert.Fail(t, "state not reached", "%s: %s", id, want)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			cr, err := c.CreateSandboxWithResponse(ctx, nil, controlplane.CreateSandbox{
				Name: strp(fmt.Sprintf("c%d", i)), Labels: &map[string]string{"g": "x"},
			})
			if !assert.NoError(t, err) || !assert.Equal(t, http.StatusOK, cr.StatusCode()) {
				return
			}
			id := cr.JSON200.ID
			if !reach(id, controlplane.SandboxStateStarted) {
				return
			}
			lr, err := c.ListSandboxesWithResponse(ctx, &controlplane.ListSandboxesParams{Labels: strp(`{"g":"x"}`)})
			assert.NoError(t, err)
			assert.Equal(t, http.StatusOK, lr.StatusCode())
			sr, err := c.StopSandboxWithResponse(ctx, id, nil)
			assert.NoError(t, err)
			assert.Equal(t, http.StatusOK, sr.StatusCode())
			if !reach(id, controlplane.SandboxStateStopped) {
				return
			}
			dr, err := c.DeleteSandboxWithResponse(ctx, id, nil)
			assert.NoError(t, err)
			assert.Equal(t, http.StatusOK, dr.StatusCode())
			reach(id, controlplane.SandboxStateDestroyed)
		})
	}
	wg.Wait()
	assert.Empty(t, listNames(t, c, controlplane.ListSandboxesParams{}))
	entries, err := os.ReadDir(filepath.Join(srv.DataDir(), "sandboxes"))
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func FuzzCursor(f *testing.F) {
	f.Add(encodeCursor(listKey{Field: "name", Str: "a", ID: "x"}), "name", false)
	f.Add("", "createdAt", true)
	f.Add("e30", "cpu", true)
	f.Fuzz(func(t *testing.T, cursor, field string, desc bool) {
		k, err := decodeCursor(cursor, cpserver.SandboxListSortField(field), desc)
		if err != nil {
			return
		}
		if k.ID == "" || k.Field != field || k.Desc != desc {
			t.Fatalf("accepted a cursor for another listing: %+v", k)
		}
		again, err := decodeCursor(encodeCursor(k), cpserver.SandboxListSortField(field), desc)
		if err != nil || again != k {
			t.Fatalf("round trip changed %+v into %+v (%v)", k, again, err)
		}
	})
}
