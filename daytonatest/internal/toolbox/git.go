package toolbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// gitHandlers serves /git (PROTOCOLS.md 3.8) through the real git binary.
//
// Credentials reach git only through the environment of one invocation and
// an askpass helper (never in argv or a URL), and every git output that
// makes it into an error is scrubbed of them. Git runs with HOME and
// XDG_CONFIG_HOME in the sandbox root, so "global" config and stored
// credentials live in the sandbox; "system" config is a file of the
// toolbox's own state dir.
type gitHandlers struct{ c *core }

// gitAuth is a username and password for one git invocation.
type gitAuth struct{ user, pass string }

// authOf returns the credentials of a request, or nil when there are none.
func authOf(user, pass *string) *gitAuth {
	a := &gitAuth{}
	if user != nil {
		a.user = *user
	}
	if pass != nil {
		a.pass = *pass
	}
	if a.user == "" && a.pass == "" {
		return nil
	}
	return a
}

// scrub removes the credentials and any URL userinfo from s.
func (a *gitAuth) scrub(s string) string {
	s = urlUserinfo.ReplaceAllString(s, "://***@")
	if a == nil {
		return s
	}
	if a.pass != "" {
		s = strings.ReplaceAll(s, a.pass, "***")
	}
	if len(a.user) >= 3 {
		s = strings.ReplaceAll(s, a.user, "***")
	}
	return s
}

var urlUserinfo = regexp.MustCompile(`://[^/@\s]+@`)

// askpassFile is the name of the askpass helper in the state dir, written
// by New.
const askpassFile = "askpass.sh"

// askpassScript answers git's prompts from the invocation's environment.
const askpassScript = `#!/bin/sh
case "$1" in
Username*) printf '%s\n' "$DAYTONA_GIT_USERNAME" ;;
*) printf '%s\n' "$DAYTONA_GIT_PASSWORD" ;;
esac
`

// gitFailure is a git invocation that failed; output is scrubbed.
type gitFailure struct {
	exit   int
	output string
}

func (f *gitFailure) Error() string { return f.output }

// maxGitOutput bounds the git output kept in an error message.
const maxGitOutput = 2048

// git runs git with args in dir and returns its stdout. A failure is a
// *gitFailure (or a *daemonError when git cannot start).
func (h gitHandlers) git(ctx context.Context, dir string, auth *gitAuth, stdin io.Reader, args ...string) (string, error) {
	extra := map[string]string{
		"GIT_TERMINAL_PROMPT": "0",
		"LC_ALL":              "C",
		"XDG_CONFIG_HOME":     filepath.Join(h.c.root, ".config"),
		"GIT_CONFIG_SYSTEM":   filepath.Join(h.c.stateDir, "gitconfig"),
	}
	if auth != nil {
		extra["GIT_ASKPASS"] = filepath.Join(h.c.stateDir, askpassFile)
		extra["DAYTONA_GIT_USERNAME"] = auth.user
		extra["DAYTONA_GIT_PASSWORD"] = auth.pass
		// Stored credentials must not win over the request's.
		args = append([]string{"-c", "credential.helper="}, args...)
	}
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = h.c.env.environ(extra)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = waitDelay
	if err := h.c.startProcess(cmd); err != nil {
		return "", internalError("run git: %s", auth.scrub(err.Error()))
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		killGroup(cmd.Process.Pid)
		err = <-done
	}
	h.c.releaseProcess(cmd)
	if err != nil {
		out := strings.TrimSpace(stderr.String() + "\n" + stdout.String())
		if len(out) > maxGitOutput {
			out = out[len(out)-maxGitOutput:]
		}
		code := -1
		if cmd.ProcessState != nil {
			code = cmd.ProcessState.ExitCode()
		}
		return "", &gitFailure{exit: code, output: auth.scrub(out)}
	}
	return stdout.String(), nil
}

// gitError maps a failed git invocation of op to the daemon's errors
// (1.4), matching git's messages.
func gitError(op string, err error) error {
	var f *gitFailure
	if !errors.As(err, &f) {
		return err
	}
	s := strings.ToLower(f.output)
	has := func(subs ...string) bool {
		for _, sub := range subs {
			if strings.Contains(s, sub) {
				return true
			}
		}
		return false
	}
	detail := op + " failed: " + f.output
	switch {
	case has("authentication failed", "invalid username or password", "could not read username",
		"could not read password", "terminal prompts disabled"):
		return newError(http.StatusUnauthorized, codeGitAuthFailed, "unauthorized: authentication required: "+detail)
	case has("the requested url returned error: 403") || has("remote: permission") && has("denied"):
		return newError(http.StatusForbidden, codeForbidden, "forbidden: authorization failed: "+detail)
	case has("not a git repository"):
		return newError(http.StatusNotFound, codeGitRepoNotFound, "not found: repository does not exist")
	case has("repository not found", "the requested url returned error: 404", "remote: not found",
		"does not appear to be a git repository"):
		return newError(http.StatusNotFound, codeGitRepoNotFound, "not found: repository not found: "+detail)
	case has("remote branch") && has("not found"), has("did not match any file(s) known to git"),
		has("src refspec") && has("does not match any"), has("you are not currently on a branch"),
		has("unknown revision or path not in the working tree"), has("invalid reference"),
		has("not a valid object name"), has("couldn't find remote ref"), has("branch") && has("not found"):
		return newError(http.StatusNotFound, codeGitBranchNotFound, "not found: reference not found: "+detail)
	case has("a branch named") && has("already exists"):
		return newError(http.StatusConflict, codeGitBranchExists, "conflict: "+detail)
	case has("already exists"):
		return newError(http.StatusConflict, codeConflict, "conflict: "+detail)
	case has("remote rejected", "pre-receive hook declined", "protected branch", "hook declined"):
		return newError(http.StatusUnprocessableEntity, codeGitRemoteRejected, "unprocessable entity: remote rejected the update: "+detail)
	case has("non-fast-forward", "fetch first", "updates were rejected", "stale info"):
		return newError(http.StatusConflict, codeGitPushRejected, "conflict: non-fast-forward update: "+detail)
	case has("would be overwritten", "please commit your changes or stash them", "needs merge"):
		return newError(http.StatusConflict, codeGitDirtyWorktree, "conflict: worktree contains unstaged changes: "+detail)
	case has("automatic merge failed", "conflict (", "fix conflicts"):
		return newError(http.StatusConflict, codeGitMergeConflict, "conflict: merge conflict: "+detail)
	case has("could not resolve host", "connection refused", "connection timed out", "operation timed out",
		"unable to access", "ssl", "tls", "failed to connect", "network is unreachable"):
		return newError(http.StatusBadGateway, codeGitTransportFailed, "bad gateway: transport failed: "+detail)
	}
	return internalError("%s", detail)
}

// dirOf resolves a repository path inside the sandbox to its host path.
func (h gitHandlers) dirOf(p string) (string, error) {
	t, err := h.c.fs.resolve(p)
	if err != nil {
		return "", err
	}
	if t.followErr != nil {
		return "", t.followErr
	}
	return filepath.Join(h.c.root, t.follow), nil
}

// repoOf resolves the path of an existing repository (its work tree or a
// bare repository), or fails with 404 GIT_REPO_NOT_FOUND.
func (h gitHandlers) repoOf(ctx context.Context, p string) (string, error) {
	dir, err := h.dirOf(p)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", newError(http.StatusNotFound, codeGitRepoNotFound, "not found: repository does not exist")
	}
	if _, err := h.git(ctx, dir, nil, nil, "rev-parse", "--git-dir"); err != nil {
		return "", newError(http.StatusNotFound, codeGitRepoNotFound, "not found: repository does not exist")
	}
	return dir, nil
}

// CloneRepository serves POST /git/clone: branch, commit_id (checked out
// detached), depth, credentials and insecure_skip_tls. Cloning into an
// existing repository is 409; cloning an empty remote is 404 "remote
// repository is empty", as the daemon's go-git clone reports it.
func (h gitHandlers) CloneRepository(ctx context.Context, req tbserver.CloneRepositoryRequestObject) (tbserver.CloneRepositoryResponseObject, error) {
	b := req.Body
	if b == nil || b.URL == "" || b.Path == "" {
		return nil, badRequest("url and path are required")
	}
	dir, err := h.dirOf(b.Path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
		return nil, conflict("repository already exists")
	}
	auth := authOf(b.Username, b.Password)
	args := []string{}
	if b.InsecureSkipTLS != nil && *b.InsecureSkipTLS {
		args = append(args, "-c", "http.sslVerify=false")
	}
	args = append(args, "clone", "--quiet")
	if b.Branch != nil && *b.Branch != "" {
		args = append(args, "--branch", *b.Branch)
	}
	if b.Depth != nil && *b.Depth > 0 {
		args = append(args, "--depth", strconv.Itoa(*b.Depth))
	}
	args = append(args, "--", b.URL, dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fsError(b.Path, err)
	}
	if _, err := h.git(ctx, h.c.root, auth, nil, args...); err != nil {
		return nil, gitError("git clone", err)
	}
	if _, err := h.git(ctx, dir, nil, nil, "rev-parse", "--verify", "--quiet", "HEAD"); err != nil {
		_ = os.RemoveAll(dir)
		return nil, newError(http.StatusNotFound, codeGitRepoNotFound, "not found: remote repository is empty")
	}
	if b.CommitID != nil && *b.CommitID != "" {
		if _, err := h.git(ctx, dir, nil, nil, "checkout", "--quiet", "--detach", *b.CommitID); err != nil {
			return nil, gitError("git checkout", err)
		}
	}
	return tbserver.CloneRepository200Response{}, nil
}

// statusName maps a porcelain status letter to the daemon's names.
func statusName(c byte) tbserver.Status {
	switch c {
	case 'M', 'T':
		return tbserver.StatusModified
	case 'A':
		return tbserver.StatusAdded
	case 'D':
		return tbserver.StatusDeleted
	case 'R':
		return tbserver.StatusRenamed
	case 'C':
		return tbserver.StatusCopied
	case 'U':
		return tbserver.StatusUpdatedButUnmerged
	case '?':
		return tbserver.StatusUntracked
	}
	return tbserver.StatusUnmodified
}

// GetStatus serves GET /git/status: current branch (HEAD when detached),
// upstream, ahead/behind of it, published (an upstream is set) and the
// status of every changed file, sorted by name.
func (h gitHandlers) GetStatus(ctx context.Context, req tbserver.GetStatusRequestObject) (tbserver.GetStatusResponseObject, error) {
	dir, err := h.repoOf(ctx, req.Params.Path)
	if err != nil {
		return nil, err
	}
	out, err := h.git(ctx, dir, nil, nil, "status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all")
	if err != nil {
		return nil, gitError("git status", err)
	}
	st := parseStatus(out)
	return tbserver.GetStatus200JSONResponse(st), nil
}

// parseStatus parses `git status --porcelain=v2 --branch -z`.
func parseStatus(out string) tbserver.GitStatus {
	var (
		head, upstream string
		ahead, behind  int
		files          = []tbserver.FileStatus{}
	)
	fields := strings.Split(out, "\x00")
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		switch {
		case strings.HasPrefix(f, "# branch.head "):
			head = strings.TrimPrefix(f, "# branch.head ")
		case strings.HasPrefix(f, "# branch.upstream "):
			upstream = strings.TrimPrefix(f, "# branch.upstream ")
		case strings.HasPrefix(f, "# branch.ab "):
			_, _ = fmt.Sscanf(strings.TrimPrefix(f, "# branch.ab "), "+%d -%d", &ahead, &behind)
		case strings.HasPrefix(f, "1 "), strings.HasPrefix(f, "u "):
			parts := strings.SplitN(f, " ", 9)
			if f[0] == 'u' {
				parts = strings.SplitN(f, " ", 11)
			}
			if len(parts) < 3 || len(parts[1]) != 2 {
				continue
			}
			xy := parts[1]
			files = append(files, tbserver.FileStatus{Name: parts[len(parts)-1], Staging: statusName(xy[0]), Worktree: statusName(xy[1])})
		case strings.HasPrefix(f, "2 "):
			parts := strings.SplitN(f, " ", 10)
			if len(parts) < 10 || len(parts[1]) != 2 {
				continue
			}
			orig := ""
			if i+1 < len(fields) {
				orig = fields[i+1]
				i++
			}
			xy := parts[1]
			files = append(files, tbserver.FileStatus{Name: parts[9], Extra: orig, Staging: statusName(xy[0]), Worktree: statusName(xy[1])})
		case strings.HasPrefix(f, "? "):
			files = append(files, tbserver.FileStatus{Name: f[2:], Staging: tbserver.StatusUntracked, Worktree: tbserver.StatusUntracked})
		}
	}
	slices.SortFunc(files, func(a, b tbserver.FileStatus) int { return strings.Compare(a.Name, b.Name) })
	detached := head == "(detached)"
	if detached {
		head = "HEAD"
	}
	published := upstream != ""
	return tbserver.GitStatus{
		CurrentBranch:   head,
		FileStatus:      files,
		Ahead:           &ahead,
		Behind:          &behind,
		BranchPublished: &published,
		Detached:        &detached,
		Upstream:        &upstream,
	}
}

// AddFiles serves POST /git/add.
func (h gitHandlers) AddFiles(ctx context.Context, req tbserver.AddFilesRequestObject) (tbserver.AddFilesResponseObject, error) {
	b := req.Body
	if b == nil || len(b.Files) == 0 {
		return nil, badRequest("files are required")
	}
	dir, err := h.repoOf(ctx, b.Path)
	if err != nil {
		return nil, err
	}
	if _, err := h.git(ctx, dir, nil, nil, append([]string{"add", "--"}, b.Files...)...); err != nil {
		return nil, gitError("git add", err)
	}
	return tbserver.AddFiles200Response{}, nil
}

// CommitChanges serves POST /git/commit and returns the new commit's hash.
// A clean tree without allow_empty is 409.
func (h gitHandlers) CommitChanges(ctx context.Context, req tbserver.CommitChangesRequestObject) (tbserver.CommitChangesResponseObject, error) {
	b := req.Body
	if b == nil || b.Message == "" {
		return nil, badRequest("message is required")
	}
	dir, err := h.repoOf(ctx, b.Path)
	if err != nil {
		return nil, err
	}
	args := []string{}
	if b.Author != "" {
		args = append(args, "-c", "user.name="+b.Author)
	}
	if b.Email != "" {
		args = append(args, "-c", "user.email="+b.Email)
	}
	args = append(args, "commit", "--quiet", "--no-verify", "--cleanup=verbatim", "-F", "-")
	if b.AllowEmpty != nil && *b.AllowEmpty {
		args = append(args, "--allow-empty")
	}
	if _, err := h.git(ctx, dir, nil, strings.NewReader(b.Message), args...); err != nil {
		var f *gitFailure
		if errors.As(err, &f) && (strings.Contains(f.output, "nothing to commit") || strings.Contains(f.output, "no changes added to commit")) {
			return nil, conflict("cannot create empty commit: clean working tree")
		}
		return nil, gitError("git commit", err)
	}
	hash, err := h.git(ctx, dir, nil, nil, "rev-parse", "HEAD")
	if err != nil {
		return nil, gitError("git rev-parse", err)
	}
	return tbserver.CommitChanges200JSONResponse{Hash: strings.TrimSpace(hash)}, nil
}

// ListBranches serves GET /git/branches: local branches and the current
// one (absent when HEAD is detached).
func (h gitHandlers) ListBranches(ctx context.Context, req tbserver.ListBranchesRequestObject) (tbserver.ListBranchesResponseObject, error) {
	dir, err := h.repoOf(ctx, req.Params.Path)
	if err != nil {
		return nil, err
	}
	out, err := h.git(ctx, dir, nil, nil, "for-each-ref", "--format=%(refname:short)", "refs/heads/")
	if err != nil {
		return nil, gitError("git for-each-ref", err)
	}
	res := tbserver.ListBranchResponse{Branches: []string{}}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" {
			res.Branches = append(res.Branches, l)
		}
	}
	if cur, ok := h.currentBranch(ctx, dir); ok {
		res.Current = &cur
	}
	return tbserver.ListBranches200JSONResponse(res), nil
}

// currentBranch returns the branch HEAD is on; ok is false when HEAD is
// detached (or git fails).
func (h gitHandlers) currentBranch(ctx context.Context, dir string) (branch string, ok bool) {
	out, err := h.git(ctx, dir, nil, nil, "symbolic-ref", "--quiet", "--short", "HEAD")
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(out), true
}

// branchExists reports whether the local branch name exists.
func (h gitHandlers) branchExists(ctx context.Context, dir, name string) bool {
	_, err := h.git(ctx, dir, nil, nil, "show-ref", "--verify", "--quiet", "refs/heads/"+name)
	return err == nil
}

// CreateBranch serves POST /git/branches: creates the branch and checks it
// out, as the daemon does. An existing branch is 409 GIT_BRANCH_EXISTS.
func (h gitHandlers) CreateBranch(ctx context.Context, req tbserver.CreateBranchRequestObject) (tbserver.CreateBranchResponseObject, error) {
	b := req.Body
	if b == nil || b.Name == "" {
		return nil, badRequest("name is required")
	}
	dir, err := h.repoOf(ctx, b.Path)
	if err != nil {
		return nil, err
	}
	if h.branchExists(ctx, dir, b.Name) {
		return nil, newError(http.StatusConflict, codeGitBranchExists, "conflict: branch already exists: "+b.Name)
	}
	if _, err := h.git(ctx, dir, nil, nil, "check-ref-format", "--branch", b.Name); err != nil {
		return nil, badRequest("invalid branch name: %s", b.Name)
	}
	if _, err := h.git(ctx, dir, nil, nil, "checkout", "--quiet", "-b", b.Name); err != nil {
		return nil, gitError("git checkout -b", err)
	}
	return tbserver.CreateBranch201Response{}, nil
}

// DeleteBranch serves DELETE /git/branches (a JSON body; no force flag, the
// reference is removed as go-git does).
func (h gitHandlers) DeleteBranch(ctx context.Context, req tbserver.DeleteBranchRequestObject) (tbserver.DeleteBranchResponseObject, error) {
	b := req.Body
	if b == nil || b.Name == "" {
		return nil, badRequest("name is required")
	}
	dir, err := h.repoOf(ctx, b.Path)
	if err != nil {
		return nil, err
	}
	if !h.branchExists(ctx, dir, b.Name) {
		return nil, newError(http.StatusNotFound, codeGitBranchNotFound, "not found: branch not found: "+b.Name)
	}
	if cur, ok := h.currentBranch(ctx, dir); ok && cur == b.Name {
		return nil, badRequest("cannot delete the checked out branch %s", b.Name)
	}
	if _, err := h.git(ctx, dir, nil, nil, "update-ref", "-d", "refs/heads/"+b.Name); err != nil {
		return nil, gitError("git update-ref", err)
	}
	return tbserver.DeleteBranch204Response{}, nil
}

// CheckoutBranch serves POST /git/checkout: a branch or a commit.
func (h gitHandlers) CheckoutBranch(ctx context.Context, req tbserver.CheckoutBranchRequestObject) (tbserver.CheckoutBranchResponseObject, error) {
	b := req.Body
	if b == nil || b.Branch == "" {
		return nil, badRequest("branch is required")
	}
	dir, err := h.repoOf(ctx, b.Path)
	if err != nil {
		return nil, err
	}
	if _, err := h.git(ctx, dir, nil, nil, "checkout", "--quiet", b.Branch, "--"); err != nil {
		return nil, gitError("git checkout", err)
	}
	return tbserver.CheckoutBranch200Response{}, nil
}

// pushPullTarget returns the remote (default origin) and branch arguments.
func pushPullTarget(remote, branch *string) []string {
	r := "origin"
	if remote != nil && *remote != "" {
		r = *remote
	}
	args := []string{r}
	if branch != nil && *branch != "" {
		args = append(args, *branch)
	}
	return args
}

// PushChanges serves POST /git/push: remote (default origin), branch
// (default the current one), set_upstream, credentials.
func (h gitHandlers) PushChanges(ctx context.Context, req tbserver.PushChangesRequestObject) (tbserver.PushChangesResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, badRequest("invalid request body")
	}
	dir, err := h.repoOf(ctx, b.Path)
	if err != nil {
		return nil, err
	}
	args := []string{"push", "--quiet", "--porcelain"}
	if b.SetUpstream != nil && *b.SetUpstream {
		args = append(args, "--set-upstream")
	}
	target := pushPullTarget(b.Remote, b.Branch)
	if len(target) == 1 {
		cur, ok := h.currentBranch(ctx, dir)
		if !ok {
			return nil, newError(http.StatusNotFound, codeGitBranchNotFound, "not found: reference not found: HEAD is not on a branch")
		}
		target = append(target, cur)
	}
	if _, err := h.git(ctx, dir, authOf(b.Username, b.Password), nil, append(args, target...)...); err != nil {
		return nil, gitError("git push", err)
	}
	return tbserver.PushChanges200Response{}, nil
}

// PullChanges serves POST /git/pull: remote (default origin), branch
// (default the upstream), credentials; merges without editing.
func (h gitHandlers) PullChanges(ctx context.Context, req tbserver.PullChangesRequestObject) (tbserver.PullChangesResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, badRequest("invalid request body")
	}
	dir, err := h.repoOf(ctx, b.Path)
	if err != nil {
		return nil, err
	}
	args := []string{"pull", "--quiet", "--no-edit", "--no-rebase"}
	if (b.Remote != nil && *b.Remote != "") || (b.Branch != nil && *b.Branch != "") {
		args = append(args, pushPullTarget(b.Remote, b.Branch)...)
	}
	if _, err := h.git(ctx, dir, authOf(b.Username, b.Password), nil, args...); err != nil {
		return nil, gitError("git pull", err)
	}
	return tbserver.PullChanges200Response{}, nil
}

// GetCommitHistory serves GET /git/history: the commits reachable from
// HEAD, newest first.
func (h gitHandlers) GetCommitHistory(ctx context.Context, req tbserver.GetCommitHistoryRequestObject) (tbserver.GetCommitHistoryResponseObject, error) {
	dir, err := h.repoOf(ctx, req.Params.Path)
	if err != nil {
		return nil, err
	}
	out, err := h.git(ctx, dir, nil, nil, "log", "--format=%H%x00%an%x00%ae%x00%aI%x00%B%x1e")
	if err != nil {
		var f *gitFailure
		if errors.As(err, &f) && strings.Contains(f.output, "does not have any commits") {
			return tbserver.GetCommitHistory200JSONResponse{}, nil
		}
		return nil, gitError("git log", err)
	}
	commits := []tbserver.GitCommitInfo{}
	for _, rec := range strings.Split(out, "\x1e") {
		rec = strings.TrimPrefix(rec, "\n")
		f := strings.SplitN(rec, "\x00", 5)
		if len(f) < 5 {
			continue
		}
		commits = append(commits, tbserver.GitCommitInfo{
			Hash: f[0], Author: f[1], Email: f[2], Timestamp: f[3],
			Message: strings.TrimSuffix(f[4], "\n"),
		})
	}
	return tbserver.GetCommitHistory200JSONResponse(commits), nil
}

// InitRepository serves POST /git/init: bare, initial_branch; 201.
func (h gitHandlers) InitRepository(ctx context.Context, req tbserver.InitRepositoryRequestObject) (tbserver.InitRepositoryResponseObject, error) {
	b := req.Body
	if b == nil || b.Path == "" {
		return nil, badRequest("path is required")
	}
	dir, err := h.dirOf(b.Path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fsError(b.Path, err)
	}
	args := []string{"init", "--quiet"}
	if b.Bare != nil && *b.Bare {
		args = append(args, "--bare")
	}
	if b.InitialBranch != nil && *b.InitialBranch != "" {
		args = append(args, "--initial-branch="+*b.InitialBranch)
	}
	if _, err := h.git(ctx, dir, nil, nil, append(args, ".")...); err != nil {
		return nil, gitError("git init", err)
	}
	return tbserver.InitRepository201Response{}, nil
}

// ResetChanges serves POST /git/reset: mode (soft, mixed, hard, merge,
// keep), target (default HEAD), or paths.
func (h gitHandlers) ResetChanges(ctx context.Context, req tbserver.ResetChangesRequestObject) (tbserver.ResetChangesResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, badRequest("invalid request body")
	}
	dir, err := h.repoOf(ctx, b.Path)
	if err != nil {
		return nil, err
	}
	args := []string{"reset", "--quiet"}
	mode := "mixed"
	if b.Mode != nil && *b.Mode != "" {
		mode = *b.Mode
	}
	if !slices.Contains([]string{"soft", "mixed", "hard", "merge", "keep"}, mode) {
		return nil, badRequest("invalid reset mode %q", mode)
	}
	files := []string{}
	if b.Files != nil {
		files = *b.Files
	}
	if len(files) == 0 {
		args = append(args, "--"+mode)
	}
	if b.Target != nil && *b.Target != "" {
		args = append(args, *b.Target)
	}
	if len(files) > 0 {
		args = append(append(args, "--"), files...)
	}
	if _, err := h.git(ctx, dir, nil, nil, args...); err != nil {
		return nil, gitError("git reset", err)
	}
	return tbserver.ResetChanges200Response{}, nil
}

// RestoreFiles serves POST /git/restore: staged, worktree (default when
// neither is set), source.
func (h gitHandlers) RestoreFiles(ctx context.Context, req tbserver.RestoreFilesRequestObject) (tbserver.RestoreFilesResponseObject, error) {
	b := req.Body
	if b == nil || len(b.Files) == 0 {
		return nil, badRequest("files are required")
	}
	dir, err := h.repoOf(ctx, b.Path)
	if err != nil {
		return nil, err
	}
	args := []string{"restore"}
	if b.Staged != nil && *b.Staged {
		args = append(args, "--staged")
	}
	if b.Worktree != nil && *b.Worktree {
		args = append(args, "--worktree")
	}
	if b.Source != nil && *b.Source != "" {
		args = append(args, "--source="+*b.Source)
	}
	args = append(append(args, "--"), b.Files...)
	if _, err := h.git(ctx, dir, nil, nil, args...); err != nil {
		return nil, gitError("git restore", err)
	}
	return tbserver.RestoreFiles200Response{}, nil
}

// ListRemotes serves GET /git/remotes (fetch URLs).
func (h gitHandlers) ListRemotes(ctx context.Context, req tbserver.ListRemotesRequestObject) (tbserver.ListRemotesResponseObject, error) {
	dir, err := h.repoOf(ctx, req.Params.Path)
	if err != nil {
		return nil, err
	}
	out, err := h.git(ctx, dir, nil, nil, "remote")
	if err != nil {
		return nil, gitError("git remote", err)
	}
	res := tbserver.ListRemotesResponse{Remotes: []tbserver.GitRemote{}}
	for _, name := range strings.Fields(out) {
		u, err := h.git(ctx, dir, nil, nil, "remote", "get-url", name)
		if err != nil {
			return nil, gitError("git remote get-url", err)
		}
		res.Remotes = append(res.Remotes, tbserver.GitRemote{Name: name, URL: strings.TrimSpace(u)})
	}
	return tbserver.ListRemotes200JSONResponse(res), nil
}

// AddRemote serves POST /git/remotes: an existing remote is 409 unless
// overwrite; fetch fetches it at once.
func (h gitHandlers) AddRemote(ctx context.Context, req tbserver.AddRemoteRequestObject) (tbserver.AddRemoteResponseObject, error) {
	b := req.Body
	if b == nil || b.Name == "" || b.URL == "" {
		return nil, badRequest("name and url are required")
	}
	dir, err := h.repoOf(ctx, b.Path)
	if err != nil {
		return nil, err
	}
	_, exists := h.git(ctx, dir, nil, nil, "remote", "get-url", b.Name)
	switch {
	case exists == nil && (b.Overwrite == nil || !*b.Overwrite):
		return nil, conflict("remote %s already exists", b.Name)
	case exists == nil:
		_, err = h.git(ctx, dir, nil, nil, "remote", "set-url", b.Name, b.URL)
	default:
		_, err = h.git(ctx, dir, nil, nil, "remote", "add", b.Name, b.URL)
	}
	if err != nil {
		return nil, gitError("git remote", err)
	}
	if b.Fetch != nil && *b.Fetch {
		if _, err := h.git(ctx, dir, nil, nil, "fetch", "--quiet", b.Name); err != nil {
			return nil, gitError("git fetch", err)
		}
	}
	return tbserver.AddRemote201Response{}, nil
}

// configScope returns the git config flag of a scope (default global) and
// the directory to run in, or an error for a bad scope or a missing path.
func (h gitHandlers) configScope(ctx context.Context, scope, path *string) (flag, dir string, err error) {
	s := "global"
	if scope != nil && *scope != "" {
		s = *scope
	}
	switch s {
	case "global", "system":
		return "--" + s, h.c.root, nil
	case "local":
		if path == nil || *path == "" {
			return "", "", badRequest("path is required for the local scope")
		}
		dir, err := h.repoOf(ctx, *path)
		return "--local", dir, err
	}
	return "", "", badRequest("invalid scope %q: want global, local or system", s)
}

// GetGitConfig serves GET /git/config: {"value"}, without a value when
// the key is not set.
func (h gitHandlers) GetGitConfig(ctx context.Context, req tbserver.GetGitConfigRequestObject) (tbserver.GetGitConfigResponseObject, error) {
	if req.Params.Key == "" {
		return nil, badRequest("key is required")
	}
	flag, dir, err := h.configScope(ctx, req.Params.Scope, req.Params.Path)
	if err != nil {
		return nil, err
	}
	out, err := h.git(ctx, dir, nil, nil, "config", flag, "--get", req.Params.Key)
	if err != nil {
		var f *gitFailure
		if errors.As(err, &f) && f.exit == 1 {
			return tbserver.GetGitConfig200JSONResponse{}, nil // not set
		}
		return nil, gitError("git config", err)
	}
	v := strings.TrimSuffix(out, "\n")
	return tbserver.GetGitConfig200JSONResponse{Value: &v}, nil
}

// SetGitConfig serves POST /git/config.
func (h gitHandlers) SetGitConfig(ctx context.Context, req tbserver.SetGitConfigRequestObject) (tbserver.SetGitConfigResponseObject, error) {
	b := req.Body
	if b == nil || b.Key == "" {
		return nil, badRequest("key is required")
	}
	if err := h.setConfig(ctx, b.Scope, b.Path, b.Key, b.Value); err != nil {
		return nil, err
	}
	return tbserver.SetGitConfig200Response{}, nil
}

func (h gitHandlers) setConfig(ctx context.Context, scope, path *string, key, value string) error {
	flag, dir, err := h.configScope(ctx, scope, path)
	if err != nil {
		return err
	}
	if _, err := h.git(ctx, dir, nil, nil, "config", flag, key, value); err != nil {
		return gitError("git config", err)
	}
	return nil
}

// ConfigureUser serves POST /git/config/user: user.name and user.email.
func (h gitHandlers) ConfigureUser(ctx context.Context, req tbserver.ConfigureUserRequestObject) (tbserver.ConfigureUserResponseObject, error) {
	b := req.Body
	if b == nil || b.Name == "" || b.Email == "" {
		return nil, badRequest("name and email are required")
	}
	if err := h.setConfig(ctx, b.Scope, b.Path, "user.name", b.Name); err != nil {
		return nil, err
	}
	if err := h.setConfig(ctx, b.Scope, b.Path, "user.email", b.Email); err != nil {
		return nil, err
	}
	return tbserver.ConfigureUser200Response{}, nil
}

// Authenticate serves POST /git/credentials: stores the credentials with
// git's "store" helper (in the sandbox's home) for host (default
// github.com) and protocol (default https).
func (h gitHandlers) Authenticate(ctx context.Context, req tbserver.AuthenticateRequestObject) (tbserver.AuthenticateResponseObject, error) {
	b := req.Body
	if b == nil || b.Username == "" || b.Password == "" {
		return nil, badRequest("username and password are required")
	}
	host, proto := "github.com", "https"
	if b.Host != nil && *b.Host != "" {
		host = *b.Host
	}
	if b.Protocol != nil && *b.Protocol != "" {
		proto = *b.Protocol
	}
	for _, s := range []string{host, proto, b.Username, b.Password} {
		if strings.ContainsAny(s, "\n\x00") {
			return nil, badRequest("credentials must not contain newlines")
		}
	}
	if _, err := h.git(ctx, h.c.root, nil, nil, "config", "--global", "credential.helper", "store"); err != nil {
		return nil, gitError("git config", err)
	}
	input := "protocol=" + proto + "\nhost=" + host + "\nusername=" + b.Username + "\npassword=" + b.Password + "\n\n"
	if _, err := h.git(ctx, h.c.root, nil, strings.NewReader(input), "credential", "approve"); err != nil {
		auth := &gitAuth{user: b.Username, pass: b.Password}
		return nil, gitError("git credential approve", &gitFailure{output: auth.scrub(err.Error())})
	}
	return tbserver.Authenticate200Response{}, nil
}
