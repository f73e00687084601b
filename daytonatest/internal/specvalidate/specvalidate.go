// Package specvalidate checks the requests and responses of an HTTP handler
// against an OpenAPI contract with kin-openapi. The emulator wraps both of
// its APIs with it, and the toolbox's own tests use it too, so there is one
// validator.
package specvalidate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// NewRouter builds a router for doc that matches paths only (no servers)
// and does not validate the contract's examples, which upstream gets wrong
// in places. The legacy router agrees with chi on the contract's ambiguous
// paths (a literal segment beats a parameter).
func NewRouter(doc *openapi3.T) (routers.Router, error) {
	doc.Servers = nil
	r, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
	if err != nil {
		return nil, fmt.Errorf("building the contract router: %w", err)
	}
	return r, nil
}

// Options are the kin-openapi options every check uses. Schema error
// details are off so that request values (possibly secrets) never appear
// in messages.
var Options = openapi3filter.Options{
	AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
	MultiError:          true,
	SkipSettingDefaults: true,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{
		openapi3.DisableSchemaErrorDetails(),
	},
}

// Validator is an http.Handler that validates what passes through it.
//
// Requests are validated before Next sees them. Responses are buffered and
// validated, except those of Streaming operations and WebSocket upgrades,
// which go straight to the client (buffering would hold a stream until it
// ends); for those only the status and headers are checked.
type Validator struct {
	// API names the contract in messages ("control plane", "toolbox").
	API string
	// Router finds the contract operation of a request.
	Router routers.Router
	// Next serves the requests.
	Next http.Handler
	// Violation receives every violation found.
	Violation func(msg string)
	// Reject, if set, answers violations itself: a bad request gets 400
	// (404 for an unknown route) without reaching Next, a bad response is
	// replaced by a 500. If nil, everything passes through unchanged.
	Reject func(w http.ResponseWriter, r *http.Request, status int, msg string)
	// Streaming lists operation IDs whose responses are not buffered.
	Streaming map[string]bool
	// Unspecified reports requests outside the contract that the server
	// serves anyway; they pass without a violation.
	Unspecified func(r *http.Request) bool
	// SkipRequestBody reports requests whose body is not validated (streamed
	// multipart uploads, raw bodies).
	SkipRequestBody func(op string, r *http.Request) bool
	// Departure reports answers that knowingly differ from the contract, as
	// the real server's do.
	Departure func(op string, status int, body []byte) bool
	// UndeclaredErrors, if set, is the schema that an error status the
	// operation does not declare must match.
	UndeclaredErrors *openapi3.Schema
	// ExpectInvalid reports requests a test sent as invalid on purpose: for
	// them, conforming is the violation.
	ExpectInvalid func(r *http.Request) bool
}

func (v *Validator) violation(format string, args ...any) string {
	msg := fmt.Sprintf(format, args...)
	v.Violation(v.API + " " + msg)
	return msg
}

// ServeHTTP validates the request, serves it and validates the response.
func (v *Validator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, params, err := v.Router.FindRoute(routable(r))
	if err != nil {
		if v.Unspecified != nil && v.Unspecified(r) {
			v.Next.ServeHTTP(w, r)
			return
		}
		v.violation("request %s %s: no such operation in the contract", r.Method, r.URL.Path)
		if v.Reject != nil {
			v.Reject(w, r, http.StatusNotFound, fmt.Sprintf("Cannot %s %s", r.Method, r.URL.Path))
			return
		}
		v.Next.ServeHTTP(w, r)
		return
	}
	op := route.Operation.OperationID
	opts := Options
	if v.SkipRequestBody != nil && v.SkipRequestBody(op, r) {
		opts.ExcludeRequestBody = true
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: &opts}
	// kin-openapi reads the body and puts a copy back.
	err = openapi3filter.ValidateRequest(r.Context(), in)
	expectInvalid := v.ExpectInvalid != nil && v.ExpectInvalid(r)
	switch {
	case expectInvalid && err == nil:
		v.violation("request %s %s (%s) was sent as invalid but conforms to the contract", r.Method, r.URL.Path, op)
	case !expectInvalid && err != nil:
		msg := v.violation("request %s %s (%s) violates the contract: %s", r.Method, r.URL.Path, op, Describe(err))
		if v.Reject != nil {
			v.Reject(w, r, http.StatusBadRequest, msg)
			return
		}
	}

	if v.Streaming[op] || r.Header.Get("Upgrade") != "" {
		sw := &statusWriter{ResponseWriter: w}
		v.Next.ServeHTTP(sw, r)
		if sw.status == http.StatusSwitchingProtocols || sw.status == 0 || sw.status >= 400 {
			return // upgraded, or an error the tests check themselves
		}
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: sw.status, Header: sw.Header(),
			Body: io.NopCloser(bytes.NewReader(nil)), Options: &openapi3filter.Options{ExcludeResponseBody: true},
		}
		if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
			v.violation("response %d to %s %s (%s) violates the contract: %s", sw.status, r.Method, r.URL.Path, op, Describe(err))
		}
		return
	}

	rec := &recorder{header: http.Header{}}
	v.Next.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if msg, bad := v.checkResponse(in, op, rec); bad && v.Reject != nil {
		v.Reject(w, r, http.StatusInternalServerError, "emulator response violates the contract: "+msg)
		return
	}
	rec.copyTo(w)
}

// routable returns r, or, when its path holds escaped slashes (a snapshot
// named "org/image:tag" in a path parameter), a copy whose Path keeps them
// escaped: the router splits the decoded path on "/" and would see one
// segment too many, while the server's own router (chi) routes on the raw
// path.
func routable(r *http.Request) *http.Request {
	if r.URL.RawPath == "" {
		return r
	}
	r2 := *r
	u := *r.URL
	u.Path = u.RawPath
	r2.URL = &u
	return &r2
}

// checkResponse validates one buffered answer; it returns the violation.
func (v *Validator) checkResponse(in *openapi3filter.RequestValidationInput, op string, rec *recorder) (string, bool) {
	r := in.Request
	body := rec.body.Bytes()
	if v.Departure != nil && v.Departure(op, rec.status, body) {
		return "", false
	}
	if v.UndeclaredErrors != nil && rec.status >= 400 && in.Route.Operation.Responses.Status(rec.status) == nil {
		var doc any
		if err := json.Unmarshal(body, &doc); err != nil {
			return v.violation("undeclared %d to %s %s (%s) is not JSON", rec.status, r.Method, r.URL.Path, op), true
		}
		if err := v.UndeclaredErrors.VisitJSON(doc, openapi3.DisableSchemaErrorDetails()); err != nil {
			return v.violation("undeclared %d to %s %s (%s) is not an error body: %s", rec.status, r.Method, r.URL.Path, op, Describe(err)), true
		}
		return "", false
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rec.status,
		Header:                 rec.header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &Options,
	}
	if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
		return v.violation("response %d to %s %s (%s) violates the contract: %s", rec.status, r.Method, r.URL.Path, op, Describe(err)), true
	}
	return "", false
}

// Describe renders a kin-openapi error without the values that failed
// (they may be secrets): where it failed and why.
func Describe(err error) string {
	var parts []string
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, sub := range e {
				walk(sub)
			}
		case *openapi3filter.RequestError:
			prefix := "request"
			switch {
			case e.Parameter != nil:
				prefix = fmt.Sprintf("parameter %q in %s", e.Parameter.Name, e.Parameter.In)
			case e.RequestBody != nil:
				prefix = "request body"
			}
			walkPrefixed(&parts, walk, e.Err, prefix, e.Reason)
		case *openapi3filter.ResponseError:
			walkPrefixed(&parts, walk, e.Err, "response body", e.Reason)
		case *openapi3.SchemaError:
			if e.Origin != nil {
				n := len(parts)
				walk(e.Origin)
				if len(parts) > n {
					return
				}
			}
			reason := e.Reason
			if reason == "" {
				reason = "does not match schema field " + e.SchemaField
			}
			parts = append(parts, fmt.Sprintf("at /%s: %s", strings.Join(e.JSONPointer(), "/"), reason))
		case *openapi3filter.ParseError:
			reason := e.Reason
			if reason == "" && e.Cause != nil {
				if _, nested := e.Cause.(*openapi3filter.ParseError); nested {
					walk(e.Cause)
					return
				}
				reason = e.Cause.Error()
			}
			parts = append(parts, "cannot be parsed: "+reason)
		case *openapi3filter.SecurityRequirementsError:
			parts = append(parts, "security requirements not met")
		default:
			if u := errors.Unwrap(err); u != nil {
				walk(u)
				return
			}
			parts = append(parts, err.Error())
		}
	}
	walk(err)
	return strings.Join(parts, "; ")
}

// walkPrefixed describes cause (if any) under prefix, or else reason.
func walkPrefixed(parts *[]string, walk func(error), cause error, prefix, reason string) {
	n := len(*parts)
	if cause != nil {
		walk(cause)
	}
	if len(*parts) == n {
		*parts = append(*parts, prefix+": "+reason)
		return
	}
	for i := n; i < len(*parts); i++ {
		(*parts)[i] = prefix + " " + (*parts)[i]
	}
}

// recorder buffers a response so it can be validated before it is sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rr *recorder) Header() http.Header { return rr.header }

func (rr *recorder) WriteHeader(status int) {
	if rr.status == 0 {
		rr.status = status
	}
}

func (rr *recorder) Write(p []byte) (int, error) {
	if rr.status == 0 {
		rr.status = http.StatusOK
	}
	return rr.body.Write(p)
}

func (rr *recorder) copyTo(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range rr.header {
		h[k] = v
	}
	w.WriteHeader(rr.status)
	_, _ = w.Write(rr.body.Bytes())
}

// statusWriter records the status of a streamed answer and keeps the
// writer's upgrade, flush and sendfile abilities.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

// ReadFrom keeps sendfile for downloads.
func (s *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	if rf, ok := s.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(s.ResponseWriter, r)
}

// Flush sends buffered data to the client.
func (s *statusWriter) Flush() { _ = http.NewResponseController(s.ResponseWriter).Flush() }

// Hijack lets WebSocket upgrades take the connection.
func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	s.status = http.StatusSwitchingProtocols
	return http.NewResponseController(s.ResponseWriter).Hijack()
}

// Unwrap gives http.ResponseController the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
