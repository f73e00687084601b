package toolbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// errShape is the body shape of an error answer (PROTOCOLS.md 1.1).
type errShape int

const (
	shapeEnvelope   errShape = iota // E1: the daemon's JSON envelope
	shapeEmpty                      // E2: status only, empty body
	shapeErrorField                 // E3: {"error":"…"}
	shapeDegenerate                 // E1b: envelope without code, zero timestamp, empty path
)

// Error codes the emulator uses (PROTOCOLS.md 1.4).
const (
	codeBadRequest         = "BAD_REQUEST"
	codeInvalidRequestBody = "INVALID_REQUEST_BODY"
	codeForbidden          = "FORBIDDEN"
	codeNotFound           = "NOT_FOUND"
	codeRequestTimeout     = "REQUEST_TIMEOUT"
	codeConflict           = "CONFLICT"
	codeGone               = "GONE"
	codeInternal           = "INTERNAL_SERVER_ERROR"
	codeFileNotFound       = "FILE_NOT_FOUND"
	codeFileAccessDenied   = "FILE_ACCESS_DENIED"
	codeInvalidFilePath    = "INVALID_FILE_PATH" // only in bulk-download error parts
	codeFileReadFailed     = "FILE_READ_FAILED"  // only in bulk-download error parts
	codeGitAuthFailed      = "GIT_AUTH_FAILED"
	codeGitRepoNotFound    = "GIT_REPO_NOT_FOUND"
	codeGitBranchNotFound  = "GIT_BRANCH_NOT_FOUND"
	codeGitBranchExists    = "GIT_BRANCH_EXISTS"
	codeGitPushRejected    = "GIT_PUSH_REJECTED"
	codeGitDirtyWorktree   = "GIT_DIRTY_WORKTREE"
	codeGitMergeConflict   = "GIT_MERGE_CONFLICT"
	codeGitTransportFailed = "GIT_TRANSPORT_FAILED"
	codeGitRemoteRejected  = "GIT_REMOTE_REJECTED"
)

// sourceDaemon is the envelope's source field (API v0.205.1).
const sourceDaemon = "DAYTONA_DAEMON"

// daemonError is an error answer. Handlers return it (wrapped or not) and
// the strict server's error hooks write it in its shape. Its message never
// holds a secret: git errors are built from scrubbed output (git.go).
type daemonError struct {
	status int
	code   string // "" leaves the envelope without a code
	msg    string // the whole message, kind prefix included
	shape  errShape
}

func (e *daemonError) Error() string {
	if e.msg == "" {
		return http.StatusText(e.status)
	}
	return e.msg
}

// newError builds an E1 envelope error.
func newError(status int, code, msg string) *daemonError {
	return &daemonError{status: status, code: code, msg: msg}
}

func badRequest(format string, args ...any) *daemonError {
	return newError(http.StatusBadRequest, codeBadRequest, "bad request: "+fmt.Sprintf(format, args...))
}

func notFound(format string, args ...any) *daemonError {
	return newError(http.StatusNotFound, codeNotFound, "not found: "+fmt.Sprintf(format, args...))
}

func conflict(format string, args ...any) *daemonError {
	return newError(http.StatusConflict, codeConflict, "conflict: "+fmt.Sprintf(format, args...))
}

func internalError(format string, args ...any) *daemonError {
	return newError(http.StatusInternalServerError, codeInternal, "internal server error: "+fmt.Sprintf(format, args...))
}

// emptyError is an E2 answer: the status and nothing else.
func emptyError(status int) *daemonError {
	return &daemonError{status: status, shape: shapeEmpty}
}

// fieldError is an E3 answer: {"error": msg}.
func fieldError(status int, msg string) *daemonError {
	return &daemonError{status: status, msg: msg, shape: shapeErrorField}
}

// degenerateError is the E1b 500 some session handlers answer with.
func degenerateError(msg string) *daemonError {
	return &daemonError{status: http.StatusInternalServerError, msg: msg, shape: shapeDegenerate}
}

// envelope is the E1 body. Field order is the daemon's.
type envelope struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
	Code       string `json:"code,omitempty"`
	Timestamp  string `json:"timestamp"`
	Path       string `json:"path"`
	Method     string `json:"method,omitempty"`
	Source     string `json:"source,omitempty"`
}

// envelopeFor returns the E1 body of e for a request of method on path.
func envelopeFor(e *daemonError, method, path string) envelope {
	if e.shape == shapeDegenerate {
		return envelope{StatusCode: e.status, Message: e.msg, Timestamp: "0001-01-01T00:00:00Z"}
	}
	return envelope{
		StatusCode: e.status,
		Message:    e.Error(),
		Code:       e.code,
		Timestamp:  time.Now().UTC().Format(time.RFC3339Nano),
		Path:       path,
		Method:     method,
		Source:     sourceDaemon,
	}
}

// asDaemonError returns err as a *daemonError; any other error becomes a
// 500 envelope.
func asDaemonError(err error) *daemonError {
	var de *daemonError
	if errors.As(err, &de) {
		return de
	}
	return internalError("%s", err.Error())
}

// writeError writes err in its shape. The E1 envelope is application/json
// without a charset, as the daemon sends it (quirk 14).
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	if rw, ok := w.(*responseWriter); ok && rw.wroteHeader {
		return // a streamed answer failed after its header: nothing left to say
	}
	de := asDaemonError(err)
	h := w.Header()
	switch de.shape {
	case shapeEmpty:
		h.Set("Content-Length", "0")
		w.WriteHeader(de.status)
		return
	case shapeErrorField:
		writeJSON(w, de.status, map[string]string{"error": de.msg})
		return
	}
	body, _ := json.Marshal(envelopeFor(de, r.Method, r.URL.Path))
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(de.status)
	_, _ = w.Write(body)
}

// writeJSON writes v as a success-style JSON body
// (application/json; charset=utf-8).
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		body = []byte(`{}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// requestError answers a request the generated strict server could not
// decode (a bad JSON or multipart body).
func requestError(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, newError(http.StatusBadRequest, codeInvalidRequestBody, "bad request: invalid request body: "+err.Error()))
}

// emptyParamErrorRoutes are the routes whose parameter errors the daemon
// answers with an empty 400 (E2): their handlers abort with a bare status.
var emptyParamErrorRoutes = map[string]bool{
	"GET /files/download":       true,
	"GET /files/info":           true,
	"DELETE /files":             true,
	"POST /files/upload-v2":     true,
	"POST /files/upload":        true,
	"GET /port/{port}/in-use":   true,
	"GET /lsp/document-symbols": true,
	"GET /lsp/workspacesymbols": true,
}

// paramError answers a request whose parameters the generated router could
// not bind (a missing required query parameter, a non-integer port, …).
func paramError(w http.ResponseWriter, r *http.Request, err error) {
	route := r.Method + " " + r.URL.Path
	if strings.HasPrefix(r.URL.Path, "/port/") && strings.HasSuffix(r.URL.Path, "/in-use") {
		route = r.Method + " /port/{port}/in-use"
	}
	if emptyParamErrorRoutes[route] {
		writeError(w, r, emptyError(http.StatusBadRequest))
		return
	}
	writeError(w, r, badRequest("%s", err.Error()))
}
