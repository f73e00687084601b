// Package version holds the SDK's identity as sent on every request.
package version

const (
	// Module is this SDK's module path.
	Module = "github.com/daytona-go/daytona"
	// SDK is this SDK's own version.
	SDK = "0.1.0"
	// API is the upstream Daytona API version the SDK targets. It is sent as
	// X-Daytona-SDK-Version: the toolbox changes its session output below
	// 0.167.0, so the SDK's own small version number must not be sent there.
	API = "0.205.1"
	// Source is the X-Daytona-Source value identifying this SDK.
	Source = "daytona-go"
)

// UserAgent is the User-Agent header value.
const UserAgent = Source + "/" + SDK + " (" + Module + "; api " + API + ")"
