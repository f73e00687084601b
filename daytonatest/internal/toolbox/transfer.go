package toolbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// bulkBoundary is the fixed boundary of bulk-download answers (3.4).
const bulkBoundary = "DAYTONA-FILE-BOUNDARY"

// maxPathPart bounds a files[i].path part of a bulk upload.
const maxPathPart = 64 << 10

// writeFile streams r into the file t (following a final symlink that stays
// inside the root), creating missing parent directories (0755) and
// truncating an existing file. Nothing is buffered.
func (c *core) writeFile(t *target, r io.Reader) (int64, error) {
	if t.followErr != nil {
		return 0, t.followErr
	}
	if dir := filepath.Dir(t.follow); dir != "." {
		if err := c.fs.r.MkdirAll(dir, 0o755); err != nil {
			return 0, err
		}
	}
	f, err := c.fs.r.OpenFile(t.follow, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// uploadError maps a writeFile failure of the single-file uploads, which the
// daemon answers with an empty 400 (E2). Leaving the root stays a 403
// envelope.
func uploadError(p string, err error) error {
	var de *daemonError
	if errors.As(err, &de) {
		return de
	}
	if isEscape(err) {
		return errOutside(p)
	}
	return emptyError(http.StatusBadRequest)
}

// nextFilePart returns the next part named "file" of mr, skipping others.
func nextFilePart(mr *multipart.Reader) (*multipart.Part, error) {
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, err
		}
		if part.FormName() == "file" {
			return part, nil
		}
		_ = part.Close()
	}
}

// uploadMultipart writes the "file" part of mr to the path p.
func (c *core) uploadMultipart(p string, mr *multipart.Reader) (*target, error) {
	if p == "" {
		return nil, emptyError(http.StatusBadRequest)
	}
	t, err := c.fs.resolve(p)
	if err != nil {
		return nil, emptyPathError(err)
	}
	part, err := nextFilePart(mr)
	if err != nil {
		return nil, emptyError(http.StatusBadRequest) // no "file" field (quirk 23)
	}
	defer part.Close()
	if _, err := c.writeFile(t, part); err != nil {
		return nil, uploadError(p, err)
	}
	return t, nil
}

// legacyUpload serves POST /files/upload (toolbox v0.190, gone from the
// v0.205.1 spec): multipart field "file"; 200 with an empty body (quirk 23).
func (h fileHandlers) legacyUpload(w http.ResponseWriter, r *http.Request) {
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, r, emptyError(http.StatusBadRequest))
		return
	}
	if _, err := h.c.uploadMultipart(r.URL.Query().Get("path"), mr); err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// UploadFile serves POST /files/upload-v2 with a multipart body (field
// "file"); the raw-body form goes through rawUpload.
func (h fileHandlers) UploadFile(_ context.Context, req tbserver.UploadFileRequestObject) (tbserver.UploadFileResponseObject, error) {
	if _, err := h.c.uploadMultipart(req.Params.Path, req.Body); err != nil {
		return nil, err
	}
	return uploadedFile(req.Params.Path), nil
}

// uploadedFile is the answer of upload-v2: the path as the client gave it.
func uploadedFile(p string) tbserver.UploadFile200JSONResponse {
	return tbserver.UploadFile200JSONResponse{Name: filepath.Base(p), Path: p, Type: "file"}
}

// rawUpload serves POST /files/upload-v2 with a raw body.
func (h fileHandlers) rawUpload(w http.ResponseWriter, r *http.Request, p string) {
	t, err := h.c.fs.resolve(p)
	if err != nil {
		writeError(w, r, emptyPathError(err))
		return
	}
	if _, err := h.c.writeFile(t, r.Body); err != nil {
		writeError(w, r, uploadError(p, err))
		return
	}
	writeJSON(w, http.StatusOK, uploadedFile(p))
}

// bulkField matches the part names of a bulk upload.
var bulkField = regexp.MustCompile(`^files\[(\d+)\]\.(path|file)$`)

// uploadedEntry is one file of a bulk-upload answer.
type uploadedEntry struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
}

// bulkUploadResponse is the bulk-upload answer: 200 {"files"} or the E4
// 400 {"errors","files"} (no message field, PROTOCOLS.md 1.1).
type bulkUploadResponse struct {
	Errors []string        `json:"errors,omitempty"`
	Files  []uploadedEntry `json:"files"`
}

// VisitUploadFilesResponse writes the answer.
func (b bulkUploadResponse) VisitUploadFilesResponse(w http.ResponseWriter) error {
	status := http.StatusOK
	if len(b.Errors) > 0 {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, b)
	return nil
}

// UploadFiles serves POST /files/bulk-upload: each files[i].path part names
// the destination of the following files[i].file part, which is streamed
// straight to disk (3.3). Failures are collected per file (E4).
func (h fileHandlers) UploadFiles(ctx context.Context, req tbserver.UploadFilesRequestObject) (tbserver.UploadFilesResponseObject, error) {
	res := bulkUploadResponse{Files: []uploadedEntry{}}
	paths := map[int]string{}
	for ctx.Err() == nil {
		part, err := req.Body.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			res.Errors = append(res.Errors, "failed to read multipart body: "+err.Error())
			break
		}
		m := bulkField.FindStringSubmatch(part.FormName())
		if m == nil {
			_ = part.Close()
			continue
		}
		i, _ := strconv.Atoi(m[1])
		if m[2] == "path" {
			b, err := io.ReadAll(io.LimitReader(part, maxPathPart))
			_ = part.Close()
			if err != nil {
				res.Errors = append(res.Errors, fmt.Sprintf("file[%d]: failed to read path: %v", i, err))
				continue
			}
			paths[i] = string(b)
			continue
		}
		p, ok := paths[i]
		if !ok {
			_ = part.Close()
			res.Errors = append(res.Errors, fmt.Sprintf("file[%d]: missing .path metadata", i))
			continue
		}
		delete(paths, i)
		entry, err := h.bulkWrite(p, part)
		_ = part.Close()
		if err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("file[%d]: %s", i, err.Error()))
			continue
		}
		res.Files = append(res.Files, entry)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

// bulkWrite writes one bulk-upload file.
func (h fileHandlers) bulkWrite(p string, r io.Reader) (uploadedEntry, error) {
	t, err := h.c.fs.resolve(p)
	if err != nil {
		return uploadedEntry{}, err
	}
	n, err := h.c.writeFile(t, r)
	if err != nil {
		var de *daemonError
		if errors.As(err, &de) {
			return uploadedEntry{}, de
		}
		if isEscape(err) {
			return uploadedEntry{}, errOutside(p)
		}
		return uploadedEntry{}, fmt.Errorf("%s: %s", p, errText(err))
	}
	return uploadedEntry{Path: t.abs, Bytes: n}, nil
}

// downloadResponse streams one file with the daemon's headers (3.5).
type downloadResponse struct {
	f    *os.File
	name string
	size int64
	mod  time.Time
}

// VisitDownloadFileResponse writes the file.
func (d downloadResponse) VisitDownloadFileResponse(w http.ResponseWriter) error {
	defer d.f.Close()
	h := w.Header()
	h.Set("Accept-Ranges", "bytes")
	h.Set("Cache-Control", "must-revalidate")
	h.Set("Content-Description", "File Transfer")
	h.Set("Content-Disposition", contentDisposition("attachment", d.name))
	h.Set("Content-Length", strconv.FormatInt(d.size, 10))
	h.Set("Content-Transfer-Encoding", "binary")
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Expires", "0")
	h.Set("Last-Modified", d.mod.UTC().Format(http.TimeFormat))
	h.Set("Pragma", "public")
	w.WriteHeader(http.StatusOK)
	if _, err := io.CopyN(w, d.f, d.size); err != nil {
		panic(http.ErrAbortHandler) // the file shrank or failed: cut the body short
	}
	return nil
}

// DownloadFile serves GET /files/download: the raw file; missing → empty
// 404, a directory → empty 400 (E2).
func (h fileHandlers) DownloadFile(_ context.Context, req tbserver.DownloadFileRequestObject) (tbserver.DownloadFileResponseObject, error) {
	t, err := h.c.fs.resolve(req.Params.Path)
	if err != nil {
		return nil, emptyPathError(err)
	}
	if t.followErr != nil {
		return nil, t.followErr
	}
	f, err := h.c.fs.r.Open(t.follow)
	if err != nil {
		return nil, emptyFSError(req.Params.Path, err)
	}
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		_ = f.Close()
		return nil, emptyError(http.StatusBadRequest)
	}
	return downloadResponse{f: f, name: filepath.Base(t.abs), size: fi.Size(), mod: fi.ModTime()}, nil
}

// bulkDownload streams the bulk-download answer (3.4).
type bulkDownload struct {
	ctx   context.Context
	c     *core
	paths []string
}

// VisitDownloadFilesResponse writes one part per requested path, in request
// order, then the closing boundary. A file that fails mid-copy aborts the
// answer without the closing boundary, as the daemon does.
func (b bulkDownload) VisitDownloadFilesResponse(w http.ResponseWriter) error {
	mw := multipart.NewWriter(w)
	if err := mw.SetBoundary(bulkBoundary); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "multipart/form-data; boundary="+bulkBoundary)
	w.WriteHeader(http.StatusOK)
	for _, p := range b.paths {
		if b.ctx.Err() != nil {
			panic(http.ErrAbortHandler)
		}
		if err := b.part(mw, p); err != nil {
			_ = http.NewResponseController(w).Flush()
			panic(http.ErrAbortHandler)
		}
	}
	return mw.Close()
}

// part writes the part of path p: the file, or an error part. It fails only
// when the answer must be cut short.
func (b bulkDownload) part(mw *multipart.Writer, p string) error {
	f, fi, de := b.open(p)
	if de != nil {
		body, _ := json.Marshal(envelopeFor(de, http.MethodPost, p))
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Disposition": {formDisposition("error", p)},
			"Content-Type":        {"application/json; charset=utf-8"},
		})
		if err != nil {
			return err
		}
		_, err = pw.Write(body)
		return err
	}
	defer f.Close()
	pw, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Disposition": {formDisposition("file", p)},
		"Content-Length":      {strconv.FormatInt(fi.Size(), 10)},
		"Content-Type":        {contentTypeOf(p)},
	})
	if err != nil {
		return err
	}
	if hook := b.c.fs.beforeCopy; hook != nil {
		hook(p)
	}
	_, err = io.CopyN(pw, f, fi.Size())
	return err
}

// open opens the file p of a bulk download, or returns the error part's
// envelope error.
func (b bulkDownload) open(p string) (*os.File, fs.FileInfo, *daemonError) {
	if p == "" {
		return nil, nil, newError(http.StatusBadRequest, codeInvalidFilePath, "invalid file path: path is empty")
	}
	t, err := b.c.fs.resolve(p)
	if err != nil {
		return nil, nil, partError(p, err)
	}
	if t.followErr != nil {
		return nil, nil, partError(p, t.followErr)
	}
	f, err := b.c.fs.r.Open(t.follow)
	if err != nil {
		return nil, nil, partError(p, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, partError(p, err)
	}
	if fi.IsDir() {
		_ = f.Close()
		return nil, nil, newError(http.StatusBadRequest, codeInvalidFilePath, "invalid file path: path points to a directory: "+p)
	}
	return f, fi, nil
}

// partError maps an error to the envelope of a bulk-download error part.
func partError(p string, err error) *daemonError {
	var de *daemonError
	switch {
	case errors.As(err, &de) && de.code == codeFileAccessDenied:
		return de
	case errors.As(err, &de):
		return newError(http.StatusBadRequest, codeInvalidFilePath, "invalid file path: "+p)
	case isEscape(err):
		return errOutside(p)
	case errors.Is(err, fs.ErrNotExist):
		return newError(http.StatusNotFound, codeFileNotFound, "file not found: "+p)
	case errors.Is(err, fs.ErrPermission):
		return newError(http.StatusForbidden, codeFileAccessDenied, "file access denied: "+p)
	default:
		return newError(http.StatusInternalServerError, codeFileReadFailed, "file read failed: "+p+": "+errText(err))
	}
}

// DownloadFiles serves POST /files/bulk-download; an empty path list is the
// E3 400.
func (h fileHandlers) DownloadFiles(ctx context.Context, req tbserver.DownloadFilesRequestObject) (tbserver.DownloadFilesResponseObject, error) {
	if req.Body == nil || len(req.Body.Paths) == 0 {
		return nil, fieldError(http.StatusBadRequest, `request body must be {"paths": [ ... ]} and non-empty`)
	}
	return bulkDownload{ctx: ctx, c: h.c, paths: req.Body.Paths}, nil
}

// contentTypeOf is the part content type: by extension, else octet-stream.
func contentTypeOf(p string) string {
	if t := mime.TypeByExtension(filepath.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// formDisposition is a bulk-download part's Content-Disposition:
// name, the Latin-1-safe filename and the lossless filename* (3.4).
func formDisposition(name, p string) string {
	return `form-data; name="` + name + `"; filename="` + latin1Quoted(p) + `"; filename*=utf-8''` + rfc5987(p)
}

// contentDisposition is a download's Content-Disposition for a base name.
func contentDisposition(kind, name string) string {
	return kind + `; filename="` + latin1Quoted(name) + `"; filename*=utf-8''` + rfc5987(name)
}

// latin1Quoted replaces characters outside Latin-1 with "_" and escapes
// quotes and backslashes for a quoted-string.
func latin1Quoted(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r > 0xff:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// rfc5987 percent-encodes s as an RFC 5987 value (UTF-8 bytes; attr-chars
// kept).
func rfc5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
