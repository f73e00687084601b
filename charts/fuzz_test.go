package charts

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// seedCharts adds every testdata chart plus small edge cases to f.
func seedCharts(f *testing.F) [][]byte {
	entries, err := os.ReadDir("testdata")
	require.NoError(f, err)
	var seeds [][]byte
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			seeds = append(seeds, load(f, e.Name()))
		}
	}
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"type":""}`, `{"type":"line","elements":[{"points":[[null,"a"]]}]}`,
		`{"type":"composite_chart","elements":[{"type":"composite_chart","elements":[{}]}]}`,
		`{"type":"bar","elements":[{"value":"1"},{"value":-0}]}`, `{"type":"pie","png":"=="}`,
		`{"TYPE":"line","Type":"bar"}`, nestComposite(maxDepth), nestComposite(maxDepth + 1),
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// FuzzParse checks that Parse never panics, that errors are typed, and that
// a parsed chart marshals to JSON that parses back to the same Go type and
// marshals identically (a fixed point after one normalisation).
func FuzzParse(f *testing.F) {
	for _, s := range seedCharts(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			require.Nil(t, c)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "error %v is not a *ParseError", err)
			return
		}
		require.NotNil(t, c)
		require.NotEmpty(t, c.Raw())
		_, _ = c.PNG() // may fail, must not panic

		wire, err := json.Marshal(c)
		require.NoError(t, err)
		again, err := Parse(wire)
		require.NoError(t, err, "re-parse of %s", wire)
		require.Equal(t, reflect.TypeOf(c), reflect.TypeOf(again))
		require.Equal(t, c.Base().Type, again.Base().Type)
		require.Equal(t, c.Base().Title, again.Base().Title)
		wire2, err := json.Marshal(again)
		require.NoError(t, err)
		require.Equal(t, string(wire), string(wire2))
	})
}

// FuzzParseMarkerLines checks the daemon's rules on arbitrary output: every
// marker line goes, every other line stays in order, and each marker yields
// at most one chart or one error.
func FuzzParseMarkerLines(f *testing.F) {
	for _, s := range seedCharts(f) {
		f.Add("out\n" + MarkerPrefix + `{"type":"chart","value":` + string(s) + "}\nmore\n")
	}
	f.Add("no markers here\n")
	f.Add(MarkerPrefix)
	f.Add(MarkerPrefix + "\r\n" + MarkerPrefix + `{"type":"image","value":{}}` + "\n")
	f.Add("x" + MarkerPrefix + "{}\n")
	f.Fuzz(func(t *testing.T, output string) {
		charts, cleaned, err := ParseMarkerLines(output)

		lines := strings.Split(output, "\n")
		var want []string
		for _, l := range lines {
			if !strings.HasPrefix(l, MarkerPrefix) {
				want = append(want, l)
			}
		}
		markers := len(lines) - len(want)
		require.Equal(t, strings.Join(want, "\n"), cleaned)
		if markers == 0 {
			require.Equal(t, output, cleaned)
			require.Empty(t, charts)
			require.NoError(t, err)
			return
		}
		for _, c := range charts {
			require.NotNil(t, c)
			_, merr := json.Marshal(c)
			require.NoError(t, merr)
		}
		reported := 0
		for _, e := range errorsOf(err) {
			var pe *ParseError
			if errors.As(e, &pe) {
				require.Positive(t, pe.Line)
				require.LessOrEqual(t, pe.Line, len(lines))
				require.True(t, strings.HasPrefix(lines[pe.Line-1], MarkerPrefix))
			}
			reported++
		}
		require.LessOrEqual(t, len(charts)+reported, markers)
	})
}
