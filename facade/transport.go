package daytona

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/daytona-go/daytona/internal/retry"
	"github.com/daytona-go/daytona/internal/version"
)

// The layers every request goes through, outermost first:
//
//	errorTransport   (Client.http only) non-2xx answers become *Error
//	headerTransport  Authorization, X-Daytona-*, User-Agent
//	retry.Transport  the SDK's only retry layer; logs each attempt
//	base             the tuned *http.Transport, or Config.HTTPClient's

// newTransport returns the SDK's tuned transport: a connection pool sized
// for hundreds of concurrent calls to the same host (at most 256 HTTP/1.1
// connections per host, all kept for reuse: a call beyond them waits for
// a free one, bounded by its ctx; upgraded WebSockets leave the pool and do
// not count), bounded dial and TLS
// handshakes, TCP keep-alives and HTTP/2 health pings to notice dead
// peers, and HTTP/2 where the server offers it.
//
// It sets no ResponseHeaderTimeout (and the client no Timeout): exec,
// code-run and synchronous session commands answer only when the command
// ends, which may take as long as the caller allows. ctx is the deadline.
func newTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		MaxConnsPerHost:       256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		HTTP2: &http.HTTP2Config{
			SendPingTimeout: 30 * time.Second,
			PingTimeout:     15 * time.Second,
		},
	}
}

// headerTransport sets the SDK's headers on every request.
type headerTransport struct {
	next http.RoundTripper
	cfg  *Config
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if redirectedAway(req) {
		// A redirect to another host never gets the credentials.
		r.Header.Del("Authorization")
		r.Header.Del("X-Daytona-Organization-ID")
		setIdentity(r.Header)
	} else {
		setHeaders(r.Header, t.cfg)
	}
	return t.next.RoundTrip(r)
}

// CloseIdleConnections forwards to the next layer.
func (t *headerTransport) CloseIdleConnections() { closeIdle(t.next) }

// redirectedAway reports whether req follows a redirect to a host other
// than the one the first request of its chain went to.
func redirectedAway(req *http.Request) bool {
	first := req
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	return first != req && !strings.EqualFold(first.URL.Host, req.URL.Host)
}

// setHeaders writes the authentication and identification headers; it is
// used for REST requests and WebSocket handshakes alike. The API key is
// preferred over the JWT; the organization header goes with a JWT. An
// Authorization or organization header already present is kept, so a
// single request can override them.
func setHeaders(h http.Header, cfg *Config) {
	if h.Get("Authorization") == "" {
		token := cfg.APIKey
		if token == "" {
			token = cfg.JWTToken
		}
		if token != "" {
			h.Set("Authorization", "Bearer "+token)
		}
	}
	if cfg.JWTToken != "" && cfg.OrganizationID != "" && h.Get("X-Daytona-Organization-ID") == "" {
		h.Set("X-Daytona-Organization-ID", cfg.OrganizationID)
	}
	setIdentity(h)
}

// setIdentity writes the headers that identify the SDK.
func setIdentity(h http.Header) {
	h.Set("X-Daytona-Source", version.Source)
	h.Set("X-Daytona-SDK-Version", version.API)
	h.Set("User-Agent", version.UserAgent)
}

// errorTransport turns every answer with status >= 400 into an *Error
// (with the configured secrets scrubbed from its message).
type errorTransport struct {
	next    http.RoundTripper
	secrets []string
}

func (t *errorTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 400 {
		e := errorFromResponse(resp).(*Error)
		// Every field Error() prints can echo what the server was sent.
		e.Message = redactSecrets(e.Message, t.secrets...)
		e.Code = redactSecrets(e.Code, t.secrets...)
		e.Source = redactSecrets(e.Source, t.secrets...)
		if id := e.RequestID(); id != "" {
			e.Headers.Set("X-Request-Id", redactSecrets(id, t.secrets...))
		}
		return nil, e
	}
	return resp, nil
}

// CloseIdleConnections forwards to the next layer.
func (t *errorTransport) CloseIdleConnections() { closeIdle(t.next) }

func closeIdle(rt http.RoundTripper) {
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// attemptLogger logs one debug line per HTTP attempt. Headers are never
// logged, URLs go through redactURL and error texts through redactSecrets.
type attemptLogger struct {
	logger  *slog.Logger
	secrets []string
}

func (l attemptLogger) log(a retry.Attempt) {
	ctx := a.Request.Context()
	if !l.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs,
		slog.String("method", a.Request.Method),
		slog.String("url", redactURL(a.Request.URL)),
		slog.Int("attempt", a.Number),
		slog.Duration("duration", a.Duration),
	)
	if a.Err != nil {
		attrs = append(attrs, slog.String("error", redactSecrets(a.Err.Error(), l.secrets...)))
	} else {
		attrs = append(attrs, slog.Int("status", a.Response.StatusCode))
		if id := a.Response.Header.Get("X-Request-Id"); id != "" {
			attrs = append(attrs, slog.String("request_id", id))
		}
	}
	if a.RetryIn > 0 {
		attrs = append(attrs, slog.Duration("retry_in", a.RetryIn))
	}
	l.logger.LogAttrs(ctx, slog.LevelDebug, "daytona: http", attrs...)
}

// plainQueryKeys are query parameters whose values are logged as they are;
// every other value is replaced (signatures, tokens, keys, ...).
var plainQueryKeys = map[string]bool{
	"path": true, "page": true, "limit": true, "cursor": true, "verbose": true, "follow": true,
	"includeErroredDeleted": true, "states": true, "state": true, "labels": true, "name": true,
	"sort": true, "order": true, "force": true, "recursive": true, "depth": true, "pattern": true,
	"expiresInSeconds": true, "expires": true, "port": true, "target": true, "mode": true,
	"owner": true, "group": true, "query": true, "language": true, "id": true,
}

// secretPathSegments are path segments followed by a secret segment.
var secretPathSegments = map[string]bool{"signed-preview-url": true}

// redactURL renders u for a log line: no userinfo or fragment, query
// values other than plainQueryKeys replaced, and path tokens replaced.
func redactURL(u *url.URL) string {
	r := *u
	r.User = nil
	r.Fragment, r.RawFragment = "", ""
	if r.RawQuery != "" {
		q := r.Query()
		for k, vs := range q {
			if !plainQueryKeys[k] {
				for i := range vs {
					vs[i] = "REDACTED"
				}
			}
		}
		r.RawQuery = q.Encode()
	}
	segs := strings.Split(r.Path, "/")
	for i := 1; i < len(segs); i++ {
		if secretPathSegments[segs[i-1]] && segs[i] != "" {
			segs[i] = "REDACTED"
		}
	}
	r.Path, r.RawPath = strings.Join(segs, "/"), ""
	return r.String()
}
