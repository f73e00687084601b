package charts_test

import (
	"fmt"
	"log"

	"github.com/daytona-go/daytona/charts"
)

// Raw process output with the marker lines the sandbox's matplotlib hook
// prints: they are removed from the output and parsed into typed charts.
func Example() {
	output := "training...\n" +
		`dtn_artifact_k39fd2:{"type":"chart","value":{"type":"bar","title":"Scores","x_label":"model","elements":[{"label":"small","group":"v1","value":0.71},{"label":"large","group":"v1","value":0.88}]}}` + "\n" +
		`dtn_artifact_k39fd2:{"type":"chart","value":{"type":"violin","title":"Spread","elements":[]}}` + "\n" +
		"done\n"

	found, cleaned, err := charts.ParseMarkerLines(output)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range found {
		switch c := c.(type) {
		case *charts.BarChart:
			fmt.Printf("bar chart %q (x: %s)\n", c.Title, c.XLabel)
			for _, bar := range c.Elements {
				v, _ := bar.Value.Float()
				fmt.Printf("  %s/%s = %.2f\n", bar.Group, bar.Label, v)
			}
		case *charts.UnknownChart:
			fmt.Printf("kept a %q chart this package does not model: %q\n", c.Type, c.Title)
		}
	}
	fmt.Printf("output: %q\n", cleaned)
	// Output:
	// bar chart "Scores" (x: model)
	//   v1/small = 0.71
	//   v1/large = 0.88
	// kept a "violin" chart this package does not model: "Spread"
	// output: "training...\ndone\n"
}

// A composite chart (a figure with subplots) nests other charts.
func ExampleParse() {
	c, err := charts.Parse([]byte(`{"type":"composite_chart","title":"Dashboard","elements":[
		{"type":"line","title":"Trend","elements":[{"label":"visits","points":[[0,3],[1,8]]}]},
		{"type":"pie","title":"Share","elements":[{"label":"a","angle":270,"radius":1},{"label":"b","angle":90,"radius":1}]}]}`))
	if err != nil {
		log.Fatal(err)
	}
	composite := c.(*charts.CompositeChart)
	fmt.Println(composite.Title)
	for _, sub := range composite.Elements {
		switch sub := sub.(type) {
		case *charts.LineChart:
			for _, series := range sub.Elements {
				fmt.Printf("  line %q: %s %v\n", sub.Title, series.Label, series.Points)
			}
		case *charts.PieChart:
			for _, slice := range sub.Elements {
				fmt.Printf("  pie %q: %s %.0f°\n", sub.Title, slice.Label, slice.Angle)
			}
		}
	}
	if _, err := c.PNG(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Dashboard
	//   line "Trend": visits [{0 3} {1 8}]
	//   pie "Share": a 270°
	//   pie "Share": b 90°
	// charts: chart has no PNG image
}
