package daytona

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	_ "image/jpeg" // screenshots come as PNG or JPEG
	_ "image/png"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/toolbox"
)

// Daemon error codes of computer use, for errors.Is. Each also matches its
// status sentinel (noted in brackets).
var (
	// ErrA11yUnavailable: the sandbox has no accessibility (AT-SPI) bus
	// [ErrServer, 503].
	ErrA11yUnavailable = &Error{Code: "A11Y_UNAVAILABLE", Source: SourceDaemon}
	// ErrRecordingStillActive: the recording must be stopped first
	// [ErrConflict].
	ErrRecordingStillActive = &Error{Code: "RECORDING_STILL_ACTIVE", Source: SourceDaemon}
	// ErrRecordingFFmpegNotFound: the sandbox has no ffmpeg to record with
	// [ErrServer, 503]. Toolboxes before API v0.205.1 answer 400 with the
	// message "FFmpeg must be installed ..." and no code.
	ErrRecordingFFmpegNotFound = &Error{Code: "RECORDING_FFMPEG_NOT_FOUND", Source: SourceDaemon}
)

// ComputerUse drives the sandbox's desktop (PROTOCOLS.md 9); use it as
// sb.ComputerUse. The image needs the computer-use stack (an X server and
// the daemon's plugin). Without it every call but the recordings fails
// with a 503 *Error (ErrServer) whose Message says "Computer-use
// functionality is not available"; it is not worth retrying in a loop
// (the transport retries a 503 to a GET a few times, as Config.Retry
// says, since the plugin may still be loading).
//
// Start the desktop processes with Start before using the mouse, the
// keyboard, screenshots or the display.
type ComputerUse struct {
	sb *Sandbox
	// Mouse moves and clicks the pointer.
	Mouse *Mouse
	// Keyboard types text and presses keys.
	Keyboard *Keyboard
	// Screenshot captures the screen.
	Screenshot *Screenshots
	// Display describes the screens and windows.
	Display *Display
	// Recording records the screen to video files.
	Recording *Recordings
	// Accessibility reads and drives the accessibility tree.
	Accessibility *Accessibility
}

func newComputerUse(sb *Sandbox) *ComputerUse {
	return &ComputerUse{
		sb: sb, Mouse: &Mouse{sb: sb}, Keyboard: &Keyboard{sb: sb}, Screenshot: &Screenshots{sb: sb},
		Display: &Display{sb: sb}, Recording: &Recordings{sb: sb}, Accessibility: &Accessibility{sb: sb},
	}
}

// ComputerUseStatus is the state of the desktop processes.
type ComputerUseStatus string

// Desktop states; values the SDK does not know still come through.
const (
	// ComputerUseActive: every desktop process runs.
	ComputerUseActive ComputerUseStatus = "active"
	// ComputerUsePartial: some run.
	ComputerUsePartial ComputerUseStatus = "partial"
	// ComputerUseInactive: none runs.
	ComputerUseInactive ComputerUseStatus = "inactive"
)

// DesktopProcess is one of the desktop's processes (such as xvfb, xfce4,
// x11vnc, novnc).
type DesktopProcess struct {
	Name    string // Name is the process's name, e.g. "xvfb".
	Running bool   // Running reports that the process is up.
	// PID is the process ID, 0 if unknown.
	PID int
	// Priority orders the start: lower first.
	Priority    int
	AutoRestart bool // AutoRestart reports that the process is restarted when it exits.
}

// ComputerUseResult is the answer to Start and Stop.
type ComputerUseResult struct {
	Message string // Message is the toolbox's status message; empty if none was sent.
	// Processes are the desktop's processes, in start order.
	Processes []DesktopProcess
}

func computerUseResult(msg *string, status *map[string]toolbox.ProcessStatus) *ComputerUseResult {
	out := &ComputerUseResult{Message: fromPtr(msg)}
	for name, st := range fromPtr(status) {
		out.Processes = append(out.Processes, DesktopProcess{
			Name: name, Running: fromPtr(st.Running), PID: fromPtr(st.Pid), Priority: fromPtr(st.Priority),
			AutoRestart: fromPtr(st.AutoRestart),
		})
	}
	slices.SortFunc(out.Processes, func(a, b DesktopProcess) int {
		if a.Priority != b.Priority {
			return a.Priority - b.Priority
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// Start starts the desktop processes and reports them.
func (c *ComputerUse) Start(ctx context.Context) (*ComputerUseResult, error) {
	tb, err := c.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.StartComputerUseWithResponse(ctx)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("/computeruse/start", resp.Status())
	}
	return computerUseResult(resp.JSON200.Message, resp.JSON200.Status), nil
}

// Stop stops the desktop processes and reports them.
func (c *ComputerUse) Stop(ctx context.Context) (*ComputerUseResult, error) {
	tb, err := c.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.StopComputerUseWithResponse(ctx)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("/computeruse/stop", resp.Status())
	}
	return computerUseResult(resp.JSON200.Message, resp.JSON200.Status), nil
}

// Status reports whether the desktop runs.
func (c *ComputerUse) Status(ctx context.Context) (ComputerUseStatus, error) {
	tb, err := c.sb.toolboxCall(ctx)
	if err != nil {
		return "", err
	}
	resp, err := tb.GetComputerUseSystemStatusWithResponse(ctx)
	if err != nil {
		return "", wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return "", unexpected("/computeruse/status", resp.Status())
	}
	return ComputerUseStatus(fromPtr(resp.JSON200.Status)), nil
}

// ProcessesStatus reports the desktop's state as the process supervisor
// sees it (GET /computeruse/process-status; the same states as Status).
func (c *ComputerUse) ProcessesStatus(ctx context.Context) (ComputerUseStatus, error) {
	tb, err := c.sb.toolboxCall(ctx)
	if err != nil {
		return "", err
	}
	resp, err := tb.GetComputerUseStatusWithResponse(ctx)
	if err != nil {
		return "", wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return "", unexpected("/computeruse/process-status", resp.Status())
	}
	return ComputerUseStatus(fromPtr(resp.JSON200.Status)), nil
}

func checkProcessName(op, name string) error {
	if name == "" || strings.ContainsAny(name, "/\x00") {
		return invalidf("%s: invalid process name %q", op, name)
	}
	return nil
}

// ProcessRunning reports whether the desktop process name (such as
// "xvfb") runs. An unknown name reports false.
func (c *ComputerUse) ProcessRunning(ctx context.Context, name string) (bool, error) {
	if err := checkProcessName("ComputerUse.ProcessRunning", name); err != nil {
		return false, err
	}
	tb, err := c.sb.toolboxCall(ctx)
	if err != nil {
		return false, err
	}
	resp, err := tb.GetProcessStatusWithResponse(ctx, name)
	if err != nil {
		return false, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return false, unexpected("/computeruse/process/{name}/status", resp.Status())
	}
	return fromPtr(resp.JSON200.Running), nil
}

// RestartProcess restarts the desktop process name. An unknown name fails
// with ErrValidation.
func (c *ComputerUse) RestartProcess(ctx context.Context, name string) error {
	if err := checkProcessName("ComputerUse.RestartProcess", name); err != nil {
		return err
	}
	return c.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.RestartProcessWithResponse(ctx, name)
		return err
	})
}

// ProcessLogs returns what the desktop process name wrote to its standard
// output (its log file).
func (c *ComputerUse) ProcessLogs(ctx context.Context, name string) (string, error) {
	if err := checkProcessName("ComputerUse.ProcessLogs", name); err != nil {
		return "", err
	}
	tb, err := c.sb.toolboxCall(ctx)
	if err != nil {
		return "", err
	}
	resp, err := tb.GetProcessLogsWithResponse(ctx, name)
	if err != nil {
		return "", wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return "", unexpected("/computeruse/process/{name}/logs", resp.Status())
	}
	return fromPtr(resp.JSON200.Logs), nil
}

// ProcessErrors returns what the desktop process name wrote to its
// standard error (its error file).
func (c *ComputerUse) ProcessErrors(ctx context.Context, name string) (string, error) {
	if err := checkProcessName("ComputerUse.ProcessErrors", name); err != nil {
		return "", err
	}
	tb, err := c.sb.toolboxCall(ctx)
	if err != nil {
		return "", err
	}
	resp, err := tb.GetProcessErrorsWithResponse(ctx, name)
	if err != nil {
		return "", wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return "", unexpected("/computeruse/process/{name}/errors", resp.Status())
	}
	return fromPtr(resp.JSON200.Errors), nil
}

// Point is a position on the screen, in pixels from the top-left corner.
type Point struct {
	X, Y int // X and Y are pixels right of and below the top-left corner.
}

func pointOf(x, y *int) Point { return Point{X: fromPtr(x), Y: fromPtr(y)} }

// Mouse moves and clicks the sandbox's pointer; use it as
// sb.ComputerUse.Mouse.
type Mouse struct{ sb *Sandbox }

// MouseButton names a mouse button.
type MouseButton string

// Mouse buttons.
const (
	ButtonLeft   MouseButton = "left"
	ButtonMiddle MouseButton = "middle"
	ButtonRight  MouseButton = "right"
)

func checkButton(op string, b MouseButton) (*string, error) {
	switch b {
	case "":
		return nil, nil
	case ButtonLeft, ButtonMiddle, ButtonRight:
		s := string(b)
		return &s, nil
	}
	return nil, invalidf("%s: unknown button %q (want left, middle or right)", op, b)
}

// Position returns the pointer's position.
func (m *Mouse) Position(ctx context.Context) (Point, error) {
	tb, err := m.sb.toolboxCall(ctx)
	if err != nil {
		return Point{}, err
	}
	resp, err := tb.GetMousePositionWithResponse(ctx)
	if err != nil {
		return Point{}, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return Point{}, unexpected("/computeruse/mouse/position", resp.Status())
	}
	return pointOf(resp.JSON200.X, resp.JSON200.Y), nil
}

// Move moves the pointer to (x, y) and returns where it is.
func (m *Mouse) Move(ctx context.Context, x, y int) (Point, error) {
	tb, err := m.sb.toolboxCall(ctx)
	if err != nil {
		return Point{}, err
	}
	resp, err := tb.MoveMouseWithResponse(ctx, toolbox.MouseMoveRequest{X: &x, Y: &y})
	if err != nil {
		return Point{}, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return Point{}, unexpected("/computeruse/mouse/move", resp.Status())
	}
	return pointOf(resp.JSON200.X, resp.JSON200.Y), nil
}

// ClickOptions tunes Mouse.Click.
type ClickOptions struct {
	// Button is the button to click (default ButtonLeft).
	Button MouseButton
	// Double makes a double click.
	Double bool
}

// Click moves the pointer to (x, y) and clicks there; it returns where the
// pointer is.
func (m *Mouse) Click(ctx context.Context, x, y int, opts ClickOptions) (Point, error) {
	button, err := checkButton("Mouse.Click", opts.Button)
	if err != nil {
		return Point{}, err
	}
	tb, err := m.sb.toolboxCall(ctx)
	if err != nil {
		return Point{}, err
	}
	body := toolbox.MouseClickRequest{X: &x, Y: &y, Button: button}
	body.Double = nonZero(opts.Double)
	resp, err := tb.ClickWithResponse(ctx, body)
	if err != nil {
		return Point{}, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return Point{}, unexpected("/computeruse/mouse/click", resp.Status())
	}
	return pointOf(resp.JSON200.X, resp.JSON200.Y), nil
}

// DragOptions tunes Mouse.Drag.
type DragOptions struct {
	// Button is the button held during the drag (default ButtonLeft).
	Button MouseButton
}

// Drag presses a button at from, moves to to and releases it there; it
// returns where the pointer is.
func (m *Mouse) Drag(ctx context.Context, from, to Point, opts DragOptions) (Point, error) {
	button, err := checkButton("Mouse.Drag", opts.Button)
	if err != nil {
		return Point{}, err
	}
	tb, err := m.sb.toolboxCall(ctx)
	if err != nil {
		return Point{}, err
	}
	resp, err := tb.DragWithResponse(ctx, toolbox.MouseDragRequest{
		StartX: &from.X, StartY: &from.Y, EndX: &to.X, EndY: &to.Y, Button: button,
	})
	if err != nil {
		return Point{}, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return Point{}, unexpected("/computeruse/mouse/drag", resp.Status())
	}
	return pointOf(resp.JSON200.X, resp.JSON200.Y), nil
}

// ScrollDirection is the direction of a scroll.
type ScrollDirection string

// Scroll directions.
const (
	ScrollUp   ScrollDirection = "up"
	ScrollDown ScrollDirection = "down"
)

// ScrollOptions tunes Mouse.Scroll.
type ScrollOptions struct {
	// Amount is the number of wheel steps (default 1).
	Amount int
}

// Scroll moves the pointer to (x, y) and turns the wheel there.
func (m *Mouse) Scroll(ctx context.Context, x, y int, direction ScrollDirection, opts ScrollOptions) error {
	const op = "Mouse.Scroll"
	if direction != ScrollUp && direction != ScrollDown {
		return invalidf("%s: unknown direction %q (want up or down)", op, direction)
	}
	if opts.Amount < 0 {
		return invalidf("%s: Amount is negative (%d)", op, opts.Amount)
	}
	tb, err := m.sb.toolboxCall(ctx)
	if err != nil {
		return err
	}
	dir := string(direction)
	body := toolbox.MouseScrollRequest{X: &x, Y: &y, Direction: &dir}
	if opts.Amount > 0 {
		body.Amount = &opts.Amount
	}
	resp, err := tb.ScrollWithResponse(ctx, body)
	if err != nil {
		return wrapErr(ctx, err)
	}
	if resp.JSON200 == nil || !fromPtr(resp.JSON200.Success) {
		return unexpected("/computeruse/mouse/scroll", resp.Status())
	}
	return nil
}

// Keyboard types into the sandbox's desktop; use it as
// sb.ComputerUse.Keyboard. Keys go to the window with the input focus.
type Keyboard struct{ sb *Sandbox }

// TypeOptions tunes Keyboard.Type.
type TypeOptions struct {
	// Delay is the pause between keystrokes (sent in whole milliseconds,
	// rounded up; 0 means the toolbox's default).
	Delay time.Duration
}

// Type types text as key presses.
func (k *Keyboard) Type(ctx context.Context, text string, opts TypeOptions) error {
	const op = "Keyboard.Type"
	if opts.Delay < 0 {
		return invalidf("%s: Delay is negative (%v)", op, opts.Delay)
	}
	body := toolbox.KeyboardTypeRequest{Text: &text}
	if opts.Delay > 0 {
		ms := (opts.Delay + time.Millisecond - 1) / time.Millisecond
		if ms > math.MaxInt32 {
			return invalidf("%s: Delay %v is too long", op, opts.Delay)
		}
		d := int(ms)
		body.Delay = &d
	}
	return k.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.TypeTextWithResponse(ctx, body)
		return err
	})
}

// PressOptions tunes Keyboard.Press.
type PressOptions struct {
	// Modifiers are held while the key is pressed: "ctrl", "alt", "shift",
	// "cmd".
	Modifiers []string
}

// Press presses and releases key (a key name such as "enter", "tab",
// "f5", or a character), with modifiers held.
func (k *Keyboard) Press(ctx context.Context, key string, opts PressOptions) error {
	const op = "Keyboard.Press"
	if key == "" {
		return invalidf("%s: key is empty", op)
	}
	body := toolbox.KeyboardPressRequest{Key: &key}
	if len(opts.Modifiers) > 0 {
		for _, m := range opts.Modifiers {
			if m == "" {
				return invalidf("%s: a modifier is empty", op)
			}
		}
		mods := slices.Clone(opts.Modifiers)
		body.Modifiers = &mods
	}
	return k.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.PressKeyWithResponse(ctx, body)
		return err
	})
}

// Hotkey presses keys together, such as "ctrl+c" or "ctrl+shift+t".
func (k *Keyboard) Hotkey(ctx context.Context, keys string) error {
	const op = "Keyboard.Hotkey"
	if strings.TrimSpace(keys) == "" {
		return invalidf("%s: keys is empty", op)
	}
	for _, part := range strings.Split(keys, "+") {
		if strings.TrimSpace(part) == "" {
			return invalidf("%s: %q has an empty key", op, keys)
		}
	}
	return k.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.PressHotkeyWithResponse(ctx, toolbox.KeyboardHotkeyRequest{Keys: &keys})
		return err
	})
}

// Screenshots captures the sandbox's screen; use it as
// sb.ComputerUse.Screenshot.
type Screenshots struct{ sb *Sandbox }

// Screenshot is a captured image.
type Screenshot struct {
	// Image is the encoded image (PNG or JPEG, see Format).
	Image []byte
	// Format is "png" or "jpeg".
	Format string
	// Width and Height are the image's size in pixels.
	Width, Height int
	// CursorPosition is where the pointer was on the screen, when the
	// toolbox reported it (nil otherwise).
	CursorPosition *Point
}

// Region is a rectangle of the screen.
type Region struct {
	X, Y          int // X and Y are the top-left corner, in pixels.
	Width, Height int // Width and Height are the size, in pixels.
}

// ScreenshotOptions tunes TakeFullScreen and TakeRegion.
type ScreenshotOptions struct {
	// ShowCursor draws the pointer into the image.
	ShowCursor bool
}

// ImageFormat is the encoding of a compressed screenshot.
type ImageFormat string

// Image formats.
const (
	ImagePNG  ImageFormat = "png"
	ImageJPEG ImageFormat = "jpeg"
)

// CompressedScreenshotOptions tunes TakeCompressed and
// TakeCompressedRegion.
type CompressedScreenshotOptions struct {
	// ShowCursor draws the pointer into the image.
	ShowCursor bool
	// Format is the encoding (default ImagePNG).
	Format ImageFormat
	// Quality is the JPEG quality, 1 to 100 (0: the toolbox's default,
	// 85).
	Quality int
	// Scale shrinks the image, 0.1 to 1 (0: no scaling).
	Scale float64
}

func (o CompressedScreenshotOptions) check(op string) (format *string, quality *int, scale *float32, err error) {
	switch o.Format {
	case "":
	case ImagePNG, ImageJPEG:
		f := string(o.Format)
		format = &f
	default:
		return nil, nil, nil, invalidf("%s: unknown Format %q (want png or jpeg)", op, o.Format)
	}
	switch {
	case o.Quality == 0:
	case o.Quality >= 1 && o.Quality <= 100:
		quality = &o.Quality
	default:
		return nil, nil, nil, invalidf("%s: Quality %d is not in 1..100", op, o.Quality)
	}
	switch {
	case o.Scale == 0:
	case o.Scale >= 0.1 && o.Scale <= 1:
		s := float32(o.Scale)
		scale = &s
	default:
		return nil, nil, nil, invalidf("%s: Scale %v is not in 0.1..1", op, o.Scale)
	}
	return format, quality, scale, nil
}

func (r Region) check(op string) error {
	if r.Width <= 0 || r.Height <= 0 {
		return invalidf("%s: region %dx%d has no area", op, r.Width, r.Height)
	}
	return nil
}

// screenshotFromAPI decodes the answer of one of the screenshot requests
// (path names it, status is its HTTP status); s is nil when the answer had
// no JSON body.
func screenshotFromAPI(op, path string, s *toolbox.ScreenshotResponse, status string) (*Screenshot, error) {
	if s == nil {
		return nil, unexpected(path, status)
	}
	img, err := base64.StdEncoding.DecodeString(fromPtr(s.Screenshot))
	if err != nil {
		return nil, newSDKError(ErrServer, err, "%s: the screenshot is not valid base64", op)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		return nil, newSDKError(ErrServer, err, "%s: the screenshot is not a PNG or JPEG image", op)
	}
	out := &Screenshot{Image: img, Format: format, Width: cfg.Width, Height: cfg.Height}
	if p := s.CursorPosition; p != nil {
		pt := pointOf(p.X, p.Y)
		out.CursorPosition = &pt
	}
	return out, nil
}

// TakeFullScreen captures the whole screen as PNG.
func (s *Screenshots) TakeFullScreen(ctx context.Context, opts ScreenshotOptions) (*Screenshot, error) {
	const op = "Screenshot.TakeFullScreen"
	tb, err := s.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	params := &toolbox.TakeScreenshotParams{ShowCursor: nonZero(opts.ShowCursor)}
	resp, err := tb.TakeScreenshotWithResponse(ctx, params)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	return screenshotFromAPI(op, "/computeruse/screenshot", resp.JSON200, resp.Status())
}

// TakeRegion captures a region of the screen as PNG.
func (s *Screenshots) TakeRegion(ctx context.Context, region Region, opts ScreenshotOptions) (*Screenshot, error) {
	const op = "Screenshot.TakeRegion"
	if err := region.check(op); err != nil {
		return nil, err
	}
	tb, err := s.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	params := &toolbox.TakeRegionScreenshotParams{
		X: region.X, Y: region.Y, Width: region.Width, Height: region.Height, ShowCursor: nonZero(opts.ShowCursor),
	}
	resp, err := tb.TakeRegionScreenshotWithResponse(ctx, params)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	return screenshotFromAPI(op, "/computeruse/screenshot/region", resp.JSON200, resp.Status())
}

// TakeCompressed captures the whole screen, encoded and scaled as opts
// say.
func (s *Screenshots) TakeCompressed(ctx context.Context, opts CompressedScreenshotOptions) (*Screenshot, error) {
	const op = "Screenshot.TakeCompressed"
	format, quality, scale, err := opts.check(op)
	if err != nil {
		return nil, err
	}
	tb, err := s.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	params := &toolbox.TakeCompressedScreenshotParams{Format: format, Quality: quality, Scale: scale, ShowCursor: nonZero(opts.ShowCursor)}
	resp, err := tb.TakeCompressedScreenshotWithResponse(ctx, params)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	return screenshotFromAPI(op, "/computeruse/screenshot/compressed", resp.JSON200, resp.Status())
}

// TakeCompressedRegion captures a region of the screen, encoded and
// scaled as opts say.
func (s *Screenshots) TakeCompressedRegion(ctx context.Context, region Region, opts CompressedScreenshotOptions) (*Screenshot, error) {
	const op = "Screenshot.TakeCompressedRegion"
	if err := region.check(op); err != nil {
		return nil, err
	}
	format, quality, scale, err := opts.check(op)
	if err != nil {
		return nil, err
	}
	tb, err := s.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	params := &toolbox.TakeCompressedRegionScreenshotParams{
		X: region.X, Y: region.Y, Width: region.Width, Height: region.Height, Format: format, Quality: quality, Scale: scale,
		ShowCursor: nonZero(opts.ShowCursor),
	}
	resp, err := tb.TakeCompressedRegionScreenshotWithResponse(ctx, params)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	return screenshotFromAPI(op, "/computeruse/screenshot/region/compressed", resp.JSON200, resp.Status())
}

// Display describes the sandbox's screens and windows; use it as
// sb.ComputerUse.Display.
type Display struct{ sb *Sandbox }

// DisplayInfo is one screen.
type DisplayInfo struct {
	ID            int  // ID is the screen's number, as the toolbox reports it.
	X, Y          int  // X and Y are the screen's top-left corner, in pixels.
	Width, Height int  // Width and Height are the screen's size, in pixels.
	Active        bool // Active reports the screen the toolbox marks as active.
}

// Window is a top-level window.
type Window struct {
	ID            int    // ID is the window's ID, as the toolbox reports it.
	Title         string // Title is the window's title; empty if it has none.
	X, Y          int    // X and Y are the window's top-left corner, in pixels.
	Width, Height int    // Width and Height are the window's size, in pixels.
	// Active reports the window with the input focus.
	Active bool
}

// Info returns the screens.
func (d *Display) Info(ctx context.Context) ([]DisplayInfo, error) {
	tb, err := d.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.GetDisplayInfoWithResponse(ctx)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("/computeruse/display/info", resp.Status())
	}
	out := []DisplayInfo{}
	for _, di := range fromPtr(resp.JSON200.Displays) {
		out = append(out, DisplayInfo{
			ID: fromPtr(di.ID), X: fromPtr(di.X), Y: fromPtr(di.Y), Width: fromPtr(di.Width), Height: fromPtr(di.Height),
			Active: fromPtr(di.IsActive),
		})
	}
	return out, nil
}

// Windows returns the open windows.
func (d *Display) Windows(ctx context.Context) ([]Window, error) {
	tb, err := d.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.GetWindowsWithResponse(ctx)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("/computeruse/display/windows", resp.Status())
	}
	out := []Window{}
	for _, w := range fromPtr(resp.JSON200.Windows) {
		out = append(out, Window{
			ID: fromPtr(w.ID), Title: fromPtr(w.Title), X: fromPtr(w.X), Y: fromPtr(w.Y), Width: fromPtr(w.Width),
			Height: fromPtr(w.Height), Active: fromPtr(w.IsActive),
		})
	}
	return out, nil
}
