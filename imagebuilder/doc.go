// Package imagebuilder builds the Dockerfile and the build contexts for a
// Daytona image, the way the official Python SDK's Image class does.
//
// An [Image] is an immutable value: every method returns a new Image and
// leaves its receiver untouched, so one base can fan out into many variants.
// Start from [Base], [DebianSlim] or [FromDockerfile]:
//
//	base := imagebuilder.DebianSlim("3.12")
//	ml := base.PipInstall("numpy>=2", "pandas") // base is unchanged
//	df, err := ml.Dockerfile()
//
// For the same calls, [Image.Dockerfile] returns the Python SDK's text byte
// for byte: the same shell quoting, package sorting, debian_slim block and
// trailing newlines. Where the Python text would be broken (a path with a
// space in a COPY line, a quote inside an ENTRYPOINT element), this package
// emits valid Dockerfile syntax instead, and it rejects values that cannot
// be written on one Dockerfile line.
//
// # Errors
//
// Methods return an Image so that calls chain. The first invalid call is
// recorded in the value; later calls are then ignored, and the error is
// returned by [Image.Err], [Image.Dockerfile] and [Image.Contexts]. It is an
// [*Error] matching [ErrInvalid], [ErrNotFile], [ErrNotDir], [ErrNoBase] or
// [io/fs.ErrNotExist] with [errors.Is].
//
// # Build contexts
//
// Local files and directories the image copies in (AddLocalFile,
// AddLocalDir, PipInstallFromRequirements and the COPY sources found by
// FromDockerfile and DockerfileCommands) are the image's [Context] values.
// Each is uploaded as one uncompressed tar, written by [Context.WriteTar]
// straight from disk, under a content key computed by [Context.Hash] with the
// Python SDK's formula, so builds share a cache across SDKs.
//
// A leading "~" in a local path is expanded to the home directory, as the
// Python SDK does.
//
// Image and Context values are safe for concurrent use.
package imagebuilder
