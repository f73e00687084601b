package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/daytona-go/daytona/examples/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	// The emulator runs code with this machine's python3 and node.
	if err := exec.Command("python3", "-c", "import matplotlib").Run(); err != nil {
		t.Skip("skipped: python3 with matplotlib is not on PATH (Debian: apt install python3-matplotlib)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("skipped: node is not on PATH")
	}
	outDir = t.TempDir()
	out := extest.Run(t, run)
	extest.Lines(t, out,
		`^exec: exit 0, output "hello from project\\n"$`,
		`^exec of a failing command: exit [12]$`,
		`^exec with a 1s limit: timed out true$`,
		`^code run: exit 0, output "drew 3 figures", 3 charts$`,
		`^line chart "Waves": series sin, 63 points$`,
		`^line chart "Waves": series cos, 63 points$`,
		`^saved .*chart-1-line.png \(\d+ bytes\)$`,
		`^scatter chart "Samples": series samples, 5 points$`,
		`^saved .*chart-2-scatter.png \(\d+ bytes\)$`,
		`^pie chart "Share": go 90 degrees$`,
		`^pie chart "Share": python 150 degrees$`,
		`^pie chart "Share": typescript 120 degrees$`,
		`^saved .*chart-3-pie.png \(\d+ bytes\)$`,
		`^javascript: exit 0, output "sum of 1\+2\+3 = 6"$`,
	)
	for _, name := range []string{"chart-1-line.png", "chart-2-scatter.png", "chart-3-pie.png"} {
		data, err := os.ReadFile(filepath.Join(outDir, name))
		require.NoError(t, err)
		assert.True(t, bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")), "%s is a PNG image", name)
	}
}
