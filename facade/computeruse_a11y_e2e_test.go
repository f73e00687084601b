package daytona_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	daytona "github.com/daytona-go/daytona/facade"
)

// a11yWindow is a GTK 3 window with a label, an entry and a button that
// writes the entry's text to the file named by its argument (through a
// rename, so the file is whole when it appears). It writes its process id
// to app.pid.
const a11yWindow = `import os, sys, gi
gi.require_version("Gtk", "3.0")
from gi.repository import Gtk

out = sys.argv[1]
with open("app.pid", "w") as f:
    f.write(str(os.getpid()))
win = Gtk.Window(title="SDK Probe")
box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
label = Gtk.Label(label="Status: idle")
entry = Gtk.Entry()
entry.get_accessible().set_name("Message")
button = Gtk.Button(label="Save message")

def clicked(_button):
    with open(out + ".tmp", "w") as f:
        f.write(entry.get_text())
    os.rename(out + ".tmp", out)

button.connect("clicked", clicked)
for w in (label, entry, button):
    box.pack_start(w, False, False, 0)
win.add(box)
win.connect("destroy", Gtk.main_quit)
win.show_all()
Gtk.main()
`

// needA11yDesktop skips the test without the accessibility bus programs
// and a Python that runs GTK 3, and returns that Python.
func needA11yDesktop(t *testing.T) string {
	t.Helper()
	needDesktopHost(t)
	needHostProgram(t, "dbus-daemon", "the Debian package dbus-daemon")
	launcher := false
	for _, p := range []string{"/usr/libexec/at-spi-bus-launcher", "/usr/lib/at-spi2-core/at-spi-bus-launcher"} {
		if _, err := os.Stat(p); err == nil {
			launcher = true
		}
	}
	if !launcher {
		t.Skip("at-spi-bus-launcher is not installed on this host (install the Debian package at-spi2-core)")
	}
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		check := `import gi; gi.require_version("Gtk", "3.0"); from gi.repository import Gtk, Gio`
		if exec.Command(py, "-c", check).Run() == nil {
			return py
		}
	}
	t.Skip("no Python on this host runs GTK 3 (install the Debian packages python3-gi and gir1.2-gtk-3.0)")
	return ""
}

// a11yReadFile returns the content of a sandbox file, or false when it
// does not exist (yet).
func a11yReadFile(ctx context.Context, t *testing.T, sb *daytona.Sandbox, path string) (string, bool) {
	t.Helper()
	rc, err := sb.FS.Download(ctx, path)
	if err != nil {
		require.ErrorIs(t, err, daytona.ErrNotFound)
		return "", false
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return string(b), true
}

// a11yWait polls f every 100 ms until it is true, and fails after 30 s
// (a deadline for a hung test, not a timing assertion).
func a11yWait(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !f() {
		require.True(t, time.Now().Before(deadline), "%s: gave up waiting", what)
		time.Sleep(100 * time.Millisecond)
	}
}

// a11yNodes returns n and its descendants, pre-order.
func a11yNodes(n *daytona.AccessibilityNode) []*daytona.AccessibilityNode {
	out := []*daytona.AccessibilityNode{n}
	for i := range n.Children {
		out = append(out, a11yNodes(&n.Children[i])...)
	}
	return out
}

func a11yNodeWithRole(n *daytona.AccessibilityNode, role string) *daytona.AccessibilityNode {
	for _, c := range a11yNodes(n) {
		if c.Role == role {
			return c
		}
	}
	return nil
}

// TestE2EAccessibility starts a GTK window in the sandbox through the
// process API and reads and drives it through sb.ComputerUse.Accessibility,
// over the AT-SPI bus the emulator runs with computer use.
func TestE2EAccessibility(t *testing.T) {
	t.Parallel()
	python := needA11yDesktop(t)
	_, sb, ctx := emulatorSandbox(t, nil)
	a11y := sb.ComputerUse.Accessibility

	_, err := a11y.Tree(ctx, daytona.AccessibilityTreeOptions{})
	require.ErrorIs(t, err, daytona.ErrA11yUnavailable, "no bus before Start")

	_, err = sb.ComputerUse.Start(ctx)
	require.NoError(t, err)
	require.NoError(t, sb.FS.Upload(ctx, "app.py", strings.NewReader(a11yWindow)))
	require.NoError(t, sb.Process.CreateSession(ctx, "gtk"))
	_, err = sb.Process.ExecuteSessionCommand(ctx, "gtk", "exec "+python+" app.py saved.txt", daytona.SessionExecOptions{Async: true})
	require.NoError(t, err)

	pid := 0
	a11yWait(t, "the application's pid file", func() bool {
		s, ok := a11yReadFile(ctx, t, sb, "app.pid")
		pid, _ = strconv.Atoi(s)
		return ok && pid > 0
	})
	pidTree := daytona.AccessibilityTreeOptions{Scope: daytona.ScopePID, PID: pid}
	var tree *daytona.AccessibilityTree
	a11yWait(t, "the window on the accessibility bus", func() bool {
		tree, err = a11y.Tree(ctx, pidTree)
		if err != nil {
			require.ErrorIs(t, err, daytona.ErrNotFound, "the application has not registered yet")
			return false
		}
		return a11yNodeWithRole(&tree.Root, "push button") != nil
	})

	var button, entry, label *daytona.AccessibilityNode
	t.Run("tree", func(t *testing.T) {
		assert.Equal(t, "application", tree.Root.Role)
		assert.False(t, tree.Truncated)
		frame := a11yNodeWithRole(&tree.Root, "frame")
		require.NotNil(t, frame)
		assert.Equal(t, "SDK Probe", frame.Name)
		id := regexp.MustCompile(`^[^/]+:/org/a11y/atspi/accessible/\d+$`)
		for _, want := range []struct {
			role, name string
			node       **daytona.AccessibilityNode
		}{
			{"push button", "Save message", &button}, {"text", "Message", &entry}, {"label", "Status: idle", &label},
		} {
			n := a11yNodeWithRole(&tree.Root, want.role)
			require.NotNil(t, n, want.role)
			*want.node = n
			assert.Equal(t, want.name, n.Name)
			assert.Regexp(t, id, n.ID)
			b := n.Bounds
			assert.Positive(t, b.Width, want.role)
			assert.Positive(t, b.Height, want.role)
			assert.True(t, b.X >= 0 && b.Y >= 0 && b.X+b.Width <= 1024 && b.Y+b.Height <= 768, "%s is on the 1024x768 screen: %+v", want.role, b)
			assert.Contains(t, n.States, "visible")
		}
		assert.Equal(t, []string{"click"}, button.Actions)
		assert.Contains(t, entry.States, "editable")

		root, err := a11y.Tree(ctx, daytona.AccessibilityTreeOptions{Scope: daytona.ScopePID, PID: pid, RootOnly: true})
		require.NoError(t, err)
		assert.Empty(t, root.Root.Children)
		two, err := a11y.Tree(ctx, daytona.AccessibilityTreeOptions{Scope: daytona.ScopePID, PID: pid, MaxDepth: 1})
		require.NoError(t, err)
		assert.Len(t, a11yNodes(&two.Root), 2, "the application and its window")
	})
	require.NotNil(t, button)

	t.Run("find", func(t *testing.T) {
		tests := []struct {
			name      string
			q         daytona.AccessibilityQuery
			want      []string
			truncated bool
		}{
			{"role and exact name", daytona.AccessibilityQuery{Role: "push button", Name: "Save message", NameMatch: daytona.NameExact}, []string{"Save message"}, false},
			{"exact is whole", daytona.AccessibilityQuery{Name: "Save", NameMatch: daytona.NameExact}, []string{}, false},
			{"substring", daytona.AccessibilityQuery{Name: "essage", NameMatch: daytona.NameSubstring}, []string{"Message", "Save message"}, false},
			{"substring is the default", daytona.AccessibilityQuery{Role: "label", Name: "idle"}, []string{"Status: idle"}, false},
			{"regex", daytona.AccessibilityQuery{Name: `^(Status|Save)\b`, NameMatch: daytona.NameRegex}, []string{"Status: idle", "Save message"}, false},
			{"states", daytona.AccessibilityQuery{States: []string{"focusable", "editable"}}, []string{"Message"}, false},
			{"limit", daytona.AccessibilityQuery{Name: "essage", Limit: 1}, []string{"Message"}, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.q.Scope, tt.q.PID = daytona.ScopePID, pid
				got, err := a11y.Find(ctx, tt.q)
				require.NoError(t, err)
				names := []string{}
				for _, n := range got.Nodes {
					names = append(names, n.Name)
					assert.Empty(t, n.Children)
				}
				assert.Equal(t, tt.want, names)
				assert.Equal(t, tt.truncated, got.Truncated)
			})
		}
	})

	t.Run("focus", func(t *testing.T) {
		require.NoError(t, a11y.Focus(ctx, entry.ID))
		// The entry is focused once the application has handled the X
		// server's FocusIn event.
		var got *daytona.AccessibilityMatches
		a11yWait(t, "the focused state", func() bool {
			got, err = a11y.Find(ctx, daytona.AccessibilityQuery{Scope: daytona.ScopePID, PID: pid, States: []string{"focused"}})
			require.NoError(t, err)
			return len(got.Nodes) > 0
		})
		require.Len(t, got.Nodes, 1)
		assert.Equal(t, entry.ID, got.Nodes[0].ID)
		assert.Equal(t, "Message", got.Nodes[0].Name)
	})

	t.Run("set value and invoke", func(t *testing.T) {
		require.NoError(t, a11y.SetValue(ctx, entry.ID, "hello from Go"))
		require.NoError(t, a11y.Invoke(ctx, button.ID, daytona.InvokeOptions{}))
		var saved string
		a11yWait(t, "the button's file", func() bool {
			s, ok := a11yReadFile(ctx, t, sb, "saved.txt")
			saved = s
			return ok
		})
		assert.Equal(t, "hello from Go", saved, "the click saved the text SetValue wrote")
	})

	t.Run("errors", func(t *testing.T) {
		app, _, _ := strings.Cut(button.ID, ":/")
		tests := []struct {
			name string
			call func() error
			kind error
		}{
			{"unknown node", func() error { return a11y.Focus(ctx, app+":/org/a11y/atspi/accessible/99999") }, daytona.ErrNotFound},
			{"unknown application", func() error {
				return a11y.Invoke(ctx, ":1.9999:/org/a11y/atspi/accessible/1", daytona.InvokeOptions{})
			}, daytona.ErrNotFound},
			{"unknown action", func() error { return a11y.Invoke(ctx, button.ID, daytona.InvokeOptions{Action: "explode"}) }, daytona.ErrValidation},
			{"label refuses focus", func() error { return a11y.Focus(ctx, label.ID) }, daytona.ErrValidation},
			{"button has no text", func() error { return a11y.SetValue(ctx, button.ID, "x") }, daytona.ErrValidation},
			{"no application with pid", func() error {
				_, err := a11y.Tree(ctx, daytona.AccessibilityTreeOptions{Scope: daytona.ScopePID, PID: 1})
				return err
			}, daytona.ErrNotFound},
			{"bad regex", func() error {
				_, err := a11y.Find(ctx, daytona.AccessibilityQuery{Name: "(", NameMatch: daytona.NameRegex})
				return err
			}, daytona.ErrValidation},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.call()
				require.ErrorIs(t, err, tt.kind)
				var de *daytona.Error
				require.ErrorAs(t, err, &de)
				assert.Equal(t, daytona.SourceDaemon, de.Source, "the toolbox answered")
			})
		}
	})

	t.Run("malformed id", func(t *testing.T) {
		err := a11y.SetValue(ctx, "not-a-node", "x")
		require.ErrorIs(t, err, daytona.ErrValidation)
		var de *daytona.Error
		require.ErrorAs(t, err, &de)
		assert.Equal(t, daytona.SourceSDK, de.Source, "refused before any request")
	})

	t.Run("after stop", func(t *testing.T) {
		_, err := sb.ComputerUse.Stop(ctx)
		require.NoError(t, err)
		_, err = a11y.Find(ctx, daytona.AccessibilityQuery{})
		assert.ErrorIs(t, err, daytona.ErrA11yUnavailable)
	})
}
