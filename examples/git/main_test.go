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
		`^created a bare repository: remote.git$`,
		`^pushed main: [0-9a-f]{7} Initial commit$`,
		`^cloned into clone/$`,
		`^status on feature/greeting: hello.txt Untracked$`,
		`^pushed feature/greeting: [0-9a-f]{7} Add a greeting$`,
		`^status: branch feature/greeting, upstream origin/feature/greeting, ahead 0, 0 changed files$`,
		`^branches: (feature/greeting, main|main, feature/greeting) \(current feature/greeting\)$`,
		`^history: [0-9a-f]{7} Ada Example <ada@example.com> Add a greeting$`,
		`^history: [0-9a-f]{7} Ada Example <ada@example.com> Initial commit$`,
		`^remote branches: feature/greeting, main$`,
		`^seed after pull: 2 commits, newest Add a greeting$`,
	)
}
