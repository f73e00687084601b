package daytona_test

import (
	"context"
	"fmt"
	"log"

	daytona "github.com/daytona-go/daytona/facade"
)

// Logs lists a sandbox's log records newest first; a record links to the
// span of the request that wrote it, and Trace returns that trace's spans.
func ExampleSandbox_Logs() {
	sb, stop := exampleSandbox()
	defer stop()
	ctx := context.Background()

	if _, err := sb.Process.Exec(ctx, "echo hello telemetry", daytona.ExecOptions{}); err != nil {
		log.Fatal(err)
	}
	for e, err := range sb.Logs(ctx, daytona.LogQuery{Search: "telemetry"}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Severity, e.Body)
		spans, err := sb.Trace(ctx, e.TraceID)
		if err != nil {
			log.Fatal(err)
		}
		for _, sp := range spans {
			fmt.Println("span:", sp.Name, sp.Attributes["http.response.status_code"])
		}
	}
	// Output:
	// INFO hello telemetry
	// span: POST /process/execute 200
}
