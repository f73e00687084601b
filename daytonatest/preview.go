package daytonatest

import (
	"context"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
)

// The preview proxy. Preview URLs point at
// {URL}/preview-proxy/{port}-{sandboxId}/... and signed preview URLs at
// {URL}/preview-proxy/{port}-{token}/...; the proxy forwards to
// 127.0.0.1:{port} (sandbox processes run on the host). Access, as on the
// real proxy: a public sandbox is open; otherwise the request needs the
// sandbox's preview token in X-Daytona-Preview-Token or in the
// DAYTONA_SANDBOX_AUTH_KEY query parameter, or the URL must be a live signed
// one. The API key is not accepted here.

const previewPrefix = "/preview-proxy/"

func (s *Server) servePreview(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, previewPrefix)
	first, _, _ := strings.Cut(rest, "/")
	portStr, key, ok := strings.Cut(first, "-")
	port, err := strconv.Atoi(portStr)
	if !ok || err != nil || checkPort(port) != nil || key == "" {
		writeNestError(w, r, http.StatusNotFound, "Not found")
		return
	}

	s.mu.Lock()
	allowed, state, found := false, State(""), false
	if sb := s.sandboxes[key]; sb != nil && !sb.hiddenAsDeleted() {
		found, state = true, sb.state
		token := r.Header.Get("X-Daytona-Preview-Token")
		if token == "" {
			token = r.URL.Query().Get("DAYTONA_SANDBOX_AUTH_KEY")
		}
		allowed = sb.public || (token != "" && token == sb.authToken)
	} else if sp := s.validSignedPreview(key); sp != nil && sp.port == port {
		if sb := s.sandboxes[sp.sandboxID]; sb != nil {
			found, state, allowed = true, sb.state, true
		}
	}
	s.mu.Unlock()
	switch {
	case !found:
		writeNestError(w, r, http.StatusNotFound, "Sandbox not found")
		return
	case !allowed:
		writeNestError(w, r, http.StatusUnauthorized, "Unauthorized")
		return
	case state != StateStarted:
		writeNestError(w, r, http.StatusBadRequest, "Sandbox is not started")
		return
	}

	target := &url.URL{Scheme: "http", Host: "127.0.0.1:" + portStr}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.URL.Path = "/" + strings.TrimPrefix(strings.TrimPrefix(pr.In.URL.Path, previewPrefix+first), "/")
			pr.Out.URL.RawPath = ""
			q := pr.Out.URL.Query()
			q.Del("DAYTONA_SANDBOX_AUTH_KEY")
			pr.Out.URL.RawQuery = q.Encode()
			pr.Out.Header.Del("X-Daytona-Preview-Token")
			pr.Out.Header.Del("Authorization")
		},
		Transport: s.previewTransport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			writeNestError(w, r, http.StatusBadGateway, "nothing is listening on port "+portStr+" of the sandbox")
		},
	}
	// The request's context does not end when the server closes once the
	// connection is hijacked (a proxied WebSocket): tie it to the server's.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	proxy.ServeHTTP(w, r.WithContext(ctx))
}
