package daytonatest

import (
	"cmp"
	"context"
	"encoding/base64"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

// Secrets (PROTOCOLS.md 11.3).
//
// A secret has a unique name matching ^[a-zA-Z_][a-zA-Z0-9_-]*$ (409 for a
// taken name, 400 for a bad one), a write-only value (never returned) and
// an opaque placeholder "dtn_secret_<hex>". Hosts must be host names or
// "*." wildcards, without scheme, port or path. GET /secret/paginated
// pages with an opaque cursor (limit 1-200, default 100; name filters by
// substring, case-insensitive; sort name|createdAt|updatedAt, default
// createdAt; order default desc).
//
// Sandboxes mount secrets at create or with PUT /sandbox/{id}/secrets, as
// [{"ENV_VAR": "secret-name"}]: every name must be an existing secret
// (404 otherwise) and every variable a valid environment variable name
// (400). Inside the sandbox the variable holds the placeholder; the
// emulator has no egress proxy, so the real value is never substituted.
// Deleting a secret does not detach it from sandboxes. GET
// /sandbox/{id}/secrets (the runner's decryption endpoint) is not
// implemented.

var (
	secretNamePattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_-]*$`)
	envNamePattern    = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	hostPattern       = regexp.MustCompile(`^(\*\.)?[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$`)
)

// secret is the emulator's record of a secret. Fields are guarded by
// Server.mu.
type secret struct {
	id, name    string
	value       string
	placeholder string
	description *string
	hosts       []string
	createdAt   time.Time
	updatedAt   time.Time
}

func (sc *secret) dto() cpserver.Secret {
	return cpserver.Secret{
		ID:          sc.id,
		Name:        sc.name,
		Description: sc.description,
		Placeholder: sc.placeholder,
		Hosts:       append([]string{}, sc.hosts...),
		CreatedAt:   sc.createdAt,
		UpdatedAt:   sc.updatedAt,
	}
}

// secretByName finds a secret by name. Callers hold s.mu.
func (s *Server) secretByName(name string) *secret {
	for _, sc := range s.secrets {
		if sc.name == name {
			return sc
		}
	}
	return nil
}

func validateHosts(hosts []string) error {
	for _, h := range hosts {
		if !hostPattern.MatchString(h) {
			return badRequest("Invalid host %q: use a host name or a *. wildcard, without scheme, port or path", h)
		}
	}
	return nil
}

// validateSandboxSecrets checks a sandbox's secret mounts against the
// store. Callers hold s.mu.
func (s *Server) validateSandboxSecrets(mounts []map[string]string) error {
	seen := map[string]bool{}
	for _, m := range mounts {
		for env, name := range m {
			if !envNamePattern.MatchString(env) {
				return badRequest("Invalid environment variable name %q", env)
			}
			if seen[env] {
				return badRequest("Environment variable %s is mapped twice", env)
			}
			seen[env] = true
			if s.secretByName(name) == nil {
				return notFound("Secret with name %s not found", name)
			}
		}
	}
	return nil
}

// secretEnv is what a sandbox's mounted secrets put in its environment:
// each variable holds the secret's placeholder. Callers hold s.mu.
func (s *Server) secretEnv(sb *sandbox) map[string]string {
	env := map[string]string{}
	for _, m := range sb.secrets {
		for k, name := range m {
			if sc := s.secretByName(name); sc != nil {
				env[k] = sc.placeholder
			}
		}
	}
	return env
}

// CreateSecret implements POST /secret (201).
func (h *handlers) CreateSecret(_ context.Context, req cpserver.CreateSecretRequestObject) (cpserver.CreateSecretResponseObject, error) {
	s := h.s
	b := req.Body
	if b == nil {
		return nil, badRequest("the request body is required")
	}
	switch {
	case !secretNamePattern.MatchString(b.Name):
		return nil, badRequest("Secret name must start with a letter or underscore and contain only letters, digits, hyphens and underscores")
	case b.Value == "":
		return nil, badRequest("Secret value must not be empty")
	}
	var hosts []string
	if b.Hosts != nil {
		hosts = slices.Clone(*b.Hosts)
		if err := validateHosts(hosts); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.secretByName(b.Name) != nil {
		return nil, conflict("Secret with name %s already exists", b.Name)
	}
	now := time.Now().UTC()
	sc := &secret{
		id: newUUID(), name: b.Name, value: b.Value, placeholder: "dtn_secret_" + randomHex(8),
		hosts: hosts, createdAt: now, updatedAt: now,
	}
	if b.Description != nil {
		sc.description = ptr(*b.Description)
	}
	s.secrets[sc.id] = sc
	return cpserver.CreateSecret201JSONResponse(sc.dto()), nil
}

// ListSecrets implements the deprecated GET /secret: every secret by name.
func (h *handlers) ListSecrets(_ context.Context, _ cpserver.ListSecretsRequestObject) (cpserver.ListSecretsResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	all := slices.Collect(maps.Values(s.secrets))
	slices.SortFunc(all, func(a, b *secret) int { return cmp.Compare(a.name, b.name) })
	out := cpserver.ListSecrets200JSONResponse{}
	for _, sc := range all {
		out = append(out, sc.dto())
	}
	return out, nil
}

// ListSecretsPaginated implements GET /secret/paginated.
func (h *handlers) ListSecretsPaginated(_ context.Context, req cpserver.ListSecretsPaginatedRequestObject) (cpserver.ListSecretsPaginatedResponseObject, error) {
	s := h.s
	p := req.Params
	limit := 100
	if p.Limit != nil {
		if *p.Limit != float64(int(*p.Limit)) || *p.Limit < 1 || *p.Limit > 200 {
			return nil, badRequest("limit must be an integer from 1 to 200")
		}
		limit = int(*p.Limit)
	}
	offset := 0
	if p.Cursor != nil && *p.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(*p.Cursor)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "secret-offset:"))
		if err != nil || err2 != nil || n < 0 || !strings.HasPrefix(string(raw), "secret-offset:") {
			return nil, badRequest("Invalid cursor")
		}
		offset = n
	}
	sortBy := cpserver.ListSecretsPaginatedParamsSortCreatedAt
	if p.Sort != nil {
		sortBy = *p.Sort
	}
	desc := p.Order == nil || *p.Order == cpserver.ListSecretsPaginatedParamsOrderDesc

	s.mu.Lock()
	defer s.mu.Unlock()
	var all []*secret
	for _, sc := range s.secrets {
		if p.Name == nil || strings.Contains(strings.ToLower(sc.name), strings.ToLower(*p.Name)) {
			all = append(all, sc)
		}
	}
	slices.SortFunc(all, func(a, b *secret) int {
		var c int
		switch sortBy {
		case cpserver.ListSecretsPaginatedParamsSortName:
			c = cmp.Compare(a.name, b.name)
		case cpserver.ListSecretsPaginatedParamsSortUpdatedAt:
			c = a.updatedAt.Compare(b.updatedAt)
		default:
			c = a.createdAt.Compare(b.createdAt)
		}
		if desc {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(a.id, b.id))
	})
	out := cpserver.ListSecretsPaginated200JSONResponse{Items: []cpserver.Secret{}, Total: float64(len(all))}
	for i := offset; i < len(all) && i < offset+limit; i++ {
		out.Items = append(out.Items, all[i].dto())
	}
	if next := offset + limit; next < len(all) {
		out.NextCursor = ptr(base64.RawURLEncoding.EncodeToString([]byte("secret-offset:" + strconv.Itoa(next))))
	}
	return out, nil
}

// GetSecret implements GET /secret/{secretId}.
func (h *handlers) GetSecret(_ context.Context, req cpserver.GetSecretRequestObject) (cpserver.GetSecretResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.secrets[req.SecretID]
	if sc == nil {
		return nil, notFound("Secret with ID %s not found", req.SecretID)
	}
	return cpserver.GetSecret200JSONResponse(sc.dto()), nil
}

// UpdateSecret implements PATCH /secret/{secretId}: the fields given
// replace the stored ones.
func (h *handlers) UpdateSecret(_ context.Context, req cpserver.UpdateSecretRequestObject) (cpserver.UpdateSecretResponseObject, error) {
	s := h.s
	b := req.Body
	if b == nil {
		b = &cpserver.UpdateSecret{}
	}
	if b.Value != nil && *b.Value == "" {
		return nil, badRequest("Secret value must not be empty")
	}
	if b.Hosts != nil {
		if err := validateHosts(*b.Hosts); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc := s.secrets[req.SecretID]
	if sc == nil {
		return nil, notFound("Secret with ID %s not found", req.SecretID)
	}
	if b.Value != nil {
		sc.value = *b.Value
	}
	if b.Description != nil {
		sc.description = ptr(*b.Description)
	}
	if b.Hosts != nil {
		sc.hosts = slices.Clone(*b.Hosts)
	}
	sc.updatedAt = time.Now().UTC()
	return cpserver.UpdateSecret200JSONResponse(sc.dto()), nil
}

// DeleteSecret implements DELETE /secret/{secretId} (204).
func (h *handlers) DeleteSecret(_ context.Context, req cpserver.DeleteSecretRequestObject) (cpserver.DeleteSecretResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.secrets[req.SecretID] == nil {
		return nil, notFound("Secret with ID %s not found", req.SecretID)
	}
	delete(s.secrets, req.SecretID)
	return cpserver.DeleteSecret204Response{}, nil
}
