package charts

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// marker returns the marker line the matplotlib hook prints for the chart in
// testdata file name.
func marker(t testing.TB, name string) string {
	t.Helper()
	var compact strings.Builder
	require.NoError(t, json.NewEncoder(&compact).Encode(json.RawMessage(load(t, name))))
	return MarkerPrefix + `{"type":"chart","value":` + strings.TrimSpace(compact.String()) + `}`
}

func TestParseMarkerLines(t *testing.T) {
	t.Parallel()
	line := marker(t, "line.json")
	bar := marker(t, "bar.json")
	composite := marker(t, "composite.json")
	future := marker(t, "future.json")
	tests := []struct {
		name        string
		output      string
		wantTypes   []ChartType
		wantCleaned string
		wantErrAt   []int // output lines reported in err
	}{
		{name: "no marker", output: "hello\nworld\n", wantCleaned: "hello\nworld\n"},
		{name: "empty output", output: "", wantCleaned: ""},
		{name: "marker between lines", output: "before\n" + line + "\nafter\n",
			wantTypes: []ChartType{ChartTypeLine}, wantCleaned: "before\nafter\n"},
		{name: "marker on the last line without newline drops the newline before it",
			output: "a\n" + line, wantTypes: []ChartType{ChartTypeLine}, wantCleaned: "a"},
		{name: "only a marker", output: line + "\n", wantTypes: []ChartType{ChartTypeLine}, wantCleaned: ""},
		{name: "several markers in order", output: line + "\n" + bar + "\nx\n" + composite + "\n",
			wantTypes: []ChartType{ChartTypeLine, ChartTypeBar, ChartTypeCompositeChart}, wantCleaned: "x\n"},
		{name: "CRLF output: payload trimmed, other lines keep CR",
			output: "x\r\n" + line + "\r\n" + bar + "\r\ny", wantTypes: []ChartType{ChartTypeLine, ChartTypeBar}, wantCleaned: "x\r\ny"},
		{name: "spaces around the payload, as strings.TrimSpace sees them", output: MarkerPrefix + "  " + strings.TrimPrefix(bar, MarkerPrefix) + " \t\v\u00a0",
			wantTypes: []ChartType{ChartTypeBar}},
		{name: "unknown chart type is kept", output: future + "\n", wantTypes: []ChartType{"heatmap"}},
		{name: "truncated marker is removed and reported", output: line[:len(line)/2] + "\nrest",
			wantCleaned: "rest", wantErrAt: []int{1}},
		{name: "marker split over two lines: the tail is ordinary output",
			output:      "a\n" + line[:60] + "\n" + line[60:] + "\nb",
			wantCleaned: "a\n" + line[60:] + "\nb", wantErrAt: []int{2}},
		{name: "garbage after the prefix", output: "x\n" + MarkerPrefix + "not json\n" + MarkerPrefix + "\ny",
			wantCleaned: "x\ny", wantErrAt: []int{2, 3}},
		{name: "marker not at the start of a line is output", output: "  " + line + "\nlog: " + bar,
			wantCleaned: "  " + line + "\nlog: " + bar},
		{name: "almost the prefix is output", output: "dtn_artifact_k39fd:{}\ndtn_artifact_k39fd2{}",
			wantCleaned: "dtn_artifact_k39fd:{}\ndtn_artifact_k39fd2{}"},
		{name: "an artifact of another type is removed silently",
			output: "a\n" + MarkerPrefix + `{"type":"image","value":{"png":"x"}}` + "\nb", wantCleaned: "a\nb"},
		{name: "chart without a value", output: MarkerPrefix + `{"type":"chart"}` + "\n" + MarkerPrefix + `{"type":"chart","value":null}`,
			wantErrAt: []int{1, 2}},
		{name: "chart value of the wrong shape", output: MarkerPrefix + `{"type":"chart","value":[1]}`, wantErrAt: []int{1}},
		{name: "a bad marker does not hide the good ones",
			output:    line + "\n" + MarkerPrefix + `{"type":"chart","value":{"type":"pie","elements":[{"angle":"x"}]}}` + "\n" + bar,
			wantTypes: []ChartType{ChartTypeLine, ChartTypeBar}, wantErrAt: []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, cleaned, err := ParseMarkerLines(tt.output)
			assert.Equal(t, tt.wantCleaned, cleaned)
			var types []ChartType
			for _, c := range got {
				require.NotNil(t, c)
				types = append(types, c.Base().Type)
			}
			assert.Equal(t, tt.wantTypes, types)
			var lines []int
			for _, e := range errorsOf(err) {
				var pe *ParseError
				require.ErrorAs(t, e, &pe)
				lines = append(lines, pe.Line)
				assert.Contains(t, e.Error(), "charts: artifact marker on output line")
			}
			assert.Equal(t, tt.wantErrAt, lines)
		})
	}
}

func TestParseMarkerLinesErrorOmitsPayload(t *testing.T) {
	t.Parallel()
	_, _, err := ParseMarkerLines(MarkerPrefix + `{"type":"chart","value":{"type":"line","title":"secret-title-xyz","elements":7}}`)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret-title-xyz")
}

func TestParseMarkerLinesCapsReportedErrors(t *testing.T) {
	t.Parallel()
	output := strings.Repeat(MarkerPrefix+"{\n", maxReported+3) + "tail"
	got, cleaned, err := ParseMarkerLines(output)
	assert.Empty(t, got)
	assert.Equal(t, "tail", cleaned)
	errs := errorsOf(err)
	require.Len(t, errs, maxReported+1)
	assert.EqualError(t, errs[maxReported], "charts: 3 more charts failed to parse")
}

func TestMarkerLineRoundTrip(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"line.json", "scatter_datetime.json", "bar.json", "bar_daemon.json", "pie.json",
		"box.json", "composite.json", "composite_daemon.json", "unknown.json", "future.json"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			want, err := Parse(load(t, file))
			require.NoError(t, err)
			ml, err := MarkerLine(want)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(ml, MarkerPrefix))
			assert.NotContains(t, ml, "\n")

			got, cleaned, err := ParseMarkerLines("out\n" + ml + "\n")
			require.NoError(t, err)
			assert.Equal(t, "out\n", cleaned)
			require.Len(t, got, 1)
			assert.Equal(t, stripRaw(want), stripRaw(got[0]))
		})
	}
}

func TestMarkerLineNil(t *testing.T) {
	t.Parallel()
	_, err := MarkerLine(nil)
	assert.Error(t, err)
}
