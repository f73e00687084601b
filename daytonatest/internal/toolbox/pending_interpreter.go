package toolbox

import (
	"context"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// pendingInterpreter answers the operations of the code interpreter (PROTOCOLS.md 7) with 501 and the
// daemon's envelope until the emulator implements them. The implementation
// replaces this file and the pendingInterpreter field of server.
type pendingInterpreter struct{}

// ListInterpreterContexts answers GET /process/interpreter/context with 501.
func (pendingInterpreter) ListInterpreterContexts(context.Context, tbserver.ListInterpreterContextsRequestObject) (tbserver.ListInterpreterContextsResponseObject, error) {
	return nil, notImplemented("GET /process/interpreter/context")
}

// CreateInterpreterContext answers POST /process/interpreter/context with 501.
func (pendingInterpreter) CreateInterpreterContext(context.Context, tbserver.CreateInterpreterContextRequestObject) (tbserver.CreateInterpreterContextResponseObject, error) {
	return nil, notImplemented("POST /process/interpreter/context")
}

// DeleteInterpreterContext answers DELETE /process/interpreter/context/{id} with 501.
func (pendingInterpreter) DeleteInterpreterContext(context.Context, tbserver.DeleteInterpreterContextRequestObject) (tbserver.DeleteInterpreterContextResponseObject, error) {
	return nil, notImplemented("DELETE /process/interpreter/context/{id}")
}

// ExecuteInterpreterCode answers GET /process/interpreter/execute with 501.
func (pendingInterpreter) ExecuteInterpreterCode(context.Context, tbserver.ExecuteInterpreterCodeRequestObject) (tbserver.ExecuteInterpreterCodeResponseObject, error) {
	return nil, notImplemented("GET /process/interpreter/execute")
}
