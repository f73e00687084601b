package stream

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"path"
	"strings"
)

// ErrInvalidUpload is matched (with [errors.Is]) by the error
// [NewUploadBody] returns for a bad file list.
var ErrInvalidUpload = errors.New("stream: invalid upload")

// UploadFile is one file of a bulk upload.
type UploadFile struct {
	// Path is the destination in the sandbox. Relative paths resolve
	// against the sandbox's work directory; missing parents are created.
	Path string
	// Content is read once, to EOF, while the body is read. An empty
	// reader uploads an empty file. It is not closed.
	Content io.Reader
}

// UploadProgress reports how far the upload of one file has got.
type UploadProgress struct {
	Index   int    // position of the file in the list given to NewUploadBody
	Path    string // its destination path
	Written int64  // bytes of its content written to the body so far
	Done    bool   // the whole content has been written
}

// UploadOptions tunes [NewUploadBody]. The zero value is ready to use.
type UploadOptions struct {
	// OnProgress, if set, is called after each chunk of a file's content
	// is written to the body, and once with Done set when the file is
	// complete (so an empty file is reported too). It runs on the body's
	// writer goroutine and must not block for long.
	OnProgress func(UploadProgress)
}

// uploadChunk is the copy buffer size of the upload writer. headerBuf, much
// smaller, batches part headers; content chunks larger than it bypass it.
const (
	uploadChunk = 64 << 10
	headerBuf   = 4 << 10
)

// NewUploadBody returns a streaming multipart/form-data body for the
// toolbox's bulk upload (POST /files/bulk-upload, PROTOCOLS.md 3.3) and its
// Content-Type. For each file i it writes a field "files[i].path" holding
// the destination, then a file field "files[i].file" with the content, in
// that order, as the daemon requires.
//
// The body is produced by a goroutine through an [io.Pipe] as it is read,
// so memory stays constant whatever the file sizes. An error reading a
// source ends the body with that error. The caller must Close the body
// (net/http does so for a request body); Close stops the goroutine and
// returns once it has exited, which means after any Read of a source that
// is in progress has returned.
//
// It fails with an error matching [ErrInvalidUpload], before anything is
// read, when files is empty, a Path is empty or a Content is nil.
func NewUploadBody(files []UploadFile, opts UploadOptions) (contentType string, body io.ReadCloser, err error) {
	if len(files) == 0 {
		return "", nil, fmt.Errorf("%w: no files", ErrInvalidUpload)
	}
	for i, f := range files {
		switch {
		case f.Path == "":
			return "", nil, fmt.Errorf("%w: file %d has an empty path", ErrInvalidUpload, i)
		case f.Content == nil:
			return "", nil, fmt.Errorf("%w: file %d (%s) has a nil Content", ErrInvalidUpload, i, f.Path)
		}
	}
	files = append([]UploadFile(nil), files...) // the caller may reuse its slice

	pr, pw := io.Pipe()
	bw := bufio.NewWriterSize(pw, headerBuf)
	mw := multipart.NewWriter(bw)
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(writeUpload(mw, bw, files, opts.OnProgress))
	}()
	return mw.FormDataContentType(), &uploadBody{pr: pr, done: done}, nil
}

// writeUpload writes the whole multipart body.
func writeUpload(mw *multipart.Writer, bw *bufio.Writer, files []UploadFile, progress func(UploadProgress)) error {
	buf := make([]byte, uploadChunk)
	for i, f := range files {
		pw, err := mw.CreateFormField(fmt.Sprintf("files[%d].path", i))
		if err != nil {
			return err
		}
		if _, err := io.WriteString(pw, f.Path); err != nil {
			return err
		}
		fw, err := mw.CreateFormFile(fmt.Sprintf("files[%d].file", i), uploadFileName(f.Path))
		if err != nil {
			return err
		}
		var w io.Writer = fw
		var pc *progressWriter
		if progress != nil {
			pc = &progressWriter{w: fw, report: progress, p: UploadProgress{Index: i, Path: f.Path}}
			w = pc
		}
		if _, err := io.CopyBuffer(w, onlyReader{f.Content}, buf); err != nil {
			if errors.Is(err, io.ErrClosedPipe) {
				return err
			}
			return fmt.Errorf("stream: upload of file %d (%s): %w", i, f.Path, err)
		}
		if pc != nil {
			pc.p.Done = true
			progress(pc.p)
		}
	}
	if err := mw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// uploadFileName is the informational filename of a file part: the base
// name of the destination, without characters that would break the header.
func uploadFileName(p string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, path.Base(p))
}

// onlyReader hides WriterTo and other methods of a source, so that CopyBuffer
// uses its own buffer and the progress writer sees every chunk.
type onlyReader struct{ io.Reader }

type progressWriter struct {
	w      io.Writer
	report func(UploadProgress)
	p      UploadProgress
}

func (w *progressWriter) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	w.p.Written += int64(n)
	if n > 0 {
		w.report(w.p)
	}
	return n, err
}

// uploadBody is the read side of the upload pipe.
type uploadBody struct {
	pr   *io.PipeReader
	done chan struct{}
}

func (b *uploadBody) Read(p []byte) (int, error) { return b.pr.Read(p) }

// Close stops the writer goroutine and waits for it to exit.
func (b *uploadBody) Close() error {
	err := b.pr.Close()
	<-b.done
	return err
}
