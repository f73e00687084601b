package daytona

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const gitSecret = "ghp_s3cr3tT0ken"

// TestGitCredentialsNeverLeak: a password goes in the request body only,
// never in the URL or the debug log, and a server that echoes it back in
// an error does not get it into the error string.
func TestGitCredentialsNeverLeak(t *testing.T) {
	t.Parallel()
	var urls []string
	var bodies []map[string]any
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		urls = append(urls, r.URL.String())
		var b map[string]any
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&b))
		bodies = append(bodies, b)
		envelope(w, 401, "GIT_AUTH_FAILED", "unauthorized: authentication required for https://user:"+gitSecret+"@example.com/repo.git ("+gitSecret+")")
	})
	ctx := t.Context()
	calls := []struct {
		name string
		call func() error
	}{
		{"clone", func() error {
			return f.sb.Git.Clone(ctx, "https://example.com/repo.git", "repo", CloneOptions{Username: "user", Password: gitSecret, Branch: "main", Depth: 1})
		}},
		{"push", func() error {
			return f.sb.Git.Push(ctx, "repo", PushOptions{Username: "user", Password: gitSecret, SetUpstream: true})
		}},
		{"pull", func() error {
			return f.sb.Git.Pull(ctx, "repo", PullOptions{Username: "user", Password: gitSecret, Remote: "up"})
		}},
		{"creds", func() error {
			return f.sb.Git.StoreCredentials(ctx, "user", gitSecret, GitCredentialsOptions{Host: "example.com"})
		}},
	}
	for _, c := range calls {
		name, call := c.name, c.call
		err := call()
		require.ErrorIs(t, err, ErrGitAuthFailed, name)
		require.ErrorIs(t, err, ErrUnauthorized, name)
		assert.NotContains(t, err.Error(), gitSecret, name)
		assert.Contains(t, err.Error(), "authentication required", name)
	}
	require.Len(t, bodies, 4)
	for i, b := range bodies {
		assert.Equal(t, gitSecret, b["password"], "the password travels in the body (%d)", i)
		assert.NotContains(t, urls[i], gitSecret)
	}
	assert.Equal(t, map[string]any{"url": "https://example.com/repo.git", "path": "repo", "branch": "main", "depth": 1.0,
		"username": "user", "password": gitSecret}, bodies[0])
	assert.Equal(t, true, bodies[1]["set_upstream"])
	assert.Equal(t, "up", bodies[2]["remote"])
	assert.Equal(t, "example.com", bodies[3]["host"])
	logs := f.logs.String()
	assert.Contains(t, logs, "/git/clone", "the debug log saw the requests")
	assert.NotContains(t, logs, gitSecret)
}

func TestParseGitTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 11, 25, 17, 18, 23, 0, time.UTC)
	for _, s := range []string{"2026-11-25T17:18:23Z", "2026-11-25T18:18:23+01:00", "2026-11-25 17:18:23 +0000 UTC"} {
		assert.True(t, want.Equal(parseGitTime(s)), s)
	}
	assert.True(t, parseGitTime("yesterday").IsZero())
}

// TestGitStatusTyped: the status answer is converted field by field.
func TestGitStatusTyped(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "my repo", r.URL.Query().Get("path"))
		writeJSON(w, 200, map[string]any{"currentBranch": "main", "ahead": 2, "behind": 1, "branchPublished": true,
			"detached": false, "upstream": "origin/main",
			"fileStatus": []any{map[string]any{"name": "a.txt", "staging": "Added", "worktree": "Modified", "extra": ""}}})
	})
	st, err := f.sb.Git.Status(t.Context(), "my repo")
	require.NoError(t, err)
	assert.Equal(t, GitStatus{CurrentBranch: "main", Ahead: 2, Behind: 1, BranchPublished: true, Upstream: "origin/main",
		Files: []GitFileStatus{{Name: "a.txt", Staging: GitAdded, Worktree: GitModified}}}, st)
	assert.Equal(t, []string{"GET /tb/sb-1/git/status"}, f.sent())
}
