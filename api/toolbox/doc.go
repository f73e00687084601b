// Package toolbox is the generated client for the Daytona toolbox API: the
// per-sandbox daemon that serves files, git, process execution, sessions,
// PTYs, the code interpreter, LSP and computer use. It is built by
// oapi-codegen from toolbox-openapi.yaml at the repository root; everything
// in toolbox.gen.go is generated, so regenerate it with `make specs generate`
// rather than editing it.
//
// Most programs should use the facade package, whose Sandbox.Toolbox method
// returns a pre-wired instance. To build one yourself:
//
//   - the base URL is the sandbox's toolboxProxyUrl (from the control
//     plane's Sandbox object) with the sandbox ID appended:
//     {toolboxProxyUrl}/{sandboxId}, for example
//     https://proxy.app.daytona.io/toolbox/4f6c...; operation paths such as
//     /files/download are appended to it;
//   - every request carries "Authorization: Bearer <API key or JWT>" (and
//     X-Daytona-Organization-ID with a JWT);
//   - send X-Daytona-SDK-Version with a version of at least 0.167.0: below
//     that the daemon merges stdout and stderr of session commands.
//
// Client methods (DownloadFile) return the live *http.Response, so large
// downloads and multipart uploads stream; the ...WithResponse variants read
// the whole body into memory. WebSocket endpoints (PTY connect, session log
// follow, interpreter execute) cannot be called through this package; the
// stream package speaks them.
package toolbox
