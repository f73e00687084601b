package toolbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/daytona-go/daytona/api/toolbox"
)

// The documented wiring: base URL {proxy}/{sandboxId} (with or without a
// trailing slash), operation paths appended verbatim, editors applied.
func TestBaseURLAndAuth(t *testing.T) {
	var gotPath, gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotAuth = r.URL.Path, r.Header.Get("Authorization")
		var req toolbox.ExecuteRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(toolbox.ExecuteResponse{Result: req.Command})
	}))
	defer srv.Close()

	for _, base := range []string{srv.URL + "/toolbox/sb-1", srv.URL + "/toolbox/sb-1/"} {
		c, err := toolbox.NewClientWithResponses(base, toolbox.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer k")
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.ExecuteCommandWithResponse(context.Background(), toolbox.ExecuteRequest{Command: "echo"})
		if err != nil {
			t.Fatal(err)
		}
		if res.JSON200 == nil || res.JSON200.Result != "echo" {
			t.Fatalf("base %q: response %d %s", base, res.StatusCode(), res.Body)
		}
		if gotPath != "/toolbox/sb-1/process/execute" || gotAuth != "Bearer k" {
			t.Fatalf("base %q: server saw path %q auth %q", base, gotPath, gotAuth)
		}
	}
}

// The plain Client method returns the live body: the server can keep
// writing after the client has started reading.
func TestDownloadStreams(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first")
		w.(http.Flusher).Flush()
		<-release
		_, _ = io.WriteString(w, "second")
	}))
	defer srv.Close()
	defer close(release)

	c, err := toolbox.NewClient(srv.URL + "/toolbox/sb-1")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.DownloadFile(context.Background(), &toolbox.DownloadFileParams{Path: "f"})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first" {
		t.Fatalf("read %q, %v before the server finished", buf, err)
	}
}
