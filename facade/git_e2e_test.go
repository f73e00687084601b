package daytona_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	daytona "github.com/daytona-go/daytona/facade"
)

// TestE2EGitWorkflow drives a local repository through every git
// operation: init, config, add, commit, branches, status, history, reset,
// restore, remotes, push to a bare repository in the sandbox, clone, pull.
func TestE2EGitWorkflow(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ctx, g, fsys := tt.ctx, tt.sb.Git, tt.sb.FS
		work, err := tt.sb.WorkDir(ctx)
		require.NoError(t, err)
		abs := strings.TrimRight(work, "/") + "/" + tt.dir
		repo, bare := tt.path("repo"), tt.path("remote.git")

		require.NoError(t, g.Init(ctx, bare, daytona.GitInitOptions{Bare: true, InitialBranch: "main"}))
		require.NoError(t, g.Init(ctx, repo, daytona.GitInitOptions{InitialBranch: "main"}))
		local := daytona.GitConfigOptions{Scope: daytona.GitConfigLocal, Path: repo}
		require.NoError(t, g.ConfigureUser(ctx, "Repo User", "repo@example.com", local))
		name, ok, err := g.GetConfig(ctx, "user.name", local)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, "Repo User", name)
		require.NoError(t, g.SetConfig(ctx, "core.autocrlf", "false", local))
		v, ok, err := g.GetConfig(ctx, "core.autocrlf", local)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, "false", v)
		_, ok, err = g.GetConfig(ctx, "daytona.nosuchkey", local)
		require.NoError(t, err)
		assert.False(t, ok, "an unset key")

		require.NoError(t, fsys.Upload(ctx, repo+"/README.md", strings.NewReader("# hello\n")))
		st, err := g.Status(ctx, repo)
		require.NoError(t, err)
		assert.Equal(t, "main", st.CurrentBranch)
		require.Len(t, st.Files, 1)
		assert.Equal(t, "README.md", st.Files[0].Name)
		assert.Equal(t, daytona.GitUntracked, st.Files[0].Worktree)

		require.NoError(t, g.Add(ctx, repo, []string{"."}))
		st, err = g.Status(ctx, repo)
		require.NoError(t, err)
		require.Len(t, st.Files, 1)
		assert.Equal(t, daytona.GitAdded, st.Files[0].Staging)

		sha1, err := g.Commit(ctx, repo, "first commit", daytona.CommitOptions{Author: "Ann Author", Email: "ann@example.com"})
		require.NoError(t, err)
		assert.Len(t, sha1, 40)
		me := daytona.CommitOptions{Author: "Ann Author", Email: "ann@example.com"}
		_, err = g.Commit(ctx, repo, "nothing staged", me)
		require.Error(t, err, "nothing to commit")
		sha2, err := g.Commit(ctx, repo, "empty commit", daytona.CommitOptions{Author: "Bo", Email: "bo@example.com", AllowEmpty: true})
		require.NoError(t, err)
		assert.NotEqual(t, sha1, sha2)

		hist, err := g.History(ctx, repo)
		require.NoError(t, err)
		require.Len(t, hist, 2)
		assert.Equal(t, sha2, hist[0].Hash)
		assert.Equal(t, "Bo", hist[0].Author)
		assert.Equal(t, sha1, hist[1].Hash)
		assert.Equal(t, "Ann Author", hist[1].Author)
		assert.Equal(t, "ann@example.com", hist[1].Email)
		assert.Equal(t, "first commit", strings.TrimSpace(hist[1].Message))
		assert.False(t, hist[1].Timestamp.IsZero(), "timestamp %q parses", hist[1].RawTimestamp)

		require.NoError(t, g.CreateBranch(ctx, repo, "feature"))
		require.ErrorIs(t, g.CreateBranch(ctx, repo, "feature"), daytona.ErrConflict)
		br, err := g.Branches(ctx, repo)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"main", "feature"}, br.Branches)
		assert.Equal(t, "feature", br.Current, "a new branch is checked out")
		require.NoError(t, g.CheckoutBranch(ctx, repo, "main"))
		st, err = g.Status(ctx, repo)
		require.NoError(t, err)
		assert.Equal(t, "main", st.CurrentBranch)
		require.NoError(t, g.CheckoutBranch(ctx, repo, "feature"))
		st, err = g.Status(ctx, repo)
		require.NoError(t, err)
		assert.Equal(t, "feature", st.CurrentBranch)
		require.Error(t, g.CheckoutBranch(ctx, repo, "no-such-branch"))
		require.NoError(t, g.CheckoutBranch(ctx, repo, "main"))
		require.NoError(t, g.DeleteBranch(ctx, repo, "feature"))
		br, err = g.Branches(ctx, repo)
		require.NoError(t, err)
		assert.Equal(t, []string{"main"}, br.Branches)

		// Restore a modified file, then reset a commit away.
		require.NoError(t, fsys.Upload(ctx, repo+"/README.md", strings.NewReader("changed\n")))
		require.NoError(t, g.Restore(ctx, repo, []string{"README.md"}, daytona.GitRestoreOptions{Worktree: true}))
		assert.Equal(t, "# hello\n", download(t, tt, repo+"/README.md"))
		require.NoError(t, fsys.Upload(ctx, repo+"/README.md", strings.NewReader("staged\n")))
		require.NoError(t, g.Add(ctx, repo, []string{"README.md"}))
		require.NoError(t, g.Restore(ctx, repo, []string{"README.md"}, daytona.GitRestoreOptions{Staged: true}))
		st, err = g.Status(ctx, repo)
		require.NoError(t, err)
		require.Len(t, st.Files, 1)
		assert.Equal(t, daytona.GitUnmodified, st.Files[0].Staging, "unstaged again")
		assert.Equal(t, daytona.GitModified, st.Files[0].Worktree)
		require.NoError(t, g.Reset(ctx, repo, daytona.GitResetOptions{Mode: daytona.GitResetHard, Target: "HEAD~1"}))
		hist, err = g.History(ctx, repo)
		require.NoError(t, err)
		require.Len(t, hist, 1)
		assert.Equal(t, sha1, hist[0].Hash)
		assert.Equal(t, "# hello\n", download(t, tt, repo+"/README.md"))

		// Remotes, push with upstream, clone, pull.
		require.NoError(t, g.AddRemote(ctx, repo, "origin", abs+"/remote.git", daytona.AddRemoteOptions{}))
		remotes, err := g.Remotes(ctx, repo)
		require.NoError(t, err)
		assert.Equal(t, []daytona.GitRemote{{Name: "origin", URL: abs + "/remote.git"}}, remotes)
		origin, err := g.Remote(ctx, repo, "origin")
		require.NoError(t, err)
		assert.Equal(t, abs+"/remote.git", origin.URL)
		_, err = g.Remote(ctx, repo, "upstream")
		require.ErrorIs(t, err, daytona.ErrNotFound)
		require.Error(t, g.AddRemote(ctx, repo, "origin", abs+"/other.git", daytona.AddRemoteOptions{}), "exists")
		require.NoError(t, g.Push(ctx, repo, daytona.PushOptions{Remote: "origin", Branch: "main", SetUpstream: true}))
		st, err = g.Status(ctx, repo)
		require.NoError(t, err)
		assert.True(t, st.BranchPublished)
		assert.Equal(t, "origin/main", st.Upstream)
		assert.Zero(t, st.Ahead)

		clone := tt.path("clone")
		require.NoError(t, g.Clone(ctx, abs+"/remote.git", clone, daytona.CloneOptions{}))
		assert.Equal(t, "# hello\n", download(t, tt, clone+"/README.md"))
		require.ErrorIs(t, g.Clone(ctx, abs+"/remote.git", clone, daytona.CloneOptions{}), daytona.ErrConflict, "into an existing repository")

		require.NoError(t, fsys.Upload(ctx, repo+"/second.txt", strings.NewReader("2\n")))
		require.NoError(t, g.Add(ctx, repo, []string{"second.txt"}))
		sha3, err := g.Commit(ctx, repo, "second", me)
		require.NoError(t, err)
		st, err = g.Status(ctx, repo)
		require.NoError(t, err)
		assert.Equal(t, 1, st.Ahead)
		require.NoError(t, g.Push(ctx, repo, daytona.PushOptions{}))
		require.NoError(t, g.Pull(ctx, clone, daytona.PullOptions{}))
		hist, err = g.History(ctx, clone)
		require.NoError(t, err)
		assert.Equal(t, sha3, hist[0].Hash)

		// A shallow clone of one commit, and a clone at a commit.
		shallow := tt.path("shallow")
		require.NoError(t, g.Clone(ctx, "file://"+abs+"/remote.git", shallow, daytona.CloneOptions{Depth: 1, Branch: "main"}))
		hist, err = g.History(ctx, shallow)
		require.NoError(t, err)
		assert.Len(t, hist, 1)
		pinned := tt.path("pinned")
		require.NoError(t, g.Clone(ctx, abs+"/remote.git", pinned, daytona.CloneOptions{CommitID: sha1}))
		st, err = g.Status(ctx, pinned)
		require.NoError(t, err)
		assert.True(t, st.Detached)

		// A path that is not a repository.
		_, err = g.Status(ctx, tt.dir)
		require.ErrorIs(t, err, daytona.ErrNotFound)
	})
}

// TestE2EGitCredentialsSecret: a failing authenticated clone and stored
// credentials never put the password into an error or a log line.
func TestE2EGitCredentialsSecret(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		tt.needEmulator(t) // the log capture needs our own client
		const secret = "tok_e2e_V3ryS3cret"
		var logs bytes.Buffer
		c, err := daytona.New(daytona.Config{APIURL: tt.emu.URL, APIKey: tt.emu.APIKey,
			Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		sb, err := c.Get(tt.ctx, tt.sandboxID)
		require.NoError(t, err)
		// Nothing listens on port 1: the clone fails after git was given
		// the credentials.
		err = sb.Git.Clone(tt.ctx, "http://127.0.0.1:1/repo.git", tt.path("x"), daytona.CloneOptions{Username: "bob", Password: secret})
		require.Error(t, err)
		assert.NotContains(t, err.Error(), secret)
		err = sb.Git.Push(tt.ctx, tt.path("nowhere"), daytona.PushOptions{Username: "bob", Password: secret})
		require.ErrorIs(t, err, daytona.ErrNotFound)
		assert.NotContains(t, err.Error(), secret)
		require.NoError(t, sb.Git.StoreCredentials(tt.ctx, "bob", secret, daytona.GitCredentialsOptions{Host: "git.example.com"}))
		assert.Contains(t, logs.String(), "/git/clone", "the log captured the calls")
		assert.NotContains(t, logs.String(), secret)
	})
}
