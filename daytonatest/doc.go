// Package daytonatest is an in-process emulator of the Daytona platform for
// tests and offline use: the control plane (sandboxes, snapshots, preview
// links, ...) and, under one prefix, each sandbox's toolbox.
//
//	srv := daytonatest.NewServer(t) // closed, and checked, when the test ends
//	c, err := daytona.New(daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey})
//
// Outside a test, Start returns a server the caller must Close.
//
// # Routes
//
// The server listens on 127.0.0.1 on a random port (WithListenAddr changes
// that) and answers:
//
//   - {URL}/... : the control plane, at exactly the paths of openapi.yaml
//     (POST {URL}/sandbox, GET {URL}/sandbox/{sandboxIdOrName}, ...);
//   - {URL}/toolbox/{sandboxId}/... : the sandbox's toolbox; every sandbox's
//     toolboxProxyUrl is {URL}/toolbox;
//   - {URL}/sandboxes/{sandboxId}/build-logs[?follow=true] : the build log
//     of a sandbox created from build info (what build-logs-url returns;
//     a snapshot's build-logs-url is the control plane's own
//     {URL}/snapshots/{id}/build-logs);
//   - {URL}/preview-proxy/{port}-{sandboxId or signed token}/... : preview
//     links, proxied to 127.0.0.1:{port};
//   - {URL}/socket.io/?EIO=4&transport=websocket : the Socket.IO push
//     channel (events.go): the API key goes in the CONNECT packet, and
//     sandbox, snapshot and volume events are broadcast from the real state
//     changes (WithEventPing, DropEventSockets, EventSockets).
//
// A second listener, ObjectStorageURL(), is an S3-compatible endpoint
// (path-style, bucket ObjectStorageBucket) for build contexts; GET
// /object-storage/push-access hands out its credentials, and it checks
// AWS Signature V4 signatures made with them (objectstorage.go).
//
// Every request except the preview proxy's needs "Authorization: Bearer
// {APIKey}" (random unless WithAPIKey), or a user token from IssueJWT with
// "X-Daytona-Organization-ID: {OrganizationID}" (jwt.go); without them the
// answer is 401 (403 for a valid token naming another organization). The
// preview proxy takes the sandbox's preview token (X-Daytona-Preview-Token
// or ?DAYTONA_SANDBOX_AUTH_KEY=), a live signed URL, or a public sandbox.
// A toolbox GET files/download or POST files/upload-v2 also passes with a
// signed file URL's expires and signature, checked against the sandbox's
// current signing key (signedurl.go; 403 when bad or expired).
//
// Every control-plane error has the NestJS body
// {"path","timestamp","statusCode","error","message"}, "error" being the
// HTTP reason phrase. Operations of the contract the emulator does not
// implement (admin, runners, organizations, users, regions, the runner's
// GET /sandbox/{id}/secrets, ...) answer 501 with that body.
//
// Sandbox telemetry (telemetry.go) is recorded, not invented: a span per
// toolbox request, log records for those requests and for the output of
// execute, code-run and synchronous session commands, and metric samples
// of every running sandbox each WithTelemetryInterval (CPU and memory are
// the host's, disk usage is the sandbox directory's).
//
// # Images, snapshots, volumes, secrets, warm pools
//
// Snapshots created with POST /snapshots go pending -> building (build
// info) or pulling (image name) -> active, with a followable log; a build
// ends in build_failed when its Dockerfile does not parse, names a context
// hash that was never uploaded, or copies a file its contexts lack. The
// emulator runs no Docker: a build writes the files its COPY instructions
// take from the uploaded contexts into the image's directory, which a
// sandbox created from the snapshot (or from the same build info) starts
// with (imagebuild.go, snapshot_ops.go). Volumes are host directories
// mounted into sandboxes by symbolic link (volumes.go). Secrets are stored
// with their write-only values; sandboxes see placeholders (secrets.go).
// Warm pools keep started member sandboxes of their snapshot, left out of
// lists unless includeWarm is set, that serve matching creates and are
// refilled (warmpools.go).
//
// # Sandboxes
//
// Each sandbox is a directory on the host, DataDir()/sandboxes/{id}
// (SandboxDir), created with the sandbox and removed when it is destroyed.
// Forks and snapshots copy it; a sandbox created from a snapshot taken from
// a sandbox starts with a copy of the snapshot's files.
//
// The state machine is the API's. Each operation answers at once with the
// sandbox in its first transitional state, then moves on after a latency
// per transitional state (DefaultLatency unless WithLatency or SetLatency
// say otherwise; 0 is allowed):
//
//	create (snapshot)    creating -> started
//	create (build info)  pending_build -> building_snapshot -> starting -> started
//	start                stopped/archiving -> starting, archived -> restoring,
//	                     paused -> resuming; then started
//	stop                 stopping -> stopped; for an ephemeral sandbox
//	                     (autoDeleteInterval 0) stopping -> destroying -> destroyed
//	delete               destroying -> destroyed; afterwards the sandbox answers 404
//	archive              (stopped) archiving -> archived
//	pause                (started) pausing -> paused
//	resize               resizing -> back to started or stopped, new resources
//	recover              (error, recoverable) starting -> started, or stopped with skipStart
//	fork                 source: forking -> started; fork: creating -> started
//	snapshot             snapshotting -> back; then the snapshot is active
//
// Illegal transitions answer 400 (409 for "state change in progress" where
// the API does) with the API's messages. FailNext makes the next operation
// of a kind end in error or build_failed with a reason and a recoverable
// flag; Fail puts a sandbox into such a state at once. A Dockerfile whose
// first instruction is not FROM, or that names an unknown instruction,
// ends its build in build_failed. The auto-stop, auto-pause, auto-archive,
// auto-delete intervals and the TTL act for real (in minutes).
//
// # Contract validation
//
// Every control-plane request and response is validated against
// openapi.yaml (kin-openapi; WithValidation(false) turns it off). A bad
// request is answered 400 (unknown routes 404) without reaching the
// handler; a bad response is replaced by a 500 naming the violation. Both
// are recorded: NewServer fails the test with them at cleanup, unless the
// test took them with TakeViolations. Handler panics and unexpected handler
// errors are recorded the same way. Messages never contain request values.
//
// Not validated: the responses of the streaming operations GetBuildLogs
// and GetSnapshotBuildLogs (buffering would hold a followed stream; their
// requests are validated), and the routes outside the control-plane
// contract: /sandboxes/{id}/build-logs, /preview-proxy/... and the toolbox
// (which answers for its own contract).
//
// # Fault injection
//
// InjectFault makes the next N requests matching a method and a path
// pattern answer a status (with Retry-After, a custom or empty body), wait,
// reset the connection, or cut the response (or a hijacked WebSocket
// connection) after some bytes; faults apply before authentication.
// Requests counts the requests received per method and path pattern,
// faulted ones included.
//
// # Known differences from the real service
//
// Regions are not modelled (any target is accepted); image builds only
// copy files (RUN, ENV and the rest are logged, not run); warm pools are
// refilled when they are used or listed, not by a periodic job; a volume
// mount is a symbolic link that the toolbox's file API treats as a mount,
// but symlinks inside a volume are resolved on the host and deleting or
// moving a mount point fails without emptying it; a snapshot taken from a
// sandbox copies its mount links; object storage holds everything in memory;
// snapshot names holding "/" (the default snapshot's) cannot be used in a
// path, because the contract validator matches the decoded path;
// forking and pausing work for every
// sandbox class; resources given in a create from a snapshot override the
// snapshot's; recover needs the error to be recoverable; the SSH access
// tokens work but no SSH gateway runs; ssh-access/validate answers
// sandboxId "" (not null) for an invalid token; destroyed sandboxes are
// forgotten at once. There is one organization, OrganizationID.
package daytonatest
