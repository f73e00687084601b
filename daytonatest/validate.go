package daytonatest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

// specValidator checks every request and response of one API against its
// contract with kin-openapi.
//
// A request that does not match (unknown path or method, bad parameter or
// body) is answered 400 (404 for an unknown route) with a NestJS-shaped
// body and never reaches the handler. A response that does not match is
// replaced by a 500 naming the violation. Both are recorded.
//
// Responses are buffered to be validated, except those of the operations in
// streaming, which go straight to the client (buffering would hold a
// followed stream until it ends); their requests are still validated.
type specValidator struct {
	api       string // "control plane", for messages
	router    routers.Router
	streaming map[string]bool // operation IDs
	record    func(format string, args ...any)
	next      http.Handler
}

// cpStreaming lists the control-plane operations whose responses are not
// validated: the deprecated build-log endpoints, which stream with
// ?follow=true. (The contract declares no body for them either.)
var cpStreaming = map[string]bool{
	"getBuildLogs":         true,
	"getSnapshotBuildLogs": true,
}

var validationOptions = openapi3filter.Options{
	AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
	MultiError:          true,
	SkipSettingDefaults: true,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{
		openapi3.DisableSchemaErrorDetails(), // keep request values (secrets) out of messages
	},
}

// cpRouter is the control-plane contract's router, built once per process:
// the contract is large and read-only once loaded.
var cpRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := cpserver.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("loading the control-plane contract: %w", err)
	}
	return newSpecRouter(doc)
})

// newSpecRouter builds a router for doc that matches paths only (no
// servers) and does not validate the contract's examples, which upstream
// gets wrong in places. The legacy router agrees with chi on the contract's
// ambiguous paths (a literal segment beats a parameter).
func newSpecRouter(doc *openapi3.T) (routers.Router, error) {
	doc.Servers = nil
	r, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
	if err != nil {
		return nil, fmt.Errorf("building the contract router: %w", err)
	}
	return r, nil
}

func (v *specValidator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		v.record("%s request %s %s: no such operation in the contract", v.api, r.Method, r.URL.Path)
		writeNestError(w, r, http.StatusNotFound, fmt.Sprintf("Cannot %s %s", r.Method, r.URL.Path))
		return
	}
	op := route.Operation.OperationID
	in := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options:    &validationOptions,
	}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		msg := describeValidation(err)
		v.record("%s request %s %s (%s) violates the contract: %s", v.api, r.Method, r.URL.Path, op, msg)
		writeNestError(w, r, http.StatusBadRequest, msg)
		return
	}
	if v.streaming[op] {
		v.next.ServeHTTP(w, r)
		return
	}
	rec := &recorder{header: http.Header{}}
	v.next.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rec.status,
		Header:                 rec.header,
		Body:                   io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		Options:                &validationOptions,
	}
	if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
		msg := describeValidation(err)
		v.record("%s response %d to %s %s (%s) violates the contract: %s", v.api, rec.status, r.Method, r.URL.Path, op, msg)
		writeNestError(w, r, http.StatusInternalServerError, "emulator response violates the contract: "+msg)
		return
	}
	rec.copyTo(w)
}

// describeValidation renders a kin-openapi error without the values that
// failed (they may be secrets): where it failed and why.
func describeValidation(err error) string {
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
