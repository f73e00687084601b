package daytonatest_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/daytonatest"
)

// Start runs the emulator outside a test; here the generated control-plane
// client creates a sandbox and waits for it to start.
func ExampleStart() {
	srv, err := daytonatest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := controlplane.NewClientWithResponses(srv.URL,
		controlplane.WithHTTPClient(&http.Client{Transport: tr}),
		controlplane.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+srv.APIKey)
			return nil
		}))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	created, err := c.CreateSandboxWithResponse(ctx, nil, controlplane.CreateSandbox{Name: ptr("demo")})
	if err != nil {
		panic(err)
	}
	fmt.Println(created.JSON200.Name, *created.JSON200.State)
	for {
		got, err := c.GetSandboxWithResponse(ctx, "demo", nil)
		if err != nil {
			panic(err)
		}
		if *got.JSON200.State == controlplane.SandboxStateStarted {
			fmt.Println(got.JSON200.Name, *got.JSON200.State)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Output:
	// demo creating
	// demo started
}

// InjectFault makes the next request answer 429 with Retry-After;
// Requests counts what arrived.
func ExampleServer_InjectFault() {
	srv, err := daytonatest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.InjectFault(daytonatest.Fault{Method: "GET", Path: "/sandbox/{sandboxIdOrName}", Status: 429, RetryAfter: "1"})

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/sandbox/anything", nil)
	req.Header.Set("Authorization", "Bearer "+srv.APIKey)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"), srv.Requests("GET", "/sandbox/*"))
	// Output: 429 1 1
}

func ptr[T any](v T) *T { return &v }
