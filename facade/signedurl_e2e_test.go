package daytona_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest"
	daytona "github.com/daytona-go/daytona/facade"
)

// plainHTTP is an http.Client with no credentials of any kind; its idle
// connections are closed when the test ends.
func plainHTTP(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// fetch sends method to u with body (contentType, if set) and returns the
// status and the response body.
func fetch(t *testing.T, ctx context.Context, hc *http.Client, method, u, contentType string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// signingKey reads the sandbox's current signing key through the raw API,
// so tests can check that it never leaks.
func signingKey(t *testing.T, ctx context.Context, c *daytona.Client, id string) string {
	t.Helper()
	resp, err := c.API().GetSandboxSigningKeyWithResponse(ctx, id, nil)
	require.NoError(t, err)
	require.NotNil(t, resp.JSON200)
	return *resp.JSON200
}

func TestE2ESignedFileURLs(t *testing.T) {
	t.Parallel()
	srv := daytonatest.NewServer(t)
	c, err := daytona.New(daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx := tbContext(t, 2*time.Minute)
	sb, err := c.Create(ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
	require.NoError(t, err)
	hc := plainHTTP(t)
	fsys := sb.FS
	const dir = "signed dir"
	require.NoError(t, fsys.Upload(ctx, dir+"/hello ü&x=1.txt", strings.NewReader("hello world")))

	// Download with a plain GET: no Authorization header.
	dl, err := fsys.DownloadURL(ctx, dir+"/hello ü&x=1.txt", daytona.SignedURLOptions{})
	require.NoError(t, err)
	assert.Equal(t, http.MethodGet, dl.Method)
	assert.WithinDuration(t, time.Now().Add(time.Hour), dl.ExpiresAt, time.Minute)
	code, body := fetch(t, ctx, hc, http.MethodGet, dl.URL, "", nil)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "hello world", body)

	// Upload with a raw body, then as the multipart field "file".
	up, err := fsys.UploadURL(ctx, dir+"/new/raw.bin", daytona.SignedURLOptions{TTL: 10 * time.Minute})
	require.NoError(t, err)
	assert.Equal(t, http.MethodPost, up.Method)
	code, body = fetch(t, ctx, hc, up.Method, up.URL, "application/octet-stream", bytes.NewReader([]byte{0, 1, 2, 0xff}))
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, string([]byte{0, 1, 2, 0xff}), download(t, &tbTarget{sb: sb, ctx: ctx}, dir+"/new/raw.bin"))

	up, err = fsys.UploadURL(ctx, dir+"/new/form.txt", daytona.SignedURLOptions{TTL: -1})
	require.NoError(t, err)
	assert.True(t, up.ExpiresAt.IsZero())
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, err := mw.CreateFormFile("file", "form.txt")
	require.NoError(t, err)
	_, _ = fw.Write([]byte("from a form"))
	require.NoError(t, mw.Close())
	code, body = fetch(t, ctx, hc, up.Method, up.URL, mw.FormDataContentType(), &form)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "from a form", download(t, &tbTarget{sb: sb, ctx: ctx}, dir+"/new/form.txt"))

	// One key fetch served every URL so far (it is cached for 15 s).
	assert.Equal(t, 1, srv.Requests(http.MethodGet, "/sandbox/*/signing-key"))

	key := signingKey(t, ctx, c, sb.ID())
	refused := func(name, u, method string) {
		t.Helper()
		code, body := fetch(t, ctx, hc, method, u, "application/octet-stream", strings.NewReader("x"))
		assert.Equal(t, http.StatusForbidden, code, name)
		assert.NotContains(t, body, key, name)
	}

	// A tampered signature, or a signed URL whose path was changed.
	tampered := strings.Replace(dl.URL, "signature=v1_", "signature=v1_A", 1)
	require.NotEqual(t, dl.URL, tampered)
	refused("tampered", tampered, http.MethodGet)
	refused("other path", strings.Replace(dl.URL, "hello", "hellO", 1), http.MethodGet)

	// An expired URL.
	expired, err := fsys.SignedURLExpiringAt(ctx, http.MethodGet, dir+"/hello ü&x=1.txt", time.Now().Add(-time.Minute).Unix())
	require.NoError(t, err)
	refused("expired", expired.URL, http.MethodGet)
	expiredUp, err := fsys.SignedURLExpiringAt(ctx, http.MethodPost, dir+"/late.txt", time.Now().Add(-time.Minute).Unix())
	require.NoError(t, err)
	refused("expired upload", expiredUp.URL, http.MethodPost)
	_, err = fsys.Info(ctx, dir+"/late.txt")
	require.ErrorIs(t, err, daytona.ErrNotFound, "a refused upload writes nothing")

	// Rotation revokes the URLs signed before; new ones work.
	fetches := srv.Requests(http.MethodGet, "/sandbox/*/signing-key")
	require.NoError(t, sb.RotateSigningKey(ctx))
	refused("after rotation", dl.URL, http.MethodGet)
	refused("upload after rotation", up.URL, http.MethodPost)
	dl2, err := fsys.DownloadURL(ctx, dir+"/hello ü&x=1.txt", daytona.SignedURLOptions{})
	require.NoError(t, err)
	code, body = fetch(t, ctx, hc, http.MethodGet, dl2.URL, "", nil)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "hello world", body)
	assert.Equal(t, fetches, srv.Requests(http.MethodGet, "/sandbox/*/signing-key"), "rotation cached the new key")

	// A valid signature opens nothing but its own route.
	u, err := url.Parse(dl2.URL)
	require.NoError(t, err)
	u.Path = strings.Replace(u.Path, "/files/download", "/files/info", 1)
	code, _ = fetch(t, ctx, hc, http.MethodGet, u.String(), "", nil)
	assert.Equal(t, http.StatusUnauthorized, code)
}

// TestE2ESignedURLErrorsHoldNoKey makes the signing-key calls fail in ways
// that put the key (or part of it) in front of the SDK, and checks that no
// error string repeats it.
func TestE2ESignedURLErrorsHoldNoKey(t *testing.T) {
	t.Parallel()
	srv := daytonatest.NewServer(t)
	c, err := daytona.New(daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey, Retry: daytona.RetryPolicy{MaxAttempts: 1}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx := tbContext(t, time.Minute)
	sb, err := c.Create(ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
	require.NoError(t, err)
	key := signingKey(t, ctx, c, sb.ID())

	// A truncated JSON string holding the key.
	srv.InjectFault(daytonatest.Fault{Method: http.MethodGet, Path: "/sandbox/*/signing-key", Status: http.StatusOK, Body: `"` + key})
	_, err = sb.FS.DownloadURL(ctx, "/a.txt", daytona.SignedURLOptions{})
	require.ErrorIs(t, err, daytona.ErrServer)
	assert.NotContains(t, err.Error(), key)
	assert.NotContains(t, err.Error(), key[:8])

	// The key where a JSON string should be, unquoted.
	srv.InjectFault(daytonatest.Fault{Method: http.MethodPost, Path: "/sandbox/*/signing-key/rotate", Status: http.StatusOK, Body: key})
	err = sb.RotateSigningKey(ctx)
	require.ErrorIs(t, err, daytona.ErrServer)
	assert.NotContains(t, err.Error(), key[:8])

	// An error answer.
	srv.InjectFault(daytonatest.Fault{Method: http.MethodGet, Path: "/sandbox/*/signing-key", Status: http.StatusServiceUnavailable})
	_, err = sb.FS.UploadURL(ctx, "/a.txt", daytona.SignedURLOptions{})
	require.ErrorIs(t, err, daytona.ErrServer)
	assert.NotContains(t, err.Error(), key[:8])

	// Bad input fails before any request.
	before := srv.Requests("", "/sandbox/**")
	_, err = sb.FS.DownloadURL(ctx, "", daytona.SignedURLOptions{})
	require.ErrorIs(t, err, daytona.ErrValidation)
	_, err = sb.FS.UploadURL(ctx, "a\x00b", daytona.SignedURLOptions{})
	require.ErrorIs(t, err, daytona.ErrValidation)
	assert.Equal(t, before, srv.Requests("", "/sandbox/**"))

	// Once the faults are used up, signing works again; the URL carries the
	// signature, never the key.
	su, err := sb.FS.DownloadURL(ctx, "/a.txt", daytona.SignedURLOptions{})
	require.NoError(t, err)
	assert.NotContains(t, su.URL, key)
}
