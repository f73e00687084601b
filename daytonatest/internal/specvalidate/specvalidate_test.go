package specvalidate

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const contract = `
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /snapshots/{name}:
    get:
      operationId: getSnapshot
      parameters:
        - {name: name, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [name], properties: {name: {type: string}}}
`

func TestEscapedSlashInPathParameter(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(contract))
	require.NoError(t, err)
	rt, err := NewRouter(doc)
	require.NoError(t, err)
	var violations []string
	v := &Validator{
		API: "test", Router: rt,
		Violation: func(msg string) { violations = append(violations, msg) },
		Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"name":"x"}`))
		}),
	}
	for _, target := range []string{"/snapshots/plain", "/snapshots/daytonaio%2Fsandbox:latest"} {
		rec := httptest.NewRecorder()
		v.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		require.Equal(t, 200, rec.Code, target)
	}
	require.Empty(t, violations)

	// An unescaped slash really is another path.
	rec := httptest.NewRecorder()
	v.ServeHTTP(rec, httptest.NewRequest("GET", "/snapshots/a/b", nil))
	require.Len(t, violations, 1)
}
