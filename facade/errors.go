package daytona

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Sentinels for errors.Is. An *Error matches the one of its Kind.
var (
	ErrNotFound     = errors.New("daytona: not found")
	ErrRateLimited  = errors.New("daytona: rate limited")
	ErrTimeout      = errors.New("daytona: timeout")
	ErrUnauthorized = errors.New("daytona: unauthorized")
	ErrForbidden    = errors.New("daytona: forbidden")
	ErrConflict     = errors.New("daytona: conflict")
	ErrValidation   = errors.New("daytona: invalid request")
	ErrServer       = errors.New("daytona: server error")
	ErrConnection   = errors.New("daytona: connection failed")
)

// Error is every error the SDK returns about a request.
type Error struct {
	// Kind is one of the sentinels.
	Kind error
	// StatusCode is the HTTP status, 0 when no response arrived.
	StatusCode int
	// Code is the server's machine-readable code, when it sent one.
	Code string
	// Message is the server's message, or the SDK's.
	Message string
	// Source says which plane answered: "api", "toolbox" or "sdk".
	Source string
	// Headers are the response headers, when a response arrived.
	Headers http.Header
	// Err is the underlying cause, if any.
	Err error
}

func (e *Error) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("daytona: %d %s", e.StatusCode, e.Message)
	}
	return "daytona: " + e.Message
}

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// errorFromResponse reads and closes resp.Body and maps it to an *Error.
func errorFromResponse(resp *http.Response) error {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	kind := ErrServer
	switch resp.StatusCode {
	case 404:
		kind = ErrNotFound
	case 429:
		kind = ErrRateLimited
	case 401:
		kind = ErrUnauthorized
	case 403:
		kind = ErrForbidden
	case 409:
		kind = ErrConflict
	case 400, 422:
		kind = ErrValidation
	case 408:
		kind = ErrTimeout
	}
	return &Error{Kind: kind, StatusCode: resp.StatusCode, Message: string(b), Headers: resp.Header}
}
