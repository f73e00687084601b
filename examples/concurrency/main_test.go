package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/daytona-go/daytona/examples/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	out := extest.Run(t, run)
	extest.Lines(t, out,
		`^job 0 \(\S+\): 42$`,
		`^job 1 \(\S+\): 11$`,
		`^job 2 \(\S+\): 5050$`,
		`^job 3 \(\S+\): anotyad$`,
		`^job 4 \(\S+\): 1024$`,
		`^5 jobs done in 5 sandboxes$`,
	)
	ids := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "job" {
			ids[f[2]] = true
		}
	}
	assert.Len(t, ids, 5, "each job ran in its own sandbox")
}
