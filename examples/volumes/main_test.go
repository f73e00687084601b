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
		`^volume example-volume-\d+: pending_create$`,
		`^volume example-volume-\d+: ready$`,
		`^mounted in two sandboxes: \S+ at /home/daytona/shared, \S+ at /home/daytona/reports \(subpath reports\)$`,
		`^the writer wrote reports/today.txt$`,
		`^the reader sees today.txt: "written by the first sandbox"$`,
		`^listed example-volume-\d+: ready$`,
		`^delete while mounted: conflict true$`,
		`^sandboxes and volume deleted$`,
	)
}
