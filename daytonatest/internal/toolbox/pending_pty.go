package toolbox

import (
	"context"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// pendingPTY answers the operations of PTY sessions (PROTOCOLS.md 6) with 501 and the
// daemon's envelope until the emulator implements them. The implementation
// replaces this file and the pendingPTY field of server.
type pendingPTY struct{}

// ListPtySessions answers GET /process/pty with 501.
func (pendingPTY) ListPtySessions(context.Context, tbserver.ListPtySessionsRequestObject) (tbserver.ListPtySessionsResponseObject, error) {
	return nil, notImplemented("GET /process/pty")
}

// CreatePtySession answers POST /process/pty with 501.
func (pendingPTY) CreatePtySession(context.Context, tbserver.CreatePtySessionRequestObject) (tbserver.CreatePtySessionResponseObject, error) {
	return nil, notImplemented("POST /process/pty")
}

// DeletePtySession answers DELETE /process/pty/{sessionId} with 501.
func (pendingPTY) DeletePtySession(context.Context, tbserver.DeletePtySessionRequestObject) (tbserver.DeletePtySessionResponseObject, error) {
	return nil, notImplemented("DELETE /process/pty/{sessionId}")
}

// GetPtySession answers GET /process/pty/{sessionId} with 501.
func (pendingPTY) GetPtySession(context.Context, tbserver.GetPtySessionRequestObject) (tbserver.GetPtySessionResponseObject, error) {
	return nil, notImplemented("GET /process/pty/{sessionId}")
}

// ConnectPtySession answers GET /process/pty/{sessionId}/connect with 501.
func (pendingPTY) ConnectPtySession(context.Context, tbserver.ConnectPtySessionRequestObject) (tbserver.ConnectPtySessionResponseObject, error) {
	return nil, notImplemented("GET /process/pty/{sessionId}/connect")
}

// ResizePtySession answers POST /process/pty/{sessionId}/resize with 501.
func (pendingPTY) ResizePtySession(context.Context, tbserver.ResizePtySessionRequestObject) (tbserver.ResizePtySessionResponseObject, error) {
	return nil, notImplemented("POST /process/pty/{sessionId}/resize")
}
