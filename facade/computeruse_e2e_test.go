package daytona_test

import (
	"bufio"
	"bytes"
	"image"
	_ "image/jpeg" // decodes the screenshots
	_ "image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	daytona "github.com/daytona-go/daytona/facade"
)

// xevWatcher runs xev, a tiny X client printing the events its window
// receives, so that the test observes the input the SDK sends.
type xevWatcher struct{ lines chan string }

func startXevWindow(t *testing.T, display, geometry string) *xevWatcher {
	t.Helper()
	needHostProgram(t, "xev", "the Debian package x11-utils")
	cmd := exec.Command("xev", "-geometry", geometry)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	w := &xevWatcher{lines: make(chan string, 4096)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(w.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case w.lines <- sc.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		_ = cmd.Wait()
	})
	w.await(t, "MapNotify event")
	return w
}

// await reads xev's lines until three consecutive ones (one event) hold
// all of parts, or fails after 20 s (a deadline for a hung test, not a
// timing assertion).
func (w *xevWatcher) await(t *testing.T, parts ...string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	var window []string
	for {
		select {
		case line, ok := <-w.lines:
			require.True(t, ok, "xev ended before %q", parts)
			window = append(window, line)
			if len(window) > 3 {
				window = window[1:]
			}
			joined := strings.Join(window, " ")
			all := true
			for _, p := range parts {
				all = all && strings.Contains(joined, p)
			}
			if all {
				return
			}
		case <-deadline:
			require.FailNow(t, "no such X event", "%q", parts)
		}
	}
}

func needDesktopHost(t *testing.T) {
	t.Helper()
	needHostProgram(t, "Xvfb", "the Debian package xvfb")
	needHostProgram(t, "xdotool", "the Debian package xdotool")
	needHostProgram(t, "import", "the Debian package imagemagick")
}

func decodeScreenshot(t *testing.T, s *daytona.Screenshot) image.Image {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(s.Image))
	require.NoError(t, err)
	assert.Equal(t, s.Format, format)
	assert.Equal(t, image.Rect(0, 0, s.Width, s.Height), img.Bounds())
	return img
}

// TestE2EComputerUse drives the emulator's X server through
// sb.ComputerUse, and watches the effects with xev.
func TestE2EComputerUse(t *testing.T) {
	t.Parallel()
	needDesktopHost(t)
	_, sb, ctx := emulatorSandbox(t, nil)
	cu := sb.ComputerUse

	status, err := cu.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, daytona.ComputerUseInactive, status)

	// Before Start there is no accessibility bus.
	_, err = cu.Accessibility.Tree(ctx, daytona.AccessibilityTreeOptions{})
	require.ErrorIs(t, err, daytona.ErrA11yUnavailable)
	assert.ErrorIs(t, err, daytona.ErrServer)
	err = cu.Accessibility.Focus(ctx, "app:/node")
	assert.ErrorIs(t, err, daytona.ErrA11yUnavailable)

	started, err := cu.Start(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, started.Message)
	require.NotEmpty(t, started.Processes)
	assert.Equal(t, "xvfb", started.Processes[0].Name)
	assert.True(t, started.Processes[0].Running)
	assert.Positive(t, started.Processes[0].PID)
	t.Cleanup(func() { _, _ = cu.Stop(ctx) })

	status, err = cu.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, daytona.ComputerUseActive, status)
	status, err = cu.ProcessesStatus(ctx)
	require.NoError(t, err)
	assert.Equal(t, daytona.ComputerUseActive, status)

	echo, err := sb.Process.Exec(ctx, "echo $DISPLAY", daytona.ExecOptions{})
	require.NoError(t, err)
	display := strings.TrimSpace(echo.Result)
	require.True(t, strings.HasPrefix(display, ":"), "the sandbox's DISPLAY is %q", display)
	xev := startXevWindow(t, display, "400x300+10+20")

	screens, err := cu.Display.Info(ctx)
	require.NoError(t, err)
	require.Len(t, screens, 1)
	screen := screens[0]
	assert.True(t, screen.Active)

	t.Run("screenshot of the screen's size", func(t *testing.T) {
		shot, err := cu.Screenshot.TakeFullScreen(ctx, daytona.ScreenshotOptions{})
		require.NoError(t, err)
		img := decodeScreenshot(t, shot)
		assert.Equal(t, image.Rect(0, 0, screen.Width, screen.Height), img.Bounds())
		assert.Equal(t, "png", shot.Format)

		region, err := cu.Screenshot.TakeRegion(ctx, daytona.Region{X: 5, Y: 5, Width: 64, Height: 48}, daytona.ScreenshotOptions{ShowCursor: true})
		require.NoError(t, err)
		decodeScreenshot(t, region)
		assert.Equal(t, 64, region.Width)
		require.NotNil(t, region.CursorPosition)

		small, err := cu.Screenshot.TakeCompressed(ctx, daytona.CompressedScreenshotOptions{Format: daytona.ImageJPEG, Quality: 60, Scale: 0.5})
		require.NoError(t, err)
		decodeScreenshot(t, small)
		assert.Equal(t, "jpeg", small.Format)
		assert.Equal(t, screen.Width/2, small.Width)

		part, err := cu.Screenshot.TakeCompressedRegion(ctx, daytona.Region{Width: 100, Height: 60}, daytona.CompressedScreenshotOptions{Scale: 0.5})
		require.NoError(t, err)
		decodeScreenshot(t, part)
		assert.Equal(t, 50, part.Width)
		assert.Equal(t, 30, part.Height)
	})

	t.Run("windows", func(t *testing.T) {
		wins, err := cu.Display.Windows(ctx)
		require.NoError(t, err)
		var found bool
		for _, w := range wins {
			if w.Title == "Event Tester" {
				found = true
				assert.Equal(t, 400, w.Width)
				assert.Equal(t, 300, w.Height)
			}
		}
		assert.True(t, found, "xev's window is listed: %+v", wins)
	})

	t.Run("mouse", func(t *testing.T) {
		p, err := cu.Mouse.Move(ctx, 300, 200)
		require.NoError(t, err)
		assert.Equal(t, daytona.Point{X: 300, Y: 200}, p)
		p, err = cu.Mouse.Position(ctx)
		require.NoError(t, err)
		assert.Equal(t, daytona.Point{X: 300, Y: 200}, p)

		p, err = cu.Mouse.Click(ctx, 60, 80, daytona.ClickOptions{Button: daytona.ButtonRight})
		require.NoError(t, err)
		assert.Equal(t, daytona.Point{X: 60, Y: 80}, p, "the click moved the pointer")
		xev.await(t, "ButtonPress event", "root:(60,80)", "button 3")

		_, err = cu.Mouse.Click(ctx, 70, 90, daytona.ClickOptions{Double: true})
		require.NoError(t, err)
		xev.await(t, "ButtonPress event", "root:(70,90)", "button 1")
		xev.await(t, "ButtonPress event", "root:(70,90)", "button 1")

		p, err = cu.Mouse.Drag(ctx, daytona.Point{X: 100, Y: 100}, daytona.Point{X: 200, Y: 150}, daytona.DragOptions{})
		require.NoError(t, err)
		assert.Equal(t, daytona.Point{X: 200, Y: 150}, p)
		xev.await(t, "ButtonPress event", "root:(100,100)")
		xev.await(t, "ButtonRelease event", "root:(200,150)")

		require.NoError(t, cu.Mouse.Scroll(ctx, 150, 150, daytona.ScrollUp, daytona.ScrollOptions{Amount: 3}))
		xev.await(t, "ButtonPress event", "root:(150,150)", "button 4")
	})

	t.Run("keyboard", func(t *testing.T) {
		// The pointer is over xev's window, which gets the keys (no window
		// manager: the focus follows the pointer).
		require.NoError(t, cu.Keyboard.Type(ctx, "ok", daytona.TypeOptions{Delay: 5 * time.Millisecond}))
		xev.await(t, "KeyPress event", "keysym 0x6f, o)")
		xev.await(t, "KeyPress event", "keysym 0x6b, k)")
		require.NoError(t, cu.Keyboard.Press(ctx, "a", daytona.PressOptions{Modifiers: []string{"ctrl"}}))
		xev.await(t, "KeyPress event", "state 0x4", "keysym 0x61, a)")
		require.NoError(t, cu.Keyboard.Hotkey(ctx, "shift+tab"))
		xev.await(t, "KeyPress event", "state 0x1", "Tab")
	})

	t.Run("processes", func(t *testing.T) {
		running, err := cu.ProcessRunning(ctx, "xvfb")
		require.NoError(t, err)
		assert.True(t, running)
		_, err = cu.ProcessLogs(ctx, "xvfb")
		require.NoError(t, err)
		_, err = cu.ProcessErrors(ctx, "xvfb")
		require.NoError(t, err)
		assert.ErrorIs(t, cu.RestartProcess(ctx, "novnc"), daytona.ErrValidation, "the emulator runs Xvfb only")
	})

	t.Run("recording", func(t *testing.T) {
		needHostProgram(t, "ffmpeg", "the Debian package ffmpeg")
		rec, err := cu.Recording.Start(ctx, daytona.RecordingOptions{Label: "e2e"})
		require.NoError(t, err)
		assert.Equal(t, daytona.RecordingActive, rec.Status)
		assert.Contains(t, rec.FileName, "_e2e_")
		// ffmpeg writes the file's header once it captures: wait for it
		// (a deadline for a hung test, not a timing assertion).
		deadline := time.Now().Add(20 * time.Second)
		for {
			fi, err := sb.FS.Info(ctx, rec.FilePath)
			if err == nil && fi.Size > 0 {
				break
			}
			require.True(t, time.Now().Before(deadline), "ffmpeg wrote nothing")
			time.Sleep(50 * time.Millisecond)
		}
		assert.ErrorIs(t, cu.Recording.Delete(ctx, rec.ID), daytona.ErrRecordingStillActive)

		done, err := cu.Recording.Stop(ctx, rec.ID)
		require.NoError(t, err)
		assert.Equal(t, daytona.RecordingCompleted, done.Status)
		assert.Positive(t, done.Duration)
		assert.Positive(t, done.SizeBytes)
		assert.False(t, done.EndTime.Before(done.StartTime))

		all, err := cu.Recording.List(ctx)
		require.NoError(t, err)
		require.Len(t, all, 1)
		assert.Equal(t, rec.ID, all[0].ID)
		got, err := cu.Recording.Get(ctx, rec.ID)
		require.NoError(t, err)
		assert.Equal(t, daytona.RecordingCompleted, got.Status)

		rc, err := cu.Recording.Download(ctx, rec.ID)
		require.NoError(t, err)
		video, err := io.ReadAll(rc)
		require.NoError(t, rc.Close())
		require.NoError(t, err)
		require.Len(t, video, int(done.SizeBytes))
		assert.Equal(t, "ftyp", string(video[4:8]), "an MP4 file")

		local := filepath.Join(t.TempDir(), "rec.mp4")
		n, err := cu.Recording.DownloadFile(ctx, rec.ID, local)
		require.NoError(t, err)
		assert.Equal(t, done.SizeBytes, n)
		onDisk, err := os.ReadFile(local)
		require.NoError(t, err)
		assert.Equal(t, video, onDisk)

		require.NoError(t, cu.Recording.Delete(ctx, rec.ID))
		_, err = cu.Recording.Get(ctx, rec.ID)
		assert.ErrorIs(t, err, daytona.ErrNotFound)
		_, err = cu.Recording.Stop(ctx, rec.ID)
		assert.ErrorIs(t, err, daytona.ErrNotFound)
	})

	stopped, err := cu.Stop(ctx)
	require.NoError(t, err)
	assert.False(t, stopped.Processes[0].Running)
	status, err = cu.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, daytona.ComputerUseInactive, status)
	_, err = cu.Mouse.Position(ctx)
	assert.ErrorIs(t, err, daytona.ErrValidation, "no display once stopped")
}

// TestE2EComputerUseUnavailable: a sandbox without the X tools answers
// every computer-use call with the daemon's 503, and recordings without
// ffmpeg with ErrRecordingFFmpegNotFound.
func TestE2EComputerUseUnavailable(t *testing.T) {
	t.Parallel()
	_, sb, ctx := emulatorSandbox(t, map[string]string{"PATH": t.TempDir()})
	cu := sb.ComputerUse
	calls := map[string]func() error{
		"Start":         func() error { _, err := cu.Start(ctx); return err },
		"Status":        func() error { _, err := cu.Status(ctx); return err },
		"Mouse.Click":   func() error { _, err := cu.Mouse.Click(ctx, 1, 1, daytona.ClickOptions{}); return err },
		"Keyboard.Type": func() error { return cu.Keyboard.Type(ctx, "x", daytona.TypeOptions{}) },
		"Screenshot": func() error {
			_, err := cu.Screenshot.TakeFullScreen(ctx, daytona.ScreenshotOptions{})
			return err
		},
		"Display.Windows": func() error { _, err := cu.Display.Windows(ctx); return err },
		"Accessibility.Tree": func() error {
			_, err := cu.Accessibility.Tree(ctx, daytona.AccessibilityTreeOptions{})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			require.ErrorIs(t, err, daytona.ErrServer)
			var de *daytona.Error
			require.ErrorAs(t, err, &de)
			assert.Equal(t, http.StatusServiceUnavailable, de.StatusCode)
			assert.Contains(t, de.Message, "Computer-use functionality is not available")
			assert.Contains(t, de.Message, "still loading or failed to initialize", "the details are kept")
			assert.NotErrorIs(t, err, daytona.ErrA11yUnavailable)
		})
	}
	recs, err := cu.Recording.List(ctx)
	require.NoError(t, err)
	assert.Empty(t, recs)
	_, err = cu.Recording.Start(ctx, daytona.RecordingOptions{})
	assert.ErrorIs(t, err, daytona.ErrRecordingFFmpegNotFound)
}

// TestComputerUseValidation: bad input fails before any request.
func TestComputerUseValidation(t *testing.T) {
	var calls atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusTeapot)
	}))
	defer ts.Close()
	c, err := daytona.New(daytona.Config{APIURL: ts.URL, APIKey: "k"})
	require.NoError(t, err)
	defer c.Close()
	cu := daytona.NewToolboxSandbox(c, ts.URL).ComputerUse
	ctx := t.Context()
	tests := []struct {
		name string
		call func() error
	}{
		{"unknown button", func() error {
			_, err := cu.Mouse.Click(ctx, 1, 1, daytona.ClickOptions{Button: "thumb"})
			return err
		}},
		{"drag button", func() error {
			_, err := cu.Mouse.Drag(ctx, daytona.Point{}, daytona.Point{}, daytona.DragOptions{Button: "x"})
			return err
		}},
		{"scroll direction", func() error { return cu.Mouse.Scroll(ctx, 1, 1, "left", daytona.ScrollOptions{}) }},
		{"scroll amount", func() error { return cu.Mouse.Scroll(ctx, 1, 1, daytona.ScrollUp, daytona.ScrollOptions{Amount: -1}) }},
		{"negative delay", func() error { return cu.Keyboard.Type(ctx, "x", daytona.TypeOptions{Delay: -time.Millisecond}) }},
		{"empty key", func() error { return cu.Keyboard.Press(ctx, "", daytona.PressOptions{}) }},
		{"empty modifier", func() error { return cu.Keyboard.Press(ctx, "a", daytona.PressOptions{Modifiers: []string{""}}) }},
		{"empty hotkey", func() error { return cu.Keyboard.Hotkey(ctx, " ") }},
		{"hotkey hole", func() error { return cu.Keyboard.Hotkey(ctx, "ctrl++c") }},
		{"empty region", func() error {
			_, err := cu.Screenshot.TakeRegion(ctx, daytona.Region{Width: 0, Height: 5}, daytona.ScreenshotOptions{})
			return err
		}},
		{"format", func() error {
			_, err := cu.Screenshot.TakeCompressed(ctx, daytona.CompressedScreenshotOptions{Format: "gif"})
			return err
		}},
		{"quality", func() error {
			_, err := cu.Screenshot.TakeCompressed(ctx, daytona.CompressedScreenshotOptions{Quality: 101})
			return err
		}},
		{"scale", func() error {
			_, err := cu.Screenshot.TakeCompressedRegion(ctx, daytona.Region{Width: 1, Height: 1}, daytona.CompressedScreenshotOptions{Scale: 2})
			return err
		}},
		{"process name", func() error { _, err := cu.ProcessRunning(ctx, "a/b"); return err }},
		{"restart name", func() error { return cu.RestartProcess(ctx, "") }},
		{"recording id", func() error { _, err := cu.Recording.Get(ctx, ""); return err }},
		{"recording download", func() error { _, err := cu.Recording.Download(ctx, "a/b"); return err }},
		{"recording local path", func() error { _, err := cu.Recording.DownloadFile(ctx, "id", ""); return err }},
		{"a11y scope", func() error {
			_, err := cu.Accessibility.Tree(ctx, daytona.AccessibilityTreeOptions{Scope: "window"})
			return err
		}},
		{"a11y pid", func() error {
			_, err := cu.Accessibility.Find(ctx, daytona.AccessibilityQuery{Scope: daytona.ScopePID})
			return err
		}},
		{"a11y name match", func() error {
			_, err := cu.Accessibility.Find(ctx, daytona.AccessibilityQuery{NameMatch: "fuzzy"})
			return err
		}},
		{"a11y node id", func() error { return cu.Accessibility.Invoke(ctx, "", daytona.InvokeOptions{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.ErrorIs(t, err, daytona.ErrValidation)
			var de *daytona.Error
			require.ErrorAs(t, err, &de)
			assert.Equal(t, daytona.SourceSDK, de.Source)
		})
	}
	assert.Zero(t, calls.Load(), "no request was sent")
}
