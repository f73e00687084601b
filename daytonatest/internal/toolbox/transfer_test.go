package toolbox_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
)

func TestUploadFileV2(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	tests := []struct {
		name, path, contentType string
		body                    func() (string, io.Reader)
		want                    string
	}{
		{name: "multipart", path: "new dir/ünï 文.txt", want: "hello", body: func() (string, io.Reader) {
			ct, b := multipartBody(t, [3]string{"file", "x.txt", "hello"})
			return ct, b
		}},
		{name: "raw body", path: "raw/data.bin", want: "\x00\x01raw", body: func() (string, io.Reader) {
			return "application/octet-stream", strings.NewReader("\x00\x01raw")
		}},
		{name: "empty file", path: "empty.txt", want: "", body: func() (string, io.Reader) {
			ct, b := multipartBody(t, [3]string{"file", "empty.txt", ""})
			return ct, b
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, body := tt.body()
			resp, err := e.raw.UploadFileWithBody(ctx, &tbclient.UploadFileParams{Path: tt.path}, ct, body)
			require.NoError(t, err)
			raw := readAll(t, resp)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
			var up tbclient.UploadedFile
			require.NoError(t, json.Unmarshal(raw, &up))
			assert.Equal(t, tbclient.UploadedFile{Name: lastElem(tt.path), Path: tt.path, Type: "file"}, up)
			got, err := os.ReadFile(e.path(tt.path))
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
	t.Run("no file field is an empty 400", func(t *testing.T) {
		ct, body := multipartBody(t, [3]string{"other", "x", "y"})
		resp, err := e.raw.UploadFileWithBody(ctx, &tbclient.UploadFileParams{Path: "x.txt"}, ct, body)
		require.NoError(t, err)
		requireEmpty(t, resp, readAll(t, resp), http.StatusBadRequest)
	})
}

func lastElem(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

func TestLegacyUpload(t *testing.T) {
	e := newEnv(t)
	ct, body := multipartBody(t, [3]string{"file", "a.txt", "legacy"})
	resp := e.do(http.MethodPost, "/files/upload?path="+url.QueryEscape("deep/er/a.txt"), body, http.Header{"Content-Type": {ct}})
	requireEmpty(t, resp, readAll(t, resp), http.StatusOK) // quirk 23
	got, err := os.ReadFile(e.path("deep/er/a.txt"))
	require.NoError(t, err)
	assert.Equal(t, "legacy", string(got))

	ct, body = multipartBody(t, [3]string{"file", "a.txt", "x"})
	noPath := e.do(http.MethodPost, "/files/upload", body, http.Header{"Content-Type": {ct}})
	requireEmpty(t, noPath, readAll(t, noPath), http.StatusBadRequest)

	ct, body = multipartBody(t, [3]string{"wrong", "a.txt", "x"})
	wrongField := e.do(http.MethodPost, "/files/upload?path=b.txt", body, http.Header{"Content-Type": {ct}})
	requireEmpty(t, wrongField, readAll(t, wrongField), http.StatusBadRequest)
}

type bulkResult struct {
	Errors []string `json:"errors"`
	Files  []struct {
		Path  string `json:"path"`
		Bytes int64  `json:"bytes"`
	} `json:"files"`
}

func TestBulkUpload(t *testing.T) {
	e := newEnv(t)
	ct, body := multipartBody(t,
		[3]string{"files[0].path", "", e.path("proj/a.txt")}, [3]string{"files[0].file", "a.txt", "hello world\n"},
		[3]string{"files[1].path", "", "proj/sub dir/b é.json"}, [3]string{"files[1].file", "b.json", `{"k":1}`},
		[3]string{"files[2].path", "", "proj/empty"}, [3]string{"files[2].file", "empty", ""},
	)
	resp := e.do(http.MethodPost, "/files/bulk-upload", body, http.Header{"Content-Type": {ct}})
	raw := readAll(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	var res bulkResult
	require.NoError(t, json.Unmarshal(raw, &res))
	assert.Empty(t, res.Errors)
	require.Len(t, res.Files, 3)
	assert.Equal(t, e.path("proj/a.txt"), res.Files[0].Path)
	assert.Equal(t, int64(12), res.Files[0].Bytes)
	assert.Equal(t, e.path("proj/sub dir/b é.json"), res.Files[1].Path)
	assert.Equal(t, int64(7), res.Files[1].Bytes)
	assert.Equal(t, int64(0), res.Files[2].Bytes)
	b, err := os.ReadFile(e.path("proj/sub dir/b é.json"))
	require.NoError(t, err)
	assert.Equal(t, `{"k":1}`, string(b))
	assert.FileExists(t, e.path("proj/empty"))

	t.Run("file before its path is refused (quirk 22)", func(t *testing.T) {
		ct, body := multipartBody(t,
			[3]string{"files[0].file", "a.txt", "x"}, [3]string{"files[0].path", "", "late.txt"},
			[3]string{"files[1].path", "", "fine.txt"}, [3]string{"files[1].file", "fine.txt", "ok"},
		)
		resp := e.do(http.MethodPost, "/files/bulk-upload", body, http.Header{"Content-Type": {ct}})
		raw := readAll(t, resp)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
		var res bulkResult
		require.NoError(t, json.Unmarshal(raw, &res))
		assert.Equal(t, []string{"file[0]: missing .path metadata"}, res.Errors)
		require.Len(t, res.Files, 1)
		assert.Equal(t, e.path("fine.txt"), res.Files[0].Path)
		assert.NoFileExists(t, e.path("late.txt"))
		assert.NotContains(t, string(raw), `"message"`, "E4 has no message field")
	})
}

func TestDownloadFile(t *testing.T) {
	e := newEnv(t)
	e.write("dir/hello world.txt", "hello world\n")
	resp, err := e.raw.DownloadFile(t.Context(), &tbclient.DownloadFileParams{Path: "dir/hello world.txt"})
	require.NoError(t, err)
	body := readAll(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "hello world\n", string(body))
	assert.Equal(t, "application/octet-stream", resp.Header.Get("Content-Type"))
	assert.Equal(t, "12", resp.Header.Get("Content-Length"))
	assert.Equal(t, `attachment; filename="hello world.txt"; filename*=utf-8''hello%20world.txt`, resp.Header.Get("Content-Disposition"))
	assert.NotEmpty(t, resp.Header.Get("Last-Modified"))
	assert.NotEmpty(t, resp.Header.Get("X-Request-Id"))

	e.write("empty", "")
	emptyResp := e.do(http.MethodGet, "/files/download?path=empty", nil, nil)
	require.Equal(t, http.StatusOK, emptyResp.StatusCode)
	assert.Empty(t, readAll(t, emptyResp))

	for _, tt := range []struct {
		query  string
		status int
	}{{"path=missing", http.StatusNotFound}, {"path=dir", http.StatusBadRequest}, {"", http.StatusBadRequest}} {
		var h http.Header
		if tt.query == "" {
			h = invalidRequest
		}
		resp := e.do(http.MethodGet, "/files/download?"+tt.query, nil, h)
		requireEmpty(t, resp, readAll(t, resp), tt.status)
	}
}

func TestBulkDownloadExactBytes(t *testing.T) {
	e := newEnv(t)
	e.write("proj/bin.dat", "\x00\x01\xff")
	p := e.path("proj/bin.dat")
	resp := e.do(http.MethodPost, "/files/bulk-download", strings.NewReader(`{"paths":["`+p+`"]}`),
		http.Header{"Content-Type": {"application/json"}, "Accept": {"multipart/form-data"}})
	body := readAll(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "multipart/form-data; boundary=DAYTONA-FILE-BOUNDARY", resp.Header.Get("Content-Type"))
	enc := strings.ReplaceAll(url.PathEscape(p), "/", "%2F")
	want := "--DAYTONA-FILE-BOUNDARY\r\n" +
		`Content-Disposition: form-data; name="file"; filename="` + p + `"; filename*=utf-8''` + enc + "\r\n" +
		"Content-Length: 3\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\xff\r\n--DAYTONA-FILE-BOUNDARY--\r\n"
	assert.Equal(t, want, string(body))
}

var dispositionRe = regexp.MustCompile(`^form-data; name="(?:file|error)"; filename="([^"]*)"; filename\*=(\S+)$`)

func TestBulkDownloadParts(t *testing.T) {
	e := newEnv(t)
	e.write("proj/hello.txt", "hello world\n")
	e.write("proj/sub/b.json", `{"k":1}`)
	e.write("proj/文字.txt", "unicode")
	paths := []string{"proj/hello.txt", e.path("proj/sub/b.json"), "proj/missing.txt", "proj/sub", "proj/文字.txt"}
	reqBody, _ := json.Marshal(map[string][]string{"paths": paths})
	resp, err := e.raw.DownloadFilesWithBody(t.Context(), "application/json", bytes.NewReader(reqBody))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	require.NoError(t, err)
	mr := multipart.NewReader(resp.Body, params["boundary"])

	type part struct {
		name, filename, filenameStar, contentType, contentLength string
		body                                                     []byte
	}
	var parts []part
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		b, err := io.ReadAll(p)
		require.NoError(t, err)
		// mime.ParseMediaType would prefer filename*: read both raw.
		raw := p.Header.Get("Content-Disposition")
		m := dispositionRe.FindStringSubmatch(raw)
		require.NotNil(t, m, raw)
		parts = append(parts, part{p.FormName(), m[1], m[2], p.Header.Get("Content-Type"), p.Header.Get("Content-Length"), b})
	}
	require.Len(t, parts, 5, "one part per path, in request order")

	assert.Equal(t, part{"file", "proj/hello.txt", "utf-8''proj%2Fhello.txt", "text/plain; charset=utf-8", "12", []byte("hello world\n")}, parts[0])
	assert.Equal(t, "file", parts[1].name)
	assert.Equal(t, e.path("proj/sub/b.json"), parts[1].filename)
	assert.Equal(t, "application/json", parts[1].contentType)
	assert.Equal(t, `{"k":1}`, string(parts[1].body))

	for i, want := range []struct {
		status int
		code   string
	}{{http.StatusNotFound, "FILE_NOT_FOUND"}, {http.StatusBadRequest, "INVALID_FILE_PATH"}} {
		p := parts[2+i]
		assert.Equal(t, "error", p.name)
		assert.Equal(t, "application/json; charset=utf-8", p.contentType)
		assert.Empty(t, p.contentLength)
		var env envelope
		require.NoError(t, json.Unmarshal(p.body, &env))
		assert.Equal(t, want.status, env.StatusCode)
		assert.Equal(t, want.code, env.Code)
		assert.Equal(t, paths[2+i], env.Path, "the envelope path is the file path")
		assert.Equal(t, http.MethodPost, env.Method)
	}

	assert.Equal(t, "proj/__.txt", parts[4].filename, "filename is Latin-1 with _ substitutions (quirk 21)")
	assert.Equal(t, "utf-8''proj%2F%E6%96%87%E5%AD%97.txt", parts[4].filenameStar)
	assert.Equal(t, "unicode", string(parts[4].body))
}

func TestBulkDownloadEmptyPaths(t *testing.T) {
	e := newEnv(t)
	for _, body := range []string{`{"paths":[]}`, `{}`} {
		h := http.Header{"Content-Type": {"application/json"}}
		if body == `{}` {
			h.Set(invalidRequestHeader, "1")
		}
		resp := e.do(http.MethodPost, "/files/bulk-download", strings.NewReader(body), h)
		raw := readAll(t, resp)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
		assert.JSONEq(t, `{"error":"request body must be {\"paths\": [ ... ]} and non-empty"}`, string(raw))
	}
}

// TestBulkDownloadTruncation makes a file shrink between its part header
// and its copy: the answer is cut short without the closing boundary.
func TestBulkDownloadTruncation(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", "first")
	e.write("big.bin", strings.Repeat("x", 64<<10))
	e.write("c.txt", "never sent")
	toolbox.SetBeforeCopy(e.tb, func(p string) {
		if p == "big.bin" {
			require.NoError(t, os.Truncate(e.path("big.bin"), 10))
		}
	})
	resp := e.do(http.MethodPost, "/files/bulk-download", strings.NewReader(`{"paths":["a.txt","big.bin","c.txt"]}`),
		http.Header{"Content-Type": {"application/json"}})
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	require.NoError(t, err)
	mr := multipart.NewReader(resp.Body, params["boundary"])

	first, err := mr.NextPart()
	require.NoError(t, err)
	b, err := io.ReadAll(first)
	require.NoError(t, err)
	assert.Equal(t, "first", string(b))

	big, err := mr.NextPart()
	require.NoError(t, err)
	assert.Equal(t, "65536", big.Header.Get("Content-Length"))
	got, err := io.ReadAll(big)
	require.Error(t, err, "the part is cut short")
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "got %v", err)
	assert.Less(t, len(got), 64<<10)
	_, err = mr.NextPart()
	require.Error(t, err, "no further part and no closing boundary")
	assert.NotEqual(t, io.EOF, err)
}
