package main

import (
	"net/http"
	"os/exec"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/daytona-go/daytona/daytonatest"
	"github.com/daytona-go/daytona/examples/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	// The emulator's language servers are this machine's.
	for prog, pkg := range map[string]string{"pylsp": "the Debian package python3-pylsp", "typescript-language-server": "the npm packages typescript-language-server and typescript"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Skipf("skipped: %s is not on PATH (install %s)", prog, pkg)
		}
	}
	out := extest.Run(t, run)
	extest.Lines(t, out,
		`^python: language server started for lsp-python$`,
		`^python: \d+ completions at line 13, first: .*\bpath\b`,
		`^typescript: language server started for lsp-typescript$`,
		`^typescript: search "Greet" found`,
		`^typescript: 1 completions at line 12, first: greet$`,
	)
	// Servers list symbols in their own order.
	for _, line := range []string{
		"python: symbol class Greeter at line 4",
		"python: symbol method greet at line 5",
		"python: symbol function helper at line 9",
		"typescript: symbol class Greeter at line 1",
		"typescript: symbol method greet at line 2",
		"typescript: symbol function helper at line 7",
		"typescript: symbol constant g at line 11",
		`typescript: search "Greet" found class Greeter in index.ts`,
	} {
		assert.Regexp(t, "(?m)^"+regexp.QuoteMeta(line)+"$", out)
	}
}

// TestRunWithoutServers: a toolbox without the language servers answers a
// bare 500 to a start; the example skips that language.
func TestRunWithoutServers(t *testing.T) {
	env := extest.NewEnv(t)
	env.Emulator.InjectFault(daytonatest.Fault{Method: "POST", Path: "/toolbox/*/lsp/start", Count: daytonatest.Always, Status: http.StatusInternalServerError, EmptyBody: true})
	out := extest.RunIn(t, env, run)
	extest.Lines(t, out,
		`^python: skipped, the language server did not start \(is it installed in the sandbox\?\)`,
		`^typescript: skipped, the language server did not start`,
	)
	assert.NotContains(t, out, "completions")
}
