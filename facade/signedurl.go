package daytona

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Signed file URLs (PROTOCOLS.md 3.7). A URL carries path, expires (Unix
// seconds, 0 for none) and signature = "v1_" + base64url_nopad(HMAC-SHA256(
// key, "v1:files:" + METHOD + ":" + path + ":" + expires)), where key is the
// sandbox's signing key from the control plane. The SDK signs locally; the
// toolbox proxy checks the signature with the sandbox's current key, so
// rotating the key revokes every URL signed before.

// defaultSignedURLTTL is the lifetime of a signed URL when
// SignedURLOptions.TTL is zero.
const defaultSignedURLTTL = time.Hour

// signingKeyTTL is how long a sandbox's signing key is reused before it is
// fetched again.
const signingKeyTTL = 15 * time.Second

// SignedURLOptions tunes FileSystem.DownloadURL and FileSystem.UploadURL.
type SignedURLOptions struct {
	// TTL is how long the URL stays valid, rounded up to whole seconds.
	// Zero means one hour; a negative TTL makes a URL that does not expire
	// (it works until the signing key is rotated).
	TTL time.Duration
}

// SignedURL is a URL that lets whoever holds it download or upload one
// sandbox file with no other credential. It is a secret.
type SignedURL struct {
	// URL is the signed URL of the toolbox's file endpoint.
	URL string
	// Method is the HTTP method the URL takes: GET for a download (the
	// file is the response body), POST for an upload (the file is the
	// request body, raw or as the multipart field "file").
	Method string
	// ExpiresAt is when the URL stops working; zero if it does not expire.
	ExpiresAt time.Time
}

// DownloadURL returns a signed URL that downloads the file at path with a
// plain GET, without credentials, until it expires or the sandbox's
// signing key is rotated ([Sandbox.RotateSigningKey]). path is signed as
// given: a relative path resolves against the work directory when the URL
// is used. Making the URL fetches the signing key (cached for 15 s) but
// does not check that the file exists.
func (f *FileSystem) DownloadURL(ctx context.Context, path string, opts SignedURLOptions) (SignedURL, error) {
	return f.signedURL(ctx, "FS.DownloadURL", http.MethodGet, path, opts)
}

// UploadURL returns a signed URL that uploads a file to path with a POST
// whose body is the file's content (raw, or as the multipart field
// "file"), without credentials, until it expires or the signing key is
// rotated. Missing parent directories are created and an existing file is
// replaced. Like DownloadURL it fetches the signing key but nothing else.
func (f *FileSystem) UploadURL(ctx context.Context, path string, opts SignedURLOptions) (SignedURL, error) {
	return f.signedURL(ctx, "FS.UploadURL", http.MethodPost, path, opts)
}

// signedURL checks the arguments of DownloadURL and UploadURL and signs.
func (f *FileSystem) signedURL(ctx context.Context, op, method, path string, opts SignedURLOptions) (SignedURL, error) {
	if err := checkPath(op, "path", path); err != nil {
		return SignedURL{}, err
	}
	var expires int64
	switch ttl := opts.TTL; {
	case ttl == 0:
		expires = time.Now().Add(defaultSignedURLTTL).Unix()
	case ttl > 0:
		expires = time.Now().Unix() + int64((ttl+time.Second-1)/time.Second)
	}
	return f.signURL(ctx, op, method, path, expires)
}

// signURL signs a URL for method and path that expires at the Unix time
// expires (0: never).
func (f *FileSystem) signURL(ctx context.Context, op, method, path string, expires int64) (SignedURL, error) {
	s := f.sb
	if s.ID() == "" {
		return SignedURL{}, invalidf("%s: the sandbox has no ID (signed URLs need the control plane)", op)
	}
	key, err := s.signingKey(ctx)
	if err != nil {
		return SignedURL{}, err
	}
	base, err := s.toolboxServer(ctx)
	if err != nil {
		return SignedURL{}, err
	}
	out := SignedURL{URL: signFileURL(base, method, path, key, expires), Method: method}
	if expires != 0 {
		out.ExpiresAt = time.Unix(expires, 0)
	}
	return out, nil
}

// signedFileRoutes are the toolbox routes signed URLs open, by method.
var signedFileRoutes = map[string]string{
	http.MethodGet:  "files/download",
	http.MethodPost: "files/upload-v2",
}

// signFileURL returns the signed URL of method's file route under base,
// the toolbox base URL ending in "/".
func signFileURL(base, method, path, key string, expires int64) string {
	q := url.Values{
		"path":      {path},
		"expires":   {strconv.FormatInt(expires, 10)},
		"signature": {fileURLSignature(key, method, path, expires)},
	}
	return base + signedFileRoutes[method] + "?" + q.Encode()
}

// fileURLSignature is the signature of a signed file URL.
func fileURLSignature(key, method, path string, expires int64) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("v1:files:" + method + ":" + path + ":" + strconv.FormatInt(expires, 10)))
	return "v1_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// RotateSigningKey replaces the sandbox's signing key, which revokes every
// signed file URL made before ([FileSystem.DownloadURL],
// [FileSystem.UploadURL]). URLs signed afterwards use the new key.
func (s *Sandbox) RotateSigningKey(ctx context.Context) error {
	if s.ID() == "" {
		return invalidf("RotateSigningKey: the sandbox has no ID (signing keys live in the control plane)")
	}
	start := time.Now()
	resp, err := s.c.cp.RotateSigningKeyWithResponse(ctx, s.ID(), nil)
	if err != nil {
		return signingKeyError(ctx, err, "signing-key/rotate")
	}
	if resp.JSON200 == nil || *resp.JSON200 == "" {
		return unexpected("signing-key/rotate", resp.Status())
	}
	s.c.keys.store(s.ID(), *resp.JSON200, start)
	return nil
}

// signingKey returns the sandbox's signing key, from the cache when it was
// fetched (or rotated) less than signingKeyTTL ago.
func (s *Sandbox) signingKey(ctx context.Context) (string, error) {
	if key, ok := s.c.keys.load(s.ID()); ok {
		return key, nil
	}
	start := time.Now()
	resp, err := s.c.cp.GetSandboxSigningKeyWithResponse(ctx, s.ID(), nil)
	if err != nil {
		return "", signingKeyError(ctx, err, "signing-key")
	}
	if resp.JSON200 == nil || *resp.JSON200 == "" {
		return "", unexpected("signing-key", resp.Status())
	}
	s.c.keys.store(s.ID(), *resp.JSON200, start)
	return *resp.JSON200, nil
}

// signingKeyError maps the error of a signing-key call. A body that does
// not decode gives an error without the decoder's message, which can quote
// the body (the key).
func signingKeyError(ctx context.Context, err error, op string) error {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &syntaxErr) || errors.As(err, &typeErr) {
		return newSDKError(ErrServer, nil, "malformed answer to %s", op)
	}
	return wrapErr(ctx, err)
}

// keyCache is a Client's cache of signing keys by sandbox ID, so that
// every handle of a sandbox sees a rotation. Stale entries are dropped as
// new ones are stored.
type keyCache struct {
	mu sync.Mutex
	m  map[string]cachedKey
}

type cachedKey struct {
	key string
	at  time.Time // when the request that got the key started
}

func (kc *keyCache) load(id string) (string, bool) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	e, ok := kc.m[id]
	if !ok || time.Since(e.at) >= signingKeyTTL {
		return "", false
	}
	return e.key, true
}

// store caches key, got by a request that started at start, unless a
// request that started later has already stored one.
func (kc *keyCache) store(id, key string, start time.Time) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if kc.m == nil {
		kc.m = map[string]cachedKey{}
	}
	maps.DeleteFunc(kc.m, func(_ string, e cachedKey) bool { return time.Since(e.at) >= signingKeyTTL })
	if e, ok := kc.m[id]; ok && e.at.After(start) {
		return
	}
	kc.m[id] = cachedKey{key: key, at: start}
}
