// Code-interpreter runs Python in the sandbox's stateful interpreter:
// variables survive from one run to the next, output streams to callbacks
// while the code runs, exceptions come back as values, separate contexts
// keep separate state, and a time limit interrupts a run without losing the
// context.
//
//	go run ./examples/code-interpreter
//
// It runs against Daytona when DAYTONA_API_KEY is set, else against the
// in-process emulator (which runs this machine's python3); the first line of
// output says which.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(5*time.Minute, run) }

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	sb, err := env.Client.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{"example": "code-interpreter"}}, daytona.CreateOptions{})
	if sb != nil {
		defer exenv.Remove(w, sb)
	}
	if err != nil {
		return err
	}
	ci := sb.CodeInterpreter

	// State: the second run sees what the first defined.
	if _, err := ci.RunCode(ctx, "import math\nradius = 2", daytona.RunCodeOptions{}); err != nil {
		return err
	}
	res, err := ci.RunCode(ctx, "print(f'area {math.pi * radius ** 2:.2f}')", daytona.RunCodeOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "stateful: %s", res.Stdout)

	// Streaming: the callbacks get the output as the code produces it, on
	// this goroutine, in order.
	fmt.Fprintln(w, "streaming:")
	_, err = ci.RunCode(ctx, `
import sys, time
for i in range(1, 4):
    print(f"tick {i}", flush=True)
    time.sleep(0.2)
print("almost done", file=sys.stderr, flush=True)
`, daytona.RunCodeOptions{
		OnStdout: func(text string) { fmt.Fprintf(w, "  stdout: %s\n", strings.TrimRight(text, "\n")) },
		OnStderr: func(text string) { fmt.Fprintf(w, "  stderr: %s\n", strings.TrimRight(text, "\n")) },
	})
	if err != nil {
		return err
	}

	// An exception is part of the result, not an error of RunCode.
	res, err = ci.RunCode(ctx, "int('forty-two')", daytona.RunCodeOptions{
		OnError: func(e *daytona.ExecutionError) { fmt.Fprintf(w, "OnError: %s\n", e.Name) },
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "exception: %s\n", res.Error)

	// Contexts: each has its own variables and working directory.
	other, err := ci.CreateContext(ctx, daytona.ContextOptions{})
	if err != nil {
		return err
	}
	if _, err := ci.RunCode(ctx, "radius = 10", daytona.RunCodeOptions{Context: other}); err != nil {
		return err
	}
	mine, err := ci.RunCode(ctx, "print(radius)", daytona.RunCodeOptions{})
	if err != nil {
		return err
	}
	theirs, err := ci.RunCode(ctx, "print(radius)", daytona.RunCodeOptions{Context: other})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "contexts: default radius %s, other radius %s\n", strings.TrimSpace(mine.Stdout), strings.TrimSpace(theirs.Stdout))
	list, err := ci.ListContexts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "contexts listed: %d (the default context is not listed)\n", len(list))

	// A time limit interrupts the run; the context keeps its state.
	_, err = ci.RunCode(ctx, "import time\ntime.sleep(60)", daytona.RunCodeOptions{Context: other, Timeout: time.Second})
	fmt.Fprintf(w, "1s limit: timed out %t\n", errors.Is(err, daytona.ErrTimeout))
	res, err = ci.RunCode(ctx, "print(radius)", daytona.RunCodeOptions{Context: other})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "after the timeout: radius %s\n", strings.TrimSpace(res.Stdout))

	if err := ci.DeleteContext(ctx, other.ID); err != nil {
		return err
	}
	list, err = ci.ListContexts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "deleted the other context: %d listed\n", len(list))
	return nil
}
