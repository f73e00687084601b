package daytona

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/charts"
)

// Daemon error codes of the process API, for errors.Is. Each also matches
// its status sentinel (noted in brackets).
var (
	// ErrProcessExecutionTimeout: a command or code run hit its Timeout
	// [ErrTimeout]. Toolboxes before API v0.205.1 send REQUEST_TIMEOUT
	// instead: ErrTimeout matches both.
	ErrProcessExecutionTimeout = &Error{Code: "PROCESS_EXECUTION_TIMEOUT", Source: SourceDaemon}
	// ErrProcessNotFound: no such process [ErrNotFound].
	ErrProcessNotFound = &Error{Code: "PROCESS_NOT_FOUND", Source: SourceDaemon}
	// ErrSessionEnded: the session has ended [ErrGone].
	ErrSessionEnded = &Error{Code: "SESSION_ENDED", Source: SourceDaemon}
	// ErrCommandAlreadyCompleted: the command has already finished, so it
	// takes no more input [ErrGone].
	ErrCommandAlreadyCompleted = &Error{Code: "COMMAND_ALREADY_COMPLETED", Source: SourceDaemon}
)

// Process runs commands, code and sessions in the sandbox; use it as
// sb.Process.
type Process struct{ sb *Sandbox }

// ExecOptions tunes Process.Exec.
type ExecOptions struct {
	// Cwd is the working directory (default: the toolbox's work
	// directory). A directory that does not exist is not an error of the
	// call: the result has ExitCode -1 and the reason in Result.
	Cwd string
	// Env adds environment variables for the command.
	Env map[string]string
	// Timeout, if > 0, is the time limit enforced in the sandbox: when it
	// passes, the command's process group is killed, its output is lost
	// and the call fails with an error matching ErrTimeout. It is sent in
	// whole seconds, rounded up. The HTTP call itself is bounded by ctx
	// only.
	Timeout time.Duration
}

// ExecResult is the outcome of a command or a code run.
type ExecResult struct {
	// ExitCode is the command's exit code (-1 if it could not start, or
	// if the toolbox sent none).
	ExitCode int
	// Result is the command's output, stdout and stderr merged in arrival
	// order, without chart artifact lines.
	Result string
	// Artifacts are the output and the charts the run produced.
	Artifacts ExecArtifacts
}

// ExecArtifacts are what a command or code run produced besides its exit
// code.
type ExecArtifacts struct {
	// Stdout is the output (the same as ExecResult.Result).
	Stdout string
	// Charts are the matplotlib charts a Python run showed, typed (see
	// package charts); nil if none.
	Charts []charts.Chart
}

// execResult builds a result from the output, taking out chart artifact
// marker lines the toolbox left in it (older toolboxes did not remove
// them), after the charts the toolbox already parsed.
func execResult(exitCode *int, output string, parsed []charts.Chart) *ExecResult {
	res := &ExecResult{ExitCode: -1, Result: output}
	if exitCode != nil {
		res.ExitCode = *exitCode
	}
	res.Artifacts.Charts = parsed
	if strings.Contains(output, charts.MarkerPrefix) {
		// As the toolbox does, marker lines that do not parse are dropped.
		more, cleaned, _ := charts.ParseMarkerLines(output)
		res.Result = cleaned
		res.Artifacts.Charts = append(res.Artifacts.Charts, more...)
	}
	res.Artifacts.Stdout = res.Result
	return res
}

// Exec runs command through the sandbox's shell (it may be a multi-line
// script) and returns its exit code and merged output. A non-zero exit code
// is not an error.
func (p *Process) Exec(ctx context.Context, command string, opts ExecOptions) (*ExecResult, error) {
	const op = "Process.Exec"
	if strings.TrimSpace(command) == "" {
		return nil, invalidf("%s: command is empty", op)
	}
	timeout, err := timeoutSeconds(op, opts.Timeout)
	if err != nil {
		return nil, err
	}
	env, err := checkEnv(op, opts.Env)
	if err != nil {
		return nil, err
	}
	body := toolbox.ExecuteRequest{Command: command, Envs: env, Timeout: timeout}
	if opts.Cwd != "" {
		if err := checkPath(op, "Cwd", opts.Cwd); err != nil {
			return nil, err
		}
		body.Cwd = &opts.Cwd
	}
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.ExecuteCommandWithResponse(ctx, body)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("POST /process/execute", resp.Status())
	}
	return execResult(resp.JSON200.ExitCode, resp.JSON200.Result, nil), nil
}

// CodeRunOptions tunes Process.CodeRun.
type CodeRunOptions struct {
	// Language is the interpreter: LanguagePython, LanguageJavaScript or
	// LanguageTypeScript. The default is the sandbox's language (its
	// code-toolbox-language label), else Python.
	Language Language
	// Argv are the program's arguments. The toolbox joins them with spaces
	// without quoting, so an argument containing a space arrives as
	// several.
	Argv []string
	// Env adds environment variables for the run.
	Env map[string]string
	// Timeout is as for ExecOptions.Timeout.
	Timeout time.Duration
}

// codeRunResponse is the code-run answer, with the artifacts kept as raw
// JSON for package charts (the generated type narrows numbers to float32
// and drops fields).
type codeRunResponse struct {
	ExitCode  *int            `json:"exitCode"`
	Result    string          `json:"result"`
	Artifacts json.RawMessage `json:"artifacts"`
}

// CodeRun runs code with the sandbox's Python, Node.js or ts-node in a
// fresh process and returns its exit code, merged output and, for Python
// code that shows matplotlib figures, the charts. A non-zero exit code (an
// uncaught exception) is not an error.
func (p *Process) CodeRun(ctx context.Context, code string, opts CodeRunOptions) (*ExecResult, error) {
	const op = "Process.CodeRun"
	if strings.TrimSpace(code) == "" {
		return nil, invalidf("%s: code is empty", op)
	}
	lang := opts.Language
	if lang == "" {
		lang = Language(p.sb.Labels()[languageLabel])
	}
	switch lang {
	case "":
		lang = LanguagePython
	case LanguagePython, LanguageJavaScript, LanguageTypeScript:
	default:
		return nil, invalidf("%s: unknown language %q (want python, javascript or typescript)", op, lang)
	}
	timeout, err := timeoutSeconds(op, opts.Timeout)
	if err != nil {
		return nil, err
	}
	env, err := checkEnv(op, opts.Env)
	if err != nil {
		return nil, err
	}
	body := toolbox.CodeRunRequest{Code: code, Language: string(lang), Envs: env, Timeout: timeout}
	if len(opts.Argv) > 0 {
		body.Argv = &opts.Argv
	}
	tb, err := p.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	// The plain call: the generated response type would reject chart
	// fields its types do not fit (a bar's numeric value).
	resp, err := tb.CodeRun(ctx, body)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	defer resp.Body.Close()
	var out codeRunResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		if ctx.Err() != nil {
			return nil, wrapErr(ctx, err)
		}
		return nil, newSDKError(ErrServer, err, "unexpected answer to POST /process/code-run: %s", resp.Status)
	}
	// As the toolbox does, charts that do not parse are dropped.
	parsed, _ := charts.ParseArtifacts(out.Artifacts)
	return execResult(out.ExitCode, out.Result, parsed), nil
}
