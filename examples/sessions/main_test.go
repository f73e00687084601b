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
		`^sync command: exit 0, stdout "in app with STAGE=demo\\n"$`,
		`^async command started: \S+$`,
		`^  stdout \| step 1 of 5$`,
		`^  stdout \| step 2 of 5$`,
		`^  stdout \| step 3 of 5$`,
		`^  stdout \| step 4 of 5$`,
		`^  stdout \| step 5 of 5$`,
		`^  stdout \| done$`,
		`^async command finished: exit 0$`,
		`^stdin command: "hello, Ada\\n"$`,
		`^history: exit 0: mkdir -p app`,
		`^history: exit 0: echo "in`,
		`^history: exit 0: for i in`,
		`^history: exit 0: read -r name`,
	)
	// The warning, printed to stderr after the loop, arrives after the loop's
	// output and before the command is reported finished.
	extest.Lines(t, out, `^  stdout \| step 5 of 5$`, `^  stderr \| warning: nothing to do$`, `^async command finished`)
}
