package controlplane_test

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/daytona-go/daytona/api/controlplane"
)

// Calling the control plane directly: a bearer token in a client-wide
// request editor, then a typed call.
func Example() {
	apiKey := os.Getenv("DAYTONA_API_KEY")
	c, err := controlplane.NewClientWithResponses("https://app.daytona.io/api",
		controlplane.WithRequestEditorFn(func(ctx context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+apiKey)
			req.Header.Set("X-Daytona-Source", "my-tool")
			return nil
		}))
	if err != nil {
		panic(err)
	}
	limit := float64(10)
	resp, err := c.ListSandboxesWithResponse(context.Background(), &controlplane.ListSandboxesParams{Limit: &limit})
	if err != nil {
		panic(err)
	}
	if resp.JSON200 == nil {
		fmt.Println("status:", resp.StatusCode())
		return
	}
	for _, sb := range resp.JSON200.Items {
		fmt.Println(sb.ID, sb.State)
	}
}
