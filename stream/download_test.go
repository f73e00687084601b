package stream

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const downloadCT = "multipart/form-data; boundary=DAYTONA-FILE-BOUNDARY"

// observedBody is the bulk-download response of PROTOCOLS.md 3.4, byte for
// byte.
const observedBody = "--DAYTONA-FILE-BOUNDARY\r\n" +
	"Content-Disposition: form-data; name=\"file\"; filename=\"/home/daytona/proj/hello.txt\"; filename*=utf-8''%2Fhome%2Fdaytona%2Fproj%2Fhello.txt\r\n" +
	"Content-Length: 12\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"hello world\n\r\n" +
	"--DAYTONA-FILE-BOUNDARY\r\n" +
	"Content-Disposition: form-data; name=\"file\"; filename=\"/home/daytona/proj/sub/b.json\"; filename*=utf-8''%2Fhome%2Fdaytona%2Fproj%2Fsub%2Fb.json\r\n" +
	"Content-Length: 7\r\n" +
	"Content-Type: application/json\r\n" +
	"\r\n" +
	"{\"k\":1}\r\n" +
	"--DAYTONA-FILE-BOUNDARY\r\n" +
	"Content-Disposition: form-data; name=\"file\"; filename=\"/home/daytona/proj/bin.dat\"; filename*=utf-8''%2Fhome%2Fdaytona%2Fproj%2Fbin.dat\r\n" +
	"Content-Length: 3\r\n" +
	"Content-Type: application/octet-stream\r\n" +
	"\r\n" +
	"\x00\x01\xff\r\n" +
	"--DAYTONA-FILE-BOUNDARY\r\n" +
	"Content-Disposition: form-data; name=\"error\"; filename=\"/home/daytona/proj/missing.txt\"; filename*=utf-8''%2Fhome%2Fdaytona%2Fproj%2Fmissing.txt\r\n" +
	"Content-Type: application/json; charset=utf-8\r\n" +
	"\r\n" +
	missingJSON + "\r\n" +
	"--DAYTONA-FILE-BOUNDARY\r\n" +
	"Content-Disposition: form-data; name=\"error\"; filename=\"/home/daytona/proj/sub\"; filename*=utf-8''%2Fhome%2Fdaytona%2Fproj%2Fsub\r\n" +
	"Content-Type: application/json; charset=utf-8\r\n" +
	"\r\n" +
	dirJSON + "\r\n" +
	"--DAYTONA-FILE-BOUNDARY--\r\n"

const (
	missingJSON = `{"statusCode":404,"message":"file not found: /home/daytona/proj/missing.txt","code":"FILE_NOT_FOUND","timestamp":"2026-11-25T17:18:33.10353459Z","path":"/home/daytona/proj/missing.txt","method":"POST"}`
	dirJSON     = `{"statusCode":400,"message":"invalid file path: path points to a directory: /home/daytona/proj/sub","code":"INVALID_FILE_PATH","timestamp":"2026-11-25T17:18:33.103860785Z","path":"/home/daytona/proj/sub","method":"POST"}`
)

// oneBinaryBody is the "exact bytes of a one-file binary response" of 3.4.
const oneBinaryBody = "--DAYTONA-FILE-BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"/home/daytona/proj/bin.dat\"; filename*=utf-8''%2Fhome%2Fdaytona%2Fproj%2Fbin.dat\r\nContent-Length: 3\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\xff\r\n--DAYTONA-FILE-BOUNDARY--\r\n"

// summary is what a test sees of a part.
type summary struct {
	Kind    PartKind
	Path    string
	Size    int64
	CT      string
	Content string
	Status  int
	Code    string
	Message string
}

// readAll reads every part of body, reading each with the given reader
// wrapper, and returns the parts and the final error (nil at a clean end).
func readAll(body io.Reader, wrap func(io.Reader) io.Reader) ([]summary, error) {
	dr, err := NewDownloadReader(body, downloadCT)
	if err != nil {
		return nil, err
	}
	var out []summary
	for {
		p, err := dr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		s := summary{Kind: p.Kind, Path: p.Path, Size: p.Size, CT: p.ContentType}
		var r io.Reader = p
		if wrap != nil {
			r = wrap(p)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return out, err
		}
		s.Content = string(b)
		if p.Err != nil {
			s.Status, s.Code, s.Message = p.Err.StatusCode, p.Err.Code, p.Err.Message
		}
		out = append(out, s)
	}
}

var observedParts = []summary{
	{Kind: PartFile, Path: "/home/daytona/proj/hello.txt", Size: 12, CT: "text/plain; charset=utf-8", Content: "hello world\n"},
	{Kind: PartFile, Path: "/home/daytona/proj/sub/b.json", Size: 7, CT: "application/json", Content: `{"k":1}`},
	{Kind: PartFile, Path: "/home/daytona/proj/bin.dat", Size: 3, CT: "application/octet-stream", Content: "\x00\x01\xff"},
	{Kind: PartError, Path: "/home/daytona/proj/missing.txt", Size: -1, CT: "application/json; charset=utf-8",
		Status: 404, Code: "FILE_NOT_FOUND", Message: "file not found: /home/daytona/proj/missing.txt"},
	{Kind: PartError, Path: "/home/daytona/proj/sub", Size: -1, CT: "application/json; charset=utf-8",
		Status: 400, Code: "INVALID_FILE_PATH", Message: "invalid file path: path points to a directory: /home/daytona/proj/sub"},
}

func TestDownloadReaderObservedResponse(t *testing.T) {
	t.Parallel()
	readers := []struct {
		name string
		body func() io.Reader
		wrap func(io.Reader) io.Reader
	}{
		{name: "whole", body: func() io.Reader { return strings.NewReader(observedBody) }},
		{name: "one byte reads of the body", body: func() io.Reader { return iotest.OneByteReader(strings.NewReader(observedBody)) }},
		{name: "data with EOF", body: func() io.Reader { return iotest.DataErrReader(strings.NewReader(observedBody)) }},
		{name: "one byte reads of parts", body: func() io.Reader { return strings.NewReader(observedBody) }, wrap: iotest.OneByteReader},
	}
	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			t.Parallel()
			got, err := readAll(rd.body(), rd.wrap)
			require.NoError(t, err)
			assert.Equal(t, observedParts, got)
		})
	}
}

func TestDownloadReaderFileErrorDetails(t *testing.T) {
	t.Parallel()
	var errs []*FileError
	for p, err := range DownloadParts(strings.NewReader(observedBody), downloadCT) {
		require.NoError(t, err)
		if p.Kind == PartError {
			errs = append(errs, p.Err)
			n, err := p.Read(make([]byte, 10))
			assert.Zero(t, n)
			assert.Equal(t, io.EOF, err, "an error part reads as empty")
		}
	}
	require.Len(t, errs, 2)
	assert.Equal(t, missingJSON, string(errs[0].Raw))
	assert.Equal(t, "/home/daytona/proj/missing.txt", errs[0].Path)
	assert.Equal(t, `stream: download of "/home/daytona/proj/missing.txt" failed: file not found: /home/daytona/proj/missing.txt (status 404, code "FILE_NOT_FOUND")`, errs[0].Error())
}

func TestDownloadWriterMatchesDaemonBytes(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewDownloadWriter(&buf)
	assert.Equal(t, downloadCT, w.ContentType())
	require.NoError(t, w.WriteFile("/home/daytona/proj/hello.txt", 12, "text/plain; charset=utf-8", strings.NewReader("hello world\n")))
	require.NoError(t, w.WriteFile("/home/daytona/proj/sub/b.json", 7, "application/json", strings.NewReader(`{"k":1}`)))
	require.NoError(t, w.WriteFile("/home/daytona/proj/bin.dat", 3, "", strings.NewReader("\x00\x01\xff")))
	require.NoError(t, w.WriteError("/home/daytona/proj/missing.txt", []byte(missingJSON)))
	require.NoError(t, w.WriteError("/home/daytona/proj/sub", []byte(dirJSON)))
	require.NoError(t, w.Close())
	assert.Equal(t, observedBody, buf.String())

	buf.Reset()
	w = NewDownloadWriter(&buf)
	require.NoError(t, w.WriteFile("/home/daytona/proj/bin.dat", 3, "", strings.NewReader("\x00\x01\xff")))
	require.NoError(t, w.Close())
	assert.Equal(t, oneBinaryBody, buf.String())
	require.ErrorIs(t, w.WriteError("x", nil), ErrClosed)
}

func TestDownloadWriterShortContent(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewDownloadWriter(&buf)
	err := w.WriteFile("/f", 10, "", strings.NewReader("abc"))
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	// The caller aborts without Close: the reader sees a truncated body.
	_, rerr := readAll(bytes.NewReader(buf.Bytes()), nil)
	require.ErrorIs(t, rerr, ErrTruncated)
}

// Every prefix of a response that lacks the closing boundary is an error,
// and no part cut short ever reads to io.EOF.
func TestDownloadReaderTruncatedAtEveryOffset(t *testing.T) {
	t.Parallel()
	closing := strings.Index(observedBody, "--DAYTONA-FILE-BOUNDARY--") + len("--DAYTONA-FILE-BOUNDARY--")
	for cut := range len(observedBody) + 1 {
		got, err := readAll(strings.NewReader(observedBody[:cut]), nil)
		if cut >= closing {
			require.NoError(t, err, "cut %d", cut)
			require.Equal(t, observedParts, got)
			continue
		}
		require.ErrorIs(t, err, ErrTruncated, "cut %d", cut)
		require.LessOrEqual(t, len(got), len(observedParts))
		for i, s := range got {
			require.Equal(t, observedParts[i], s, "cut %d: part %d reported complete must be complete", cut, i)
		}
	}
}

type cutReader struct {
	r   io.Reader
	err error
}

func (c *cutReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		err = c.err
	}
	return n, err
}

func TestDownloadReaderUnderlyingErrors(t *testing.T) {
	t.Parallel()
	half := observedBody[:len(observedBody)/2]
	tests := []struct {
		name       string
		err        error
		truncated  bool
		wantCauses []error
	}{
		{name: "chunked body cut", err: io.ErrUnexpectedEOF, truncated: true, wantCauses: []error{io.ErrUnexpectedEOF}},
		{name: "connection reset", err: syscall.ECONNRESET, wantCauses: []error{syscall.ECONNRESET}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := readAll(&cutReader{r: strings.NewReader(half), err: tt.err}, nil)
			require.Error(t, err)
			assert.Equal(t, tt.truncated, errors.Is(err, ErrTruncated), "%v", err)
			for _, c := range tt.wantCauses {
				assert.ErrorIs(t, err, c)
			}
		})
	}
}

func TestDownloadReaderCases(t *testing.T) {
	t.Parallel()
	const b = "--DAYTONA-FILE-BOUNDARY"
	filePart := func(disp, clen, body string) string {
		h := "Content-Disposition: " + disp + "\r\n"
		if clen != "" {
			h += "Content-Length: " + clen + "\r\n"
		}
		return b + "\r\n" + h + "\r\n" + body + "\r\n"
	}
	tests := []struct {
		name    string
		body    string
		want    []summary
		wantErr error
	}{
		{name: "boundary inside content framed by Content-Length",
			body: filePart(`form-data; name="file"; filename="/x"`, "56", "a\r\n"+b+"\r\nb\r\n"+b+"--") + b + "--\r\n",
			want: []summary{{Kind: PartFile, Path: "/x", Size: 56, Content: "a\r\n" + b + "\r\nb\r\n" + b + "--"}}},
		{name: "part without Content-Length is read to the boundary",
			body: filePart(`form-data; name="file"; filename="/x"`, "", "a\r\n--DAYTONA-FILE-BOUNDAR\r\r\n-x") + b + "--\r\n",
			want: []summary{{Kind: PartFile, Path: "/x", Size: -1, Content: "a\r\n--DAYTONA-FILE-BOUNDAR\r\r\n-x"}}},
		{name: "empty file",
			body: filePart(`form-data; name="file"; filename="/e"`, "0", "") + b + "--\r\n",
			want: []summary{{Kind: PartFile, Path: "/e", Size: 0}}},
		{name: "empty file without Content-Length",
			body: filePart(`form-data; name="file"; filename="/e"`, "", "") + b + "--\r\n",
			want: []summary{{Kind: PartFile, Path: "/e", Size: -1}}},
		{name: "filename* is lossless where filename is Latin-1 safe",
			body: filePart(`form-data; name="file"; filename="/d/\u00e9t\u00e9 __.txt"; filename*=utf-8''%2Fd%2F%C3%A9t%C3%A9%20%E6%96%87%E4%BB%B6.txt`, "1", "x") + b + "--\r\n",
			want: []summary{{Kind: PartFile, Path: "/d/\u00e9t\u00e9 \u6587\u4ef6.txt", Size: 1, Content: "x"}}},
		{name: "raw Latin-1 filename without filename*",
			body: filePart("form-data; name=\"file\"; filename=\"/caf\xe9\"", "1", "x") + b + "--\r\n",
			want: []summary{{Kind: PartFile, Path: "/caf\u00e9", Size: 1, Content: "x"}}},
		{name: "bad filename* falls back to filename",
			body: filePart(`form-data; name="file"; filename="/plain"; filename*=utf-8''%ZZ`, "1", "x") + b + "--\r\n",
			want: []summary{{Kind: PartFile, Path: "/plain", Size: 1, Content: "x"}}},
		{name: "ISO-8859-1 filename*",
			body: filePart(`form-data; name="file"; filename*=ISO-8859-1'en'%2Fcaf%E9`, "1", "x") + b + "--\r\n",
			want: []summary{{Kind: PartFile, Path: "/caf\u00e9", Size: 1, Content: "x"}}},
		{name: "filename* with raw non-UTF-8 bytes keeps them",
			body: filePart(`form-data; name="file"; filename="/_"; filename*=utf-8''%2F%FF`, "1", "x") + b + "--\r\n",
			want: []summary{{Kind: PartFile, Path: "/\xff", Size: 1, Content: "x"}}},
		{name: "quoted filename with escapes",
			body: filePart(`form-data; name="file"; filename="/a \"q\" \\b"`, "1", "x") + b + "--\r\n",
			want: []summary{{Kind: PartFile, Path: `/a "q" \b`, Size: 1, Content: "x"}}},
		{name: "error part that is not JSON",
			body: filePart(`form-data; name="error"; filename="/p"`, "", "boom") + b + "--\r\n",
			want: []summary{{Kind: PartError, Path: "/p", Size: -1, Message: "boom"}}},
		{name: "error part with message array and error_code",
			body: filePart(`form-data; name="error"; filename="/p"`, "", `{"statusCode":403,"message":["a","b"],"error_code":"X"}`) + b + "--\r\n",
			want: []summary{{Kind: PartError, Path: "/p", Size: -1, Status: 403, Code: "X", Message: "a, b"}}},
		{name: "preamble, transport padding and epilogue",
			body: "preamble\r\n" + b + "  \r\nContent-Disposition: form-data; name=\"file\"; filename=\"/x\"\r\nContent-Length: 1\r\n\r\nx\r\n" + b + "--\r\nepilogue",
			want: []summary{{Kind: PartFile, Path: "/x", Size: 1, Content: "x"}}},
		{name: "LF-only header lines",
			body: b + "\nContent-Disposition: form-data; name=\"file\"; filename=\"/x\"\nContent-Length: 1\n\nx\r\n" + b + "--",
			want: []summary{{Kind: PartFile, Path: "/x", Size: 1, Content: "x"}}},
		{name: "no parts", body: b + "--\r\n"},
		{name: "empty body", body: "", wantErr: ErrTruncated},
		{name: "content longer than Content-Length",
			body: filePart(`form-data; name="file"; filename="/x"`, "1", "xy") + b + "--\r\n", wantErr: ErrMalformed},
		{name: "unknown part name",
			body: filePart(`form-data; name="other"; filename="/x"`, "1", "x") + b + "--\r\n", wantErr: ErrMalformed},
		{name: "bad Content-Length",
			body: filePart(`form-data; name="file"; filename="/x"`, "-1", "x") + b + "--\r\n", wantErr: ErrMalformed},
		{name: "header line without colon",
			body: b + "\r\nnonsense\r\n\r\nx\r\n" + b + "--\r\n", wantErr: ErrMalformed},
		{name: "junk after a boundary",
			body: filePart(`form-data; name="file"; filename="/x"`, "1", "x") + b + "junk\r\n", wantErr: ErrMalformed},
		{name: "no boundary at all", body: strings.Repeat("x", 2*maxPreamble), wantErr: ErrMalformed},
		{name: "too many header lines",
			body: b + "\r\n" + strings.Repeat("X-A: b\r\n", maxHeaderLines+1) + "\r\n", wantErr: ErrMalformed},
		{name: "header line too long",
			body: b + "\r\nX-A: " + strings.Repeat("a", downloadBufSize) + "\r\n\r\n", wantErr: ErrMalformed},
		{name: "cut inside the closing boundary", body: filePart(`form-data; name="file"; filename="/x"`, "1", "x") + b + "-", wantErr: ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readAll(strings.NewReader(tt.body), nil)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNewDownloadReaderContentType(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{"", "application/json", "multipart/form-data", "multipart/form-data; boundary=\"\"", "text/plain; boundary=x", "multipart/form-data; boundary=" + strings.Repeat("b", maxBoundaryLen+1)} {
		_, err := NewDownloadReader(strings.NewReader(""), ct)
		require.ErrorIs(t, err, ErrMalformed, "%q", ct)
		for p, err := range DownloadParts(strings.NewReader(""), ct) {
			assert.Nil(t, p)
			require.ErrorIs(t, err, ErrMalformed)
		}
	}
	// Any boundary the header names is used.
	got, err := readAll2("multipart/form-data; boundary=\"b0undary\"", "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"/x\"\r\n\r\nx\r\n--b0undary--\r\n")
	require.NoError(t, err)
	assert.Equal(t, []summary{{Kind: PartFile, Path: "/x", Size: -1, Content: "x"}}, got)
}

func readAll2(ct, body string) ([]summary, error) {
	var out []summary
	for p, err := range DownloadParts(strings.NewReader(body), ct) {
		if err != nil {
			return out, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return out, err
		}
		out = append(out, summary{Kind: p.Kind, Path: p.Path, Size: p.Size, CT: p.ContentType, Content: string(b)})
	}
	return out, nil
}

func TestDownloadPartsSkipsUnreadContentAndStops(t *testing.T) {
	t.Parallel()
	var paths []string
	for p, err := range DownloadParts(strings.NewReader(observedBody), downloadCT) {
		require.NoError(t, err)
		paths = append(paths, p.Path) // content never read: skipped by the iterator
		if len(paths) == 3 {
			break
		}
	}
	assert.Equal(t, []string{"/home/daytona/proj/hello.txt", "/home/daytona/proj/sub/b.json", "/home/daytona/proj/bin.dat"}, paths)
}

func TestDownloadPartStaleAfterNext(t *testing.T) {
	t.Parallel()
	dr, err := NewDownloadReader(strings.NewReader(observedBody), downloadCT)
	require.NoError(t, err)
	first, err := dr.Next()
	require.NoError(t, err)
	buf := make([]byte, 5)
	_, err = io.ReadFull(first, buf)
	require.NoError(t, err)
	second, err := dr.Next()
	require.NoError(t, err)
	_, err = first.Read(buf)
	require.ErrorIs(t, err, errPartDone)
	b, err := io.ReadAll(second)
	require.NoError(t, err)
	assert.Equal(t, `{"k":1}`, string(b), "reading the stale part did not disturb the reader")
}

func TestDownloadReaderErrorsAreSticky(t *testing.T) {
	t.Parallel()
	cut := strings.Index(observedBody, "hello world") + 3 // inside the first file
	dr, err := NewDownloadReader(strings.NewReader(observedBody[:cut]), downloadCT)
	require.NoError(t, err)
	p, err := dr.Next()
	require.NoError(t, err)
	_, err = io.ReadAll(p)
	require.ErrorIs(t, err, ErrTruncated)
	_, err = dr.Next()
	require.ErrorIs(t, err, ErrTruncated)
	_, err = dr.Next()
	require.ErrorIs(t, err, ErrTruncated)
}

func TestPartKindString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "file", PartFile.String())
	assert.Equal(t, "error", PartError.String())
	assert.Equal(t, "PartKind(9)", PartKind(9).String())
}

func FuzzDownloadReader(f *testing.F) {
	f.Add([]byte(observedBody))
	f.Add([]byte(oneBinaryBody))
	f.Add([]byte(observedBody[:200]))
	f.Add([]byte("--DAYTONA-FILE-BOUNDARY--"))
	f.Add([]byte("--DAYTONA-FILE-BOUNDARY\r\nContent-Disposition: form-data; name=\"error\"; filename*=utf-8''%2Fx\r\n\r\n{\"statusCode\":1}\r\n--DAYTONA-FILE-BOUNDARY--\r\n"))
	f.Add([]byte("--DAYTONA-FILE-BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\r\n--DAYTONA-FILE-BOUNDAR\r\n--DAYTONA-FILE-BOUNDARY--"))
	f.Fuzz(func(t *testing.T, body []byte) {
		dr, err := NewDownloadReader(bytes.NewReader(body), downloadCT)
		if err != nil {
			t.Fatal(err)
		}
		for range len(body) + 2 { // every part consumes bytes: this bounds the loop
			p, err := dr.Next()
			if err == io.EOF {
				if !bytes.Contains(body, []byte("--DAYTONA-FILE-BOUNDARY--")) {
					t.Fatal("clean end without a closing boundary")
				}
				return
			}
			if err != nil {
				if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) {
					t.Fatalf("untyped error: %v", err)
				}
				return
			}
			if p.Kind != PartFile && p.Kind != PartError {
				t.Fatalf("bad kind %v", p.Kind)
			}
			n, err := io.Copy(io.Discard, p)
			if err == nil && p.Size >= 0 && n != p.Size {
				t.Fatalf("read %d bytes of a %d-byte part", n, p.Size)
			}
			if n > int64(len(body)) {
				t.Fatal("read more than the body")
			}
		}
		t.Fatal("more parts than bytes")
	})
}

func FuzzDownloadRoundTrip(f *testing.F) {
	f.Add([]byte("hello"), "/home/daytona/a.txt", uint16(40), true)
	f.Add([]byte("a\r\n--DAYTONA-FILE-BOUNDARY--\r\n"), "/\u00e9t\u00e9 \u6587.txt", uint16(0), false)
	f.Add([]byte{}, "", uint16(7), true)
	f.Fuzz(func(t *testing.T, content []byte, path string, cut uint16, withLength bool) {
		if len(content) > 4<<10 {
			t.Skip("framing bugs do not need large files")
		}
		var buf bytes.Buffer
		w := NewDownloadWriter(&buf)
		if err := w.WriteFile(path, int64(len(content)), "", bytes.NewReader(content)); err != nil {
			t.Fatal(err)
		}
		if err := w.WriteError(path, []byte(`{"statusCode":404,"code":"FILE_NOT_FOUND","message":"m"}`)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		body := buf.Bytes()
		if !withLength {
			if bytes.Contains(content, []byte("\r\n--"+DownloadBoundary)) || bytes.HasPrefix(content, []byte("--"+DownloadBoundary)) {
				t.Skip("without Content-Length, content holding the boundary cannot be framed")
			}
			body = bytes.Replace(body, []byte("Content-Length: "+strconv.Itoa(len(content))+"\r\n"), nil, 1)
		}
		want := path // filename* is lossless, whatever the bytes
		got, err := readAll(bytes.NewReader(body), nil)
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if len(got) != 2 || got[0].Content != string(content) || got[0].Path != want || got[1].Path != want || got[1].Code != "FILE_NOT_FOUND" {
			t.Fatalf("round trip mismatch: %+v", got)
		}
		c := int(cut) % (len(body) + 1)
		if c < bytes.LastIndex(body, []byte("--"+DownloadBoundary+"--"))+len(DownloadBoundary)+4 {
			if _, err := readAll(bytes.NewReader(body[:c]), nil); !errors.Is(err, ErrTruncated) {
				t.Fatalf("cut at %d of %d: got %v, want ErrTruncated", c, len(body), err)
			}
		}
	})
}
