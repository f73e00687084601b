package toolbox

import (
	"encoding/json"
	"net/http"
	"strings"
)

// UnspecifiedRoutes are the routes the toolbox serves that
// toolbox-openapi.yaml does not describe: the v0.190 single-file upload
// (removed from the v0.205.1 spec, still served by the daemon, PROTOCOLS.md
// 3.5, 11.1) and the legacy project dir (0.7). A validating proxy must let
// them through.
var UnspecifiedRoutes = []string{"POST /files/upload", "GET /project-dir"}

// RawBodyOperations are the operations that also accept a raw request
// body, which the contract (multipart/form-data only) does not describe:
// upload-v2 takes the file as the body itself, as signed upload URLs do
// (PROTOCOLS.md 3.5, 3.7). A validating proxy must not validate their
// non-multipart request bodies.
var RawBodyOperations = []string{"UploadFile"}

// emptyBodyErrors are the (operation, status) answers the daemon sends
// with an empty body (E2, quirk 12) where the contract declares an
// ErrorResponse.
var emptyBodyErrors = map[string][]int{
	"DeleteFile":   {http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound},
	"ListFiles":    {http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound},
	"GetFileInfo":  {http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound},
	"DownloadFile": {http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound},
	"UploadFile":   {http.StatusBadRequest},
	"IsPortInUse":  {http.StatusBadRequest},
	// Interpreter context errors (PROTOCOLS.md 1.1 E2, quirk 30).
	"CreateInterpreterContext": {http.StatusBadRequest, http.StatusInternalServerError},
	"DeleteInterpreterContext": {http.StatusBadRequest, http.StatusNotFound},
}

// KnownDeparture reports whether an answer of the operation operationID
// with status and body is one of the daemon's documented departures from
// the contract that the toolbox reproduces on purpose, so that a
// validating proxy can let it through:
//   - an empty body (E2) on the file, upload and port-range errors listed
//     in PROTOCOLS.md 1.1;
//   - {"error": "…"} (E3) for a bulk-download request without paths and
//     for PTY session errors;
//   - {"errors": […], "files": […]} (E4) for a failed bulk upload;
//   - the LSP and computer-use answers of InteractiveDeparture.
//
// Everything else the toolbox answers conforms to the contract, or has a
// status the contract does not declare (then it is an ErrorResponse).
func KnownDeparture(operationID string, status int, body []byte) bool {
	if InteractiveDeparture(operationID, status, body) {
		return true
	}
	switch {
	case len(body) == 0:
		for _, s := range emptyBodyErrors[operationID] {
			if s == status {
				return true
			}
		}
		return false
	case strings.Contains(operationID, "PtySession") && status >= 400:
		// PTY endpoints answer {"error": "…"} (E3, quirk 13).
		var e3 struct {
			Error *string `json:"error"`
		}
		return json.Unmarshal(body, &e3) == nil && e3.Error != nil
	case operationID == "DownloadFiles" && status == http.StatusBadRequest:
		var e3 struct {
			Error *string `json:"error"`
		}
		return json.Unmarshal(body, &e3) == nil && e3.Error != nil
	case operationID == "UploadFiles" && status == http.StatusBadRequest:
		var e4 struct {
			Errors []string        `json:"errors"`
			Files  json.RawMessage `json:"files"`
		}
		return json.Unmarshal(body, &e4) == nil && len(e4.Errors) > 0 && len(e4.Files) > 0
	}
	return false
}
