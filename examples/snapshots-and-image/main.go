// Snapshots-and-image builds images declared in Go with package
// imagebuilder, with files from a local directory: once as a snapshot (a
// reusable image that sandboxes start from), once directly as a sandbox.
// Both stream the build's log while it runs.
//
//	go run ./examples/snapshots-and-image
//
// The local directory is uploaded to the organization's object storage as a
// build context, keyed by its content hash, and skipped when it is already
// there. On Daytona a build takes minutes. The emulator runs no Docker: it
// checks the Dockerfile, logs each step and copies the context files into
// the image, but does not run RUN instructions.
//
// It runs against Daytona when DAYTONA_API_KEY is set, else against the
// in-process emulator; the first line of output says which.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
	"github.com/daytona-go/daytona/imagebuilder"
)

func main() { exenv.Main(30*time.Minute, run) }

// appDir is where the image holds the application.
const appDir = "/home/daytona/app"

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	c := env.Client

	// A local directory with the application, as a project would have it.
	// Its path is part of the build context's name and hash, so it stays
	// the same from run to run: the second run finds the context already
	// uploaded.
	local := filepath.Join(os.TempDir(), "daytona-image-example")
	if err := os.MkdirAll(local, 0o755); err != nil {
		return err
	}
	files := map[string]string{
		"main.py":     "import os\nprint(open(os.path.join(os.path.dirname(__file__), 'message.txt')).read().strip(), os.environ.get('APP_MODE', '(APP_MODE unset)'))\n",
		"message.txt": "hello from the image",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(local, name), []byte(content), 0o644); err != nil {
			return err
		}
	}

	// The image: immutable values, each call returns a new Image.
	image := imagebuilder.DebianSlim("3.12").
		PipInstall("requests>=2.31").
		AddLocalDir(local, appDir).
		Env(map[string]string{"APP_MODE": "demo"})
	dockerfile, err := image.Dockerfile()
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "Dockerfile:")
	for _, line := range strings.Split(strings.TrimSpace(dockerfile), "\n") {
		fmt.Fprintln(w, "  "+line)
	}

	// 1. A snapshot from the image: Create uploads the context, starts the
	// build, streams its log to OnLogs and returns once it is active.
	name := fmt.Sprintf("image-example-%d", time.Now().UnixNano())
	snap, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{Name: name, Build: image},
		daytona.CreateSnapshotOptions{OnLogs: printLog(w, "snapshot log")})
	if snap != nil {
		defer func() {
			if err := c.Snapshots.Delete(context.WithoutCancel(ctx), snap.ID); err != nil {
				fmt.Fprintln(w, "deleting the snapshot:", err)
			}
		}()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "snapshot %s: %s\n", snap.Name, snap.State)

	sb, err := c.Create(ctx, daytona.FromSnapshot{Snapshot: snap.Name, Labels: map[string]string{"example": "snapshots-and-image"}}, daytona.CreateOptions{})
	if sb != nil {
		defer exenv.Remove(w, sb)
	}
	if err != nil {
		return err
	}
	if err := runApp(ctx, w, env, sb); err != nil {
		return err
	}
	for s, err := range c.Snapshots.All(ctx, daytona.SnapshotListOptions{Name: name}) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "listed snapshot %s: %s\n", s.Name, s.State)
	}

	// 2. A sandbox straight from the image: the build log comes through
	// OnBuildLogs while the sandbox is pending.
	sb2, err := c.Create(ctx, daytona.FromImage{Build: image, Labels: map[string]string{"example": "snapshots-and-image"}},
		daytona.CreateOptions{OnBuildLogs: printLog(w, "sandbox build log")})
	if sb2 != nil {
		defer exenv.Remove(w, sb2)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "sandbox from the image: %s\n", sb2.State())
	return runApp(ctx, w, env, sb2)
}

// runApp runs the application the image holds.
func runApp(ctx context.Context, w io.Writer, env *exenv.Env, sb *daytona.Sandbox) error {
	dir, err := env.SandboxPath(ctx, sb, appDir) // appDir itself, except on the emulator
	if err != nil {
		return err
	}
	// APP_MODE comes from the image's ENV on Daytona; the emulator does
	// not apply ENV, so pass it the same value here.
	res, err := sb.Process.Exec(ctx, "python3 main.py", daytona.ExecOptions{Cwd: dir, Env: map[string]string{"APP_MODE": "demo"}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "app in sandbox: exit %d, %q\n", res.ExitCode, strings.TrimSpace(res.Result))
	return nil
}

// printLog returns a log callback that prints each line with a prefix.
func printLog(w io.Writer, prefix string) func(string) {
	return func(chunk string) {
		for _, line := range strings.Split(chunk, "\n") {
			if line = strings.TrimRight(line, "\r"); line != "" {
				fmt.Fprintf(w, "  %s | %s\n", prefix, line)
			}
		}
	}
}
