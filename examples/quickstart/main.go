// Quickstart creates a sandbox, runs a command in it, uploads a file and
// downloads it back, then deletes the sandbox.
//
//	make demo    # or: go run ./examples/quickstart
//
// With DAYTONA_API_KEY set it uses Daytona (DAYTONA_API_URL and
// DAYTONA_TARGET are read too); otherwise it starts the in-process emulator
// from package daytonatest. The first line of output says which.
package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(3*time.Minute, run) }

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	fmt.Fprintln(w, "creating a sandbox...")
	sb, err := env.Client.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{"example": "quickstart"}}, daytona.CreateOptions{})
	if sb != nil { // Create returns the sandbox even when it failed to start
		defer exenv.Remove(w, sb) // leave nothing behind, whatever happens
	}
	if err != nil {
		return err
	}
	r := sb.Resources()
	fmt.Fprintf(w, "sandbox %s is %s (cpu %d, memory %d GB, disk %d GB)\n", sb.ID(), sb.State(), r.CPU, r.Memory, r.Disk)

	res, err := sb.Process.Exec(ctx, "echo hello from $(uname -s)", daytona.ExecOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "exec: exit code %d, output %q\n", res.ExitCode, res.Result)

	const remote = "quickstart/greeting.txt"
	if err := sb.FS.Upload(ctx, remote, strings.NewReader("Hello, Daytona!\n")); err != nil {
		return err
	}
	fmt.Fprintln(w, "uploaded", remote)
	rc, err := sb.FS.Download(ctx, remote)
	if err != nil {
		return err
	}
	content, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "downloaded %s: %q\n", remote, content)

	fmt.Fprintln(w, "deleting it...")
	if err := sb.Delete(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "sandbox %s is %s\n", sb.ID(), sb.State())
	return nil
}
