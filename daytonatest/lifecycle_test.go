package daytonatest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
)

func TestAuth(t *testing.T) {
	srv := NewServer(t)
	hc := rawClient(t)
	tests := []struct {
		name   string
		header string
		want   int
	}{
		{"no header", "", http.StatusUnauthorized},
		{"wrong key", "Bearer nope", http.StatusUnauthorized},
		{"wrong scheme", "Basic " + srv.APIKey, http.StatusUnauthorized},
		{"right key", "Bearer " + srv.APIKey, http.StatusOK},
		{"scheme is case-insensitive", "bearer " + srv.APIKey, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/sandbox", nil)
			require.NoError(t, err)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp, err := hc.Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, tt.want, resp.StatusCode)
			if tt.want == http.StatusUnauthorized {
				nb := nestError(t, body, http.StatusUnauthorized)
				assert.Equal(t, "/sandbox", nb.Path)
				assert.NotContains(t, string(body), srv.APIKey)
			}
		})
	}
}

func TestServerIdentity(t *testing.T) {
	a, b := NewServer(t), NewServer(t)
	assert.True(t, strings.HasPrefix(a.URL, "http://127.0.0.1:"), a.URL)
	assert.NotEqual(t, a.URL, b.URL)
	assert.NotEqual(t, a.APIKey, b.APIKey)
	assert.NotEmpty(t, a.OrganizationID)

	c := NewServer(t, WithAPIKey("fixed-key"))
	assert.Equal(t, "fixed-key", c.APIKey)
}

func TestCreateReflectsEveryField(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	readyVolume(t, c, "vol-1")
	newSecret(t, c, "my-secret", "s3cr3t")
	body := controlplane.CreateSandbox{
		Name:                 strp("full"),
		User:                 strp("root"),
		Env:                  &map[string]string{"A": "1"},
		Labels:               &map[string]string{"team": "a", "code-toolbox-language": "python"},
		Public:               boolp(true),
		NetworkBlockAll:      boolp(true),
		NetworkAllowList:     strp("10.0.0.0/8,192.168.1.0/24"),
		DomainAllowList:      strp("example.com"),
		OutboundProxyURL:     strp("http://proxy:3128"),
		OtelEndpointOverride: strp("http://otel:4318"),
		Target:               strp("eu"),
		CPU:                  intp(2),
		Memory:               intp(4),
		Disk:                 intp(8),
		Gpu:                  intp(1),
		GpuType:              &[]controlplane.GpuType{controlplane.GpuTypeH100, controlplane.GpuTypeH200},
		Spot:                 boolp(true),
		AutoStopInterval:     intp(30),
		AutoArchiveInterval:  intp(60),
		AutoDeleteInterval:   intp(120),
		TTLMinutes:           intp(600),
		Volumes:              &[]controlplane.SandboxVolume{{VolumeID: "vol-1", MountPath: "/data", Subpath: strp("sub")}},
		Secrets:              &[]map[string]string{{"API_KEY": "my-secret"}},
	}
	sb := create(t, c, body)
	assert.Equal(t, controlplane.SandboxStateCreating, *sb.State)
	assert.Equal(t, controlplane.SandboxDesiredStateStarted, *sb.DesiredState)
	sb = waitState(t, c, sb.ID, controlplane.SandboxStateStarted)

	assert.Equal(t, "full", sb.Name)
	assert.Equal(t, "root", sb.User)
	assert.Equal(t, map[string]string{"A": "1"}, sb.Env)
	assert.Equal(t, "a", sb.Labels["team"])
	assert.True(t, sb.Public)
	assert.True(t, sb.NetworkBlockAll)
	assert.Equal(t, "10.0.0.0/8,192.168.1.0/24", *sb.NetworkAllowList)
	assert.Equal(t, "example.com", *sb.DomainAllowList)
	assert.Equal(t, "http://proxy:3128", *sb.OutboundProxyURL)
	assert.Equal(t, "http://otel:4318", *sb.OtelEndpointOverride)
	assert.Equal(t, "eu", sb.Target)
	assert.Equal(t, []float64{2, 4, 8, 1}, []float64{sb.CPU, sb.Memory, sb.Disk, sb.Gpu})
	assert.Equal(t, controlplane.GpuTypeH100, *sb.GpuType)
	assert.True(t, *sb.Spot)
	assert.Equal(t, []float64{30, 60, 120}, []float64{*sb.AutoStopInterval, *sb.AutoArchiveInterval, *sb.AutoDeleteInterval})
	require.NotNil(t, sb.AutoDestroyAt)
	require.NotNil(t, sb.Volumes)
	assert.Equal(t, "/data", (*sb.Volumes)[0].MountPath)
	assert.Equal(t, DefaultSnapshot, *sb.Snapshot)
	assert.Equal(t, srv.URL+"/toolbox", sb.ToolboxProxyURL)
	assert.Equal(t, srv.OrganizationID, sb.OrganizationID)

	dir, err := srv.SandboxDir("full")
	require.NoError(t, err)
	assert.DirExists(t, dir)
}

func TestCreateDefaults(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	sb := started(t, c, controlplane.CreateSandbox{})
	assert.Equal(t, sb.ID, sb.Name, "the name defaults to the ID")
	assert.Equal(t, "daytona", sb.User)
	assert.Equal(t, []float64{1, 1, 3, 0}, []float64{sb.CPU, sb.Memory, sb.Disk, sb.Gpu})
	assert.Equal(t, 15.0, *sb.AutoStopInterval)
	assert.Equal(t, 10080.0, *sb.AutoArchiveInterval)
	assert.Equal(t, -1.0, *sb.AutoDeleteInterval)
	assert.Equal(t, "us", sb.Target)
	assert.Nil(t, sb.AutoDestroyAt)
	assert.Empty(t, sb.Labels)
}

func TestCreateErrors(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	started(t, c, controlplane.CreateSandbox{Name: strp("taken")})
	tests := []struct {
		name string
		body controlplane.CreateSandbox
		want int
		msg  string
	}{
		{"duplicate name", controlplane.CreateSandbox{Name: strp("taken")}, 409, "Sandbox with name taken already exists"},
		{"unknown snapshot", controlplane.CreateSandbox{Snapshot: strp("nope")}, 400, "Snapshot nope not found"},
		{"negative autostop", controlplane.CreateSandbox{AutoStopInterval: intp(-1)}, 400, "Auto-stop interval must be non-negative"},
		{"bad CIDR", controlplane.CreateSandbox{NetworkAllowList: strp("not-a-cidr")}, 400, "not a valid CIDR"},
		{"relative mount path", controlplane.CreateSandbox{Volumes: &[]controlplane.SandboxVolume{{VolumeID: "v", MountPath: "data"}}}, 400, "Invalid mount path"},
		{"stop and pause both set", controlplane.CreateSandbox{AutoStopInterval: intp(5), AutoPauseInterval: intp(5)}, 400, "At most one"},
		{"linked but not ephemeral", controlplane.CreateSandbox{LinkedSandbox: strp("taken")}, 400, "must be ephemeral"},
		{"linked to a missing sandbox", controlplane.CreateSandbox{LinkedSandbox: strp("ghost"), AutoDeleteInterval: intp(0)}, 404, "not found"},
		{"zero CPU", controlplane.CreateSandbox{CPU: intp(0)}, 400, "cpu must not be less than 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.CreateSandboxWithResponse(context.Background(), nil, tt.body)
			require.NoError(t, err)
			require.Equal(t, tt.want, resp.StatusCode(), string(resp.Body))
			nb := nestError(t, resp.Body, tt.want)
			assert.Contains(t, nb.Message, tt.msg)
		})
	}
}

func TestGetByIDOrNameAnd404(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	sb := started(t, c, controlplane.CreateSandbox{Name: strp("named")})
	for _, key := range []string{sb.ID, "named"} {
		code, got := get(t, c, key)
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, sb.ID, got.ID)
	}
	resp, err := c.GetSandboxWithResponse(context.Background(), "missing", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, resp.StatusCode())
	nb := nestError(t, resp.Body, http.StatusNotFound)
	assert.Equal(t, "Sandbox with ID or name missing not found", nb.Message)
	assert.Equal(t, "/sandbox/missing", nb.Path)
}

func TestLifecycleTransitions(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	sb := started(t, c, controlplane.CreateSandbox{})
	id := sb.ID
	S := func(s string) controlplane.SandboxState { return controlplane.SandboxState(s) }

	type step struct {
		name  string
		do    func() (*controlplane.Sandbox, int, error)
		via   controlplane.SandboxState // state in the response
		final controlplane.SandboxState
	}
	steps := []step{
		{"stop", func() (*controlplane.Sandbox, int, error) {
			r, err := c.StopSandboxWithResponse(ctx, id, nil)
			return r.JSON200, r.StatusCode(), err
		}, S("stopping"), S("stopped")},
		{"start from stopped", func() (*controlplane.Sandbox, int, error) {
			r, err := c.StartSandboxWithResponse(ctx, id, nil)
			return r.JSON200, r.StatusCode(), err
		}, S("starting"), S("started")},
		{"pause", func() (*controlplane.Sandbox, int, error) {
			r, err := c.PauseSandboxWithResponse(ctx, id, nil)
			return r.JSON200, r.StatusCode(), err
		}, S("pausing"), S("paused")},
		{"start resumes", func() (*controlplane.Sandbox, int, error) {
			r, err := c.StartSandboxWithResponse(ctx, id, nil)
			return r.JSON200, r.StatusCode(), err
		}, S("resuming"), S("started")},
		{"hot resize", func() (*controlplane.Sandbox, int, error) {
			r, err := c.ResizeSandboxWithResponse(ctx, id, nil, controlplane.ResizeSandbox{CPU: intp(2), Memory: intp(2)})
			return r.JSON200, r.StatusCode(), err
		}, S("resizing"), S("started")},
		{"force stop", func() (*controlplane.Sandbox, int, error) {
			r, err := c.StopSandboxWithResponse(ctx, id, &controlplane.StopSandboxParams{Force: boolp(true)})
			return r.JSON200, r.StatusCode(), err
		}, S("stopping"), S("stopped")},
		{"cold resize grows the disk", func() (*controlplane.Sandbox, int, error) {
			r, err := c.ResizeSandboxWithResponse(ctx, id, nil, controlplane.ResizeSandbox{Disk: intp(10), CPU: intp(1)})
			return r.JSON200, r.StatusCode(), err
		}, S("resizing"), S("stopped")},
		{"archive", func() (*controlplane.Sandbox, int, error) {
			r, err := c.ArchiveSandboxWithResponse(ctx, id, nil)
			return r.JSON200, r.StatusCode(), err
		}, S("archiving"), S("archived")},
		{"start from archived", func() (*controlplane.Sandbox, int, error) {
			r, err := c.StartSandboxWithResponse(ctx, id, nil)
			return r.JSON200, r.StatusCode(), err
		}, S("restoring"), S("started")},
		{"start when started is a no-op", func() (*controlplane.Sandbox, int, error) {
			r, err := c.StartSandboxWithResponse(ctx, id, nil)
			return r.JSON200, r.StatusCode(), err
		}, S("started"), S("started")},
		{"delete", func() (*controlplane.Sandbox, int, error) {
			r, err := c.DeleteSandboxWithResponse(ctx, id, nil)
			return r.JSON200, r.StatusCode(), err
		}, S("destroying"), S("destroyed")},
	}
	for _, st := range steps {
		got, code, err := st.do()
		require.NoError(t, err, st.name)
		require.Equal(t, http.StatusOK, code, st.name)
		require.Equal(t, st.via, *got.State, st.name)
		waitState(t, c, id, st.final)
	}
	dir := srv.DataDir() + "/sandboxes/" + id
	assert.NoDirExists(t, dir, "a destroyed sandbox's directory is removed")
}

func TestResizeAppliesResources(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	sb := started(t, c, controlplane.CreateSandbox{})
	r, err := c.ResizeSandboxWithResponse(context.Background(), sb.ID, nil, controlplane.ResizeSandbox{CPU: intp(3), Memory: intp(5)})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
	got := waitState(t, c, sb.ID, controlplane.SandboxStateStarted)
	assert.Equal(t, []float64{3, 5, 3}, []float64{got.CPU, got.Memory, got.Disk})
}

func TestIllegalTransitions(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	run := started(t, c, controlplane.CreateSandbox{Name: strp("running"), CPU: intp(2)})
	stopped := started(t, c, controlplane.CreateSandbox{Name: strp("stopped")})
	_, err := c.StopSandboxWithResponse(ctx, stopped.ID, nil)
	require.NoError(t, err)
	waitState(t, c, stopped.ID, controlplane.SandboxStateStopped)
	ephemeral := started(t, c, controlplane.CreateSandbox{Name: strp("eph"), AutoDeleteInterval: intp(0)})

	srv.SetLatency(time.Hour, StateCreating)
	slow := create(t, c, controlplane.CreateSandbox{Name: strp("slow")})

	tests := []struct {
		name string
		call func() (int, []byte, error)
		want int
		msg  string
	}{
		{"stop a stopped sandbox", func() (int, []byte, error) {
			r, err := c.StopSandboxWithResponse(ctx, stopped.ID, nil)
			return r.StatusCode(), r.Body, err
		}, 400, "Sandbox is not started"},
		{"archive a started sandbox", func() (int, []byte, error) {
			r, err := c.ArchiveSandboxWithResponse(ctx, run.ID, nil)
			return r.StatusCode(), r.Body, err
		}, 400, "Sandbox is not stopped"},
		{"start a creating sandbox", func() (int, []byte, error) {
			r, err := c.StartSandboxWithResponse(ctx, slow.ID, nil)
			return r.StatusCode(), r.Body, err
		}, 400, "State change in progress"},
		{"delete a creating sandbox", func() (int, []byte, error) {
			r, err := c.DeleteSandboxWithResponse(ctx, slow.ID, nil)
			return r.StatusCode(), r.Body, err
		}, 400, "Sandbox state change in progress"},
		{"recover a healthy sandbox", func() (int, []byte, error) {
			r, err := c.RecoverSandboxWithResponse(ctx, run.ID, nil)
			return r.StatusCode(), r.Body, err
		}, 400, "Sandbox must be in error state to recover"},
		{"grow the disk of a started sandbox", func() (int, []byte, error) {
			r, err := c.ResizeSandboxWithResponse(ctx, run.ID, nil, controlplane.ResizeSandbox{Disk: intp(20)})
			return r.StatusCode(), r.Body, err
		}, 400, "Disk resize can only be performed on a stopped sandbox"},
		{"shrink the CPU of a started sandbox", func() (int, []byte, error) {
			r, err := c.ResizeSandboxWithResponse(ctx, run.ID, nil, controlplane.ResizeSandbox{CPU: intp(1), Memory: intp(4)})
			return r.StatusCode(), r.Body, err
		}, 400, "decrease"},
		{"shrink the disk", func() (int, []byte, error) {
			r, err := c.ResizeSandboxWithResponse(ctx, stopped.ID, nil, controlplane.ResizeSandbox{Disk: intp(1)})
			return r.StatusCode(), r.Body, err
		}, 400, "cannot be decreased"},
		{"resize to the same size", func() (int, []byte, error) {
			r, err := c.ResizeSandboxWithResponse(ctx, run.ID, nil, controlplane.ResizeSandbox{CPU: intp(2)})
			return r.StatusCode(), r.Body, err
		}, 400, "No resource changes"},
		{"archive an ephemeral sandbox", func() (int, []byte, error) {
			r, err := c.ArchiveSandboxWithResponse(ctx, ephemeral.ID, nil)
			return r.StatusCode(), r.Body, err
		}, 400, "Sandbox is not stopped"},
		{"pause a stopped sandbox", func() (int, []byte, error) {
			r, err := c.PauseSandboxWithResponse(ctx, stopped.ID, nil)
			return r.StatusCode(), r.Body, err
		}, 400, "must be in started state to pause"},
		{"fork a stopped sandbox", func() (int, []byte, error) {
			r, err := c.ForkSandboxWithResponse(ctx, stopped.ID, nil, controlplane.ForkSandbox{})
			return r.StatusCode(), r.Body, err
		}, 400, "must be in started state to fork"},
		{"fork a creating sandbox", func() (int, []byte, error) {
			r, err := c.ForkSandboxWithResponse(ctx, slow.ID, nil, controlplane.ForkSandbox{})
			return r.StatusCode(), r.Body, err
		}, 409, "state change in progress"},
		{"operate on a missing sandbox", func() (int, []byte, error) {
			r, err := c.StopSandboxWithResponse(ctx, "ghost", nil)
			return r.StatusCode(), r.Body, err
		}, 404, "Sandbox with ID or name ghost not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, err := tt.call()
			require.NoError(t, err)
			require.Equal(t, tt.want, code, string(body))
			nb := nestError(t, body, tt.want)
			assert.Contains(t, nb.Message, tt.msg)
		})
	}
	// The illegal calls changed nothing.
	_, got := get(t, c, stopped.ID)
	assert.Equal(t, controlplane.SandboxStateStopped, *got.State)
	assert.Equal(t, 3.0, got.Disk)
}

func TestEphemeralStopDestroys(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	sb := started(t, c, controlplane.CreateSandbox{AutoDeleteInterval: intp(0)})
	r, err := c.StopSandboxWithResponse(context.Background(), sb.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.StatusCode())
	assert.Equal(t, controlplane.SandboxDesiredStateDestroyed, *r.JSON200.DesiredState)
	waitState(t, c, sb.ID, controlplane.SandboxStateDestroyed)
	code, _ := get(t, c, sb.ID)
	assert.Equal(t, http.StatusNotFound, code)
}

func TestFailNextAndRecover(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()

	srv.FailNext(OpCreate, Failure{Reason: "no runner available", Recoverable: true})
	sb := create(t, c, controlplane.CreateSandbox{})
	got := waitState(t, c, sb.ID, controlplane.SandboxStateError)
	assert.Equal(t, "no runner available", *got.ErrorReason)
	assert.True(t, *got.Recoverable)

	// Errored sandboxes refuse start and stop.
	r, err := c.StartSandboxWithResponse(ctx, sb.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, r.StatusCode())
	assert.Contains(t, nestError(t, r.Body, 400).Message, "errored state")

	rr, err := c.RecoverSandboxWithResponse(ctx, sb.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, rr.StatusCode(), string(rr.Body))
	got = waitState(t, c, sb.ID, controlplane.SandboxStateStarted)
	assert.Nil(t, got.ErrorReason)
	assert.False(t, *got.Recoverable)

	// The failure was used up: the next create starts normally.
	started(t, c, controlplane.CreateSandbox{})

	// An unrecoverable error cannot be recovered.
	require.NoError(t, srv.Fail(sb.ID, Failure{Reason: "disk corrupted"}))
	got = waitState(t, c, sb.ID, controlplane.SandboxStateError)
	assert.False(t, *got.Recoverable)
	rr, err = c.RecoverSandboxWithResponse(ctx, sb.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, rr.StatusCode())

	// Recover with skipStart leaves the sandbox stopped.
	require.NoError(t, srv.Fail(sb.ID, Failure{Reason: "oom", Recoverable: true}))
	rr, err = c.RecoverSandboxWithResponse(ctx, sb.ID, &controlplane.RecoverSandboxParams{SkipStart: boolp(true)})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, rr.StatusCode())
	waitState(t, c, sb.ID, controlplane.SandboxStateStopped)

	// An errored sandbox can be deleted.
	require.NoError(t, srv.Fail(sb.ID, Failure{}))
	dr, err := c.DeleteSandboxWithResponse(ctx, sb.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, dr.StatusCode())
	waitState(t, c, sb.ID, controlplane.SandboxStateDestroyed)

	require.Error(t, srv.Fail("ghost", Failure{}))
}

func TestFailedDeleteHidesSandbox(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	sb := started(t, c, controlplane.CreateSandbox{})
	srv.FailNext(OpDelete, Failure{Reason: "runner lost"})
	_, err := c.DeleteSandboxWithResponse(context.Background(), sb.ID, nil)
	require.NoError(t, err)
	// error + desired destroyed: gone for GET, listed only on request.
	waitState(t, c, sb.ID, controlplane.SandboxStateDestroyed)
	list := func(include bool) int {
		r, err := c.ListSandboxesWithResponse(context.Background(), &controlplane.ListSandboxesParams{IncludeErroredDeleted: &include})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.StatusCode())
		return len(r.JSON200.Items)
	}
	assert.Equal(t, 0, list(false))
	assert.Equal(t, 1, list(true))
}

func TestSetters(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	sb := started(t, c, controlplane.CreateSandbox{Labels: &map[string]string{"old": "x"}})
	id := sb.ID

	lr, err := c.ReplaceLabelsWithResponse(ctx, id, nil, controlplane.SandboxLabels{Labels: map[string]string{"team": "a"}})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, lr.StatusCode())
	assert.Equal(t, map[string]string{"team": "a"}, lr.JSON200.Labels)

	as, err := c.SetAutostopIntervalWithResponse(ctx, id, 0, nil)
	require.NoError(t, err)
	assert.Equal(t, 0.0, *as.JSON200.AutoStopInterval)
	aa, err := c.SetAutoArchiveIntervalWithResponse(ctx, id, 0, nil)
	require.NoError(t, err)
	assert.Equal(t, float64(maxAutoArchive), *aa.JSON200.AutoArchiveInterval, "0 means the maximum")
	ad, err := c.SetAutoDeleteIntervalWithResponse(ctx, id, 30, nil)
	require.NoError(t, err)
	assert.Equal(t, 30.0, *ad.JSON200.AutoDeleteInterval)
	ap, err := c.SetAutoPauseIntervalWithResponse(ctx, id, 45, nil)
	require.NoError(t, err)
	assert.Equal(t, 45.0, *ap.JSON200.AutoPauseInterval)
	tt, err := c.SetTTLWithResponse(ctx, id, 90, nil)
	require.NoError(t, err)
	require.NotNil(t, tt.JSON200.AutoDestroyAt)
	bad, err := c.SetAutostopIntervalWithResponse(ctx, id, -5, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, bad.StatusCode())
	frac, err := c.SetAutostopIntervalWithResponse(ctx, id, 1.5, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, frac.StatusCode())

	pub, err := c.UpdatePublicStatusWithResponse(ctx, id, true, nil)
	require.NoError(t, err)
	assert.True(t, pub.JSON200.Public)

	ns, err := c.UpdateNetworkSettingsWithResponse(ctx, id, nil, controlplane.UpdateSandboxNetworkSettings{
		NetworkBlockAll: boolp(true), NetworkAllowList: strp("10.1.0.0/16"),
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, ns.StatusCode(), string(ns.Body))
	assert.True(t, ns.JSON200.NetworkBlockAll)
	assert.Equal(t, "10.1.0.0/16", *ns.JSON200.NetworkAllowList)

	sec, err := c.UpdateSandboxSecretsWithResponse(ctx, id, nil, controlplane.UpdateSandboxSecrets{Secrets: []map[string]string{}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, sec.StatusCode())

	la, err := c.UpdateLastActivityWithResponse(ctx, id, nil, controlplane.UpdateLastActivity{ActivityType: strp("sdk")})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, la.StatusCode())

	tp, err := c.GetToolboxProxyURLWithResponse(ctx, id, nil)
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/toolbox", tp.JSON200.URL)

	key, err := c.GetSandboxSigningKeyWithResponse(ctx, id, nil)
	require.NoError(t, err)
	require.NotNil(t, key.JSON200)
	rot, err := c.RotateSigningKeyWithResponse(ctx, id, nil)
	require.NoError(t, err)
	assert.NotEqual(t, *key.JSON200, *rot.JSON200)

	_, got := get(t, c, id)
	assert.Equal(t, map[string]string{"team": "a"}, got.Labels)
	assert.True(t, got.Public)
}

func TestUnimplementedOperationAnswers501(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	r, err := c.ListRunnersWithResponse(context.Background(), nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNotImplemented, r.StatusCode())
	nb := nestError(t, r.Body, http.StatusNotImplemented)
	assert.Contains(t, nb.Message, "ListRunners")
}
