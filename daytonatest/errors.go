package daytonatest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// apiError is an error the control plane answers with. Handlers return it and
// the strict server's error hook turns it into the NestJS-shaped body
// (PROTOCOLS.md 1.1 E7).
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return strconv.Itoa(e.status) + " " + e.message }

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, format, args...)
}

func notFound(format string, args ...any) *apiError {
	return errorf(http.StatusNotFound, format, args...)
}

func conflict(format string, args ...any) *apiError {
	return errorf(http.StatusConflict, format, args...)
}

// nestBody is the body of every control-plane error:
// {"path","timestamp","statusCode","error","message"}, where error is the
// HTTP reason phrase.
type nestBody struct {
	Path       string `json:"path"`
	Timestamp  string `json:"timestamp"`
	StatusCode int    `json:"statusCode"`
	Error      string `json:"error"`
	Message    string `json:"message"`
}

// writeNestError writes the NestJS-shaped error body for status.
func writeNestError(w http.ResponseWriter, r *http.Request, status int, message string) {
	body, _ := json.Marshal(nestBody{
		Path:       r.URL.Path,
		Timestamp:  time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		StatusCode: status,
		Error:      reasonPhrase(status),
		Message:    message,
	})
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// reasonPhrase is the reason phrase NestJS puts in "error".
func reasonPhrase(status int) string {
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error"
}

// writeErr answers err: an *apiError with its own status and message,
// anything else as the 500 NestJS answers for an unknown exception.
func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeNestError(w, r, ae.status, ae.message)
		return
	}
	writeNestError(w, r, http.StatusInternalServerError, "An unexpected error occurred.")
}
