package toolbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os/user"
	"path"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// fileHandlers serves /files (PROTOCOLS.md 3.1); the transfers are in
// transfer.go.
type fileHandlers struct{ c *core }

// fileInfo builds the daemon's FileInfo of an entry (3.1): modTime in Go's
// time.String form, owner and group as numeric ids, permissions in octal.
func fileInfo(name, abs string, fi fs.FileInfo) tbserver.FileInfo {
	owner, group := "", ""
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		owner, group = strconv.FormatUint(uint64(st.Uid), 10), strconv.FormatUint(uint64(st.Gid), 10)
	}
	mt := fi.ModTime().UTC()
	return tbserver.FileInfo{
		Name:        name,
		Size:        int(fi.Size()),
		Mode:        fi.Mode().String(),
		ModTime:     mt.String(),
		ModifiedAt:  mt.Format(time.RFC3339Nano),
		IsDir:       fi.IsDir(),
		Owner:       owner,
		Group:       group,
		Permissions: fmt.Sprintf("%04o", fi.Mode().Perm()),
		Path:        &abs,
	}
}

// statEntry stats rel following a final symlink, or describes the link
// itself when it cannot be followed (dangling, or leaving the root).
func (h fileHandlers) statEntry(rel string) (fs.FileInfo, error) {
	fi, err := h.c.fs.r.Stat(rel)
	if err != nil {
		return h.c.fs.r.Lstat(rel)
	}
	return fi, nil
}

// ListFiles serves GET /files: the entries of a directory, depth levels deep
// (default 1), each directory's entries sorted by name and followed by their
// own children. A missing directory is an empty 404.
func (h fileHandlers) ListFiles(_ context.Context, req tbserver.ListFilesRequestObject) (tbserver.ListFilesResponseObject, error) {
	p := "."
	if req.Params.Path != nil && *req.Params.Path != "" {
		p = *req.Params.Path
	}
	depth := 1
	if req.Params.Depth != nil {
		depth = *req.Params.Depth
	}
	if depth < 1 {
		return nil, badRequest("depth must be >= 1")
	}
	t, err := h.c.fs.resolve(p)
	if err != nil {
		return nil, err
	}
	if t.followErr != nil {
		return nil, t.followErr
	}
	fi, err := h.c.fs.r.Stat(t.follow)
	if err != nil {
		return nil, emptyFSError(p, err)
	}
	if !fi.IsDir() {
		return nil, emptyError(http.StatusBadRequest) // os.ReadDir fails: the daemon aborts with 400
	}
	out := []tbserver.FileInfo{}
	if err := h.list(t.follow, t.abs, depth, &out); err != nil {
		return nil, emptyFSError(p, err)
	}
	return tbserver.ListFiles200JSONResponse(out), nil
}

// list appends the entries of the directory rel (shown as abs) to out. The
// entries come through the mount-aware FS, where a volume's mount point is
// a directory (so deeper listings descend into it), sorted by name.
func (h fileHandlers) list(rel, abs string, depth int, out *[]tbserver.FileInfo) error {
	entries, err := fs.ReadDir(h.c.fs.r.FS(), filepath.ToSlash(rel))
	if err != nil {
		return err
	}
	for _, e := range entries {
		childRel, childAbs := filepath.Join(rel, e.Name()), filepath.Join(abs, e.Name())
		fi, err := h.statEntry(childRel)
		if err != nil {
			continue // gone meanwhile, as the daemon skips entries it cannot stat
		}
		*out = append(*out, fileInfo(e.Name(), childAbs, fi))
		if depth > 1 && e.IsDir() {
			_ = h.list(childRel, childAbs, depth-1, out) // unreadable subdirectories are listed without children
		}
	}
	return nil
}

// GetFileInfo serves GET /files/info; a missing path is an empty 404.
func (h fileHandlers) GetFileInfo(_ context.Context, req tbserver.GetFileInfoRequestObject) (tbserver.GetFileInfoResponseObject, error) {
	t, err := h.c.fs.resolve(req.Params.Path)
	if err != nil {
		return nil, emptyPathError(err)
	}
	if t.followErr != nil {
		return nil, t.followErr
	}
	fi, err := h.c.fs.r.Stat(t.follow)
	if err != nil {
		return nil, emptyFSError(req.Params.Path, err)
	}
	return tbserver.GetFileInfo200JSONResponse(fileInfo(filepath.Base(t.abs), t.abs, fi)), nil
}

// emptyPathError turns the resolver's 400 for an empty path into the empty
// 400 of the handlers that answer E2; a 403 stays an envelope.
func emptyPathError(err error) error {
	if de := asDaemonError(err); de.status == http.StatusBadRequest {
		return emptyError(http.StatusBadRequest)
	}
	return err
}

// parseMode parses an octal permission string ("0755", "755").
func parseMode(s string) (fs.FileMode, error) {
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil || v > 0o7777 {
		return 0, badRequest("invalid mode %q: want an octal permission such as 0755", s)
	}
	m := fs.FileMode(v).Perm()
	if v&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if v&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if v&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m, nil
}

// CreateFolder serves POST /files/folder: creates the directory and its
// parents; an existing directory also answers 201 (quirk 23).
func (h fileHandlers) CreateFolder(_ context.Context, req tbserver.CreateFolderRequestObject) (tbserver.CreateFolderResponseObject, error) {
	mode := fs.FileMode(0o755)
	if req.Params.Mode != "" {
		m, err := parseMode(req.Params.Mode)
		if err != nil {
			return nil, err
		}
		mode = m
	}
	t, err := h.c.fs.resolve(req.Params.Path)
	if err != nil {
		return nil, err
	}
	if t.followErr != nil {
		return nil, t.followErr
	}
	if err := h.c.fs.r.MkdirAll(t.follow, mode); err != nil {
		return nil, fsError(req.Params.Path, err)
	}
	return tbserver.CreateFolder201Response{}, nil
}

// DeleteFile serves DELETE /files: a missing path is an empty 404 and a
// directory without recursive=true an empty 400 (E2). A symlink is removed
// itself, wherever it points. The root cannot be deleted.
func (h fileHandlers) DeleteFile(_ context.Context, req tbserver.DeleteFileRequestObject) (tbserver.DeleteFileResponseObject, error) {
	t, err := h.c.fs.resolve(req.Params.Path)
	if err != nil {
		return nil, emptyPathError(err)
	}
	if t.isRoot() {
		return nil, newError(http.StatusForbidden, codeFileAccessDenied, "file access denied: the sandbox root cannot be deleted")
	}
	fi, err := h.c.fs.r.Lstat(t.rel)
	if err != nil {
		return nil, emptyFSError(req.Params.Path, err)
	}
	recursive := req.Params.Recursive != nil && *req.Params.Recursive
	if fi.IsDir() && !recursive {
		return nil, emptyError(http.StatusBadRequest)
	}
	if fi.IsDir() {
		err = h.c.fs.r.RemoveAll(t.rel)
	} else {
		err = h.c.fs.r.Remove(t.rel)
	}
	if err != nil {
		return nil, fsError(req.Params.Path, err)
	}
	return tbserver.DeleteFile204Response{}, nil
}

// MoveFile serves POST /files/move: renames the entry (a symlink moves as
// the link). A missing source or destination directory is 404, an existing
// destination 409.
func (h fileHandlers) MoveFile(_ context.Context, req tbserver.MoveFileRequestObject) (tbserver.MoveFileResponseObject, error) {
	src, dst := req.Params.Source, req.Params.Destination
	if src == "" || dst == "" {
		return nil, badRequest("source and destination paths are required")
	}
	ts, err := h.c.fs.resolve(src)
	if err != nil {
		return nil, err
	}
	td, err := h.c.fs.resolve(dst)
	if err != nil {
		return nil, err
	}
	if ts.isRoot() || td.isRoot() {
		return nil, newError(http.StatusForbidden, codeFileAccessDenied, "file access denied: the sandbox root cannot be moved or replaced")
	}
	if _, err := h.c.fs.r.Lstat(ts.rel); err != nil {
		return nil, fsError(src, err)
	}
	if _, err := h.c.fs.r.Stat(filepath.Dir(td.rel)); err != nil {
		return nil, fsError(dst, err)
	}
	if _, err := h.c.fs.r.Lstat(td.rel); err == nil {
		return nil, conflict("destination already exists")
	}
	if err := h.c.fs.r.Rename(ts.rel, td.rel); err != nil {
		return nil, fsError(src, err)
	}
	return tbserver.MoveFile200Response{}, nil
}

// SetFilePermissions serves POST /files/permissions: mode (octal), owner
// and group (names or numeric ids).
func (h fileHandlers) SetFilePermissions(_ context.Context, req tbserver.SetFilePermissionsRequestObject) (tbserver.SetFilePermissionsResponseObject, error) {
	p := req.Params
	t, err := h.c.fs.resolve(p.Path)
	if err != nil {
		return nil, err
	}
	if t.followErr != nil {
		return nil, t.followErr
	}
	if _, err := h.c.fs.r.Stat(t.follow); err != nil {
		return nil, fsError(p.Path, err)
	}
	if p.Mode != nil && *p.Mode != "" {
		m, err := parseMode(*p.Mode)
		if err != nil {
			return nil, err
		}
		if err := h.c.fs.r.Chmod(t.follow, m); err != nil {
			return nil, fsError(p.Path, err)
		}
	}
	uid, gid := -1, -1
	if p.Owner != nil && *p.Owner != "" {
		if uid, err = lookupID(*p.Owner, false); err != nil {
			return nil, err
		}
	}
	if p.Group != nil && *p.Group != "" {
		if gid, err = lookupID(*p.Group, true); err != nil {
			return nil, err
		}
	}
	if uid != -1 || gid != -1 {
		if err := h.c.fs.r.Chown(t.follow, uid, gid); err != nil {
			return nil, fsError(p.Path, err)
		}
	}
	return tbserver.SetFilePermissions200Response{}, nil
}

// lookupID returns the numeric id of a user or group given by name or id.
func lookupID(name string, group bool) (int, error) {
	if id, err := strconv.Atoi(name); err == nil && id >= 0 {
		return id, nil
	}
	var idStr string
	if group {
		g, err := user.LookupGroup(name)
		if err != nil {
			return 0, badRequest("unknown group %q", name)
		}
		idStr = g.Gid
	} else {
		u, err := user.Lookup(name)
		if err != nil {
			return 0, badRequest("unknown user %q", name)
		}
		idStr = u.Uid
	}
	id, err := strconv.Atoi(idStr)
	if err != nil {
		return 0, badRequest("non-numeric id %q for %q", idStr, name)
	}
	return id, nil
}

// walkFiles calls fn for every regular file under the target (or the target
// itself when it is a file), with its path as the daemon's filepath.Walk
// names it (the requested path joined with the path within it, so relative
// when the request was) and its path under the root. Symlinks are not
// followed and unreadable directories are skipped, as filepath.Walk does.
func (h fileHandlers) walkFiles(t *target, requested string, fn func(shown, rel string) error) error {
	return fs.WalkDir(h.c.fs.r.FS(), t.follow, func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		within, _ := filepath.Rel(t.follow, rel)
		return fn(walkName(requested, within), rel)
	})
}

// walkName is the name filepath.Walk(root) gives the entry at within (a
// slash-free "." for root itself): root unchanged, else joined and cleaned.
func walkName(root, within string) string {
	if within == "." {
		return root
	}
	return filepath.Join(root, within)
}

// FindInFiles serves GET /files/find: every line that contains pattern (a
// plain substring) in the text files under path, with 1-based line numbers.
// Files whose first 512 bytes hold a NUL byte count as binary and are
// skipped.
func (h fileHandlers) FindInFiles(ctx context.Context, req tbserver.FindInFilesRequestObject) (tbserver.FindInFilesResponseObject, error) {
	if req.Params.Path == "" || req.Params.Pattern == "" {
		return nil, badRequest("path and pattern are required")
	}
	t, err := h.c.fs.resolve(req.Params.Path)
	if err != nil {
		return nil, err
	}
	if t.followErr != nil {
		return nil, t.followErr
	}
	matches := []tbserver.Match{}
	pattern := []byte(req.Params.Pattern)
	err = h.walkFiles(t, req.Params.Path, func(shown, rel string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		found, err := h.grep(rel, pattern)
		if err != nil {
			return nil // unreadable file: skipped
		}
		for _, m := range found {
			m.File = shown
			matches = append(matches, m)
		}
		return nil
	})
	if err != nil {
		return nil, badRequest("%s", errText(err))
	}
	return tbserver.FindInFiles200JSONResponse(matches), nil
}

// grep returns the lines of the file rel that contain pattern.
func (h fileHandlers) grep(rel string, pattern []byte) ([]tbserver.Match, error) {
	f, err := h.c.fs.r.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(512)
	if bytes.IndexByte(head, 0) >= 0 {
		return nil, nil
	}
	var out []tbserver.Match
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			text := bytes.TrimRight(line, "\r\n")
			if bytes.Contains(text, pattern) {
				out = append(out, tbserver.Match{Line: n, Content: string(text)})
			}
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// SearchFiles serves GET /files/search as the daemon does: the names
// (see walkName) of every entry under path (files, directories, symlinks,
// and path itself) whose base name
// matches pattern under path.Match rules (*, ?, [...]; no "**" and no {a,b}
// alternatives: the pattern never sees directory separators). Entries that
// cannot be read are skipped, a path that does not exist gives no matches,
// and so does a pattern that does not parse.
func (h fileHandlers) SearchFiles(ctx context.Context, req tbserver.SearchFilesRequestObject) (tbserver.SearchFilesResponseObject, error) {
	if req.Params.Path == "" || req.Params.Pattern == "" {
		return nil, badRequest("path and pattern are required")
	}
	files := []string{}
	t, err := h.c.fs.resolve(req.Params.Path)
	if err != nil {
		return nil, err
	}
	if t.followErr != nil {
		return nil, t.followErr // a symlink out of the sandbox: refused, as everywhere
	}
	err = fs.WalkDir(h.c.fs.r.FS(), t.rel, func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return fs.SkipDir // as filepath.Walk's callback in the daemon: skip, never fail
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		name := d.Name()
		if rel == t.rel {
			name = filepath.Base(t.abs)
		}
		if ok, _ := path.Match(req.Params.Pattern, name); ok {
			within, _ := filepath.Rel(t.rel, rel)
			files = append(files, walkName(req.Params.Path, within))
		}
		return nil
	})
	if err != nil {
		return nil, badRequest("%s", errText(err))
	}
	return tbserver.SearchFiles200JSONResponse{Files: files}, nil
}

// ReplaceInFiles serves POST /files/replace: replaces every occurrence of
// pattern (a plain string) in each file. A file that fails gets
// success:false and the error; the call still answers 200.
func (h fileHandlers) ReplaceInFiles(_ context.Context, req tbserver.ReplaceInFilesRequestObject) (tbserver.ReplaceInFilesResponseObject, error) {
	if req.Body == nil {
		return nil, badRequest("invalid request body")
	}
	results := make([]tbserver.ReplaceResult, 0, len(req.Body.Files))
	for _, p := range req.Body.Files {
		file := p
		if err := h.replaceIn(p, req.Body.Pattern, req.Body.NewValue); err != nil {
			msg, no := err.Error(), false
			results = append(results, tbserver.ReplaceResult{File: &file, Success: &no, Error: &msg})
			continue
		}
		yes := true
		results = append(results, tbserver.ReplaceResult{File: &file, Success: &yes})
	}
	return tbserver.ReplaceInFiles200JSONResponse(results), nil
}

// replaceIn replaces pattern by value in the file p.
func (h fileHandlers) replaceIn(p, pattern, value string) error {
	t, err := h.c.fs.resolve(p)
	if err != nil {
		return err
	}
	if t.followErr != nil {
		return t.followErr
	}
	content, err := h.c.fs.r.ReadFile(t.follow)
	if err != nil {
		if isEscape(err) {
			return errOutside(p)
		}
		return errors.New("open " + p + ": " + errText(err))
	}
	if pattern == "" {
		return nil // nothing to replace
	}
	out := bytes.ReplaceAll(content, []byte(pattern), []byte(value))
	if err := h.c.fs.r.WriteFile(t.follow, out, 0o644); err != nil {
		if isEscape(err) {
			return errOutside(p)
		}
		return errors.New("open " + p + ": " + errText(err))
	}
	return nil
}
