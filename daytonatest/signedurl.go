package daytonatest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Signed file URLs (PROTOCOLS.md 3.7).
//
// A request without a valid bearer token is still served when it is a
// signed file URL: GET {URL}/toolbox/{sandboxId}/files/download or POST
// {URL}/toolbox/{sandboxId}/files/upload-v2 with path, expires and
// signature query parameters, where
//
//	signature = "v1_" + base64url_nopad(HMAC-SHA256(signingKey, "v1:files:" + METHOD + ":" + path + ":" + expires))
//
// with the sandbox's current signing key (GET /sandbox/{id}/signing-key), so
// rotating the key invalidates every URL signed before. expires is Unix
// seconds, 0 for no expiry. The real platform checks this in its proxy, in
// front of the daemon; the emulator does it in the root handler, answers a
// bad or expired URL with 403 in the proxy's error shape, and strips expires
// and signature before the toolbox sees the request.

// signedFileRoutes are the routes, relative to the toolbox base, that a
// signed URL opens, with the method each one takes.
var signedFileRoutes = map[string]string{
	"/files/download":  http.MethodGet,
	"/files/upload-v2": http.MethodPost,
}

// signedFileCanonical is the string a signed file URL signs.
func signedFileCanonical(method, path, expires string) string {
	return "v1:files:" + method + ":" + path + ":" + expires
}

// signFileURL returns the signature of a signed file URL made with key.
func signFileURL(key, method, path, expires string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(signedFileCanonical(method, path, expires)))
	return "v1_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// signedFileRequest reports whether r asks to be served as a signed file
// URL: one of signedFileRoutes with its method and with expires and
// signature in the query. It returns the sandbox ID from the path.
func signedFileRequest(r *http.Request) (sandboxID string, ok bool) {
	rest, found := strings.CutPrefix(r.URL.Path, toolboxPrefix)
	if !found {
		return "", false
	}
	id, route, found := strings.Cut(rest, "/")
	if !found || id == "" || signedFileRoutes["/"+route] != r.Method {
		return "", false
	}
	q := r.URL.Query()
	if !q.Has("signature") || !q.Has("expires") {
		return "", false
	}
	return id, true
}

// verifySignedFileQuery checks the query of a signed file URL for method
// against key at time now. The message of a failure names what is wrong
// but never the key or the expected signature.
func verifySignedFileQuery(q url.Values, method, key string, now time.Time) (ok bool, msg string) {
	for _, name := range []string{"path", "expires", "signature"} {
		if len(q[name]) != 1 {
			return false, "Invalid signed URL: it must have exactly one " + name + " parameter"
		}
	}
	path, expires, sig := q.Get("path"), q.Get("expires"), q.Get("signature")
	n, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != expires {
		return false, "Invalid signed URL: expires is not a Unix time in seconds"
	}
	if key == "" || !hmac.Equal([]byte(sig), []byte(signFileURL(key, method, path, expires))) {
		return false, "Invalid signature"
	}
	if n != 0 && now.Unix() > n {
		return false, "Signed URL has expired"
	}
	return true, ""
}

// serveSignedFileURL serves r, which carries no valid bearer token, if it
// is a signed file URL, and reports whether it did: a valid one goes to the
// sandbox's toolbox without expires and signature, an invalid or expired
// one gets 403. Anything else is left to the caller (false).
func (s *Server) serveSignedFileURL(w http.ResponseWriter, r *http.Request) bool {
	id, ok := signedFileRequest(r)
	if !ok {
		return false
	}
	s.mu.Lock()
	var key string
	if sb, err := s.lookupID(id); err == nil {
		key = sb.signingKey
	}
	s.mu.Unlock()
	q := r.URL.Query()
	if ok, msg := verifySignedFileQuery(q, r.Method, key, time.Now()); !ok {
		writeNestError(w, r, http.StatusForbidden, msg)
		return true
	}
	q.Del("expires")
	q.Del("signature")
	r.URL.RawQuery = q.Encode()
	s.serveToolbox(w, r)
	return true
}
