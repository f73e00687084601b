// Computer-use drives a sandbox's desktop: it starts the X server, opens a
// window, clicks into it, types, presses keys, and saves screenshots.
//
//	go run ./examples/computer-use
//
// The window is xev (from x11-utils), a tiny X program that prints the
// input events it receives; its output, read through a session, shows what
// the mouse and keyboard calls did. A sandbox without xev gets the same
// input, unobserved. Screenshots go to ./daytona-screenshots.
//
// The sandbox needs the computer-use stack: on Daytona, an image with the
// desktop; on the emulator, this machine's Xvfb, xdotool and ImageMagick
// (Debian: apt install xvfb xdotool imagemagick x11-utils). Without them the
// example says so and exits successfully.
//
// It runs against Daytona when DAYTONA_API_KEY is set, else against the
// in-process emulator; the first line of output says which.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(5*time.Minute, run) }

// outDir is where the screenshots are written.
var outDir = "daytona-screenshots"

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	sb, err := env.Client.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{"example": "computer-use"}}, daytona.CreateOptions{})
	if sb != nil {
		defer exenv.Remove(w, sb)
	}
	if err != nil {
		return err
	}
	cu := sb.ComputerUse

	started, err := cu.Start(ctx)
	var de *daytona.Error
	if errors.As(err, &de) && de.StatusCode == http.StatusServiceUnavailable {
		fmt.Fprintf(w, "skipped: this sandbox has no desktop (%s)\n", de.Message)
		return nil
	}
	if err != nil {
		return err
	}
	defer cu.Stop(context.WithoutCancel(ctx))
	names := make([]string, 0, len(started.Processes))
	for _, p := range started.Processes {
		names = append(names, p.Name)
	}
	fmt.Fprintf(w, "desktop started: %s\n", strings.Join(names, ", "))
	screens, err := cu.Display.Info(ctx)
	if err != nil {
		return err
	}
	if len(screens) == 0 {
		return errors.New("the desktop reports no screen")
	}
	fmt.Fprintf(w, "screen: %dx%d\n", screens[0].Width, screens[0].Height)

	// A window to send input to: xev, if the sandbox has it, in a session so
	// that its output (the events it receives) can be read while it runs.
	// Without xev the input goes to the desktop unobserved.
	region := daytona.Region{Width: screens[0].Width, Height: screens[0].Height}
	check, err := sb.Process.Exec(ctx, "command -v xev", daytona.ExecOptions{})
	if err != nil {
		return err
	}
	var xevCmd string
	if check.ExitCode != 0 {
		fmt.Fprintln(w, "xev is not installed in the sandbox: the input goes to the desktop unobserved")
	} else {
		if err := sb.Process.CreateSession(ctx, "xev"); err != nil {
			return err
		}
		defer sb.Process.DeleteSession(context.WithoutCancel(ctx), "xev") // ends xev too
		res, err := sb.Process.ExecuteSessionCommand(ctx, "xev", "xev -geometry 400x300+40+40", daytona.SessionExecOptions{Async: true})
		if err != nil {
			return err
		}
		xevCmd = res.CommandID
		win, err := waitForWindow(ctx, cu, "Event Tester")
		if err != nil {
			return fmt.Errorf("xev's window did not appear: %w", err)
		}
		fmt.Fprintf(w, "window %q: %dx%d at (%d,%d)\n", win.Title, win.Width, win.Height, win.X, win.Y)
		region = daytona.Region{X: win.X, Y: win.Y, Width: win.Width, Height: win.Height}
	}

	// Click into the window (or the middle of the screen), type, press keys.
	p, err := cu.Mouse.Click(ctx, region.X+region.Width/2, region.Y+region.Height/2, daytona.ClickOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "clicked at (%d,%d)\n", p.X, p.Y)
	if err := cu.Keyboard.Type(ctx, "hello", daytona.TypeOptions{Delay: 10 * time.Millisecond}); err != nil {
		return err
	}
	fmt.Fprintln(w, `typed "hello"`)
	if err := cu.Keyboard.Press(ctx, "enter", daytona.PressOptions{}); err != nil {
		return err
	}
	if err := cu.Keyboard.Hotkey(ctx, "ctrl+a"); err != nil {
		return err
	}
	fmt.Fprintln(w, "pressed enter and ctrl+a")

	// What xev saw: one block per event, in its own words.
	if xevCmd != "" {
		seen, err := waitForEvents(ctx, sb, xevCmd, "Return", "Control_L")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "xev saw: %d button press(es), keys %s\n", seen.clicks, strings.Join(seen.keys, " "))
	}

	// Screenshots: a full-screen PNG, and a smaller JPEG of the window (or
	// of the screen).
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	full, err := cu.Screenshot.TakeFullScreen(ctx, daytona.ScreenshotOptions{ShowCursor: true})
	if err != nil {
		return err
	}
	if err := save(w, full, "screen.png"); err != nil {
		return err
	}
	part, err := cu.Screenshot.TakeCompressedRegion(ctx, region,
		daytona.CompressedScreenshotOptions{Format: daytona.ImageJPEG, Quality: 70, Scale: 0.5})
	if err != nil {
		return err
	}
	if err := save(w, part, "window.jpg"); err != nil {
		return err
	}

	if _, err := cu.Stop(ctx); err != nil {
		return err
	}
	status, err := cu.Status(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "desktop stopped: status %s\n", status)
	return nil
}

// waitForWindow polls the window list until a window with this title
// appears, for up to 20 seconds.
func waitForWindow(ctx context.Context, cu *daytona.ComputerUse, title string) (daytona.Window, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		wins, err := cu.Display.Windows(ctx)
		if err != nil {
			return daytona.Window{}, err
		}
		for _, win := range wins {
			if win.Title == title {
				return win, nil
			}
		}
		select {
		case <-ctx.Done():
			return daytona.Window{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// events is what xev reported.
type events struct {
	clicks int
	keys   []string
}

var keysym = regexp.MustCompile(`keysym 0x[0-9a-f]+, ([^)]+)\)`)

// waitForEvents reads xev's output until every one of the keys has been
// pressed, for up to 20 seconds, and sums it up.
func waitForEvents(ctx context.Context, sb *daytona.Sandbox, cmdID string, keys ...string) (events, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		logs, err := sb.Process.GetSessionCommandLogs(ctx, "xev", cmdID)
		if err != nil {
			return events{}, err
		}
		var ev events
		blocks := strings.Split(logs.Stdout, "\n\n") // xev separates events with a blank line
		for _, b := range blocks {
			switch {
			case strings.HasPrefix(b, "ButtonPress event"):
				ev.clicks++
			case strings.HasPrefix(b, "KeyPress event"):
				if m := keysym.FindStringSubmatch(b); m != nil {
					ev.keys = append(ev.keys, m[1])
				}
			}
		}
		all := true
		for _, k := range keys {
			all = all && strings.Contains(strings.Join(ev.keys, " "), k)
		}
		if all {
			return ev, nil
		}
		select {
		case <-ctx.Done():
			return ev, fmt.Errorf("xev did not report the keys %v (it saw %v): %w", keys, ev.keys, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func save(w io.Writer, s *daytona.Screenshot, name string) error {
	file := filepath.Join(outDir, name)
	if err := os.WriteFile(file, s.Image, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "screenshot: %dx%d %s saved to %s\n", s.Width, s.Height, s.Format, file)
	return nil
}
