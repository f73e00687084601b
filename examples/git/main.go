// Git works with repositories inside a sandbox: it creates a bare
// repository to serve as the remote (so the example needs no network and no
// credentials), pushes a first commit to it, clones it, commits on a new
// branch and pushes that branch back.
//
//	go run ./examples/git
//
// Against a hosted remote, pass the credentials in CloneOptions, PushOptions
// and PullOptions (Username, Password): they travel in request bodies only
// and never appear in a URL, a log line or an error.
//
// It runs against Daytona when DAYTONA_API_KEY is set, else against the
// in-process emulator; the first line of output says which.
package main

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(5*time.Minute, run) }

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	sb, err := env.Client.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{"example": "git"}}, daytona.CreateOptions{})
	if sb != nil {
		defer exenv.Remove(w, sb)
	}
	if err != nil {
		return err
	}
	g := sb.Git

	// Relative paths resolve against the work directory; a remote URL
	// needs an absolute one.
	work, err := sb.WorkDir(ctx)
	if err != nil {
		return err
	}
	remote := path.Join(work, "remote.git")
	me := daytona.CommitOptions{Author: "Ada Example", Email: "ada@example.com"}

	// The remote: a bare repository.
	if err := g.Init(ctx, "remote.git", daytona.GitInitOptions{Bare: true, InitialBranch: "main"}); err != nil {
		return err
	}
	fmt.Fprintln(w, "created a bare repository: remote.git")

	// A first repository: one commit, pushed to the remote.
	if err := g.Init(ctx, "seed", daytona.GitInitOptions{InitialBranch: "main"}); err != nil {
		return err
	}
	if err := sb.FS.Upload(ctx, "seed/README.md", strings.NewReader("# Demo\n")); err != nil {
		return err
	}
	if err := g.Add(ctx, "seed", []string{"."}); err != nil {
		return err
	}
	first, err := g.Commit(ctx, "seed", "Initial commit", me)
	if err != nil {
		return err
	}
	if err := g.AddRemote(ctx, "seed", "origin", remote, daytona.AddRemoteOptions{}); err != nil {
		return err
	}
	if err := g.Push(ctx, "seed", daytona.PushOptions{Branch: "main", SetUpstream: true}); err != nil {
		return err
	}
	fmt.Fprintf(w, "pushed main: %s Initial commit\n", first[:7])

	// Clone it, branch, change, commit and push the branch.
	if err := g.Clone(ctx, remote, "clone", daytona.CloneOptions{}); err != nil {
		return err
	}
	fmt.Fprintln(w, "cloned into clone/")
	if err := g.CreateBranch(ctx, "clone", "feature/greeting"); err != nil {
		return err
	}
	if err := sb.FS.Upload(ctx, "clone/hello.txt", strings.NewReader("hello\n")); err != nil {
		return err
	}
	st, err := g.Status(ctx, "clone")
	if err != nil {
		return err
	}
	for _, f := range st.Files {
		fmt.Fprintf(w, "status on %s: %s %s\n", st.CurrentBranch, f.Name, f.Worktree)
	}
	if err := g.Add(ctx, "clone", []string{"hello.txt"}); err != nil {
		return err
	}
	second, err := g.Commit(ctx, "clone", "Add a greeting", me)
	if err != nil {
		return err
	}
	if err := g.Push(ctx, "clone", daytona.PushOptions{Branch: "feature/greeting", SetUpstream: true}); err != nil {
		return err
	}
	fmt.Fprintf(w, "pushed feature/greeting: %s Add a greeting\n", second[:7])

	st, err = g.Status(ctx, "clone")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "status: branch %s, upstream %s, ahead %d, %d changed files\n",
		st.CurrentBranch, st.Upstream, st.Ahead, len(st.Files))
	br, err := g.Branches(ctx, "clone")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "branches: %s (current %s)\n", strings.Join(br.Branches, ", "), br.Current)
	hist, err := g.History(ctx, "clone")
	if err != nil {
		return err
	}
	for _, c := range hist {
		fmt.Fprintf(w, "history: %s %s <%s> %s\n", c.Hash[:7], c.Author, c.Email, strings.TrimSpace(c.Message))
	}

	// The remote now has both branches: ask git in the sandbox.
	res, err := sb.Process.Exec(ctx, "git --git-dir=remote.git branch --format='%(refname:short)'", daytona.ExecOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "remote branches: %s\n", strings.Join(strings.Fields(res.Result), ", "))

	// Pull brings the seed repository up to date with the new branch.
	if err := g.Pull(ctx, "seed", daytona.PullOptions{Branch: "feature/greeting"}); err != nil {
		return err
	}
	hist, err = g.History(ctx, "seed")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "seed after pull: %d commits, newest %s\n", len(hist), strings.TrimSpace(hist[0].Message))
	return nil
}
