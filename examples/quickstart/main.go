// Quickstart creates a sandbox, runs a command in it, uploads a file and
// downloads it back, then deletes the sandbox.
//
// With DAYTONA_API_KEY set it uses Daytona (DAYTONA_API_URL and
// DAYTONA_TARGET are read too); otherwise it starts the in-process emulator
// from package daytonatest. Run it with `make demo` or
// `go run ./examples/quickstart`.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/daytona-go/daytona/daytonatest"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg := daytona.Config{}
	if os.Getenv("DAYTONA_API_KEY") != "" {
		fmt.Println("DAYTONA_API_KEY is set: using Daytona")
	} else {
		srv, err := daytonatest.Start()
		if err != nil {
			return fmt.Errorf("starting the emulator: %w", err)
		}
		defer srv.Close()
		fmt.Println("DAYTONA_API_KEY is not set: using the in-process emulator at", srv.URL)
		cfg = daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey}
	}

	client, err := daytona.New(cfg)
	if err != nil {
		return err
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	fmt.Println("creating a sandbox...")
	sb, err := client.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{"example": "quickstart"}}, daytona.CreateOptions{})
	if err != nil {
		if sb != nil { // created, but it did not start: leave nothing behind
			dctx, dcancel := context.WithTimeout(context.Background(), time.Minute)
			_ = sb.Delete(dctx)
			dcancel()
		}
		return err
	}
	fmt.Printf("sandbox %s is %s (cpu %d, memory %d GB, disk %d GB)\n",
		sb.ID(), sb.State(), sb.Resources().CPU, sb.Resources().Memory, sb.Resources().Disk)

	if err := work(ctx, sb); err != nil {
		dctx, dcancel := context.WithTimeout(context.Background(), time.Minute)
		_ = sb.Delete(dctx)
		dcancel()
		return err
	}

	fmt.Println("deleting it...")
	if err := sb.Delete(ctx); err != nil {
		return err
	}
	fmt.Printf("sandbox %s is %s\n", sb.ID(), sb.State())
	return nil
}

// work runs a command in the sandbox and moves a file in and out of it.
func work(ctx context.Context, sb *daytona.Sandbox) error {
	res, err := sb.Process.Exec(ctx, "echo hello from $(uname -s)", daytona.ExecOptions{})
	if err != nil {
		return err
	}
	fmt.Printf("exec: exit code %d, output %q\n", res.ExitCode, res.Result)

	const remote = "quickstart/greeting.txt"
	if err := sb.FS.Upload(ctx, remote, strings.NewReader("Hello, Daytona!\n")); err != nil {
		return err
	}
	fmt.Println("uploaded", remote)
	rc, err := sb.FS.Download(ctx, remote)
	if err != nil {
		return err
	}
	defer rc.Close()
	content, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	fmt.Printf("downloaded %s: %q\n", remote, content)
	return nil
}
