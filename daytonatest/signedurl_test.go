package daytonatest

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
)

func TestSignFileURLVector(t *testing.T) {
	// PROTOCOLS.md 3.7.
	assert.Equal(t, "v1:files:GET:/a.txt:0", signedFileCanonical("GET", "/a.txt", "0"))
	assert.Equal(t, "v1_h6KYVb7nwLdc2RxRTb1T6S3KQcu0B6Qv4ZPGYci4tD0", signFileURL("k", "GET", "/a.txt", "0"))
}

func TestVerifySignedFileQuery(t *testing.T) {
	const key = "the-signing-key"
	now := time.Unix(1_800_000_000, 0)
	future := strconv.FormatInt(now.Unix()+60, 10)
	past := strconv.FormatInt(now.Unix()-1, 10)
	signed := func(method, path, expires string) url.Values {
		return url.Values{"path": {path}, "expires": {expires}, "signature": {signFileURL(key, method, path, expires)}}
	}
	tests := []struct {
		name    string
		q       url.Values
		method  string
		key     string
		wantErr string // "" for a valid URL
	}{
		{"no expiry", signed("GET", "/a.txt", "0"), "GET", key, ""},
		{"future expiry", signed("POST", "dir/b c.txt", future), "POST", key, ""},
		{"expiry now", signed("GET", "/a", strconv.FormatInt(now.Unix(), 10)), "GET", key, ""},
		{"expired", signed("GET", "/a", past), "GET", key, "expired"},
		{"other method", signed("GET", "/a", "0"), "POST", key, "Invalid signature"},
		{"other key", signed("GET", "/a", "0"), "GET", "rotated", "Invalid signature"},
		{"no key", signed("GET", "/a", "0"), "GET", "", "Invalid signature"},
		{"other path", func() url.Values { q := signed("GET", "/a", "0"); q.Set("path", "/b"); return q }(), "GET", key, "Invalid signature"},
		{"raised expiry", func() url.Values { q := signed("GET", "/a", past); q.Set("expires", future); return q }(), "GET", key, "Invalid signature"},
		{"expiry dropped to 0", func() url.Values { q := signed("GET", "/a", past); q.Set("expires", "0"); return q }(), "GET", key, "Invalid signature"},
		{"padded expires", signed("GET", "/a", "00"), "GET", key, "expires"},
		{"negative expires", signed("GET", "/a", "-1"), "GET", key, "expires"},
		{"text expires", signed("GET", "/a", "soon"), "GET", key, "expires"},
		{"empty expires", signed("GET", "/a", ""), "GET", key, "expires"},
		{"no path", url.Values{"expires": {"0"}, "signature": {signFileURL(key, "GET", "", "0")}}, "GET", key, "path"},
		{"two paths", func() url.Values { q := signed("GET", "/a", "0"); q.Add("path", "/b"); return q }(), "GET", key, "path"},
		{"two signatures", func() url.Values { q := signed("GET", "/a", "0"); q.Add("signature", "v1_x"); return q }(), "GET", key, "signature"},
		{"empty signature", func() url.Values { q := signed("GET", "/a", "0"); q.Set("signature", ""); return q }(), "GET", key, "Invalid signature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, msg := verifySignedFileQuery(tc.q, tc.method, tc.key, now)
			if tc.wantErr == "" {
				assert.True(t, ok, msg)
				assert.Empty(t, msg)
				return
			}
			assert.False(t, ok)
			assert.Contains(t, msg, tc.wantErr)
			assert.NotContains(t, msg, key)
			assert.NotContains(t, msg, signFileURL(key, tc.method, tc.q.Get("path"), tc.q.Get("expires")))
		})
	}
}

// FuzzVerifySignedFileQuery checks that any query parses without a panic,
// that only a query carrying the right signature passes, and that no
// failure message holds the key or the expected signature.
func FuzzVerifySignedFileQuery(f *testing.F) {
	const key = "fuzz-key"
	f.Add("path=%2Fa.txt&expires=0&signature=" + signFileURL(key, "GET", "/a.txt", "0"))
	f.Add("path=a&path=b&expires=1&signature=v1_")
	f.Add("path=&expires=99999999999999999999&signature=")
	f.Add("expires=-0&signature=v1_%00&path=%ff")
	f.Add(";;&&==%zz")
	now := time.Unix(1_800_000_000, 0)
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		ok, msg := verifySignedFileQuery(q, "GET", key, now)
		want := signFileURL(key, "GET", q.Get("path"), q.Get("expires"))
		if ok {
			if q.Get("signature") != want || len(q["path"]) != 1 || len(q["expires"]) != 1 || len(q["signature"]) != 1 {
				t.Fatalf("accepted %q", raw)
			}
			return
		}
		if msg == "" || strings.Contains(msg, key) || strings.Contains(msg, want) {
			t.Fatalf("failure message %q for %q", msg, raw)
		}
	})
}

// signedServer is a server with a started sandbox and what a test needs to
// build its signed URLs.
type signedServer struct {
	srv  *Server
	c    *controlplane.ClientWithResponses
	http *http.Client
	id   string
	dir  string
}

func newSignedServer(t *testing.T) *signedServer {
	t.Helper()
	srv := NewServer(t)
	c := client(t, srv)
	sb := started(t, c, controlplane.CreateSandbox{})
	dir, err := srv.SandboxDir(sb.ID)
	require.NoError(t, err)
	return &signedServer{srv: srv, c: c, http: rawClient(t), id: sb.ID, dir: dir}
}

func (ss *signedServer) key(t *testing.T) string {
	t.Helper()
	resp, err := ss.c.GetSandboxSigningKeyWithResponse(context.Background(), ss.id, nil)
	require.NoError(t, err)
	require.NotNil(t, resp.JSON200)
	return *resp.JSON200
}

// url is a signed URL of route made with key; sig, if set, replaces the
// signature.
func (ss *signedServer) url(route, method, key, path, expires, sig string) string {
	if sig == "" {
		sig = signFileURL(key, method, path, expires)
	}
	q := url.Values{"path": {path}, "expires": {expires}, "signature": {sig}}
	return ss.srv.URL + "/toolbox/" + ss.id + route + "?" + q.Encode()
}

// do sends a request without credentials and returns status and body.
func (ss *signedServer) do(t *testing.T, method, u, contentType string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, u, body)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := ss.http.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestSignedFileURLs(t *testing.T) {
	t.Parallel()
	ss := newSignedServer(t)
	require.NoError(t, os.WriteFile(filepath.Join(ss.dir, "hello.txt"), []byte("hello world"), 0o644))
	key := ss.key(t)
	later := strconv.FormatInt(time.Now().Unix()+3600, 10)

	// Download, no expiry and with one.
	for _, exp := range []string{"0", later} {
		code, body := ss.do(t, http.MethodGet, ss.url("/files/download", "GET", key, "hello.txt", exp, ""), "", nil)
		require.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, "hello world", body)
	}

	// Upload, raw body and multipart.
	code, body := ss.do(t, http.MethodPost, ss.url("/files/upload-v2", "POST", key, "up/raw.txt", later, ""), "application/octet-stream", strings.NewReader("raw content"))
	require.Equal(t, http.StatusOK, code, body)
	got, err := os.ReadFile(filepath.Join(ss.dir, "up", "raw.txt"))
	require.NoError(t, err)
	assert.Equal(t, "raw content", string(got))
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	fw, err := mw.CreateFormFile("file", "form.txt")
	require.NoError(t, err)
	_, _ = fw.Write([]byte("form content"))
	require.NoError(t, mw.Close())
	code, body = ss.do(t, http.MethodPost, ss.url("/files/upload-v2", "POST", key, "up/form.txt", "0", ""), mw.FormDataContentType(), &mp)
	require.Equal(t, http.StatusOK, code, body)
	got, err = os.ReadFile(filepath.Join(ss.dir, "up", "form.txt"))
	require.NoError(t, err)
	assert.Equal(t, "form content", string(got))

	// Refusals: 403 in the proxy's error shape, naming neither the key nor
	// the right signature.
	past := strconv.FormatInt(time.Now().Unix()-10, 10)
	good := signFileURL(key, "GET", "hello.txt", "0")
	tampered := good[:len(good)-1] + map[bool]string{true: "A", false: "B"}[good[len(good)-1] != 'A']
	for name, u := range map[string]string{
		"tampered":      ss.url("/files/download", "GET", key, "hello.txt", "0", tampered),
		"other path":    strings.Replace(ss.url("/files/download", "GET", key, "hello.txt", "0", ""), "hello.txt", "other.txt", 1),
		"expired":       ss.url("/files/download", "GET", key, "hello.txt", past, ""),
		"upload sig":    ss.url("/files/download", "POST", key, "hello.txt", "0", ""),
		"wrong key":     ss.url("/files/download", "GET", "not-the-key", "hello.txt", "0", ""),
		"bad expires":   ss.url("/files/download", "GET", key, "hello.txt", "tomorrow", ""),
		"other sandbox": strings.Replace(ss.url("/files/download", "GET", key, "hello.txt", "0", ""), ss.id, "nope", 1),
	} {
		code, body := ss.do(t, http.MethodGet, u, "", nil)
		assert.Equal(t, http.StatusForbidden, code, name)
		if assert.True(t, strings.HasPrefix(body, "{"), name) {
			nestError(t, []byte(body), http.StatusForbidden)
		}
		assert.NotContains(t, body, key, name)
		assert.NotContains(t, body, good, name)
	}

	// A signature opens only its two routes and methods: elsewhere the
	// request needs the API key.
	for name, req := range map[string][2]string{
		"info":              {http.MethodGet, ss.srv.URL + "/toolbox/" + ss.id + "/files/info?" + url.Values{"path": {"hello.txt"}, "expires": {"0"}, "signature": {signFileURL(key, "GET", "hello.txt", "0")}}.Encode()},
		"download via POST": {http.MethodPost, ss.url("/files/download", "POST", key, "hello.txt", "0", "")},
		"upload via GET":    {http.MethodGet, ss.url("/files/upload-v2", "GET", key, "hello.txt", "0", "")},
		"no expires":        {http.MethodGet, ss.srv.URL + "/toolbox/" + ss.id + "/files/download?path=hello.txt&signature=" + good},
		"control plane":     {http.MethodGet, ss.srv.URL + "/sandbox/" + ss.id + "/files/download?path=hello.txt&expires=0&signature=" + good},
	} {
		code, _ := ss.do(t, req[0], req[1], "", nil)
		assert.Equal(t, http.StatusUnauthorized, code, name)
	}

	// Rotation invalidates every URL signed before.
	old := ss.url("/files/download", "GET", key, "hello.txt", "0", "")
	rot, err := ss.c.RotateSigningKeyWithResponse(context.Background(), ss.id, nil)
	require.NoError(t, err)
	require.NotNil(t, rot.JSON200)
	code, _ = ss.do(t, http.MethodGet, old, "", nil)
	assert.Equal(t, http.StatusForbidden, code)
	code, body = ss.do(t, http.MethodGet, ss.url("/files/download", "GET", *rot.JSON200, "hello.txt", "0", ""), "", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "hello world", body)
}
