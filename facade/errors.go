package daytona

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/daytona-go/daytona/internal/retry"
)

// Sentinels for errors.Is. An *Error matches the sentinel of its Kind; any
// 5xx answer also matches ErrServer.
var (
	// ErrNotFound: 404.
	ErrNotFound = errors.New("daytona: not found")
	// ErrRateLimited: 429. Error.RetryAfter says how long the server asks to wait.
	ErrRateLimited = errors.New("daytona: rate limited")
	// ErrTimeout: the ctx deadline passed (the error also matches
	// context.DeadlineExceeded), or the server answered 408 or 504.
	ErrTimeout = errors.New("daytona: timeout")
	// ErrUnauthorized: 401, the credentials were missing or rejected.
	ErrUnauthorized = errors.New("daytona: unauthorized")
	// ErrForbidden: 403.
	ErrForbidden = errors.New("daytona: forbidden")
	// ErrConflict: 409.
	ErrConflict = errors.New("daytona: conflict")
	// ErrGone: 410, e.g. a session or command that has ended.
	ErrGone = errors.New("daytona: gone")
	// ErrValidation: the request was refused as invalid (400, 422 and the
	// other 4xx statuses without a sentinel of their own), or the SDK
	// rejected bad input or configuration before any network call.
	ErrValidation = errors.New("daytona: invalid request")
	// ErrServer: a 5xx answer (500, 502, 503, 504, ...) or a response the
	// SDK could not read.
	ErrServer = errors.New("daytona: server error")
	// ErrConnection: no response arrived (DNS, dial, TLS, reset). The
	// *Error wraps the cause.
	ErrConnection = errors.New("daytona: connection failed")
)

// Values of Error.Source.
const (
	// SourceAPI is the control plane's source value.
	SourceAPI = "DAYTONA_API"
	// SourceDaemon is the toolbox daemon's source value.
	SourceDaemon = "DAYTONA_DAEMON"
	// SourceProxy is the region proxy's source value.
	SourceProxy = "DAYTONA_PROXY"
	// SourceSDK marks an error the SDK detected itself (no server answer).
	SourceSDK = "sdk"
)

// Error is every error the SDK returns about a request. Use errors.Is with
// the sentinels (ErrNotFound, ...) to branch on the kind, and errors.As to
// read the fields:
//
//	var de *daytona.Error
//	if errors.As(err, &de) && de.RetryAfter > 0 { ... }
//
// An *Error whose Code is set and whose StatusCode is 0 can serve as a
// sentinel for a server error code: errors.Is(err, sentinel) is true when
// the codes are equal and the sources are equal or one of them is empty.
//
// Error() never contains the request's credentials.
type Error struct {
	// Kind is the sentinel the error matches (ErrNotFound, ...), or
	// context.Canceled for a cancelled call.
	Kind error
	// StatusCode is the HTTP status (or the statusCode of the body, which
	// wins), 0 when no response arrived.
	StatusCode int
	// Code is the server's machine-readable code (e.g. FILE_NOT_FOUND),
	// when it sent one.
	Code string
	// Message is the server's message, or the SDK's.
	Message string
	// Source says who produced the error: the body's source (SourceAPI,
	// SourceDaemon, SourceProxy) when the server sent one, SourceSDK when
	// no answer was involved, else empty.
	Source string
	// Headers are the response headers, when a response arrived
	// (X-Request-Id, Retry-After, ...).
	Headers http.Header
	// RetryAfter is the wait the server asked for (Retry-After), 0 if none.
	RetryAfter time.Duration
	// Err is the underlying cause, if any.
	Err error
}

// Error describes the failure: status, message, code, cause and request id.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("daytona: ")
	text := http.StatusText(e.StatusCode)
	switch {
	case e.StatusCode != 0:
		b.WriteString(strconv.Itoa(e.StatusCode))
		if text != "" {
			b.WriteString(" " + text)
		}
		if e.Message != "" && !strings.EqualFold(e.Message, text) {
			b.WriteString(": " + e.Message)
		}
	case e.Message != "":
		b.WriteString(e.Message)
	case e.Kind != nil:
		b.WriteString(strings.TrimPrefix(e.Kind.Error(), "daytona: "))
	default:
		b.WriteString("request failed")
	}
	if e.Code != "" {
		b.WriteString(" (code " + e.Code + ")")
	}
	if e.Err != nil {
		if c := e.Err.Error(); !strings.Contains(e.Message, c) {
			b.WriteString(": " + c)
		}
	}
	if id := e.RequestID(); id != "" {
		b.WriteString(" [request id " + id + "]")
	}
	return b.String()
}

// Is reports whether target is e's Kind, ErrServer for a 5xx status, or a
// code sentinel (an *Error with Code set) matching e's Code and Source.
func (e *Error) Is(target error) bool {
	if target == nil {
		return false
	}
	if e.Kind != nil && target == e.Kind {
		return true
	}
	if target == ErrServer && e.StatusCode >= 500 {
		return true
	}
	if t, ok := target.(*Error); ok && t.Code != "" && t.StatusCode == 0 {
		return t.Code == e.Code && (t.Source == "" || e.Source == "" || t.Source == e.Source)
	}
	return false
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// RequestID returns the X-Request-Id response header, if any.
func (e *Error) RequestID() string { return e.Headers.Get("X-Request-Id") }

// kindForStatus maps an HTTP status to its sentinel (PROTOCOLS 1.3).
func kindForStatus(status int) error {
	switch status {
	case http.StatusUnauthorized:
		return ErrUnauthorized
	case http.StatusForbidden:
		return ErrForbidden
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusRequestTimeout, http.StatusGatewayTimeout:
		return ErrTimeout
	case http.StatusConflict:
		return ErrConflict
	case http.StatusGone:
		return ErrGone
	case http.StatusTooManyRequests:
		return ErrRateLimited
	}
	switch {
	case status >= 500:
		return ErrServer
	case status >= 400:
		return ErrValidation
	}
	return nil
}

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 64 << 10

// maxRawMessage bounds a message taken from a non-JSON body (in bytes).
const maxRawMessage = 512

// errorFromResponse reads (up to 64 KiB) and closes resp.Body and maps the
// response to an *Error.
func errorFromResponse(resp *http.Response) error {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := errorFromBody(resp.StatusCode, resp.Header, body)
	if err != nil && len(body) == 0 {
		e.Err = err // the body broke off; the status still says what happened
	}
	return e
}

// errorFromBody maps an error answer to an *Error: status is the HTTP
// status (a statusCode in the body overrides it), header the response (or
// multipart part) headers, body the raw body. It accepts every body shape
// of PROTOCOLS 1.1: the daemon envelope, {"error"}, bulk-upload {"errors"},
// computer-use {details,message,solution}, control-plane errors with array
// messages, non-JSON text and HTML, and the empty body. Use it for error
// parts that arrive without a response of their own (bulk download).
func errorFromBody(status int, header http.Header, body []byte) *Error {
	e := &Error{StatusCode: status, Headers: header}
	if d, ok := retry.RetryAfter(header, time.Now()); ok {
		e.RetryAfter = d
	}
	body = bytes.TrimSpace(body)
	var obj map[string]json.RawMessage
	var str string
	switch {
	case len(body) == 0:
	case json.Unmarshal(body, &obj) == nil && obj != nil:
		if s := jsonInt(obj["statusCode"]); s >= 100 && s <= 999 {
			e.StatusCode = s
		}
		e.Code = firstString(obj["code"], obj["error_code"])
		e.Source = jsonText(obj["source"])
		e.Message = jsonText(obj["message"])
		if errs := jsonText(obj["errors"]); errs != "" {
			e.Message = joinNonEmpty(": ", e.Message, errs)
		}
		if details := jsonText(obj["details"]); details != "" {
			e.Message = joinNonEmpty(": ", e.Message, details)
		}
		if e.Message == "" {
			e.Message = jsonText(obj["error"])
		}
	case json.Unmarshal(body, &str) == nil:
		e.Message = truncate(strings.Join(strings.Fields(str), " "), maxRawMessage)
	default:
		e.Message = rawMessage(body)
	}
	if e.Message == "" {
		e.Message = http.StatusText(e.StatusCode)
	}
	if e.Message == "" {
		e.Message = "request failed"
	}
	e.Kind = kindForStatus(e.StatusCode)
	return e
}

// jsonText renders a JSON value as message text: a string as is, an array
// as its elements joined with ", ", null as "", anything else as JSON.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		parts := make([]string, 0, len(list))
		for _, item := range list {
			if t := jsonText(item); t != "" {
				parts = append(parts, t)
			}
		}
		return strings.Join(parts, ", ")
	}
	if string(raw) == "null" {
		return ""
	}
	return truncate(string(raw), maxRawMessage)
}

// firstString returns the first of raws that is a non-empty JSON string.
func firstString(raws ...json.RawMessage) string {
	for _, raw := range raws {
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return s
		}
	}
	return ""
}

// jsonInt reads a JSON number or numeric string; 0 if it is neither.
func jsonInt(raw json.RawMessage) int {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return 0
	}
	i, err := strconv.Atoi(n.String())
	if err != nil {
		return 0
	}
	return i
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// rawMessage turns a non-JSON body into one short line: an HTML page gives
// its title (or its text), plain text its first part.
func rawMessage(body []byte) string {
	s := string(body)
	if looksLikeHTML(s) {
		if title := htmlTitle(s); title != "" {
			s = title
		} else {
			s = stripTags(s)
		}
	}
	return truncate(strings.Join(strings.Fields(s), " "), maxRawMessage)
}

func looksLikeHTML(s string) bool {
	head := strings.ToLower(s[:min(len(s), 512)])
	return strings.HasPrefix(head, "<") && (strings.Contains(head, "<html") || strings.Contains(head, "<!doctype") ||
		strings.Contains(head, "<head") || strings.Contains(head, "<body") || strings.Contains(head, "<title"))
}

func htmlTitle(s string) string {
	lower := strings.ToLower(s)
	i := strings.Index(lower, "<title")
	if i < 0 {
		return ""
	}
	j := strings.Index(lower[i:], ">")
	if j < 0 {
		return ""
	}
	start := i + j + 1
	end := strings.Index(lower[start:], "</title")
	if end < 0 {
		return ""
	}
	return strings.TrimSpace(s[start : start+end])
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// redactSecrets replaces every occurrence of a secret in s.
func redactSecrets(s string, secrets ...string) string {
	for _, secret := range secrets {
		if len(secret) >= 4 && strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, "[REDACTED]")
		}
	}
	return s
}

// wrapErr normalises an error returned by a generated call or an
// http.Client, so the facade returns *Error values only:
//   - the *url.Error wrapper (whose text repeats the URL) is removed;
//   - an *Error (a mapped response) is returned as it is;
//   - a ctx deadline gives an *Error matching ErrTimeout and
//     context.DeadlineExceeded, a cancel one matching context.Canceled;
//   - a body that cannot be decoded gives an *Error matching ErrServer;
//   - anything else is a transport failure: an *Error matching
//     ErrConnection that wraps the cause.
func wrapErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var de *Error
	if errors.As(err, &de) {
		return err
	}
	if ctx != nil && ctx.Err() != nil {
		return contextError(ctx.Err(), context.Cause(ctx))
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return contextError(err, nil)
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &syntaxErr) || errors.As(err, &typeErr) {
		return &Error{Kind: ErrServer, Source: SourceSDK, Message: "malformed response", Err: err}
	}
	return &Error{Kind: ErrConnection, Source: SourceSDK, Message: "connection failed", Err: err}
}

// contextError is the *Error for a ctx that ended; cause is
// context.Cause(ctx), kept when it says more than err.
func contextError(err, cause error) *Error {
	if cause != nil && cause != err {
		err = fmt.Errorf("%w: %w", err, cause)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: ErrTimeout, Source: SourceSDK, Message: "timed out", Err: err}
	}
	return &Error{Kind: context.Canceled, Source: SourceSDK, Message: "canceled", Err: err}
}
