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
		`^creating a sandbox\.\.\.$`,
		`^sandbox \S+ is started \(cpu 1, memory 1 GB, disk 3 GB\)$`,
		`^exec: exit code 0, output "hello from Linux\\n"$`,
		`^uploaded quickstart/greeting.txt$`,
		`^downloaded quickstart/greeting.txt: "Hello, Daytona!\\n"$`,
		`^deleting it\.\.\.$`,
		`^sandbox \S+ is destroyed$`,
	)
}
