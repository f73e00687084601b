package toolbox_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestValidatorCatchesViolations proves the test validator is not vacuous:
// it flags answers that break the contract and lets the documented
// departures through.
func TestValidatorCatchesViolations(t *testing.T) {
	tests := []struct {
		name, method, target string
		status               int
		contentType, body    string
		header               http.Header
		wantViolation        bool
	}{
		{"wrong field type", http.MethodGet, "/files/info?path=x", 200, "application/json", `{"name":1}`, nil, true},
		{"missing required field", http.MethodGet, "/work-dir", 200, "application/json", `{}`, nil, true},
		{"undeclared status without envelope", http.MethodGet, "/work-dir", 418, "application/json", `{"oops":true}`, nil, true},
		{"empty body where JSON is declared", http.MethodGet, "/work-dir", 200, "", ``, nil, true},
		{"unknown route", http.MethodGet, "/nope", 404, "text/plain", "x", nil, true},
		{"invalid request", http.MethodGet, "/files/info", 400, "", ``, nil, true},
		{"valid answer", http.MethodGet, "/work-dir", 200, "application/json", `{"dir":"/r"}`, nil, false},
		{"undeclared status with envelope", http.MethodGet, "/work-dir", 501, "application/json",
			`{"statusCode":501,"message":"m","timestamp":"t","path":"/work-dir"}`, nil, false},
		{"E2 departure", http.MethodGet, "/files/info?path=x", 404, "", ``, nil, false},
		{"E3 departure", http.MethodPost, "/files/bulk-download", 400, "application/json", `{"error":"e"}`,
			http.Header{"Content-Type": {"application/json"}}, false},
		{"invalid request sent on purpose", http.MethodGet, "/files/info", 400, "", ``, invalidRequest, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			v := newValidator(t, next)
			v.Violation = func(msg string) { got = append(got, msg) }
			var body *strings.Reader
			if tt.method == http.MethodPost {
				body = strings.NewReader(`{"paths":[]}`)
			}
			var r *http.Request
			if body != nil {
				r = httptest.NewRequest(tt.method, tt.target, body)
			} else {
				r = httptest.NewRequest(tt.method, tt.target, nil)
			}
			for k, vals := range tt.header {
				r.Header[k] = vals
			}
			rec := httptest.NewRecorder()
			v.ServeHTTP(rec, r)
			require.Equal(t, tt.status, rec.Code)
			if tt.wantViolation {
				assert.NotEmpty(t, got)
			} else {
				assert.Empty(t, got)
			}
		})
	}
}
