package charts

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ChartType is the kind of a chart, the "type" field on the wire. Values this
// package does not know still decode (see [ChartType.Known]).
type ChartType string

// The chart types the matplotlib hook emits.
const (
	ChartTypeLine           ChartType = "line"
	ChartTypeScatter        ChartType = "scatter"
	ChartTypeBar            ChartType = "bar"
	ChartTypePie            ChartType = "pie"
	ChartTypeBoxAndWhisker  ChartType = "box_and_whisker"
	ChartTypeCompositeChart ChartType = "composite_chart"
	ChartTypeUnknown        ChartType = "unknown" // a figure the hook could not classify
)

// Known reports whether t is one of the ChartType constants of this package.
func (t ChartType) Known() bool {
	switch t {
	case ChartTypeLine, ChartTypeScatter, ChartTypeBar, ChartTypePie,
		ChartTypeBoxAndWhisker, ChartTypeCompositeChart, ChartTypeUnknown:
		return true
	}
	return false
}

// Scale is the scale of a chart axis, as matplotlib names it. Values this
// package does not know still decode.
type Scale string

// Axis scales.
const (
	ScaleLinear      Scale = "linear"
	ScaleLog         Scale = "log"
	ScaleSymlog      Scale = "symlog"
	ScaleLogit       Scale = "logit"
	ScaleDatetime    Scale = "datetime"
	ScaleCategorical Scale = "categorical"
)

// ErrNoPNG is returned by [BaseChart.PNG] for a chart that carries no image
// (composite sub-charts may have none).
var ErrNoPNG = errors.New("charts: chart has no PNG image")

// Chart is any parsed chart. The concrete type is one of [*LineChart],
// [*ScatterChart], [*BarChart], [*PieChart], [*BoxAndWhiskerChart],
// [*CompositeChart] or [*UnknownChart]; a type switch gives the typed
// elements. All of them embed [BaseChart], which implements the interface.
type Chart interface {
	// Base returns the fields every chart has. It points into the chart, so
	// writes through it change the chart.
	Base() *BaseChart
	// PNG returns the chart's image, decoded from base64.
	PNG() ([]byte, error)
	// Raw returns a copy of the JSON the chart was parsed from, or nil for a
	// chart built in Go.
	Raw() json.RawMessage
}

// BaseChart holds the fields every chart has. Its wire names are in the json
// tags.
type BaseChart struct {
	// Type is the wire type. Parse sets it; a chart built in Go must set it
	// for its JSON to parse back as the same type.
	Type  ChartType `json:"type"`
	Title string    `json:"title"` // Title is the chart's title; empty if it has none.
	// PNGBase64 is the image as the wire carries it (standard base64); use
	// [BaseChart.PNG] for the bytes.
	PNGBase64 string `json:"png,omitempty"`

	raw json.RawMessage
}

// Base returns b itself.
func (b *BaseChart) Base() *BaseChart { return b }

// PNG decodes the chart's image. A chart without an image returns
// [ErrNoPNG]; invalid base64 returns an error wrapping
// [encoding/base64.CorruptInputError]. Missing "=" padding is accepted.
func (b *BaseChart) PNG() ([]byte, error) {
	if b.PNGBase64 == "" {
		return nil, ErrNoPNG
	}
	img, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(b.PNGBase64, "="))
	if err != nil {
		return nil, fmt.Errorf("charts: decode png of %q chart: %w", b.Type, err)
	}
	return img, nil
}

// Raw returns a copy of the JSON the chart was parsed from, or nil for a chart
// built in Go.
func (b *BaseChart) Raw() json.RawMessage { return bytes.Clone(b.raw) }

// Chart2D is a chart with x and y axes. Bar and box-and-whisker charts embed
// it directly; line and scatter charts through [PointChart].
type Chart2D struct {
	BaseChart
	// XLabel is the x axis label; empty if none.
	XLabel string `json:"x_label,omitempty"`
	// YLabel is the y axis label; empty if none.
	YLabel string `json:"y_label,omitempty"`
	// XTicks and YTicks are the tick positions: numbers, or strings on
	// datetime and categorical axes.
	XTicks []Scalar `json:"x_ticks,omitempty"`
	// XTickLabels are the labels shown at XTicks.
	XTickLabels []string `json:"x_tick_labels,omitempty"`
	// XScale is the x axis scale; empty if not sent.
	XScale Scale `json:"x_scale,omitempty"`
	// YTicks are the y tick positions (see XTicks).
	YTicks []Scalar `json:"y_ticks,omitempty"`
	// YTickLabels are the labels shown at YTicks.
	YTickLabels []string `json:"y_tick_labels,omitempty"`
	// YScale is the y axis scale; empty if not sent.
	YScale Scale `json:"y_scale,omitempty"`
}

// PointChart is a 2D chart whose elements are series of points: the common
// part of [LineChart] and [ScatterChart].
type PointChart struct {
	Chart2D
	// Elements are the chart's series, one per line or marker set.
	Elements []PointData `json:"elements"`
}

// PointData is one series of a line or scatter chart.
type PointData struct {
	Label  string  `json:"label"`  // Label is the series' legend label.
	Points []Point `json:"points"` // Points are the series' points, in wire order.
}

// Point is one (x, y) point; on the wire a two-element array [x, y].
type Point struct {
	// X and Y are the coordinates: numbers, or strings on datetime and categorical axes.
	X, Y Scalar
}

// MarshalJSON encodes p as [x, y].
func (p Point) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]Scalar{p.X, p.Y})
}

// UnmarshalJSON decodes [x, y]; an array of another length is an error.
func (p *Point) UnmarshalJSON(data []byte) error {
	var xy []Scalar
	if err := json.Unmarshal(data, &xy); err != nil {
		return err
	}
	if xy == nil {
		*p = Point{}
		return nil
	}
	if len(xy) != 2 {
		return fmt.Errorf("point has %d coordinates, want 2", len(xy))
	}
	*p = Point{X: xy[0], Y: xy[1]}
	return nil
}

// LineChart is a chart of type "line".
type LineChart struct {
	PointChart
}

// ScatterChart is a chart of type "scatter".
type ScatterChart struct {
	PointChart
}

// BarChart is a chart of type "bar".
type BarChart struct {
	Chart2D
	Elements []BarData `json:"elements"` // Elements are the bars.
}

// BarData is one bar.
type BarData struct {
	Label string `json:"label"` // Label is the bar's label (its category).
	Group string `json:"group"` // Group is the series (legend entry) the bar belongs to.
	// Value is a number as the matplotlib hook emits it, or a string as the
	// daemon's type declares it; [Scalar.Float] reads both.
	Value Scalar `json:"value"`
}

// PieChart is a chart of type "pie".
type PieChart struct {
	BaseChart
	Elements []PieData `json:"elements"` // Elements are the slices.
}

// PieData is one pie slice.
type PieData struct {
	Label  string  `json:"label"`  // Label is the slice's label.
	Angle  float64 `json:"angle"`  // Angle is the slice's angular size, in degrees.
	Radius float64 `json:"radius"` // Radius is the slice's radius, in the figure's data units.
	// AutoPct is the slice's percentage label when the figure has one (a
	// string or a number); zero otherwise.
	AutoPct Scalar `json:"autopct,omitzero"`
}

// BoxAndWhiskerChart is a chart of type "box_and_whisker".
type BoxAndWhiskerChart struct {
	Chart2D
	Elements []BoxAndWhiskerData `json:"elements"` // Elements are the boxes.
}

// BoxAndWhiskerData is one box.
type BoxAndWhiskerData struct {
	// Label is the box's label (its category).
	Label string `json:"label"`
	// Min is the end of the lower whisker.
	Min float64 `json:"min"`
	// FirstQuartile is the bottom of the box (25th percentile).
	FirstQuartile float64 `json:"first_quartile"`
	// Median is the line across the box.
	Median float64 `json:"median"`
	// ThirdQuartile is the top of the box (75th percentile).
	ThirdQuartile float64 `json:"third_quartile"`
	// Max is the end of the upper whisker.
	Max float64 `json:"max"`
	// Outliers are the values drawn beyond the whiskers; empty if none.
	Outliers []float64 `json:"outliers"`
}

// CompositeChart is a chart of type "composite_chart": a figure with several
// subplots, each a [Chart] of its own. The daemon of toolbox v0.190 keeps
// only the scalar fields of each subplot (type, title, png, x_label,
// y_label), so subplots that came through it have no elements.
type CompositeChart struct {
	BaseChart
	Elements []Chart `json:"elements"` // Elements are the subplots, each parsed as by Parse.
}

// UnmarshalJSON decodes a composite chart, parsing each subplot as [Parse]
// does.
func (c *CompositeChart) UnmarshalJSON(data []byte) error {
	return c.decode(data, 0)
}

// UnknownChart is a chart whose type this package does not model: the type
// "unknown", a type added upstream later, or none at all. It keeps the common
// fields, the elements as raw JSON, and the whole object in Raw.
type UnknownChart struct {
	BaseChart
	// Elements are the "elements" array entries, undecoded; nil if absent.
	Elements []json.RawMessage `json:"elements"`
}
