package charts

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MarkerPrefix starts every artifact line the sandbox's matplotlib hook
// prints to stdout.
const MarkerPrefix = "dtn_artifact_k39fd2:"

// artifactTypeChart is the envelope type of a chart artifact.
const artifactTypeChart = "chart"

// ParseMarkerLines extracts the artifact marker lines from raw process output
// the way the sandbox daemon does. The output is split on "\n"; every line
// that starts with [MarkerPrefix] is removed, whether or not it parses, and
// the remaining lines are joined with "\n" into cleaned. Each marker's
// payload (trimmed of spaces) is an envelope {"type":"chart","value":{…}};
// envelopes of other types are removed silently, and chart values are parsed
// as [Parse] does.
//
// A marker that fails to parse is reported in err (one [*ParseError] per
// line, joined) and left out of charts; charts and cleaned are complete even
// then. The daemon drops such charts without a word: a caller that wants its
// behaviour ignores err.
func ParseMarkerLines(output string) (charts []Chart, cleaned string, err error) {
	if !strings.Contains(output, MarkerPrefix) {
		return nil, output, nil
	}
	lines := strings.Split(output, "\n")
	kept := lines[:0]
	var errs errorList
	for i, line := range lines {
		payload, ok := strings.CutPrefix(line, MarkerPrefix)
		if !ok {
			kept = append(kept, line)
			continue
		}
		c, err := parseMarker(payload)
		switch {
		case err != nil:
			errs.add(&ParseError{Line: i + 1, Err: err})
		case c != nil:
			charts = append(charts, c)
		}
	}
	return charts, strings.Join(kept, "\n"), errs.err()
}

// parseMarker parses one marker payload; a non-chart artifact gives nil, nil.
func parseMarker(payload string) (Chart, error) {
	var env struct {
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(payload)), &env); err != nil {
		return nil, err
	}
	if env.Type != artifactTypeChart {
		return nil, nil
	}
	if len(env.Value) == 0 || string(env.Value) == "null" {
		return nil, errors.New("chart artifact has no value")
	}
	return parse(env.Value, 0)
}

// MarkerLine formats c as the marker line the matplotlib hook prints,
// without a trailing newline. [ParseMarkerLines] reads it back.
func MarkerLine(c Chart) (string, error) {
	if c == nil {
		return "", errors.New("charts: MarkerLine of a nil chart")
	}
	b, err := json.Marshal(struct {
		Type  string `json:"type"`
		Value Chart  `json:"value"`
	}{artifactTypeChart, c})
	if err != nil {
		return "", fmt.Errorf("charts: encode %q chart: %w", c.Base().Type, err)
	}
	return MarkerPrefix + string(b), nil
}
