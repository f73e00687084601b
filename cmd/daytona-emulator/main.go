// Command daytona-emulator runs the daytonatest emulator as a standalone
// server, so that programs in any language can use Daytona offline.
//
//	go run ./cmd/daytona-emulator
//	export DAYTONA_API_URL=http://127.0.0.1:PORT   # as printed
//	export DAYTONA_API_KEY=...                     # as printed
//
// It listens on loopback only. Sandboxes are directories under -data (a
// temporary directory by default) and their processes run on this machine
// without isolation, as the current user. SIGINT or SIGTERM stops every
// process it started and exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/daytona-go/daytona/daytonatest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "daytona-emulator:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("daytona-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address; must be a loopback address")
	dataDir := fs.String("data", "", "directory for sandbox files (default: a temporary directory removed on exit)")
	apiKey := fs.String("api-key", "", "API key clients must send (default: random)")
	latency := fs.Duration("latency", daytonatest.DefaultLatency, "time each sandbox state transition takes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *latency < 0 {
		return errors.New("-latency must not be negative")
	}
	opts := []daytonatest.Option{daytonatest.WithListenAddr(*addr), daytonatest.WithLatency(*latency)}
	if *dataDir != "" {
		if err := os.MkdirAll(*dataDir, 0o755); err != nil {
			return err
		}
		opts = append(opts, daytonatest.WithDataDir(*dataDir))
	}
	if *apiKey != "" {
		opts = append(opts, daytonatest.WithAPIKey(*apiKey))
	}
	srv, err := daytonatest.Start(opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "export DAYTONA_API_URL=%s\nexport DAYTONA_API_KEY=%s\n", srv.URL, srv.APIKey)
	fmt.Fprintf(stderr, "daytona-emulator: serving on %s (data in %s); Ctrl-C to stop\n", srv.URL, srv.DataDir())
	<-ctx.Done()
	fmt.Fprintln(stderr, "daytona-emulator: stopping")
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(30 * time.Second):
		return errors.New("shutdown did not finish within 30s")
	}
}
