package stream

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// DownloadWriter writes a bulk download response body exactly as the
// toolbox daemon does (PROTOCOLS.md 3.4): boundary [DownloadBoundary], one
// "file" or "error" part per requested path, in request order, then the
// closing boundary. It is the server side of [DownloadReader], for the
// emulator and for tests.
//
// To reproduce the daemon's truncation when a file fails mid-copy, stop
// writing (and abort the response) without calling Close.
//
// DownloadWriter is not safe for concurrent use.
type DownloadWriter struct {
	w      io.Writer
	parts  int
	closed bool
}

// NewDownloadWriter returns a DownloadWriter writing to w.
func NewDownloadWriter(w io.Writer) *DownloadWriter {
	return &DownloadWriter{w: w}
}

// ContentType is the Content-Type header of the response:
// "multipart/form-data; boundary=DAYTONA-FILE-BOUNDARY".
func (w *DownloadWriter) ContentType() string {
	return "multipart/form-data; boundary=" + DownloadBoundary
}

// WriteFile writes a file part for path: its headers (Content-Length size,
// and contentType, "application/octet-stream" if empty) and exactly size
// bytes read from content. If content ends early, WriteFile returns an
// error matching [io.ErrUnexpectedEOF] and the body is left truncated.
func (w *DownloadWriter) WriteFile(path string, size int64, contentType string, content io.Reader) error {
	if size < 0 {
		return errors.New("stream: negative file size")
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	head := "Content-Disposition: " + formatDisposition("file", path) + "\r\n" +
		"Content-Length: " + strconv.FormatInt(size, 10) + "\r\n" +
		"Content-Type: " + contentType + "\r\n\r\n"
	if err := w.writeHead(head); err != nil {
		return err
	}
	n, err := io.CopyN(w.w, content, size)
	if err == io.EOF {
		return fmt.Errorf("stream: content of %q ended after %d of %d bytes: %w", path, n, size, io.ErrUnexpectedEOF)
	}
	return err
}

// WriteError writes an error part for path whose body is the daemon's JSON
// error envelope, given as body.
func (w *DownloadWriter) WriteError(path string, body []byte) error {
	head := "Content-Disposition: " + formatDisposition("error", path) + "\r\n" +
		"Content-Type: application/json; charset=utf-8\r\n\r\n"
	if err := w.writeHead(head); err != nil {
		return err
	}
	_, err := w.w.Write(body)
	return err
}

// Close writes the closing boundary. It does not close the underlying
// writer.
func (w *DownloadWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	end := "--" + DownloadBoundary + "--\r\n"
	if w.parts > 0 {
		end = "\r\n" + end
	}
	_, err := io.WriteString(w.w, end)
	return err
}

func (w *DownloadWriter) writeHead(head string) error {
	if w.closed {
		return ErrClosed
	}
	delim := "--" + DownloadBoundary + "\r\n"
	if w.parts > 0 {
		delim = "\r\n" + delim
	}
	w.parts++
	_, err := io.WriteString(w.w, delim+head)
	return err
}
