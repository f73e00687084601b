package daytona

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wireCP records every request and answers with a sandbox in state (or an
// endpoint-specific body).
type wireCP struct {
	state string
	mu    sync.Mutex
	reqs  []wireReq
}

type wireReq struct{ method, path, query, body string }

func (f *wireCP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, wireReq{r.Method, r.URL.Path, r.URL.RawQuery, string(b)})
	f.mu.Unlock()
	switch r.URL.Path {
	case "/sandbox/sb1/labels":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b) // echo {"labels":...}
	case "/sandbox/sb1/last-activity", "/sandbox/sb1/ports/3000/signed-preview-url/tok/expire":
		w.WriteHeader(http.StatusCreated)
	case "/sandbox/sb1/ports/3000/signed-preview-url":
		writeJSON(w, 200, map[string]any{"sandboxId": "sb1", "port": 3000, "token": "tok", "url": "https://3000-tok.example"})
	case "/sandbox/sb1/ports/3000/preview-url":
		writeJSON(w, 200, map[string]any{"sandboxId": "sb1", "token": "ptok", "url": "https://3000-sb1.example"})
	case "/sandbox/sb1/ssh-access":
		if r.Method == http.MethodPost {
			writeJSON(w, 200, map[string]any{"id": "a1", "sandboxId": "sb1", "token": "sshtok", "sshCommand": "ssh sshtok@host",
				"expiresAt": "2030-01-01T00:00:00Z", "createdAt": "2029-12-31T23:00:00Z", "updatedAt": "2029-12-31T23:00:00Z"})
			return
		}
		writeJSON(w, 200, map[string]any{"id": "sb1", "state": f.state})
	case "/sandbox/ssh-access/validate":
		writeJSON(w, 200, map[string]any{"valid": true, "sandboxId": "sb1"})
	default:
		writeJSON(w, 200, map[string]any{"id": "sb1", "state": f.state, "autoStopInterval": 45, "public": true})
	}
}

func (f *wireCP) first() wireReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reqs[0]
}

func TestSandboxOpsWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		state string // what every sandbox answer says
		call  func(ctx context.Context, sb *Sandbox, c *Client) error
		want  wireReq // the first request the call makes
	}{
		{name: "start", state: "started", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.Start(ctx) },
			want: wireReq{"POST", "/sandbox/sb1/start", "", ""}},
		{name: "stop", state: "stopped", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.Stop(ctx, StopOptions{}) },
			want: wireReq{"POST", "/sandbox/sb1/stop", "", ""}},
		{name: "force stop", state: "stopped", call: func(ctx context.Context, sb *Sandbox, c *Client) error {
			return c.Stop(ctx, sb, StopOptions{Force: true})
		},
			want: wireReq{"POST", "/sandbox/sb1/stop", "force=true", ""}},
		{name: "delete", state: "destroyed", call: func(ctx context.Context, sb *Sandbox, c *Client) error { return c.Delete(ctx, sb) },
			want: wireReq{"DELETE", "/sandbox/sb1", "", ""}},
		{name: "archive", state: "archived", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.Archive(ctx) },
			want: wireReq{"POST", "/sandbox/sb1/archive", "", ""}},
		{name: "recover", state: "started", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.Recover(ctx) },
			want: wireReq{"POST", "/sandbox/sb1/recover", "", ""}},
		{name: "resize", state: "started", call: func(ctx context.Context, sb *Sandbox, _ *Client) error {
			return sb.Resize(ctx, Resources{CPU: 2, Disk: 20})
		},
			want: wireReq{"POST", "/sandbox/sb1/resize", "", `{"cpu":2,"disk":20}`}},
		{name: "pause", state: "paused", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.Pause(ctx) },
			want: wireReq{"POST", "/sandbox/sb1/pause", "", ""}},
		{name: "snapshot", state: "started", call: func(ctx context.Context, sb *Sandbox, _ *Client) error {
			return sb.CreateSnapshot(ctx, "snap-1", SandboxSnapshotOptions{IncludeMemory: true})
		}, want: wireReq{"POST", "/sandbox/sb1/snapshot", "", `{"includeMemory":true,"name":"snap-1"}`}},
		{name: "fork", state: "started", call: func(ctx context.Context, sb *Sandbox, _ *Client) error {
			_, err := sb.Fork(ctx, ForkOptions{Name: "f1"})
			return err
		}, want: wireReq{"POST", "/sandbox/sb1/fork", "", `{"name":"f1"}`}},
		{name: "refresh activity", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.RefreshActivity(ctx) },
			want: wireReq{"POST", "/sandbox/sb1/last-activity", "", `{}`}},
		{name: "autostop", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.SetAutostopInterval(ctx, 45) },
			want: wireReq{"POST", "/sandbox/sb1/autostop/45", "", ""}},
		{name: "autoarchive", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.SetAutoArchiveInterval(ctx, 0) },
			want: wireReq{"POST", "/sandbox/sb1/autoarchive/0", "", ""}},
		{name: "autodelete off", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.SetAutoDeleteInterval(ctx, -7) },
			want: wireReq{"POST", "/sandbox/sb1/autodelete/-1", "", ""}},
		{name: "autopause", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.SetAutoPauseInterval(ctx, 10) },
			want: wireReq{"POST", "/sandbox/sb1/autopause/10", "", ""}},
		{name: "ttl", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.SetTTL(ctx, 90) },
			want: wireReq{"POST", "/sandbox/sb1/ttl/90", "", ""}},
		{name: "labels", call: func(ctx context.Context, sb *Sandbox, _ *Client) error {
			return sb.SetLabels(ctx, map[string]string{"b": "2", "a": "1"})
		},
			want: wireReq{"PUT", "/sandbox/sb1/labels", "", `{"labels":{"a":"1","b":"2"}}`}},
		{name: "clear labels", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.SetLabels(ctx, nil) },
			want: wireReq{"PUT", "/sandbox/sb1/labels", "", `{"labels":{}}`}},
		{name: "public", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.SetPublic(ctx, true) },
			want: wireReq{"POST", "/sandbox/sb1/public/true", "", ""}},
		{name: "network", call: func(ctx context.Context, sb *Sandbox, _ *Client) error {
			return sb.UpdateNetworkSettings(ctx, NetworkSettings{NetworkAllowList: []string{"10.0.0.0/8", "1.2.3.4/32"}, DomainAllowList: []string{}})
		}, want: wireReq{"POST", "/sandbox/sb1/network-settings", "", `{"domainAllowList":"","networkAllowList":"10.0.0.0/8,1.2.3.4/32","networkBlockAll":false}`}},
		{name: "secrets", call: func(ctx context.Context, sb *Sandbox, _ *Client) error {
			return sb.SetSecrets(ctx, map[string]string{"Z_KEY": "z", "A_KEY": "a-secret"})
		}, want: wireReq{"PUT", "/sandbox/sb1/secrets", "", `{"secrets":[{"A_KEY":"a-secret"},{"Z_KEY":"z"}]}`}},
		{name: "detach secrets", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.SetSecrets(ctx, nil) },
			want: wireReq{"PUT", "/sandbox/sb1/secrets", "", `{"secrets":[]}`}},
		{name: "preview link", call: func(ctx context.Context, sb *Sandbox, _ *Client) error {
			l, err := sb.PreviewLink(ctx, 3000)
			assert.Equal(t, PreviewLink{URL: "https://3000-sb1.example", Token: "ptok"}, l)
			return err
		}, want: wireReq{"GET", "/sandbox/sb1/ports/3000/preview-url", "", ""}},
		{name: "signed preview", call: func(ctx context.Context, sb *Sandbox, _ *Client) error {
			u, err := sb.SignedPreviewURL(ctx, 3000, SignedPreviewURLOptions{ExpiresIn: 1500 * time.Millisecond})
			assert.Equal(t, SignedPreviewURL{URL: "https://3000-tok.example", Token: "tok", Port: 3000}, u)
			return err
		}, want: wireReq{"GET", "/sandbox/sb1/ports/3000/signed-preview-url", "expiresInSeconds=2", ""}},
		{name: "signed preview default expiry", call: func(ctx context.Context, sb *Sandbox, _ *Client) error {
			_, err := sb.SignedPreviewURL(ctx, 3000, SignedPreviewURLOptions{})
			return err
		}, want: wireReq{"GET", "/sandbox/sb1/ports/3000/signed-preview-url", "", ""}},
		{name: "expire signed preview", call: func(ctx context.Context, sb *Sandbox, _ *Client) error {
			return sb.ExpireSignedPreviewURL(ctx, 3000, "tok")
		},
			want: wireReq{"POST", "/sandbox/sb1/ports/3000/signed-preview-url/tok/expire", "", ""}},
		{name: "ssh access", call: func(ctx context.Context, sb *Sandbox, _ *Client) error {
			a, err := sb.CreateSSHAccess(ctx, SSHAccessOptions{ExpiresIn: 90 * time.Second})
			assert.Equal(t, "sshtok", a.Token)
			assert.Equal(t, "ssh sshtok@host", a.Command)
			assert.Equal(t, 2030, a.ExpiresAt.Year())
			return err
		}, want: wireReq{"POST", "/sandbox/sb1/ssh-access", "expiresInMinutes=2", ""}},
		{name: "revoke ssh", call: func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.RevokeSSHAccess(ctx, "sshtok") },
			want: wireReq{"DELETE", "/sandbox/sb1/ssh-access", "token=sshtok", ""}},
		{name: "validate ssh", call: func(ctx context.Context, _ *Sandbox, c *Client) error {
			v, err := c.ValidateSSHAccess(ctx, "sshtok")
			assert.Equal(t, SSHAccessValidation{Valid: true, SandboxID: "sb1"}, v)
			return err
		}, want: wireReq{"GET", "/sandbox/ssh-access/validate", "token=sshtok", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &wireCP{state: tt.state}
			if cp.state == "" {
				cp.state = "started"
			}
			c := testClient(t, cp)
			sb := newSandbox(c, &sandboxData{id: "sb1", state: StateStarted})
			require.NoError(t, tt.call(t.Context(), sb, c))
			got := cp.first()
			if tt.want.body != "" {
				assert.JSONEq(t, tt.want.body, got.body)
				got.body, tt.want.body = "", ""
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSandboxOpsApplyAnswer(t *testing.T) {
	t.Parallel()
	cp := &wireCP{state: "started"}
	sb := newSandbox(testClient(t, cp), &sandboxData{id: "sb1", state: StateStarted})
	require.NoError(t, sb.SetAutostopInterval(t.Context(), 45))
	assert.Equal(t, 45, sb.AutoStopInterval(), "the answer's sandbox is applied")
	assert.True(t, sb.Public())
	require.NoError(t, sb.SetLabels(t.Context(), map[string]string{"k": "v"}))
	assert.Equal(t, map[string]string{"k": "v"}, sb.Labels())
}

func TestSandboxOpsValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(ctx context.Context, sb *Sandbox, c *Client) error
	}{
		{"negative autostop", func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.SetAutostopInterval(ctx, -1) }},
		{"negative autoarchive", func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.SetAutoArchiveInterval(ctx, -1) }},
		{"negative autopause", func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.SetAutoPauseInterval(ctx, -1) }},
		{"negative ttl", func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.SetTTL(ctx, -1) }},
		{"resize nothing", func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.Resize(ctx, Resources{}) }},
		{"resize negative", func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.Resize(ctx, Resources{Disk: -1}) }},
		{"resize gpu", func(ctx context.Context, sb *Sandbox, _ *Client) error {
			return sb.Resize(ctx, Resources{CPU: 1, GPU: 1})
		}},
		{"empty label key", func(ctx context.Context, sb *Sandbox, _ *Client) error {
			return sb.SetLabels(ctx, map[string]string{"": "x"})
		}},
		{"bad allow list", func(ctx context.Context, sb *Sandbox, _ *Client) error {
			return sb.UpdateNetworkSettings(ctx, NetworkSettings{NetworkAllowList: []string{"a,b"}})
		}},
		{"bad secret", func(ctx context.Context, sb *Sandbox, _ *Client) error {
			return sb.SetSecrets(ctx, map[string]string{"X": ""})
		}},
		{"empty snapshot name", func(ctx context.Context, sb *Sandbox, _ *Client) error {
			return sb.CreateSnapshot(ctx, "", SandboxSnapshotOptions{})
		}},
		{"bad fork name", func(ctx context.Context, sb *Sandbox, _ *Client) error {
			_, err := sb.Fork(ctx, ForkOptions{Name: "a/b"})
			return err
		}},
		{"port 0", func(ctx context.Context, sb *Sandbox, _ *Client) error { _, err := sb.PreviewLink(ctx, 0); return err }},
		{"port too big", func(ctx context.Context, sb *Sandbox, _ *Client) error {
			_, err := sb.SignedPreviewURL(ctx, 70000, SignedPreviewURLOptions{})
			return err
		}},
		{"negative expiry", func(ctx context.Context, sb *Sandbox, _ *Client) error {
			_, err := sb.SignedPreviewURL(ctx, 80, SignedPreviewURLOptions{ExpiresIn: -time.Second})
			return err
		}},
		{"expire without token", func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.ExpireSignedPreviewURL(ctx, 80, "") }},
		{"ssh negative expiry", func(ctx context.Context, sb *Sandbox, _ *Client) error {
			_, err := sb.CreateSSHAccess(ctx, SSHAccessOptions{ExpiresIn: -time.Minute})
			return err
		}},
		{"revoke without token", func(ctx context.Context, sb *Sandbox, _ *Client) error { return sb.RevokeSSHAccess(ctx, "") }},
		{"validate without token", func(ctx context.Context, _ *Sandbox, c *Client) error {
			_, err := c.ValidateSSHAccess(ctx, "")
			return err
		}},
		{"get without id", func(ctx context.Context, _ *Sandbox, c *Client) error { _, err := c.Get(ctx, " "); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &wireCP{state: "started"}
			c := testClient(t, cp)
			sb := newSandbox(c, &sandboxData{id: "sb1", state: StateStarted})
			require.ErrorIs(t, tt.call(t.Context(), sb, c), ErrValidation)
			cp.mu.Lock()
			defer cp.mu.Unlock()
			assert.Empty(t, cp.reqs, "no request for invalid input")
		})
	}
}

func TestDeleteNotFoundIsDone(t *testing.T) {
	t.Parallel()
	c := testClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, map[string]any{"statusCode": 404, "error": "Not Found", "message": "Sandbox with ID sb1 not found"})
	}))
	sb := newSandbox(c, &sandboxData{id: "sb1", state: StateStopped})
	require.NoError(t, sb.Delete(t.Context()))
	assert.Equal(t, StateDestroyed, sb.State())
	_, err := c.Get(t.Context(), "sb1")
	require.ErrorIs(t, err, ErrNotFound)
}

func TestSandboxString(t *testing.T) {
	t.Parallel()
	sb := newSandbox(nil, &sandboxData{id: "id1", name: "web", state: StateStarted, env: map[string]string{"TOKEN": "s3cret"}})
	assert.Equal(t, "Sandbox(id1, web, started)", sb.String())
	var zero Sandbox
	assert.Equal(t, "Sandbox(, , )", zero.String())
	assert.Empty(t, zero.ID())
}
