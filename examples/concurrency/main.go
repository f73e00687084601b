// Concurrency fans out work over several sandboxes at once with
// golang.org/x/sync/errgroup and collects the results in order.
//
//	go run ./examples/concurrency
//
// One Client serves every goroutine: it and every Sandbox are safe for
// concurrent use, and there is no separate async API - goroutines call the
// same methods. The first error cancels the group's context, which stops
// the other goroutines' calls; every sandbox is deleted either way.
//
// It runs against Daytona when DAYTONA_API_KEY is set, else against the
// in-process emulator; the first line of output says which.
package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(10*time.Minute, run) }

// jobs is the work: one shell command per sandbox.
var jobs = []string{
	"echo $((6 * 7))",
	"printf '%s' 'hello world' | wc -c",
	"seq 1 100 | awk '{ s += $1 } END { print s }'",
	"echo daytona | rev",
	"echo $((1 << 10))",
}

// result is what one sandbox produced.
type result struct {
	sandboxID string
	output    string
}

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	results := make([]result, len(jobs)) // each goroutine writes its own index: no lock needed
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(3) // at most three sandboxes at a time
	for i, cmd := range jobs {
		g.Go(func() error {
			r, err := runJob(ctx, env.Client, i, cmd)
			if err != nil {
				return fmt.Errorf("job %d: %w", i, err)
			}
			results[i] = r
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, r := range results {
		fmt.Fprintf(w, "job %d (%s): %s\n", i, r.sandboxID, r.output)
	}
	fmt.Fprintf(w, "%d jobs done in %d sandboxes\n", len(results), len(jobs))
	return nil
}

// runJob creates a sandbox, runs cmd in it and deletes it.
func runJob(ctx context.Context, c *daytona.Client, i int, cmd string) (result, error) {
	sb, err := c.Create(ctx, daytona.FromSnapshot{
		Labels: map[string]string{"example": "concurrency", "job": fmt.Sprint(i)},
	}, daytona.CreateOptions{})
	if sb != nil {
		defer exenv.Remove(io.Discard, sb)
	}
	if err != nil {
		return result{}, err
	}
	res, err := sb.Process.Exec(ctx, cmd, daytona.ExecOptions{Timeout: time.Minute})
	if err != nil {
		return result{}, err
	}
	if res.ExitCode != 0 {
		return result{}, fmt.Errorf("%q exited with %d: %s", cmd, res.ExitCode, res.Result)
	}
	if err := sb.Delete(ctx); err != nil {
		return result{}, err
	}
	return result{sandboxID: sb.ID(), output: strings.TrimSpace(res.Result)}, nil
}
