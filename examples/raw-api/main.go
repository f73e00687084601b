// Raw-api calls the Daytona APIs through the generated clients, for
// endpoints the facade does not wrap or when the wire's own types are
// wanted: client.API() is the control-plane client and sb.Toolbox() the
// sandbox's toolbox client, both pre-wired with authentication, the SDK's
// headers and retries.
//
//	go run ./examples/raw-api
//
// Generated types follow the API contract and may change when the SDK is
// regenerated against a newer one; the facade is the stable surface.
//
// It runs against Daytona when DAYTONA_API_KEY is set, else against the
// in-process emulator; the first line of output says which.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(5*time.Minute, run) }

const port = 8123

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	c := env.Client
	sb, err := c.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{"example": "raw-api"}}, daytona.CreateOptions{})
	if sb != nil {
		defer exenv.Remove(w, sb)
	}
	if err != nil {
		return err
	}

	// Control plane: list sandboxes by label, with the wire's own types.
	// ClientWithResponses methods read and decode the body; an error status
	// is a response too, not a Go error.
	labels, _ := json.Marshal(map[string]string{"example": "raw-api"})
	limit := float64(10)
	list, err := c.API().ListSandboxesWithResponse(ctx, &controlplane.ListSandboxesParams{
		Labels: ptr(string(labels)),
		Limit:  &limit,
	})
	if err != nil {
		return err
	}
	if list.JSON200 == nil {
		return fmt.Errorf("list sandboxes: %s", list.Status())
	}
	for _, item := range list.JSON200.Items {
		fmt.Fprintf(w, "control plane: sandbox %s, state %s, %g cpu (same as the facade's: %t)\n",
			item.ID, deref(item.State), item.CPU, item.ID == sb.ID())
	}
	missing, err := c.API().GetSandboxWithResponse(ctx, "no-such-sandbox", nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "control plane: get no-such-sandbox: HTTP %d\n", missing.StatusCode())

	// Toolbox: ports in use, which the facade does not wrap. Start a web
	// server in the sandbox first.
	tb := sb.Toolbox()
	if err := sb.Process.CreateSession(ctx, "web"); err != nil {
		return err
	}
	defer sb.Process.DeleteSession(context.WithoutCancel(ctx), "web")
	if _, err := sb.Process.ExecuteSessionCommand(ctx, "web", fmt.Sprintf("python3 -m http.server %d --bind 127.0.0.1", port), daytona.SessionExecOptions{Async: true}); err != nil {
		return err
	}
	// The server takes a moment to listen: ask for up to 20 seconds.
	inUse := false
	for try := 0; try < 200 && !inUse; try++ {
		res, err := tb.IsPortInUseWithResponse(ctx, port)
		if err != nil {
			return err
		}
		if res.JSON200 == nil {
			return fmt.Errorf("port in use: %s", res.Status())
		}
		if inUse = deref(res.JSON200.IsInUse); !inUse {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	fmt.Fprintf(w, "toolbox: port %d in use: %t\n", port, inUse)
	ports, err := tb.GetPortsWithResponse(ctx)
	if err != nil {
		return err
	}
	if ports.JSON200 != nil && ports.JSON200.Ports != nil {
		for _, p := range *ports.JSON200.Ports {
			if p == port {
				fmt.Fprintf(w, "toolbox: port %d is listed among the open ports\n", port)
			}
		}
	}

	// Control plane again: the port's preview URL and token. The web server
	// answers through it (the token goes in a header; it is a secret).
	preview, err := c.API().GetPortPreviewURLWithResponse(ctx, sb.ID(), port, nil)
	if err != nil {
		return err
	}
	if preview.JSON200 == nil {
		return fmt.Errorf("preview URL: %s", preview.Status())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, preview.JSON200.URL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Daytona-Preview-Token", preview.JSON200.Token)
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	page, err := hc.Do(req)
	if err != nil {
		return err
	}
	listing, err := io.ReadAll(page.Body)
	page.Body.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "control plane: preview of port %d: HTTP %d, a directory listing %t\n",
		port, page.StatusCode, strings.Contains(string(listing), "Directory listing"))

	// Toolbox, typed request body.
	exec, err := tb.ExecuteCommandWithResponse(ctx, toolbox.ExecuteRequest{Command: "echo raw", Timeout: ptr(10)})
	if err != nil {
		return err
	}
	if exec.JSON200 == nil {
		return fmt.Errorf("execute: %s", exec.Status())
	}
	fmt.Fprintf(w, "toolbox: execute: exit %d, %q\n", deref(exec.JSON200.ExitCode), exec.JSON200.Result)

	// The plain methods (no WithResponse) return the live *http.Response:
	// the body streams, and the caller closes it.
	if err := sb.FS.Upload(ctx, "raw.txt", strings.NewReader("streamed through the raw client\n")); err != nil {
		return err
	}
	resp, err := tb.DownloadFile(ctx, &toolbox.DownloadFileParams{Path: "raw.txt"})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "toolbox: download: HTTP %d, %q\n", resp.StatusCode, body)
	return nil
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
