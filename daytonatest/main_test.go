package daytonatest

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/daytona-go/daytona/api/controlplane"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// client returns a generated control-plane client for srv, authenticated
// with its API key. Its transport is closed when the test ends.
func client(t *testing.T, srv *Server) *controlplane.ClientWithResponses {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := controlplane.NewClientWithResponses(srv.URL,
		controlplane.WithHTTPClient(&http.Client{Transport: tr}),
		controlplane.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+srv.APIKey)
			return nil
		}))
	require.NoError(t, err)
	return c
}

// rawClient is an *http.Client whose transport is closed when the test ends.
func rawClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// create creates a sandbox and returns it as created (not yet started).
func create(t *testing.T, c *controlplane.ClientWithResponses, body controlplane.CreateSandbox) controlplane.Sandbox {
	t.Helper()
	resp, err := c.CreateSandboxWithResponse(context.Background(), nil, body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), string(resp.Body))
	require.NotNil(t, resp.JSON200)
	return *resp.JSON200
}

// get fetches a sandbox; it returns the status and, on 200, the sandbox.
func get(t *testing.T, c *controlplane.ClientWithResponses, id string) (int, *controlplane.Sandbox) {
	t.Helper()
	resp, err := c.GetSandboxWithResponse(context.Background(), id, nil)
	require.NoError(t, err)
	return resp.StatusCode(), resp.JSON200
}

// waitState polls the sandbox until it is in state want (or, for
// "destroyed", until it answers 404). It fails after 10 s.
func waitState(t *testing.T, c *controlplane.ClientWithResponses, id string, want controlplane.SandboxState) controlplane.Sandbox {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		code, sb := get(t, c, id)
		switch {
		case code == http.StatusNotFound && want == controlplane.SandboxStateDestroyed:
			return controlplane.Sandbox{ID: id}
		case code == http.StatusOK && sb.State != nil && *sb.State == want:
			return *sb
		case code == http.StatusOK && sb.State != nil:
			last = string(*sb.State)
		default:
			last = http.StatusText(code)
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("sandbox %s did not reach %s (last: %s)", id, want, last)
	return controlplane.Sandbox{}
}

// started creates a sandbox and waits for it to start.
func started(t *testing.T, c *controlplane.ClientWithResponses, body controlplane.CreateSandbox) controlplane.Sandbox {
	t.Helper()
	sb := create(t, c, body)
	return waitState(t, c, sb.ID, controlplane.SandboxStateStarted)
}

// nestError decodes and checks a NestJS-shaped error body.
func nestError(t *testing.T, body []byte, status int) nestBody {
	t.Helper()
	var raw map[string]any
	require.NoError(t, json.Unmarshal(body, &raw), string(body))
	require.ElementsMatch(t, []string{"path", "timestamp", "statusCode", "error", "message"}, keys(raw))
	var nb nestBody
	require.NoError(t, json.Unmarshal(body, &nb))
	require.Equal(t, status, nb.StatusCode)
	require.Equal(t, http.StatusText(status), nb.Error)
	_, err := time.Parse(time.RFC3339, nb.Timestamp)
	require.NoError(t, err)
	return nb
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func strp(s string) *string { return &s }
func intp(i int) *int       { return &i }
func boolp(b bool) *bool    { return &b }
