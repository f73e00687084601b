package toolbox_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
)

// hostGit runs git on the host for test setup, isolated from the host's
// configuration.
func hostGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=Seed", "-c", "user.email=seed@example.com", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "GIT_CONFIG_NOSYSTEM=1", "XDG_CONFIG_HOME="+dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// seedRemote makes a bare repository outside the sandbox with one commit
// on main and returns its file:// URL and path.
func seedRemote(t *testing.T) (string, string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH (Debian: git)")
	}
	dir := t.TempDir()
	hostGit(t, dir, "init", "-q", "seed")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "seed", "README.md"), []byte("seed\n"), 0o644))
	hostGit(t, filepath.Join(dir, "seed"), "add", ".")
	hostGit(t, filepath.Join(dir, "seed"), "commit", "-q", "-m", "seed")
	hostGit(t, dir, "clone", "-q", "--bare", "seed", "origin.git")
	bare := filepath.Join(dir, "origin.git")
	return "file://" + bare, bare
}

var sha1Re = regexp.MustCompile(`^[0-9a-f]{40}$`)

func TestGitCloneCommitPushStatus(t *testing.T) {
	url, bare := seedRemote(t)
	e := newEnv(t)
	ctx := t.Context()

	clone, err := e.raw.CloneRepository(ctx, tbclient.GitCloneRequest{URL: url, Path: "repo"})
	require.NoError(t, err)
	requireEmpty(t, clone, readAll(t, clone), http.StatusOK)
	assert.FileExists(t, e.path("repo/README.md"))

	status := func() tbclient.GitStatus {
		t.Helper()
		resp, err := e.c.GetStatusWithResponse(ctx, &tbclient.GetStatusParams{Path: "repo"})
		require.NoError(t, err)
		require.NotNil(t, resp.JSON200, "%s", resp.Body)
		return *resp.JSON200
	}
	st := status()
	assert.Equal(t, "main", st.CurrentBranch)
	assert.Equal(t, "origin/main", *st.Upstream)
	assert.True(t, *st.BranchPublished)
	assert.False(t, *st.Detached)
	assert.Equal(t, 0, *st.Ahead)
	assert.Empty(t, st.FileStatus)

	e.write("repo/new.txt", "new\n")
	e.write("repo/README.md", "changed\n")
	st = status()
	assert.Equal(t, []tbclient.FileStatus{
		{Name: "README.md", Staging: tbclient.StatusUnmodified, Worktree: tbclient.StatusModified},
		{Name: "new.txt", Staging: tbclient.StatusUntracked, Worktree: tbclient.StatusUntracked},
	}, st.FileStatus)

	add, err := e.raw.AddFiles(ctx, tbclient.GitAddRequest{Path: "repo", Files: []string{"."}})
	require.NoError(t, err)
	requireEmpty(t, add, readAll(t, add), http.StatusOK)
	st = status()
	assert.Equal(t, []tbclient.FileStatus{
		{Name: "README.md", Staging: tbclient.StatusModified, Worktree: tbclient.StatusUnmodified},
		{Name: "new.txt", Staging: tbclient.StatusAdded, Worktree: tbclient.StatusUnmodified},
	}, st.FileStatus)

	commit, err := e.c.CommitChangesWithResponse(ctx, tbclient.GitCommitRequest{Path: "repo", Message: "second", Author: "Ada", Email: "ada@example.com"})
	require.NoError(t, err)
	require.NotNil(t, commit.JSON200, "%s", commit.Body)
	hash := commit.JSON200.Hash
	assert.Regexp(t, sha1Re, hash)
	assert.Equal(t, hash, hostGit(t, e.path("repo"), "rev-parse", "HEAD"))
	st = status()
	assert.Equal(t, 1, *st.Ahead)
	assert.Empty(t, st.FileStatus)

	hist, err := e.c.GetCommitHistoryWithResponse(ctx, &tbclient.GetCommitHistoryParams{Path: "repo"})
	require.NoError(t, err)
	require.NotNil(t, hist.JSON200)
	require.Len(t, *hist.JSON200, 2)
	h0 := (*hist.JSON200)[0]
	assert.Equal(t, tbclient.GitCommitInfo{Hash: hash, Author: "Ada", Email: "ada@example.com", Message: "second", Timestamp: h0.Timestamp}, h0)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d`, h0.Timestamp)
	assert.Equal(t, "seed", (*hist.JSON200)[1].Message)

	clean, err := e.raw.CommitChanges(ctx, tbclient.GitCommitRequest{Path: "repo", Message: "nothing", Author: "Ada", Email: "ada@example.com"})
	require.NoError(t, err)
	requireEnvelope(t, clean, readAll(t, clean), http.StatusConflict, "CONFLICT")
	empty, err := e.c.CommitChangesWithResponse(ctx, tbclient.GitCommitRequest{Path: "repo", Message: "empty", Author: "Ada", Email: "ada@example.com", AllowEmpty: ptr(true)})
	require.NoError(t, err)
	require.NotNil(t, empty.JSON200, "%s", empty.Body)

	push, err := e.raw.PushChanges(ctx, tbclient.GitPushRequest{Path: "repo"})
	require.NoError(t, err)
	requireEmpty(t, push, readAll(t, push), http.StatusOK)
	assert.Equal(t, empty.JSON200.Hash, hostGit(t, bare, "rev-parse", "main"))
	assert.Equal(t, 0, *status().Ahead)

	// Another clone pushes; pull brings it in.
	other := t.TempDir()
	hostGit(t, other, "clone", "-q", url, "w")
	require.NoError(t, os.WriteFile(filepath.Join(other, "w", "other.txt"), []byte("o\n"), 0o644))
	hostGit(t, filepath.Join(other, "w"), "add", ".")
	hostGit(t, filepath.Join(other, "w"), "commit", "-q", "-m", "from elsewhere")
	hostGit(t, filepath.Join(other, "w"), "push", "-q")
	pull, err := e.raw.PullChanges(ctx, tbclient.GitPullRequest{Path: "repo", Remote: ptr("origin"), Branch: ptr("main")})
	require.NoError(t, err)
	requireEmpty(t, pull, readAll(t, pull), http.StatusOK)
	assert.FileExists(t, e.path("repo/other.txt"))

	// A non-fast-forward push is rejected.
	hostGit(t, filepath.Join(other, "w"), "commit", "-q", "--allow-empty", "-m", "ahead")
	hostGit(t, filepath.Join(other, "w"), "push", "-q")
	_, err = e.c.CommitChangesWithResponse(ctx, tbclient.GitCommitRequest{Path: "repo", Message: "diverge", Author: "Ada", Email: "ada@example.com", AllowEmpty: ptr(true)})
	require.NoError(t, err)
	rejected, err := e.raw.PushChanges(ctx, tbclient.GitPushRequest{Path: "repo"})
	require.NoError(t, err)
	requireEnvelope(t, rejected, readAll(t, rejected), http.StatusConflict, "GIT_PUSH_REJECTED")
}

func TestGitBranches(t *testing.T) {
	url, bare := seedRemote(t)
	e := newEnv(t)
	ctx := t.Context()
	clone, err := e.raw.CloneRepository(ctx, tbclient.GitCloneRequest{URL: url, Path: "repo"})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, clone.StatusCode, "%s", readAll(t, clone))

	branches := func() tbclient.ListBranchResponse {
		t.Helper()
		resp, err := e.c.ListBranchesWithResponse(ctx, &tbclient.ListBranchesParams{Path: "repo"})
		require.NoError(t, err)
		require.NotNil(t, resp.JSON200, "%s", resp.Body)
		return *resp.JSON200
	}
	assert.Equal(t, tbclient.ListBranchResponse{Branches: []string{"main"}, Current: ptr("main")}, branches())

	create, err := e.raw.CreateBranch(ctx, tbclient.GitBranchRequest{Path: "repo", Name: "feature"})
	require.NoError(t, err)
	requireEmpty(t, create, readAll(t, create), http.StatusCreated)
	assert.Equal(t, tbclient.ListBranchResponse{Branches: []string{"feature", "main"}, Current: ptr("feature")}, branches(), "the new branch is checked out")
	again, err := e.raw.CreateBranch(ctx, tbclient.GitBranchRequest{Path: "repo", Name: "feature"})
	require.NoError(t, err)
	requireEnvelope(t, again, readAll(t, again), http.StatusConflict, "GIT_BRANCH_EXISTS")

	push, err := e.raw.PushChanges(ctx, tbclient.GitPushRequest{Path: "repo", Branch: ptr("feature"), SetUpstream: ptr(true)})
	require.NoError(t, err)
	requireEmpty(t, push, readAll(t, push), http.StatusOK)
	st, err := e.c.GetStatusWithResponse(ctx, &tbclient.GetStatusParams{Path: "repo"})
	require.NoError(t, err)
	assert.Equal(t, "origin/feature", *st.JSON200.Upstream)
	assert.NotEmpty(t, hostGit(t, bare, "rev-parse", "feature"))

	co, err := e.raw.CheckoutBranch(ctx, tbclient.GitCheckoutRequest{Path: "repo", Branch: "main"})
	require.NoError(t, err)
	requireEmpty(t, co, readAll(t, co), http.StatusOK)
	unknown, err := e.raw.CheckoutBranch(ctx, tbclient.GitCheckoutRequest{Path: "repo", Branch: "nope"})
	require.NoError(t, err)
	requireEnvelope(t, unknown, readAll(t, unknown), http.StatusNotFound, "GIT_BRANCH_NOT_FOUND")

	del, err := e.raw.DeleteBranch(ctx, tbclient.GitDeleteBranchRequest{Path: "repo", Name: "feature"})
	require.NoError(t, err)
	requireEmpty(t, del, readAll(t, del), http.StatusNoContent)
	assert.Equal(t, []string{"main"}, branches().Branches)
	missing, err := e.raw.DeleteBranch(ctx, tbclient.GitDeleteBranchRequest{Path: "repo", Name: "feature"})
	require.NoError(t, err)
	requireEnvelope(t, missing, readAll(t, missing), http.StatusNotFound, "GIT_BRANCH_NOT_FOUND")

	head := hostGit(t, e.path("repo"), "rev-parse", "HEAD")
	detach, err := e.raw.CheckoutBranch(ctx, tbclient.GitCheckoutRequest{Path: "repo", Branch: head})
	require.NoError(t, err)
	requireEmpty(t, detach, readAll(t, detach), http.StatusOK)
	st, err = e.c.GetStatusWithResponse(ctx, &tbclient.GetStatusParams{Path: "repo"})
	require.NoError(t, err)
	assert.True(t, *st.JSON200.Detached)
	assert.Equal(t, "HEAD", st.JSON200.CurrentBranch)
	assert.Nil(t, branches().Current, "no current branch when detached")
}

func TestGitCloneOptionsAndErrors(t *testing.T) {
	url, bare := seedRemote(t)
	e := newEnv(t)
	ctx := t.Context()
	first := hostGit(t, bare, "rev-parse", "main")
	work := t.TempDir()
	hostGit(t, work, "clone", "-q", url, "w")
	hostGit(t, filepath.Join(work, "w"), "checkout", "-q", "-b", "dev")
	hostGit(t, filepath.Join(work, "w"), "commit", "-q", "--allow-empty", "-m", "on dev")
	hostGit(t, filepath.Join(work, "w"), "push", "-q", "origin", "dev")

	tests := []struct {
		name   string
		req    tbclient.GitCloneRequest
		branch string
		head   string
	}{
		{name: "branch", req: tbclient.GitCloneRequest{URL: url, Path: "b", Branch: ptr("dev")}, branch: "dev"},
		{name: "commit", req: tbclient.GitCloneRequest{URL: url, Path: "c", CommitID: &first}, branch: "HEAD", head: first},
		{name: "depth", req: tbclient.GitCloneRequest{URL: url, Path: "d", Branch: ptr("dev"), Depth: ptr(1)}, branch: "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := e.raw.CloneRepository(ctx, tt.req)
			require.NoError(t, err)
			requireEmpty(t, resp, readAll(t, resp), http.StatusOK)
			st, err := e.c.GetStatusWithResponse(ctx, &tbclient.GetStatusParams{Path: tt.req.Path})
			require.NoError(t, err)
			assert.Equal(t, tt.branch, st.JSON200.CurrentBranch)
			if tt.head != "" {
				assert.Equal(t, tt.head, hostGit(t, e.path(tt.req.Path), "rev-parse", "HEAD"))
			}
		})
	}
	assert.Equal(t, "1", hostGit(t, e.path("d"), "rev-list", "--count", "HEAD"), "depth 1 is shallow")

	emptyBare := filepath.Join(t.TempDir(), "empty.git")
	hostGit(t, filepath.Dir(emptyBare), "init", "-q", "--bare", emptyBare)
	errs := []struct {
		name   string
		req    tbclient.GitCloneRequest
		status int
		code   string
		msg    string
	}{
		{"existing repository", tbclient.GitCloneRequest{URL: url, Path: "b"}, http.StatusConflict, "CONFLICT", "conflict: repository already exists"},
		{"no such repository", tbclient.GitCloneRequest{URL: "file:///nonexistent/repo.git", Path: "x"}, http.StatusNotFound, "GIT_REPO_NOT_FOUND", ""},
		{"unknown branch", tbclient.GitCloneRequest{URL: url, Path: "y", Branch: ptr("nope")}, http.StatusNotFound, "GIT_BRANCH_NOT_FOUND", ""},
		{"empty remote", tbclient.GitCloneRequest{URL: "file://" + emptyBare, Path: "z"}, http.StatusNotFound, "GIT_REPO_NOT_FOUND", "not found: remote repository is empty"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := e.raw.CloneRepository(ctx, tt.req)
			require.NoError(t, err)
			env := requireEnvelope(t, resp, readAll(t, resp), tt.status, tt.code)
			if tt.msg != "" {
				assert.Equal(t, tt.msg, env.Message)
			}
		})
	}
	notRepo, err := e.raw.GetStatus(ctx, &tbclient.GetStatusParams{Path: "."})
	require.NoError(t, err)
	env := requireEnvelope(t, notRepo, readAll(t, notRepo), http.StatusNotFound, "GIT_REPO_NOT_FOUND")
	assert.Equal(t, "not found: repository does not exist", env.Message)
}

// authServer answers every request with 401 and records the Basic
// credentials it was sent.
type authServer struct {
	mu    sync.Mutex
	seen  []string
	calls int
}

func (a *authServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.calls++
	if u, p, ok := r.BasicAuth(); ok {
		a.seen = append(a.seen, u+":"+p)
	}
	a.mu.Unlock()
	w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
	w.WriteHeader(http.StatusUnauthorized)
}

func (a *authServer) credentials() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

func TestGitCredentials(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH (Debian: git)")
	}
	auth := &authServer{}
	srv := httptest.NewServer(auth)
	defer srv.Close()
	e := newEnv(t)
	ctx := t.Context()
	const password = "s3cr3t-pa55word"

	resp, err := e.raw.CloneRepository(ctx, tbclient.GitCloneRequest{
		URL: srv.URL + "/repo.git", Path: "repo", Username: ptr("alice"), Password: ptr(password),
	})
	require.NoError(t, err)
	body := readAll(t, resp)
	requireEnvelope(t, resp, body, http.StatusUnauthorized, "GIT_AUTH_FAILED")
	assert.NotContains(t, string(body), password, "no secret in the error")
	assert.Contains(t, auth.credentials(), "alice:"+password, "the credentials reach git through askpass")

	noCreds, err := e.raw.CloneRepository(ctx, tbclient.GitCloneRequest{URL: srv.URL + "/repo.git", Path: "repo2"})
	require.NoError(t, err)
	requireEnvelope(t, noCreds, readAll(t, noCreds), http.StatusUnauthorized, "GIT_AUTH_FAILED")

	// Stored credentials (POST /git/credentials) are used by later calls.
	host := strings.TrimPrefix(srv.URL, "http://")
	stored, err := e.raw.Authenticate(ctx, tbclient.GitAuthenticateRequest{Username: "bob", Password: "st0red-secret", Host: &host, Protocol: ptr("http")})
	require.NoError(t, err)
	requireEmpty(t, stored, readAll(t, stored), http.StatusOK)
	again, err := e.raw.CloneRepository(ctx, tbclient.GitCloneRequest{URL: srv.URL + "/repo.git", Path: "repo3"})
	require.NoError(t, err)
	againBody := readAll(t, again)
	requireEnvelope(t, again, againBody, http.StatusUnauthorized, "GIT_AUTH_FAILED")
	assert.Contains(t, auth.credentials(), "bob:st0red-secret")
	assert.NotContains(t, string(againBody), "st0red-secret")
}

func TestGitInitRemotesConfigResetRestore(t *testing.T) {
	url, _ := seedRemote(t)
	e := newEnv(t)
	ctx := t.Context()

	initResp, err := e.raw.InitRepository(ctx, tbclient.GitInitRequest{Path: "fresh", InitialBranch: ptr("trunk")})
	require.NoError(t, err)
	requireEmpty(t, initResp, readAll(t, initResp), http.StatusCreated)
	br, err := e.c.ListBranchesWithResponse(ctx, &tbclient.ListBranchesParams{Path: "fresh"})
	require.NoError(t, err)
	assert.Equal(t, tbclient.ListBranchResponse{Branches: []string{}, Current: ptr("trunk")}, *br.JSON200)
	hist, err := e.c.GetCommitHistoryWithResponse(ctx, &tbclient.GetCommitHistoryParams{Path: "fresh"})
	require.NoError(t, err)
	require.NotNil(t, hist.JSON200, "%s", hist.Body)
	assert.Empty(t, *hist.JSON200)

	add, err := e.raw.AddRemote(ctx, tbclient.GitAddRemoteRequest{Path: "fresh", Name: "origin", URL: url, Fetch: ptr(true)})
	require.NoError(t, err)
	requireEmpty(t, add, readAll(t, add), http.StatusCreated)
	dup, err := e.raw.AddRemote(ctx, tbclient.GitAddRemoteRequest{Path: "fresh", Name: "origin", URL: url})
	require.NoError(t, err)
	requireEnvelope(t, dup, readAll(t, dup), http.StatusConflict, "CONFLICT")
	over, err := e.raw.AddRemote(ctx, tbclient.GitAddRemoteRequest{Path: "fresh", Name: "origin", URL: url + "/", Overwrite: ptr(true)})
	require.NoError(t, err)
	requireEmpty(t, over, readAll(t, over), http.StatusCreated)
	remotes, err := e.c.ListRemotesWithResponse(ctx, &tbclient.ListRemotesParams{Path: "fresh"})
	require.NoError(t, err)
	assert.Equal(t, []tbclient.GitRemote{{Name: "origin", URL: url + "/"}}, remotes.JSON200.Remotes)
	assert.NotEmpty(t, hostGit(t, e.path("fresh"), "rev-parse", "origin/main"), "fetch fetched")

	// Config: global (in the sandbox's home), local, user.
	set, err := e.raw.SetGitConfig(ctx, tbclient.GitSetConfigRequest{Key: "core.editor", Value: "vi"})
	require.NoError(t, err)
	requireEmpty(t, set, readAll(t, set), http.StatusOK)
	got, err := e.c.GetGitConfigWithResponse(ctx, &tbclient.GetGitConfigParams{Key: "core.editor"})
	require.NoError(t, err)
	assert.Equal(t, "vi", *got.JSON200.Value)
	assert.FileExists(t, e.path(".gitconfig"), "global config lives in the sandbox home")
	unset, err := e.c.GetGitConfigWithResponse(ctx, &tbclient.GetGitConfigParams{Key: "no.such"})
	require.NoError(t, err)
	assert.Nil(t, unset.JSON200.Value)
	user, err := e.raw.ConfigureUser(ctx, tbclient.GitConfigureUserRequest{Name: "Local Name", Email: "l@example.com", Scope: ptr("local"), Path: ptr("fresh")})
	require.NoError(t, err)
	requireEmpty(t, user, readAll(t, user), http.StatusOK)
	local, err := e.c.GetGitConfigWithResponse(ctx, &tbclient.GetGitConfigParams{Key: "user.name", Scope: ptr("local"), Path: ptr("fresh")})
	require.NoError(t, err)
	assert.Equal(t, "Local Name", *local.JSON200.Value)
	badScope, err := e.raw.GetGitConfig(ctx, &tbclient.GetGitConfigParams{Key: "user.name", Scope: ptr("local")})
	require.NoError(t, err)
	requireEnvelope(t, badScope, readAll(t, badScope), http.StatusBadRequest, "BAD_REQUEST")

	// Reset and restore on a clone.
	clone, err := e.raw.CloneRepository(ctx, tbclient.GitCloneRequest{URL: url, Path: "r"})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, clone.StatusCode, "%s", readAll(t, clone))
	e.write("r/README.md", "dirty\n")
	restore, err := e.raw.RestoreFiles(ctx, tbclient.GitRestoreRequest{Path: "r", Files: []string{"README.md"}})
	require.NoError(t, err)
	requireEmpty(t, restore, readAll(t, restore), http.StatusOK)
	b, _ := os.ReadFile(e.path("r/README.md"))
	assert.Equal(t, "seed\n", string(b))

	e.write("r/README.md", "staged\n")
	hostGit(t, e.path("r"), "add", "README.md")
	reset, err := e.raw.ResetChanges(ctx, tbclient.GitResetRequest{Path: "r", Mode: ptr("hard")})
	require.NoError(t, err)
	requireEmpty(t, reset, readAll(t, reset), http.StatusOK)
	b, _ = os.ReadFile(e.path("r/README.md"))
	assert.Equal(t, "seed\n", string(b))
	badMode, err := e.raw.ResetChanges(ctx, tbclient.GitResetRequest{Path: "r", Mode: ptr("nuke")})
	require.NoError(t, err)
	requireEnvelope(t, badMode, readAll(t, badMode), http.StatusBadRequest, "BAD_REQUEST")
}
