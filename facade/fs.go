package daytona

import (
	"context"
	"io/fs"
	"strconv"
	"time"

	"github.com/daytona-go/daytona/api/toolbox"
)

// Daemon error codes of the file API, for errors.Is. Each also matches its
// status sentinel (ErrNotFound, ErrForbidden, ...). Older toolboxes answer
// some file errors with a bare status and no code: use the status
// sentinels to cover every version.
var (
	// ErrFileNotFound: the file or directory does not exist (404).
	ErrFileNotFound = &Error{Code: "FILE_NOT_FOUND", Source: SourceDaemon}
	// ErrFileAccessDenied: the toolbox may not access the path (403).
	ErrFileAccessDenied = &Error{Code: "FILE_ACCESS_DENIED", Source: SourceDaemon}
	// ErrInvalidFilePath: the path is empty or names a directory where a
	// file is needed (400; bulk download).
	ErrInvalidFilePath = &Error{Code: "INVALID_FILE_PATH", Source: SourceDaemon}
	// ErrFileReadFailed: the toolbox could not read the file (500; bulk
	// download).
	ErrFileReadFailed = &Error{Code: "FILE_READ_FAILED", Source: SourceDaemon}
)

// FileSystem works with the files of a sandbox; use it as sb.FS. Relative
// paths resolve against the toolbox's work directory ([Sandbox.WorkDir]).
// Paths may contain spaces and any Unicode character.
type FileSystem struct{ sb *Sandbox }

// FileInfo describes a file or directory in the sandbox.
type FileInfo struct {
	// Name is the base name.
	Name string
	// Path is the full path (sent by toolboxes since API v0.205.1; empty
	// from older ones).
	Path string
	// Size is the size in bytes.
	Size int64
	// IsDir reports a directory.
	IsDir bool
	// Mode is the ls-style mode, e.g. "-rw-r--r--".
	Mode string
	// Permissions is the octal permission string, e.g. "0644".
	Permissions string
	// Owner and Group are the owner's and group's numeric IDs, as strings.
	Owner, Group string
	// ModifiedAt is the modification time (zero if the toolbox sent none
	// that parses).
	ModifiedAt time.Time
}

func fileInfoFromAPI(fi *toolbox.FileInfo) FileInfo {
	out := FileInfo{
		Name: fi.Name, Path: fromPtr(fi.Path), Size: int64(fi.Size), IsDir: fi.IsDir,
		Mode: fi.Mode, Permissions: fi.Permissions, Owner: fi.Owner, Group: fi.Group,
	}
	if t, err := time.Parse(time.RFC3339Nano, fi.ModifiedAt); err == nil {
		out.ModifiedAt = t
	}
	return out
}

// modeString renders the permission bits of m (with setuid, setgid and
// sticky) as the toolbox's octal string, e.g. "0755".
func modeString(op string, m fs.FileMode) (string, error) {
	const allowed = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky
	if m&^allowed != 0 {
		return "", invalidf("%s: mode %v has bits other than permissions, setuid, setgid and sticky", op, m)
	}
	n := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		n |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		n |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		n |= 0o1000
	}
	s := strconv.FormatUint(uint64(n), 8)
	for len(s) < 4 {
		s = "0" + s
	}
	return s, nil
}

// CreateFolder creates the directory path with permissions mode (0 means
// 0755), and its missing parents. An existing directory is not an error.
func (f *FileSystem) CreateFolder(ctx context.Context, path string, mode fs.FileMode) error {
	const op = "FS.CreateFolder"
	if err := checkPath(op, "path", path); err != nil {
		return err
	}
	if mode == 0 {
		mode = 0o755
	}
	m, err := modeString(op, mode)
	if err != nil {
		return err
	}
	return f.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.CreateFolderWithResponse(ctx, &toolbox.CreateFolderParams{Path: path, Mode: m})
		return err
	})
}

// DeleteOptions tunes FileSystem.Delete.
type DeleteOptions struct {
	// Recursive deletes a directory and everything in it. Without it,
	// deleting a directory fails (ErrValidation).
	Recursive bool
}

// Delete deletes the file or directory at path. A missing path gives an
// error matching ErrNotFound.
func (f *FileSystem) Delete(ctx context.Context, path string, opts DeleteOptions) error {
	if err := checkPath("FS.Delete", "path", path); err != nil {
		return err
	}
	params := &toolbox.DeleteFileParams{Path: path, Recursive: nonZero(opts.Recursive)}
	return f.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.DeleteFileWithResponse(ctx, params)
		return err
	})
}

// ListFilesOptions tunes FileSystem.List.
type ListFilesOptions struct {
	// Depth is how many levels to list: 1 (the default, also for 0) lists
	// the directory's entries, 2 also their children, and so on. Toolboxes
	// older than API v0.205.1 ignore it.
	Depth int
}

// List lists the directory at path ("" is the work directory).
func (f *FileSystem) List(ctx context.Context, path string, opts ListFilesOptions) ([]FileInfo, error) {
	const op = "FS.List"
	if opts.Depth < 0 {
		return nil, invalidf("%s: Depth is negative (%d)", op, opts.Depth)
	}
	params := &toolbox.ListFilesParams{}
	if path != "" {
		if err := checkPath(op, "path", path); err != nil {
			return nil, err
		}
		params.Path = &path
	}
	if opts.Depth > 0 {
		params.Depth = &opts.Depth
	}
	tb, err := f.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.ListFilesWithResponse(ctx, params)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("GET /files", resp.Status())
	}
	out := make([]FileInfo, len(*resp.JSON200))
	for i := range *resp.JSON200 {
		out[i] = fileInfoFromAPI(&(*resp.JSON200)[i])
	}
	return out, nil
}

// Info describes the file or directory at path. A missing path gives an
// error matching ErrNotFound.
func (f *FileSystem) Info(ctx context.Context, path string) (FileInfo, error) {
	if err := checkPath("FS.Info", "path", path); err != nil {
		return FileInfo{}, err
	}
	tb, err := f.sb.toolboxCall(ctx)
	if err != nil {
		return FileInfo{}, err
	}
	resp, err := tb.GetFileInfoWithResponse(ctx, &toolbox.GetFileInfoParams{Path: path})
	if err != nil {
		return FileInfo{}, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return FileInfo{}, unexpected("GET /files/info", resp.Status())
	}
	return fileInfoFromAPI(resp.JSON200), nil
}

// Move moves (renames) source to destination.
func (f *FileSystem) Move(ctx context.Context, source, destination string) error {
	const op = "FS.Move"
	if err := checkPaths(op, "source", source, "destination", destination); err != nil {
		return err
	}
	return f.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.MoveFileWithResponse(ctx, &toolbox.MoveFileParams{Source: source, Destination: destination})
		return err
	})
}

// Match is one line of a file that FileSystem.Find matched.
type Match struct {
	// File is the file's path.
	File string
	// Line is the 1-based line number.
	Line int
	// Content is the matching line.
	Content string
}

// Find searches the contents of the files under path (recursively) for
// pattern, like grep, and returns the matching lines.
func (f *FileSystem) Find(ctx context.Context, path, pattern string) ([]Match, error) {
	const op = "FS.Find"
	if err := checkSearch(op, path, pattern); err != nil {
		return nil, err
	}
	tb, err := f.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.FindInFilesWithResponse(ctx, &toolbox.FindInFilesParams{Path: path, Pattern: pattern})
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("GET /files/find", resp.Status())
	}
	out := make([]Match, len(*resp.JSON200))
	for i, m := range *resp.JSON200 {
		out[i] = Match{File: m.File, Line: m.Line, Content: m.Content}
	}
	return out, nil
}

// checkSearch checks the arguments of FileSystem.Find and
// FileSystem.Search.
func checkSearch(op, path, pattern string) error {
	if err := checkPath(op, "path", path); err != nil {
		return err
	}
	if pattern == "" {
		return invalidf("%s: pattern is empty", op)
	}
	return nil
}

// Search returns the absolute paths of the entries under path, at any
// depth, whose base name matches pattern, as the toolbox daemon matches
// them (Go's path.Match: "*", "?", "[...]", "\\" escapes). Directories and
// symlinks are entries too, and so is path itself. The pattern is applied
// to names only: "*.go" finds the Go files at every depth, while a pattern
// with a "/", "**" or {a,b} alternatives matches nothing. A directory that
// does not exist, or a pattern that does not parse, gives no matches.
func (f *FileSystem) Search(ctx context.Context, path, pattern string) ([]string, error) {
	const op = "FS.Search"
	if err := checkSearch(op, path, pattern); err != nil {
		return nil, err
	}
	tb, err := f.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.SearchFilesWithResponse(ctx, &toolbox.SearchFilesParams{Path: path, Pattern: pattern})
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("GET /files/search", resp.Status())
	}
	if resp.JSON200.Files == nil {
		return []string{}, nil
	}
	return resp.JSON200.Files, nil
}

// ReplaceResult is the outcome of FileSystem.ReplaceInFiles for one file.
type ReplaceResult struct {
	// File is the file's path.
	File string
	// Success reports that the file was processed.
	Success bool
	// Error is the toolbox's reason when Success is false.
	Error string
}

// ReplaceInFiles replaces every occurrence of pattern with newValue in
// each of files and reports, file by file, whether it worked. A file that
// fails does not fail the call.
func (f *FileSystem) ReplaceInFiles(ctx context.Context, files []string, pattern, newValue string) ([]ReplaceResult, error) {
	const op = "FS.ReplaceInFiles"
	if len(files) == 0 {
		return nil, invalidf("%s: no files", op)
	}
	if err := checkFiles(op, files); err != nil {
		return nil, err
	}
	if pattern == "" {
		return nil, invalidf("%s: pattern is empty", op)
	}
	tb, err := f.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.ReplaceInFilesWithResponse(ctx, toolbox.ReplaceRequest{Files: files, Pattern: pattern, NewValue: newValue})
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("POST /files/replace", resp.Status())
	}
	out := make([]ReplaceResult, len(*resp.JSON200))
	for i, r := range *resp.JSON200 {
		out[i] = ReplaceResult{File: fromPtr(r.File), Success: fromPtr(r.Success), Error: fromPtr(r.Error)}
	}
	return out, nil
}

// SetPermissionsOptions says what FileSystem.SetPermissions changes; at
// least one field must be set.
type SetPermissionsOptions struct {
	// Mode is the new permission bits (setuid, setgid and sticky
	// included); 0 leaves the mode as it is.
	Mode fs.FileMode
	// Owner is the new owner, a user name or numeric ID; "" leaves it.
	Owner string
	// Group is the new group, a group name or numeric ID; "" leaves it.
	Group string
}

// SetPermissions changes the mode, owner or group of path.
func (f *FileSystem) SetPermissions(ctx context.Context, path string, opts SetPermissionsOptions) error {
	const op = "FS.SetPermissions"
	if err := checkPath(op, "path", path); err != nil {
		return err
	}
	if opts.Mode == 0 && opts.Owner == "" && opts.Group == "" {
		return invalidf("%s: nothing to change (set Mode, Owner or Group)", op)
	}
	params := &toolbox.SetFilePermissionsParams{Path: path}
	if opts.Mode != 0 {
		m, err := modeString(op, opts.Mode)
		if err != nil {
			return err
		}
		params.Mode = &m
	}
	params.Owner = nonZero(opts.Owner)
	params.Group = nonZero(opts.Group)
	return f.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.SetFilePermissionsWithResponse(ctx, params)
		return err
	})
}
