package stream

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"strconv"
	"strings"
)

// DownloadBoundary is the fixed multipart boundary of the toolbox's bulk
// download responses.
const DownloadBoundary = "DAYTONA-FILE-BOUNDARY"

// Errors of the bulk download reader, matched with [errors.Is].
var (
	// ErrTruncated: the body ended (or the connection was cut) before the
	// closing boundary. The daemon truncates its response this way when a
	// file fails mid-copy.
	ErrTruncated = errors.New("stream: multipart body ended before its closing boundary")
	// ErrMalformed: the body or its Content-Type is not the multipart
	// framing the toolbox sends.
	ErrMalformed = errors.New("stream: malformed multipart body")
)

// Limits that keep the reader in constant memory on hostile input.
const (
	downloadBufSize = 64 << 10 // read buffer; also the longest header line
	maxHeaderLines  = 64       // header lines per part
	maxPreamble     = 64 << 10 // bytes skipped before the first boundary
	maxErrorBody    = 64 << 10 // bytes of an error part kept in FileError.Raw
	maxBoundaryLen  = 200
	directRead      = 4 << 10 // file reads at least this large bypass the buffer when it is empty
)

// PartKind tells a file part from an error part.
type PartKind int

const (
	// PartFile is a part carrying a file's content (form name "file").
	PartFile PartKind = iota + 1
	// PartError is a part reporting that one file could not be read
	// (form name "error").
	PartError
)

// String returns "file" or "error".
func (k PartKind) String() string {
	switch k {
	case PartFile:
		return "file"
	case PartError:
		return "error"
	}
	return "PartKind(" + strconv.Itoa(int(k)) + ")"
}

// DownloadPart is one part of a bulk download response. A file part is an
// [io.Reader] of the file's bytes; an error part reads as empty and carries
// Err. The part is valid until the next call of Next (or the next step of
// the iteration); unread content is skipped then.
type DownloadPart struct {
	Kind PartKind // Kind tells a file part (PartFile) from an error part (PartError).
	// Path is the sandbox path the part is about, from the lossless
	// "filename*" parameter when present, else from "filename".
	Path string
	// ContentType is the part's Content-Type header.
	ContentType string
	// Size is the part's Content-Length (the file size), or -1 when the
	// part has none (error parts).
	Size int64
	// Err is the parsed error of a PartError; nil for a file.
	Err *FileError

	body io.Reader
}

// Read reads the file's content. It returns [io.EOF] only after the whole
// content has arrived and the boundary after it has been seen; a cut body
// gives an error matching [ErrTruncated] instead.
func (p *DownloadPart) Read(b []byte) (int, error) { return p.body.Read(b) }

// FileError is a per-file failure reported inside a bulk download (an
// "error" part). Its body is the daemon's error envelope; the HTTP status
// of the whole response stays 200.
type FileError struct {
	Path       string // the file's path, from the part's Content-Disposition
	StatusCode int    // the envelope's statusCode, 0 if absent
	Code       string // the envelope's code, such as "FILE_NOT_FOUND"
	Message    string // the envelope's message, or the raw body if it is not JSON
	// Raw is the part's body as received (at most 64 KiB), for callers that
	// map error bodies themselves.
	Raw []byte
}

// Error implements error.
func (e *FileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stream: download of %q failed", e.Path)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.StatusCode != 0 || e.Code != "" {
		fmt.Fprintf(&b, " (status %d, code %q)", e.StatusCode, e.Code)
	}
	return b.String()
}

// parseFileError reads the error envelope of an error part.
func parseFileError(path string, raw []byte) *FileError {
	e := &FileError{Path: path, Raw: raw}
	var env struct {
		StatusCode int             `json:"statusCode"`
		Code       string          `json:"code"`
		ErrorCode  string          `json:"error_code"`
		Message    json.RawMessage `json:"message"`
		Error      string          `json:"error"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		e.Message = strings.TrimSpace(string(raw))
		return e
	}
	e.StatusCode, e.Code = env.StatusCode, env.Code
	if e.Code == "" {
		e.Code = env.ErrorCode
	}
	var msg string
	var msgs []string
	switch {
	case json.Unmarshal(env.Message, &msg) == nil:
		e.Message = msg
	case json.Unmarshal(env.Message, &msgs) == nil:
		e.Message = strings.Join(msgs, ", ")
	default:
		e.Message = env.Error
	}
	return e
}

// DownloadReader reads a bulk download response (POST /files/bulk-download,
// PROTOCOLS.md 3.4) part by part, without buffering whole files.
//
// A part with a Content-Length is framed by it, so a file that itself
// contains the fixed boundary is read correctly; the reader then checks
// that the boundary follows. Parts without one are read up to the next
// boundary. A body that ends before the closing boundary is an error
// matching [ErrTruncated], and a framing error one matching [ErrMalformed].
// Errors are sticky.
type DownloadReader struct {
	src      io.Reader
	br       *bufio.Reader // reads src
	boundary string
	delim    []byte // "\r\n--" + boundary
	started  bool
	done     bool
	err      error
	cur      *DownloadPart
}

// NewDownloadReader returns a reader of r, a multipart body whose boundary is
// taken from contentType (the response's Content-Type header). It fails
// with an error matching [ErrMalformed] if contentType is not multipart or
// names no usable boundary.
func NewDownloadReader(r io.Reader, contentType string) (*DownloadReader, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("%w: Content-Type %q: %v", ErrMalformed, contentType, err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return nil, fmt.Errorf("%w: Content-Type %q is not multipart", ErrMalformed, contentType)
	}
	b := params["boundary"]
	if b == "" || len(b) > maxBoundaryLen || strings.ContainsAny(b, "\r\n") {
		return nil, fmt.Errorf("%w: Content-Type %q has no usable boundary", ErrMalformed, contentType)
	}
	return &DownloadReader{
		src:      r,
		br:       bufio.NewReaderSize(r, downloadBufSize),
		boundary: b,
		delim:    []byte("\r\n--" + b),
	}, nil
}

// Next skips what is left of the current part and returns the next one. At
// the closing boundary it returns [io.EOF].
func (r *DownloadReader) Next() (*DownloadPart, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.done {
		return nil, io.EOF
	}
	if !r.started {
		r.started = true
		if err := r.skipPreamble(); err != nil {
			return nil, r.fail(err)
		}
	} else {
		if r.cur != nil {
			_, err := io.Copy(io.Discard, r.cur.body)
			r.cur.body = eofReader{err: errPartDone}
			r.cur = nil
			if err != nil {
				return nil, r.fail(err)
			}
		}
		if err := r.afterDelimiter(); err != nil {
			return nil, r.fail(err)
		}
	}
	if r.done {
		return nil, io.EOF
	}
	p, err := r.readPart()
	if err != nil {
		return nil, r.fail(err)
	}
	r.cur = p
	return p, nil
}

// fail records err as the reader's sticky error.
func (r *DownloadReader) fail(err error) error {
	if r.err == nil {
		r.err = err
	}
	return r.err
}

// readErr turns an error of the underlying reader into the reader's error.
func readErr(err error) error {
	switch {
	case err == io.EOF:
		return ErrTruncated
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %w", ErrTruncated, err)
	case errors.Is(err, ErrTruncated), errors.Is(err, ErrMalformed):
		return err
	}
	return fmt.Errorf("stream: reading bulk download: %w", err)
}

// readLine returns the next line without its line ending. A line longer
// than the buffer is malformed; the end of the body is ErrTruncated.
// The line is valid until the next read.
func (r *DownloadReader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, fmt.Errorf("%w: line longer than %d bytes", ErrMalformed, downloadBufSize)
	}
	if err != nil {
		return nil, readErr(err)
	}
	return bytes.TrimSuffix(line[:len(line)-1], []byte("\r")), nil
}

// skipPreamble reads up to and including the first boundary line.
func (r *DownloadReader) skipPreamble() error {
	dash := "--" + r.boundary
	skipped := 0
	for skipped <= maxPreamble {
		line, err := r.readLine()
		if err != nil {
			return err
		}
		switch string(bytes.TrimRight(line, " \t")) {
		case dash:
			return nil
		case dash + "--":
			r.done = true
			return nil
		}
		skipped += len(line) + 1
	}
	return fmt.Errorf("%w: no boundary in the first %d bytes", ErrMalformed, maxPreamble)
}

// afterDelimiter reads a delimiter ("\r\n--boundary") and what ends its
// line: "--" for the closing delimiter, else optional blanks and a newline.
func (r *DownloadReader) afterDelimiter() error {
	got, err := r.br.Peek(len(r.delim))
	if !bytes.Equal(got, r.delim) {
		if err != nil && bytes.HasPrefix(r.delim, got) {
			return readErr(err)
		}
		return fmt.Errorf("%w: expected a boundary after a part", ErrMalformed)
	}
	_, _ = r.br.Discard(len(r.delim))
	if next, err := r.br.Peek(2); string(next) == "--" {
		r.done = true // anything after the closing delimiter is epilogue
		return nil
	} else if err != nil && len(next) < 2 && (len(next) == 0 || next[0] == '-') {
		return readErr(err)
	}
	line, err := r.readLine()
	if err != nil {
		return err
	}
	if len(bytes.TrimRight(line, " \t")) != 0 {
		return fmt.Errorf("%w: junk after a boundary", ErrMalformed)
	}
	return nil
}

// readPart reads a part's headers and sets up its body.
func (r *DownloadReader) readPart() (*DownloadPart, error) {
	var disp, ctype, clen string
	for n := 0; ; n++ {
		if n == maxHeaderLines {
			return nil, fmt.Errorf("%w: more than %d header lines in a part", ErrMalformed, maxHeaderLines)
		}
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			break
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return nil, fmt.Errorf("%w: bad part header line", ErrMalformed)
		}
		k = bytes.TrimSpace(k)
		switch {
		case bytes.EqualFold(k, []byte("Content-Disposition")):
			disp = string(bytes.TrimSpace(v))
		case bytes.EqualFold(k, []byte("Content-Type")):
			ctype = string(bytes.TrimSpace(v))
		case bytes.EqualFold(k, []byte("Content-Length")):
			clen = string(bytes.TrimSpace(v))
		}
	}
	_, params := parseDisposition(disp)
	p := &DownloadPart{Path: dispositionPath(params), ContentType: ctype, Size: -1}
	switch params["name"] {
	case "file":
		p.Kind = PartFile
	case "error":
		p.Kind = PartError
	default:
		return nil, fmt.Errorf("%w: part with form name %q (want \"file\" or \"error\")", ErrMalformed, params["name"])
	}
	if clen != "" {
		size, err := strconv.ParseInt(clen, 10, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("%w: bad Content-Length %q", ErrMalformed, clen)
		}
		p.Size = size
		p.body = &sizedBody{r: r, left: size}
	} else {
		p.body = &scanBody{r: r}
	}
	if p.Kind == PartError {
		raw, err := io.ReadAll(io.LimitReader(p.body, maxErrorBody))
		if err == nil {
			_, err = io.Copy(io.Discard, p.body)
		}
		if err != nil {
			return nil, err
		}
		p.Err = parseFileError(p.Path, raw)
		p.body = eofReader{}
	}
	return p, nil
}

// errPartDone is what a part reads once the reader has moved past it.
var errPartDone = errors.New("stream: bulk download part read after the reader moved on")

// eofReader is the body of a part with nothing (more) to read: it returns
// err, or io.EOF when err is nil.
type eofReader struct{ err error }

func (e eofReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}

// sizedBody reads a part framed by its Content-Length and checks that the
// delimiter follows it before reporting io.EOF.
type sizedBody struct {
	r    *DownloadReader
	left int64
	err  error
}

func (s *sizedBody) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.left == 0 {
		s.err = s.checkDelim()
		return 0, s.err
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	var n int
	var err error
	if s.r.br.Buffered() == 0 && len(p) >= directRead {
		n, err = s.r.src.Read(p) // large reads skip the copy through the buffer
	} else {
		n, err = s.r.br.Read(p)
	}
	s.left -= int64(n)
	if err != nil {
		s.err = s.r.fail(readErr(err))
		return n, s.err
	}
	return n, nil
}

// checkDelim returns io.EOF if the delimiter follows the content, else the
// reader's error.
func (s *sizedBody) checkDelim() error {
	got, err := s.r.br.Peek(len(s.r.delim))
	switch {
	case bytes.Equal(got, s.r.delim):
		return io.EOF
	case err != nil && bytes.HasPrefix(s.r.delim, got):
		return s.r.fail(readErr(err))
	}
	return s.r.fail(fmt.Errorf("%w: part content does not end at its Content-Length", ErrMalformed))
}

// scanBody reads a part up to the next delimiter, which it leaves unread.
type scanBody struct {
	r     *DownloadReader
	clean int  // leading buffered bytes known to be content
	last  bool // the delimiter follows the clean bytes
	err   error
}

func (s *scanBody) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	br, delim := s.r.br, s.r.delim
	for {
		if s.clean > 0 || s.last {
			buf, _ := br.Peek(s.clean)
			n := copy(p, buf)
			_, _ = br.Discard(n)
			s.clean -= n
			if s.clean == 0 && s.last {
				s.err = io.EOF
				if n == 0 {
					return 0, io.EOF
				}
			}
			return n, nil
		}
		buf, _ := br.Peek(br.Buffered())
		if i := bytes.Index(buf, delim); i >= 0 {
			s.clean, s.last = i, true
			continue
		}
		if safe := len(buf) - partialSuffix(buf, delim); safe > 0 {
			s.clean = safe
			continue
		}
		// Everything buffered may start a delimiter: read more.
		if _, err := br.Peek(len(buf) + 1); err != nil {
			s.err = s.r.fail(readErr(err))
			return 0, s.err
		}
	}
}

// partialSuffix returns the length of the longest suffix of buf that is a
// proper prefix of delim (which starts with '\r').
func partialSuffix(buf, delim []byte) int {
	k := min(len(buf), len(delim)-1)
	for ; k > 0; k-- {
		if buf[len(buf)-k] == delim[0] && bytes.HasSuffix(buf, delim[:k]) {
			return k
		}
	}
	return 0
}

// DownloadParts iterates over the parts of a bulk download body (see
// [DownloadReader]). Each part is valid only during its iteration step. A
// failure is yielded once as (nil, err) and ends the iteration; the clean
// end of the body ends it without an error. A bad contentType is yielded as
// an error matching [ErrMalformed].
func DownloadParts(r io.Reader, contentType string) iter.Seq2[*DownloadPart, error] {
	return func(yield func(*DownloadPart, error) bool) {
		dr, err := NewDownloadReader(r, contentType)
		if err != nil {
			yield(nil, err)
			return
		}
		for {
			p, err := dr.Next()
			if err == io.EOF {
				return
			}
			if !yield(p, err) || err != nil {
				return
			}
		}
	}
}
