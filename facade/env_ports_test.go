package daytona

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Bad input is refused before any request.
func TestEnvPortsValidation(t *testing.T) {
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
	})
	ctx := t.Context()
	for name, u := range map[string]EnvUpdate{
		"nothing":          {},
		"empty name":       {Set: map[string]string{"": "x"}},
		"name with =":      {Set: map[string]string{"A=B": "x"}},
		"unset with NUL":   {Unset: []string{"A\x00"}},
		"unset empty name": {Unset: []string{""}},
	} {
		err := f.sb.UpdateEnv(ctx, u)
		assert.ErrorIs(t, err, ErrValidation, name)
	}
	for _, port := range []int{0, 80, 2999, 10000, -1} {
		_, err := f.sb.IsPortInUse(ctx, port)
		assert.ErrorIs(t, err, ErrValidation, "port %d", port)
	}
	assert.Empty(t, f.sent())
}

// The wire body: only the parts that are set.
func TestUpdateEnvBody(t *testing.T) {
	var got []byte
	f := newFakeToolbox(t, func(w http.ResponseWriter, r *http.Request) {
		got = make([]byte, r.ContentLength)
		_, _ = r.Body.Read(got)
		writeJSON(w, 200, map[string]any{"message": "ok"})
	})
	require.NoError(t, f.sb.UpdateEnv(t.Context(), EnvUpdate{Unset: []string{"OLD"}}))
	assert.Equal(t, []string{"POST /tb/sb-1/env"}, f.sent())
	assert.JSONEq(t, `{"unset":["OLD"]}`, string(got))
}
