// Sessions runs commands in a session, a long-lived shell in the sandbox:
// state such as the working directory and exported variables carries from
// one command to the next, a long-running command's output is streamed live
// (stdout and stderr apart), and a command reads input sent to its stdin.
//
//	go run ./examples/sessions
//
// It runs against Daytona when DAYTONA_API_KEY is set, else against the
// in-process emulator; the first line of output says which.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(5*time.Minute, run) }

// build stands for a long-running command: it reports progress on stdout
// and warnings on stderr.
const build = `for i in 1 2 3 4 5; do echo "step $i of 5"; sleep 0.3; done; echo "warning: nothing to do" >&2; echo done`

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	sb, err := env.Client.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{"example": "sessions"}}, daytona.CreateOptions{})
	if sb != nil {
		defer exenv.Remove(w, sb)
	}
	if err != nil {
		return err
	}
	p := sb.Process
	const sid = "build-session"
	if err := p.CreateSession(ctx, sid); err != nil {
		return err
	}
	defer p.DeleteSession(context.WithoutCancel(ctx), sid)

	// Synchronous commands: the call returns when the command is done. The
	// session remembers the directory and the variable.
	if _, err := p.ExecuteSessionCommand(ctx, sid, "mkdir -p app && cd app && export STAGE=demo", daytona.SessionExecOptions{}); err != nil {
		return err
	}
	res, err := p.ExecuteSessionCommand(ctx, sid, `echo "in $(basename "$PWD") with STAGE=$STAGE"`, daytona.SessionExecOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "sync command: exit %d, stdout %q\n", res.ExitCode, res.Stdout)

	// An asynchronous command returns at once; its logs are followed live
	// until it ends. Writes happen on this goroutine, in order.
	res, err = p.ExecuteSessionCommand(ctx, sid, build, daytona.SessionExecOptions{Async: true})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "async command started:", res.CommandID)
	stdout, stderr := &linePrefixer{w: w, prefix: "  stdout | "}, &linePrefixer{w: w, prefix: "  stderr | "}
	if err := p.StreamSessionCommandLogs(ctx, sid, res.CommandID, stdout, stderr); err != nil {
		return err
	}
	cmd, err := p.GetSessionCommand(ctx, sid, res.CommandID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "async command finished: exit %d\n", cmd.ExitCode)

	// Standard input: the command waits for a line; SuppressInputEcho keeps
	// the input out of its output.
	res, err = p.ExecuteSessionCommand(ctx, sid, `read -r name; echo "hello, $name"`, daytona.SessionExecOptions{Async: true, SuppressInputEcho: true})
	if err != nil {
		return err
	}
	if err := p.SendSessionCommandInput(ctx, sid, res.CommandID, "Ada\n"); err != nil {
		return err
	}
	var got bytes.Buffer
	if err := p.StreamSessionCommandLogs(ctx, sid, res.CommandID, &got, nil); err != nil {
		return err
	}
	fmt.Fprintf(w, "stdin command: %q\n", got.String())

	// The session keeps a record of its commands.
	s, err := p.GetSession(ctx, sid)
	if err != nil {
		return err
	}
	for _, c := range s.Commands {
		fmt.Fprintf(w, "history: exit %d: %s\n", c.ExitCode, firstLine(c.Command))
	}
	return nil
}

// linePrefixer writes each complete line it receives to w with a prefix,
// keeping a partial line until its end arrives.
type linePrefixer struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  string
	partial []byte
}

func (l *linePrefixer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		if _, err := fmt.Fprintf(l.w, "%s%s\n", l.prefix, l.partial[:i]); err != nil {
			return 0, err
		}
		l.partial = l.partial[i+1:]
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}
