package daytona

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/charts"
)

// TestExecTimeoutWire: ExecOptions.Timeout goes on the wire in whole
// seconds rounded up, and is absent when zero.
func TestExecTimeoutWire(t *testing.T) {
	t.Parallel()
	var bodies []map[string]any
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&b))
		bodies = append(bodies, b)
		writeJSON(w, 200, map[string]any{"exitCode": 3, "result": "out\n"})
	})
	for _, d := range []time.Duration{0, 500 * time.Millisecond, 1500 * time.Millisecond, time.Minute} {
		res, err := f.sb.Process.Exec(t.Context(), "echo out", ExecOptions{Timeout: d, Cwd: "sub dir", Env: map[string]string{"K": "v"}})
		require.NoError(t, err)
		assert.Equal(t, 3, res.ExitCode)
		assert.Equal(t, "out\n", res.Result)
		assert.Equal(t, "out\n", res.Artifacts.Stdout)
	}
	require.Len(t, bodies, 4)
	assert.NotContains(t, bodies[0], "timeout")
	assert.Equal(t, 1.0, bodies[1]["timeout"])
	assert.Equal(t, 2.0, bodies[2]["timeout"])
	assert.Equal(t, 60.0, bodies[3]["timeout"])
	assert.Equal(t, "sub dir", bodies[0]["cwd"])
	assert.Equal(t, map[string]any{"K": "v"}, bodies[0]["envs"])
}

// TestExec408: the daemon's 408 matches ErrTimeout (and the code sentinel
// when sent), and is not retried.
func TestExec408(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"REQUEST_TIMEOUT", "PROCESS_EXECUTION_TIMEOUT"} {
		f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
			envelope(w, 408, code, "request timeout: command execution timeout")
		})
		_, err := f.sb.Process.Exec(t.Context(), "sleep 10", ExecOptions{Timeout: time.Second})
		require.ErrorIs(t, err, ErrTimeout, code)
		assert.Equal(t, code == "PROCESS_EXECUTION_TIMEOUT", errors.Is(err, ErrProcessExecutionTimeout), code)
		assert.Len(t, f.sent(), 1, "a 408 to a POST is not retried")
		_, err = f.sb.Process.CodeRun(t.Context(), "while True: pass", CodeRunOptions{Timeout: time.Second})
		require.ErrorIs(t, err, ErrTimeout, code)
	}
}

// TestExecMissingExitCode: an answer without exitCode reads as -1.
func TestExecMissingExitCode(t *testing.T) {
	t.Parallel()
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"result": "x"})
	})
	res, err := f.sb.Process.Exec(t.Context(), "x", ExecOptions{})
	require.NoError(t, err)
	assert.Equal(t, -1, res.ExitCode)
}

const barChartJSON = `{"type":"bar","title":"Sales","x_label":"q","y_label":"n","png":"iVBORw0KGgo=",` +
	`"elements":[{"label":"Q1","group":"a","value":10.5},{"label":"Q2","group":"a","value":7}]}`

// TestCodeRunCharts: charts come typed from the artifacts (without the
// generated type's narrowing), and marker lines left in the output are
// parsed and removed.
func TestCodeRunCharts(t *testing.T) {
	t.Parallel()
	var body map[string]any
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"exitCode":0,"result":"before\n`+charts.MarkerPrefix+`{\"type\":\"chart\",\"value\":{\"type\":\"pie\",\"title\":\"P\",\"elements\":[{\"label\":\"a\",\"angle\":90,\"radius\":1}]}}\nafter\n",`+
			`"artifacts":{"charts":[`+barChartJSON+`,{"type":"sankey","title":"new"}]}}`)
	})
	res, err := f.sb.Process.CodeRun(t.Context(), "import matplotlib", CodeRunOptions{Argv: []string{"a"}, Env: map[string]string{"X": "1"}})
	require.NoError(t, err)
	assert.Equal(t, "python", body["language"], "the default language")
	assert.Equal(t, []any{"a"}, body["argv"])
	assert.Equal(t, "before\nafter\n", res.Result)
	assert.Equal(t, res.Result, res.Artifacts.Stdout)
	require.Len(t, res.Artifacts.Charts, 3)
	bar, ok := res.Artifacts.Charts[0].(*charts.BarChart)
	require.True(t, ok, "%T", res.Artifacts.Charts[0])
	assert.Equal(t, "Sales", bar.Title)
	require.Len(t, bar.Elements, 2)
	assert.Equal(t, "Q1", bar.Elements[0].Label)
	_, ok = res.Artifacts.Charts[1].(*charts.UnknownChart)
	assert.True(t, ok, "an unknown chart type is kept: %T", res.Artifacts.Charts[1])
	_, ok = res.Artifacts.Charts[2].(*charts.PieChart)
	assert.True(t, ok, "%T", res.Artifacts.Charts[2])
}

// TestCodeRunLanguageFromLabel: without Language, the sandbox's
// code-toolbox-language label chooses.
func TestCodeRunLanguageFromLabel(t *testing.T) {
	t.Parallel()
	var lang string
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		var b struct{ Language string }
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&b))
		lang = b.Language
		writeJSON(w, 200, map[string]any{"exitCode": 0, "result": ""})
	})
	f.sb.update(func(d *sandboxData) { d.labels = map[string]string{languageLabel: "typescript"} })
	_, err := f.sb.Process.CodeRun(t.Context(), "console.log(1)", CodeRunOptions{})
	require.NoError(t, err)
	assert.Equal(t, "typescript", lang)
	_, err = f.sb.Process.CodeRun(t.Context(), "console.log(1)", CodeRunOptions{Language: LanguageJavaScript})
	require.NoError(t, err)
	assert.Equal(t, "javascript", lang)
}
