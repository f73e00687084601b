package stream

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

type gotPart struct {
	name, filename, contentType string
	body                        []byte
}

// readUpload parses an upload body as the daemon would, in order.
func readUpload(t *testing.T, contentType string, body io.Reader) []gotPart {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	require.NoError(t, err)
	require.Equal(t, "multipart/form-data", mt)
	mr := multipart.NewReader(body, params["boundary"])
	var parts []gotPart
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return parts
		}
		require.NoError(t, err)
		b, err := io.ReadAll(p)
		require.NoError(t, err)
		_, dp, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		require.NoError(t, err)
		parts = append(parts, gotPart{name: dp["name"], filename: dp["filename"], contentType: p.Header.Get("Content-Type"), body: b})
	}
}

func TestUploadBodyOrderAndContent(t *testing.T) {
	t.Parallel()
	big := make([]byte, 3<<20+5)
	_, _ = rand.Read(big)
	files := []UploadFile{
		{Path: "/home/daytona/proj/a.txt", Content: strings.NewReader("hello world\n")},
		{Path: "proj/sub/b.json", Content: bytes.NewReader(nil)}, // empty file
		{Path: "dir with space/\u00e9t\u00e9 \u6587\u4ef6.bin", Content: iotest.HalfReader(bytes.NewReader(big))},
	}
	ct, body, err := NewUploadBody(files, UploadOptions{})
	require.NoError(t, err)
	defer body.Close()
	parts := readUpload(t, ct, body)
	require.Len(t, parts, 6)
	want := []struct{ name, filename, body string }{
		{"files[0].path", "", "/home/daytona/proj/a.txt"},
		{"files[0].file", "a.txt", "hello world\n"},
		{"files[1].path", "", "proj/sub/b.json"},
		{"files[1].file", "b.json", ""},
		{"files[2].path", "", "dir with space/\u00e9t\u00e9 \u6587\u4ef6.bin"},
		{"files[2].file", "\u00e9t\u00e9 \u6587\u4ef6.bin", string(big)},
	}
	for i, w := range want {
		assert.Equal(t, w.name, parts[i].name, "part %d", i)
		assert.Equal(t, w.filename, parts[i].filename, "part %d", i)
		assert.True(t, w.body == string(parts[i].body), "part %d body (%d bytes, want %d)", i, len(parts[i].body), len(w.body))
		if strings.HasSuffix(w.name, ".file") {
			assert.Equal(t, "application/octet-stream", parts[i].contentType)
		}
	}
	require.NoError(t, body.Close())
}

func TestUploadBodyRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files []UploadFile
	}{
		{name: "no files"},
		{name: "empty path", files: []UploadFile{{Path: "", Content: strings.NewReader("x")}}},
		{name: "nil content", files: []UploadFile{{Path: "a", Content: strings.NewReader("x")}, {Path: "b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ct, body, err := NewUploadBody(tt.files, UploadOptions{})
			require.ErrorIs(t, err, ErrInvalidUpload)
			assert.Empty(t, ct)
			assert.Nil(t, body)
		})
	}
}

func TestUploadBodyFilenameCannotBreakHeaders(t *testing.T) {
	t.Parallel()
	path := "dir/evil\r\nX-Injected: 1\".txt"
	ct, body, err := NewUploadBody([]UploadFile{{Path: path, Content: strings.NewReader("x")}}, UploadOptions{})
	require.NoError(t, err)
	defer body.Close()
	parts := readUpload(t, ct, body)
	require.Len(t, parts, 2)
	assert.Equal(t, path, string(parts[0].body), "the path part keeps the exact path")
	assert.Equal(t, "evil__X-Injected: 1\".txt", parts[1].filename)
	assert.Equal(t, "x", string(parts[1].body))
}

func TestUploadBodySourceErrorAbortsStream(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	files := []UploadFile{
		{Path: "ok.txt", Content: strings.NewReader("fine")},
		{Path: "bad.txt", Content: io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom))},
		{Path: "never.txt", Content: strings.NewReader("unreached")},
	}
	_, body, err := NewUploadBody(files, UploadOptions{})
	require.NoError(t, err)
	defer body.Close()
	got, err := io.ReadAll(body)
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "bad.txt")
	assert.NotContains(t, string(got), "files[2]", "nothing is written after the failing file")
}

func TestUploadBodyProgress(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("z"), 3*uploadChunk+10)
	var events []UploadProgress
	files := []UploadFile{
		{Path: "big", Content: bytes.NewReader(big)},
		{Path: "empty", Content: strings.NewReader("")},
	}
	_, body, err := NewUploadBody(files, UploadOptions{OnProgress: func(p UploadProgress) { events = append(events, p) }})
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, body)
	require.NoError(t, err)
	require.NoError(t, body.Close()) // events is complete once the goroutine is gone

	var last int64
	var doneBig, doneEmpty int
	for _, e := range events {
		switch e.Index {
		case 0:
			assert.Equal(t, "big", e.Path)
			assert.GreaterOrEqual(t, e.Written, last, "progress never goes back")
			last = e.Written
			if e.Done {
				doneBig++
				assert.Equal(t, int64(len(big)), e.Written)
			}
		case 1:
			assert.Equal(t, UploadProgress{Index: 1, Path: "empty", Written: 0, Done: true}, e)
			doneEmpty++
		}
	}
	assert.Equal(t, 1, doneBig)
	assert.Equal(t, 1, doneEmpty)
	assert.Greater(t, len(events), 4, "one event per chunk")
}

// Not parallel: it checks that no goroutine is left once Close returns.
func TestUploadBodyEarlyCloseLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	files := []UploadFile{{Path: "endless", Content: &endless{}}}
	_, body, err := NewUploadBody(files, UploadOptions{})
	require.NoError(t, err)
	buf := make([]byte, 100)
	_, err = io.ReadFull(body, buf)
	require.NoError(t, err)
	require.NoError(t, body.Close())
	_, err = body.Read(buf)
	require.ErrorIs(t, err, io.ErrClosedPipe)
}

// Not parallel: it checks for goroutines after an unread body is closed.
func TestUploadBodyCloseWithoutReading(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	_, body, err := NewUploadBody([]UploadFile{{Path: "a", Content: strings.NewReader("x")}}, UploadOptions{})
	require.NoError(t, err)
	require.NoError(t, body.Close())
	require.NoError(t, body.Close(), "Close twice is fine")
}

type endless struct{}

func (*endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'e'
	}
	return len(p), nil
}

func TestUploadBodyOverHTTP(t *testing.T) {
	t.Parallel()
	type rec struct {
		path string
		size int
	}
	var got []rec
	var te []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		te = r.TransferEncoding
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		var pending string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			b, _ := io.ReadAll(p)
			if strings.HasSuffix(p.FormName(), ".path") {
				pending = string(b)
				continue
			}
			got = append(got, rec{pending, len(b)})
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	ct, body, err := NewUploadBody([]UploadFile{
		{Path: "one", Content: bytes.NewReader(make([]byte, 1<<20))},
		{Path: "two", Content: strings.NewReader("")},
	}, UploadOptions{})
	require.NoError(t, err)
	resp, err := http.Post(srv.URL, ct, body) // net/http closes body
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []rec{{"one", 1 << 20}, {"two", 0}}, got)
	assert.Equal(t, []string{"chunked"}, te, "streamed: the length is unknown")
	srv.CloseClientConnections()
}
