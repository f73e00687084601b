// Package controlplane is the generated client for the Daytona control-plane
// API (sandboxes, snapshots, volumes, object storage, secrets, warm pools,
// preview links), built by oapi-codegen from openapi.yaml at the repository
// root. Everything in controlplane.gen.go is generated; regenerate it with
// `make specs generate` rather than editing it.
//
// Most programs should use the facade package instead, which adds waiting,
// retries, typed errors and streaming. Use this package for operations the
// facade does not wrap. The facade hands out a pre-wired instance through
// its Client.API method; to build one yourself:
//
//   - the base URL is the API URL, for example https://app.daytona.io/api;
//   - every request carries "Authorization: Bearer <API key or JWT>"; with a
//     JWT, also "X-Daytona-Organization-ID: <organization id>" (set it in a
//     request editor rather than in each operation's Params, which every
//     operation declares separately);
//   - the identifying headers X-Daytona-Source and X-Daytona-SDK-Version
//     should name the caller and the API version it targets.
//
// Each operation comes in two forms. Client methods (ListSandboxes) return
// the raw *http.Response, whose body the caller reads and closes: use them
// for streams. ClientWithResponses methods (ListSandboxesWithResponse) read
// the whole body and decode it into JSON200, JSON404 and so on.
package controlplane
