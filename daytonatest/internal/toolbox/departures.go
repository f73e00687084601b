package toolbox

import (
	"encoding/json"
	"net/http"
	"strings"
)

// lspOperations are the LSP operations, whose every error the daemon
// answers with a bare status (E2, PROTOCOLS.md 8).
var lspOperations = map[string]bool{
	"Start": true, "Stop": true, "DidOpen": true, "DidClose": true,
	"Completions": true, "DocumentSymbols": true, "WorkspaceSymbols": true,
}

// computerUseOperation reports whether operationID is a computer-use one
// (the generated names of /computeruse/*).
func computerUseOperation(operationID string) bool {
	switch operationID {
	case "FindAccessibilityNodes", "FocusAccessibilityNode", "InvokeAccessibilityNode", "SetAccessibilityNodeValue",
		"GetAccessibilityTree", "GetDisplayInfo", "GetWindows", "PressHotkey", "PressKey", "TypeText", "Click",
		"Drag", "MoveMouse", "GetMousePosition", "Scroll", "GetComputerUseStatus", "GetProcessErrors",
		"GetProcessLogs", "RestartProcess", "GetProcessStatus", "ListRecordings", "StartRecording",
		"StopRecording", "DeleteRecording", "GetRecording", "DownloadRecording", "TakeScreenshot",
		"TakeCompressedScreenshot", "TakeRegionScreenshot", "TakeCompressedRegionScreenshot",
		"StartComputerUse", "GetComputerUseSystemStatus", "StopComputerUse":
		return true
	}
	return false
}

// InteractiveDeparture reports whether an answer of an LSP or computer-use
// operation is one of the daemon's documented departures from the contract
// that the toolbox reproduces on purpose:
//   - an LSP error with an empty body (E2);
//   - the computer-use 503 {details, message, solution} of a missing
//     plugin (E5), and the 503 {"error", "details"} of a failed start;
//   - a computer-use or recording error as {"error": "…"} (the shape of
//     the daemon's computer-use handlers), with or without "message".
//
// KnownDeparture's rules do not cover these; a validating proxy checks
// both.
func InteractiveDeparture(operationID string, status int, body []byte) bool {
	if status < http.StatusBadRequest {
		return false
	}
	if lspOperations[operationID] {
		return len(body) == 0
	}
	if !computerUseOperation(operationID) {
		return false
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return false
	}
	str := func(k string) bool {
		var s string
		return json.Unmarshal(fields[k], &s) == nil && strings.TrimSpace(s) != ""
	}
	if _, ok := fields["statusCode"]; ok {
		return false // an envelope: the contract's ErrorResponse
	}
	switch {
	case status == http.StatusServiceUnavailable && str("message") && str("details") && str("solution"):
		return true
	case str("error"):
		return true
	}
	return false
}
