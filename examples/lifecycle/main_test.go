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
		`^created lifecycle-\d+: started, 1 cpu, 1 GB memory, 3 GB disk, auto-stop 30 min$`,
		`^labels: stage=demo$`,
		`^intervals: auto-stop 15 min, auto-archive 60 min, auto-delete 1440 min$`,
		`^resized: 2 cpu, state started$`,
		`^stopped: stopped$`,
		`^resized: 4 GB disk, state stopped$`,
		`^started: started$`,
		`^archived: archived$`,
		`^started again: started$`,
		`^get lifecycle-\d+: same sandbox true$`,
		`^list by label stage=demo: found it 1 time\(s\)$`,
		`^deleted: destroyed$`,
		`^get after delete: not found true$`,
	)
}
