package main

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/daytona-go/daytona/examples/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	out := extest.Run(t, run)
	extest.Lines(t, out,
		`^control plane: sandbox \S+, state started, 1 cpu \(same as the facade's: true\)$`,
		`^control plane: get no-such-sandbox: HTTP 404$`,
		`^toolbox: port 8123 in use: true$`,
		`^toolbox: port 8123 is listed among the open ports$`,
		`^control plane: preview of port 8123: HTTP 200, a directory listing true$`,
		`^toolbox: execute: exit 0, "raw\\n"$`,
		`^toolbox: download: HTTP 200, "streamed through the raw client\\n"$`,
	)
}
