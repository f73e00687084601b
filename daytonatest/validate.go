package daytonatest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
	"github.com/daytona-go/daytona/daytonatest/internal/specvalidate"
	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
)

// Contract validation (internal/specvalidate does the checking).
//
// The control plane is validated strictly: a bad request is answered 400
// (404 for an unknown route) without reaching the handler and a bad
// response is replaced by a 500. The toolbox is validated but passed
// through unchanged, because it reproduces the daemon's own departures from
// its contract (empty error bodies, {"error"} bodies, routes the contract
// lacks); those are listed by the toolbox package and accepted. Every
// violation is recorded, so a test using NewServer fails on it.

// cpStreaming lists the control-plane operations whose responses are not
// buffered: the deprecated build-log endpoints, which stream with
// ?follow=true. (The contract declares no body for them either.)
var cpStreaming = map[string]bool{
	"GetBuildLogs":         true,
	"GetSnapshotBuildLogs": true,
}

// tbStreaming lists the toolbox operations whose responses are not
// buffered: file transfers and log follows (WebSocket upgrades are never
// buffered).
var tbStreaming = map[string]bool{
	"DownloadFile":          true,
	"DownloadFiles":         true,
	"DownloadRecording":     true,
	"GetSessionCommandLogs": true,
	"GetEntrypointLogs":     true,
}

// cpRouter and tbRouter are the contracts' routers, built once per process:
// the contracts are large and read-only once loaded.
var (
	cpRouter = sync.OnceValues(func() (routers.Router, error) {
		doc, err := cpserver.GetSpec()
		if err != nil {
			return nil, fmt.Errorf("loading the control-plane contract: %w", err)
		}
		return specvalidate.NewRouter(doc)
	})
	tbContract = sync.OnceValues(func() (*openapi3.T, error) {
		doc, err := tbserver.GetSpec()
		if err != nil {
			return nil, fmt.Errorf("loading the toolbox contract: %w", err)
		}
		return doc, nil
	})
	tbRouter = sync.OnceValues(func() (routers.Router, error) {
		doc, err := tbContract()
		if err != nil {
			return nil, err
		}
		return specvalidate.NewRouter(doc)
	})
)

// cpValidator wraps the control-plane handler.
func (s *Server) cpValidator(next http.Handler) (http.Handler, error) {
	rt, err := cpRouter()
	if err != nil {
		return nil, err
	}
	return &specvalidate.Validator{
		API:       "control plane",
		Router:    rt,
		Next:      next,
		Violation: func(msg string) { s.recordf("%s", msg) },
		Reject:    writeNestError,
		Streaming: cpStreaming,
	}, nil
}

// tbValidator wraps one sandbox's toolbox handler (which sees paths
// relative to the toolbox base).
func (s *Server) tbValidator(next http.Handler) (http.Handler, error) {
	rt, err := tbRouter()
	if err != nil {
		return nil, err
	}
	doc, err := tbContract()
	if err != nil {
		return nil, err
	}
	return &specvalidate.Validator{
		API:       "toolbox",
		Router:    rt,
		Next:      next,
		Violation: func(msg string) { s.recordf("%s", msg) },
		Streaming: tbStreaming,
		Unspecified: func(r *http.Request) bool {
			return slices.Contains(toolbox.UnspecifiedRoutes, r.Method+" "+r.URL.Path)
		},
		SkipRequestBody: func(op string, r *http.Request) bool {
			return strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") || slices.Contains(toolbox.RawBodyOperations, op)
		},
		Departure:        toolbox.KnownDeparture,
		UndeclaredErrors: doc.Components.Schemas["ErrorResponse"].Value,
	}, nil
}
