package toolbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/daytonatest/internal/specvalidate"
	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
	"github.com/daytona-go/daytona/internal/version"
)

// testEnv is one toolbox behind a validating httptest server.
type testEnv struct {
	t    *testing.T
	tb   *toolbox.Toolbox
	root string
	url  string
	c    *tbclient.ClientWithResponses
	raw  *tbclient.Client
}

// newEnv starts a toolbox on a fresh root. The client sends the SDK
// version header, as the SDK does.
func newEnv(t *testing.T, configure ...func(*toolbox.Config)) *testEnv {
	t.Helper()
	cfg := toolbox.Config{Root: t.TempDir()}
	for _, f := range configure {
		f(&cfg)
	}
	tb, err := toolbox.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, tb.Close()) })
	e := &testEnv{t: t, tb: tb, root: tb.Root()}
	e.url, e.c, e.raw = serve(t, tb)
	return e
}

// newServer serves tb behind a validating server closed at the end of the
// test, and returns a typed client for it.
func newServer(t *testing.T, tb *toolbox.Toolbox) *tbclient.ClientWithResponses {
	_, c, _ := serve(t, tb)
	return c
}

// serve starts the validating server of tb; the clients send the SDK
// version header, as the SDK does.
func serve(t *testing.T, tb *toolbox.Toolbox) (string, *tbclient.ClientWithResponses, *tbclient.Client) {
	t.Helper()
	srv := httptest.NewServer(newValidator(t, tb.Handler()))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	withVersion := tbclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		if r.Header.Get("X-Daytona-SDK-Version") == "" {
			r.Header.Set("X-Daytona-SDK-Version", version.API)
		}
		return nil
	})
	c, err := tbclient.NewClientWithResponses(srv.URL, withVersion)
	require.NoError(t, err)
	raw, err := tbclient.NewClient(srv.URL, withVersion)
	require.NoError(t, err)
	return srv.URL, c, raw
}

// path returns the host path of a sandbox-relative path.
func (e *testEnv) path(rel string) string { return filepath.Join(e.root, rel) }

// write creates a file under the root.
func (e *testEnv) write(rel, content string) {
	e.t.Helper()
	p := e.path(rel)
	require.NoError(e.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(e.t, os.WriteFile(p, []byte(content), 0o644))
}

// do sends a raw request to the toolbox.
func (e *testEnv) do(method, path string, body io.Reader, header http.Header) *http.Response {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.url+path, body)
	require.NoError(e.t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	return resp
}

// readAll reads and closes a response body.
func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}

// envelope is the daemon's E1 error body.
type envelope struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
	Code       string `json:"code"`
	Timestamp  string `json:"timestamp"`
	Path       string `json:"path"`
	Method     string `json:"method"`
	Source     string `json:"source"`
}

// requireEnvelope checks an E1 answer: status, application/json without a
// charset, and the code.
func requireEnvelope(t *testing.T, resp *http.Response, body []byte, status int, code string) envelope {
	t.Helper()
	require.Equal(t, status, resp.StatusCode, "body: %s", body)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var env envelope
	require.NoError(t, json.Unmarshal(body, &env), "body: %s", body)
	require.Equal(t, status, env.StatusCode)
	require.Equal(t, code, env.Code)
	require.NotEmpty(t, env.Message)
	require.Equal(t, "DAYTONA_DAEMON", env.Source)
	return env
}

// requireEmpty checks an E2 answer.
func requireEmpty(t *testing.T, resp *http.Response, body []byte, status int) {
	t.Helper()
	require.Equal(t, status, resp.StatusCode, "body: %s", body)
	require.Empty(t, body)
}

// invalidRequestHeader marks a request a test sends on purpose against the
// contract (to check the toolbox's answer to it): the validator then
// requires the request to be invalid instead of valid.
const invalidRequestHeader = "X-Test-Invalid-Request"

// invalidRequest is the header set of such a request.
var invalidRequest = http.Header{invalidRequestHeader: {"1"}}

// newValidator checks every request and response against
// toolbox-openapi.yaml and fails the test on a violation (the emulator's
// own validator, configured as daytonatest mounts the toolbox). Multipart
// request bodies are not validated (they are streamed, the contract only
// says "object"). The daemon's documented departures
// (toolbox.KnownDeparture) are let through; answers with a status the
// contract does not declare must be an ErrorResponse.
func newValidator(t *testing.T, next http.Handler) *specvalidate.Validator {
	doc, err := tbserver.GetSpec()
	require.NoError(t, err)
	rt, err := specvalidate.NewRouter(doc)
	require.NoError(t, err)
	return &specvalidate.Validator{
		API:       "toolbox",
		Router:    rt,
		Next:      next,
		Violation: func(msg string) { t.Errorf("%s", msg) },
		Streaming: map[string]bool{
			"DownloadFile": true, "DownloadFiles": true, "DownloadRecording": true,
			"GetSessionCommandLogs": true, "GetEntrypointLogs": true,
		},
		Unspecified: func(r *http.Request) bool {
			return slices.Contains(toolbox.UnspecifiedRoutes, r.Method+" "+r.URL.Path)
		},
		SkipRequestBody: func(op string, r *http.Request) bool {
			return strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") || slices.Contains(toolbox.RawBodyOperations, op)
		},
		Departure:        toolbox.KnownDeparture,
		UndeclaredErrors: doc.Components.Schemas["ErrorResponse"].Value,
		ExpectInvalid:    func(r *http.Request) bool { return r.Header.Get(invalidRequestHeader) != "" },
	}
}
