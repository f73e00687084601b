package toolbox

import (
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

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// groupMembers returns the processes of the process group pgid that have
// not exited (zombies waiting for their parent excluded), from /proc.
func groupMembers(t *testing.T, pgid int) []string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...: comm may hold spaces.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, err := strconv.Atoi(f[2]); err == nil && g == pgid {
			out = append(out, s[:i+1])
		}
	}
	return out
}

// TestA11yBusStops checks that stop, restart and Close leave none of the
// bus processes (session bus, launcher, accessibility bus, registry)
// running.
func TestA11yBusStops(t *testing.T) {
	for _, p := range []string{"Xvfb", "xdotool", "import", "dbus-daemon"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed", p)
		}
	}
	tb, err := New(Config{Root: t.TempDir()})
	require.NoError(t, err)
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = tb.Close()
		}
	})
	h := tb.srv.computerUseHandlers
	ctx := t.Context()
	start := func() *a11yBus {
		t.Helper()
		_, err := h.StartComputerUse(ctx, tbserver.StartComputerUseRequestObject{})
		require.NoError(t, err)
		h.u.mu.Lock()
		defer h.u.mu.Unlock()
		if h.u.bus == nil {
			t.Skipf("no accessibility bus: %s", h.u.a11yErr)
		}
		b := h.u.bus
		assert.NotEmpty(t, groupMembers(t, b.launcher.pid))
		assert.NotEmpty(t, groupMembers(t, b.session.pid))
		return b
	}
	gone := func(b *a11yBus, after string) {
		t.Helper()
		assert.Empty(t, groupMembers(t, b.launcher.pid), "launcher group after %s", after)
		assert.Empty(t, groupMembers(t, b.session.pid), "session bus group after %s", after)
		_, err := os.Stat(b.runtime)
		assert.True(t, os.IsNotExist(err), "runtime dir after %s", after)
	}

	b := start()
	_, err = h.StopComputerUse(ctx, tbserver.StopComputerUseRequestObject{})
	require.NoError(t, err)
	gone(b, "stop")

	b = start()
	_, err = h.RestartProcess(ctx, tbserver.RestartProcessRequestObject{ProcessName: xvfbProcess})
	require.NoError(t, err)
	gone(b, "restart")
	h.u.mu.Lock()
	restarted := h.u.bus
	h.u.mu.Unlock()
	require.NotNil(t, restarted, "the bus restarts with the display")
	assert.NotEqual(t, b.launcher.pid, restarted.launcher.pid)

	closed = true
	require.NoError(t, tb.Close())
	// Close kills the groups; their members may take a moment to die.
	for range 100 {
		if len(groupMembers(t, restarted.launcher.pid))+len(groupMembers(t, restarted.session.pid)) == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	gone(restarted, "Close")
}

func TestParseNodeID(t *testing.T) {
	tests := []struct {
		id, bus, path string
		ok            bool
	}{
		{":1.42:/org/a11y/atspi/accessible/5", ":1.42", "/org/a11y/atspi/accessible/5", true},
		{"org.a11y.atspi.Registry:/org/a11y/atspi/accessible/root", "org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root", true},
		{":1.1:/", ":1.1", "/", true},
		{"", "", "", false},
		{"no-path", "", "", false},
		{":/a", "", "", false},          // empty bus name
		{"bus/a", "", "", false},        // no ':' before the path
		{":1.1:/a//b", "", "", false},   // empty element
		{":1.1:/a/", "", "", false},     // trailing slash
		{":1.1:/a-b", "", "", false},    // bad character
		{":1.1:/a/b:/c", "", "", false}, // ':' in the path
		{"x:/résumé", "", "", false},    // non-ASCII
		{"a:b:/ok/path_1", "a:b", "/ok/path_1", true},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			bus, path, err := parseNodeID(tt.id)
			if !tt.ok {
				var de *daemonError
				require.ErrorAs(t, err, &de)
				assert.Equal(t, http.StatusBadRequest, de.status)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.bus, bus)
			assert.Equal(t, tt.path, path)
		})
	}
}

func FuzzParseNodeID(f *testing.F) {
	for _, s := range []string{":1.42:/org/a11y/atspi/accessible/5", "", "/", ":/", "a:/", "a:/b//c", "x:y:/z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		bus, path, err := parseNodeID(id)
		if err != nil {
			return
		}
		if bus == "" || strings.Contains(bus, "/") || !validObjectPath(path) || bus+":"+path != id {
			t.Fatalf("parseNodeID(%q) = %q, %q", id, bus, path)
		}
	})
}

func TestA11yMatcher(t *testing.T) {
	node := &a11yNode{Role: "push button", Name: "Write file", States: []string{"enabled", "focusable"}}
	tests := []struct {
		name string
		req  tbserver.FindAccessibilityNodesRequest
		want bool
	}{
		{"empty matches all", tbserver.FindAccessibilityNodesRequest{}, true},
		{"role ignores case", tbserver.FindAccessibilityNodesRequest{Role: ptrTo("PUSH BUTTON")}, true},
		{"other role", tbserver.FindAccessibilityNodesRequest{Role: ptrTo("label")}, false},
		{"substring default", tbserver.FindAccessibilityNodesRequest{Name: ptrTo("te fi")}, true},
		{"substring keeps case", tbserver.FindAccessibilityNodesRequest{Name: ptrTo("write")}, false},
		{"exact", tbserver.FindAccessibilityNodesRequest{Name: ptrTo("Write file"), NameMatch: ptrTo("exact")}, true},
		{"exact partial", tbserver.FindAccessibilityNodesRequest{Name: ptrTo("Write"), NameMatch: ptrTo("exact")}, false},
		{"regex", tbserver.FindAccessibilityNodesRequest{Name: ptrTo(`^W\w+ f`), NameMatch: ptrTo("regex")}, true},
		{"regex miss", tbserver.FindAccessibilityNodesRequest{Name: ptrTo(`^f`), NameMatch: ptrTo("regex")}, false},
		{"all states", tbserver.FindAccessibilityNodesRequest{States: &[]string{"focusable", "enabled"}}, true},
		{"missing state", tbserver.FindAccessibilityNodesRequest{States: &[]string{"focused"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := newA11yMatcher(&tt.req)
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.match(node))
		})
	}
	for _, bad := range []tbserver.FindAccessibilityNodesRequest{
		{NameMatch: ptrTo("glob")},
		{Name: ptrTo("("), NameMatch: ptrTo("regex")},
	} {
		_, err := newA11yMatcher(&bad)
		var de *daemonError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, http.StatusBadRequest, de.status)
	}
}

func TestParseScope(t *testing.T) {
	tests := []struct {
		scope     *string
		pid       *int
		want      string
		wantPID   int
		badStatus bool
	}{
		{nil, nil, "focused", 0, false},
		{ptrTo(""), nil, "focused", 0, false},
		{ptrTo(" ALL "), nil, "all", 0, false},
		{ptrTo("pid"), ptrTo(42), "pid", 42, false},
		{ptrTo("pid"), nil, "", 0, true},
		{ptrTo("pid"), ptrTo(-1), "", 0, true},
		{ptrTo("window"), nil, "", 0, true},
	}
	for _, tt := range tests {
		scope, pid, err := parseScope(tt.scope, tt.pid)
		if tt.badStatus {
			var de *daemonError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, http.StatusBadRequest, de.status)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, scope)
		assert.Equal(t, tt.wantPID, pid)
	}
}
