// Package exenv decides where the examples run, so that each example's main
// stays a thin wrapper: against Daytona when DAYTONA_API_KEY is set in the
// environment, otherwise against an in-process emulator (package
// daytonatest) that needs no account and no network.
//
// Every example is written as
//
//	func main() { exenv.Main(5*time.Minute, run) }
//
//	func run(ctx context.Context, w io.Writer, env *exenv.Env) error { ... }
//
// so that its test can call run in-process against an emulator (package
// extest) and check what it printed.
package exenv

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path"
	"syscall"
	"time"

	"github.com/daytona-go/daytona/daytonatest"
	daytona "github.com/daytona-go/daytona/facade"
)

// Env is where an example runs: a client, and the emulator behind it when
// there is one.
type Env struct {
	// Client is connected to Daytona or to Emulator.
	Client *daytona.Client
	// Emulator is the in-process emulator, nil when running against
	// Daytona.
	Emulator *daytonatest.Server

	closeEmulator bool
}

// Open returns the environment the examples run in and writes one line to w
// saying which it is. With DAYTONA_API_KEY set it makes a client from the
// environment (DAYTONA_API_URL, DAYTONA_TARGET, ... as daytona.New reads
// them); otherwise it starts an emulator. The caller must Close the Env.
func Open(w io.Writer) (*Env, error) {
	if os.Getenv("DAYTONA_API_KEY") != "" {
		c, err := daytona.New(daytona.Config{})
		if err != nil {
			return nil, err
		}
		url := os.Getenv("DAYTONA_API_URL")
		if url == "" {
			url = daytona.DefaultAPIURL
		}
		fmt.Fprintf(w, "DAYTONA_API_KEY is set: running against Daytona at %s\n", url)
		return &Env{Client: c}, nil
	}
	srv, err := daytonatest.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the emulator: %w", err)
	}
	c, err := daytona.New(daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey})
	if err != nil {
		srv.Close()
		return nil, err
	}
	fmt.Fprintf(w, "DAYTONA_API_KEY is not set: running against the in-process emulator at %s\n", srv.URL)
	return &Env{Client: c, Emulator: srv, closeEmulator: true}, nil
}

// OnEmulator reports whether the example runs against the emulator.
func (e *Env) OnEmulator() bool { return e.Emulator != nil }

// Close closes the client and stops the emulator Open started.
func (e *Env) Close() {
	_ = e.Client.Close()
	if e.closeEmulator {
		e.Emulator.Close()
	}
}

// Main runs an example: it opens the Env (printing where it runs), calls run
// with a context that ends after timeout or on Ctrl-C, and exits with status
// 1 if run fails.
func Main(timeout time.Duration, run func(ctx context.Context, w io.Writer, env *Env) error) {
	if err := mainErr(os.Stdout, timeout, run); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func mainErr(w io.Writer, timeout time.Duration, run func(ctx context.Context, w io.Writer, env *Env) error) error {
	env, err := Open(w)
	if err != nil {
		return err
	}
	defer env.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return run(ctx, w, env)
}

// Remove deletes sb with a context of its own, so that it also runs after
// the example's context has ended; it reports a failure on w. Examples defer
// it right after creating a sandbox, so that none is left behind.
func Remove(w io.Writer, sb *daytona.Sandbox) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := sb.Delete(ctx); err != nil {
		fmt.Fprintf(w, "deleting sandbox %s: %v\n", sb.ID(), err)
	}
}

// SandboxPath returns where the absolute path p of a sandbox's filesystem
// (an image's /home/daytona/app, a volume's mount path) can be reached by
// the toolbox and by processes in sb. On Daytona that is p itself. The
// emulator roots each sandbox's "/" in the sandbox's own directory, its work
// directory, and runs processes on the host, so there it is p under that
// directory.
func (e *Env) SandboxPath(ctx context.Context, sb *daytona.Sandbox, p string) (string, error) {
	if !e.OnEmulator() {
		return p, nil
	}
	work, err := sb.WorkDir(ctx)
	if err != nil {
		return "", err
	}
	return path.Join(work, p), nil
}
