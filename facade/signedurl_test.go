package daytona

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// SignedURLExpiringAt lets the external tests sign a URL with an expiry of
// their choosing (in the past, say): expires is Unix seconds, 0 for none.
func (f *FileSystem) SignedURLExpiringAt(ctx context.Context, method, path string, expires int64) (SignedURL, error) {
	return f.signURL(ctx, "test", method, path, expires)
}

func TestFileURLSignatureVector(t *testing.T) {
	// PROTOCOLS.md 3.7.
	assert.Equal(t, "v1_h6KYVb7nwLdc2RxRTb1T6S3KQcu0B6Qv4ZPGYci4tD0", fileURLSignature("k", "GET", "/a.txt", 0))
}

// hmacRef is the signature computed from its definition, for comparison.
func hmacRef(key, canonical string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(canonical))
	return "v1_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestSignFileURL(t *testing.T) {
	const base = "https://proxy.example/toolbox/sb-1/"
	tests := []struct {
		name      string
		method    string
		path      string
		expires   int64
		wantRoute string
		canonical string
	}{
		{"download", "GET", "/a.txt", 0, "files/download", "v1:files:GET:/a.txt:0"},
		{"upload", "POST", "/a.txt", 1_800_000_000, "files/upload-v2", "v1:files:POST:/a.txt:1800000000"},
		{"relative", "GET", "dir/b.txt", 5, "files/download", "v1:files:GET:dir/b.txt:5"},
		{"query characters", "GET", "/x/a&b=c?d#e+f%20g", 0, "files/download", "v1:files:GET:/x/a&b=c?d#e+f%20g:0"},
		{"spaces and unicode", "POST", "/home/ünï cødé/文件.txt", 7, "files/upload-v2", "v1:files:POST:/home/ünï cødé/文件.txt:7"},
		{"colons", "GET", "/a:b:0", 0, "files/download", "v1:files:GET:/a:b:0:0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := signFileURL(base, tc.method, tc.path, "key", tc.expires)
			u, err := url.Parse(raw)
			require.NoError(t, err)
			assert.Equal(t, "/toolbox/sb-1/"+tc.wantRoute, u.Path)
			q := u.Query()
			assert.Equal(t, []string{tc.path}, q["path"], "the path arrives unchanged")
			assert.Equal(t, []string{strconv.FormatInt(tc.expires, 10)}, q["expires"])
			assert.Equal(t, []string{hmacRef("key", tc.canonical)}, q["signature"])
			assert.Len(t, q, 3)
		})
	}
}

// FuzzSignFileURL checks that any path and expiry survive the URL: the
// server reads back exactly the path and expiry that were signed.
func FuzzSignFileURL(f *testing.F) {
	f.Add("/a.txt", int64(0), true)
	f.Add("a b/ü?x=1&y#z", int64(1_800_000_000), false)
	f.Add("%2F..%00;+", int64(-1), true)
	f.Add("\xff\xfe", int64(9_223_372_036_854_775_807), false)
	f.Fuzz(func(t *testing.T, path string, expires int64, get bool) {
		method := http.MethodPost
		if get {
			method = http.MethodGet
		}
		u, err := url.Parse(signFileURL("http://127.0.0.1:1/toolbox/id/", method, path, "k", expires))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if q.Get("path") != path || len(q["path"]) != 1 {
			t.Fatalf("path %q came back as %q", path, q["path"])
		}
		exp := q.Get("expires")
		if exp != strconv.FormatInt(expires, 10) {
			t.Fatalf("expires %d came back as %q", expires, exp)
		}
		if want := hmacRef("k", "v1:files:"+method+":"+path+":"+exp); q.Get("signature") != want {
			t.Fatalf("signature %q, want %q", q.Get("signature"), want)
		}
	})
}

// keyServer is a fake control plane serving one sandbox's signing key.
type keyServer struct {
	srv *httptest.Server
	c   *Client

	mu      sync.Mutex
	key     string
	fetches int
	rotates int
	body    string // if set, the raw 200 body of GET signing-key
	status  int    // if set, the status of every answer
}

func newKeyServer(t *testing.T) *keyServer {
	t.Helper()
	ks := &keyServer{key: "first-key"}
	ks.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.mu.Lock()
		defer ks.mu.Unlock()
		if ks.status != 0 {
			writeJSON(w, ks.status, map[string]any{"statusCode": ks.status, "message": "no", "error": "x", "path": r.URL.Path, "timestamp": "2026-01-01T00:00:00Z"})
			return
		}
		switch r.Method + " " + r.URL.Path {
		case "GET /sandbox/sb-1/signing-key":
			ks.fetches++
			if ks.body != "" {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(ks.body))
				return
			}
			writeJSON(w, http.StatusOK, ks.key)
		case "POST /sandbox/sb-1/signing-key/rotate":
			ks.rotates++
			ks.key = "key-" + strconv.Itoa(ks.rotates+1)
			writeJSON(w, http.StatusOK, ks.key)
		default:
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(ks.srv.Close)
	ks.c = newTestClient(t, Config{APIURL: ks.srv.URL, Retry: RetryPolicy{MaxAttempts: 1}})
	return ks
}

func (ks *keyServer) sandbox() *Sandbox {
	return newSandbox(ks.c, &sandboxData{id: "sb-1", toolboxProxyURL: ks.srv.URL + "/toolbox", state: StateStarted})
}

func (ks *keyServer) counts() (fetches, rotates int) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.fetches, ks.rotates
}

// signedWith reports whether the signed URL was made with key.
func signedWith(t *testing.T, su SignedURL, key string) bool {
	t.Helper()
	u, err := url.Parse(su.URL)
	require.NoError(t, err)
	q := u.Query()
	return q.Get("signature") == hmacRef(key, "v1:files:"+su.Method+":"+q.Get("path")+":"+q.Get("expires"))
}

func TestSignedURLs(t *testing.T) {
	ks := newKeyServer(t)
	ctx := t.Context()
	sb := ks.sandbox()

	before := time.Now()
	dl, err := sb.FS.DownloadURL(ctx, "/a.txt", SignedURLOptions{})
	require.NoError(t, err)
	assert.Equal(t, http.MethodGet, dl.Method)
	assert.True(t, strings.HasPrefix(dl.URL, ks.srv.URL+"/toolbox/sb-1/files/download?"), dl.URL)
	assert.True(t, signedWith(t, dl, "first-key"))
	// The default lifetime is an hour, in whole seconds.
	assert.False(t, dl.ExpiresAt.Before(before.Add(time.Hour).Truncate(time.Second)), dl.ExpiresAt)
	assert.False(t, dl.ExpiresAt.After(time.Now().Add(time.Hour)), dl.ExpiresAt)

	up, err := sb.FS.UploadURL(ctx, "dir/b.txt", SignedURLOptions{TTL: 1500 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, http.MethodPost, up.Method)
	assert.True(t, strings.HasPrefix(up.URL, ks.srv.URL+"/toolbox/sb-1/files/upload-v2?"), up.URL)
	assert.True(t, signedWith(t, up, "first-key"))
	u, err := url.Parse(up.URL)
	require.NoError(t, err)
	exp, err := strconv.ParseInt(u.Query().Get("expires"), 10, 64)
	require.NoError(t, err)
	assert.Equal(t, time.Unix(exp, 0), up.ExpiresAt)
	assert.GreaterOrEqual(t, exp, before.Unix()+2, "1.5 s rounds up to 2 s")

	never, err := sb.FS.DownloadURL(ctx, "/a.txt", SignedURLOptions{TTL: -1})
	require.NoError(t, err)
	assert.True(t, never.ExpiresAt.IsZero())
	assert.Contains(t, never.URL, "expires=0&")
	assert.True(t, signedWith(t, never, "first-key"))

	// One fetch served all three, and another handle of the same sandbox.
	_, err = ks.sandbox().FS.DownloadURL(ctx, "/c", SignedURLOptions{})
	require.NoError(t, err)
	fetches, _ := ks.counts()
	assert.Equal(t, 1, fetches)

	// Rotation caches the new key for every handle.
	require.NoError(t, ks.sandbox().RotateSigningKey(ctx))
	after, err := sb.FS.DownloadURL(ctx, "/a.txt", SignedURLOptions{})
	require.NoError(t, err)
	assert.True(t, signedWith(t, after, "key-2"))
	fetches, rotates := ks.counts()
	assert.Equal(t, 1, fetches)
	assert.Equal(t, 1, rotates)

	// A stale entry is fetched again.
	keys := &ks.c.keys
	keys.mu.Lock()
	e := keys.m["sb-1"]
	e.at = e.at.Add(-signingKeyTTL)
	keys.m["sb-1"] = e
	keys.mu.Unlock()
	_, err = sb.FS.UploadURL(ctx, "/a.txt", SignedURLOptions{})
	require.NoError(t, err)
	fetches, _ = ks.counts()
	assert.Equal(t, 2, fetches)

	// Another client has a cache of its own.
	other := newTestClient(t, Config{APIURL: ks.srv.URL})
	_, err = newSandbox(other, &sandboxData{id: "sb-1", toolboxProxyURL: ks.srv.URL + "/toolbox"}).FS.DownloadURL(ctx, "/a", SignedURLOptions{})
	require.NoError(t, err)
	fetches, _ = ks.counts()
	assert.Equal(t, 3, fetches)
}

func TestSignedURLValidation(t *testing.T) {
	ks := newKeyServer(t)
	ctx := t.Context()
	sb := ks.sandbox()
	bare := newToolboxSandbox(ks.c, ks.srv.URL+"/toolbox/sb-1")
	tests := []struct {
		name    string
		call    func() error
		wantErr string
	}{
		{"empty download path", func() error { _, err := sb.FS.DownloadURL(ctx, "", SignedURLOptions{}); return err }, "FS.DownloadURL: path is empty"},
		{"NUL in upload path", func() error { _, err := sb.FS.UploadURL(ctx, "a\x00b", SignedURLOptions{}); return err }, "FS.UploadURL: path contains a NUL byte"},
		{"sandbox without ID", func() error { _, err := bare.FS.DownloadURL(ctx, "/a", SignedURLOptions{}); return err }, "FS.DownloadURL: the sandbox has no ID"},
		{"rotate without ID", func() error { return bare.RotateSigningKey(ctx) }, "RotateSigningKey: the sandbox has no ID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.ErrorIs(t, err, ErrValidation)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
	fetches, rotates := ks.counts()
	assert.Zero(t, fetches+rotates, "no request before the checks pass")
}

func TestSignedURLKeyErrors(t *testing.T) {
	ks := newKeyServer(t)
	ctx := t.Context()

	ks.mu.Lock()
	ks.body = `not-json-first-key`
	ks.mu.Unlock()
	_, err := ks.sandbox().FS.DownloadURL(ctx, "/a", SignedURLOptions{})
	require.ErrorIs(t, err, ErrServer)
	assert.NotContains(t, err.Error(), "first-key")

	ks.mu.Lock()
	ks.body = `""`
	ks.mu.Unlock()
	_, err = ks.sandbox().FS.DownloadURL(ctx, "/a", SignedURLOptions{})
	require.ErrorIs(t, err, ErrServer, "an empty key is not a key")

	ks.mu.Lock()
	ks.status = http.StatusNotFound
	ks.mu.Unlock()
	_, err = ks.sandbox().FS.UploadURL(ctx, "/a", SignedURLOptions{})
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorIs(t, ks.sandbox().RotateSigningKey(ctx), ErrNotFound)

	ks.c.keys.mu.Lock()
	_, cached := ks.c.keys.m["sb-1"]
	ks.c.keys.mu.Unlock()
	assert.False(t, cached, "failures cache nothing")
}
