package toolbox

import "net/http"

// cuAnswer is a computer-use answer whose body the contract does not
// describe: the 503 of an unavailable plugin (E5) and the 503 of a failed
// start ({"error", "details"}). It implements the response interface of
// every computer-use operation but the recordings.
type cuAnswer struct {
	status int
	body   any
}

func (a cuAnswer) write(w http.ResponseWriter) error {
	writeJSON(w, a.status, a.body)
	return nil
}

// VisitFindAccessibilityNodesResponse writes the answer.
func (a cuAnswer) VisitFindAccessibilityNodesResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitFocusAccessibilityNodeResponse writes the answer.
func (a cuAnswer) VisitFocusAccessibilityNodeResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitInvokeAccessibilityNodeResponse writes the answer.
func (a cuAnswer) VisitInvokeAccessibilityNodeResponse(w http.ResponseWriter) error {
	return a.write(w)
}

// VisitSetAccessibilityNodeValueResponse writes the answer.
func (a cuAnswer) VisitSetAccessibilityNodeValueResponse(w http.ResponseWriter) error {
	return a.write(w)
}

// VisitGetAccessibilityTreeResponse writes the answer.
func (a cuAnswer) VisitGetAccessibilityTreeResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitGetDisplayInfoResponse writes the answer.
func (a cuAnswer) VisitGetDisplayInfoResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitGetWindowsResponse writes the answer.
func (a cuAnswer) VisitGetWindowsResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitPressHotkeyResponse writes the answer.
func (a cuAnswer) VisitPressHotkeyResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitPressKeyResponse writes the answer.
func (a cuAnswer) VisitPressKeyResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitTypeTextResponse writes the answer.
func (a cuAnswer) VisitTypeTextResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitClickResponse writes the answer.
func (a cuAnswer) VisitClickResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitDragResponse writes the answer.
func (a cuAnswer) VisitDragResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitMoveMouseResponse writes the answer.
func (a cuAnswer) VisitMoveMouseResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitGetMousePositionResponse writes the answer.
func (a cuAnswer) VisitGetMousePositionResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitScrollResponse writes the answer.
func (a cuAnswer) VisitScrollResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitGetComputerUseStatusResponse writes the answer.
func (a cuAnswer) VisitGetComputerUseStatusResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitGetProcessErrorsResponse writes the answer.
func (a cuAnswer) VisitGetProcessErrorsResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitGetProcessLogsResponse writes the answer.
func (a cuAnswer) VisitGetProcessLogsResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitRestartProcessResponse writes the answer.
func (a cuAnswer) VisitRestartProcessResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitGetProcessStatusResponse writes the answer.
func (a cuAnswer) VisitGetProcessStatusResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitTakeScreenshotResponse writes the answer.
func (a cuAnswer) VisitTakeScreenshotResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitTakeCompressedScreenshotResponse writes the answer.
func (a cuAnswer) VisitTakeCompressedScreenshotResponse(w http.ResponseWriter) error {
	return a.write(w)
}

// VisitTakeRegionScreenshotResponse writes the answer.
func (a cuAnswer) VisitTakeRegionScreenshotResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitTakeCompressedRegionScreenshotResponse writes the answer.
func (a cuAnswer) VisitTakeCompressedRegionScreenshotResponse(w http.ResponseWriter) error {
	return a.write(w)
}

// VisitStartComputerUseResponse writes the answer.
func (a cuAnswer) VisitStartComputerUseResponse(w http.ResponseWriter) error { return a.write(w) }

// VisitGetComputerUseSystemStatusResponse writes the answer.
func (a cuAnswer) VisitGetComputerUseSystemStatusResponse(w http.ResponseWriter) error {
	return a.write(w)
}

// VisitStopComputerUseResponse writes the answer.
func (a cuAnswer) VisitStopComputerUseResponse(w http.ResponseWriter) error { return a.write(w) }
