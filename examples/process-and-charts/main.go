// Process-and-charts runs commands and code in a sandbox: shell commands
// with a working directory, environment and time limit, a Python program
// whose matplotlib figures come back as typed charts (saved here as PNG
// files), and a JavaScript program with arguments.
//
//	go run ./examples/process-and-charts
//
// The PNG files go to ./daytona-charts. On the emulator, code runs with the
// host's python3, which needs matplotlib (Debian: apt install
// python3-matplotlib); Daytona's default sandbox image has it.
//
// It runs against Daytona when DAYTONA_API_KEY is set, else against the
// in-process emulator; the first line of output says which.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/daytona-go/daytona/charts"
	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(5*time.Minute, run) }

// outDir is where the charts' PNG files are written.
var outDir = "daytona-charts"

// plotCode draws three figures; each becomes one chart. (Daytona's toolbox
// drops bar charts and charts with date axes: their JSON does not fit its
// own types. The emulator does the same.)
const plotCode = `
import math
import matplotlib.pyplot as plt

xs = [i / 10 for i in range(63)]
plt.figure()
plt.plot(xs, [math.sin(x) for x in xs], label="sin")
plt.plot(xs, [math.cos(x) for x in xs], label="cos")
plt.title("Waves")
plt.xlabel("x")
plt.legend()
plt.show()

plt.figure()
plt.scatter([1, 2, 3, 4, 5], [2.0, 4.1, 5.9, 8.2, 9.9], label="samples")
plt.title("Samples")
plt.show()

plt.figure()
plt.pie([3, 5, 4], labels=["go", "python", "typescript"], autopct="%1.0f%%")
plt.title("Share")
plt.show()

print("drew 3 figures")
`

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	sb, err := env.Client.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{"example": "process-and-charts"}}, daytona.CreateOptions{})
	if sb != nil {
		defer exenv.Remove(w, sb)
	}
	if err != nil {
		return err
	}
	if err := commands(ctx, w, sb); err != nil {
		return err
	}
	if err := pythonCharts(ctx, w, sb); err != nil {
		return err
	}
	return javaScript(ctx, w, sb)
}

// commands shows Exec: output and exit code, options, and a time limit.
func commands(ctx context.Context, w io.Writer, sb *daytona.Sandbox) error {
	if err := sb.FS.CreateFolder(ctx, "project", 0); err != nil {
		return err
	}
	res, err := sb.Process.Exec(ctx, `echo "$GREETING from $(basename "$PWD")"`, daytona.ExecOptions{
		Cwd: "project",
		Env: map[string]string{"GREETING": "hello"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "exec: exit %d, output %q\n", res.ExitCode, res.Result)

	// A failing command is a result, not an error.
	res, err = sb.Process.Exec(ctx, "ls no-such-file", daytona.ExecOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "exec of a failing command: exit %d\n", res.ExitCode)

	// Timeout is enforced in the sandbox: the command is killed and the
	// call fails with an error matching ErrTimeout.
	_, err = sb.Process.Exec(ctx, "sleep 30", daytona.ExecOptions{Timeout: time.Second})
	fmt.Fprintf(w, "exec with a 1s limit: timed out %t\n", errors.Is(err, daytona.ErrTimeout))
	return nil
}

// pythonCharts runs Python code that draws matplotlib figures and saves the
// charts that come back.
func pythonCharts(ctx context.Context, w io.Writer, sb *daytona.Sandbox) error {
	check, err := sb.Process.Exec(ctx, `python3 -c "import matplotlib"`, daytona.ExecOptions{})
	if err != nil {
		return err
	}
	if check.ExitCode != 0 {
		return fmt.Errorf("the sandbox's python3 has no matplotlib (on the emulator, install it on this machine: apt install python3-matplotlib): %s", check.Result)
	}

	res, err := sb.Process.CodeRun(ctx, plotCode, daytona.CodeRunOptions{
		Language: daytona.LanguagePython,
		Env:      map[string]string{"MPLBACKEND": "Agg"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "code run: exit %d, output %q, %d charts\n", res.ExitCode, strings.TrimSpace(res.Result), len(res.Artifacts.Charts))
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	for i, c := range res.Artifacts.Charts {
		// A type switch gives each kind of chart its typed elements.
		switch c := c.(type) {
		case *charts.LineChart:
			for _, series := range c.Elements {
				fmt.Fprintf(w, "line chart %q: series %s, %d points\n", c.Title, series.Label, len(series.Points))
			}
		case *charts.ScatterChart:
			for _, series := range c.Elements {
				fmt.Fprintf(w, "scatter chart %q: series %s, %d points\n", c.Title, series.Label, len(series.Points))
			}
		case *charts.PieChart:
			for _, slice := range c.Elements {
				fmt.Fprintf(w, "pie chart %q: %s %.0f degrees\n", c.Title, slice.Label, slice.Angle)
			}
		default:
			fmt.Fprintf(w, "chart %q of type %s\n", c.Base().Title, c.Base().Type)
		}
		png, err := c.PNG()
		if errors.Is(err, charts.ErrNoPNG) {
			continue
		}
		if err != nil {
			return err
		}
		file := filepath.Join(outDir, fmt.Sprintf("chart-%d-%s.png", i+1, c.Base().Type))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(w, "saved %s (%d bytes)\n", file, len(png))
	}
	return nil
}

// javaScript runs a Node.js program with arguments.
func javaScript(ctx context.Context, w io.Writer, sb *daytona.Sandbox) error {
	res, err := sb.Process.CodeRun(ctx, `console.log("sum of", process.argv.slice(1).join("+"), "=", process.argv.slice(1).reduce((a, b) => a + Number(b), 0))`,
		daytona.CodeRunOptions{Language: daytona.LanguageJavaScript, Argv: []string{"1", "2", "3"}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "javascript: exit %d, output %q\n", res.ExitCode, strings.TrimSpace(res.Result))
	return nil
}
