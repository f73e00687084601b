package toolbox

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// sandboxFS confines the file API to one host directory.
//
// Path rules (the emulator's; the real daemon runs inside a container and
// has no such limit):
//   - a relative path resolves against the root (the work dir);
//   - an absolute path is a host path and is used as is when it lies under
//     the root; any other absolute path is refused with 403
//     FILE_ACCESS_DENIED;
//   - ".." is resolved lexically first, so "a/../b" is fine and "../x" is
//     refused like an outside absolute path;
//   - symbolic links are followed only while they stay under the root: every
//     directory on the way is resolved with filepath.EvalSymlinks and checked,
//     and the final element, when it is a link, is checked the same way for
//     operations that follow it. Operations on the entry itself (delete, move,
//     listing) act on the link, wherever it points;
//   - every open, stat, create, rename, chmod and delete then goes through an
//     [os.Root], so a directory swapped for an escaping symlink between the
//     check and the use is refused by the kernel-level walk (403 as well);
//   - a path that leads into a mounted volume is a path under its mount
//     point and goes through an os.Root opened on the volume (mounts.go).
type sandboxFS struct {
	root string // absolute, clean, free of symlinks
	r    *roots // opened on root and on each mount

	// afterResolve, when set (tests only), runs after a path is resolved and
	// before it is used.
	afterResolve func(rel string)
	// beforeCopy, when set (tests only), runs after a bulk-download part's
	// header is written and before its bytes are copied.
	beforeCopy func(p string)
}

// target is a resolved sandbox path.
type target struct {
	abs string // lexical absolute host path, for answers and messages
	// rel is the path under the root, directories resolved (a path into a
	// mount is under its mount point); the entry itself.
	rel string
	// follow is the path under the root of what the final element points to
	// when it is a symlink that stays inside (else rel).
	follow string
	// followErr is set when the final element is a symlink that leaves the
	// root: operations that would follow it must fail with it.
	followErr error
}

// isRoot reports whether t is the sandbox root itself.
func (t *target) isRoot() bool { return t.rel == "." }

// within reports whether p is root or lies under it. Both are clean and
// absolute.
func within(root, p string) bool {
	if root == "/" {
		return true
	}
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}

// errOutside is the error for a path that leaves the sandbox root.
func errOutside(p string) *daemonError {
	return newError(http.StatusForbidden, codeFileAccessDenied,
		"file access denied: path is outside the sandbox root: "+p)
}

// errPathRequired is the error for an empty path.
func errPathRequired() *daemonError {
	return badRequest("path is required")
}

// abs returns the lexical absolute host path of p (relative to the root
// when p is relative), without checking it.
func (s *sandboxFS) abs(p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(s.root, p)
	}
	return filepath.Clean(p)
}

// resolve maps a client path to a target under the root, or fails with a
// 400 (empty path) or 403 FILE_ACCESS_DENIED (outside the root) error.
func (s *sandboxFS) resolve(p string) (*target, error) {
	if p == "" {
		return nil, errPathRequired()
	}
	abs := s.abs(p)
	if !within(s.root, abs) {
		return nil, errOutside(p)
	}
	if abs == s.root {
		return &target{abs: abs, rel: ".", follow: "."}, nil
	}
	realParent, err := evalExisting(filepath.Dir(abs))
	if err != nil {
		return nil, newError(http.StatusBadRequest, codeBadRequest, "bad request: cannot resolve path: "+p+": "+errText(err))
	}
	parent, ok := s.virtual(realParent)
	if !ok {
		return nil, errOutside(p)
	}
	entry := filepath.Join(realParent, filepath.Base(abs))
	rel := filepath.Join(parent, filepath.Base(abs))
	t := &target{abs: abs, rel: rel, follow: rel}
	if fi, err := os.Lstat(entry); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		dest, err := filepath.EvalSymlinks(entry)
		if err == nil {
			if to, ok := s.virtual(dest); ok {
				t.follow = to
			} else {
				t.followErr = errOutside(p)
			}
		}
		// Otherwise dangling or looping: the os.Root walk reports it when
		// followed.
	}
	if s.afterResolve != nil {
		s.afterResolve(t.rel)
	}
	return t, nil
}

// relOf returns the path of p (under the root) relative to the root.
func (s *sandboxFS) relOf(p string) string {
	rel, err := filepath.Rel(s.root, p)
	if err != nil {
		return p // cannot happen for a path under the root
	}
	return rel
}

// evalExisting resolves the symlinks of the longest existing prefix of p and
// appends the rest unchanged.
func evalExisting(p string) (string, error) {
	var tail []string
	for {
		real, err := filepath.EvalSymlinks(p)
		if err == nil {
			slices.Reverse(tail)
			return filepath.Join(append([]string{real}, tail...)...), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return "", err
		}
		tail = append(tail, filepath.Base(p))
		p = parent
	}
}

// isEscape reports whether err comes from an os.Root walk that was refused
// because it would leave the root. The os package does not export that
// error, so its text is matched.
func isEscape(err error) bool {
	return err != nil && strings.Contains(err.Error(), "path escapes from parent")
}

// errText returns the text of err without the host path the os package
// puts in a *PathError (the client already knows its path).
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err.Error()
	}
	return err.Error()
}

// fsError maps an error of a file operation on the client path p to the
// daemon's E1 envelope: 404 FILE_NOT_FOUND, 403 FILE_ACCESS_DENIED, else
// 400.
func fsError(p string, err error) *daemonError {
	switch {
	case isEscape(err):
		return errOutside(p)
	case errors.Is(err, fs.ErrNotExist):
		return newError(http.StatusNotFound, codeFileNotFound, "file not found: "+p)
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		return newError(http.StatusForbidden, codeFileAccessDenied, "file access denied: "+p+": "+errText(err))
	default:
		return badRequest("%s: %s", p, errText(err))
	}
}

// emptyFSError maps a file error like fsError for the handlers the daemon
// answers with an empty body (E2): a missing file is a bare 404 and other
// failures a bare 400, but leaving the root stays a 403 envelope, so that a
// client can tell the emulator's confinement from a daemon answer.
func emptyFSError(p string, err error) *daemonError {
	switch {
	case isEscape(err):
		return errOutside(p)
	case errors.Is(err, fs.ErrNotExist):
		return emptyError(http.StatusNotFound)
	case errors.Is(err, fs.ErrPermission):
		return emptyError(http.StatusForbidden)
	default:
		return emptyError(http.StatusBadRequest)
	}
}
