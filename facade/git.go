package daytona

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/toolbox"
)

// Daemon error codes of the git API, for errors.Is. Each also matches its
// status sentinel (noted in brackets). Toolboxes older than v0.204 send
// only the status.
var (
	// ErrGitAuthFailed: credentials missing or rejected [ErrUnauthorized].
	ErrGitAuthFailed = &Error{Code: "GIT_AUTH_FAILED", Source: SourceDaemon}
	// ErrGitRepoNotFound: no repository at the URL or path [ErrNotFound].
	ErrGitRepoNotFound = &Error{Code: "GIT_REPO_NOT_FOUND", Source: SourceDaemon}
	// ErrGitBranchNotFound: no such branch [ErrNotFound].
	ErrGitBranchNotFound = &Error{Code: "GIT_BRANCH_NOT_FOUND", Source: SourceDaemon}
	// ErrGitBranchExists: the branch exists already [ErrConflict].
	ErrGitBranchExists = &Error{Code: "GIT_BRANCH_EXISTS", Source: SourceDaemon}
	// ErrGitPushRejected: a non-fast-forward push [ErrConflict].
	ErrGitPushRejected = &Error{Code: "GIT_PUSH_REJECTED", Source: SourceDaemon}
	// ErrGitDirtyWorktree: local changes prevent the operation [ErrConflict].
	ErrGitDirtyWorktree = &Error{Code: "GIT_DIRTY_WORKTREE", Source: SourceDaemon}
	// ErrGitMergeConflict: a merge conflict [ErrConflict].
	ErrGitMergeConflict = &Error{Code: "GIT_MERGE_CONFLICT", Source: SourceDaemon}
	// ErrGitTransportFailed: DNS, TLS, connection or timeout during a
	// network operation [ErrServer].
	ErrGitTransportFailed = &Error{Code: "GIT_TRANSPORT_FAILED", Source: SourceDaemon}
	// ErrGitRemoteRejected: the remote refused (hook, branch protection,
	// quota) [ErrValidation].
	ErrGitRemoteRejected = &Error{Code: "GIT_REMOTE_REJECTED", Source: SourceDaemon}
)

// Git runs git operations on repositories in the sandbox; use it as
// sb.Git. Every path is the repository's directory in the sandbox
// (relative paths resolve against the work directory).
//
// Passwords and tokens given to Git go in request bodies only: they never
// appear in a URL, a log line or an error the SDK returns.
type Git struct{ sb *Sandbox }

// gitCredentials checks a username/password pair: both or neither.
func gitCredentials(op, username, password string) (*string, *string, error) {
	switch {
	case username == "" && password == "":
		return nil, nil, nil
	case password == "":
		return nil, nil, invalidf("%s: Username is set without a Password", op)
	case username == "":
		return nil, nil, invalidf("%s: Password is set without a Username", op)
	}
	return &username, &password, nil
}

// redactErr wraps err as wrapErr does and scrubs secrets (a password the
// call carried) from it.
func redactErr(ctx context.Context, err error, secrets ...string) error {
	err = wrapErr(ctx, err)
	var de *Error
	if err == nil || len(secrets) == 0 || !errors.As(err, &de) {
		return err
	}
	de.Message = redactSecrets(de.Message, secrets...)
	if de.Err != nil {
		if s := de.Err.Error(); redactSecrets(s, secrets...) != s {
			de.Err = redactedError{msg: redactSecrets(s, secrets...), cause: de.Err}
		}
	}
	return err
}

// redactedError stands in for a cause whose text held a secret; it keeps
// the cause for errors.Is and errors.As.
type redactedError struct {
	msg   string
	cause error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.cause }

// CloneOptions tunes Git.Clone.
type CloneOptions struct {
	// Branch checks out this branch instead of the remote's default.
	Branch string
	// CommitID checks out this commit (detached HEAD).
	CommitID string
	// Depth, if > 0, makes a shallow clone of that many commits.
	Depth int
	// Username and Password authenticate to the remote (a token usually
	// goes in Password). Set both or neither.
	Username, Password string
	// InsecureSkipTLS skips TLS certificate verification. Use it only for
	// trusted servers: credentials then travel over an unverified
	// connection.
	InsecureSkipTLS bool
}

// Clone clones the repository at url into path.
func (g *Git) Clone(ctx context.Context, url, path string, opts CloneOptions) error {
	const op = "Git.Clone"
	if err := checkPaths(op, "url", url, "path", path); err != nil {
		return err
	}
	if opts.Depth < 0 {
		return invalidf("%s: Depth is negative (%d)", op, opts.Depth)
	}
	user, pass, err := gitCredentials(op, opts.Username, opts.Password)
	if err != nil {
		return err
	}
	body := toolbox.GitCloneRequest{URL: url, Path: path, Username: user, Password: pass}
	body.Branch = nonZero(opts.Branch)
	body.CommitID = nonZero(opts.CommitID)
	if opts.Depth > 0 {
		body.Depth = &opts.Depth
	}
	body.InsecureSkipTLS = nonZero(opts.InsecureSkipTLS)
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.CloneRepositoryWithResponse(ctx, body)
		return err
	}, opts.Password)
}

// Add stages files (paths relative to the repository; "." for all).
func (g *Git) Add(ctx context.Context, path string, files []string) error {
	const op = "Git.Add"
	if err := checkPath(op, "path", path); err != nil {
		return err
	}
	if len(files) == 0 {
		return invalidf("%s: no files (use \".\" for all)", op)
	}
	if err := checkFiles(op, files); err != nil {
		return err
	}
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.AddFilesWithResponse(ctx, toolbox.GitAddRequest{Path: path, Files: files})
		return err
	})
}

// CommitOptions tunes Git.Commit.
type CommitOptions struct {
	// Author and Email identify the author; empty ones come from the
	// repository's git configuration.
	Author, Email string
	// AllowEmpty makes a commit even when nothing is staged.
	AllowEmpty bool
}

// Commit commits the staged changes with message and returns the new
// commit's hash. Nothing to commit (without AllowEmpty) is an error.
func (g *Git) Commit(ctx context.Context, path, message string, opts CommitOptions) (string, error) {
	const op = "Git.Commit"
	if err := checkPath(op, "path", path); err != nil {
		return "", err
	}
	if strings.TrimSpace(message) == "" {
		return "", invalidf("%s: message is empty", op)
	}
	body := toolbox.GitCommitRequest{Path: path, Message: message, Author: opts.Author, Email: opts.Email}
	body.AllowEmpty = nonZero(opts.AllowEmpty)
	tb, err := g.sb.toolboxCall(ctx)
	if err != nil {
		return "", err
	}
	resp, err := tb.CommitChangesWithResponse(ctx, body)
	if err != nil {
		return "", redactErr(ctx, err)
	}
	if resp.JSON200 == nil || resp.JSON200.Hash == "" {
		return "", unexpected("POST /git/commit", resp.Status())
	}
	return resp.JSON200.Hash, nil
}

// PushOptions tunes Git.Push.
type PushOptions struct {
	// Remote is the remote to push to (default "origin").
	Remote string
	// Branch is the branch to push (default the current one).
	Branch string
	// SetUpstream records the pushed branch as the upstream of the local one.
	SetUpstream bool
	// Username and Password authenticate to the remote. Set both or neither.
	Username, Password string
}

// Push pushes the repository's commits to its remote.
func (g *Git) Push(ctx context.Context, path string, opts PushOptions) error {
	const op = "Git.Push"
	if err := checkPath(op, "path", path); err != nil {
		return err
	}
	user, pass, err := gitCredentials(op, opts.Username, opts.Password)
	if err != nil {
		return err
	}
	body := toolbox.GitPushRequest{Path: path, Username: user, Password: pass}
	body.Remote = nonZero(opts.Remote)
	body.Branch = nonZero(opts.Branch)
	body.SetUpstream = nonZero(opts.SetUpstream)
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.PushChangesWithResponse(ctx, body)
		return err
	}, opts.Password)
}

// PullOptions tunes Git.Pull.
type PullOptions struct {
	// Remote is the remote to pull from (default "origin").
	Remote string
	// Branch is the branch to pull (default the current branch's upstream).
	Branch string
	// Username and Password authenticate to the remote. Set both or neither.
	Username, Password string
}

// Pull fetches from the remote and merges into the current branch.
func (g *Git) Pull(ctx context.Context, path string, opts PullOptions) error {
	const op = "Git.Pull"
	if err := checkPath(op, "path", path); err != nil {
		return err
	}
	user, pass, err := gitCredentials(op, opts.Username, opts.Password)
	if err != nil {
		return err
	}
	body := toolbox.GitPullRequest{Path: path, Username: user, Password: pass}
	body.Remote = nonZero(opts.Remote)
	body.Branch = nonZero(opts.Branch)
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.PullChangesWithResponse(ctx, body)
		return err
	}, opts.Password)
}

// GitFileState is the state of a file in the index or the work tree.
type GitFileState string

// The file states git reports.
const (
	GitUnmodified         GitFileState = "Unmodified"
	GitUntracked          GitFileState = "Untracked"
	GitModified           GitFileState = "Modified"
	GitAdded              GitFileState = "Added"
	GitDeleted            GitFileState = "Deleted"
	GitRenamed            GitFileState = "Renamed"
	GitCopied             GitFileState = "Copied"
	GitUpdatedButUnmerged GitFileState = "Updated but unmerged"
)

// GitFileStatus is the status of one changed file.
type GitFileStatus struct {
	// Name is the file's path in the repository.
	Name string
	// Staging is its state in the index, Worktree in the work tree.
	Staging, Worktree GitFileState
	// Extra holds additional information, such as a rename's origin.
	Extra string
}

// GitStatus is the status of a repository.
type GitStatus struct {
	// CurrentBranch is the checked-out branch.
	CurrentBranch string
	// Detached reports a detached HEAD.
	Detached bool
	// Upstream is the upstream branch (e.g. "origin/main"), "" if none.
	Upstream string
	// BranchPublished reports that the branch exists on its remote.
	BranchPublished bool
	// Ahead and Behind count the commits not on the upstream, and the
	// upstream's commits not on the branch.
	Ahead, Behind int
	// Files lists the changed and untracked files.
	Files []GitFileStatus
}

// Status returns the repository's status.
func (g *Git) Status(ctx context.Context, path string) (GitStatus, error) {
	if err := checkPath("Git.Status", "path", path); err != nil {
		return GitStatus{}, err
	}
	tb, err := g.sb.toolboxCall(ctx)
	if err != nil {
		return GitStatus{}, err
	}
	resp, err := tb.GetStatusWithResponse(ctx, &toolbox.GetStatusParams{Path: path})
	if err != nil {
		return GitStatus{}, redactErr(ctx, err)
	}
	st := resp.JSON200
	if st == nil {
		return GitStatus{}, unexpected("GET /git/status", resp.Status())
	}
	out := GitStatus{
		CurrentBranch:   st.CurrentBranch,
		Detached:        fromPtr(st.Detached),
		Upstream:        fromPtr(st.Upstream),
		BranchPublished: fromPtr(st.BranchPublished),
		Ahead:           fromPtr(st.Ahead),
		Behind:          fromPtr(st.Behind),
		Files:           make([]GitFileStatus, len(st.FileStatus)),
	}
	for i, f := range st.FileStatus {
		out.Files[i] = GitFileStatus{Name: f.Name, Staging: GitFileState(f.Staging), Worktree: GitFileState(f.Worktree), Extra: f.Extra}
	}
	return out, nil
}

// GitBranches lists a repository's local branches.
type GitBranches struct {
	// Branches are the local branch names.
	Branches []string
	// Current is the checked-out branch ("" with a detached HEAD, or from
	// toolboxes older than API v0.205.1).
	Current string
}

// Branches lists the repository's local branches.
func (g *Git) Branches(ctx context.Context, path string) (GitBranches, error) {
	if err := checkPath("Git.Branches", "path", path); err != nil {
		return GitBranches{}, err
	}
	tb, err := g.sb.toolboxCall(ctx)
	if err != nil {
		return GitBranches{}, err
	}
	resp, err := tb.ListBranchesWithResponse(ctx, &toolbox.ListBranchesParams{Path: path})
	if err != nil {
		return GitBranches{}, redactErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return GitBranches{}, unexpected("GET /git/branches", resp.Status())
	}
	out := GitBranches{Branches: resp.JSON200.Branches, Current: fromPtr(resp.JSON200.Current)}
	if out.Branches == nil {
		out.Branches = []string{}
	}
	return out, nil
}

// CreateBranch creates the branch name at the current commit and checks
// it out, as the toolbox does.
func (g *Git) CreateBranch(ctx context.Context, path, name string) error {
	const op = "Git.CreateBranch"
	if err := checkPaths(op, "path", path, "name", name); err != nil {
		return err
	}
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.CreateBranchWithResponse(ctx, toolbox.GitBranchRequest{Path: path, Name: name})
		return err
	})
}

// CheckoutBranch checks out branch (or any revision).
func (g *Git) CheckoutBranch(ctx context.Context, path, branch string) error {
	const op = "Git.CheckoutBranch"
	if err := checkPaths(op, "path", path, "branch", branch); err != nil {
		return err
	}
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.CheckoutBranchWithResponse(ctx, toolbox.GitCheckoutRequest{Path: path, Branch: branch})
		return err
	})
}

// DeleteBranch deletes the local branch name.
func (g *Git) DeleteBranch(ctx context.Context, path, name string) error {
	const op = "Git.DeleteBranch"
	if err := checkPaths(op, "path", path, "name", name); err != nil {
		return err
	}
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.DeleteBranchWithResponse(ctx, toolbox.GitDeleteBranchRequest{Path: path, Name: name})
		return err
	})
}

// GitCommit is one commit of a repository's history.
type GitCommit struct {
	// Hash is the commit's full hash.
	Hash string
	// Author and Email identify the author.
	Author, Email string
	// Message is the commit message.
	Message string
	// Timestamp is the author date (zero if the toolbox sent none that
	// parses; RawTimestamp has it as sent).
	Timestamp time.Time
	// RawTimestamp is the date as the toolbox sent it.
	RawTimestamp string
}

// History returns the commits reachable from HEAD, newest first.
func (g *Git) History(ctx context.Context, path string) ([]GitCommit, error) {
	if err := checkPath("Git.History", "path", path); err != nil {
		return nil, err
	}
	tb, err := g.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.GetCommitHistoryWithResponse(ctx, &toolbox.GetCommitHistoryParams{Path: path})
	if err != nil {
		return nil, redactErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("GET /git/history", resp.Status())
	}
	out := make([]GitCommit, len(*resp.JSON200))
	for i, c := range *resp.JSON200 {
		out[i] = GitCommit{Hash: c.Hash, Author: c.Author, Email: c.Email, Message: c.Message, RawTimestamp: c.Timestamp, Timestamp: parseGitTime(c.Timestamp)}
	}
	return out, nil
}

// parseGitTime reads the dates toolboxes send: RFC 3339 (the emulator,
// ISO 8601 from git) or Go's time.Time.String layout (go-git).
func parseGitTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05 -0700 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// GitInitOptions tunes Git.Init.
type GitInitOptions struct {
	// Bare creates a repository without a work tree.
	Bare bool
	// InitialBranch names the first branch (default: git's).
	InitialBranch string
}

// Init creates a repository at path.
func (g *Git) Init(ctx context.Context, path string, opts GitInitOptions) error {
	if err := checkPath("Git.Init", "path", path); err != nil {
		return err
	}
	body := toolbox.GitInitRequest{Path: path}
	body.Bare = nonZero(opts.Bare)
	body.InitialBranch = nonZero(opts.InitialBranch)
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.InitRepositoryWithResponse(ctx, body)
		return err
	})
}

// GitResetMode is how Git.Reset treats the index and the work tree.
type GitResetMode string

// The reset modes of git reset.
const (
	GitResetSoft  GitResetMode = "soft"
	GitResetMixed GitResetMode = "mixed"
	GitResetHard  GitResetMode = "hard"
	GitResetMerge GitResetMode = "merge"
	GitResetKeep  GitResetMode = "keep"
)

// GitResetOptions tunes Git.Reset.
type GitResetOptions struct {
	// Mode is the reset mode (default mixed).
	Mode GitResetMode
	// Target is the revision to reset to (default HEAD).
	Target string
	// Files limits the reset to these paths.
	Files []string
}

// Reset resets the current branch (or Files) to a revision, like git reset.
func (g *Git) Reset(ctx context.Context, path string, opts GitResetOptions) error {
	const op = "Git.Reset"
	if err := checkPath(op, "path", path); err != nil {
		return err
	}
	body := toolbox.GitResetRequest{Path: path}
	switch opts.Mode {
	case "":
	case GitResetSoft, GitResetMixed, GitResetHard, GitResetMerge, GitResetKeep:
		m := string(opts.Mode)
		body.Mode = &m
	default:
		return invalidf("%s: unknown Mode %q (want soft, mixed, hard, merge or keep)", op, opts.Mode)
	}
	body.Target = nonZero(opts.Target)
	if len(opts.Files) > 0 {
		if err := checkFiles(op, opts.Files); err != nil {
			return err
		}
		body.Files = &opts.Files
	}
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.ResetChangesWithResponse(ctx, body)
		return err
	})
}

// GitRestoreOptions tunes Git.Restore. With neither Staged nor Worktree
// set, the work tree is restored (as git restore does).
type GitRestoreOptions struct {
	// Staged restores the index.
	Staged bool
	// Worktree restores the work tree.
	Worktree bool
	// Source restores the contents from this revision instead of the index.
	Source string
}

// Restore restores files in the index or the work tree, like git restore.
func (g *Git) Restore(ctx context.Context, path string, files []string, opts GitRestoreOptions) error {
	const op = "Git.Restore"
	if err := checkPath(op, "path", path); err != nil {
		return err
	}
	if len(files) == 0 {
		return invalidf("%s: no files", op)
	}
	if err := checkFiles(op, files); err != nil {
		return err
	}
	body := toolbox.GitRestoreRequest{Path: path, Files: files}
	body.Staged = nonZero(opts.Staged)
	body.Worktree = nonZero(opts.Worktree)
	body.Source = nonZero(opts.Source)
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.RestoreFilesWithResponse(ctx, body)
		return err
	})
}

// GitRemote is a configured remote.
type GitRemote struct {
	// Name is the remote's name, e.g. "origin".
	Name string
	// URL is its fetch URL.
	URL string
}

// Remotes lists the repository's remotes.
func (g *Git) Remotes(ctx context.Context, path string) ([]GitRemote, error) {
	if err := checkPath("Git.Remotes", "path", path); err != nil {
		return nil, err
	}
	tb, err := g.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.ListRemotesWithResponse(ctx, &toolbox.ListRemotesParams{Path: path})
	if err != nil {
		return nil, redactErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("GET /git/remotes", resp.Status())
	}
	out := make([]GitRemote, len(resp.JSON200.Remotes))
	for i, r := range resp.JSON200.Remotes {
		out[i] = GitRemote{Name: r.Name, URL: r.URL}
	}
	return out, nil
}

// Remote returns the remote called name; a missing remote gives an error
// matching ErrNotFound (made by the SDK, no request failed).
func (g *Git) Remote(ctx context.Context, path, name string) (GitRemote, error) {
	if err := checkPath("Git.Remote", "name", name); err != nil {
		return GitRemote{}, err
	}
	remotes, err := g.Remotes(ctx, path)
	if err != nil {
		return GitRemote{}, err
	}
	for _, r := range remotes {
		if r.Name == name {
			return r, nil
		}
	}
	return GitRemote{}, newSDKError(ErrNotFound, nil, "Git.Remote: no remote %q in %s", name, path)
}

// AddRemoteOptions tunes Git.AddRemote.
type AddRemoteOptions struct {
	// Fetch fetches from the remote right after adding it.
	Fetch bool
	// Overwrite replaces an existing remote of the same name.
	Overwrite bool
}

// AddRemote adds the remote name with url. The URL should not embed
// credentials: use the Username and Password of Push and Pull, or
// StoreCredentials.
func (g *Git) AddRemote(ctx context.Context, path, name, url string, opts AddRemoteOptions) error {
	const op = "Git.AddRemote"
	if err := checkPaths(op, "path", path, "name", name, "url", url); err != nil {
		return err
	}
	body := toolbox.GitAddRemoteRequest{Path: path, Name: name, URL: url}
	body.Fetch = nonZero(opts.Fetch)
	body.Overwrite = nonZero(opts.Overwrite)
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.AddRemoteWithResponse(ctx, body)
		return err
	})
}

// GitConfigScope is the git configuration file a setting lives in.
type GitConfigScope string

// The configuration scopes.
const (
	// GitConfigGlobal is the user's configuration (the default).
	GitConfigGlobal GitConfigScope = "global"
	// GitConfigLocal is one repository's configuration; it needs a Path.
	GitConfigLocal GitConfigScope = "local"
	// GitConfigSystem is the system-wide configuration.
	GitConfigSystem GitConfigScope = "system"
)

// GitConfigOptions selects the configuration that Git.GetConfig,
// Git.SetConfig and Git.ConfigureUser work on.
type GitConfigOptions struct {
	// Scope is the configuration file (default GitConfigGlobal).
	Scope GitConfigScope
	// Path is the repository, needed with GitConfigLocal.
	Path string
}

func (o GitConfigOptions) params(op string) (scope, path *string, err error) {
	switch o.Scope {
	case "":
	case GitConfigGlobal, GitConfigSystem:
		s := string(o.Scope)
		scope = &s
	case GitConfigLocal:
		if o.Path == "" {
			return nil, nil, invalidf("%s: Scope local needs a Path", op)
		}
		s := string(o.Scope)
		scope = &s
	default:
		return nil, nil, invalidf("%s: unknown Scope %q (want global, local or system)", op, o.Scope)
	}
	if o.Path != "" {
		if err := checkPath(op, "Path", o.Path); err != nil {
			return nil, nil, err
		}
		p := o.Path
		path = &p
	}
	return scope, path, nil
}

// GetConfig returns the value of the configuration key (e.g. "user.name");
// ok is false when the key is not set.
func (g *Git) GetConfig(ctx context.Context, key string, opts GitConfigOptions) (value string, ok bool, err error) {
	const op = "Git.GetConfig"
	if err := checkPath(op, "key", key); err != nil {
		return "", false, err
	}
	scope, path, err := opts.params(op)
	if err != nil {
		return "", false, err
	}
	tb, err := g.sb.toolboxCall(ctx)
	if err != nil {
		return "", false, err
	}
	resp, err := tb.GetGitConfigWithResponse(ctx, &toolbox.GetGitConfigParams{Key: key, Scope: scope, Path: path})
	if err != nil {
		return "", false, redactErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return "", false, unexpected("GET /git/config", resp.Status())
	}
	if resp.JSON200.Value == nil {
		return "", false, nil
	}
	return *resp.JSON200.Value, true, nil
}

// SetConfig sets the configuration key to value.
func (g *Git) SetConfig(ctx context.Context, key, value string, opts GitConfigOptions) error {
	const op = "Git.SetConfig"
	if err := checkPath(op, "key", key); err != nil {
		return err
	}
	scope, path, err := opts.params(op)
	if err != nil {
		return err
	}
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.SetGitConfigWithResponse(ctx, toolbox.GitSetConfigRequest{Key: key, Value: value, Scope: scope, Path: path})
		return err
	}, value)
}

// ConfigureUser sets user.name and user.email.
func (g *Git) ConfigureUser(ctx context.Context, name, email string, opts GitConfigOptions) error {
	const op = "Git.ConfigureUser"
	if err := checkPaths(op, "name", name, "email", email); err != nil {
		return err
	}
	scope, path, err := opts.params(op)
	if err != nil {
		return err
	}
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.ConfigureUserWithResponse(ctx, toolbox.GitConfigureUserRequest{Name: name, Email: email, Scope: scope, Path: path})
		return err
	})
}

// GitCredentialsOptions tunes Git.StoreCredentials.
type GitCredentialsOptions struct {
	// Host is the git server (default github.com).
	Host string
	// Protocol is its protocol (default https).
	Protocol string
}

// StoreCredentials stores username and password (or token) in the
// sandbox's git credential store, so that later clones, pulls and pushes
// to the host authenticate without passing them. They are then readable by
// anything running in the sandbox.
func (g *Git) StoreCredentials(ctx context.Context, username, password string, opts GitCredentialsOptions) error {
	const op = "Git.StoreCredentials"
	if username == "" || password == "" {
		return invalidf("%s: username and password are required", op)
	}
	for _, s := range []string{username, password, opts.Host, opts.Protocol} {
		if strings.ContainsAny(s, "\n\x00") {
			return invalidf("%s: credentials, host and protocol must not contain newlines or NUL bytes", op)
		}
	}
	body := toolbox.GitAuthenticateRequest{Username: username, Password: password}
	body.Host = nonZero(opts.Host)
	body.Protocol = nonZero(opts.Protocol)
	return g.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.AuthenticateWithResponse(ctx, body)
		return err
	}, password)
}
