package main

import (
	"image"
	_ "image/jpeg" // decodes the screenshots
	_ "image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/daytona-go/daytona/daytonatest"
	"github.com/daytona-go/daytona/examples/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	// The emulator's desktop is this machine's X server and tools.
	for prog, pkg := range map[string]string{"Xvfb": "xvfb", "xdotool": "xdotool", "import": "imagemagick", "xev": "x11-utils"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Skipf("skipped: %s is not on PATH (Debian: apt install %s)", prog, pkg)
		}
	}
	outDir = t.TempDir()
	out := extest.Run(t, run)
	extest.Lines(t, out,
		`^desktop started: xvfb$`,
		`^screen: \d+x\d+$`,
		`^window "Event Tester": 400x300 at \(40,40\)$`,
		`^clicked at \(240,190\)$`,
		`^typed "hello"$`,
		`^pressed enter and ctrl\+a$`,
		`^xev saw: 1 button press\(es\), keys h e l l o Return Control_L a$`,
		`^screenshot: \d+x\d+ png saved to .*screen.png$`,
		`^screenshot: 200x150 jpeg saved to .*window.jpg$`,
		`^desktop stopped: status inactive$`,
	)
	for name, format := range map[string]string{"screen.png": "png", "window.jpg": "jpeg"} {
		f, err := os.Open(filepath.Join(outDir, name))
		require.NoError(t, err)
		cfg, got, err := image.DecodeConfig(f)
		f.Close()
		require.NoError(t, err, name)
		assert.Equal(t, format, got, name)
		assert.Positive(t, cfg.Width, name)
	}
}

// TestRunWithoutDesktop: a sandbox whose image lacks the desktop answers
// 503, as Daytona's toolbox does; the example says so and succeeds.
func TestRunWithoutDesktop(t *testing.T) {
	env := extest.NewEnv(t)
	env.Emulator.InjectFault(daytonatest.Fault{
		Method: "POST", Path: "/toolbox/*/computeruse/start", Count: daytonatest.Always,
		Status: http.StatusServiceUnavailable,
		Body:   `{"message":"Computer-use functionality is not available","details":"The computer-use plugin is still loading or failed to initialize.","solution":"Retry shortly."}`,
	})
	out := extest.RunIn(t, env, run)
	extest.Lines(t, out, `^skipped: this sandbox has no desktop \(Computer-use functionality is not available`)
	assert.NotContains(t, out, "desktop started")
}
