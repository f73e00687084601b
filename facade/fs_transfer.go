package daytona

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/stream"
)

// Transfers. A single file is uploaded as the raw body of POST
// /files/upload-v2 (API v0.205.1), which the toolbox copies straight to
// disk; several files go through POST /files/bulk-upload, one multipart
// stream produced through a pipe as it is sent. Downloads of one file read
// GET /files/download as it arrives, and DownloadMany reads one
// bulk-download stream part by part. Nothing holds a whole file in memory
// and no temporary file is made, except the one beside the target that a
// download to a local path renames into place. A streamed request body is
// never retried.

// TransferProgress reports how far the transfer of one file has got.
type TransferProgress struct {
	// Index is the file's position in the list given to UploadMany or
	// DownloadMany (0 for single-file calls).
	Index int
	// Path is the file's path in the sandbox.
	Path string
	// Bytes is how many bytes of the file have been transferred so far.
	Bytes int64
	// Total is the file's size, or -1 when it is not known in advance.
	Total int64
	// Done is set on the last report of a file, once all of it has been
	// transferred (an empty file gets this report too).
	Done bool
}

// UploadOptions tunes the uploads of FileSystem.
type UploadOptions struct {
	// OnProgress, if set, is called as each file's content is sent. It
	// runs on the goroutine producing the request body and must return
	// quickly.
	OnProgress func(TransferProgress)
}

// DownloadOptions tunes the downloads of FileSystem.
type DownloadOptions struct {
	// OnProgress, if set, is called as each file's content arrives, on the
	// calling goroutine.
	OnProgress func(TransferProgress)
}

// FileUpload is one file of FileSystem.UploadMany: its content comes from
// Source or from the local file LocalPath (exactly one of them is set).
type FileUpload struct {
	// Source is read once, to EOF, while the request is sent; it is not
	// closed. An empty reader uploads an empty file.
	Source io.Reader
	// LocalPath is a local file to upload instead of Source. It is opened
	// when its turn comes and closed when it has been sent.
	LocalPath string
	// Destination is the path in the sandbox. Missing parent directories
	// are created; an existing file is replaced.
	Destination string
}

// FileDownload is one file of FileSystem.DownloadMany: the sandbox file
// Source goes to Destination or to the local file LocalPath (exactly one of
// them is set).
type FileDownload struct {
	// Source is the path in the sandbox.
	Source string
	// Destination receives the file's content as it arrives. It is not
	// closed. If the file fails midway it has received part of it.
	Destination io.Writer
	// LocalPath is a local file to write instead: the content goes to a
	// temporary file beside it, renamed to LocalPath once complete, so a
	// failure never leaves a partial file.
	LocalPath string
}

// DownloadResult is the outcome of FileSystem.DownloadMany for one file.
type DownloadResult struct {
	// Source is the requested sandbox path.
	Source string
	// Bytes is how many bytes were written to the destination.
	Bytes int64
	// Err is nil if the whole file reached its destination. Otherwise it
	// is an *Error: the toolbox's per-file error (errors.Is with
	// ErrFileNotFound, ErrNotFound, ErrInvalidFilePath, ...), a failure to
	// write the destination, or the stream ending before the file arrived.
	Err error
}

// Upload writes the content of r to remotePath in the sandbox, streaming
// it: memory use does not depend on the size. Missing parent directories
// are created and an existing file is replaced. r is read to EOF and not
// closed. The request is never retried, since r cannot be read twice.
// It uses files/upload-v2 (toolbox v0.205 and later); with an older
// daemon it fails with ErrNotFound saying so, and UploadMany works.
func (f *FileSystem) Upload(ctx context.Context, remotePath string, r io.Reader) error {
	const op = "FS.Upload"
	if r == nil {
		return invalidf("%s: nil reader", op)
	}
	if err := checkPath(op, "remotePath", remotePath); err != nil {
		return err
	}
	return f.uploadOne(ctx, &uploadSource{dest: remotePath, r: r, total: -1}, UploadOptions{})
}

// UploadFile uploads the local file localPath to remotePath, streaming it.
func (f *FileSystem) UploadFile(ctx context.Context, localPath, remotePath string, opts UploadOptions) error {
	const op = "FS.UploadFile"
	if err := checkPath(op, "remotePath", remotePath); err != nil {
		return err
	}
	src, err := localSource(op, 0, localPath, remotePath)
	if err != nil {
		return err
	}
	return f.uploadOne(ctx, src, opts)
}

// localSource checks the local file of upload i and returns its source.
func localSource(op string, i int, localPath, dest string) (*uploadSource, error) {
	if err := checkPath(op, "local path of file "+strconv.Itoa(i), localPath); err != nil {
		return nil, err
	}
	fi, err := os.Stat(localPath)
	if err != nil {
		return nil, newSDKError(ErrValidation, err, "%s: local file %d", op, i)
	}
	if !fi.Mode().IsRegular() {
		return nil, invalidf("%s: local file %d (%s) is not a regular file", op, i, localPath)
	}
	return &uploadSource{dest: dest, local: localPath, total: fi.Size()}, nil
}

// uploadOne sends one file as the raw body of POST /files/upload-v2.
func (f *FileSystem) uploadOne(ctx context.Context, src *uploadSource, opts UploadOptions) error {
	defer src.close()
	tb, err := f.sb.toolboxCall(ctx)
	if err != nil {
		return err
	}
	if opts.OnProgress != nil {
		src.progress = func(n int64, done bool) {
			opts.OnProgress(TransferProgress{Path: src.dest, Bytes: n, Total: src.total, Done: done})
		}
	}
	resp, err := tb.UploadFileWithBody(ctx, &toolbox.UploadFileParams{Path: src.dest}, "application/octet-stream", src, noReplay)
	if err != nil {
		if src.err != nil {
			return &Error{Source: SourceSDK, Message: "reading the content for " + src.dest, Err: src.err}
		}
		return noUploadV2(wrapErr(ctx, err))
	}
	drainClose(resp.Body)
	return nil
}

// UploadMany uploads files in one request, one multipart stream built as it
// is sent. If any file fails the call fails; the files before it may have
// been written.
func (f *FileSystem) UploadMany(ctx context.Context, files []FileUpload, opts UploadOptions) error {
	return f.uploadMany(ctx, "FS.UploadMany", files, opts)
}

func (f *FileSystem) uploadMany(ctx context.Context, op string, files []FileUpload, opts UploadOptions) error {
	if len(files) == 0 {
		return invalidf("%s: no files", op)
	}
	parts := make([]stream.UploadFile, len(files))
	totals := make([]int64, len(files))
	sources := make([]*uploadSource, len(files))
	for i, fu := range files {
		if err := checkPath(op, "Destination of file "+strconv.Itoa(i), fu.Destination); err != nil {
			return err
		}
		var src *uploadSource
		switch {
		case fu.Source != nil && fu.LocalPath != "":
			return invalidf("%s: file %d sets both Source and LocalPath", op, i)
		case fu.LocalPath != "":
			var err error
			if src, err = localSource(op, i, fu.LocalPath, fu.Destination); err != nil {
				return err
			}
		case fu.Source == nil:
			return invalidf("%s: file %d has neither Source nor LocalPath", op, i)
		default:
			src = &uploadSource{dest: fu.Destination, r: fu.Source, total: -1}
		}
		totals[i] = src.total
		sources[i] = src
		parts[i] = stream.UploadFile{Path: fu.Destination, Content: src}
	}
	defer func() {
		for _, s := range sources {
			s.close()
		}
	}()

	tb, err := f.sb.toolboxCall(ctx)
	if err != nil {
		return err
	}
	var sopts stream.UploadOptions
	if opts.OnProgress != nil {
		sopts.OnProgress = func(p stream.UploadProgress) {
			opts.OnProgress(TransferProgress{Index: p.Index, Path: p.Path, Bytes: p.Written, Total: totals[p.Index], Done: p.Done})
		}
	}
	ct, body, err := stream.NewUploadBody(parts, sopts)
	if err != nil {
		return newSDKError(ErrValidation, err, "%s", op)
	}
	resp, err := tb.UploadFilesWithBody(ctx, ct, body, noReplay)
	_ = body.Close() // the client closed it already, except when the request could not be built
	if err != nil {
		for _, s := range sources {
			if s.err != nil {
				return &Error{Source: SourceSDK, Message: "reading the content for " + s.dest, Err: s.err}
			}
		}
		return wrapErr(ctx, err)
	}
	drainClose(resp.Body)
	return nil
}

// uploadSource is the content of one upload: the caller's reader, or a
// local file opened on the first Read and closed at its end. It remembers
// the first read error, so the call can report it instead of the broken
// request it causes, and reports progress when progress is set.
type uploadSource struct {
	dest     string
	r        io.Reader
	local    string
	total    int64 // the size, -1 if unknown
	file     *os.File
	err      error
	n        int64
	progress func(n int64, done bool)
}

func (s *uploadSource) Read(p []byte) (int, error) {
	if s.r == nil {
		f, err := os.Open(s.local)
		if err != nil {
			s.err = err
			return 0, err
		}
		s.file, s.r = f, f
	}
	n, err := s.r.Read(p)
	s.n += int64(n)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	if err != nil {
		s.close()
	}
	if s.progress != nil && (n > 0 || err == io.EOF) {
		s.progress(s.n, err == io.EOF)
	}
	return n, err
}

// close closes the local file, if open. The request has ended when it is
// called after the request, so there is no concurrent Read.
func (s *uploadSource) close() {
	if s.file != nil {
		_ = s.file.Close()
		s.file = nil
	}
}

// drainClose reads what is left of a small response body (so the
// connection can be reused) and closes it.
func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

// Download streams the file at path. The caller must Close the reader;
// cancelling ctx also ends it. A missing file gives an error matching
// ErrNotFound, a directory one matching ErrValidation. A read error (a cut
// connection, a body shorter than announced) is an *Error.
func (f *FileSystem) Download(ctx context.Context, path string) (io.ReadCloser, error) {
	rc, _, err := f.download(ctx, "FS.Download", path)
	return rc, err
}

// download starts a download and returns the body and its announced size
// (-1 if unknown).
func (f *FileSystem) download(ctx context.Context, op, path string) (io.ReadCloser, int64, error) {
	if err := checkPath(op, "path", path); err != nil {
		return nil, 0, err
	}
	tb, err := f.sb.toolboxCall(ctx)
	if err != nil {
		return nil, 0, err
	}
	resp, err := tb.DownloadFile(ctx, &toolbox.DownloadFileParams{Path: path})
	if err != nil {
		return nil, 0, wrapErr(ctx, err)
	}
	return &bodyReader{ctx: ctx, body: resp.Body}, resp.ContentLength, nil
}

// bodyReader maps the read errors of a response body to *Error values.
type bodyReader struct {
	ctx  context.Context
	body io.ReadCloser
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err != nil && err != io.EOF {
		err = wrapErr(b.ctx, err)
	}
	return n, err
}

func (b *bodyReader) Close() error { return b.body.Close() }

// DownloadFile downloads the sandbox file remotePath to the local file
// localPath. The content goes to a temporary file in localPath's directory,
// which is renamed to localPath once complete: a failure leaves no partial
// file (and an existing localPath untouched). The file gets mode 0644.
func (f *FileSystem) DownloadFile(ctx context.Context, remotePath, localPath string, opts DownloadOptions) error {
	const op = "FS.DownloadFile"
	if err := checkPath(op, "localPath", localPath); err != nil {
		return err
	}
	if err := checkPath(op, "remotePath", remotePath); err != nil {
		return err
	}
	rc, size, err := f.download(ctx, op, remotePath)
	if err != nil {
		return err
	}
	defer rc.Close()
	var progress func(int64, bool)
	if opts.OnProgress != nil {
		progress = func(n int64, done bool) {
			opts.OnProgress(TransferProgress{Path: remotePath, Bytes: n, Total: size, Done: done})
		}
	}
	_, err = writeLocalFile(localPath, rc, progress)
	return err
}

// writeLocalFile copies r to a temporary file beside path and renames it
// to path. Errors writing locally are *Error values with Source SourceSDK
// wrapping the cause; read errors are returned as r gave them.
func writeLocalFile(path string, r io.Reader, progress func(n int64, done bool)) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.part")
	if err != nil {
		return 0, localError("creating a temporary file for "+path, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	n, rerr, werr := copyProgress(tmp, r, progress)
	switch {
	case werr != nil:
		return n, localError("writing "+path, werr)
	case rerr != nil:
		return n, rerr
	}
	if err := tmp.Chmod(0o644); err != nil {
		return n, localError("writing "+path, err)
	}
	if err := tmp.Close(); err != nil {
		return n, localError("writing "+path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		committed = true
		return n, localError("renaming the download to "+path, err)
	}
	committed = true
	if progress != nil {
		progress(n, true)
	}
	return n, nil
}

// localError is a failure of the local file system.
func localError(msg string, err error) *Error {
	return &Error{Source: SourceSDK, Message: msg, Err: err}
}

// copyProgress copies r to w, reporting progress (not done) after every
// chunk, and tells read errors from write errors.
func copyProgress(w io.Writer, r io.Reader, progress func(n int64, done bool)) (n int64, rerr, werr error) {
	buf := make([]byte, 64<<10)
	for {
		m, err := r.Read(buf)
		if m > 0 {
			wm, err := w.Write(buf[:m])
			n += int64(wm)
			if err == nil && wm < m {
				err = io.ErrShortWrite
			}
			if err != nil {
				return n, nil, err
			}
			if progress != nil {
				progress(n, false)
			}
		}
		if err == io.EOF {
			return n, nil, nil
		}
		if err != nil {
			return n, err, nil
		}
	}
}

// DownloadMany downloads files over one bulk-download stream, read part by
// part: each file goes to its destination as it arrives. The result has
// one entry per file, in order; a file that fails (missing, a directory,
// unreadable, a destination that cannot be written) has its Err set and
// does not fail the call.
//
// The call itself fails when the request fails, or when the stream breaks
// off before its closing boundary (the toolbox does so when a file fails
// midway): then the results are returned too, with Err set for the file cut
// short and for every file that got no data.
func (f *FileSystem) DownloadMany(ctx context.Context, files []FileDownload, opts DownloadOptions) ([]DownloadResult, error) {
	const op = "FS.DownloadMany"
	if len(files) == 0 {
		return nil, invalidf("%s: no files", op)
	}
	paths := make([]string, len(files))
	pending := make(map[string][]int, len(files))
	for i, fd := range files {
		if err := checkPath(op, "Source of file "+strconv.Itoa(i), fd.Source); err != nil {
			return nil, err
		}
		switch {
		case fd.Destination != nil && fd.LocalPath != "":
			return nil, invalidf("%s: file %d sets both Destination and LocalPath", op, i)
		case fd.Destination == nil && fd.LocalPath == "":
			return nil, invalidf("%s: file %d has neither Destination nor LocalPath", op, i)
		case fd.LocalPath != "":
			if err := checkPath(op, "LocalPath of file "+strconv.Itoa(i), fd.LocalPath); err != nil {
				return nil, err
			}
		}
		paths[i] = fd.Source
		pending[fd.Source] = append(pending[fd.Source], i)
	}
	tb, err := f.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.DownloadFiles(ctx, toolbox.FilesDownloadRequest{Paths: paths}, acceptMultipart)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	defer resp.Body.Close()

	results := make([]DownloadResult, len(files))
	answered := make([]bool, len(files))
	for i := range results {
		results[i].Source = files[i].Source
	}
	// next returns the request a part answers: the first unanswered one
	// with the part's path, else (a path the toolbox rewrote) the first
	// unanswered one, since parts come in request order.
	next := func(path string) int {
		if q := pending[path]; len(q) > 0 {
			pending[path] = q[1:]
			return q[0]
		}
		for i, done := range answered {
			if done {
				continue
			}
			q := pending[paths[i]]
			if k := slices.Index(q, i); k >= 0 {
				pending[paths[i]] = slices.Delete(q, k, k+1)
				return i
			}
		}
		return -1
	}

	dr, err := stream.NewDownloadReader(resp.Body, resp.Header.Get("Content-Type"))
	if err != nil {
		return nil, &Error{Kind: ErrServer, Source: SourceSDK, Message: "bulk download: malformed response", Err: err}
	}
	var callErr error
	for {
		part, err := dr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			callErr = streamError(ctx, err)
			break
		}
		i := next(part.Path)
		if i < 0 {
			callErr = &Error{Kind: ErrServer, Source: SourceSDK, Message: "bulk download: a part for a path that was not requested (or twice): " + part.Path}
			break
		}
		answered[i] = true
		if part.Kind == stream.PartError {
			results[i].Err = partError(part.Err)
			continue
		}
		n, rerr, werr := f.receive(part, files[i], i, opts)
		results[i].Bytes = n
		switch {
		case rerr != nil:
			callErr = streamError(ctx, rerr)
			results[i].Err = callErr
		case werr != nil:
			results[i].Err = werr
		}
		if rerr != nil {
			break
		}
	}
	if callErr == nil {
		// A clean end without a part for some paths: the toolbox sent
		// fewer parts than asked.
		for i, done := range answered {
			if !done {
				results[i].Err = &Error{Kind: ErrServer, Source: SourceSDK, Message: "bulk download: no data received for " + files[i].Source}
			}
		}
		return results, nil
	}
	for i, done := range answered {
		if !done {
			results[i].Err = &Error{Kind: kindOf(callErr), Source: SourceSDK, Message: "bulk download: no data received for " + files[i].Source, Err: callErr}
		}
	}
	return results, callErr
}

// receive writes one file part to its destination. rerr is a failure of
// the stream (which ends the call), werr one of the destination.
func (f *FileSystem) receive(part *stream.DownloadPart, fd FileDownload, index int, opts DownloadOptions) (n int64, rerr, werr error) {
	var progress func(int64, bool)
	if opts.OnProgress != nil {
		progress = func(n int64, done bool) {
			opts.OnProgress(TransferProgress{Index: index, Path: fd.Source, Bytes: n, Total: part.Size, Done: done})
		}
	}
	if fd.LocalPath != "" {
		src := &readErrRecorder{r: part}
		n, err := writeLocalFile(fd.LocalPath, src, progress)
		if src.err != nil {
			return n, src.err, nil
		}
		return n, nil, err
	}
	n, rerr, werr = copyProgress(fd.Destination, part, progress)
	if werr != nil {
		return n, nil, localError("writing the destination of "+fd.Source, werr)
	}
	if rerr == nil && progress != nil {
		progress(n, true)
	}
	return n, rerr, nil
}

// readErrRecorder remembers the first read error other than io.EOF.
type readErrRecorder struct {
	r   io.Reader
	err error
}

func (r *readErrRecorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// kindOf returns the Kind of the *Error in err's chain, else ErrServer.
func kindOf(err error) error {
	var de *Error
	if errors.As(err, &de) && de.Kind != nil {
		return de.Kind
	}
	return ErrServer
}

// acceptMultipart asks for the bulk download's multipart answer.
func acceptMultipart(_ context.Context, req *http.Request) error {
	req.Header.Set("Accept", "multipart/form-data")
	return nil
}

// partError maps a bulk download error part to an *Error; the part's
// statusCode gives the kind (PROTOCOLS.md 1.2).
func partError(fe *stream.FileError) error {
	status := fe.StatusCode
	if status == 0 {
		status = http.StatusInternalServerError
	}
	body := fe.Raw
	if len(body) == 0 {
		body = []byte(strconv.Quote(fe.Message))
	}
	return errorFromBody(status, nil, body)
}

// streamError maps a failure reading the bulk download stream.
func streamError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return wrapErr(ctx, err)
	}
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	switch {
	case errors.Is(err, stream.ErrMalformed):
		return &Error{Kind: ErrServer, Source: SourceSDK, Message: "bulk download: malformed response", Err: err}
	case errors.Is(err, stream.ErrTruncated):
		return &Error{Kind: ErrServer, Source: SourceSDK, Message: "bulk download: the stream broke off before its closing boundary", Err: err}
	}
	// A transport failure (a reset connection), as Download reports it.
	return wrapErr(ctx, err)
}

// noUploadV2 explains the router's 404 of a toolbox daemon older than
// v0.205, which has no files/upload-v2 (the one-file upload): UploadMany
// (files/bulk-upload) works there. Other errors come back unchanged.
func noUploadV2(err error) error {
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusNotFound || e.Code != "" || strings.TrimSpace(e.Message) != "404 page not found" {
		return err
	}
	return &Error{Kind: ErrNotFound, StatusCode: e.StatusCode, Source: e.Source, Headers: e.Headers, Err: e.Err,
		Message: "the toolbox has no files/upload-v2 (a daemon older than v0.205); UploadMany works with it"}
}
