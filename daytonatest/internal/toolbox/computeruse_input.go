package toolbox

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// Mouse and keyboard, through xdotool (XTEST events on the X server).

// mousePosition reads the pointer position.
func (u *computerUse) mousePosition(ctx context.Context, t cuTools) (x, y int, err error) {
	out, err := u.xdo(ctx, t, "getmouselocation", "--shell")
	if err != nil {
		return 0, 0, err
	}
	v := shellValues(out)
	return v["X"], v["Y"], nil
}

// mouseButton maps the API's button name to X's button number.
func mouseButton(name *string) (string, error) {
	switch strings.ToLower(deref(name)) {
	case "", "left":
		return "1", nil
	case "middle":
		return "2", nil
	case "right":
		return "3", nil
	}
	return "", fieldError(http.StatusBadRequest, "invalid button: "+deref(name)+" (left, right or middle)")
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func itoa(p *int) string { return strconv.Itoa(deref(p)) }

// GetMousePosition serves GET /computeruse/mouse/position.
func (h computerUseHandlers) GetMousePosition(ctx context.Context, _ tbserver.GetMousePositionRequestObject) (tbserver.GetMousePositionResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	x, y, err := h.u.mousePosition(ctx, t)
	if err != nil {
		return nil, err
	}
	return tbserver.GetMousePosition200JSONResponse{X: &x, Y: &y}, nil
}

// MoveMouse serves POST /computeruse/mouse/move and answers the pointer's
// position afterwards.
func (h computerUseHandlers) MoveMouse(ctx context.Context, req tbserver.MoveMouseRequestObject) (tbserver.MoveMouseResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	if req.Body == nil {
		return nil, fieldError(http.StatusBadRequest, "Invalid coordinates")
	}
	if _, err := h.u.xdo(ctx, t, "mousemove", "--sync", itoa(req.Body.X), itoa(req.Body.Y)); err != nil {
		return nil, err
	}
	x, y, err := h.u.mousePosition(ctx, t)
	if err != nil {
		return nil, err
	}
	return tbserver.MoveMouse200JSONResponse{X: &x, Y: &y}, nil
}

// Click serves POST /computeruse/mouse/click: move, then click (twice for
// double), and answers the pointer's position.
func (h computerUseHandlers) Click(ctx context.Context, req tbserver.ClickRequestObject) (tbserver.ClickResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	b := req.Body
	if b == nil {
		return nil, fieldError(http.StatusBadRequest, "Invalid click parameters")
	}
	button, err := mouseButton(b.Button)
	if err != nil {
		return nil, err
	}
	args := []string{"mousemove", "--sync", itoa(b.X), itoa(b.Y), "click"}
	if deref(b.Double) {
		args = append(args, "--repeat", "2", "--delay", "100")
	}
	if _, err := h.u.xdo(ctx, t, append(args, button)...); err != nil {
		return nil, err
	}
	x, y, err := h.u.mousePosition(ctx, t)
	if err != nil {
		return nil, err
	}
	return tbserver.Click200JSONResponse{X: &x, Y: &y}, nil
}

// Drag serves POST /computeruse/mouse/drag: press at the start, move, and
// release at the end.
func (h computerUseHandlers) Drag(ctx context.Context, req tbserver.DragRequestObject) (tbserver.DragResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	b := req.Body
	if b == nil {
		return nil, fieldError(http.StatusBadRequest, "Invalid drag parameters")
	}
	button, err := mouseButton(b.Button)
	if err != nil {
		return nil, err
	}
	_, err = h.u.xdo(ctx, t, "mousemove", "--sync", itoa(b.StartX), itoa(b.StartY), "mousedown", button,
		"mousemove", "--sync", itoa(b.EndX), itoa(b.EndY), "mouseup", button)
	if err != nil {
		return nil, err
	}
	x, y, err := h.u.mousePosition(ctx, t)
	if err != nil {
		return nil, err
	}
	return tbserver.Drag200JSONResponse{X: &x, Y: &y}, nil
}

// Scroll serves POST /computeruse/mouse/scroll: wheel clicks (buttons 4
// and 5) at the point; amount defaults to 1.
func (h computerUseHandlers) Scroll(ctx context.Context, req tbserver.ScrollRequestObject) (tbserver.ScrollResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	b := req.Body
	if b == nil {
		return nil, fieldError(http.StatusBadRequest, "Invalid scroll parameters")
	}
	var button string
	switch strings.ToLower(deref(b.Direction)) {
	case "up":
		button = "4"
	case "down":
		button = "5"
	default:
		return nil, fieldError(http.StatusBadRequest, "invalid scroll direction: "+deref(b.Direction)+" (up or down)")
	}
	amount := 1
	if b.Amount != nil {
		amount = *b.Amount
	}
	if amount < 0 {
		return nil, fieldError(http.StatusBadRequest, "invalid scroll amount: "+strconv.Itoa(amount))
	}
	args := []string{"mousemove", "--sync", itoa(b.X), itoa(b.Y)}
	if amount > 0 {
		args = append(args, "click", "--repeat", strconv.Itoa(amount), "--delay", "10", button)
	}
	if _, err := h.u.xdo(ctx, t, args...); err != nil {
		return nil, err
	}
	return tbserver.Scroll200JSONResponse{Success: ptrTo(true)}, nil
}

// keyNames maps the names the SDKs send to X keysym names; other names go
// to xdotool as they are (it takes any keysym name, and single characters).
var keyNames = map[string]string{
	"enter": "Return", "return": "Return", "esc": "Escape", "escape": "Escape", "tab": "Tab",
	"space": "space", "backspace": "BackSpace", "delete": "Delete", "del": "Delete", "insert": "Insert",
	"home": "Home", "end": "End", "pageup": "Page_Up", "page_up": "Page_Up", "pagedown": "Page_Down",
	"page_down": "Page_Down", "up": "Up", "down": "Down", "left": "Left", "right": "Right",
	"ctrl": "ctrl", "control": "ctrl", "alt": "alt", "shift": "shift", "cmd": "super", "command": "super",
	"super": "super", "win": "super", "meta": "super", "capslock": "Caps_Lock", "printscreen": "Print",
}

// keysym returns xdotool's name for a key.
func keysym(k string) string {
	if n, ok := keyNames[strings.ToLower(k)]; ok {
		return n
	}
	if len(k) > 1 && (k[0] == 'f' || k[0] == 'F') {
		if n, err := strconv.Atoi(k[1:]); err == nil && n >= 1 && n <= 24 {
			return "F" + k[1:]
		}
	}
	return k
}

// TypeText serves POST /computeruse/keyboard/type: the text as key
// events, delay milliseconds apart (xdotool's 12 ms when 0).
func (h computerUseHandlers) TypeText(ctx context.Context, req tbserver.TypeTextRequestObject) (tbserver.TypeTextResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	b := req.Body
	if b == nil {
		return nil, fieldError(http.StatusBadRequest, "Invalid input")
	}
	if deref(b.Delay) < 0 {
		return nil, fieldError(http.StatusBadRequest, "invalid delay: "+itoa(b.Delay))
	}
	args := []string{"type"}
	if d := deref(b.Delay); d > 0 {
		args = append(args, "--delay", strconv.Itoa(d))
	}
	if _, err := h.u.xdo(ctx, t, append(args, "--", deref(b.Text))...); err != nil {
		return nil, err
	}
	return tbserver.TypeText200JSONResponse{}, nil
}

// PressKey serves POST /computeruse/keyboard/key: one key with its
// modifiers held.
func (h computerUseHandlers) PressKey(ctx context.Context, req tbserver.PressKeyRequestObject) (tbserver.PressKeyResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	b := req.Body
	if b == nil || deref(b.Key) == "" {
		return nil, fieldError(http.StatusBadRequest, "Invalid key")
	}
	var combo []string
	for _, m := range deref(b.Modifiers) {
		combo = append(combo, keysym(m))
	}
	combo = append(combo, keysym(*b.Key))
	if _, err := h.u.xdo(ctx, t, "key", "--", strings.Join(combo, "+")); err != nil {
		return nil, err
	}
	return tbserver.PressKey200JSONResponse{}, nil
}

// PressHotkey serves POST /computeruse/keyboard/hotkey: keys such as
// "ctrl+c", pressed together.
func (h computerUseHandlers) PressHotkey(ctx context.Context, req tbserver.PressHotkeyRequestObject) (tbserver.PressHotkeyResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	b := req.Body
	if b == nil || strings.TrimSpace(deref(b.Keys)) == "" {
		return nil, fieldError(http.StatusBadRequest, "Invalid hotkey")
	}
	parts := strings.Split(*b.Keys, "+")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fieldError(http.StatusBadRequest, "invalid hotkey: "+*b.Keys)
		}
		parts[i] = keysym(p)
	}
	if _, err := h.u.xdo(ctx, t, "key", "--", strings.Join(parts, "+")); err != nil {
		return nil, err
	}
	return tbserver.PressHotkey200JSONResponse{}, nil
}
