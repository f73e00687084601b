package daytonatest

import (
	"context"
	"net/http"
	"strings"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

// Build logs of a sandbox created from build info are served at
// {URL}/sandboxes/{sandboxId}/build-logs (what build-logs-url returns; the
// real one points at the region proxy the same way). With ?follow=true the
// body streams the log as the build writes it and ends when the build ends
// (success or build_failed); without, it is what has been written so far.
// The deprecated GET /sandbox/{id}/build-logs?follow= serves the same log.

const buildLogsPrefix = "/sandboxes/"

// isBuildLogsPath reports whether p is /sandboxes/{id}/build-logs.
func isBuildLogsPath(p string) bool {
	rest, ok := strings.CutPrefix(p, buildLogsPrefix)
	if !ok {
		return false
	}
	id, tail, ok := strings.Cut(rest, "/")
	return ok && id != "" && tail == "build-logs"
}

// buildLog finds the build log of the sandbox. Callers hold s.mu.
func (s *Server) buildLog(sb *sandbox, idOrName string) (*logBuffer, error) {
	if sb.build == nil {
		return nil, notFound("Sandbox %s has no build info", idOrName)
	}
	return sb.build.log, nil
}

// serveBuildLogs serves {URL}/sandboxes/{sandboxId}/build-logs.
func (s *Server) serveBuildLogs(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeNestError(w, r, http.StatusNotFound, "Cannot "+r.Method+" "+r.URL.Path)
		return
	}
	id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, buildLogsPrefix), "/build-logs")
	s.mu.Lock()
	sb, err := s.lookupID(id)
	var log *logBuffer
	if err == nil {
		log, err = s.buildLog(sb, id)
	}
	s.mu.Unlock()
	if err != nil {
		writeErr(w, r, err)
		return
	}
	log.serve(r.Context(), w, r.URL.Query().Get("follow") == "true", s.ctx.Done())
}

// GetBuildLogsURL implements GET /sandbox/{id}/build-logs-url.
func (h *handlers) GetBuildLogsURL(_ context.Context, req cpserver.GetBuildLogsURLRequestObject) (cpserver.GetBuildLogsURLResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookup(req.SandboxIDOrName)
	if err != nil {
		return nil, err
	}
	if _, err := s.buildLog(sb, req.SandboxIDOrName); err != nil {
		return nil, err
	}
	return cpserver.GetBuildLogsURL200JSONResponse{URL: s.URL + buildLogsPrefix + sb.id + "/build-logs"}, nil
}

// GetBuildLogs implements the deprecated GET /sandbox/{id}/build-logs.
func (h *handlers) GetBuildLogs(ctx context.Context, req cpserver.GetBuildLogsRequestObject) (cpserver.GetBuildLogsResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookup(req.SandboxIDOrName)
	if err != nil {
		return nil, err
	}
	log, err := s.buildLog(sb, req.SandboxIDOrName)
	if err != nil {
		return nil, err
	}
	follow := req.Params.Follow != nil && *req.Params.Follow
	return logResponse{ctx: ctx, log: log, follow: follow, stop: s.ctx.Done()}, nil
}

// logResponse streams a build log as a strict-server response.
type logResponse struct {
	ctx    context.Context
	log    *logBuffer
	follow bool
	stop   <-chan struct{}
}

// VisitGetBuildLogsResponse writes the log (and follows it if asked).
func (lr logResponse) VisitGetBuildLogsResponse(w http.ResponseWriter) error {
	lr.log.serve(lr.ctx, w, lr.follow, lr.stop)
	return nil
}
