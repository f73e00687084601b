// Package charts is the typed model of the matplotlib charts that a Daytona
// sandbox returns from a Python code run.
//
// When Python code imports matplotlib, the sandbox daemon hooks pyplot and
// prints one marker line per distinct figure:
//
//	dtn_artifact_k39fd2:{"type":"chart","value":{…chart…}}
//
// The daemon removes those lines from the command output and returns the
// charts as JSON in the code-run response's artifacts. This package parses
// both forms into one Go type per chart kind:
//
//   - [Parse] reads one chart object; [ParseList] a JSON array of them;
//     [ParseArtifacts] the code-run "artifacts" object.
//   - [ParseMarkerLines] extracts the marker lines from raw process output, as
//     the daemon does, and returns the output without them.
//
// Every parsed value implements [Chart]. Use a type switch on the concrete
// type ([*LineChart], [*ScatterChart], [*BarChart], [*PieChart],
// [*BoxAndWhiskerChart], [*CompositeChart]); a chart of a type this package
// does not know is kept as an [*UnknownChart] with its JSON, never dropped.
//
// [encoding/json.Marshal] of any chart yields the wire shape again, and
// [MarkerLine] formats a chart as a marker line.
//
// Chart values are plain data: safe for concurrent reads, not for concurrent
// writes.
package charts
