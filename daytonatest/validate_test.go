package daytonatest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
	"github.com/daytona-go/daytona/daytonatest/internal/specvalidate"
)

// violations collects what a specValidator records.
type violations struct {
	mu   sync.Mutex
	msgs []string
}

func (v *violations) record(format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.msgs = append(v.msgs, fmt.Sprintf(format, args...))
}

func TestValidatorCatchesBadResponses(t *testing.T) {
	rt, err := cpRouter()
	require.NoError(t, err)
	tests := []struct {
		name    string
		method  string
		path    string
		handler http.HandlerFunc
		want    string // in the violation; "" = no violation
	}{
		{"sandbox without required fields", "GET", "/sandbox/x", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"x"}`)
		}, "property \"organizationId\" is missing"},
		{"wrong type", "GET", "/sandbox/x", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":5,"organizationId":"o","name":"n","user":"u","env":{},"labels":{},"public":false,"networkBlockAll":false,"target":"us","cpu":1,"gpu":0,"memory":1,"disk":3,"toolboxProxyUrl":"x"}`)
		}, "at /id"},
		{"unknown state", "GET", "/sandbox/x", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"x","organizationId":"o","name":"n","user":"u","env":{},"labels":{},"public":false,"networkBlockAll":false,"target":"us","cpu":1,"gpu":0,"memory":1,"disk":3,"toolboxProxyUrl":"x","state":"sleeping"}`)
		}, "at /state"},
		{"not JSON", "GET", "/sandbox", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{`)
		}, "response body"},
		{"valid response", "GET", "/sandbox", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"items":[],"nextCursor":null}`)
		}, ""},
		{"undeclared error status passes", "GET", "/sandbox/x", func(w http.ResponseWriter, r *http.Request) {
			writeNestError(w, r, 404, "nope")
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v violations
			h := &specvalidate.Validator{API: "control plane", Router: rt, Streaming: cpStreaming, Reject: writeNestError,
				Violation: func(msg string) { v.record("%s", msg) }, Next: tt.handler}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			if tt.want == "" {
				assert.Empty(t, v.msgs)
				assert.NotEqual(t, http.StatusInternalServerError, w.Code)
				return
			}
			require.Len(t, v.msgs, 1)
			t.Log(v.msgs[0])
			assert.Contains(t, v.msgs[0], tt.want)
			assert.Equal(t, http.StatusInternalServerError, w.Code)
			nb := nestError(t, w.Body.Bytes(), http.StatusInternalServerError)
			assert.Contains(t, nb.Message, "violates the contract")
		})
	}
}

func TestValidatorRejectsBadRequests(t *testing.T) {
	srv := NewServer(t)
	hc := rawClient(t)
	const secret = "sup3r-s3cret-value"
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"wrong body type", "POST", "/sandbox", `{"cpu":"two","env":{"TOKEN":"` + secret + `"}}`, 400, "request body"},
		{"limit above maximum", "GET", "/sandbox?limit=500", "", 400, `parameter "limit" in query`},
		{"unknown state filter", "GET", "/sandbox?states=sleeping", "", 400, `parameter "states"`},
		{"labels body missing", "PUT", "/sandbox/x/labels", `{}`, 400, "request body"},
		{"unknown route", "GET", "/no/such/thing", "", 404, "no such operation"},
		{"wrong method", "PATCH", "/sandbox", "", 404, "no such operation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+srv.APIKey)
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := hc.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, tt.status, resp.StatusCode, string(b))
			nestError(t, b, tt.status)
			got := srv.TakeViolations()
			require.Len(t, got, 1)
			t.Log(got[0])
			assert.Contains(t, got[0].Error(), tt.want)
			assert.NotContains(t, got[0].Error(), secret, "request values stay out of messages")
			assert.NotContains(t, string(b), secret)
		})
	}
	assert.Empty(t, srv.Violations())
}

func TestValidationCanBeTurnedOff(t *testing.T) {
	srv := NewServer(t, WithValidation(false))
	hc := rawClient(t)
	req, _ := http.NewRequest("GET", srv.URL+"/sandbox?limit=500", nil)
	req.Header.Set("Authorization", "Bearer "+srv.APIKey)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the handler clamps the limit itself")
	assert.Empty(t, srv.Violations())
}

func TestImplementedOperationsAreContractOperations(t *testing.T) {
	iface := reflect.TypeFor[cpserver.StrictServerInterface]()
	impl := reflect.TypeFor[*handlers]()
	for i := range impl.NumMethod() {
		name := impl.Method(i).Name
		_, ok := iface.MethodByName(name)
		assert.True(t, ok, "*handlers.%s is not an operation of the contract", name)
	}
	ops := implementedOps()
	assert.Equal(t, impl.NumMethod(), len(ops))
	for _, op := range []string{"CreateSandbox", "ListSandboxes", "GetSandbox", "StopSandbox", "GetAllSnapshots"} {
		assert.True(t, ops[op], op)
	}
	assert.False(t, ops["ListRunners"])
}

func TestDescribeValidationHidesValues(t *testing.T) {
	srv := NewServer(t)
	hc := rawClient(t)
	req, _ := http.NewRequest("POST", srv.URL+"/sandbox", strings.NewReader(`{"name":12345678}`))
	req.Header.Set("Authorization", "Bearer "+srv.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	v := srv.TakeViolations()
	require.Len(t, v, 1)
	assert.Contains(t, v[0].Error(), "at /name")
	assert.NotContains(t, v[0].Error(), "12345678")
}

// TestStreamingOperationsAreContractOperations: every operation ID the
// validators stream (rather than buffer) names an operation of the
// embedded contract, spelled as the contract spells it; a misspelt one
// would silently buffer a follow until it ends.
func TestStreamingOperationsAreContractOperations(t *testing.T) {
	ids := func(doc *openapi3.T) map[string]bool {
		out := map[string]bool{}
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				out[op.OperationID] = true
			}
		}
		return out
	}
	cp, err := cpserver.GetSpec()
	require.NoError(t, err)
	tb, err := tbContract()
	require.NoError(t, err)
	for name, tt := range map[string]struct {
		streaming map[string]bool
		ops       map[string]bool
	}{"control plane": {cpStreaming, ids(cp)}, "toolbox": {tbStreaming, ids(tb)}} {
		for op := range tt.streaming {
			assert.True(t, tt.ops[op], "%s: %q is not an operation ID of the contract", name, op)
		}
	}
}
