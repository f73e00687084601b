package toolbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// computerUseHandlers serves /computeruse/* (PROTOCOLS.md 9) on a real X
// server: Xvfb for the display, xdotool for the mouse, the keyboard and the
// windows, ImageMagick's import for screenshots and ffmpeg for recordings,
// all found on the toolbox PATH.
//
// Without Xvfb, xdotool or import on PATH the computer-use "plugin" is
// unavailable and every route except the recordings answers 503 with the
// daemon's {details, message, solution} body (E5). Recordings are the
// daemon's own: they work whenever ffmpeg is there, and answer 503
// RECORDING_FFMPEG_NOT_FOUND (API v0.205.1) when it is not.
//
// Processes: the daemon supervises xvfb, xfce4, x11vnc and novnc; the
// emulator runs Xvfb only, as the process "xvfb" (priority 100, no
// automatic restart), on a free display it picks (-displayfd) with the
// resolution of $VNC_RESOLUTION (default 1024x768), so status is "active"
// when Xvfb runs and "inactive" otherwise. The X server runs with -noreset,
// so the pointer stays where it was put between requests. Start sets
// DISPLAY in the toolbox environment, as the daemon sets it in its own.
//
// Start also starts a D-Bus session bus and the AT-SPI accessibility bus
// for the /a11y routes when their programs are installed
// (computeruse_a11y.go); stop and restart stop them too.
//
// Errors of the plugin's operations are 400 {"error": "…"}, the shape the
// daemon's handlers use; recording lookups use 404 {"error": "recording not
// found"}.
type computerUseHandlers struct{ u *computerUse }

func newComputerUseHandlers(c *core) computerUseHandlers {
	return computerUseHandlers{&computerUse{c: c, rec: &recorder{c: c, byID: map[string]*recording{}}}}
}

// computerUse is the state of one toolbox's desktop.
type computerUse struct {
	c   *core
	rec *recorder

	mu   sync.Mutex // held while the X server starts or stops
	x    *xServer   // nil when stopped
	logs tailBuffer // Xvfb's standard output, over all its runs
	errs tailBuffer // Xvfb's standard error

	bus     *a11yBus   // the accessibility bus; nil when not running (u.mu)
	a11yErr string     // why bus is nil while x runs, if it failed (u.mu)
	busErrs tailBuffer // the bus programs' standard error
}

// xServer is a running Xvfb.
type xServer struct {
	pid     int
	display string       // ":N"
	number  atomic.Int32 // N, -1 until known (read by the waiting goroutine)
	exited  chan struct{}
}

// xvfbProcess is the name of the one process the emulator supervises.
const xvfbProcess = "xvfb"

// cuTools are the paths of the desktop programs.
type cuTools struct{ xvfb, xdotool, importer string }

// tools finds the desktop programs; ok is false when one is missing (the
// plugin is "unavailable").
func (u *computerUse) tools() (cuTools, bool) {
	var t cuTools
	var err1, err2, err3 error
	t.xvfb, err1 = u.c.lookPath("Xvfb")
	t.xdotool, err2 = u.c.lookPath("xdotool")
	t.importer, err3 = u.c.lookPath("import")
	return t, err1 == nil && err2 == nil && err3 == nil
}

// unavailableBody is the daemon's answer without the plugin (E5).
var unavailableBody = map[string]string{
	"details":  "The computer-use plugin is still loading or failed to initialize.",
	"message":  "Computer-use functionality is not available",
	"solution": "Retry shortly. If the problem persists, check the daemon logs for specific error details.",
}

// unavailable is the E5 answer.
var unavailable = cuAnswer{status: http.StatusServiceUnavailable, body: unavailableBody}

// display returns the running X server's display, or a 400 when computer
// use is not started.
func (u *computerUse) display() (string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.x == nil {
		return "", fieldError(http.StatusBadRequest, "computer use is not started: no X display (POST /computeruse/start)")
	}
	return u.x.display, nil
}

// resolution returns the screen size from $VNC_RESOLUTION ("WxH"),
// 1024x768 by default.
func (u *computerUse) resolution() string {
	for _, kv := range u.c.env.environ(nil) {
		if v, ok := strings.CutPrefix(kv, "VNC_RESOLUTION="); ok {
			w, h, ok := strings.Cut(v, "x")
			if wi, err := strconv.Atoi(w); ok && err == nil && wi > 0 {
				if hi, err := strconv.Atoi(h); err == nil && hi > 0 {
					return v
				}
			}
		}
	}
	return "1024x768"
}

// startX starts Xvfb unless it runs. The caller holds u.mu.
func (u *computerUse) startX(xvfb string) error {
	if u.x != nil {
		return nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", u.resolution()+"x24", "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stdout, cmd.Stderr = &u.logs, &u.errs
	cmd.Env = u.c.env.environ(nil)
	cmd.Dir = u.c.root
	err = u.c.startProcess(cmd)
	_ = w.Close()
	if err != nil {
		return fmt.Errorf("starting Xvfb: %w", err)
	}
	x := &xServer{pid: cmd.Process.Pid, exited: make(chan struct{})}
	x.number.Store(-1)
	u.c.goTracked(func() {
		_ = cmd.Wait()
		u.c.releaseProcess(cmd)
		if n := x.number.Load(); n >= 0 {
			removeXSocket(int(n))
		}
		close(x.exited)
	})
	// Xvfb writes its display number once it accepts connections.
	_ = r.SetReadDeadline(time.Now().Add(15 * time.Second))
	line, err := bufio.NewReader(r).ReadString('\n')
	n, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		killGroup(x.pid)
		<-x.exited
		return fmt.Errorf("xvfb did not start: %s", strings.TrimSpace(lastLine(u.errs.String())))
	}
	x.number.Store(int32(n))
	x.display = ":" + strconv.Itoa(n)
	u.x = x
	// As the daemon, which sets DISPLAY in its own environment: processes
	// started afterwards (exec, sessions, PTYs) draw on this display.
	u.c.env.update(map[string]string{"DISPLAY": x.display}, nil, "")
	return nil
}

// stopX stops Xvfb if it runs: SIGTERM, then SIGKILL after 5 s. The
// caller holds u.mu.
func (u *computerUse) stopX() {
	x := u.x
	if x == nil {
		return
	}
	u.x = nil
	_ = signalGroup(x.pid, syscall.SIGTERM)
	select {
	case <-x.exited:
	case <-time.After(5 * time.Second):
		killGroup(x.pid)
		<-x.exited
	}
}

// removeXSocket removes the socket file of display n if no server listens
// on it any more: Xvfb leaves it behind when killed with SIGKILL (as
// Toolbox.Close does), and with -displayfd it keeps no lock file.
func removeXSocket(n int) {
	path := filepath.Join(os.TempDir(), ".X11-unix", "X"+strconv.Itoa(n))
	conn, err := net.Dial("unix", path)
	if err == nil {
		_ = conn.Close() // another server owns the display now
		return
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		_ = os.Remove(path)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// processStatus is the status map of the start and stop answers.
func (u *computerUse) processStatus() map[string]tbserver.ProcessStatus {
	u.mu.Lock()
	defer u.mu.Unlock()
	st := tbserver.ProcessStatus{AutoRestart: ptrTo(false), Priority: ptrTo(100), Running: ptrTo(u.x != nil)}
	if u.x != nil {
		st.Pid = ptrTo(u.x.pid)
	}
	return map[string]tbserver.ProcessStatus{xvfbProcess: st}
}

// status is "active" when the X server runs, else "inactive".
func (u *computerUse) status() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.x != nil {
		return "active"
	}
	return "inactive"
}

func ptrTo[T any](v T) *T { return &v }

// StartComputerUse serves POST /computeruse/start.
func (h computerUseHandlers) StartComputerUse(context.Context, tbserver.StartComputerUseRequestObject) (tbserver.StartComputerUseResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	h.u.mu.Lock()
	err := h.u.startX(t.xvfb)
	if err == nil {
		h.u.startA11y(h.u.x.display)
	}
	h.u.mu.Unlock()
	if err != nil {
		return cuAnswer{status: http.StatusServiceUnavailable, body: map[string]string{
			"error": "Failed to start computer use", "details": err.Error(),
		}}, nil
	}
	st := h.u.processStatus()
	return tbserver.StartComputerUse200JSONResponse{Message: ptrTo("Computer use processes started successfully"), Status: &st}, nil
}

// StopComputerUse serves POST /computeruse/stop.
func (h computerUseHandlers) StopComputerUse(context.Context, tbserver.StopComputerUseRequestObject) (tbserver.StopComputerUseResponseObject, error) {
	if _, ok := h.u.tools(); !ok {
		return unavailable, nil
	}
	h.u.mu.Lock()
	h.u.stopA11y()
	h.u.stopX()
	h.u.mu.Unlock()
	st := h.u.processStatus()
	return tbserver.StopComputerUse200JSONResponse{Message: ptrTo("Computer use processes stopped successfully"), Status: &st}, nil
}

// GetComputerUseSystemStatus serves GET /computeruse/status.
func (h computerUseHandlers) GetComputerUseSystemStatus(context.Context, tbserver.GetComputerUseSystemStatusRequestObject) (tbserver.GetComputerUseSystemStatusResponseObject, error) {
	if _, ok := h.u.tools(); !ok {
		return unavailable, nil
	}
	return tbserver.GetComputerUseSystemStatus200JSONResponse{Status: ptrTo(h.u.status())}, nil
}

// GetComputerUseStatus serves GET /computeruse/process-status.
func (h computerUseHandlers) GetComputerUseStatus(context.Context, tbserver.GetComputerUseStatusRequestObject) (tbserver.GetComputerUseStatusResponseObject, error) {
	if _, ok := h.u.tools(); !ok {
		return unavailable, nil
	}
	return tbserver.GetComputerUseStatus200JSONResponse{Status: ptrTo(h.u.status())}, nil
}

// GetProcessStatus serves GET /computeruse/process/{processName}/status;
// an unknown process is reported as not running, as the daemon does.
func (h computerUseHandlers) GetProcessStatus(_ context.Context, req tbserver.GetProcessStatusRequestObject) (tbserver.GetProcessStatusResponseObject, error) {
	if _, ok := h.u.tools(); !ok {
		return unavailable, nil
	}
	running := req.ProcessName == xvfbProcess && h.u.status() == "active"
	return tbserver.GetProcessStatus200JSONResponse{ProcessName: ptrTo(req.ProcessName), Running: &running}, nil
}

// errNoProcess is the daemon's answer about a process it does not run.
func errNoProcess(name string) error {
	return fieldError(http.StatusBadRequest, "process "+name+" not found")
}

// RestartProcess serves POST /computeruse/process/{processName}/restart.
func (h computerUseHandlers) RestartProcess(_ context.Context, req tbserver.RestartProcessRequestObject) (tbserver.RestartProcessResponseObject, error) {
	t, ok := h.u.tools()
	if !ok {
		return unavailable, nil
	}
	if req.ProcessName != xvfbProcess {
		return nil, errNoProcess(req.ProcessName)
	}
	// The accessibility bus belongs to the display: it restarts with it.
	h.u.mu.Lock()
	h.u.stopA11y()
	h.u.stopX()
	err := h.u.startX(t.xvfb)
	if err == nil {
		h.u.startA11y(h.u.x.display)
	}
	h.u.mu.Unlock()
	if err != nil {
		return nil, fieldError(http.StatusBadRequest, err.Error())
	}
	return tbserver.RestartProcess200JSONResponse{
		Message: ptrTo("Process " + req.ProcessName + " restarted successfully"), ProcessName: ptrTo(req.ProcessName),
	}, nil
}

// GetProcessLogs serves GET /computeruse/process/{processName}/logs:
// what Xvfb wrote to its standard output.
func (h computerUseHandlers) GetProcessLogs(_ context.Context, req tbserver.GetProcessLogsRequestObject) (tbserver.GetProcessLogsResponseObject, error) {
	if _, ok := h.u.tools(); !ok {
		return unavailable, nil
	}
	if req.ProcessName != xvfbProcess {
		return nil, errNoProcess(req.ProcessName)
	}
	return tbserver.GetProcessLogs200JSONResponse{ProcessName: ptrTo(req.ProcessName), Logs: ptrTo(h.u.logs.String())}, nil
}

// GetProcessErrors serves GET /computeruse/process/{processName}/errors:
// what Xvfb wrote to its standard error.
func (h computerUseHandlers) GetProcessErrors(_ context.Context, req tbserver.GetProcessErrorsRequestObject) (tbserver.GetProcessErrorsResponseObject, error) {
	if _, ok := h.u.tools(); !ok {
		return unavailable, nil
	}
	if req.ProcessName != xvfbProcess {
		return nil, errNoProcess(req.ProcessName)
	}
	return tbserver.GetProcessErrors200JSONResponse{ProcessName: ptrTo(req.ProcessName), Errors: ptrTo(h.u.errs.String())}, nil
}

// xdo runs xdotool on the running display.
func (u *computerUse) xdo(ctx context.Context, t cuTools, args ...string) (string, error) {
	d, err := u.display()
	if err != nil {
		return "", err
	}
	out, err := u.c.runTool(ctx, t.xdotool, map[string]string{"DISPLAY": d}, args...)
	if err != nil {
		return "", fieldError(http.StatusBadRequest, err.Error())
	}
	return string(out), nil
}

// shellValues parses xdotool's --shell output (KEY=value lines).
func shellValues(out string) map[string]int {
	vals := map[string]int{}
	for line := range strings.Lines(out) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(v); err == nil {
			vals[k] = n
		}
	}
	return vals
}
