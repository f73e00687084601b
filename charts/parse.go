package charts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// maxDepth bounds how deep composite charts may nest. Real figures nest one
// level; the bound keeps hostile input from costing quadratic time.
const maxDepth = 16

// maxReported bounds how many per-chart errors one call joins into its error.
const maxReported = 10

// ParseError reports one chart that could not be parsed.
type ParseError struct {
	// Line is the 1-based line of the output that held the marker
	// ([ParseMarkerLines]); 0 otherwise.
	Line int
	// Index is the 1-based position of the chart in its list ([ParseList],
	// [ParseArtifacts]); 0 otherwise.
	Index int
	// Err is the cause.
	Err error
}

// Error describes the failure without repeating the input.
func (e *ParseError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("charts: artifact marker on output line %d: %v", e.Line, e.Err)
	case e.Index > 0:
		return fmt.Sprintf("charts: chart %d: %v", e.Index, e.Err)
	}
	return fmt.Sprintf("charts: %v", e.Err)
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// Parse parses one chart object. It returns the concrete type for the
// chart's "type" (see [Chart]); an unknown or missing type gives an
// [*UnknownChart] rather than an error. Input that is not a JSON object, or
// whose fields have the wrong JSON types, is an error of type [*ParseError].
func Parse(data []byte) (Chart, error) {
	c, err := parse(data, 0)
	if err != nil {
		return nil, &ParseError{Err: err}
	}
	return c, nil
}

// ParseList parses a JSON array of chart objects; null or an empty input
// gives none. A chart that fails to parse is left out and reported in the
// returned error (one [*ParseError] per chart, joined); the charts that did
// parse are returned even then, in order.
func ParseList(data []byte) ([]Chart, error) {
	var raws []json.RawMessage
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, &ParseError{Err: fmt.Errorf("chart list: %w", err)}
		}
	}
	var (
		out  []Chart
		errs errorList
	)
	for i, raw := range raws {
		c, err := parse(raw, 0)
		if err != nil {
			errs.add(&ParseError{Index: i + 1, Err: err})
			continue
		}
		out = append(out, c)
	}
	return out, errs.err()
}

// ParseArtifacts parses the "artifacts" object of a code-run response,
// {"charts":[…]}; null or an empty input gives none. Errors are as for
// [ParseList]. A caller holding the generated toolbox type can pass its
// encoding/json output.
func ParseArtifacts(data []byte) ([]Chart, error) {
	var artifacts struct {
		Charts json.RawMessage `json:"charts"`
	}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, &artifacts); err != nil {
			return nil, &ParseError{Err: fmt.Errorf("artifacts: %w", err)}
		}
	}
	return ParseList(artifacts.Charts)
}

// parse is Parse without the error wrapper, at a composite nesting depth.
func parse(data []byte, depth int) (Chart, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, errors.New("chart is not a JSON object")
	}
	var head struct {
		Type ChartType `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, err
	}
	var c Chart
	switch head.Type {
	case ChartTypeLine:
		c = &LineChart{}
	case ChartTypeScatter:
		c = &ScatterChart{}
	case ChartTypeBar:
		c = &BarChart{}
	case ChartTypePie:
		c = &PieChart{}
	case ChartTypeBoxAndWhisker:
		c = &BoxAndWhiskerChart{}
	case ChartTypeCompositeChart:
		cc := &CompositeChart{}
		if err := cc.decode(data, depth); err != nil {
			return nil, err
		}
		return cc, nil
	default:
		c = &UnknownChart{}
	}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("%q chart: %w", head.Type, err)
	}
	c.Base().raw = bytes.Clone(data)
	return c, nil
}

// decode fills c from data, parsing its subplots one level deeper.
func (c *CompositeChart) decode(data []byte, depth int) error {
	if depth >= maxDepth {
		return fmt.Errorf("composite charts nested deeper than %d levels", maxDepth)
	}
	var wire struct {
		BaseChart
		Elements []json.RawMessage `json:"elements"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return fmt.Errorf("%q chart: %w", ChartTypeCompositeChart, err)
	}
	var elems []Chart
	if wire.Elements != nil {
		elems = make([]Chart, 0, len(wire.Elements))
	}
	for i, raw := range wire.Elements {
		sub, err := parse(raw, depth+1)
		if err != nil {
			return fmt.Errorf("subplot %d: %w", i+1, err)
		}
		elems = append(elems, sub)
	}
	*c = CompositeChart{BaseChart: wire.BaseChart, Elements: elems}
	c.raw = bytes.Clone(bytes.TrimSpace(data))
	return nil
}

// errorList joins at most maxReported errors and counts the rest.
type errorList struct {
	errs    []error
	dropped int
}

func (l *errorList) add(err error) {
	if len(l.errs) == maxReported {
		l.dropped++
		return
	}
	l.errs = append(l.errs, err)
}

func (l *errorList) err() error {
	if l.dropped > 0 {
		return errors.Join(append(l.errs, fmt.Errorf("charts: %d more charts failed to parse", l.dropped))...)
	}
	return errors.Join(l.errs...)
}
