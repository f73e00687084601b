package daytona

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/toolbox"
)

// This file holds what the toolbox services (FS, Git, Process) share: the
// toolbox base URL, the raw client behind Sandbox.Toolbox, and the input
// checks done before any network call.

// toolboxServer returns the sandbox's toolbox base URL,
// {toolboxProxyUrl}/{sandboxId}/, as the generated client is built with.
func (s *Sandbox) toolboxServer(ctx context.Context) (string, error) {
	u, err := s.toolboxURL(ctx)
	if err != nil {
		return "", err
	}
	base := strings.TrimRight(u, "/") + "/"
	if id := s.ID(); id != "" {
		base += url.PathEscape(id) + "/"
	}
	return base, nil
}

// newToolboxSandbox returns a Sandbox whose toolbox is at base, a
// toolbox base URL ({toolboxProxyUrl}/{sandboxId}, or a daemon's own
// address). It has no ID and no control-plane data: only its toolbox
// services work. Tests use it to run against a bare toolbox.
func newToolboxSandbox(c *Client, base string) *Sandbox {
	return newSandbox(c, &sandboxData{toolboxProxyURL: base, state: StateStarted})
}

// toolboxPlaceholder is the Server of the client Sandbox.Toolbox returns;
// lazyToolbox replaces it with the real base URL on every request.
const toolboxPlaceholder = "http://toolbox.daytona.invalid/"

// rawToolbox returns the generated toolbox client over the client's raw
// HTTP client, resolving the base URL per request.
func (s *Sandbox) rawToolbox() *toolbox.ClientWithResponses {
	tb, err := toolbox.NewClientWithResponses(toolboxPlaceholder, toolbox.WithHTTPClient(lazyToolbox{s: s}))
	if err != nil { // the placeholder is a valid URL
		panic("daytona: building the toolbox client: " + err.Error())
	}
	return tb
}

// lazyToolbox sends a request built against toolboxPlaceholder to the
// sandbox's real toolbox base URL.
type lazyToolbox struct{ s *Sandbox }

func (l lazyToolbox) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	base, err := l.s.toolboxServer(ctx)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	rel := strings.TrimPrefix(req.URL.EscapedPath(), "/")
	u, err := url.Parse(base + rel)
	if err != nil {
		closeBody(req)
		return nil, newSDKError(ErrValidation, err, "invalid toolbox URL")
	}
	u.RawQuery = req.URL.RawQuery
	req.URL, req.Host = u, u.Host
	return l.s.c.raw.Do(req)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// toolboxCall returns the generated toolbox client whose error statuses come
// back as *Error values.
func (s *Sandbox) toolboxCall(ctx context.Context) (*toolbox.ClientWithResponses, error) {
	return s.toolboxClient(ctx, false)
}

// send gets the toolbox client and runs call, a request whose answer
// carries nothing the SDK reads. Its error goes through redactErr, so it is
// wrapped as wrapErr does and secrets (values the request carried) are
// scrubbed from it.
func (s *Sandbox) send(ctx context.Context, call func(*toolbox.ClientWithResponses) error, secrets ...string) error {
	tb, err := s.toolboxCall(ctx)
	if err != nil {
		return err
	}
	return redactErr(ctx, call(tb), secrets...)
}

// noReplay marks a request whose body is a one-shot stream: it must never
// be sent twice, so the retry layer sees no GetBody.
func noReplay(_ context.Context, req *http.Request) error {
	req.GetBody = nil
	return nil
}

// unexpected is the error for a success answer the SDK cannot use.
func unexpected(op string, status string) error {
	return newSDKError(ErrServer, nil, "unexpected answer to %s: %s", op, status)
}

// checkPath rejects an empty path or one holding a NUL byte.
func checkPath(op, what, p string) error {
	switch {
	case p == "":
		return invalidf("%s: %s is empty", op, what)
	case strings.IndexByte(p, 0) >= 0:
		return invalidf("%s: %s contains a NUL byte", op, what)
	}
	return nil
}

// nonZero returns a pointer to v, or nil when v is its type's zero value:
// an optional request field that is sent only when set.
func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// checkPaths runs checkPath on each name, value pair of nameValue, in
// order, and returns the first error. An odd count is a bug and panics.
func checkPaths(op string, nameValue ...string) error {
	for i := 0; i < len(nameValue); i += 2 {
		if err := checkPath(op, nameValue[i], nameValue[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// checkFiles runs checkPath on each of files, naming them "file 0",
// "file 1", ...
func checkFiles(op string, files []string) error {
	for i, f := range files {
		if err := checkPath(op, "file "+strconv.Itoa(i), f); err != nil {
			return err
		}
	}
	return nil
}

// timeoutSeconds converts a server-side time limit to the toolbox's whole
// seconds, rounding up so that a sub-second limit never becomes 0 (which
// means "no limit"). 0 gives nil (no limit sent); a negative d is invalid.
func timeoutSeconds(op string, d time.Duration) (*int, error) {
	switch {
	case d < 0:
		return nil, invalidf("%s: Timeout is negative (%v)", op, d)
	case d == 0:
		return nil, nil
	}
	s := (d + time.Second - 1) / time.Second
	if s > math.MaxInt32 {
		return nil, invalidf("%s: Timeout %v is too long", op, d)
	}
	n := int(s)
	return &n, nil
}

// checkEnv rejects environment variable names the toolbox cannot set.
func checkEnv(op string, env map[string]string) (*map[string]string, error) {
	if len(env) == 0 {
		return nil, nil
	}
	for k, v := range env {
		switch {
		case k == "":
			return nil, invalidf("%s: Env has an empty variable name", op)
		case strings.ContainsAny(k, "=\x00"):
			return nil, invalidf("%s: Env variable name %q contains '=' or a NUL byte", op, k)
		case strings.IndexByte(v, 0) >= 0:
			return nil, invalidf("%s: Env variable %s has a NUL byte in its value", op, k)
		}
	}
	return &env, nil
}
