// Pty opens an interactive shell in a sandbox and wires it to your
// terminal: raw mode, so every key (Ctrl-C included) goes to the sandbox,
// and the remote terminal follows when you resize the window (SIGWINCH).
//
//	go run ./examples/pty        # type commands; exit or Ctrl-D to leave
//
// When standard input is not a terminal (CI, a pipe), it runs a short
// scripted session instead: it types commands, resizes the terminal in
// between and reads the shell's exit code.
//
// It runs against Daytona when DAYTONA_API_KEY is set, else against the
// in-process emulator, where the shell runs on this machine; the first line
// of output says which.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"golang.org/x/term"

	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(time.Hour, run) }

// The terminal this program talks to; the tests replace them.
var stdin, stdout = os.Stdin, os.Stdout

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	sb, err := env.Client.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{"example": "pty"}}, daytona.CreateOptions{})
	if sb != nil {
		defer exenv.Remove(w, sb)
	}
	if err != nil {
		return err
	}
	if term.IsTerminal(int(stdin.Fd())) && term.IsTerminal(int(stdout.Fd())) {
		return interactive(ctx, w, sb, stdin, stdout)
	}
	fmt.Fprintln(w, "standard input is not a terminal: running a scripted session")
	return scripted(ctx, w, sb)
}

// interactive connects the terminal in/out to a shell in the sandbox until
// the shell exits.
func interactive(ctx context.Context, w io.Writer, sb *daytona.Sandbox, in, out *os.File) error {
	cols, rows, err := term.GetSize(int(out.Fd()))
	if err != nil {
		return err
	}
	pty, err := sb.Process.CreatePTY(ctx, daytona.PTYOptions{Size: daytona.PTYSize{Cols: cols, Rows: rows}})
	if err != nil {
		return err
	}
	defer pty.Close()
	fmt.Fprintf(w, "connected to %s (%dx%d): type exit or Ctrl-D to leave\n", pty.ID(), cols, rows)

	// Raw mode: no local echo or line editing, keys go through as typed.
	old, err := term.MakeRaw(int(in.Fd()))
	if err != nil {
		return err
	}
	defer term.Restore(int(in.Fd()), old)

	// Follow the window's size.
	winch := make(chan os.Signal, 1)
	notifyResize(winch)
	defer signal.Stop(winch)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-winch:
				if c, r, err := term.GetSize(int(out.Fd())); err == nil {
					_ = pty.Resize(ctx, c, r)
				}
			case <-done:
				return
			}
		}
	}()

	// Keys to the shell. This goroutine stays blocked reading the terminal
	// after the shell exits, until the next key or the program's end.
	go func() { _, _ = io.Copy(pty, in) }()

	// The shell's output to the terminal, until it exits (io.EOF).
	if _, err := io.Copy(out, pty); err != nil {
		return err
	}
	code, err := pty.Wait(ctx)
	if err != nil {
		return err
	}
	term.Restore(int(in.Fd()), old)
	fmt.Fprintf(w, "\nshell exited with code %d\n", code)
	return nil
}

// scripted types a few commands into a shell, resizing the terminal between
// two of them, and copies everything the terminal shows to w.
func scripted(ctx context.Context, w io.Writer, sb *daytona.Sandbox) error {
	pty, err := sb.Process.CreatePTY(ctx, daytona.PTYOptions{Size: daytona.PTYSize{Cols: 80, Rows: 24}})
	if err != nil {
		return err
	}
	defer pty.Close()
	fmt.Fprintf(w, "created %s (80x24)\n", pty.ID())
	screen := &transcript{w: w}

	// Each step types a line and reads the output until the command's
	// answer appears. The answers are built with printf so that they do not
	// appear in the echo of the typed line itself.
	steps := []struct{ input, answer string }{
		{"printf 'size: %s\\n' \"$(stty size)\"\n", "size: 24 80"},
		{"printf 'ans%s: %s\\n' wer $((6 * 7))\n", "answer: 42"},
	}
	for _, s := range steps {
		if _, err := io.WriteString(pty, s.input); err != nil {
			return err
		}
		if err := screen.readUntil(pty, s.answer); err != nil {
			return err
		}
	}

	if err := pty.Resize(ctx, 120, 40); err != nil {
		return err
	}
	fmt.Fprintln(w, "\n[resized to 120x40]")
	if _, err := io.WriteString(pty, "printf 'size: %s\\n' \"$(stty size)\"\n"); err != nil {
		return err
	}
	if err := screen.readUntil(pty, "size: 40 120"); err != nil {
		return err
	}

	if _, err := io.WriteString(pty, "exit 3\n"); err != nil {
		return err
	}
	if _, err := io.Copy(screen, pty); err != nil { // until the shell exits
		return err
	}
	code, err := pty.Wait(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nshell exited with code %d\n", code)
	return nil
}

// transcript copies terminal output to w and remembers it, so that
// readUntil can wait for a piece of text.
type transcript struct {
	w    io.Writer
	seen bytes.Buffer
}

func (t *transcript) Write(p []byte) (int, error) {
	t.seen.Write(p)
	return t.w.Write(p)
}

// readUntil copies output from r until text has appeared since the last
// call.
func (t *transcript) readUntil(r io.Reader, text string) error {
	t.seen.Reset()
	buf := make([]byte, 4096)
	for !bytes.Contains(t.seen.Bytes(), []byte(text)) {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := t.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("the shell exited before printing %q", text)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
