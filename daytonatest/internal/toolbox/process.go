package toolbox

import (
	"bytes"
	"context"
	_ "embed" // the matplotlib hook
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/daytona-go/daytona/charts"
	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// processHandlers serves /process/execute and /process/code-run
// (PROTOCOLS.md 4). Processes are real and unconfined: they run as the
// emulator's user and can reach the whole host.
type processHandlers struct{ c *core }

// waitDelay bounds how long a finished command's background children may
// keep its output open before the toolbox stops reading it.
const waitDelay = 2 * time.Second

// errExecTimeout is the 408 of exec and code-run (1.5).
func errExecTimeout() *daemonError {
	return newError(http.StatusRequestTimeout, codeRequestTimeout, "request timeout: command execution timeout")
}

// runResult is a finished command.
type runResult struct {
	exitCode int
	output   string // stdout and stderr merged in arrival order
}

// runScript runs script through the shell's stdin in cwd with env, in its
// own process group. timeout > 0 kills the whole group when it runs out and
// fails with the 408 error; the output is then discarded. A cwd that does
// not exist is not an error: it gives exit code -1 and the start error as
// output (quirk 26).
func (c *core) runScript(script, cwd string, env []string, timeout time.Duration) (runResult, error) {
	cmd := exec.Command(c.shell)
	cmd.Dir = cwd
	cmd.Env = env
	cmd.Stdin = strings.NewReader(script)
	var out bytes.Buffer // one writer for both: exec copies them in one goroutine
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = waitDelay
	if err := c.startProcess(cmd); err != nil {
		return runResult{exitCode: -1, output: err.Error()}, nil
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var expired <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
	}
	select {
	case <-done:
		c.releaseProcess(cmd)
		return runResult{exitCode: cmd.ProcessState.ExitCode(), output: out.String()}, nil
	case <-expired:
		killGroup(cmd.Process.Pid)
		<-done
		c.releaseProcess(cmd)
		return runResult{}, errExecTimeout()
	case <-c.ctx.Done():
		killGroup(cmd.Process.Pid)
		<-done
		c.releaseProcess(cmd)
		return runResult{}, internalError("the toolbox is closed")
	}
}

// cwdOf returns the working directory for a process: the root by default,
// a relative path under it, an absolute path as is.
func (c *core) cwdOf(cwd *string) string {
	if cwd == nil || *cwd == "" {
		return c.root
	}
	if filepath.IsAbs(*cwd) {
		return filepath.Clean(*cwd)
	}
	return filepath.Join(c.root, *cwd)
}

// timeoutOf converts the wire timeout (integer seconds, 0 or absent = none).
func timeoutOf(seconds *int) time.Duration {
	if seconds == nil || *seconds <= 0 {
		return 0
	}
	return time.Duration(*seconds) * time.Second
}

// envOf returns the process environment with the request's variables, or
// a 400 for an invalid name.
func (c *core) envOf(envs *map[string]string) ([]string, error) {
	var extra map[string]string
	if envs != nil {
		extra = *envs
	}
	if err := checkEnvNames(extra); err != nil {
		return nil, err
	}
	return c.env.environ(extra), nil
}

// ExecuteCommand serves POST /process/execute (4.1).
func (h processHandlers) ExecuteCommand(_ context.Context, req tbserver.ExecuteCommandRequestObject) (tbserver.ExecuteCommandResponseObject, error) {
	b := req.Body
	if b == nil || strings.TrimSpace(b.Command) == "" {
		return nil, badRequest("command cannot be empty or whitespace-only")
	}
	env, err := h.c.envOf(b.Envs)
	if err != nil {
		return nil, err
	}
	res, err := h.c.runScript(b.Command, h.c.cwdOf(b.Cwd), env, timeoutOf(b.Timeout))
	if err != nil {
		return nil, err
	}
	code := res.exitCode
	return tbserver.ExecuteCommand200JSONResponse{ExitCode: &code, Result: res.output}, nil
}

//go:embed mplhook.py
var mplHook string

// matplotlibImport matches code that looks like it imports matplotlib (4.3).
var matplotlibImport = regexp.MustCompile(`(?m)^[^#\n]*(\bimport\s+matplotlib\b|\bfrom\s+matplotlib\b|__import__\(\s*['"]matplotlib|import_module\(\s*['"]matplotlib)`)

// codeScript returns the shell script that runs code in language with argv
// joined by spaces and not quoted (quirk 28).
func codeScript(language, code string, argv []string) (string, error) {
	args := strings.Join(argv, " ")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	switch language {
	case "python":
		src := code
		if matplotlibImport.MatchString(code) {
			src = strings.Replace(mplHook, "__USER_CODE__", b64(code), 1)
		}
		return "printf '%s' '" + b64(src) + "' | base64 -d | python3 -u - " + args, nil
	case "javascript":
		// Drop the "-" from process.argv so that the arguments start at
		// process.argv[1], on the code's first line so line numbers hold.
		return "printf '%s' '" + b64("process.argv.splice(1, 1);"+code) + "' | base64 -d | node - " + args, nil
	case "typescript":
		return "f=dtn_$$.ts; printf '%s' '" + b64(code) + "' | base64 -d > \"$f\"; " +
			`npx ts-node -T --ignore-diagnostics 5107 -O '{"module":"CommonJS"}' "$f" ` + args +
			`; rc=$?; rm -f "$f"; exit $rc`, nil
	}
	return "", badRequest("unsupported language: %s", language)
}

// CodeRun serves POST /process/code-run (4.2): python, javascript or
// typescript through the shell, with chart artifacts from the matplotlib
// hook (4.3).
func (h processHandlers) CodeRun(_ context.Context, req tbserver.CodeRunRequestObject) (tbserver.CodeRunResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, badRequest("invalid request body")
	}
	var argv []string
	if b.Argv != nil {
		argv = *b.Argv
	}
	script, err := codeScript(b.Language, b.Code, argv)
	if err != nil {
		return nil, err
	}
	env, err := h.c.envOf(b.Envs)
	if err != nil {
		return nil, err
	}
	res, err := h.c.runScript(script, h.c.root, env, timeoutOf(b.Timeout))
	if err != nil {
		return nil, err
	}
	result, charts := extractCharts(res.output)
	code := res.exitCode
	out := tbserver.CodeRun200JSONResponse{ExitCode: &code, Result: &result}
	if len(charts) > 0 {
		out.Artifacts = &tbserver.CodeRunArtifacts{Charts: &charts}
	}
	return out, nil
}

// extractCharts post-processes code-run output as the daemon does (4.3):
// every line that starts with the marker is removed whether it decodes or
// not; each payload {"type":"chart","value":…} is decoded into the daemon's
// typed Chart, and a chart that does not decode is dropped silently. That
// typed decode is what drops bar charts (numeric "value" where the type has
// a string), datetime axes (string ticks) and the elements of composite
// sub-charts (quirk 29), so it is done here on the generated type rather
// than with the lenient charts parser.
func extractCharts(output string) (string, []tbserver.Chart) {
	if !strings.Contains(output, charts.MarkerPrefix) {
		return output, nil
	}
	lines := strings.Split(output, "\n")
	kept := lines[:0]
	var out []tbserver.Chart
	for _, line := range lines {
		payload, ok := strings.CutPrefix(line, charts.MarkerPrefix)
		if !ok {
			kept = append(kept, line)
			continue
		}
		var art struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		}
		if json.Unmarshal([]byte(strings.TrimSpace(payload)), &art) != nil || art.Type != "chart" {
			continue
		}
		var c tbserver.Chart
		if err := json.Unmarshal(art.Value, &c); err != nil {
			continue
		}
		out = append(out, c)
	}
	return strings.Join(kept, "\n"), out
}
