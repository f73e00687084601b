package daytona

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/daytona-go/daytona/internal/retry"
)

// DefaultAPIURL is the control-plane URL used when none is configured.
const DefaultAPIURL = "https://app.daytona.io/api"

// Config configures a Client. Empty fields are filled, field by field, from
// the process environment, then from the DAYTONA_* keys of the files
// .env.local and .env in the working directory (the process environment
// wins over the files, and .env.local over .env; nothing is written back
// into the environment):
//
//	APIKey          DAYTONA_API_KEY
//	JWTToken        DAYTONA_JWT_TOKEN (with OrganizationID)
//	OrganizationID  DAYTONA_ORGANIZATION_ID
//	APIURL          DAYTONA_API_URL, else the deprecated DAYTONA_SERVER_URL, else DefaultAPIURL
//	Target          DAYTONA_TARGET
//	DisableEvents   DAYTONA_USE_DEPRECATED_POLLING (true or false; process environment only)
//
// Credentials come as a pair: if APIKey or JWTToken is set in the Config,
// neither is read from the environment. When both an API key and a JWT are
// known, the API key is used.
//
// A Config prints (fmt, slog) with its secrets redacted.
type Config struct {
	// APIKey authenticates with an API key (DAYTONA_API_KEY).
	APIKey string
	// JWTToken authenticates with a JWT (DAYTONA_JWT_TOKEN); it needs OrganizationID.
	JWTToken string
	// OrganizationID is sent as X-Daytona-Organization-ID with a JWT (DAYTONA_ORGANIZATION_ID).
	OrganizationID string
	// APIURL is the control-plane base URL (DAYTONA_API_URL; default DefaultAPIURL).
	APIURL string
	// Target is the region sandboxes are created in (DAYTONA_TARGET).
	Target string
	// HTTPClient replaces the SDK's tuned client, e.g. to add a proxy or
	// instrumentation. The SDK does not modify it: it builds its own clients
	// on top of its Transport (nil means http.DefaultTransport), Jar and
	// CheckRedirect, adding the SDK's headers, retries and error mapping.
	// Its Timeout is not used, because it would also cut streamed
	// downloads and log follows: bound calls with ctx instead.
	HTTPClient *http.Client
	// Logger receives a debug line per HTTP attempt (method, URL, status,
	// attempt, duration) and warnings, with secrets redacted: credentials
	// and headers are never logged, and query values other than plain
	// parameters such as path or limit are replaced. Nil means silent.
	Logger *slog.Logger
	// Retry bounds the retries of failed requests. The zero value means
	// the defaults; RetryPolicy{MaxAttempts: 1} disables retries.
	Retry RetryPolicy
	// DisableEvents turns off the push channel. By default the first wait
	// (WaitUntil, Start, Create, ...) opens a Socket.IO WebSocket to
	// {APIURL}/socket.io/ in the background, authenticated with the
	// credentials above, and state changes pushed on it end waits early;
	// the socket closes 30 s after the last wait, or with Client.Close.
	// Waits poll whether or not it is on (while the socket is up, once a
	// second as a safety net), so a proxy or server without it only makes
	// waits slower. Set it (or DAYTONA_USE_DEPRECATED_POLLING=true) to
	// poll only and never open the socket.
	DisableEvents bool
}

// RetryPolicy bounds the retries of failed requests. The SDK retries only
// when it is safe: the body can be sent again (a streamed upload never is),
// and the answer is 429, or 408, 502, 503 or 504 to an idempotent request
// (GET, HEAD, OPTIONS, PUT, DELETE), or the connection failed before the
// request was sent (any method) or dropped during an idempotent one. A
// server's Retry-After is honoured; otherwise the delay doubles from
// InitialBackoff up to MaxBackoff, with jitter. A wait that would pass
// MaxElapsed or the ctx deadline is not made: the last error is returned
// (with Error.RetryAfter set when the server sent one).
//
// A zero field means its default.
type RetryPolicy struct {
	// MaxAttempts is the number of tries, the first included (default 4).
	// 1 disables retries.
	MaxAttempts int
	// InitialBackoff is the delay before the first retry (default 250 ms).
	InitialBackoff time.Duration
	// MaxBackoff caps the computed delay (default 8 s).
	MaxBackoff time.Duration
	// MaxElapsed bounds the time spent on one request's tries and waits
	// (default 1 min).
	MaxElapsed time.Duration
}

func (p RetryPolicy) internal() retry.Policy {
	return retry.Policy{MaxAttempts: p.MaxAttempts, InitialBackoff: p.InitialBackoff, MaxBackoff: p.MaxBackoff, MaxElapsed: p.MaxElapsed}
}

// String describes c with its secrets redacted.
func (c Config) String() string {
	return fmt.Sprintf("daytona.Config{APIURL: %q, Target: %q, OrganizationID: %q, APIKey: %s, JWTToken: %s, HTTPClient: %v, Logger: %v, Retry: %+v}",
		c.APIURL, c.Target, c.OrganizationID, secretState(c.APIKey), secretState(c.JWTToken),
		c.HTTPClient != nil, c.Logger != nil, c.Retry)
}

// GoString is String, so %#v redacts as well.
func (c Config) GoString() string { return c.String() }

// LogValue describes c for slog with its secrets redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("api_url", c.APIURL),
		slog.String("target", c.Target),
		slog.String("organization_id", c.OrganizationID),
		slog.String("api_key", secretState(c.APIKey)),
		slog.String("jwt_token", secretState(c.JWTToken)),
	)
}

func secretState(s string) string {
	if s == "" {
		return "unset"
	}
	return "[REDACTED]"
}

// The environment variables New reads.
const (
	envAPIKey    = "DAYTONA_API_KEY"
	envJWTToken  = "DAYTONA_JWT_TOKEN"
	envOrgID     = "DAYTONA_ORGANIZATION_ID"
	envAPIURL    = "DAYTONA_API_URL"
	envServerURL = "DAYTONA_SERVER_URL"
	envTarget    = "DAYTONA_TARGET"
	// envPolling set to true turns the push channel off (Config.DisableEvents),
	// as in the official Go SDK.
	envPolling = "DAYTONA_USE_DEPRECATED_POLLING"
)

// readDisableEvents sets *disable from DAYTONA_USE_DEPRECATED_POLLING, a
// boolean (true, false, 1, 0, ...); another value is an ErrValidation.
// Only the process environment is read: a bool has no "unset" value, so
// reading the .env files for it would make every Config read them.
func readDisableEvents(r *envReader, disable *bool) error {
	if r.env.lookup == nil {
		return nil
	}
	v, _ := r.env.lookup(envPolling)
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return configError(nil, "%s must be true or false, not %q", envPolling, v)
	}
	*disable = b
	return nil
}

// dotEnvFiles are read in this order; an earlier file wins.
var dotEnvFiles = []string{".env.local", ".env"}

// maxDotEnv bounds the size of a .env file.
const maxDotEnv = 1 << 20

// environment is where New looks for unset Config fields. Tests replace it.
type environment struct {
	// lookup reads a process environment variable (os.LookupEnv).
	lookup func(string) (string, bool)
	// dir holds the .env files ("" = the working directory).
	dir string
}

func processEnvironment() environment { return environment{lookup: os.LookupEnv} }

// envReader answers a key from the process environment, then from the
// .env files, which it reads the first time a key is missing.
type envReader struct {
	env    environment
	loaded bool
	files  []map[string]string
	err    error
}

func (r *envReader) get(key string) (string, error) {
	if r.env.lookup != nil {
		if v, ok := r.env.lookup(key); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v), nil
		}
	}
	if !r.loaded {
		r.loaded = true
		r.files, r.err = readDotEnvFiles(r.env.dir)
	}
	if r.err != nil {
		return "", r.err
	}
	for _, f := range r.files {
		if v := f[key]; v != "" {
			return v, nil
		}
	}
	return "", nil
}

func readDotEnvFiles(dir string) ([]map[string]string, error) {
	var out []map[string]string
	for _, name := range dotEnvFiles {
		path := filepath.Join(dir, name)
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, configError(err, "reading %s", name)
		}
		data, err := io.ReadAll(io.LimitReader(f, maxDotEnv))
		_ = f.Close()
		if err != nil {
			return nil, configError(err, "reading %s", name)
		}
		out = append(out, parseDotEnv(string(data)))
	}
	return out, nil
}

// parseDotEnv reads the DAYTONA_* assignments of a .env file: KEY=VALUE
// lines, optionally prefixed with "export", values bare (a " #" starts a
// comment), 'single-quoted' (literal) or "double-quoted" (with \n, \t, \r,
// \" and \\ escapes). Blank lines, comments, other keys and malformed
// lines are skipped; a later assignment wins.
func parseDotEnv(data string) map[string]string {
	out := map[string]string{}
	for line := range strings.Lines(data) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			line = strings.TrimSpace(rest)
		}
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || !strings.HasPrefix(key, "DAYTONA_") || strings.ContainsAny(key, " \t\"'") {
			continue
		}
		out[key] = dotEnvValue(strings.TrimSpace(value))
	}
	return out
}

func dotEnvValue(v string) string {
	if v == "" {
		return ""
	}
	switch v[0] {
	case '\'':
		if end := strings.IndexByte(v[1:], '\''); end >= 0 {
			return v[1 : 1+end]
		}
		return v[1:]
	case '"':
		var b strings.Builder
		for i := 1; i < len(v); i++ {
			c := v[i]
			if c == '"' {
				break
			}
			if c == '\\' && i+1 < len(v) {
				i++
				switch v[i] {
				case 'n':
					c = '\n'
				case 't':
					c = '\t'
				case 'r':
					c = '\r'
				default:
					c = v[i]
				}
			}
			b.WriteByte(c)
		}
		return b.String()
	}
	for _, marker := range []string{" #", "\t#"} {
		if i := strings.Index(v, marker); i >= 0 {
			v = v[:i]
		}
	}
	return strings.TrimSpace(v)
}

// resolved is a Config with every field settled, plus what New should
// report about how it got there.
type resolved struct {
	Config
	// deprecatedServerURL is set when APIURL came from DAYTONA_SERVER_URL.
	deprecatedServerURL bool
}

// resolveConfig fills cfg's empty fields from env and validates the result.
// Errors are *Error values matching ErrValidation that name what to set.
func resolveConfig(cfg Config, env environment) (resolved, error) {
	r := &envReader{env: env}
	fill := func(field *string, key string) error {
		if *field != "" {
			return nil
		}
		v, err := r.get(key)
		*field = v
		return err
	}
	out := resolved{}
	var errs []error
	if cfg.APIKey == "" && cfg.JWTToken == "" {
		errs = append(errs, fill(&cfg.APIKey, envAPIKey), fill(&cfg.JWTToken, envJWTToken))
	}
	errs = append(errs, fill(&cfg.OrganizationID, envOrgID), fill(&cfg.APIURL, envAPIURL), fill(&cfg.Target, envTarget))
	if !cfg.DisableEvents {
		errs = append(errs, readDisableEvents(r, &cfg.DisableEvents))
	}
	if cfg.APIURL == "" {
		errs = append(errs, fill(&cfg.APIURL, envServerURL))
		out.deprecatedServerURL = cfg.APIURL != ""
	}
	if err := firstError(errs); err != nil {
		return resolved{}, err
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	out.Config = cfg

	switch {
	case cfg.APIKey == "" && cfg.JWTToken == "":
		return resolved{}, configError(nil, "no credentials: set Config.APIKey or %s, or Config.JWTToken and Config.OrganizationID or %s and %s (in the environment, .env.local or .env)",
			envAPIKey, envJWTToken, envOrgID)
	case cfg.APIKey == "" && cfg.OrganizationID == "":
		return resolved{}, configError(nil, "%s (Config.OrganizationID) is required when authenticating with a JWT (%s)", envOrgID, envJWTToken)
	case !validHeaderValue(cfg.APIKey):
		return resolved{}, configError(nil, "the API key contains spaces or control characters")
	case !validHeaderValue(cfg.JWTToken):
		return resolved{}, configError(nil, "the JWT contains spaces or control characters")
	case !validHeaderValue(cfg.OrganizationID):
		return resolved{}, configError(nil, "the organization ID contains spaces or control characters")
	}
	if err := validateAPIURL(cfg.APIURL); err != nil {
		return resolved{}, err
	}
	if err := cfg.Retry.internal().Validate(); err != nil {
		return resolved{}, configError(nil, "Config.Retry: %v", err)
	}
	return out, nil
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// validHeaderValue reports whether s can go in a header unchanged.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// validateAPIURL checks that raw is an absolute http(s) URL without
// credentials, query or fragment. The error never repeats userinfo.
func validateAPIURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return configError(nil, "invalid API URL (Config.APIURL or %s): it does not parse as a URL", envAPIURL)
	}
	shown := *u // what the error may repeat: no userinfo, query or fragment
	shown.User, shown.RawQuery, shown.Fragment, shown.RawFragment = nil, "", "", ""
	switch {
	case u.User != nil:
		return configError(nil, "invalid API URL %q: it must not contain credentials; use Config.APIKey or %s", shown.String(), envAPIKey)
	case u.Scheme != "http" && u.Scheme != "https":
		return configError(nil, "invalid API URL %q (Config.APIURL or %s): the scheme must be http or https", shown.String(), envAPIURL)
	case u.Host == "":
		return configError(nil, "invalid API URL %q (Config.APIURL or %s): it has no host", shown.String(), envAPIURL)
	case u.RawQuery != "" || u.Fragment != "":
		return configError(nil, "invalid API URL %q (Config.APIURL or %s): it must not have a query or fragment", shown.String(), envAPIURL)
	}
	return nil
}

// configError is a configuration problem found before any network call.
func configError(cause error, format string, args ...any) *Error {
	return &Error{Kind: ErrValidation, Source: SourceSDK, Message: fmt.Sprintf(format, args...), Err: cause}
}
