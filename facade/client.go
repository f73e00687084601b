package daytona

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/internal/version"
)

// Config configures a Client. Empty fields are filled from the environment
// (see New).
type Config struct {
	// APIKey authenticates with an API key (DAYTONA_API_KEY).
	APIKey string
	// JWTToken authenticates with a JWT (DAYTONA_JWT_TOKEN); it needs OrganizationID.
	JWTToken string
	// OrganizationID is sent as X-Daytona-Organization-ID with a JWT (DAYTONA_ORGANIZATION_ID).
	OrganizationID string
	// APIURL is the control-plane base URL (DAYTONA_API_URL; default https://app.daytona.io/api).
	APIURL string
	// Target is the region sandboxes are created in (DAYTONA_TARGET).
	Target string
	// HTTPClient replaces the SDK's tuned client. Its transport still gets
	// the SDK's headers, retries and error mapping layered on top.
	HTTPClient *http.Client
	// Logger receives debug lines, with secrets redacted. Nil means silent.
	Logger *slog.Logger
}

// Client is a Daytona client. Create one with New and share it.
type Client struct {
	cfg    Config
	logger *slog.Logger
	// raw is the http.Client handed to users through API(): headers and
	// retries, but responses come back as they are.
	raw *http.Client
	// http is raw plus error mapping: every non-2xx answer comes back as an
	// error (*Error) instead of a response. The facade's own calls use it.
	http *http.Client
	// cp is the generated control-plane client over http.
	cp *controlplane.ClientWithResponses
	// api is the generated control-plane client over raw.
	api *controlplane.ClientWithResponses
}

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.APIURL == "" {
		cfg.APIURL = "https://app.daytona.io/api"
	}
	if cfg.APIKey == "" && cfg.JWTToken == "" {
		return nil, &Error{Kind: ErrValidation, Message: "no credentials: set DAYTONA_API_KEY, or DAYTONA_JWT_TOKEN and DAYTONA_ORGANIZATION_ID"}
	}
	c := &Client{cfg: cfg, logger: cfg.Logger}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	base := http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		base = cfg.HTTPClient.Transport
	}
	c.raw = &http.Client{Transport: &headerTransport{next: base, cfg: &c.cfg}}
	c.http = &http.Client{Transport: &errorTransport{next: c.raw.Transport}}
	var err error
	if c.cp, err = controlplane.NewClientWithResponses(cfg.APIURL, controlplane.WithHTTPClient(c.http)); err != nil {
		return nil, err
	}
	if c.api, err = controlplane.NewClientWithResponses(cfg.APIURL, controlplane.WithHTTPClient(c.raw)); err != nil {
		return nil, err
	}
	return c, nil
}

// API returns the generated control-plane client, wired with the client's
// authentication, headers and retries. Error statuses come back as
// responses, as the generated client documents.
func (c *Client) API() *controlplane.ClientWithResponses { return c.api }

// Close releases idle connections.
func (c *Client) Close() error {
	c.raw.CloseIdleConnections()
	return nil
}

// toolbox returns the generated toolbox client of one sandbox, at
// {proxyURL}/{sandboxID}. If raw is false, error statuses come back as errors.
func (c *Client) toolbox(proxyURL, sandboxID string, raw bool) (*toolbox.ClientWithResponses, error) {
	hc := c.http
	if raw {
		hc = c.raw
	}
	return toolbox.NewClientWithResponses(strings.TrimRight(proxyURL, "/")+"/"+sandboxID, toolbox.WithHTTPClient(hc))
}

// headerTransport sets the SDK's headers on every request.
type headerTransport struct {
	next http.RoundTripper
	cfg  *Config
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	setHeaders(req.Header, t.cfg)
	return t.next.RoundTrip(req)
}

// setHeaders writes the authentication and identification headers; it is
// used for REST requests and WebSocket handshakes alike.
func setHeaders(h http.Header, cfg *Config) {
	if cfg.APIKey != "" {
		h.Set("Authorization", "Bearer "+cfg.APIKey)
	} else {
		h.Set("Authorization", "Bearer "+cfg.JWTToken)
	}
	if cfg.JWTToken != "" && cfg.OrganizationID != "" {
		h.Set("X-Daytona-Organization-ID", cfg.OrganizationID)
	}
	h.Set("X-Daytona-Source", version.Source)
	h.Set("X-Daytona-SDK-Version", version.API)
	h.Set("User-Agent", version.UserAgent)
}

// errorTransport turns every non-2xx response into an *Error.
type errorTransport struct{ next http.RoundTripper }

func (t *errorTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 400 {
		return nil, errorFromResponse(resp)
	}
	return resp, nil
}

// wrapErr normalises an error returned by a generated call or an
// http.Client: it removes the *url.Error wrapper (whose text repeats the
// URL), keeps an *Error as it is, and maps context and transport failures.
func wrapErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w", err)
}
