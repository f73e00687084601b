package main

import (
	"os/exec"
	"testing"

	"go.uber.org/goleak"

	"github.com/daytona-go/daytona/examples/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("skipped: the emulator's interpreter needs python3 on PATH")
	}
	out := extest.Run(t, run)
	extest.Lines(t, out,
		`^stateful: area 12\.57$`,
		`^streaming:$`,
		`^  stdout: tick 1$`,
		`^  stdout: tick 2$`,
		`^  stdout: tick 3$`,
		`^  stderr: almost done$`,
		`^OnError: ValueError$`,
		`^exception: ValueError: invalid literal for int\(\) with base 10: 'forty-two'$`,
		`^contexts: default radius 2, other radius 10$`,
		`^contexts listed: 1 \(the default context is not listed\)$`,
		`^1s limit: timed out true$`,
		`^after the timeout: radius 10$`,
		`^deleted the other context: 0 listed$`,
	)
}
