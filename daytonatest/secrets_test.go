package daytonatest

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
)

func TestSecretCRUD(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	const value = "super-secret-value-123"

	r, err := c.CreateSecretWithResponse(ctx, nil, controlplane.CreateSecret{
		Name: "API_KEY", Value: value, Description: strp("for tests"), Hosts: &[]string{"api.example.com", "*.example.org"},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, r.StatusCode(), string(r.Body))
	sc := *r.JSON201
	assert.NotContains(t, string(r.Body), value, "the value is write-only")
	assert.True(t, strings.HasPrefix(sc.Placeholder, "dtn_secret_"), sc.Placeholder)
	assert.Equal(t, []string{"api.example.com", "*.example.org"}, sc.Hosts)
	assert.Equal(t, "for tests", *sc.Description)

	dup, err := c.CreateSecretWithResponse(ctx, nil, controlplane.CreateSecret{Name: "API_KEY", Value: "x"})
	require.NoError(t, err)
	assert.Contains(t, nestError(t, dup.Body, http.StatusConflict).Message, "already exists")

	g, err := c.GetSecretWithResponse(ctx, sc.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, sc, *g.JSON200)
	assert.NotContains(t, string(g.Body), value)

	u, err := c.UpdateSecretWithResponse(ctx, sc.ID, nil, controlplane.UpdateSecret{Value: strp("new-value"), Hosts: &[]string{}})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, u.StatusCode(), string(u.Body))
	assert.Empty(t, u.JSON200.Hosts)
	assert.Equal(t, "for tests", *u.JSON200.Description, "absent fields stay")
	assert.Equal(t, sc.Placeholder, u.JSON200.Placeholder)
	srv.mu.Lock()
	assert.Equal(t, "new-value", srv.secrets[sc.ID].value)
	srv.mu.Unlock()

	d, err := c.DeleteSecretWithResponse(ctx, sc.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, d.StatusCode())
	g, err = c.GetSecretWithResponse(ctx, sc.ID, nil)
	require.NoError(t, err)
	nestError(t, g.Body, http.StatusNotFound)
	d, err = c.DeleteSecretWithResponse(ctx, sc.ID, nil)
	require.NoError(t, err)
	nestError(t, d.Body, http.StatusNotFound)
}

func TestSecretCreateValidation(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	tests := []struct {
		name string
		body controlplane.CreateSecret
	}{
		{"name starts with a digit", controlplane.CreateSecret{Name: "1ABC", Value: "v"}},
		{"name with a space", controlplane.CreateSecret{Name: "A B", Value: "v"}},
		{"empty value", controlplane.CreateSecret{Name: "A", Value: ""}},
		{"host with a port", controlplane.CreateSecret{Name: "A", Value: "v", Hosts: &[]string{"example.com:443"}}},
		{"host with a scheme", controlplane.CreateSecret{Name: "A", Value: "v", Hosts: &[]string{"https://example.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.CreateSecretWithResponse(context.Background(), nil, tt.body)
			require.NoError(t, err)
			nestError(t, r.Body, http.StatusBadRequest)
		})
	}
}

func TestSecretPagination(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	for _, n := range []string{"S_C", "S_A", "S_E", "S_B", "S_D", "OTHER"} {
		newSecret(t, c, n, "v")
	}
	sortName := controlplane.ListSecretsPaginatedParamsSortName
	asc := controlplane.ListSecretsPaginatedParamsOrderAsc
	p := &controlplane.ListSecretsPaginatedParams{Limit: ptr(2.0), Name: strp("s_"), Sort: &sortName, Order: &asc}
	var names []string
	for pages := 0; pages < 10; pages++ {
		r, err := c.ListSecretsPaginatedWithResponse(context.Background(), p)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
		assert.Equal(t, 5.0, r.JSON200.Total)
		for _, it := range r.JSON200.Items {
			names = append(names, it.Name)
		}
		if r.JSON200.NextCursor == nil {
			break
		}
		p.Cursor = r.JSON200.NextCursor
	}
	assert.Equal(t, []string{"S_A", "S_B", "S_C", "S_D", "S_E"}, names)

	bad, err := c.ListSecretsPaginatedWithResponse(context.Background(), &controlplane.ListSecretsPaginatedParams{Cursor: strp("garbage")})
	require.NoError(t, err)
	nestError(t, bad.Body, http.StatusBadRequest)

	//lint:ignore SA1019 the deprecated endpoint is what this covers
	all, err := c.ListSecretsWithResponse(context.Background(), nil)
	require.NoError(t, err)
	assert.Len(t, *all.JSON200, 6)
}

func TestSandboxSecretsAreChecked(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	sc := newSecret(t, c, "db-pass", "hunter2")

	r, err := c.CreateSandboxWithResponse(ctx, nil, controlplane.CreateSandbox{Secrets: &[]map[string]string{{"DB": "missing"}}})
	require.NoError(t, err)
	assert.Contains(t, nestError(t, r.Body, http.StatusNotFound).Message, "Secret with name missing not found")

	var mu sync.Mutex
	var env map[string]string
	srv.toolboxFactory = func(sb toolboxSandbox) (sandboxToolbox, error) {
		mu.Lock()
		env = sb.Env
		mu.Unlock()
		return okToolbox{}, nil
	}
	sb := started(t, c, controlplane.CreateSandbox{Env: &map[string]string{"A": "1"}})
	put, err := c.UpdateSandboxSecretsWithResponse(ctx, sb.ID, nil, controlplane.UpdateSandboxSecrets{Secrets: []map[string]string{{"DB_PASSWORD": "db-pass"}}})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, put.StatusCode(), string(put.Body))

	bad, err := c.UpdateSandboxSecretsWithResponse(ctx, sb.ID, nil, controlplane.UpdateSandboxSecrets{Secrets: []map[string]string{{"X": "nope"}}})
	require.NoError(t, err)
	nestError(t, bad.Body, http.StatusNotFound)
	badEnv, err := c.UpdateSandboxSecretsWithResponse(ctx, sb.ID, nil, controlplane.UpdateSandboxSecrets{Secrets: []map[string]string{{"1X": "db-pass"}}})
	require.NoError(t, err)
	nestError(t, badEnv.Body, http.StatusBadRequest)

	// The toolbox's processes see the placeholder, never the value.
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/toolbox/"+sb.ID+"/version", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+srv.APIKey)
	resp, err := rawClient(t).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, map[string]string{"A": "1", "DB_PASSWORD": sc.Placeholder}, env)
}

// okToolbox answers 204 to everything.
type okToolbox struct{}

func (okToolbox) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusNoContent)
}
func (okToolbox) Close() error { return nil }
