package toolbox_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/daytona-go/daytona/api/toolbox"
)

// Calling a sandbox's toolbox directly: the base URL is the sandbox's
// toolboxProxyUrl plus its ID.
func Example() {
	proxyURL := "https://proxy.app.daytona.io/toolbox" // Sandbox.ToolboxProxyURL
	sandboxID := "my-sandbox-id"
	apiKey := os.Getenv("DAYTONA_API_KEY")

	c, err := toolbox.NewClientWithResponses(strings.TrimRight(proxyURL, "/")+"/"+sandboxID,
		toolbox.WithRequestEditorFn(func(ctx context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+apiKey)
			req.Header.Set("X-Daytona-SDK-Version", "0.205.1")
			return nil
		}))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	res, err := c.ExecuteCommandWithResponse(ctx, toolbox.ExecuteRequest{Command: "echo hello"})
	if err != nil {
		panic(err)
	}
	if res.JSON200 != nil {
		fmt.Print(res.JSON200.Result)
	}

	// Streaming: the plain Client method hands back the live response.
	resp, err := c.DownloadFile(ctx, &toolbox.DownloadFileParams{Path: "/etc/hostname"})
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(os.Stdout, resp.Body)
}
