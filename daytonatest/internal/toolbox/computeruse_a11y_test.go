package toolbox_test

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
)

// a11yApp is a GTK 3 window with a label, an entry, a button that writes
// the entry's text to the file named by its argument, and a scale that
// writes its value to scale.txt when it changes (through a rename, so the
// files are whole when they appear). It writes its process id to app.pid.
const a11yApp = `import os, sys, gi
gi.require_version("Gtk", "3.0")
from gi.repository import Gtk

out = sys.argv[1]
with open("app.pid", "w") as f:
    f.write(str(os.getpid()))
win = Gtk.Window(title="A11y Probe")
box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
label = Gtk.Label(label="Probe label")
entry = Gtk.Entry()
entry.get_accessible().set_name("Probe entry")
button = Gtk.Button(label="Write file")
scale = Gtk.Scale.new_with_range(Gtk.Orientation.HORIZONTAL, 0, 100, 1)
scale.get_accessible().set_name("Probe scale")

def write(name, text):
    with open(name + ".tmp", "w") as f:
        f.write(text)
    os.rename(name + ".tmp", name)

button.connect("clicked", lambda _b: write(out, entry.get_text()))
scale.connect("value-changed", lambda s: write("scale.txt", "%g" % s.get_value()))
for w in (label, entry, button, scale):
    box.pack_start(w, False, False, 0)
win.add(box)
win.connect("destroy", Gtk.main_quit)
win.show_all()
Gtk.main()
`

// a11yLaunchers are where at-spi-bus-launcher is installed.
var a11yLaunchers = []string{"/usr/libexec/at-spi-bus-launcher", "/usr/lib/at-spi2-core/at-spi-bus-launcher"}

// needA11yHost skips the test without the programs of the accessibility
// bus and of the GTK test application, and returns a Python that runs the
// application.
func needA11yHost(t *testing.T) string {
	t.Helper()
	needDesktop(t)
	needProgram(t, "dbus-daemon", "the Debian package dbus-daemon")
	found := false
	for _, p := range a11yLaunchers {
		if _, err := os.Stat(p); err == nil {
			found = true
		}
	}
	if !found {
		t.Skip("at-spi-bus-launcher is not installed (install the Debian package at-spi2-core)")
	}
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		check := `import gi; gi.require_version("Gtk", "3.0"); from gi.repository import Gtk, Gio`
		if err := exec.Command(py, "-c", check).Run(); err == nil {
			return py
		}
	}
	t.Skip("no Python runs GTK 3 (install the Debian packages python3-gi and gir1.2-gtk-3.0)")
	return ""
}

// a11yNode is a node as the toolbox answers it.
type a11yNode = tbclient.ComputeruseAccessibilityNode

// a11yFlatten returns n and its descendants, pre-order.
func a11yFlatten(n *a11yNode) []*a11yNode {
	out := []*a11yNode{n}
	if n.Children != nil {
		for i := range *n.Children {
			out = append(out, a11yFlatten(&(*n.Children)[i])...)
		}
	}
	return out
}

// a11yByRole returns the first node of role under n, or nil.
func a11yByRole(n *a11yNode, role string) *a11yNode {
	for _, c := range a11yFlatten(n) {
		if *c.Role == role {
			return c
		}
	}
	return nil
}

// startA11yApp starts computer use and the GTK application in a session,
// waits until its button is in the accessibility tree and returns its
// process id.
func startA11yApp(t *testing.T, e *testEnv, python string) int {
	t.Helper()
	ctx := t.Context()
	start, err := e.c.StartComputerUseWithResponse(ctx)
	require.NoError(t, err)
	require.NotNil(t, start.JSON200, "%d %s", start.StatusCode(), start.Body)

	e.write("app.py", a11yApp)
	e.createSession("gtk")
	resp, body := e.sessionExec("gtk", tbclient.SessionExecuteRequest{
		Command: "exec " + python + " app.py clicked.txt", RunAsync: ptr(true),
	}, nil)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", body)

	// A deadline for a hung test, not a timing assertion.
	deadline := time.Now().Add(30 * time.Second)
	pid := 0
	for {
		require.True(t, time.Now().Before(deadline), "the GTK application did not appear on the accessibility bus")
		time.Sleep(100 * time.Millisecond)
		if pid == 0 {
			b, err := os.ReadFile(e.path("app.pid"))
			if err != nil {
				continue
			}
			pid, _ = strconv.Atoi(string(b))
		}
		tree, err := e.c.GetAccessibilityTreeWithResponse(ctx, &tbclient.GetAccessibilityTreeParams{Scope: ptr("pid"), Pid: &pid})
		require.NoError(t, err)
		if tree.JSON200 != nil && a11yByRole(tree.JSON200.Root, "push button") != nil {
			return pid
		}
	}
}

// a11yErrorCode sends a request and returns the answer's status and the
// envelope's code.
func a11yErrorCode(t *testing.T, e *testEnv, method, path string, body any) (int, string) {
	t.Helper()
	status, raw := send(t, method, e.url+path, body)
	var env struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(raw, &env), "%s", raw)
	return status, env.Code
}

// TestComputerUseAccessibility drives a real GTK window over the AT-SPI
// bus the emulator starts with computer use.
func TestComputerUseAccessibility(t *testing.T) {
	python := needA11yHost(t)
	e := newEnv(t)
	ctx := t.Context()

	status, code := a11yErrorCode(t, e, http.MethodGet, "/computeruse/a11y/tree", nil)
	assert.Equal(t, http.StatusServiceUnavailable, status, "no bus before start")
	assert.Equal(t, "A11Y_UNAVAILABLE", code)

	pid := startA11yApp(t, e, python)

	echo, err := e.c.ExecuteCommandWithResponse(ctx, tbclient.ExecuteRequest{Command: "echo $DBUS_SESSION_BUS_ADDRESS"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(echo.JSON200.Result, "unix:"), "the session bus is in the environment: %q", echo.JSON200.Result)

	var entryID, buttonID, labelID string
	t.Run("tree", func(t *testing.T) {
		tree, err := e.c.GetAccessibilityTreeWithResponse(ctx, &tbclient.GetAccessibilityTreeParams{Scope: ptr("pid"), Pid: &pid})
		require.NoError(t, err)
		require.NotNil(t, tree.JSON200, "%s", tree.Body)
		root := tree.JSON200.Root
		assert.Equal(t, "application", *root.Role)
		assert.False(t, *tree.JSON200.Truncated)
		frame := a11yByRole(root, "frame")
		require.NotNil(t, frame)
		assert.Equal(t, "A11y Probe", *frame.Name)
		for _, want := range []struct{ role, name string }{
			{"push button", "Write file"}, {"text", "Probe entry"}, {"label", "Probe label"},
		} {
			n := a11yByRole(root, want.role)
			require.NotNil(t, n, want.role)
			assert.Equal(t, want.name, *n.Name)
			assert.Regexp(t, `^:[0-9.]+:/org/a11y/atspi/accessible/[0-9]+$`, *n.ID)
			b := n.Bounds
			assert.Positive(t, *b.Width, want.role)
			assert.Positive(t, *b.Height, want.role)
			assert.True(t, *b.X >= 0 && *b.Y >= 0 && *b.X+*b.Width <= 1024 && *b.Y+*b.Height <= 768, "%s within the screen: %+v", want.role, b)
			assert.Contains(t, *n.States, "showing")
			switch want.role {
			case "push button":
				buttonID = *n.ID
				assert.Equal(t, []string{"click"}, *n.Actions)
			case "text":
				entryID = *n.ID
				assert.Contains(t, *n.States, "editable")
			case "label":
				labelID = *n.ID
			}
		}

		rootOnly, err := e.c.GetAccessibilityTreeWithResponse(ctx, &tbclient.GetAccessibilityTreeParams{Scope: ptr("pid"), Pid: &pid, MaxDepth: ptr(0)})
		require.NoError(t, err)
		require.NotNil(t, rootOnly.JSON200)
		assert.Nil(t, rootOnly.JSON200.Root.Children, "maxDepth 0 is the root alone")
		one, err := e.c.GetAccessibilityTreeWithResponse(ctx, &tbclient.GetAccessibilityTreeParams{Scope: ptr("pid"), Pid: &pid, MaxDepth: ptr(1)})
		require.NoError(t, err)
		require.NotNil(t, one.JSON200)
		assert.Len(t, a11yFlatten(one.JSON200.Root), 2, "maxDepth 1: the application and its window")

		all, err := e.c.GetAccessibilityTreeWithResponse(ctx, &tbclient.GetAccessibilityTreeParams{Scope: ptr("all")})
		require.NoError(t, err)
		require.NotNil(t, all.JSON200)
		assert.Equal(t, "desktop frame", *all.JSON200.Root.Role)
		assert.NotNil(t, a11yByRole(all.JSON200.Root, "push button"), "the desktop holds the application")
	})
	require.NotEmpty(t, buttonID)

	t.Run("find", func(t *testing.T) {
		tests := []struct {
			name  string
			req   tbclient.FindAccessibilityNodesRequest
			want  []string // names, in order
			trunc bool
		}{
			{"role and exact name", tbclient.FindAccessibilityNodesRequest{Role: ptr("push button"), Name: ptr("Write file"), NameMatch: ptr("exact")}, []string{"Write file"}, false},
			{"role case-insensitive", tbclient.FindAccessibilityNodesRequest{Role: ptr("Push Button")}, []string{"Write file"}, false},
			{"exact needs the whole name", tbclient.FindAccessibilityNodesRequest{Name: ptr("Write"), NameMatch: ptr("exact")}, nil, false},
			{"substring by default", tbclient.FindAccessibilityNodesRequest{Name: ptr("Probe ")}, []string{"Probe label", "Probe entry", "Probe scale"}, false},
			{"substring is case-sensitive", tbclient.FindAccessibilityNodesRequest{Name: ptr("probe"), NameMatch: ptr("substring")}, nil, false},
			{"regex", tbclient.FindAccessibilityNodesRequest{Name: ptr("^(Write|Probe e)"), NameMatch: ptr("regex")}, []string{"Probe entry", "Write file"}, false},
			{"states", tbclient.FindAccessibilityNodesRequest{States: &[]string{"editable", "single_line"}}, []string{"Probe entry"}, false},
			{"limit", tbclient.FindAccessibilityNodesRequest{Name: ptr("Probe"), Limit: ptr(1)}, []string{"A11y Probe"}, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.req.Scope, tt.req.Pid = ptr("pid"), &pid
				resp, err := e.c.FindAccessibilityNodesWithResponse(ctx, tt.req)
				require.NoError(t, err)
				require.NotNil(t, resp.JSON200, "%s", resp.Body)
				names := []string{}
				for _, m := range *resp.JSON200.Matches {
					names = append(names, *m.Name)
					assert.Nil(t, m.Children, "matches come without children")
				}
				if tt.want == nil {
					tt.want = []string{}
				}
				assert.Equal(t, tt.want, names)
				assert.Equal(t, tt.trunc, *resp.JSON200.Truncated)
			})
		}
	})

	t.Run("focus", func(t *testing.T) {
		resp, err := e.c.FocusAccessibilityNodeWithResponse(ctx, tbclient.AccessibilityNodeRequest{ID: entryID})
		require.NoError(t, err)
		require.NotNil(t, resp.JSON200, "%s", resp.Body)
		// The window gets the X focus, and the entry the focused state,
		// once the application has handled the X server's FocusIn event:
		// wait for it (a deadline for a hung test, not a timing assertion).
		deadline := time.Now().Add(20 * time.Second)
		for {
			found, err := e.c.FindAccessibilityNodesWithResponse(ctx, tbclient.FindAccessibilityNodesRequest{States: &[]string{"focused"}})
			require.NoError(t, err)
			require.NotNil(t, found.JSON200, "%s", found.Body)
			if m := *found.JSON200.Matches; len(m) > 0 {
				require.Len(t, m, 1, "%s", found.Body)
				assert.Equal(t, entryID, *m[0].ID, "the default scope is the focused application, where the entry has the focus")
				break
			}
			require.True(t, time.Now().Before(deadline), "the entry never got the focused state")
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("set value and invoke", func(t *testing.T) {
		resp, err := e.c.SetAccessibilityNodeValueWithResponse(ctx, tbclient.AccessibilitySetValueRequest{ID: entryID, Value: ptr("typed over AT-SPI")})
		require.NoError(t, err)
		require.NotNil(t, resp.JSON200, "%s", resp.Body)
		inv, err := e.c.InvokeAccessibilityNodeWithResponse(ctx, tbclient.AccessibilityInvokeRequest{ID: buttonID, Action: ptr("Click")})
		require.NoError(t, err)
		require.NotNil(t, inv.JSON200, "%s", inv.Body)
		// The click runs in the application's main loop: wait for its file
		// (a deadline for a hung test, not a timing assertion).
		deadline := time.Now().Add(20 * time.Second)
		for {
			b, err := os.ReadFile(e.path("clicked.txt"))
			if err == nil {
				assert.Equal(t, "typed over AT-SPI", string(b), "the button wrote the entry's new text")
				break
			}
			require.True(t, time.Now().Before(deadline), "the button was not clicked")
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("set a number", func(t *testing.T) {
		found, err := e.c.FindAccessibilityNodesWithResponse(ctx, tbclient.FindAccessibilityNodesRequest{
			Scope: ptr("pid"), Pid: &pid, Role: ptr("slider"), Name: ptr("Probe scale"), NameMatch: ptr("exact"),
		})
		require.NoError(t, err)
		require.NotNil(t, found.JSON200, "%s", found.Body)
		require.Len(t, *found.JSON200.Matches, 1, "%s", found.Body)
		scaleID := *(*found.JSON200.Matches)[0].ID

		status, code := a11yErrorCode(t, e, http.MethodPost, "/computeruse/a11y/node/value", map[string]string{"id": scaleID, "value": "many"})
		assert.Equal(t, http.StatusBadRequest, status, "a slider has no text")
		assert.Equal(t, "BAD_REQUEST", code)

		resp, err := e.c.SetAccessibilityNodeValueWithResponse(ctx, tbclient.AccessibilitySetValueRequest{ID: scaleID, Value: ptr("42")})
		require.NoError(t, err)
		require.NotNil(t, resp.JSON200, "%s", resp.Body)
		// A deadline for a hung test, not a timing assertion.
		deadline := time.Now().Add(20 * time.Second)
		for {
			b, err := os.ReadFile(e.path("scale.txt"))
			if err == nil {
				assert.Equal(t, "42", string(b))
				break
			}
			require.True(t, time.Now().Before(deadline), "the scale did not change")
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("errors", func(t *testing.T) {
		app, _, _ := strings.Cut(buttonID, ":/")
		tests := []struct {
			name, method, path string
			body               any
			status             int
			code               string
		}{
			{"unknown object", http.MethodPost, "/computeruse/a11y/node/focus", map[string]string{"id": app + ":/org/a11y/atspi/accessible/99999"}, 404, "NOT_FOUND"},
			{"unknown bus name", http.MethodPost, "/computeruse/a11y/node/invoke", map[string]string{"id": ":1.9999:/org/a11y/atspi/accessible/1"}, 404, "NOT_FOUND"},
			{"malformed id", http.MethodPost, "/computeruse/a11y/node/value", map[string]string{"id": "no-path"}, 400, "BAD_REQUEST"},
			{"empty id", http.MethodPost, "/computeruse/a11y/node/focus", map[string]string{"id": ""}, 400, "BAD_REQUEST"},
			{"unknown action", http.MethodPost, "/computeruse/a11y/node/invoke", map[string]string{"id": buttonID, "action": "explode"}, 400, "BAD_REQUEST"},
			{"label refuses focus", http.MethodPost, "/computeruse/a11y/node/focus", map[string]string{"id": labelID}, 400, "BAD_REQUEST"},
			{"button has no text", http.MethodPost, "/computeruse/a11y/node/value", map[string]string{"id": buttonID, "value": "x"}, 400, "BAD_REQUEST"},
			{"bad scope", http.MethodGet, "/computeruse/a11y/tree?scope=window", nil, 400, "BAD_REQUEST"},
			{"pid scope without pid", http.MethodGet, "/computeruse/a11y/tree?scope=pid", nil, 400, "BAD_REQUEST"},
			{"no application with pid", http.MethodGet, "/computeruse/a11y/tree?scope=pid&pid=1", nil, 404, "NOT_FOUND"},
			{"bad nameMatch", http.MethodPost, "/computeruse/a11y/find", map[string]string{"name": "x", "nameMatch": "glob"}, 400, "BAD_REQUEST"},
			{"bad regex", http.MethodPost, "/computeruse/a11y/find", map[string]string{"name": "(", "nameMatch": "regex"}, 400, "BAD_REQUEST"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, code := a11yErrorCode(t, e, tt.method, tt.path, tt.body)
				assert.Equal(t, tt.status, status)
				assert.Equal(t, tt.code, code)
			})
		}
	})

	t.Run("stop", func(t *testing.T) {
		stop, err := e.c.StopComputerUseWithResponse(ctx)
		require.NoError(t, err)
		require.NotNil(t, stop.JSON200)
		status, code := a11yErrorCode(t, e, http.MethodPost, "/computeruse/a11y/find", map[string]string{})
		assert.Equal(t, http.StatusServiceUnavailable, status)
		assert.Equal(t, "A11Y_UNAVAILABLE", code)
	})
}

// TestComputerUseAccessibilityNotInstalled: with the X tools but without
// dbus-daemon, computer use starts and accessibility answers 503
// A11Y_UNAVAILABLE, naming what is missing.
func TestComputerUseAccessibilityNotInstalled(t *testing.T) {
	needDesktop(t)
	bin := t.TempDir()
	for _, p := range []string{"Xvfb", "xdotool", "import"} {
		path, err := exec.LookPath(p)
		require.NoError(t, err)
		require.NoError(t, os.Symlink(path, filepath.Join(bin, p)))
	}
	e := newEnv(t, func(c *toolbox.Config) { c.Env = []string{"PATH=" + bin} })
	start, err := e.c.StartComputerUseWithResponse(t.Context())
	require.NoError(t, err)
	require.NotNil(t, start.JSON200, "%d %s", start.StatusCode(), start.Body)

	status, raw := send(t, http.MethodPost, e.url+"/computeruse/a11y/find", map[string]string{"role": "push button"})
	assert.Equal(t, http.StatusServiceUnavailable, status)
	var env struct{ Code, Message string }
	require.NoError(t, json.Unmarshal(raw, &env), "%s", raw)
	assert.Equal(t, "A11Y_UNAVAILABLE", env.Code)
	assert.Contains(t, env.Message, "dbus-daemon")
}
