package daytona

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest"
)

// No API key, JWT or git password appears in any error string, log line
// (at debug level, of the SDK and of the emulator) or panic message: a
// series of representative operations runs with everything captured, and
// the capture is searched for each secret and its usual encodings.

const (
	secretKey     = "dtn_hardening_sekrit_api_key_5e1f"
	secretWrong   = "dtn_hardening_wrong_key_77aa0c"
	secretJWT     = "eyJhbGciOiJIUzI1NiJ9.hardening-sekrit-jwt.c2ln"
	secretGitPass = "ghp_hardeningSekritGitPassword9"
	secretURLPass = "urlSekritPassword42"
	gitUser       = "hardening-user"
)

// capture collects log output and error texts.
type capture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

// errText records every rendering of err a program might print or log.
func (c *capture) err(what string, err error) {
	if err == nil {
		return
	}
	fmt.Fprintf(c, "%s: %v | %+v | %#v | %q\n", what, err, err, err, err)
	var de *Error
	if asError(err, &de) {
		fmt.Fprintf(c, "%s fields: %q %q %v\n", what, de.Message, de.Code, de.Headers)
	}
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}

// forms are the ways a secret can show up: as is, URL-escaped, in a Basic
// authorization header, in a Bearer header.
func forms(secret string) []string {
	return []string{
		secret,
		url.QueryEscape(secret),
		base64.StdEncoding.EncodeToString([]byte(gitUser + ":" + secret)),
		base64.StdEncoding.EncodeToString([]byte(secret)),
	}
}

// gitAuthServer is an HTTP git remote that refuses every request with 401
// and records whether credentials were offered.
func gitAuthServer(t *testing.T) (*httptest.Server, *int) {
	var mu sync.Mutex
	offered := new(int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := r.BasicAuth(); ok {
			mu.Lock()
			*offered++
			mu.Unlock()
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	return srv, offered
}

func TestNoSecretInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	out := &capture{}
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := daytonatest.NewServer(t, daytonatest.WithAPIKey(secretKey), daytonatest.WithLogger(logger))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	newClient := func(cfg Config) *Client {
		cfg.APIURL = srv.URL
		cfg.Logger = logger
		c := newTestClient(t, cfg)
		c.retrier.Sleep = (&sleepRecorder{}).sleep
		return c
	}
	errs := map[string]error{}
	run := func(what string, f func() error) {
		var err error
		defer func() { errs[what] = err }()
		if p := catchPanic(func() { err = f() }); p != nil {
			fmt.Fprintf(out, "%s: panic: %v\n", what, p)
			t.Errorf("%s panicked: %v", what, p)
		}
		out.err(what, err)
	}

	// Authentication failures.
	wrong := newClient(Config{APIKey: secretWrong})
	run("wrong API key", func() error { _, err := wrong.Get(ctx, "x"); return err })
	jwt := newClient(Config{JWTToken: secretJWT, OrganizationID: "org-1"})
	run("JWT refused", func() error { _, err := jwt.Get(ctx, "x"); return err })
	for who, cl := range map[string]*Client{secretWrong: wrong, secretJWT: jwt} {
		srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Status: 401,
			Body: `{"statusCode":401,"message":"token ` + who + ` is not valid","error":"Bearer ` + who + `"}`})
		run("401 echoing the credential", func() error { _, err := cl.Get(ctx, "x"); return err })
	}
	run("JWT list", func() error {
		for _, err := range jwt.List(ctx, ListOptions{}) {
			return err
		}
		return nil
	})

	// A good client: 4xx, 5xx, retries, answers that echo the credentials.
	c := newClient(Config{APIKey: secretKey})
	slog.New(slog.NewTextHandler(out, nil)).Info("config", "cfg", c.cfg)
	fmt.Fprintf(out, "config: %v %+v %#v\n", c.cfg, c.cfg, c.cfg)
	sb, err := c.Create(ctx, FromSnapshot{}, CreateOptions{})
	require.NoError(t, err)
	run("not found", func() error { _, err := c.Get(ctx, "missing"); return err })
	// Each client can scrub only the credentials it holds: the answers
	// echo those.
	echo := fmt.Sprintf(`{"statusCode":%%d,"message":"bad token Bearer %s"}`, secretKey)
	for _, status := range []int{400, 401, 403, 500, 503, 429} {
		srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Status: status, RetryAfter: "1",
			Body: fmt.Sprintf(echo, status), Count: daytonatest.Always})
		run(fmt.Sprintf("%d echoing the key", status), func() error { return sb.Refresh(ctx) })
		srv.ClearFaults()
	}
	srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Status: 502, Body: "<html><title>proxy: Authorization: Bearer " + secretKey + "</title></html>", ContentType: "text/html"})
	run("HTML echoing the key", func() error { return sb.Refresh(ctx) })
	srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Reset: true, Count: daytonatest.Always})
	run("connection reset", func() error { return sb.Refresh(ctx) })
	srv.ClearFaults()
	srv.InjectFault(daytonatest.Fault{Method: "POST", Path: "/toolbox/*/process/execute", Status: 500, Body: `{"message":"` + secretKey + `"}`})
	run("toolbox error echoing the key", func() error { _, err := sb.Process.Exec(ctx, "true", ExecOptions{}); return err })
	run("exec", func() error { _, err := sb.Process.Exec(ctx, "exit 3", ExecOptions{}); return err })
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	srv.InjectFault(daytonatest.Fault{Method: "GET", Path: sandboxPath, Delay: time.Hour})
	run("timeout", func() error { return sb.WaitUntil(short, StateStopped) })
	cancelShort()
	srv.ClearFaults()

	// Git authentication failures: the password goes through the toolbox's
	// askpass helper; a password in the URL is the caller's, but must not
	// come back either.
	remote, offered := gitAuthServer(t)
	repoURL := remote.URL + "/repo.git"
	creds := CloneOptions{Username: gitUser, Password: secretGitPass}
	run("git clone with a bad password", func() error { return sb.Git.Clone(ctx, repoURL, "clone1", creds) })
	u, err := url.Parse(repoURL)
	require.NoError(t, err)
	u.User = url.UserPassword(gitUser, secretURLPass)
	run("git clone with a password in the URL", func() error { return sb.Git.Clone(ctx, u.String(), "clone2", CloneOptions{}) })
	require.NoError(t, sb.Git.Init(ctx, "repo", GitInitOptions{InitialBranch: "main"}))
	_, err = sb.Git.Commit(ctx, "repo", "first", CommitOptions{Author: "a", Email: "a@example.com", AllowEmpty: true})
	require.NoError(t, err)
	require.NoError(t, sb.Git.AddRemote(ctx, "repo", "origin", repoURL, AddRemoteOptions{}))
	run("git pull with a bad password", func() error {
		return sb.Git.Pull(ctx, "repo", PullOptions{Branch: "main", Username: gitUser, Password: secretGitPass})
	})
	run("git push with a bad password", func() error {
		return sb.Git.Push(ctx, "repo", PushOptions{Branch: "main", Username: gitUser, Password: secretGitPass})
	})
	host := strings.TrimPrefix(remote.URL, "http://")
	run("git store credentials", func() error {
		return sb.Git.StoreCredentials(ctx, gitUser, secretGitPass, GitCredentialsOptions{Host: host, Protocol: "http"})
	})
	run("git clone with stored credentials", func() error { return sb.Git.Clone(ctx, repoURL, "clone3", CloneOptions{}) })
	assert.Positive(t, *offered, "the remote was offered credentials")
	for what, err := range errs {
		if strings.HasPrefix(what, "git ") && what != "git store credentials" {
			assert.ErrorIs(t, err, ErrUnauthorized, "%s failed authenticating", what)
		}
	}

	text := out.String()
	require.Contains(t, text, "level=DEBUG", "debug lines were captured")
	require.Contains(t, text, "daytona: http", "the SDK's attempt lines were captured")
	require.Contains(t, text, "401", "authentication failures were captured")
	for _, secret := range []string{secretKey, secretWrong, secretJWT, secretGitPass, secretURLPass} {
		for _, f := range forms(secret) {
			if i := strings.Index(text, f); i >= 0 {
				start, end := max(0, i-200), min(len(text), i+len(f)+50)
				t.Errorf("secret %q found (as %q) in:\n...%s...", secret, f, text[start:end])
			}
		}
	}
	assert.Contains(t, text, "[REDACTED]", "echoed credentials were scrubbed, so they did reach the SDK")
	if t.Failed() || testing.Verbose() {
		t.Logf("captured %d bytes:\n%s", len(text), text)
	}
}
