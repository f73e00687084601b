package daytona

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingCP answers POST /sandbox with a started sandbox and records
// every request.
type recordingCP struct {
	mu       sync.Mutex
	requests []string
	body     []byte
}

func (f *recordingCP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	if r.Method == http.MethodPost && r.URL.Path == "/sandbox" {
		f.body = b
	}
	f.mu.Unlock()
	writeJSON(w, 200, map[string]any{"id": "sb1", "name": "n", "state": "started", "toolboxProxyUrl": "http://x/toolbox"})
}

func (f *recordingCP) sent() (requests []string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...), f.body
}

func TestCreateRequestBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  SandboxSource
		want string
	}{
		{
			name: "zero snapshot source",
			src:  FromSnapshot{},
			want: `{"labels":{"code-toolbox-language":"python"},"target":"eu"}`,
		},
		{
			name: "every snapshot field",
			src: FromSnapshot{
				Snapshot: "daytonaio/sandbox:0.4", Name: "box-1", User: "daytona", Language: LanguageTypeScript,
				Env: map[string]string{"A": "1"}, Labels: map[string]string{"team": "a"}, Public: true,
				AutoStopInterval: 90 * time.Second, AutoArchiveInterval: Disabled, TTL: 2 * time.Hour,
				Volumes:         []VolumeMount{{VolumeID: "vol", MountPath: "/data", Subpath: "u/alice"}},
				NetworkBlockAll: true, NetworkAllowList: []string{"10.0.0.0/8", "192.168.0.0/16"},
				DomainAllowList: []string{"example.com", "*.daytona.io"}, OutboundProxyURL: "http://proxy:3128",
				OtelEndpointOverride: "https://otel:4318", Target: "us",
				Secrets: map[string]string{"DB_PASSWORD": "db-pass", "API_KEY": "anthropic_prod"},
			},
			want: `{"snapshot":"daytonaio/sandbox:0.4","name":"box-1","user":"daytona",
				"labels":{"code-toolbox-language":"typescript","team":"a"},"env":{"A":"1"},"public":true,
				"autoStopInterval":2,"autoArchiveInterval":0,"ttlMinutes":120,
				"volumes":[{"volumeId":"vol","mountPath":"/data","subpath":"u/alice"}],
				"networkBlockAll":true,"networkAllowList":"10.0.0.0/8,192.168.0.0/16",
				"domainAllowList":"example.com,*.daytona.io","outboundProxyUrl":"http://proxy:3128",
				"otelEndpointOverride":"https://otel:4318","target":"us",
				"secrets":[{"API_KEY":"anthropic_prod"},{"DB_PASSWORD":"db-pass"}]}`,
		},
		{
			name: "ephemeral linked",
			src:  FromSnapshot{Ephemeral: true, LinkedSandbox: "other", AutoStopInterval: Disabled},
			want: `{"labels":{"code-toolbox-language":"python"},"target":"eu","autoDeleteInterval":0,"autoStopInterval":0,"linkedSandbox":"other"}`,
		},
		{
			name: "auto-delete disabled, auto-pause",
			src:  FromSnapshot{AutoDeleteInterval: Disabled, AutoPauseInterval: 30 * time.Minute},
			want: `{"labels":{"code-toolbox-language":"python"},"target":"eu","autoDeleteInterval":-1,"autoPauseInterval":30}`,
		},
		{
			name: "language label kept when no Language",
			src:  FromSnapshot{Labels: map[string]string{"code-toolbox-language": "javascript"}},
			want: `{"labels":{"code-toolbox-language":"javascript"},"target":"eu"}`,
		},
		{
			name: "image with GPU resources",
			src: FromImage{Image: "python:3.12", Resources: Resources{CPU: 2, GPU: 1, GPUType: []GPUType{GPUTypeH100, GPUTypeH200}, Memory: 4, Disk: 10}, Spot: true,
				AutoDeleteInterval: 61 * time.Minute},
			want: `{"buildInfo":{"dockerfileContent":"FROM python:3.12\n"},"cpu":2,"gpu":1,"gpuType":["H100","H200"],"memory":4,"disk":10,
				"spot":true,"autoDeleteInterval":61,"labels":{"code-toolbox-language":"python"},"target":"eu"}`,
		},
		{
			name: "pointer source",
			src:  &FromImage{Image: "node:22"},
			want: `{"buildInfo":{"dockerfileContent":"FROM node:22\n"},"labels":{"code-toolbox-language":"python"},"target":"eu"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &recordingCP{}
			c := testClient(t, cp)
			c.cfg.Target = "eu"
			sb, err := c.Create(t.Context(), tt.src, CreateOptions{NoWait: true})
			require.NoError(t, err)
			assert.Equal(t, "sb1", sb.ID())
			reqs, body := cp.sent()
			assert.Equal(t, []string{"POST /sandbox"}, reqs)
			assert.JSONEq(t, tt.want, string(body))
		})
	}
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	var nilSnap *FromSnapshot
	tests := []struct {
		name string
		src  SandboxSource
	}{
		{"nil source", nil},
		{"nil pointer source", nilSnap},
		{"empty image", FromImage{}},
		{"image with newline", FromImage{Image: "python:3.12\nRUN rm -rf /"}},
		{"negative cpu", FromImage{Image: "x", Resources: Resources{CPU: -1}}},
		{"negative memory", FromImage{Image: "x", Resources: Resources{Memory: -2}}},
		{"gpu type without gpu", FromImage{Image: "x", Resources: Resources{GPUType: []GPUType{GPUTypeH100}}}},
		{"spot without gpu", FromImage{Image: "x", Spot: true}},
		{"name with slash", FromSnapshot{Name: "a/b"}},
		{"name with space", FromSnapshot{Name: "a b"}},
		{"name too long", FromSnapshot{Name: strings.Repeat("a", 300)}},
		{"unknown language", FromSnapshot{Language: "cobol"}},
		{"language conflicts with label", FromSnapshot{Language: LanguagePython, Labels: map[string]string{"code-toolbox-language": "typescript"}}},
		{"empty label key", FromSnapshot{Labels: map[string]string{"": "x"}}},
		{"bad env name", FromSnapshot{Env: map[string]string{"A=B": "x"}}},
		{"negative interval", FromSnapshot{AutoStopInterval: -time.Minute}},
		{"negative ttl", FromSnapshot{TTL: -2}},
		{"stop and pause", FromSnapshot{AutoStopInterval: time.Minute, AutoPauseInterval: time.Minute}},
		{"ephemeral and auto-delete", FromSnapshot{Ephemeral: true, AutoDeleteInterval: time.Minute}},
		{"ephemeral and auto-pause", FromSnapshot{Ephemeral: true, AutoPauseInterval: time.Minute}},
		{"linked without ephemeral", FromSnapshot{LinkedSandbox: "x"}},
		{"linked gpu", FromImage{Image: "x", Ephemeral: true, LinkedSandbox: "x", Resources: Resources{GPU: 1}}},
		{"volume without id", FromSnapshot{Volumes: []VolumeMount{{MountPath: "/data"}}}},
		{"relative mount path", FromSnapshot{Volumes: []VolumeMount{{VolumeID: "v", MountPath: "data"}}}},
		{"duplicate mount path", FromSnapshot{Volumes: []VolumeMount{{VolumeID: "v", MountPath: "/d"}, {VolumeID: "w", MountPath: "/d"}}}},
		{"comma in allow list", FromSnapshot{NetworkAllowList: []string{"10.0.0.0/8,1.2.3.4/32"}}},
		{"empty domain", FromSnapshot{DomainAllowList: []string{""}}},
		{"proxy not http", FromSnapshot{OutboundProxyURL: "socks5://u:secretpw@proxy:1080"}},
		{"otel not absolute", FromSnapshot{OtelEndpointOverride: "collector:4318"}},
		{"bad secret env", FromSnapshot{Secrets: map[string]string{"1X": "s"}}},
		{"bad secret name", FromSnapshot{Secrets: map[string]string{"X": "has space"}}},
		{"snapshot with space", FromSnapshot{Snapshot: "a b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &recordingCP{}
			c := testClient(t, cp)
			sb, err := c.Create(t.Context(), tt.src, CreateOptions{})
			require.ErrorIs(t, err, ErrValidation)
			assert.Nil(t, sb)
			var de *Error
			require.ErrorAs(t, err, &de)
			assert.Equal(t, SourceSDK, de.Source)
			assert.NotContains(t, err.Error(), "secretpw", "credentials in a proxy URL are not echoed")
			reqs, _ := cp.sent()
			assert.Empty(t, reqs, "no request for invalid input")
		})
	}
}

func TestGetOrCreateValidation(t *testing.T) {
	t.Parallel()
	cp := &recordingCP{}
	c := testClient(t, cp)
	_, err := c.GetOrCreate(t.Context(), "", FromSnapshot{}, CreateOptions{})
	require.ErrorIs(t, err, ErrValidation)
	_, err = c.GetOrCreate(t.Context(), "a", FromSnapshot{Name: "b"}, CreateOptions{})
	require.ErrorIs(t, err, ErrValidation)
	_, err = c.GetOrCreate(t.Context(), "a/b", FromSnapshot{}, CreateOptions{})
	require.ErrorIs(t, err, ErrValidation)
	reqs, _ := cp.sent()
	assert.Empty(t, reqs)
}

func TestIntervalMinutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d       time.Duration
		off     int
		want    *int
		wantErr bool
	}{
		{d: 0, want: nil},
		{d: Disabled, off: -1, want: toPtr(-1)},
		{d: Disabled, off: 0, want: toPtr(0)},
		{d: time.Second, want: toPtr(1)},
		{d: time.Minute, want: toPtr(1)},
		{d: time.Minute + time.Nanosecond, want: toPtr(2)},
		{d: 24 * time.Hour, want: toPtr(1440)},
		{d: -time.Second, wantErr: true},
	}
	for _, tt := range tests {
		got, err := intervalMinutes("X", tt.d, tt.off)
		if tt.wantErr {
			require.ErrorIs(t, err, ErrValidation, "%v", tt.d)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "%v", tt.d)
	}
}

// Compile-time: only the two source types satisfy SandboxSource.
var (
	_ SandboxSource = FromSnapshot{}
	_ SandboxSource = FromImage{}
	_ SandboxSource = (*FromSnapshot)(nil)
	_ SandboxSource = (*FromImage)(nil)
)
