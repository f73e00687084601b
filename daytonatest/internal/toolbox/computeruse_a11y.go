package toolbox

import (
	"bufio"
	"bytes"
	"context"
	_ "embed" // the accessibility worker
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// Accessibility (PROTOCOLS.md 9, the /computeruse/a11y routes) runs over a
// real AT-SPI bus, as on the daemon's desktop. When computer use starts,
// the emulator also starts a private D-Bus session bus (dbus-daemon) and
// the AT-SPI bus launcher on it (at-spi-bus-launcher, which runs the
// accessibility bus and its registry), and sets DBUS_SESSION_BUS_ADDRESS
// in the toolbox environment next to DISPLAY: a GTK 3 application started
// afterwards through the process API registers its widgets there (the
// launcher also names the bus on the display, where toolkits look first).
// The launcher reports accessibility as enabled (org.a11y.Status), which
// some toolkits (Qt) wait for; programs that need a flag of their own
// (Chromium's --force-renderer-accessibility) still need it.
// Each request runs computeruse_a11y_worker.py, which speaks AT-SPI's
// D-Bus protocol through python3-gi's GLib D-Bus client.
//
// Without dbus-daemon, at-spi-bus-launcher or a Python with the gi module,
// or before computer use starts, the routes answer 503 A11Y_UNAVAILABLE,
// as the daemon does when the bus is missing.
//
// Semantics are the daemon's: node ids are "bus-name:object-path"; scope
// is focused (the application with an active window, else the first one;
// the default), pid (the application whose bus connection belongs to the
// process) or all (the desktop); maxDepth absent or negative is
// unbounded and 0 the root only; a walk visits at most 20000 nodes
// (truncated past that); find compares the role case-insensitively and the
// name case-sensitively, nameMatch substring by default (exact, regex with
// Go's syntax), requires every state given, returns at most limit matches
// (500 by default, 5000 at most) without their children, and is
// truncated when it reaches limit. States use AT-SPI's names in lower
// case with underscores ("multi_line"). Errors: a bad scope, nameMatch,
// regex, pid or node id, an action the node lacks or a refused focus are
// 400 BAD_REQUEST; an unknown node or no application in scope is 404
// NOT_FOUND (the contract has no accessibility code for them).

//go:embed computeruse_a11y_worker.py
var a11yWorkerScript []byte

// Limits of a walk and of find (the daemon's).
const (
	a11yWalkBudget   = 20000
	a11yFindDefault  = 500
	a11yFindCeiling  = 5000
	a11yStartTimeout = 15 * time.Second
	a11yCallTimeout  = 60 * time.Second
)

// a11yBus is a running session bus with the AT-SPI launcher on it.
type a11yBus struct {
	session  *busProcess
	launcher *busProcess
	address  string // the session bus
	display  string
	python   string // a Python with the gi module
	script   string // the worker
	runtime  string // holds the buses' sockets; XDG_RUNTIME_DIR of the launcher
}

// busProcess is one started program and its process group.
type busProcess struct {
	pid    int
	exited chan struct{}
}

// a11yTools are the programs the bus needs; missing names the first one
// absent ("" when all are there).
type a11yTools struct {
	dbusDaemon, launcher, python string
	missing                      string
}

// launcherDirs are where distributions install at-spi-bus-launcher, which
// is not on PATH.
var launcherDirs = []string{"/usr/libexec", "/usr/lib/at-spi2-core", "/usr/lib/at-spi2", "/usr/lib"}

// a11yTools finds dbus-daemon, at-spi-bus-launcher and a Python that
// imports gi: /usr/bin/python3, where Debian's python3-gi installs it, else
// python3 on the toolbox PATH. The worker is the emulator's own program,
// so which Python runs it does not show.
func (u *computerUse) a11yTools(ctx context.Context) a11yTools {
	var t a11yTools
	var err error
	if t.dbusDaemon, err = u.c.lookPath("dbus-daemon"); err != nil {
		t.missing = "dbus-daemon (the Debian package dbus-daemon)"
		return t
	}
	if t.launcher, err = u.c.lookPath("at-spi-bus-launcher"); err != nil {
		for _, dir := range launcherDirs {
			p := filepath.Join(dir, "at-spi-bus-launcher")
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
				t.launcher = p
				break
			}
		}
	}
	if t.launcher == "" {
		t.missing = "at-spi-bus-launcher (the Debian package at-spi2-core)"
		return t
	}
	candidates := []string{"/usr/bin/python3"}
	if p, err := u.c.lookPath("python3"); err == nil && p != candidates[0] {
		candidates = append(candidates, p)
	}
	for _, p := range candidates {
		if _, err := u.c.runTool(ctx, p, nil, "-c", "from gi.repository import Gio, GLib"); err == nil {
			t.python = p
			return t
		}
	}
	t.missing = "a Python with the gi module (the Debian package python3-gi)"
	return t
}

// startA11y starts the session bus and the AT-SPI launcher for display
// unless they run, and waits until the registry answers. The caller holds
// u.mu. A failure leaves accessibility unavailable (u.a11yErr says why);
// computer use runs without it, as the daemon's desktop does.
func (u *computerUse) startA11y(display string) {
	if u.bus != nil {
		return
	}
	ctx, cancel := context.WithTimeout(u.c.ctx, a11yStartTimeout)
	defer cancel()
	t := u.a11yTools(ctx)
	if t.missing != "" {
		u.a11yErr = "not installed: " + t.missing
		return
	}
	b, err := u.launchBus(ctx, t, display)
	if err != nil {
		u.a11yErr = err.Error()
		u.c.log.Warn("computer use: no accessibility bus", "error", err)
		return
	}
	u.bus, u.a11yErr = b, ""
	u.c.env.update(map[string]string{"DBUS_SESSION_BUS_ADDRESS": b.address}, nil, "")
}

func (u *computerUse) launchBus(ctx context.Context, t a11yTools, display string) (_ *a11yBus, err error) {
	b := &a11yBus{display: display, python: t.python, script: filepath.Join(u.c.stateDir, "computeruse_a11y_worker.py")}
	if err := os.WriteFile(b.script, a11yWorkerScript, 0o600); err != nil {
		return nil, err
	}
	if b.runtime, err = os.MkdirTemp(u.c.stateDir, "a11y-*"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			u.stopBus(b)
		}
	}()
	// The session bus listens in the runtime directory, so that no socket
	// is left in /tmp after a SIGKILL, and writes its address on fd 3 once
	// it listens.
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := exec.Command(t.dbusDaemon, "--session", "--nofork", "--nopidfile",
		"--address=unix:path="+filepath.Join(b.runtime, "session-bus"), "--print-address=3")
	cmd.ExtraFiles = []*os.File{w}
	b.session, err = u.startBusProcess(cmd, nil)
	_ = w.Close()
	if err != nil {
		return nil, fmt.Errorf("starting dbus-daemon: %w", err)
	}
	_ = r.SetReadDeadline(time.Now().Add(a11yStartTimeout))
	line, err := bufio.NewReader(r).ReadString('\n')
	if b.address = strings.TrimSpace(line); err != nil || b.address == "" {
		return nil, fmt.Errorf("dbus-daemon did not start: %s", strings.TrimSpace(lastLine(u.busErrs.String())))
	}
	cmd = exec.Command(t.launcher, "--launch-immediately", "--a11y=1")
	b.launcher, err = u.startBusProcess(cmd, map[string]string{
		"DISPLAY": display, "DBUS_SESSION_BUS_ADDRESS": b.address, "XDG_RUNTIME_DIR": b.runtime,
	})
	if err != nil {
		return nil, fmt.Errorf("starting at-spi-bus-launcher: %w", err)
	}
	// An application started before the bus answers would never register.
	var ping struct{}
	if err := u.callWorker(ctx, b, map[string]any{"op": "ping", "wait": a11yStartTimeout.Seconds() - 1}, &ping); err != nil {
		return nil, fmt.Errorf("the AT-SPI bus did not start: %s (%s)", err, strings.TrimSpace(lastLine(u.busErrs.String())))
	}
	return b, nil
}

// startBusProcess starts cmd in its own process group, with the toolbox
// environment plus extra; its standard error goes to u.busErrs.
func (u *computerUse) startBusProcess(cmd *exec.Cmd, extra map[string]string) (*busProcess, error) {
	cmd.Env = u.c.env.environ(extra)
	cmd.Dir = u.c.root
	cmd.Stderr = &u.busErrs
	if err := u.c.startProcess(cmd); err != nil {
		return nil, err
	}
	p := &busProcess{pid: cmd.Process.Pid, exited: make(chan struct{})}
	u.c.goTracked(func() {
		_ = cmd.Wait()
		u.c.releaseProcess(cmd)
		close(p.exited)
	})
	return p, nil
}

// stop ends the process group of p: SIGTERM, SIGKILL when the leader has
// not exited after 5 s, and SIGKILL for whatever remains of the group once
// it has (the accessibility bus and its registry exit on SIGTERM too, but
// need not be waited for).
func (p *busProcess) stop() {
	if p == nil {
		return
	}
	_ = signalGroup(p.pid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
	}
	killGroup(p.pid)
	<-p.exited
}

// stopBus stops b's processes and removes its files.
func (u *computerUse) stopBus(b *a11yBus) {
	b.launcher.stop()
	b.session.stop()
	if b.runtime != "" {
		_ = os.RemoveAll(b.runtime)
	}
}

// stopA11y stops the bus if it runs. The caller holds u.mu.
func (u *computerUse) stopA11y() {
	if u.bus == nil {
		return
	}
	b := u.bus
	u.bus, u.a11yErr = nil, ""
	u.stopBus(b)
}

// errA11yUnavailable is the answer without a bus.
func errA11yUnavailable(why string) error {
	return newError(http.StatusServiceUnavailable, "A11Y_UNAVAILABLE", "accessibility bus not reachable: "+why)
}

// a11yBusOrErr returns the running bus or the 503.
func (u *computerUse) a11yBusOrErr() (*a11yBus, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case u.bus != nil:
		return u.bus, nil
	case u.x == nil:
		return nil, errA11yUnavailable("computer use is not started (POST /computeruse/start)")
	case u.a11yErr != "":
		return nil, errA11yUnavailable(u.a11yErr)
	}
	return nil, errA11yUnavailable("the bus is not running")
}

// workerError is an error the worker reported.
type workerError struct{ Kind, Message string }

func (e *workerError) Error() string { return e.Message }

// callWorker runs the worker with req and decodes its result into out.
func (u *computerUse) callWorker(ctx context.Context, b *a11yBus, req map[string]any, out any) error {
	in, err := json.Marshal(req)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, a11yCallTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.python, b.script)
	cmd.Env = u.c.env.environ(map[string]string{"DISPLAY": b.display, "DBUS_SESSION_BUS_ADDRESS": b.address})
	cmd.Dir = u.c.root
	cmd.Stdin = bytes.NewReader(in)
	cmd.WaitDelay = time.Second
	var stderr tailBuffer
	stderr.limit = 4 << 10
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	var answer struct {
		Result json.RawMessage `json:"result"`
		Error  *workerError    `json:"error"`
	}
	if err == nil {
		err = json.Unmarshal(stdout, &answer)
	}
	switch {
	case err != nil:
		return fmt.Errorf("accessibility worker: %w: %s", err, strings.TrimSpace(lastLine(stderr.String())))
	case answer.Error != nil:
		return answer.Error
	}
	return json.Unmarshal(answer.Result, out)
}

// a11yCall runs one accessibility request on the running bus and maps
// the worker's errors to the daemon's answers.
func (u *computerUse) a11yCall(ctx context.Context, req map[string]any, out any) error {
	b, err := u.a11yBusOrErr()
	if err != nil {
		return err
	}
	err = u.callWorker(ctx, b, req, out)
	var we *workerError
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &we):
		return internalError("%s", err)
	}
	switch we.Kind {
	case "unavailable":
		return errA11yUnavailable(we.Message)
	case "not_found":
		return notFound("accessibility node not found: %s", we.Message)
	case "no_root":
		return notFound("no accessible root for focused window: %s", we.Message)
	case "unsupported":
		return badRequest("action not supported by node: %s", we.Message)
	}
	return internalError("accessibility: %s", we.Message)
}

// a11yNode is a node as the worker writes it.
type a11yNode struct {
	ID          string     `json:"id"`
	Role        string     `json:"role"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	States      []string   `json:"states"`
	Actions     []string   `json:"actions"`
	Bounds      a11yBounds `json:"bounds"`
	Children    []a11yNode `json:"children"`
}

type a11yBounds struct{ X, Y, Width, Height int }

// wire returns the node in the contract's shape, with its children when
// deep: id, role, name, bounds and states always, the others when not
// empty, as the daemon writes them.
func (n *a11yNode) wire(deep bool) tbserver.ComputeruseAccessibilityNode {
	out := tbserver.ComputeruseAccessibilityNode{
		ID: ptrTo(n.ID), Role: ptrTo(n.Role), Name: ptrTo(n.Name),
		States: ptrTo(append([]string{}, n.States...)),
		Bounds: &tbserver.AccessibilityBounds{X: ptrTo(n.Bounds.X), Y: ptrTo(n.Bounds.Y), Width: ptrTo(n.Bounds.Width), Height: ptrTo(n.Bounds.Height)},
	}
	if n.Description != "" {
		out.Description = ptrTo(n.Description)
	}
	if len(n.Actions) > 0 {
		out.Actions = ptrTo(slices.Clone(n.Actions))
	}
	if deep && len(n.Children) > 0 {
		kids := make([]tbserver.ComputeruseAccessibilityNode, len(n.Children))
		for i := range n.Children {
			kids[i] = n.Children[i].wire(true)
		}
		out.Children = &kids
	}
	return out
}

// a11yTree is the worker's tree answer.
type a11yTree struct {
	Root      *a11yNode `json:"root"`
	Truncated bool      `json:"truncated"`
}

// parseScope checks a scope and its pid: "" is focused; pid needs a
// positive pid.
func parseScope(scope *string, pid *int) (string, int, error) {
	s := "focused"
	if scope != nil {
		s = strings.ToLower(strings.TrimSpace(*scope))
	}
	p := 0
	if pid != nil {
		p = *pid
	}
	switch s {
	case "", "focused":
		return "focused", p, nil
	case "all":
		return s, p, nil
	case "pid":
		if p <= 0 {
			return "", 0, badRequest("invalid accessibility request: pid must be positive with scope pid")
		}
		return s, p, nil
	}
	return "", 0, badRequest("invalid accessibility scope: got %q, expected focused|pid|all", *scope)
}

// walkTree returns the tree of a scope.
func (u *computerUse) walkTree(ctx context.Context, scope string, pid, maxDepth int) (*a11yTree, error) {
	var tree a11yTree
	err := u.a11yCall(ctx, map[string]any{"op": "tree", "scope": scope, "pid": pid, "maxDepth": maxDepth, "budget": a11yWalkBudget}, &tree)
	if err != nil {
		return nil, err
	}
	if tree.Root == nil {
		return nil, notFound("no accessible root for focused window")
	}
	return &tree, nil
}

// a11yMatcher is find's filter.
type a11yMatcher struct {
	role, name, mode string
	re               *regexp.Regexp
	states           []string
}

func newA11yMatcher(b *tbserver.FindAccessibilityNodesRequest) (*a11yMatcher, error) {
	m := &a11yMatcher{mode: "substring"}
	if b.Role != nil {
		m.role = strings.ToLower(*b.Role)
	}
	if b.Name != nil {
		m.name = *b.Name
	}
	if b.NameMatch != nil && *b.NameMatch != "" {
		m.mode = *b.NameMatch
	}
	if b.States != nil {
		m.states = *b.States
	}
	switch m.mode {
	case "exact", "substring":
	case "regex":
		if m.name != "" {
			re, err := regexp.Compile(m.name)
			if err != nil {
				return nil, badRequest("invalid accessibility request: invalid regex for name filter: %v", err)
			}
			m.re = re
		}
	default:
		return nil, badRequest("invalid accessibility request: unknown nameMatch mode %q, want exact|substring|regex", m.mode)
	}
	return m, nil
}

func (m *a11yMatcher) match(n *a11yNode) bool {
	if m.role != "" && strings.ToLower(n.Role) != m.role {
		return false
	}
	if m.name != "" {
		switch m.mode {
		case "exact":
			if n.Name != m.name {
				return false
			}
		case "substring":
			if !strings.Contains(n.Name, m.name) {
				return false
			}
		case "regex":
			if !m.re.MatchString(n.Name) {
				return false
			}
		}
	}
	for _, s := range m.states {
		if !slices.Contains(n.States, s) {
			return false
		}
	}
	return true
}

// find appends the matches under n, pre-order, and reports whether it
// stopped at limit.
func (m *a11yMatcher) find(n *a11yNode, limit int, out *[]tbserver.ComputeruseAccessibilityNode) bool {
	if m.match(n) {
		*out = append(*out, n.wire(false))
		if len(*out) >= limit {
			return true
		}
	}
	for i := range n.Children {
		if m.find(&n.Children[i], limit, out) {
			return true
		}
	}
	return false
}

// parseNodeID splits "bus-name:object-path" at the ':' before the first
// '/'.
func parseNodeID(id string) (bus, path string, err error) {
	slash := strings.IndexByte(id, '/')
	switch {
	case id == "":
		return "", "", badRequest("id is required")
	case slash <= 1 || id[slash-1] != ':':
		return "", "", badRequest("invalid accessibility request: invalid node id %q: want bus-name:object-path", id)
	}
	bus, path = id[:slash-1], id[slash:]
	if !validObjectPath(path) {
		return "", "", badRequest("invalid accessibility request: invalid node id %q: malformed object path", id)
	}
	return bus, path, nil
}

// validObjectPath reports whether p is a D-Bus object path: "/" or
// "/"-separated non-empty elements of [A-Za-z0-9_].
func validObjectPath(p string) bool {
	if p == "/" {
		return true
	}
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return false
	}
	for elem := range strings.SplitSeq(p[1:], "/") {
		if elem == "" {
			return false
		}
		for _, r := range elem {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
				return false
			}
		}
	}
	return true
}

// GetAccessibilityTree serves GET /computeruse/a11y/tree.
func (h computerUseHandlers) GetAccessibilityTree(ctx context.Context, req tbserver.GetAccessibilityTreeRequestObject) (tbserver.GetAccessibilityTreeResponseObject, error) {
	if _, ok := h.u.tools(); !ok {
		return unavailable, nil
	}
	scope, pid, err := parseScope(req.Params.Scope, req.Params.Pid)
	if err != nil {
		return nil, err
	}
	depth := -1
	if req.Params.MaxDepth != nil {
		depth = *req.Params.MaxDepth
	}
	tree, err := h.u.walkTree(ctx, scope, pid, depth)
	if err != nil {
		return nil, err
	}
	return tbserver.GetAccessibilityTree200JSONResponse{Root: ptrTo(tree.Root.wire(true)), Truncated: ptrTo(tree.Truncated)}, nil
}

// FindAccessibilityNodes serves POST /computeruse/a11y/find.
func (h computerUseHandlers) FindAccessibilityNodes(ctx context.Context, req tbserver.FindAccessibilityNodesRequestObject) (tbserver.FindAccessibilityNodesResponseObject, error) {
	if _, ok := h.u.tools(); !ok {
		return unavailable, nil
	}
	b := req.Body
	if b == nil {
		b = &tbserver.FindAccessibilityNodesRequest{}
	}
	scope, pid, err := parseScope(b.Scope, b.Pid)
	if err != nil {
		return nil, err
	}
	m, err := newA11yMatcher(b)
	if err != nil {
		return nil, err
	}
	limit := a11yFindDefault
	if b.Limit != nil && *b.Limit > 0 {
		limit = min(*b.Limit, a11yFindCeiling)
	}
	tree, err := h.u.walkTree(ctx, scope, pid, -1)
	if err != nil {
		return nil, err
	}
	matches := []tbserver.ComputeruseAccessibilityNode{}
	atLimit := m.find(tree.Root, limit, &matches)
	return tbserver.FindAccessibilityNodes200JSONResponse{Matches: &matches, Truncated: ptrTo(atLimit || tree.Truncated)}, nil
}

// nodeCall runs a node operation of the worker on the node id.
func (h computerUseHandlers) nodeCall(ctx context.Context, id string, req map[string]any) error {
	bus, path, err := parseNodeID(id)
	if err != nil {
		return err
	}
	req["bus"], req["path"] = bus, path
	var done struct{}
	return h.u.a11yCall(ctx, req, &done)
}

// FocusAccessibilityNode serves POST /computeruse/a11y/node/focus.
func (h computerUseHandlers) FocusAccessibilityNode(ctx context.Context, req tbserver.FocusAccessibilityNodeRequestObject) (tbserver.FocusAccessibilityNodeResponseObject, error) {
	if _, ok := h.u.tools(); !ok {
		return unavailable, nil
	}
	if req.Body == nil {
		return nil, badRequest("id is required")
	}
	if err := h.nodeCall(ctx, req.Body.ID, map[string]any{"op": "focus"}); err != nil {
		return nil, err
	}
	return tbserver.FocusAccessibilityNode200JSONResponse{}, nil
}

// InvokeAccessibilityNode serves POST /computeruse/a11y/node/invoke.
func (h computerUseHandlers) InvokeAccessibilityNode(ctx context.Context, req tbserver.InvokeAccessibilityNodeRequestObject) (tbserver.InvokeAccessibilityNodeResponseObject, error) {
	if _, ok := h.u.tools(); !ok {
		return unavailable, nil
	}
	if req.Body == nil {
		return nil, badRequest("id is required")
	}
	action := ""
	if req.Body.Action != nil {
		action = *req.Body.Action
	}
	if err := h.nodeCall(ctx, req.Body.ID, map[string]any{"op": "invoke", "action": action}); err != nil {
		return nil, err
	}
	return tbserver.InvokeAccessibilityNode200JSONResponse{}, nil
}

// SetAccessibilityNodeValue serves POST /computeruse/a11y/node/value: the
// text of an editable node, else the number of a value node (a slider).
func (h computerUseHandlers) SetAccessibilityNodeValue(ctx context.Context, req tbserver.SetAccessibilityNodeValueRequestObject) (tbserver.SetAccessibilityNodeValueResponseObject, error) {
	if _, ok := h.u.tools(); !ok {
		return unavailable, nil
	}
	if req.Body == nil {
		return nil, badRequest("id is required")
	}
	value := ""
	if req.Body.Value != nil {
		value = *req.Body.Value
	}
	call := map[string]any{"op": "value", "value": value, "number": nil}
	if f, err := strconv.ParseFloat(value, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		call["number"] = f
	}
	if err := h.nodeCall(ctx, req.Body.ID, call); err != nil {
		return nil, err
	}
	return tbserver.SetAccessibilityNodeValue200JSONResponse{}, nil
}
