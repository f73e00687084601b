package daytona

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/internal/retry"
)

// Client is a Daytona client. Create one with New and share it: it is safe
// for concurrent use, and its connection pool serves every call.
type Client struct {
	// Snapshots creates, lists and manages snapshots.
	Snapshots *SnapshotService
	// Volumes creates, lists and manages shared volumes.
	Volumes *VolumeService
	// ObjectStorage uploads image build contexts.
	ObjectStorage *ObjectStorageService
	// Secrets manages the organization's secrets.
	Secrets *SecretService
	// WarmPools manages pools of pre-started sandboxes.
	WarmPools *WarmPoolService

	// cfg is the resolved configuration (credentials, APIURL, Target).
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
	// retrier is the retry layer under raw and http (tests set its clock).
	retrier *retry.Transport
	// own is the SDK's tuned transport; nil when Config.HTTPClient is used.
	own *http.Transport
	// base is the transport under every layer (own, or Config.HTTPClient's):
	// the object storage client uses it, without the Daytona credentials.
	base http.RoundTripper

	// evMu guards hub, the push channel (events.go): nil until a wait
	// needs it, and again once it has closed with no wait left.
	evMu sync.Mutex
	hub  *eventHub
	// keys caches the sandboxes' signing keys (signedurl.go).
	keys keyCache
}

// New returns a client for cfg, after filling its empty fields from the
// environment and the .env files (see Config). A missing or incomplete
// credential, an invalid APIURL or a negative Retry field gives an *Error
// matching ErrValidation that says what to set; New makes no network call.
func New(cfg Config) (*Client, error) {
	return newClient(cfg, processEnvironment())
}

func newClient(cfg Config, env environment) (*Client, error) {
	res, err := resolveConfig(cfg, env)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: res.Config, logger: res.Logger}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if res.deprecatedServerURL {
		c.logger.Warn("daytona: DAYTONA_SERVER_URL is deprecated; set DAYTONA_API_URL instead")
	}

	secrets := []string{c.cfg.APIKey, c.cfg.JWTToken}
	var base http.RoundTripper
	var jar http.CookieJar
	var checkRedirect func(*http.Request, []*http.Request) error
	if hc := c.cfg.HTTPClient; hc != nil {
		base, jar, checkRedirect = hc.Transport, hc.Jar, hc.CheckRedirect
		if base == nil {
			base = http.DefaultTransport
		}
	} else {
		c.own = newTransport()
		base = c.own
	}
	c.base = base
	c.retrier = &retry.Transport{
		Next:      base,
		Policy:    c.cfg.Retry.internal(),
		OnAttempt: attemptLogger{logger: c.logger, secrets: secrets}.log,
	}
	rawRT := &headerTransport{next: c.retrier, cfg: &c.cfg}
	c.raw = &http.Client{Transport: rawRT, Jar: jar, CheckRedirect: checkRedirect}
	c.http = &http.Client{Transport: &errorTransport{next: rawRT, secrets: secrets}, Jar: jar, CheckRedirect: checkRedirect}

	if c.cp, err = controlplane.NewClientWithResponses(c.cfg.APIURL, controlplane.WithHTTPClient(c.http)); err != nil {
		return nil, configError(err, "invalid API URL")
	}
	if c.api, err = controlplane.NewClientWithResponses(c.cfg.APIURL, controlplane.WithHTTPClient(c.raw)); err != nil {
		return nil, configError(err, "invalid API URL")
	}
	c.Snapshots = &SnapshotService{c: c}
	c.Volumes = &VolumeService{c: c}
	c.ObjectStorage = &ObjectStorageService{c: c}
	c.Secrets = &SecretService{c: c}
	c.WarmPools = &WarmPoolService{c: c}
	return c, nil
}

// API returns the generated control-plane client, wired with the client's
// authentication, headers and retries. Error statuses come back as
// responses, as the generated client documents.
func (c *Client) API() *controlplane.ClientWithResponses { return c.api }

// Close closes the push channel (see Config.DisableEvents), if open, and
// releases the idle connections of the SDK's own transport (a
// Config.HTTPClient is left alone). Calls made after Close still work; they
// open new connections. Close always returns nil.
func (c *Client) Close() error {
	c.closeEvents() // events.go
	if c.own != nil {
		c.own.CloseIdleConnections()
	}
	return nil
}

// toolbox returns the generated toolbox client of one sandbox, at
// {proxyURL}/{sandboxID}. If raw is false, error statuses come back as errors.
func (c *Client) toolbox(proxyURL, sandboxID string, raw bool) (*toolbox.ClientWithResponses, error) {
	hc := c.http
	if raw {
		hc = c.raw
	}
	return toolbox.NewClientWithResponses(strings.TrimRight(proxyURL, "/")+"/"+url.PathEscape(sandboxID), toolbox.WithHTTPClient(hc))
}
