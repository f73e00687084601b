package toolbox_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	_ "image/jpeg" // image.Decode reads the screenshots
	_ "image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
)

// needDesktop skips the test without the X tools computer use runs on.
func needDesktop(t *testing.T) {
	t.Helper()
	needProgram(t, "Xvfb", "the Debian package xvfb")
	needProgram(t, "xdotool", "the Debian package xdotool")
	needProgram(t, "import", "the Debian package imagemagick")
}

// TestComputerUseUnavailable: without the X tools every computer-use
// route but the recordings answers the daemon's 503 (E5).
func TestComputerUseUnavailable(t *testing.T) {
	_, base := rawServer(t, func(c *toolbox.Config) { c.Env = []string{"PATH=" + t.TempDir()} })
	routes := []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/computeruse/start", nil},
		{http.MethodPost, "/computeruse/stop", nil},
		{http.MethodGet, "/computeruse/status", nil},
		{http.MethodGet, "/computeruse/process-status", nil},
		{http.MethodGet, "/computeruse/process/xvfb/status", nil},
		{http.MethodPost, "/computeruse/process/xvfb/restart", nil},
		{http.MethodGet, "/computeruse/process/xvfb/logs", nil},
		{http.MethodGet, "/computeruse/process/xvfb/errors", nil},
		{http.MethodGet, "/computeruse/mouse/position", nil},
		{http.MethodPost, "/computeruse/mouse/move", map[string]int{"x": 1, "y": 1}},
		{http.MethodPost, "/computeruse/mouse/click", map[string]int{"x": 1, "y": 1}},
		{http.MethodPost, "/computeruse/mouse/drag", map[string]int{"startX": 1, "startY": 1, "endX": 2, "endY": 2}},
		{http.MethodPost, "/computeruse/mouse/scroll", map[string]any{"x": 1, "y": 1, "direction": "up"}},
		{http.MethodPost, "/computeruse/keyboard/type", map[string]string{"text": "a"}},
		{http.MethodPost, "/computeruse/keyboard/key", map[string]string{"key": "a"}},
		{http.MethodPost, "/computeruse/keyboard/hotkey", map[string]string{"keys": "ctrl+c"}},
		{http.MethodGet, "/computeruse/screenshot", nil},
		{http.MethodGet, "/computeruse/screenshot/region?x=0&y=0&width=1&height=1", nil},
		{http.MethodGet, "/computeruse/screenshot/compressed", nil},
		{http.MethodGet, "/computeruse/screenshot/region/compressed?x=0&y=0&width=1&height=1", nil},
		{http.MethodGet, "/computeruse/display/info", nil},
		{http.MethodGet, "/computeruse/display/windows", nil},
		{http.MethodGet, "/computeruse/a11y/tree", nil},
		{http.MethodPost, "/computeruse/a11y/find", map[string]string{}},
		{http.MethodPost, "/computeruse/a11y/node/focus", map[string]string{"id": "x"}},
		{http.MethodPost, "/computeruse/a11y/node/invoke", map[string]string{"id": "x"}},
		{http.MethodPost, "/computeruse/a11y/node/value", map[string]string{"id": "x"}},
	}
	want := map[string]string{
		"details":  "The computer-use plugin is still loading or failed to initialize.",
		"message":  "Computer-use functionality is not available",
		"solution": "Retry shortly. If the problem persists, check the daemon logs for specific error details.",
	}
	for _, r := range routes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			req := newJSONRequest(t, r.method, base+r.path, r.body)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body := readAll(t, resp)
			require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%s", body)
			assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
			var got map[string]string
			require.NoError(t, json.Unmarshal(body, &got))
			assert.Equal(t, want, got)
		})
	}

	t.Run("recordings still list", func(t *testing.T) {
		status, body := send(t, http.MethodGet, base+"/computeruse/recordings", nil)
		assert.Equal(t, http.StatusOK, status)
		assert.JSONEq(t, `{"recordings":[]}`, string(body))
	})
	t.Run("recording without ffmpeg", func(t *testing.T) {
		status, body := send(t, http.MethodPost, base+"/computeruse/recordings/start", map[string]string{})
		assert.Equal(t, http.StatusServiceUnavailable, status)
		var env struct{ Code, Message string }
		require.NoError(t, json.Unmarshal(body, &env))
		assert.Equal(t, "RECORDING_FFMPEG_NOT_FOUND", env.Code)
	})
}

func newJSONRequest(t *testing.T, method, url string, body any) *http.Request {
	t.Helper()
	var r io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, r)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// eventWatcher runs xev, a tiny X client that prints the events its window
// gets, so that the tests observe the input the toolbox sends.
type eventWatcher struct {
	lines chan string
}

// startXev opens an xev window at (x, y) with the given size on display
// and waits until it is mapped.
func startXev(t *testing.T, display, geometry string) *eventWatcher {
	t.Helper()
	needProgram(t, "xev", "the Debian package x11-utils")
	cmd := exec.Command("xev", "-geometry", geometry)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	w := &eventWatcher{lines: make(chan string, 4096)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(w.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case w.lines <- sc.Text():
			default: // a test that stopped watching must not block xev
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		_ = cmd.Wait()
	})
	w.waitFor(t, "MapNotify event")
	return w
}

// waitFor reads event lines until three consecutive ones (xev prints an
// event on three lines) contain all of parts. It fails the test when xev
// ends or nothing matches within 20 s (a deadline for a hung test, not a
// timing assertion).
func (w *eventWatcher) waitFor(t *testing.T, parts ...string) string {
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
			match := true
			for _, p := range parts {
				if !strings.Contains(joined, p) {
					match = false
				}
			}
			if match {
				window = nil // each event matches once
				return joined
			}
		case <-deadline:
			require.FailNow(t, "no event", "nothing matched %q", parts)
		}
	}
}

// decodeShot decodes a screenshot answer's image.
func decodeShot(t *testing.T, s *tbclient.ScreenshotResponse) (image.Image, string) {
	t.Helper()
	require.NotNil(t, s.Screenshot)
	raw, err := base64.StdEncoding.DecodeString(*s.Screenshot)
	require.NoError(t, err)
	require.NotNil(t, s.SizeBytes)
	assert.Equal(t, len(raw), *s.SizeBytes)
	img, format, err := image.Decode(bytes.NewReader(raw))
	require.NoError(t, err)
	return img, format
}

func TestComputerUseDesktop(t *testing.T) {
	needDesktop(t)
	e := newEnv(t, func(c *toolbox.Config) { c.Env = append(os.Environ(), "VNC_RESOLUTION=800x600") })
	ctx := t.Context()

	st, err := e.c.GetComputerUseSystemStatusWithResponse(ctx)
	require.NoError(t, err)
	require.NotNil(t, st.JSON200)
	assert.Equal(t, "inactive", *st.JSON200.Status)

	start, err := e.c.StartComputerUseWithResponse(ctx)
	require.NoError(t, err)
	require.NotNil(t, start.JSON200, "%d %s", start.StatusCode(), start.Body)
	xvfb := (*start.JSON200.Status)["xvfb"]
	require.NotNil(t, xvfb.Running)
	assert.True(t, *xvfb.Running)
	require.NotNil(t, xvfb.Pid)

	st, err = e.c.GetComputerUseSystemStatusWithResponse(ctx)
	require.NoError(t, err)
	assert.Equal(t, "active", *st.JSON200.Status)

	// The daemon sets DISPLAY for what it starts afterwards.
	echo, err := e.c.ExecuteCommandWithResponse(ctx, tbclient.ExecuteRequest{Command: "echo $DISPLAY"})
	require.NoError(t, err)
	display := strings.TrimSpace(echo.JSON200.Result)
	require.True(t, strings.HasPrefix(display, ":"), "DISPLAY=%q", display)

	xev := startXev(t, display, "400x300+10+20")

	t.Run("display and windows", func(t *testing.T) {
		info, err := e.c.GetDisplayInfoWithResponse(ctx)
		require.NoError(t, err)
		require.NotNil(t, info.JSON200)
		d := (*info.JSON200.Displays)[0]
		assert.Equal(t, 800, *d.Width)
		assert.Equal(t, 600, *d.Height)

		wins, err := e.c.GetWindowsWithResponse(ctx)
		require.NoError(t, err)
		require.NotNil(t, wins.JSON200)
		var titles []string
		for _, w := range *wins.JSON200.Windows {
			titles = append(titles, *w.Title)
			if *w.Title == "Event Tester" {
				assert.Equal(t, 400, *w.Width)
				assert.Equal(t, 300, *w.Height)
			}
		}
		assert.Contains(t, titles, "Event Tester")
	})

	t.Run("mouse", func(t *testing.T) {
		move, err := e.c.MoveMouseWithResponse(ctx, tbclient.MouseMoveRequest{X: ptr(300), Y: ptr(200)})
		require.NoError(t, err)
		require.NotNil(t, move.JSON200)
		assert.Equal(t, 300, *move.JSON200.X)
		assert.Equal(t, 200, *move.JSON200.Y)

		pos, err := e.c.GetMousePositionWithResponse(ctx)
		require.NoError(t, err)
		assert.Equal(t, 300, *pos.JSON200.X)
		assert.Equal(t, 200, *pos.JSON200.Y)

		click, err := e.c.ClickWithResponse(ctx, tbclient.MouseClickRequest{X: ptr(60), Y: ptr(80), Button: ptr("right")})
		require.NoError(t, err)
		require.NotNil(t, click.JSON200, "%s", click.Body)
		assert.Equal(t, 60, *click.JSON200.X)
		assert.Equal(t, 80, *click.JSON200.Y)
		xev.waitFor(t, "ButtonPress event", "root:(60,80)", "button 3")

		_, err = e.c.ClickWithResponse(ctx, tbclient.MouseClickRequest{X: ptr(70), Y: ptr(90), Double: ptr(true)})
		require.NoError(t, err)
		xev.waitFor(t, "ButtonPress event", "root:(70,90)", "button 1")
		xev.waitFor(t, "ButtonPress event", "root:(70,90)", "button 1")

		drag, err := e.c.DragWithResponse(ctx, tbclient.MouseDragRequest{StartX: ptr(100), StartY: ptr(100), EndX: ptr(200), EndY: ptr(150)})
		require.NoError(t, err)
		require.NotNil(t, drag.JSON200)
		assert.Equal(t, 200, *drag.JSON200.X)
		xev.waitFor(t, "ButtonPress event", "root:(100,100)", "button 1")
		xev.waitFor(t, "ButtonRelease event", "root:(200,150)", "button 1")

		scroll, err := e.c.ScrollWithResponse(ctx, tbclient.MouseScrollRequest{X: ptr(150), Y: ptr(150), Direction: ptr("down"), Amount: ptr(2)})
		require.NoError(t, err)
		require.NotNil(t, scroll.JSON200)
		assert.True(t, *scroll.JSON200.Success)
		xev.waitFor(t, "ButtonPress event", "root:(150,150)", "button 5")
	})

	t.Run("keyboard", func(t *testing.T) {
		// The pointer is over the xev window, which has the focus (no
		// window manager: the focus follows the pointer).
		typed, err := e.c.TypeTextWithResponse(ctx, tbclient.KeyboardTypeRequest{Text: ptr("hi"), Delay: ptr(5)})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, typed.StatusCode(), "%s", typed.Body)
		xev.waitFor(t, "KeyPress event", "keysym 0x68, h)")
		xev.waitFor(t, "KeyPress event", "keysym 0x69, i)")

		key, err := e.c.PressKeyWithResponse(ctx, tbclient.KeyboardPressRequest{Key: ptr("a"), Modifiers: &[]string{"ctrl"}})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, key.StatusCode(), "%s", key.Body)
		xev.waitFor(t, "KeyPress event", "Control_L")
		xev.waitFor(t, "KeyPress event", "state 0x4", "keysym 0x61, a)")

		hot, err := e.c.PressHotkeyWithResponse(ctx, tbclient.KeyboardHotkeyRequest{Keys: ptr("shift+enter")})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, hot.StatusCode(), "%s", hot.Body)
		xev.waitFor(t, "KeyPress event", "state 0x1", "Return")
	})

	t.Run("screenshots", func(t *testing.T) {
		full, err := e.c.TakeScreenshotWithResponse(ctx, &tbclient.TakeScreenshotParams{})
		require.NoError(t, err)
		require.NotNil(t, full.JSON200, "%s", full.Body)
		img, format := decodeShot(t, full.JSON200)
		assert.Equal(t, "png", format)
		assert.Equal(t, image.Rect(0, 0, 800, 600), img.Bounds())

		region, err := e.c.TakeRegionScreenshotWithResponse(ctx, &tbclient.TakeRegionScreenshotParams{X: 10, Y: 20, Width: 120, Height: 70})
		require.NoError(t, err)
		require.NotNil(t, region.JSON200)
		img, _ = decodeShot(t, region.JSON200)
		assert.Equal(t, image.Rect(0, 0, 120, 70), img.Bounds())

		small, err := e.c.TakeCompressedScreenshotWithResponse(ctx, &tbclient.TakeCompressedScreenshotParams{
			Format: ptr("jpeg"), Quality: ptr(50), Scale: ptr(float32(0.5)),
		})
		require.NoError(t, err)
		require.NotNil(t, small.JSON200)
		img, format = decodeShot(t, small.JSON200)
		assert.Equal(t, "jpeg", format)
		assert.Equal(t, image.Rect(0, 0, 400, 300), img.Bounds())

		regionSmall, err := e.c.TakeCompressedRegionScreenshotWithResponse(ctx, &tbclient.TakeCompressedRegionScreenshotParams{
			X: 0, Y: 0, Width: 200, Height: 100, Scale: ptr(float32(0.5)),
		})
		require.NoError(t, err)
		require.NotNil(t, regionSmall.JSON200)
		img, format = decodeShot(t, regionSmall.JSON200)
		assert.Equal(t, "png", format)
		assert.Equal(t, image.Rect(0, 0, 100, 50), img.Bounds())

		// The cursor is drawn where the pointer is, and only when asked.
		_, err = e.c.MoveMouseWithResponse(ctx, tbclient.MouseMoveRequest{X: ptr(600), Y: ptr(400)})
		require.NoError(t, err)
		plain, err := e.c.TakeRegionScreenshotWithResponse(ctx, &tbclient.TakeRegionScreenshotParams{X: 590, Y: 390, Width: 40, Height: 40})
		require.NoError(t, err)
		with, err := e.c.TakeRegionScreenshotWithResponse(ctx, &tbclient.TakeRegionScreenshotParams{X: 590, Y: 390, Width: 40, Height: 40, ShowCursor: ptr(true)})
		require.NoError(t, err)
		require.NotNil(t, with.JSON200.CursorPosition)
		assert.Equal(t, 600, *with.JSON200.CursorPosition.X)
		a, _ := decodeShot(t, plain.JSON200)
		b, _ := decodeShot(t, with.JSON200)
		assert.Equal(t, a.At(35, 35), b.At(35, 35), "far from the pointer nothing changes")
		assert.NotEqual(t, a.At(11, 13), b.At(11, 13), "the arrow's body is drawn below and right of the tip")
	})

	t.Run("process endpoints", func(t *testing.T) {
		ps, err := e.c.GetProcessStatusWithResponse(ctx, "xvfb")
		require.NoError(t, err)
		assert.True(t, *ps.JSON200.Running)
		other, err := e.c.GetProcessStatusWithResponse(ctx, "novnc")
		require.NoError(t, err)
		assert.False(t, *other.JSON200.Running)
		errs, err := e.c.GetProcessErrorsWithResponse(ctx, "xvfb")
		require.NoError(t, err)
		require.NotNil(t, errs.JSON200)
		logs, err := e.c.GetProcessLogsWithResponse(ctx, "xvfb")
		require.NoError(t, err)
		require.NotNil(t, logs.JSON200)
		assert.Equal(t, "xvfb", *logs.JSON200.ProcessName)
	})

	t.Run("restart", func(t *testing.T) {
		rs, err := e.c.RestartProcessWithResponse(ctx, "xvfb")
		require.NoError(t, err)
		require.NotNil(t, rs.JSON200, "%s", rs.Body)
		assert.Equal(t, "Process xvfb restarted successfully", *rs.JSON200.Message)
		again, err := e.c.StartComputerUseWithResponse(ctx) // a no-op that reports the processes
		require.NoError(t, err)
		require.NotNil(t, again.JSON200)
		assert.NotEqual(t, *xvfb.Pid, *(*again.JSON200.Status)["xvfb"].Pid, "a new Xvfb")
		pos, err := e.c.GetMousePositionWithResponse(ctx)
		require.NoError(t, err)
		require.NotNil(t, pos.JSON200, "the new display answers")
	})
	echo, err = e.c.ExecuteCommandWithResponse(ctx, tbclient.ExecuteRequest{Command: "echo $DISPLAY"})
	require.NoError(t, err)
	display = strings.TrimSpace(echo.JSON200.Result)

	stop, err := e.c.StopComputerUseWithResponse(ctx)
	require.NoError(t, err)
	require.NotNil(t, stop.JSON200)
	assert.False(t, *(*stop.JSON200.Status)["xvfb"].Running)
	st, err = e.c.GetComputerUseSystemStatusWithResponse(ctx)
	require.NoError(t, err)
	assert.Equal(t, "inactive", *st.JSON200.Status)
	_, err = os.Stat("/tmp/.X11-unix/X" + strings.TrimPrefix(display, ":"))
	assert.True(t, os.IsNotExist(err), "the X socket is removed")
}

// TestComputerUseErrors checks the plugin's 400 {"error"} answers and the
// accessibility 400s and 503 before start, on a toolbox whose desktop tools
// are installed.
func TestComputerUseErrors(t *testing.T) {
	needDesktop(t)
	_, base := rawServer(t)
	tests := []struct {
		name, method, path string
		body               any
		status             int
		field, contains    string
	}{
		{"mouse before start", http.MethodGet, "/computeruse/mouse/position", nil, 400, "error", "not started"},
		{"screenshot before start", http.MethodGet, "/computeruse/screenshot", nil, 400, "error", "not started"},
		{"bad region", http.MethodGet, "/computeruse/screenshot/region?x=0&y=0&width=0&height=5", nil, 400, "error", "width and height"},
		{"bad button", http.MethodPost, "/computeruse/mouse/click", map[string]any{"x": 1, "y": 1, "button": "fourth"}, 400, "error", "invalid button"},
		{"bad direction", http.MethodPost, "/computeruse/mouse/scroll", map[string]any{"x": 1, "y": 1, "direction": "sideways"}, 400, "error", "direction"},
		{"bad format", http.MethodGet, "/computeruse/screenshot/compressed?format=gif", nil, 400, "error", "format"},
		{"empty key", http.MethodPost, "/computeruse/keyboard/key", map[string]any{"key": ""}, 400, "error", "Invalid key"},
		{"unknown process restart", http.MethodPost, "/computeruse/process/novnc/restart", nil, 400, "error", "process novnc not found"},
		{"unknown process logs", http.MethodGet, "/computeruse/process/novnc/logs", nil, 400, "error", "process novnc not found"},
		{"a11y tree before start", http.MethodGet, "/computeruse/a11y/tree", nil, 503, "code", "A11Y_UNAVAILABLE"},
		{"a11y focus before start", http.MethodPost, "/computeruse/a11y/node/focus", map[string]string{"id": ":1.1:/org/a11y/atspi/accessible/1"}, 503, "code", "A11Y_UNAVAILABLE"},
		{"a11y focus without id", http.MethodPost, "/computeruse/a11y/node/focus", map[string]string{"id": ""}, 400, "code", "BAD_REQUEST"},
		{"a11y focus with a bad id", http.MethodPost, "/computeruse/a11y/node/focus", map[string]string{"id": "a:b"}, 400, "code", "BAD_REQUEST"},
		{"a11y bad scope", http.MethodGet, "/computeruse/a11y/tree?scope=window", nil, 400, "code", "BAD_REQUEST"},
		{"recording not found", http.MethodGet, "/computeruse/recordings/nope", nil, 404, "error", "recording not found"},
		{"stop unknown recording", http.MethodPost, "/computeruse/recordings/stop", map[string]string{"id": "nope"}, 404, "error", "recording not found"},
		{"download unknown recording", http.MethodGet, "/computeruse/recordings/nope/download", nil, 404, "error", "recording not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := send(t, tt.method, base+tt.path, tt.body)
			assert.Equal(t, tt.status, status, "%s", body)
			var got map[string]any
			require.NoError(t, json.Unmarshal(body, &got), "%s", body)
			assert.Contains(t, got[tt.field], tt.contains)
		})
	}
}

// TestRecordings records the X display with ffmpeg and downloads a
// finished MP4 file.
func TestRecordings(t *testing.T) {
	needDesktop(t)
	needProgram(t, "ffmpeg", "the Debian package ffmpeg")
	e := newEnv(t)
	ctx := t.Context()
	start, err := e.c.StartComputerUseWithResponse(ctx)
	require.NoError(t, err)
	require.NotNil(t, start.JSON200)

	rec, err := e.c.StartRecordingWithResponse(ctx, tbclient.StartRecordingRequest{Label: ptr("demo run")})
	require.NoError(t, err)
	require.NotNil(t, rec.JSON201, "%d %s", rec.StatusCode(), rec.Body)
	r := rec.JSON201
	assert.Equal(t, "recording", r.Status)
	assert.Contains(t, r.FileName, r.ID+"_demo_run_")
	assert.Equal(t, e.path(".daytona/recordings/"+r.FileName), r.FilePath)

	// ffmpeg writes the MP4 header once it captures; wait for it (a
	// deadline for a hung test, not a timing assertion).
	deadline := time.Now().Add(20 * time.Second)
	for {
		if fi, err := os.Stat(r.FilePath); err == nil && fi.Size() > 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "ffmpeg wrote nothing")
		time.Sleep(50 * time.Millisecond)
	}
	_, err = e.c.MoveMouseWithResponse(ctx, tbclient.MouseMoveRequest{X: ptr(5), Y: ptr(5)})
	require.NoError(t, err)

	// An active recording cannot be deleted.
	del, err := e.raw.DeleteRecording(ctx, r.ID)
	require.NoError(t, err)
	body := readAll(t, del)
	require.Equal(t, http.StatusConflict, del.StatusCode, "%s", body)
	assert.Contains(t, string(body), "RECORDING_STILL_ACTIVE")

	stop, err := e.c.StopRecordingWithResponse(ctx, tbclient.StopRecordingRequest{ID: r.ID})
	require.NoError(t, err)
	require.NotNil(t, stop.JSON200, "%s", stop.Body)
	assert.Equal(t, "completed", stop.JSON200.Status)
	require.NotNil(t, stop.JSON200.SizeBytes)
	assert.Positive(t, *stop.JSON200.SizeBytes)
	require.NotNil(t, stop.JSON200.DurationSeconds)
	assert.Positive(t, *stop.JSON200.DurationSeconds)

	list, err := e.c.ListRecordingsWithResponse(ctx)
	require.NoError(t, err)
	require.Len(t, list.JSON200.Recordings, 1)
	assert.Equal(t, r.ID, list.JSON200.Recordings[0].ID)

	got, err := e.c.GetRecordingWithResponse(ctx, r.ID)
	require.NoError(t, err)
	require.NotNil(t, got.JSON200)
	assert.Equal(t, "completed", got.JSON200.Status)

	dl, err := e.raw.DownloadRecording(ctx, r.ID)
	require.NoError(t, err)
	video := readAll(t, dl)
	require.Equal(t, http.StatusOK, dl.StatusCode)
	assert.Equal(t, "application/octet-stream", dl.Header.Get("Content-Type"))
	require.Equal(t, *stop.JSON200.SizeBytes, len(video))
	assert.Equal(t, "ftyp", string(video[4:8]), "an MP4 file")
	assert.True(t, bytes.Contains(video, []byte("moov")), "finished: the index is written")

	del, err = e.raw.DeleteRecording(ctx, r.ID)
	require.NoError(t, err)
	readAll(t, del)
	assert.Equal(t, http.StatusNoContent, del.StatusCode)
	_, err = os.Stat(r.FilePath)
	assert.True(t, os.IsNotExist(err))
	list, err = e.c.ListRecordingsWithResponse(ctx)
	require.NoError(t, err)
	assert.Empty(t, list.JSON200.Recordings)
}

// TestRecordingWithoutDisplay: ffmpeg cannot open the display, so the
// recording fails by itself and stop no longer finds it, as on the daemon.
func TestRecordingWithoutDisplay(t *testing.T) {
	needProgram(t, "ffmpeg", "the Debian package ffmpeg")
	_, base := rawServer(t, func(c *toolbox.Config) { c.Env = append(os.Environ(), "DISPLAY=:4242") })
	status, body := send(t, http.MethodPost, base+"/computeruse/recordings/start", map[string]string{})
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var rec tbclient.Recording
	require.NoError(t, json.Unmarshal(body, &rec))
	assert.Contains(t, rec.FileName, rec.ID+"_session_")
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body := send(t, http.MethodGet, base+"/computeruse/recordings/"+rec.ID, nil)
		require.Equal(t, http.StatusOK, status)
		var got tbclient.Recording
		require.NoError(t, json.Unmarshal(body, &got))
		if got.Status == "failed" {
			break
		}
		require.True(t, time.Now().Before(deadline), "ffmpeg did not fail")
		time.Sleep(50 * time.Millisecond)
	}
	status, body = send(t, http.MethodPost, base+"/computeruse/recordings/stop", map[string]string{"id": rec.ID})
	assert.Equal(t, http.StatusNotFound, status)
	assert.JSONEq(t, `{"error":"recording not found"}`, string(body))
}

func TestInteractiveDeparture(t *testing.T) {
	e5 := `{"details":"d","message":"m","solution":"s"}`
	tests := []struct {
		name, op string
		status   int
		body     string
		want     bool
	}{
		{"LSP empty 400", "Completions", 400, ``, true},
		{"LSP empty 500", "Start", 500, ``, true},
		{"LSP with a body", "Start", 500, `{"error":"x"}`, false},
		{"LSP success", "Start", 200, ``, false},
		{"E5", "Click", 503, e5, true},
		{"E5 without solution", "Click", 503, `{"details":"d","message":"m"}`, false},
		{"failed start", "StartComputerUse", 503, `{"error":"Failed to start computer use","details":"x"}`, true},
		{"plugin error", "MoveMouse", 400, `{"error":"invalid"}`, true},
		{"recording not found", "GetRecording", 404, `{"error":"recording not found"}`, true},
		{"empty error field", "MoveMouse", 400, `{"error":""}`, false},
		{"envelope is the contract's", "DeleteRecording", 409, `{"statusCode":409,"message":"m","error":"x"}`, false},
		{"not JSON", "Click", 400, `oops`, false},
		{"other operation", "ListFiles", 400, `{"error":"x"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, toolbox.InteractiveDeparture(tt.op, tt.status, []byte(tt.body)))
		})
	}
}
