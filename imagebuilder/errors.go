package imagebuilder

import (
	"errors"
	"strconv"
)

// Errors reported by the builder, for use with [errors.Is]. A local path that
// does not exist is reported with [io/fs.ErrNotExist].
var (
	// ErrInvalid marks an argument the builder rejects: an unsupported Python
	// version, an empty package name, a value containing a line break, a
	// malformed pyproject.toml, and the like.
	ErrInvalid = errors.New("invalid argument")
	// ErrNotFile is reported when a path that must be a regular file is not
	// one (usually it is a directory).
	ErrNotFile = errors.New("not a regular file")
	// ErrNotDir is reported when a path that must be a directory is not one.
	ErrNotDir = errors.New("not a directory")
	// ErrNoBase is reported by the zero Image, which has no FROM line.
	ErrNoBase = errors.New("image has no base: start with Base, DebianSlim or FromDockerfile")
)

// Error is the error recorded by an Image method or returned by a Context
// method. It names the method and, where one is involved, the local path.
type Error struct {
	Op   string // the method, e.g. "AddLocalFile"
	Path string // the local path involved, or ""
	Err  error  // the cause; matches one of the package's sentinels or fs.ErrNotExist
}

// Error implements the error interface.
func (e *Error) Error() string {
	s := "imagebuilder: "
	if e.Op != "" {
		s += e.Op
		if e.Path != "" {
			s += " " + strconv.Quote(e.Path)
		}
		s += ": "
	}
	return s + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
