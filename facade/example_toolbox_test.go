package daytona_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/daytona-go/daytona/daytonatest"
	daytona "github.com/daytona-go/daytona/facade"
)

// exampleSandbox starts an emulator and a sandbox in it; stop closes both.
func exampleSandbox() (sb *daytona.Sandbox, stop func()) {
	srv, err := daytonatest.Start()
	if err != nil {
		log.Fatal(err)
	}
	client, err := daytona.New(daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey})
	if err != nil {
		log.Fatal(err)
	}
	sb, err = client.Create(context.Background(), daytona.FromSnapshot{}, daytona.CreateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	return sb, func() { _ = client.Close(); srv.Close() }
}

// Exec runs a shell command; its output merges stdout and stderr.
func ExampleProcess_Exec() {
	sb, stop := exampleSandbox()
	defer stop()

	res, err := sb.Process.Exec(context.Background(), "echo $GREETING; exit 3", daytona.ExecOptions{
		Env: map[string]string{"GREETING": "hello"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("exit code %d, output %q\n", res.ExitCode, res.Result)
	// Output:
	// exit code 3, output "hello\n"
}

// Files stream both ways; DownloadMany reports per-file failures in its
// result.
func ExampleFileSystem_DownloadMany() {
	sb, stop := exampleSandbox()
	defer stop()
	ctx := context.Background()

	if err := sb.FS.Upload(ctx, "docs/a.txt", strings.NewReader("first file\n")); err != nil {
		log.Fatal(err)
	}
	var a bytes.Buffer
	res, err := sb.FS.DownloadMany(ctx, []daytona.FileDownload{
		{Source: "docs/a.txt", Destination: &a},
		{Source: "docs/missing.txt", Destination: io.Discard},
	}, daytona.DownloadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(a.String())
	fmt.Println("missing is not found:", errors.Is(res[1].Err, daytona.ErrFileNotFound))
	// Output:
	// first file
	// missing is not found: true
}

// StreamSessionCommandLogs follows a command's stdout and stderr as it
// runs.
func ExampleProcess_StreamSessionCommandLogs() {
	sb, stop := exampleSandbox()
	defer stop()
	ctx := context.Background()

	if err := sb.Process.CreateSession(ctx, "build"); err != nil {
		log.Fatal(err)
	}
	cmd, err := sb.Process.ExecuteSessionCommand(ctx, "build", "echo compiling; echo warning >&2; echo done", daytona.SessionExecOptions{Async: true})
	if err != nil {
		log.Fatal(err)
	}
	if err := sb.Process.StreamSessionCommandLogs(ctx, "build", cmd.CommandID, os.Stdout, io.Discard); err != nil {
		log.Fatal(err)
	}
	// Output:
	// compiling
	// done
}
