package toolbox

import (
	"context"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// pendingComputerUse answers the operations of computer use (PROTOCOLS.md 9) with 501 and the
// daemon's envelope until the emulator implements them. The implementation
// replaces this file and the pendingComputerUse field of server.
type pendingComputerUse struct{}

// FindAccessibilityNodes answers POST /computeruse/a11y/find with 501.
func (pendingComputerUse) FindAccessibilityNodes(context.Context, tbserver.FindAccessibilityNodesRequestObject) (tbserver.FindAccessibilityNodesResponseObject, error) {
	return nil, notImplemented("POST /computeruse/a11y/find")
}

// FocusAccessibilityNode answers POST /computeruse/a11y/node/focus with 501.
func (pendingComputerUse) FocusAccessibilityNode(context.Context, tbserver.FocusAccessibilityNodeRequestObject) (tbserver.FocusAccessibilityNodeResponseObject, error) {
	return nil, notImplemented("POST /computeruse/a11y/node/focus")
}

// InvokeAccessibilityNode answers POST /computeruse/a11y/node/invoke with 501.
func (pendingComputerUse) InvokeAccessibilityNode(context.Context, tbserver.InvokeAccessibilityNodeRequestObject) (tbserver.InvokeAccessibilityNodeResponseObject, error) {
	return nil, notImplemented("POST /computeruse/a11y/node/invoke")
}

// SetAccessibilityNodeValue answers POST /computeruse/a11y/node/value with 501.
func (pendingComputerUse) SetAccessibilityNodeValue(context.Context, tbserver.SetAccessibilityNodeValueRequestObject) (tbserver.SetAccessibilityNodeValueResponseObject, error) {
	return nil, notImplemented("POST /computeruse/a11y/node/value")
}

// GetAccessibilityTree answers GET /computeruse/a11y/tree with 501.
func (pendingComputerUse) GetAccessibilityTree(context.Context, tbserver.GetAccessibilityTreeRequestObject) (tbserver.GetAccessibilityTreeResponseObject, error) {
	return nil, notImplemented("GET /computeruse/a11y/tree")
}

// GetDisplayInfo answers GET /computeruse/display/info with 501.
func (pendingComputerUse) GetDisplayInfo(context.Context, tbserver.GetDisplayInfoRequestObject) (tbserver.GetDisplayInfoResponseObject, error) {
	return nil, notImplemented("GET /computeruse/display/info")
}

// GetWindows answers GET /computeruse/display/windows with 501.
func (pendingComputerUse) GetWindows(context.Context, tbserver.GetWindowsRequestObject) (tbserver.GetWindowsResponseObject, error) {
	return nil, notImplemented("GET /computeruse/display/windows")
}

// PressHotkey answers POST /computeruse/keyboard/hotkey with 501.
func (pendingComputerUse) PressHotkey(context.Context, tbserver.PressHotkeyRequestObject) (tbserver.PressHotkeyResponseObject, error) {
	return nil, notImplemented("POST /computeruse/keyboard/hotkey")
}

// PressKey answers POST /computeruse/keyboard/key with 501.
func (pendingComputerUse) PressKey(context.Context, tbserver.PressKeyRequestObject) (tbserver.PressKeyResponseObject, error) {
	return nil, notImplemented("POST /computeruse/keyboard/key")
}

// TypeText answers POST /computeruse/keyboard/type with 501.
func (pendingComputerUse) TypeText(context.Context, tbserver.TypeTextRequestObject) (tbserver.TypeTextResponseObject, error) {
	return nil, notImplemented("POST /computeruse/keyboard/type")
}

// Click answers POST /computeruse/mouse/click with 501.
func (pendingComputerUse) Click(context.Context, tbserver.ClickRequestObject) (tbserver.ClickResponseObject, error) {
	return nil, notImplemented("POST /computeruse/mouse/click")
}

// Drag answers POST /computeruse/mouse/drag with 501.
func (pendingComputerUse) Drag(context.Context, tbserver.DragRequestObject) (tbserver.DragResponseObject, error) {
	return nil, notImplemented("POST /computeruse/mouse/drag")
}

// MoveMouse answers POST /computeruse/mouse/move with 501.
func (pendingComputerUse) MoveMouse(context.Context, tbserver.MoveMouseRequestObject) (tbserver.MoveMouseResponseObject, error) {
	return nil, notImplemented("POST /computeruse/mouse/move")
}

// GetMousePosition answers GET /computeruse/mouse/position with 501.
func (pendingComputerUse) GetMousePosition(context.Context, tbserver.GetMousePositionRequestObject) (tbserver.GetMousePositionResponseObject, error) {
	return nil, notImplemented("GET /computeruse/mouse/position")
}

// Scroll answers POST /computeruse/mouse/scroll with 501.
func (pendingComputerUse) Scroll(context.Context, tbserver.ScrollRequestObject) (tbserver.ScrollResponseObject, error) {
	return nil, notImplemented("POST /computeruse/mouse/scroll")
}

// GetComputerUseStatus answers GET /computeruse/process-status with 501.
func (pendingComputerUse) GetComputerUseStatus(context.Context, tbserver.GetComputerUseStatusRequestObject) (tbserver.GetComputerUseStatusResponseObject, error) {
	return nil, notImplemented("GET /computeruse/process-status")
}

// GetProcessErrors answers GET /computeruse/process/{processName}/errors with 501.
func (pendingComputerUse) GetProcessErrors(context.Context, tbserver.GetProcessErrorsRequestObject) (tbserver.GetProcessErrorsResponseObject, error) {
	return nil, notImplemented("GET /computeruse/process/{processName}/errors")
}

// GetProcessLogs answers GET /computeruse/process/{processName}/logs with 501.
func (pendingComputerUse) GetProcessLogs(context.Context, tbserver.GetProcessLogsRequestObject) (tbserver.GetProcessLogsResponseObject, error) {
	return nil, notImplemented("GET /computeruse/process/{processName}/logs")
}

// RestartProcess answers POST /computeruse/process/{processName}/restart with 501.
func (pendingComputerUse) RestartProcess(context.Context, tbserver.RestartProcessRequestObject) (tbserver.RestartProcessResponseObject, error) {
	return nil, notImplemented("POST /computeruse/process/{processName}/restart")
}

// GetProcessStatus answers GET /computeruse/process/{processName}/status with 501.
func (pendingComputerUse) GetProcessStatus(context.Context, tbserver.GetProcessStatusRequestObject) (tbserver.GetProcessStatusResponseObject, error) {
	return nil, notImplemented("GET /computeruse/process/{processName}/status")
}

// ListRecordings answers GET /computeruse/recordings with 501.
func (pendingComputerUse) ListRecordings(context.Context, tbserver.ListRecordingsRequestObject) (tbserver.ListRecordingsResponseObject, error) {
	return nil, notImplemented("GET /computeruse/recordings")
}

// StartRecording answers POST /computeruse/recordings/start with 501.
func (pendingComputerUse) StartRecording(context.Context, tbserver.StartRecordingRequestObject) (tbserver.StartRecordingResponseObject, error) {
	return nil, notImplemented("POST /computeruse/recordings/start")
}

// StopRecording answers POST /computeruse/recordings/stop with 501.
func (pendingComputerUse) StopRecording(context.Context, tbserver.StopRecordingRequestObject) (tbserver.StopRecordingResponseObject, error) {
	return nil, notImplemented("POST /computeruse/recordings/stop")
}

// DeleteRecording answers DELETE /computeruse/recordings/{id} with 501.
func (pendingComputerUse) DeleteRecording(context.Context, tbserver.DeleteRecordingRequestObject) (tbserver.DeleteRecordingResponseObject, error) {
	return nil, notImplemented("DELETE /computeruse/recordings/{id}")
}

// GetRecording answers GET /computeruse/recordings/{id} with 501.
func (pendingComputerUse) GetRecording(context.Context, tbserver.GetRecordingRequestObject) (tbserver.GetRecordingResponseObject, error) {
	return nil, notImplemented("GET /computeruse/recordings/{id}")
}

// DownloadRecording answers GET /computeruse/recordings/{id}/download with 501.
func (pendingComputerUse) DownloadRecording(context.Context, tbserver.DownloadRecordingRequestObject) (tbserver.DownloadRecordingResponseObject, error) {
	return nil, notImplemented("GET /computeruse/recordings/{id}/download")
}

// TakeScreenshot answers GET /computeruse/screenshot with 501.
func (pendingComputerUse) TakeScreenshot(context.Context, tbserver.TakeScreenshotRequestObject) (tbserver.TakeScreenshotResponseObject, error) {
	return nil, notImplemented("GET /computeruse/screenshot")
}

// TakeCompressedScreenshot answers GET /computeruse/screenshot/compressed with 501.
func (pendingComputerUse) TakeCompressedScreenshot(context.Context, tbserver.TakeCompressedScreenshotRequestObject) (tbserver.TakeCompressedScreenshotResponseObject, error) {
	return nil, notImplemented("GET /computeruse/screenshot/compressed")
}

// TakeRegionScreenshot answers GET /computeruse/screenshot/region with 501.
func (pendingComputerUse) TakeRegionScreenshot(context.Context, tbserver.TakeRegionScreenshotRequestObject) (tbserver.TakeRegionScreenshotResponseObject, error) {
	return nil, notImplemented("GET /computeruse/screenshot/region")
}

// TakeCompressedRegionScreenshot answers GET /computeruse/screenshot/region/compressed with 501.
func (pendingComputerUse) TakeCompressedRegionScreenshot(context.Context, tbserver.TakeCompressedRegionScreenshotRequestObject) (tbserver.TakeCompressedRegionScreenshotResponseObject, error) {
	return nil, notImplemented("GET /computeruse/screenshot/region/compressed")
}

// StartComputerUse answers POST /computeruse/start with 501.
func (pendingComputerUse) StartComputerUse(context.Context, tbserver.StartComputerUseRequestObject) (tbserver.StartComputerUseResponseObject, error) {
	return nil, notImplemented("POST /computeruse/start")
}

// GetComputerUseSystemStatus answers GET /computeruse/status with 501.
func (pendingComputerUse) GetComputerUseSystemStatus(context.Context, tbserver.GetComputerUseSystemStatusRequestObject) (tbserver.GetComputerUseSystemStatusResponseObject, error) {
	return nil, notImplemented("GET /computeruse/status")
}

// StopComputerUse answers POST /computeruse/stop with 501.
func (pendingComputerUse) StopComputerUse(context.Context, tbserver.StopComputerUseRequestObject) (tbserver.StopComputerUseResponseObject, error) {
	return nil, notImplemented("POST /computeruse/stop")
}
