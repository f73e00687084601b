// Package toolbox is the emulator's implementation of a sandbox's toolbox
// API (the daemon at {toolboxProxyUrl}/{sandboxId}): files, git, process
// exec and code run, sessions, PTYs (creack/pty), the stateful code
// interpreter (a Python worker per context), LSP (bridged to pylsp and
// typescript-language-server), computer use (Xvfb, xdotool, ImageMagick,
// ffmpeg; 503 like the daemon when they are missing) and the misc
// endpoints, built on the strict server generated from
// toolbox-openapi.yaml.
//
// Each sandbox is a host directory, its root: the work dir and home,
// relative paths resolve against it, and the file and git APIs refuse
// anything outside it (see sandboxFS for the exact rules). Processes are
// real host processes without isolation: they run as the emulator's user,
// with the sandbox root as HOME and default cwd, and can reach the whole
// host.
//
// Daemon quirks reproduced (PROTOCOLS.md 12): session output by SDK
// version (2, 3), follow ignored without an upgrade (4), the marker framing
// (7), stdin echo (8), "exit N" ending the session shell (9), the
// degenerate 500 of exec on an unknown session (10), input to a finished
// command (11), empty-body errors (12), the E3/E4 bodies (13), the envelope
// without charset (14), bulk download's fixed boundary, error parts and
// truncation (20, 21), bulk upload's part order (22), upload and folder
// answers (23), modTime (24), Content-Disposition (25), the missing-cwd
// answer (26), merged output and 408 (27), argv joined with spaces (28),
// chart filtering (29), git bodies and branch listing (36), the in-use
// port range (37), relative paths (39). Not reproduced: the logs WebSocket
// close race (5) and its ~1 s close delay (6: the close follows the end at
// once), go-git's pull failure on a single-branch clone (35), Range
// requests on downloads, the nulls of an async exec answer (the fields are
// absent instead), and POST /files/folder without mode (the contract
// requires it, so the generated router answers 400).
//
// Answers that depart from toolbox-openapi.yaml on purpose are described
// by [KnownDeparture], [UnspecifiedRoutes] and [RawBodyOperations], for a
// validating proxy in front of the toolbox.
package toolbox
