package charts

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tinyPNGBase64 is a real 2x2 grayscale PNG, the image in every testdata chart.
const tinyPNGBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAAEklEQVR4nGJiYGBi+A8IAAD//wEXAQTRmxf/AAAAAElFTkSuQmCC"

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

func load(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// stripRaw clears the kept JSON of c and its subplots so that parsed charts
// compare equal to charts built in Go.
func stripRaw(c Chart) Chart {
	if c == nil {
		return nil
	}
	c.Base().raw = nil
	if cc, ok := c.(*CompositeChart); ok {
		for _, sub := range cc.Elements {
			stripRaw(sub)
		}
	}
	return c
}

func nums(fs ...float64) []Scalar {
	out := make([]Scalar, len(fs))
	for i, f := range fs {
		out[i] = Number(f)
	}
	return out
}

func pt(x, y float64) Point { return Point{X: Number(x), Y: Number(y)} }

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		want Chart
		// exactWire: marshalling the parsed chart gives the input back
		// (every field of the input is modelled and non-empty).
		exactWire bool
	}{
		{
			name: "line with two series",
			file: "line.json",
			want: &LineChart{PointChart{
				Chart2D: Chart2D{
					BaseChart:   BaseChart{Type: ChartTypeLine, Title: "Sine and cosine", PNGBase64: tinyPNGBase64},
					XLabel:      "t (s)",
					YLabel:      "amplitude",
					XTicks:      nums(0, 2, 4, 6),
					XTickLabels: []string{"0", "2", "4", "6"},
					XScale:      ScaleLinear,
					YTicks:      nums(-1, -0.5, 0, 0.5, 1),
					YTickLabels: []string{"−1.0", "−0.5", "0.0", "0.5", "1.0"},
					YScale:      ScaleLinear,
				},
				Elements: []PointData{
					{Label: "sin", Points: []Point{pt(0, 0), pt(1.5707963267948966, 1), pt(3.141592653589793, 1.2246467991473532e-16)}},
					{Label: "cos", Points: []Point{pt(0, 1), pt(1.5707963267948966, 6.123233995736766e-17), pt(3.141592653589793, -1)}},
				},
			}},
			exactWire: true,
		},
		{
			name: "scatter on a datetime axis keeps string coordinates",
			file: "scatter_datetime.json",
			want: &ScatterChart{PointChart{
				Chart2D: Chart2D{
					BaseChart:   BaseChart{Type: ChartTypeScatter, Title: "Daily signups", PNGBase64: tinyPNGBase64},
					XLabel:      "date",
					YLabel:      "signups",
					XTicks:      []Scalar{Text("2024-01-01T00:00:00"), Text("2024-01-03T00:00:00")},
					XTickLabels: []string{"2024-01-01", "2024-01-03"},
					XScale:      ScaleDatetime,
					YTicks:      nums(0, 50, 100),
					YTickLabels: []string{"0", "50", "100"},
					YScale:      ScaleLog,
				},
				Elements: []PointData{{Label: "web", Points: []Point{
					{X: Text("2024-01-01T00:00:00"), Y: Number(12)},
					{X: Text("2024-01-02T00:00:00"), Y: Number(47.5)},
					{X: Text("2024-01-03T00:00:00"), Y: Number(88)},
				}}},
			}},
			exactWire: true,
		},
		{
			name: "bar as the matplotlib hook emits it (numeric values)",
			file: "bar.json",
			want: &BarChart{
				Chart2D: Chart2D{
					BaseChart:   BaseChart{Type: ChartTypeBar, Title: "Revenue by quarter", PNGBase64: tinyPNGBase64},
					XLabel:      "quarter",
					YLabel:      "USD (k)",
					XTicks:      nums(0, 1),
					XTickLabels: []string{"Q1", "Q2"},
					XScale:      ScaleCategorical,
					YTicks:      nums(0, 10, 20),
					YTickLabels: []string{"0", "10", "20"},
					YScale:      ScaleLinear,
				},
				Elements: []BarData{
					{Label: "Q1", Group: "2023", Value: Number(12.5)},
					{Label: "Q2", Group: "2023", Value: Number(17)},
					{Label: "Q1", Group: "2024", Value: Number(14.25)},
				},
			},
			exactWire: true,
		},
		{
			name: "bar as the daemon types it (string values, null fields)",
			file: "bar_daemon.json",
			want: &BarChart{
				Chart2D: Chart2D{BaseChart: BaseChart{Type: ChartTypeBar, Title: "Revenue", PNGBase64: tinyPNGBase64}},
				Elements: []BarData{
					{Label: "Q1", Group: "2023", Value: Text("12.5")},
					{Label: "Q2", Group: "2023"},
				},
			},
		},
		{
			name: "pie with and without autopct",
			file: "pie.json",
			want: &PieChart{
				BaseChart: BaseChart{Type: ChartTypePie, Title: "Language share", PNGBase64: tinyPNGBase64},
				Elements: []PieData{
					{Label: "Python", Angle: 144, Radius: 1, AutoPct: Text("40.0%")},
					{Label: "Go", Angle: 126, Radius: 1, AutoPct: Number(35)},
					{Label: "Other", Angle: 90, Radius: 1.1},
				},
			},
			exactWire: true,
		},
		{
			name: "box and whisker",
			file: "box.json",
			want: &BoxAndWhiskerChart{
				Chart2D: Chart2D{
					BaseChart:   BaseChart{Type: ChartTypeBoxAndWhisker, Title: "Latency by region", PNGBase64: tinyPNGBase64},
					XLabel:      "region",
					YLabel:      "ms",
					XTicks:      nums(1, 2),
					XTickLabels: []string{"eu", "us"},
					XScale:      ScaleLinear,
					YTicks:      nums(0, 50, 100),
					YTickLabels: []string{"0", "50", "100"},
					YScale:      ScaleLinear,
				},
				Elements: []BoxAndWhiskerData{
					{Label: "eu", Min: 12.1, FirstQuartile: 20.5, Median: 24, ThirdQuartile: 31.75, Max: 48.2, Outliers: []float64{95.3, 2.4}},
					{Label: "us", Min: 30, FirstQuartile: 41, Median: 45.5, ThirdQuartile: 52, Max: 70, Outliers: []float64{}},
				},
			},
			exactWire: true,
		},
		{
			name: "composite nests typed subplots",
			file: "composite.json",
			want: &CompositeChart{
				BaseChart: BaseChart{Type: ChartTypeCompositeChart, Title: "Dashboard", PNGBase64: tinyPNGBase64},
				Elements: []Chart{
					&LineChart{PointChart{
						Chart2D: Chart2D{
							BaseChart:   BaseChart{Type: ChartTypeLine, Title: "Trend"},
							XLabel:      "day",
							YLabel:      "visits",
							XTicks:      nums(0, 1),
							XTickLabels: []string{"0", "1"},
							XScale:      ScaleLinear,
							YTicks:      nums(0, 10),
							YTickLabels: []string{"0", "10"},
							YScale:      ScaleLinear,
						},
						Elements: []PointData{{Label: "visits", Points: []Point{pt(0, 3), pt(1, 8)}}},
					}},
					&PieChart{
						BaseChart: BaseChart{Type: ChartTypePie, Title: "Share"},
						Elements:  []PieData{{Label: "a", Angle: 270, Radius: 1}, {Label: "b", Angle: 90, Radius: 1}},
					},
				},
			},
			exactWire: true,
		},
		{
			name: "composite flattened by the v0.190 daemon",
			file: "composite_daemon.json",
			want: &CompositeChart{
				BaseChart: BaseChart{Type: ChartTypeCompositeChart, Title: "Dashboard", PNGBase64: tinyPNGBase64},
				Elements: []Chart{
					&LineChart{PointChart{Chart2D: Chart2D{BaseChart: BaseChart{Type: ChartTypeLine, Title: "Trend"}, XLabel: "day", YLabel: "visits"}}},
					&BarChart{Chart2D: Chart2D{BaseChart: BaseChart{Type: ChartTypeBar, Title: "Totals"}}},
				},
			},
		},
		{
			name:      "type unknown is kept",
			file:      "unknown.json",
			want:      &UnknownChart{BaseChart: BaseChart{Type: ChartTypeUnknown, Title: "Heat map", PNGBase64: tinyPNGBase64}, Elements: []json.RawMessage{}},
			exactWire: true,
		},
		{
			name: "a type added upstream later is kept with its elements",
			file: "future.json",
			want: &UnknownChart{
				BaseChart: BaseChart{Type: "heatmap", Title: "Correlation", PNGBase64: tinyPNGBase64},
				Elements:  []json.RawMessage{json.RawMessage(`{"row":0,"col":1,"value":0.42}`)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := load(t, tt.file)
			got, err := Parse(data)
			require.NoError(t, err)
			assert.JSONEq(t, string(data), string(got.Raw()), "Raw keeps the input")
			assert.Equal(t, tt.want, stripRaw(got))

			img, err := got.PNG()
			require.NoError(t, err)
			assert.True(t, bytes.HasPrefix(img, pngSignature), "decoded image is a PNG")

			wire, err := json.Marshal(got)
			require.NoError(t, err)
			if tt.exactWire {
				assert.JSONEq(t, string(data), string(wire))
			}
			again, err := Parse(wire)
			require.NoError(t, err)
			assert.Equal(t, tt.want, stripRaw(again), "Parse(json.Marshal(c)) == c")
		})
	}
}

func TestParseKeepsUnmodelledFieldsInRaw(t *testing.T) {
	t.Parallel()
	got, err := Parse(load(t, "future.json"))
	require.NoError(t, err)
	u, ok := got.(*UnknownChart)
	require.True(t, ok, "got %T", got)
	assert.False(t, u.Type.Known())
	assert.Contains(t, string(u.Raw()), `"colormap":"viridis"`)
	assert.Contains(t, string(u.Raw()), `"x_label":"feature"`)

	raw := got.Raw()
	raw[0] = 'X'
	assert.Equal(t, byte('{'), got.Raw()[0], "Raw returns a copy")
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		input   string
		wantMsg string
	}{
		{name: "empty", input: "", wantMsg: "not a JSON object"},
		{name: "null", input: "null", wantMsg: "not a JSON object"},
		{name: "array", input: `[{"type":"line"}]`, wantMsg: "not a JSON object"},
		{name: "string", input: `"line"`, wantMsg: "not a JSON object"},
		{name: "truncated", input: `{"type":"line","title":"a`, wantMsg: "unexpected end of JSON input"},
		{name: "numeric type", input: `{"type":5}`, wantMsg: "cannot unmarshal number"},
		{name: "point with three coordinates", input: `{"type":"line","elements":[{"label":"a","points":[[1,2,3]]}]}`, wantMsg: "point has 3 coordinates"},
		{name: "boolean coordinate", input: `{"type":"scatter","elements":[{"label":"a","points":[[true,2]]}]}`, wantMsg: "not a number, a string or null"},
		{name: "tick is an object", input: `{"type":"line","x_ticks":[{}],"elements":[]}`, wantMsg: "not a number, a string or null"},
		{name: "number out of range", input: `{"type":"bar","elements":[{"label":"a","value":1e400}]}`, wantMsg: "1e400"},
		{name: "pie angle is a string", input: `{"type":"pie","elements":[{"label":"a","angle":"90","radius":1}]}`, wantMsg: `"pie" chart`},
		{name: "box outliers is a number", input: `{"type":"box_and_whisker","elements":[{"label":"a","outliers":3}]}`, wantMsg: `"box_and_whisker" chart`},
		{name: "elements is an object", input: `{"type":"line","elements":{}}`, wantMsg: `"line" chart`},
		{name: "composite with a bad subplot", input: `{"type":"composite_chart","elements":[{"type":"line"},{"type":"pie","elements":[{"angle":"x"}]}]}`, wantMsg: "subplot 2"},
		{name: "composite subplot not an object", input: `{"type":"composite_chart","elements":[7]}`, wantMsg: "subplot 1: chart is not a JSON object"},
		{name: "composite nested too deep", input: nestComposite(maxDepth + 1), wantMsg: "nested deeper than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse([]byte(tt.input))
			require.Error(t, err)
			assert.Nil(t, got)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Zero(t, pe.Line)
			assert.Zero(t, pe.Index)
			assert.Contains(t, err.Error(), tt.wantMsg)
			assert.True(t, strings.HasPrefix(err.Error(), "charts: "), err.Error())
		})
	}
}

// nestComposite returns n composite charts nested in one another around a
// line chart.
func nestComposite(n int) string {
	s := `{"type":"line","title":"leaf","elements":[{"label":"a","points":[[1,2]]}]}`
	for range n {
		s = `{"type":"composite_chart","title":"c","elements":[` + s + `]}`
	}
	return s
}

func TestParseCompositeAtMaxDepth(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(nestComposite(maxDepth)))
	require.NoError(t, err)
	depth := 0
	for {
		cc, ok := c.(*CompositeChart)
		if !ok {
			break
		}
		depth++
		require.Len(t, cc.Elements, 1)
		c = cc.Elements[0]
	}
	assert.Equal(t, maxDepth, depth)
	line, ok := c.(*LineChart)
	require.True(t, ok, "leaf is %T", c)
	assert.Equal(t, "leaf", line.Title)
	assert.Equal(t, `{"type":"line","title":"leaf","elements":[{"label":"a","points":[[1,2]]}]}`, string(line.Raw()))
}

func TestCompositeUnmarshalJSON(t *testing.T) {
	t.Parallel()
	var cc CompositeChart
	require.NoError(t, json.Unmarshal(load(t, "composite.json"), &cc))
	require.Len(t, cc.Elements, 2)
	assert.IsType(t, &LineChart{}, cc.Elements[0])
	assert.IsType(t, &PieChart{}, cc.Elements[1])
	assert.NotEmpty(t, cc.Raw())

	err := json.Unmarshal([]byte(nestComposite(maxDepth+1)), &cc)
	assert.ErrorContains(t, err, "nested deeper than")
}

func TestPNG(t *testing.T) {
	t.Parallel()
	want, err := base64.StdEncoding.DecodeString(tinyPNGBase64)
	require.NoError(t, err)
	tests := []struct {
		name    string
		png     string
		want    []byte
		wantErr error
		corrupt bool
	}{
		{name: "padded", png: tinyPNGBase64, want: want},
		{name: "padding present", png: "aGVsbG8=", want: []byte("hello")},
		{name: "padding missing", png: "aGVsbG8", want: []byte("hello")},
		{name: "no image", png: "", wantErr: ErrNoPNG},
		{name: "not base64", png: "iVBORw0KGgo!!!!", corrupt: true},
		{name: "url alphabet", png: "ab-_", corrupt: true},
		{name: "truncated quantum", png: "iVBORw0KG", corrupt: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &PieChart{BaseChart: BaseChart{Type: ChartTypePie, PNGBase64: tt.png}}
			got, err := c.PNG()
			switch {
			case tt.wantErr != nil:
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, got)
			case tt.corrupt:
				var ce base64.CorruptInputError
				require.ErrorAs(t, err, &ce)
				assert.Contains(t, err.Error(), `"pie" chart`)
				assert.Nil(t, got)
			default:
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestParseInvalidPNGIsNotAParseError(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(`{"type":"unknown","title":"t","png":"%%%","elements":null}`))
	require.NoError(t, err, "the image is decoded lazily")
	_, err = c.PNG()
	var ce base64.CorruptInputError
	assert.ErrorAs(t, err, &ce)
}

func TestScalar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		json      string
		want      Scalar
		wantFloat float64
		floatOK   bool
		wantText  string
		textOK    bool
		str       string
	}{
		{json: `1.5`, want: Number(1.5), wantFloat: 1.5, floatOK: true, str: "1.5"},
		{json: `-0.25e2`, want: Number(-25), wantFloat: -25, floatOK: true, str: "-25"},
		{json: `0`, want: Number(0), floatOK: true, str: "0"},
		{json: `"12.5"`, want: Text("12.5"), wantFloat: 12.5, floatOK: true, wantText: "12.5", textOK: true, str: "12.5"},
		{json: `"2024-01-01T00:00:00"`, want: Text("2024-01-01T00:00:00"), wantText: "2024-01-01T00:00:00", textOK: true, str: "2024-01-01T00:00:00"},
		{json: `""`, want: Text(""), textOK: true, str: ""},
		{json: `null`, want: Scalar{}, str: "null"},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			t.Parallel()
			var s Scalar
			require.NoError(t, json.Unmarshal([]byte(tt.json), &s))
			assert.Equal(t, tt.want, s)
			f, ok := s.Float()
			assert.Equal(t, tt.floatOK, ok)
			assert.Equal(t, tt.wantFloat, f)
			text, ok := s.Text()
			assert.Equal(t, tt.textOK, ok)
			assert.Equal(t, tt.wantText, text)
			assert.Equal(t, tt.str, s.String())
			assert.Equal(t, tt.json == "null", s.IsZero())
			assert.Equal(t, !strings.HasPrefix(tt.json, `"`) && tt.json != "null", s.IsNumber())

			out, err := json.Marshal(s)
			require.NoError(t, err)
			var back Scalar
			require.NoError(t, json.Unmarshal(out, &back))
			assert.Equal(t, s, back)
		})
	}
	for _, bad := range []string{`true`, `{}`, `[1]`} {
		var s Scalar
		assert.Error(t, json.Unmarshal([]byte(bad), &s), bad)
	}
}

func TestChartTypeKnown(t *testing.T) {
	t.Parallel()
	for _, ct := range []ChartType{ChartTypeLine, ChartTypeScatter, ChartTypeBar, ChartTypePie,
		ChartTypeBoxAndWhisker, ChartTypeCompositeChart, ChartTypeUnknown} {
		assert.True(t, ct.Known(), ct)
	}
	for _, ct := range []ChartType{"", "heatmap", "Line"} {
		assert.False(t, ct.Known(), ct)
	}
}

func TestMarshalChartBuiltInGo(t *testing.T) {
	t.Parallel()
	c := &BarChart{
		Chart2D: Chart2D{BaseChart: BaseChart{Type: ChartTypeBar, Title: "t"}, XLabel: "x"},
		Elements: []BarData{
			{Label: "a", Group: "g", Value: Number(3)},
			{Label: "b", Group: "g", Value: Text("4")},
		},
	}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"bar","title":"t","x_label":"x","elements":[
		{"label":"a","group":"g","value":3},{"label":"b","group":"g","value":"4"}]}`, string(b))
	assert.Nil(t, c.Raw())
	_, err = c.PNG()
	assert.ErrorIs(t, err, ErrNoPNG)

	empty, err := json.Marshal(&LineChart{PointChart{Chart2D: Chart2D{BaseChart: BaseChart{Type: ChartTypeLine}}}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"line","title":"","elements":null}`, string(empty))
}

// errorsOf flattens a joined error.
func errorsOf(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestParseList(t *testing.T) {
	t.Parallel()
	line := string(load(t, "line.json"))
	pie := string(load(t, "pie.json"))
	tests := []struct {
		name        string
		input       string
		wantTypes   []ChartType
		wantIndexes []int
		wantErr     string
	}{
		{name: "empty input", input: ""},
		{name: "null", input: "null"},
		{name: "empty array", input: "[]"},
		{name: "two charts", input: "[" + line + "," + pie + "]", wantTypes: []ChartType{ChartTypeLine, ChartTypePie}},
		{name: "a bad chart is reported and skipped", input: "[" + line + `,{"type":"pie","elements":7},` + pie + `,"x"]`,
			wantTypes: []ChartType{ChartTypeLine, ChartTypePie}, wantIndexes: []int{2, 4}},
		{name: "not an array", input: `{"charts":[]}`, wantErr: "chart list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseList([]byte(tt.input))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Nil(t, got)
				return
			}
			var types []ChartType
			for _, c := range got {
				types = append(types, c.Base().Type)
			}
			assert.Equal(t, tt.wantTypes, types)
			var indexes []int
			for _, e := range errorsOf(err) {
				var pe *ParseError
				require.ErrorAs(t, e, &pe)
				indexes = append(indexes, pe.Index)
				assert.Contains(t, e.Error(), "charts: chart ")
			}
			assert.Equal(t, tt.wantIndexes, indexes)
		})
	}
}

func TestParseListCapsReportedErrors(t *testing.T) {
	t.Parallel()
	bad := strings.Repeat(`7,`, maxReported+5)
	got, err := ParseList([]byte("[" + bad + string(load(t, "bar.json")) + "]"))
	require.Len(t, got, 1)
	errs := errorsOf(err)
	require.Len(t, errs, maxReported+1)
	assert.EqualError(t, errs[maxReported], "charts: 5 more charts failed to parse")
}

func TestParseArtifacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		input     string
		wantTypes []ChartType
		wantErr   bool
	}{
		{name: "absent", input: ""},
		{name: "null", input: "null"},
		{name: "no charts key", input: "{}"},
		{name: "charts null", input: `{"charts":null}`},
		{name: "charts", input: `{"charts":[` + string(load(t, "box.json")) + `,` + string(load(t, "future.json")) + `]}`,
			wantTypes: []ChartType{ChartTypeBoxAndWhisker, "heatmap"}},
		{name: "not an object", input: `[1]`, wantErr: true},
		{name: "charts not a list", input: `{"charts":{}}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseArtifacts([]byte(tt.input))
			if tt.wantErr {
				var pe *ParseError
				require.ErrorAs(t, err, &pe)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			var types []ChartType
			for _, c := range got {
				types = append(types, c.Base().Type)
			}
			assert.Equal(t, tt.wantTypes, types)
		})
	}
}

func TestParseErrorMessages(t *testing.T) {
	t.Parallel()
	cause := errors.New("boom")
	assert.EqualError(t, &ParseError{Err: cause}, "charts: boom")
	assert.EqualError(t, &ParseError{Index: 3, Err: cause}, "charts: chart 3: boom")
	assert.EqualError(t, &ParseError{Line: 7, Err: cause}, "charts: artifact marker on output line 7: boom")
	assert.ErrorIs(t, &ParseError{Err: cause}, cause)
}
