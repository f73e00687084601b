package daytona

import (
	"context"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/api/toolbox"
)

// PreviewLink is the URL of a sandbox port and the token that opens it.
type PreviewLink struct {
	// URL is the port's preview URL.
	URL string
	// Token authorises access to a non-public sandbox: send it as the
	// X-Daytona-Preview-Token header, or as the DAYTONA_SANDBOX_AUTH_KEY
	// query parameter. It is a secret.
	Token string
}

// SignedPreviewURL is a preview URL that carries its own token and expires.
type SignedPreviewURL struct {
	// URL opens the port without any other credential. It is a secret.
	URL string
	// Token is the token inside URL; pass it to ExpireSignedPreviewURL.
	Token string
	// Port is the sandbox port.
	Port int
}

// SignedPreviewURLOptions configures [Sandbox.SignedPreviewURL].
type SignedPreviewURLOptions struct {
	// ExpiresIn is the URL's lifetime, rounded up to whole seconds; zero
	// means the server's default.
	ExpiresIn time.Duration
}

// SSHAccessOptions configures [Sandbox.CreateSSHAccess].
type SSHAccessOptions struct {
	// ExpiresIn is the access's lifetime, rounded up to whole minutes; zero
	// means the server's default.
	ExpiresIn time.Duration
}

// SSHAccess is a token that lets SSH into a sandbox.
type SSHAccess struct {
	// ID identifies the access.
	ID string
	// SandboxID is the sandbox it opens.
	SandboxID string
	// Token is the SSH credential. It is a secret.
	Token string
	// Command is a ready-to-run ssh command line (it contains Token).
	Command string
	// ExpiresAt is when the token stops working.
	ExpiresAt time.Time
	// CreatedAt is when it was created.
	CreatedAt time.Time
}

// SSHAccessValidation is the result of [Client.ValidateSSHAccess].
type SSHAccessValidation struct {
	// Valid reports whether the token is valid.
	Valid bool
	// SandboxID is the sandbox the token opens.
	SandboxID string
}

// SystemMetrics is a snapshot of a sandbox's resource use, as reported by
// its toolbox. Byte counts are in bytes.
type SystemMetrics struct {
	// CPUCount is the number of CPUs the sandbox sees.
	CPUCount int
	// CPUUsedPercent is the CPU use, 0-100.
	CPUUsedPercent float64
	// MemTotal, MemUsed and MemCache are the memory figures.
	MemTotal, MemUsed, MemCache int64
	// DiskTotal, DiskUsed and DiskFree are the disk figures.
	DiskTotal, DiskUsed, DiskFree int64
	// Timestamp is when the metrics were taken.
	Timestamp time.Time
}

func validPort(port int) error {
	if port < 1 || port > 65535 {
		return invalidf("port %d is outside 1-65535", port)
	}
	return nil
}

// PreviewLink returns the preview URL of a port of the sandbox and the
// token that opens it.
func (s *Sandbox) PreviewLink(ctx context.Context, port int) (PreviewLink, error) {
	if err := validPort(port); err != nil {
		return PreviewLink{}, err
	}
	resp, err := s.c.cp.GetPortPreviewURLWithResponse(ctx, s.ID(), port, nil)
	if err != nil {
		return PreviewLink{}, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return PreviewLink{}, newSDKError(ErrServer, nil, "unexpected answer to preview-url: %s", resp.Status())
	}
	return PreviewLink{URL: resp.JSON200.URL, Token: resp.JSON200.Token}, nil
}

// SignedPreviewURL returns a self-authenticating preview URL of a port,
// valid for opts.ExpiresIn.
func (s *Sandbox) SignedPreviewURL(ctx context.Context, port int, opts SignedPreviewURLOptions) (SignedPreviewURL, error) {
	if err := validPort(port); err != nil {
		return SignedPreviewURL{}, err
	}
	if opts.ExpiresIn < 0 {
		return SignedPreviewURL{}, invalidf("ExpiresIn %v is negative", opts.ExpiresIn)
	}
	var params *controlplane.GetSignedPortPreviewURLParams
	if opts.ExpiresIn > 0 {
		secs := int((opts.ExpiresIn + time.Second - 1) / time.Second)
		params = &controlplane.GetSignedPortPreviewURLParams{ExpiresInSeconds: &secs}
	}
	resp, err := s.c.cp.GetSignedPortPreviewURLWithResponse(ctx, s.ID(), port, params)
	if err != nil {
		return SignedPreviewURL{}, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return SignedPreviewURL{}, newSDKError(ErrServer, nil, "unexpected answer to signed-preview-url: %s", resp.Status())
	}
	r := resp.JSON200
	return SignedPreviewURL{URL: r.URL, Token: r.Token, Port: r.Port}, nil
}

// ExpireSignedPreviewURL revokes a signed preview URL before its time.
func (s *Sandbox) ExpireSignedPreviewURL(ctx context.Context, port int, token string) error {
	if err := validPort(port); err != nil {
		return err
	}
	if token == "" {
		return invalidf("ExpireSignedPreviewURL needs the URL's token")
	}
	_, err := s.c.cp.ExpireSignedPortPreviewURLWithResponse(ctx, s.ID(), port, token, nil)
	return wrapErr(ctx, err)
}

// CreateSSHAccess creates a token that lets SSH into the sandbox.
func (s *Sandbox) CreateSSHAccess(ctx context.Context, opts SSHAccessOptions) (SSHAccess, error) {
	if opts.ExpiresIn < 0 {
		return SSHAccess{}, invalidf("ExpiresIn %v is negative", opts.ExpiresIn)
	}
	var params *controlplane.CreateSSHAccessParams
	if opts.ExpiresIn > 0 {
		mins := float64((opts.ExpiresIn + time.Minute - 1) / time.Minute)
		params = &controlplane.CreateSSHAccessParams{ExpiresInMinutes: &mins}
	}
	resp, err := s.c.cp.CreateSSHAccessWithResponse(ctx, s.ID(), params)
	if err != nil {
		return SSHAccess{}, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return SSHAccess{}, newSDKError(ErrServer, nil, "unexpected answer to ssh-access: %s", resp.Status())
	}
	r := resp.JSON200
	return SSHAccess{
		ID: r.ID, SandboxID: r.SandboxID, Token: r.Token, Command: r.SSHCommand,
		ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt,
	}, nil
}

// RevokeSSHAccess revokes one SSH access token of the sandbox.
func (s *Sandbox) RevokeSSHAccess(ctx context.Context, token string) error {
	if token == "" {
		return invalidf("RevokeSSHAccess needs a token")
	}
	resp, err := s.c.cp.RevokeSSHAccessWithResponse(ctx, s.ID(), &controlplane.RevokeSSHAccessParams{Token: &token})
	if err != nil {
		return wrapErr(ctx, err)
	}
	s.applyDTO(resp.JSON200)
	return nil
}

// ValidateSSHAccess reports whether an SSH access token is valid, and for
// which sandbox.
func (c *Client) ValidateSSHAccess(ctx context.Context, token string) (SSHAccessValidation, error) {
	if token == "" {
		return SSHAccessValidation{}, invalidf("ValidateSSHAccess needs a token")
	}
	resp, err := c.cp.ValidateSSHAccessWithResponse(ctx, &controlplane.ValidateSSHAccessParams{Token: token})
	if err != nil {
		return SSHAccessValidation{}, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return SSHAccessValidation{}, newSDKError(ErrServer, nil, "unexpected answer to ssh-access/validate: %s", resp.Status())
	}
	return SSHAccessValidation{Valid: resp.JSON200.Valid, SandboxID: resp.JSON200.SandboxID}, nil
}

// toolboxURL returns the sandbox's toolbox proxy URL, asking the control
// plane for it (and remembering it) when the sandbox's data has none.
func (s *Sandbox) toolboxURL(ctx context.Context) (string, error) {
	if u := s.ToolboxProxyURL(); u != "" {
		return u, nil
	}
	resp, err := s.c.cp.GetToolboxProxyURLWithResponse(ctx, s.ID(), nil)
	if err != nil {
		return "", wrapErr(ctx, err)
	}
	if resp.JSON200 == nil || strings.TrimSpace(resp.JSON200.URL) == "" {
		return "", newSDKError(ErrServer, nil, "the control plane sent no toolbox proxy URL")
	}
	u := resp.JSON200.URL
	s.update(func(d *sandboxData) { d.toolboxProxyURL = u })
	return u, nil
}

// toolboxClient returns the generated toolbox client of the sandbox; with
// raw false, error statuses come back as errors.
func (s *Sandbox) toolboxClient(ctx context.Context, raw bool) (*toolbox.ClientWithResponses, error) {
	u, err := s.toolboxURL(ctx)
	if err != nil {
		return nil, err
	}
	return s.c.toolbox(u, s.ID(), raw)
}

// UserHomeDir returns the home directory of the sandbox's OS user.
func (s *Sandbox) UserHomeDir(ctx context.Context) (string, error) {
	tb, err := s.toolboxClient(ctx, false)
	if err != nil {
		return "", err
	}
	resp, err := tb.GetUserHomeDirWithResponse(ctx)
	if err != nil {
		return "", wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return "", newSDKError(ErrServer, nil, "unexpected answer to /user-home-dir: %s", resp.Status())
	}
	return resp.JSON200.Dir, nil
}

// WorkDir returns the toolbox's working directory, which relative paths in
// the sandbox resolve against.
func (s *Sandbox) WorkDir(ctx context.Context) (string, error) {
	tb, err := s.toolboxClient(ctx, false)
	if err != nil {
		return "", err
	}
	resp, err := tb.GetWorkDirWithResponse(ctx)
	if err != nil {
		return "", wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return "", newSDKError(ErrServer, nil, "unexpected answer to /work-dir: %s", resp.Status())
	}
	return resp.JSON200.Dir, nil
}

// Metrics returns the sandbox's current CPU, memory and disk use.
func (s *Sandbox) Metrics(ctx context.Context) (SystemMetrics, error) {
	tb, err := s.toolboxClient(ctx, false)
	if err != nil {
		return SystemMetrics{}, err
	}
	resp, err := tb.GetSystemMetricsWithResponse(ctx)
	if err != nil {
		return SystemMetrics{}, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return SystemMetrics{}, newSDKError(ErrServer, nil, "unexpected answer to /system/metrics: %s", resp.Status())
	}
	m := resp.JSON200
	out := SystemMetrics{
		CPUCount: fromPtr(m.CPUCount), CPUUsedPercent: fromPtr(m.CPUUsedPct),
		MemTotal: fromPtr(m.MemTotal), MemUsed: fromPtr(m.MemUsed), MemCache: fromPtr(m.MemCache),
		DiskTotal: fromPtr(m.DiskTotal), DiskUsed: fromPtr(m.DiskUsed), DiskFree: fromPtr(m.DiskFree),
	}
	switch {
	case m.TimestampUnix != nil:
		out.Timestamp = time.Unix(*m.TimestampUnix, 0)
	case m.Timestamp != nil:
		out.Timestamp = parseAPITime(m.Timestamp)
	}
	return out, nil
}
