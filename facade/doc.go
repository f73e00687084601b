// Package daytona is the Go SDK for Daytona sandboxes: create, wait for and
// manage sandboxes, and work inside them (files, git, processes, sessions,
// PTYs, the code interpreter, LSP, computer use).
//
// Import it as
//
//	daytona "github.com/daytona-go/daytona/facade"
//
// Every method takes a context first; the context is the only deadline and
// cancellation mechanism. Optional settings go in one options struct passed by
// value as the last argument, whose zero value means the defaults. Every type
// is safe for concurrent use.
//
// Errors are *Error values (errors.As) that match the sentinels ErrNotFound,
// ErrRateLimited, ErrTimeout, ErrUnauthorized, ErrForbidden, ErrConflict,
// ErrValidation, ErrServer and ErrConnection (errors.Is).
package daytona
