package daytonatest

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

// sshAccess is an SSH access token. The emulator runs no SSH gateway: the
// tokens can be created, listed through validate, and revoked.
type sshAccess struct {
	id        string
	sandboxID string
	token     string
	createdAt time.Time
	expiresAt time.Time
}

// signedPreview is a signed preview URL token: it grants access to one port
// of one sandbox until it expires or is expired.
type signedPreview struct {
	token     string
	sandboxID string
	port      int
	expiresAt time.Time
}

// CreateSSHAccess implements POST /sandbox/{id}/ssh-access: it revokes the
// sandbox's other tokens and issues one valid for expiresInMinutes
// (default 60).
func (h *handlers) CreateSSHAccess(_ context.Context, req cpserver.CreateSSHAccessRequestObject) (cpserver.CreateSSHAccessResponseObject, error) {
	s := h.s
	mins := 60.0
	if req.Params.ExpiresInMinutes != nil {
		mins = *req.Params.ExpiresInMinutes
	}
	if mins <= 0 || math.IsInf(mins, 0) || math.IsNaN(mins) {
		return nil, badRequest("expiresInMinutes must be positive")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookup(req.SandboxIDOrName)
	if err != nil {
		return nil, err
	}
	for tok, a := range s.sshAccess {
		if a.sandboxID == sb.id {
			delete(s.sshAccess, tok)
		}
	}
	now := time.Now().UTC()
	a := &sshAccess{
		id:        newUUID(),
		sandboxID: sb.id,
		token:     randomHex(16),
		createdAt: now,
		expiresAt: now.Add(time.Duration(mins * float64(time.Minute))),
	}
	s.sshAccess[a.token] = a
	return cpserver.CreateSSHAccess200JSONResponse{
		ID:         a.id,
		SandboxID:  sb.id,
		Token:      a.token,
		CreatedAt:  a.createdAt,
		UpdatedAt:  a.createdAt,
		ExpiresAt:  a.expiresAt,
		SSHCommand: fmt.Sprintf("ssh -p 2222 %s@127.0.0.1", a.token),
	}, nil
}

// RevokeSSHAccess implements DELETE /sandbox/{id}/ssh-access[?token=]:
// one token, or all of the sandbox's.
func (h *handlers) RevokeSSHAccess(_ context.Context, req cpserver.RevokeSSHAccessRequestObject) (cpserver.RevokeSSHAccessResponseObject, error) {
	s := h.s
	d, err := s.sandboxOp(req.SandboxIDOrName, func(sb *sandbox) error {
		for tok, a := range s.sshAccess {
			if a.sandboxID == sb.id && (req.Params.Token == nil || *req.Params.Token == tok) {
				delete(s.sshAccess, tok)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.RevokeSSHAccess200JSONResponse(d), nil
}

// ValidateSSHAccess implements GET /sandbox/ssh-access/validate?token=.
// (Upstream answers sandboxId null for an invalid token, which its own
// contract forbids; the emulator answers "".)
func (h *handlers) ValidateSSHAccess(_ context.Context, req cpserver.ValidateSSHAccessRequestObject) (cpserver.ValidateSSHAccessResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.sshAccess[req.Params.Token]
	if a == nil || time.Now().After(a.expiresAt) {
		return cpserver.ValidateSSHAccess200JSONResponse{Valid: false}, nil
	}
	return cpserver.ValidateSSHAccess200JSONResponse{Valid: true, SandboxID: a.sandboxID}, nil
}

func checkPort(port int) error {
	if port < 1 || port > 65535 {
		return badRequest("Invalid port")
	}
	return nil
}

// previewURL is where the emulator's preview proxy serves port of the
// sandbox (or of a signed token): see preview.go.
func (s *Server) previewURL(port int, key string) string {
	return fmt.Sprintf("%s%s%d-%s", s.URL, previewPrefix, port, key)
}

// GetPortPreviewURL implements GET /sandbox/{id}/ports/{port}/preview-url.
func (h *handlers) GetPortPreviewURL(_ context.Context, req cpserver.GetPortPreviewURLRequestObject) (cpserver.GetPortPreviewURLResponseObject, error) {
	s := h.s
	if err := checkPort(req.Port); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookup(req.SandboxIDOrName)
	if err != nil {
		return nil, err
	}
	return cpserver.GetPortPreviewURL200JSONResponse{
		SandboxID: sb.id,
		URL:       s.previewURL(req.Port, sb.id),
		Token:     sb.authToken,
	}, nil
}

// GetSignedPortPreviewURL implements GET
// /sandbox/{id}/ports/{port}/signed-preview-url?expiresInSeconds= (default
// 60 s, at most 24 h): a URL that carries its own token.
func (h *handlers) GetSignedPortPreviewURL(_ context.Context, req cpserver.GetSignedPortPreviewURLRequestObject) (cpserver.GetSignedPortPreviewURLResponseObject, error) {
	s := h.s
	if err := checkPort(req.Port); err != nil {
		return nil, err
	}
	secs := 60
	if req.Params.ExpiresInSeconds != nil {
		secs = *req.Params.ExpiresInSeconds
	}
	if secs < 1 || secs > 86400 {
		return nil, badRequest("expiresInSeconds must be between 1 and 86400")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookup(req.SandboxIDOrName)
	if err != nil {
		return nil, err
	}
	sp := &signedPreview{
		token:     randomHex(16),
		sandboxID: sb.id,
		port:      req.Port,
		expiresAt: time.Now().Add(time.Duration(secs) * time.Second),
	}
	s.signedPreviews[sp.token] = sp
	return cpserver.GetSignedPortPreviewURL200JSONResponse{
		SandboxID: sb.id,
		Port:      req.Port,
		Token:     sp.token,
		URL:       s.previewURL(req.Port, sp.token),
	}, nil
}

// ExpireSignedPortPreviewURL implements POST
// /sandbox/{id}/ports/{port}/signed-preview-url/{token}/expire.
func (h *handlers) ExpireSignedPortPreviewURL(_ context.Context, req cpserver.ExpireSignedPortPreviewURLRequestObject) (cpserver.ExpireSignedPortPreviewURLResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookup(req.SandboxIDOrName)
	if err != nil {
		return nil, err
	}
	if sp := s.signedPreviews[req.Token]; sp != nil && sp.sandboxID == sb.id && sp.port == req.Port {
		delete(s.signedPreviews, req.Token)
	}
	return cpserver.ExpireSignedPortPreviewURL200Response{}, nil
}

// validSignedPreview returns the live signed preview for token. Callers
// hold s.mu.
func (s *Server) validSignedPreview(token string) *signedPreview {
	sp := s.signedPreviews[token]
	if sp == nil {
		return nil
	}
	if time.Now().After(sp.expiresAt) {
		delete(s.signedPreviews, token)
		return nil
	}
	return sp
}

// HasSandboxAccess implements GET /preview/{sandboxId}/access.
func (h *handlers) HasSandboxAccess(_ context.Context, req cpserver.HasSandboxAccessRequestObject) (cpserver.HasSandboxAccessResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.lookupID(req.SandboxID); err != nil {
		return nil, err
	}
	return cpserver.HasSandboxAccess200JSONResponse(true), nil
}

// IsSandboxPublic implements GET /preview/{sandboxId}/public.
func (h *handlers) IsSandboxPublic(_ context.Context, req cpserver.IsSandboxPublicRequestObject) (cpserver.IsSandboxPublicResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookupID(req.SandboxID)
	if err != nil {
		return nil, err
	}
	return cpserver.IsSandboxPublic200JSONResponse(sb.public), nil
}

// IsValidAuthToken implements GET /preview/{sandboxId}/validate/{authToken}.
func (h *handlers) IsValidAuthToken(_ context.Context, req cpserver.IsValidAuthTokenRequestObject) (cpserver.IsValidAuthTokenResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookupID(req.SandboxID)
	if err != nil {
		return nil, err
	}
	return cpserver.IsValidAuthToken200JSONResponse(req.AuthToken == sb.authToken), nil
}

// GetSandboxIDFromSignedPreviewURLToken implements GET
// /preview/{signedPreviewToken}/{port}/sandbox-id.
func (h *handlers) GetSandboxIDFromSignedPreviewURLToken(_ context.Context, req cpserver.GetSandboxIDFromSignedPreviewURLTokenRequestObject) (cpserver.GetSandboxIDFromSignedPreviewURLTokenResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.validSignedPreview(req.SignedPreviewToken)
	if sp == nil || sp.port != req.Port {
		return nil, errorf(401, "Invalid or expired token")
	}
	return cpserver.GetSandboxIDFromSignedPreviewURLToken200JSONResponse(sp.sandboxID), nil
}

// GetSigningKey implements GET /preview/{sandboxId}/signing-key.
func (h *handlers) GetSigningKey(_ context.Context, req cpserver.GetSigningKeyRequestObject) (cpserver.GetSigningKeyResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookupID(req.SandboxID)
	if err != nil {
		return nil, err
	}
	return cpserver.GetSigningKey200JSONResponse(sb.signingKey), nil
}
