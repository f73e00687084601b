package daytona_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/charts"
	daytona "github.com/daytona-go/daytona/facade"
)

func TestE2EExec(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ctx, p := tt.ctx, tt.sb.Process
		res, err := p.Exec(ctx, "echo hi; echo err >&2", daytona.ExecOptions{})
		require.NoError(t, err)
		assert.Equal(t, 0, res.ExitCode)
		assert.Equal(t, "hi\nerr\n", res.Result, "stdout and stderr merged")
		assert.Equal(t, res.Result, res.Artifacts.Stdout)
		assert.Empty(t, res.Artifacts.Charts)

		res, err = p.Exec(ctx, "exit 7", daytona.ExecOptions{})
		require.NoError(t, err, "a non-zero exit is not an error")
		assert.Equal(t, 7, res.ExitCode)

		res, err = p.Exec(ctx, "pwd; echo \"$GREETING $OTHER\"", daytona.ExecOptions{
			Cwd: tt.dir, Env: map[string]string{"GREETING": "hello world", "OTHER": "ü"}})
		require.NoError(t, err)
		lines := strings.Split(strings.TrimRight(res.Result, "\n"), "\n")
		require.Len(t, lines, 2, res.Result)
		assert.True(t, strings.HasSuffix(lines[0], tt.dir), lines[0])
		assert.Equal(t, "hello world ü", lines[1])

		script := "for i in 1 2 3; do\n  echo line $i\ndone\nx='multi\nline'\necho \"$x\"\n"
		res, err = p.Exec(ctx, script, daytona.ExecOptions{})
		require.NoError(t, err)
		assert.Equal(t, "line 1\nline 2\nline 3\nmulti\nline\n", res.Result)

		res, err = p.Exec(ctx, "true", daytona.ExecOptions{Cwd: tt.path("does-not-exist")})
		require.NoError(t, err, "a missing cwd is reported in the result")
		assert.Equal(t, -1, res.ExitCode)

		// A 600 ms limit is sent as 1 s (never 0, which is no limit).
		_, err = p.Exec(ctx, "sleep 5; echo late", daytona.ExecOptions{Timeout: 600 * time.Millisecond})
		require.ErrorIs(t, err, daytona.ErrTimeout)
		var de *daytona.Error
		require.ErrorAs(t, err, &de)
		assert.Equal(t, 408, de.StatusCode)
		assert.NotErrorIs(t, err, context.DeadlineExceeded, "the server's limit, not the client's")

		res, err = p.Exec(ctx, "sleep 0.2; echo in time", daytona.ExecOptions{Timeout: 30 * time.Second})
		require.NoError(t, err)
		assert.Equal(t, "in time\n", res.Result)

		// ctx bounds the call itself.
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, err = p.Exec(short, "sleep 10", daytona.ExecOptions{})
		require.ErrorIs(t, err, daytona.ErrTimeout)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestE2ECodeRun(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ctx, p := tt.ctx, tt.sb.Process
		res, err := p.CodeRun(ctx, "import sys\nprint('py', sys.argv[1:])\nprint('e', file=sys.stderr)", daytona.CodeRunOptions{Argv: []string{"a", "b"}})
		require.NoError(t, err)
		assert.Equal(t, 0, res.ExitCode)
		assert.Equal(t, "py ['a', 'b']\ne\n", res.Result)

		res, err = p.CodeRun(ctx, "1/0", daytona.CodeRunOptions{Language: daytona.LanguagePython})
		require.NoError(t, err)
		assert.Equal(t, 1, res.ExitCode)
		assert.Contains(t, res.Result, "ZeroDivisionError")

		res, err = p.CodeRun(ctx, "console.log('js', process.argv.slice(1).join(','), process.env.K)", daytona.CodeRunOptions{
			Language: daytona.LanguageJavaScript, Argv: []string{"x", "y"}, Env: map[string]string{"K": "v"}})
		require.NoError(t, err)
		assert.Equal(t, 0, res.ExitCode, res.Result)
		assert.Equal(t, "js x,y v\n", res.Result)

		_, err = p.CodeRun(ctx, "import time\ntime.sleep(5)", daytona.CodeRunOptions{Timeout: time.Second})
		require.ErrorIs(t, err, daytona.ErrTimeout)
	})
}

func TestE2ECodeRunTypeScript(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		if !hasCommand(t, tt, "ts-node") {
			t.Skip("ts-node is not installed in the sandbox")
		}
		res, err := tt.sb.Process.CodeRun(tt.ctx, "const n: number = 2 * 21; console.log(`ts ${n}`)", daytona.CodeRunOptions{Language: daytona.LanguageTypeScript})
		require.NoError(t, err)
		assert.Equal(t, 0, res.ExitCode, res.Result)
		// npx may add its own notices after the program's output.
		assert.True(t, strings.HasPrefix(res.Result, "ts 42\n"), res.Result)
	})
}

// hasCommand reports whether the sandbox has the program (or Python
// module, with "python:" in front).
func hasCommand(t *testing.T, tt *tbTarget, name string) bool {
	t.Helper()
	cmd := "command -v " + name
	if mod, ok := strings.CutPrefix(name, "python:"); ok {
		cmd = "python3 -c 'import " + mod + "'"
	}
	res, err := tt.sb.Process.Exec(tt.ctx, cmd, daytona.ExecOptions{})
	require.NoError(t, err)
	return res.ExitCode == 0
}

const chartCode = `
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
plt.figure()
plt.plot([1, 2, 3], [4, 5, 6], label='up')
plt.title('Line')
plt.xlabel('x')
plt.show()
plt.figure()
plt.scatter([1, 2], [3, 4], label='dots')
plt.title('Scatter')
plt.show()
print('done')
`

// TestE2ECodeRunCharts: matplotlib figures come back as typed charts, and
// the marker lines are not in the output.
func TestE2ECodeRunCharts(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		if !hasCommand(t, tt, "python:matplotlib") {
			t.Skip("matplotlib is not installed in the sandbox")
		}
		res, err := tt.sb.Process.CodeRun(tt.ctx, chartCode, daytona.CodeRunOptions{})
		require.NoError(t, err)
		require.Equal(t, 0, res.ExitCode, res.Result)
		assert.Equal(t, "done", strings.TrimSpace(res.Result))
		assert.NotContains(t, res.Result, charts.MarkerPrefix)
		require.Len(t, res.Artifacts.Charts, 2)
		line, ok := res.Artifacts.Charts[0].(*charts.LineChart)
		require.True(t, ok, "%T", res.Artifacts.Charts[0])
		assert.Equal(t, "Line", line.Title)
		require.NotEmpty(t, line.Elements)
		assert.Equal(t, "up", line.Elements[0].Label)
		png, err := line.PNG()
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(png), "\x89PNG"), "a PNG image")
		_, ok = res.Artifacts.Charts[1].(*charts.ScatterChart)
		assert.True(t, ok, "%T", res.Artifacts.Charts[1])
	})
}
