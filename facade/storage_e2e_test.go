package daytona_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest"
	daytona "github.com/daytona-go/daytona/facade"
	"github.com/daytona-go/daytona/imagebuilder"
)

// These tests run against the emulator only: builds, volumes and secrets
// are account-wide resources on a real Daytona.

// emulator starts an emulator and a client for it.
func emulator(t *testing.T, opts ...daytonatest.Option) (*daytonatest.Server, *daytona.Client, context.Context) {
	t.Helper()
	srv := daytonatest.NewServer(t, opts...)
	c, err := daytona.New(daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return srv, c, ctx
}

// logLines collects callback output.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

func (l *logLines) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// writeTree writes files (relative path -> content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
}

const s3Puts = "/" + daytonatest.ObjectStorageBucket + "/**"

func TestSnapshotFromImageWithLocalDir(t *testing.T) {
	t.Parallel()
	srv, c, ctx := emulator(t, daytonatest.WithLatency(50*time.Millisecond, daytonatest.StateBuildingSnapshot))
	dir := filepath.Join(t.TempDir(), "proj")
	writeTree(t, dir, map[string]string{"main.py": "print('hi')\n", "pkg/util.py": "X = 1\n"})
	img := imagebuilder.DebianSlim("3.12").PipInstall("numpy").AddLocalDir(dir, "/home/daytona/app").Workdir("/home/daytona/app")

	var logs logLines
	sn, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{
		Name: "with-context", Build: img, Entrypoint: []string{"sleep", "infinity"},
		Resources: daytona.Resources{CPU: 2, Memory: 2},
	}, daytona.CreateSnapshotOptions{OnLogs: logs.add})
	require.NoError(t, err)
	assert.Equal(t, daytona.SnapshotStateActive, sn.State)
	assert.Equal(t, 2, sn.Resources.CPU)

	text := logs.text()
	assert.True(t, strings.HasPrefix(text, "Creating snapshot with-context (pending)"), text)
	assert.Contains(t, text, "RUN python -m pip install numpy")
	assert.Contains(t, text, "COPY "+strings.TrimPrefix(filepath.ToSlash(dir), "/")+" /home/daytona/app")
	assert.True(t, strings.HasSuffix(text, "Created snapshot with-context (active)"), text)

	// The build info carries the uploaded context's hash (the Python formula).
	cxs, err := img.Contexts()
	require.NoError(t, err)
	require.Len(t, cxs, 1)
	hash, err := cxs[0].Hash()
	require.NoError(t, err)
	require.NotNil(t, sn.BuildInfo)
	assert.Equal(t, []string{hash}, sn.BuildInfo.ContextHashes)
	assert.Contains(t, sn.BuildInfo.DockerfileContent, "ENTRYPOINT [\"sleep\", \"infinity\"]\n")
	assert.Equal(t, []string{hash}, srv.UploadedContexts())

	// A sandbox from the snapshot holds the directory's files.
	sb, err := c.Create(ctx, daytona.FromSnapshot{Snapshot: "with-context"}, daytona.CreateOptions{})
	require.NoError(t, err)
	root, err := srv.SandboxDir(sb.ID())
	require.NoError(t, err)
	for p, want := range map[string]string{"main.py": "print('hi')\n", "pkg/util.py": "X = 1\n"} {
		got, err := os.ReadFile(filepath.Join(root, "home", "daytona", "app", filepath.FromSlash(p)))
		require.NoError(t, err)
		assert.Equal(t, want, string(got))
	}
}

func TestSnapshotBuildFailureIsTyped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		img    imagebuilder.Image
		reason string
	}{
		{"Dockerfile that does not parse", imagebuilder.Base("alpine:3").DockerfileCommands([]string{"FROBNICATE now"}, ""), "unknown instruction: FROBNICATE"},
		{"COPY of a file in no context", imagebuilder.Base("alpine:3").Copy("never-uploaded.txt", "/x"), "file not found in build context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, c, ctx := emulator(t)
			var logs logLines
			sn, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{Name: "broken", Build: tt.img}, daytona.CreateSnapshotOptions{OnLogs: logs.add})
			require.Error(t, err)
			assert.ErrorIs(t, err, daytona.ErrServer)
			var fe *daytona.FailedStateError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "snapshot", fe.Resource)
			assert.Equal(t, string(daytona.SnapshotStateBuildFailed), fe.State)
			assert.Contains(t, fe.Reason, tt.reason)
			require.NotNil(t, sn)
			assert.Equal(t, daytona.SnapshotStateBuildFailed, sn.State)
			assert.Contains(t, logs.text(), "ERROR: build failed")
			assert.NotContains(t, logs.text(), "Created snapshot")
		})
	}
}

func TestSnapshotBuildMissingContextIsTyped(t *testing.T) {
	t.Parallel()
	// A context hash that was never uploaded: sent through the raw API
	// (the SDK always uploads first), then followed by Get.
	_, c, ctx := emulator(t)
	sn, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{Name: "ok", Image: "alpine:3"}, daytona.CreateSnapshotOptions{})
	require.NoError(t, err)
	assert.Equal(t, "alpine:3", sn.ImageName)

	resp, err := c.API().CreateSnapshotWithBodyWithResponse(ctx, nil, "application/json", strings.NewReader(
		`{"name":"lost","buildInfo":{"dockerfileContent":"FROM alpine\nCOPY a /a\n","contextHashes":["deadbeef"]}}`))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), string(resp.Body))
	require.Eventually(t, func() bool {
		got, err := c.Snapshots.Get(ctx, "lost")
		return err == nil && got.State == daytona.SnapshotStateBuildFailed &&
			strings.Contains(got.ErrorReason, "build context deadbeef not found in object storage")
	}, 10*time.Second, 10*time.Millisecond)
}

func TestSnapshotOpsByName(t *testing.T) {
	t.Parallel()
	_, c, ctx := emulator(t)
	for _, n := range []string{"ops-a", "ops-b", "ops-c"} {
		_, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{Name: n, Image: "alpine:3"}, daytona.CreateSnapshotOptions{})
		require.NoError(t, err)
	}
	page, err := c.Snapshots.List(ctx, daytona.SnapshotListOptions{Name: "ops-", Limit: 2, Sort: daytona.SnapshotSortName, Order: daytona.SortAscending})
	require.NoError(t, err)
	assert.Equal(t, 3, page.Total)
	assert.Equal(t, 2, page.TotalPages)
	require.Len(t, page.Snapshots, 2)
	assert.Equal(t, "ops-a", page.Snapshots[0].Name)

	var names []string
	for sn, err := range c.Snapshots.All(ctx, daytona.SnapshotListOptions{Name: "ops-", Limit: 2, Sort: daytona.SnapshotSortName, Order: daytona.SortAscending}) {
		require.NoError(t, err)
		names = append(names, sn.Name)
	}
	assert.Equal(t, []string{"ops-a", "ops-b", "ops-c"}, names)

	// Activate, Deactivate and Delete take a name or an ID.
	require.NoError(t, c.Snapshots.Deactivate(ctx, "ops-a"))
	got, err := c.Snapshots.Get(ctx, "ops-a")
	require.NoError(t, err)
	assert.Equal(t, daytona.SnapshotStateInactive, got.State)
	_, err = c.Create(ctx, daytona.FromSnapshot{Snapshot: "ops-a"}, daytona.CreateOptions{})
	assert.ErrorIs(t, err, daytona.ErrValidation, "no sandbox from an inactive snapshot")
	act, err := c.Snapshots.Activate(ctx, got.ID)
	require.NoError(t, err)
	assert.Equal(t, daytona.SnapshotStateActive, act.State)

	require.NoError(t, c.Snapshots.Delete(ctx, "ops-b"))
	require.NoError(t, c.Snapshots.Delete(ctx, got.ID))
	require.Eventually(t, func() bool {
		_, errB := c.Snapshots.Get(ctx, "ops-b")
		_, errA := c.Snapshots.Get(ctx, got.ID)
		return errors.Is(errA, daytona.ErrNotFound) && errors.Is(errB, daytona.ErrNotFound)
	}, 10*time.Second, 10*time.Millisecond)
	assert.ErrorIs(t, c.Snapshots.Delete(ctx, "ops-b"), daytona.ErrNotFound)
	assert.ErrorIs(t, c.Snapshots.Delete(ctx, "00000000-0000-4000-8000-000000000000"), daytona.ErrNotFound)
}

// A snapshot name with a slash travels escaped in the URL path.
func TestSnapshotGetByNameWithSlash(t *testing.T) {
	t.Parallel()
	_, c, ctx := emulator(t)
	sn, err := c.Snapshots.Get(ctx, daytonatest.DefaultSnapshot)
	require.NoError(t, err)
	assert.Equal(t, daytonatest.DefaultSnapshot, sn.Name)
}

func TestImageSandboxFromBuild(t *testing.T) {
	t.Parallel()
	srv, c, ctx := emulator(t)
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"requirements.txt": "numpy\n", "app.py": "print(1)\n"})
	img := imagebuilder.DebianSlim("3.12").
		PipInstallFromRequirements(filepath.Join(dir, "requirements.txt"), imagebuilder.PipOptions{}).
		AddLocalFile(filepath.Join(dir, "app.py"), "/app/")
	var logs logLines
	sb, err := c.Create(ctx, daytona.FromImage{Build: img}, daytona.CreateOptions{OnBuildLogs: logs.add})
	require.NoError(t, err)
	assert.Equal(t, daytona.StateStarted, sb.State())
	assert.Contains(t, logs.text(), "RUN python -m pip install -r /.requirements.txt")

	bi := sb.BuildInfo()
	require.NotNil(t, bi)
	df, err := img.Dockerfile()
	require.NoError(t, err)
	assert.Equal(t, df, bi.DockerfileContent)
	require.Len(t, bi.ContextHashes, 2)
	assert.ElementsMatch(t, bi.ContextHashes, srv.UploadedContexts())

	root, err := srv.SandboxDir(sb.ID())
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(root, "app", "app.py"))
	require.NoError(t, err)
	assert.Equal(t, "print(1)\n", string(got))
	got, err = os.ReadFile(filepath.Join(root, ".requirements.txt"))
	require.NoError(t, err)
	assert.Equal(t, "numpy\n", string(got))
}

func TestObjectStorageUploadSkipsExisting(t *testing.T) {
	t.Parallel()
	srv, c, ctx := emulator(t)
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.txt": "A", "sub/b.txt": "B"})

	hash, err := c.ObjectStorage.Upload(ctx, dir, "", "ctx")
	require.NoError(t, err)
	want, err := imagebuilder.Context{LocalPath: dir, ArchivePath: "ctx"}.Hash()
	require.NoError(t, err)
	assert.Equal(t, want, hash)
	assert.Equal(t, []string{hash}, srv.UploadedContexts())
	puts := srv.Requests(http.MethodPut, s3Puts)
	assert.Positive(t, puts)

	again, err := c.ObjectStorage.Upload(ctx, dir, srv.OrganizationID, "ctx")
	require.NoError(t, err)
	assert.Equal(t, hash, again)
	assert.Equal(t, puts, srv.Requests(http.MethodPut, s3Puts), "an existing context is not uploaded again")

	// The default archive path is the cleaned local path without its "/".
	file := filepath.Join(dir, "a.txt")
	h2, err := c.ObjectStorage.Upload(ctx, file, "", "")
	require.NoError(t, err)
	want2, err := imagebuilder.Context{LocalPath: file, ArchivePath: strings.TrimPrefix(filepath.ToSlash(file), "/")}.Hash()
	require.NoError(t, err)
	assert.Equal(t, want2, h2)
}

func TestObjectStorageErrors(t *testing.T) {
	t.Parallel()
	srv, c, ctx := emulator(t)
	dir := t.TempDir()
	for _, tt := range []struct {
		name         string
		path, org    string
		wantNotExist bool
	}{
		{name: "empty path"},
		{name: "missing path", path: filepath.Join(dir, "nope"), wantNotExist: true},
		{name: "slash in org", path: dir, org: "a/b"},
	} {
		_, err := c.ObjectStorage.Upload(ctx, tt.path, tt.org, "")
		assert.ErrorIs(t, err, daytona.ErrValidation, tt.name)
		if tt.wantNotExist {
			assert.ErrorIs(t, err, os.ErrNotExist, tt.name)
		}
	}
	assert.Zero(t, srv.Requests("", "/object-storage/**"), "bad input makes no request")

	// A refusal by the storage is a typed error with the S3 code.
	srv.InjectFault(daytonatest.Fault{Method: http.MethodHead, Path: s3Puts, Status: http.StatusForbidden, Count: daytonatest.Always})
	_, err := c.ObjectStorage.Upload(ctx, dir, "", "x")
	assert.ErrorIs(t, err, daytona.ErrForbidden)
	var de *daytona.Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, http.StatusForbidden, de.StatusCode)
}

func TestVolumeCreateWaitMountDelete(t *testing.T) {
	t.Parallel()
	srv, c, ctx := emulator(t)
	_, err := c.Volumes.Get(ctx, "shared", daytona.GetVolumeOptions{})
	require.ErrorIs(t, err, daytona.ErrNotFound)

	vol, err := c.Volumes.Get(ctx, "shared", daytona.GetVolumeOptions{Create: true})
	require.NoError(t, err)
	assert.Equal(t, daytona.VolumeStatePendingCreate, vol.State)
	ready, err := c.Volumes.WaitUntilReady(ctx, "shared")
	require.NoError(t, err)
	assert.Equal(t, daytona.VolumeStateReady, ready.State)
	assert.Equal(t, vol.ID, ready.ID)

	again, err := c.Volumes.Get(ctx, "shared", daytona.GetVolumeOptions{Create: true})
	require.NoError(t, err)
	assert.Equal(t, vol.ID, again.ID, "get-or-create finds the existing volume")
	_, err = c.Volumes.Create(ctx, "shared")
	assert.ErrorIs(t, err, daytona.ErrConflict)

	a, err := c.Create(ctx, daytona.FromSnapshot{Volumes: []daytona.VolumeMount{{VolumeID: vol.ID, MountPath: "/data"}}}, daytona.CreateOptions{})
	require.NoError(t, err)
	b, err := c.Create(ctx, daytona.FromSnapshot{Volumes: []daytona.VolumeMount{{VolumeID: "shared", MountPath: "/mnt/v"}}}, daytona.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []daytona.VolumeMount{{VolumeID: vol.ID, MountPath: "/data"}}, a.Volumes())
	dirA, err := srv.SandboxDir(a.ID())
	require.NoError(t, err)
	dirB, err := srv.SandboxDir(b.ID())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dirA, "data", "shared.txt"), []byte("from a"), 0o644))
	got, err := os.ReadFile(filepath.Join(dirB, "mnt", "v", "shared.txt"))
	require.NoError(t, err)
	assert.Equal(t, "from a", string(got))

	assert.ErrorIs(t, c.Volumes.Delete(ctx, "shared"), daytona.ErrConflict, "a mounted volume cannot be deleted")
	require.NoError(t, a.Delete(ctx))
	require.NoError(t, b.Delete(ctx))
	require.Eventually(t, func() bool {
		_, errA := c.Get(ctx, a.ID())
		_, errB := c.Get(ctx, b.ID())
		return errors.Is(errA, daytona.ErrNotFound) && errors.Is(errB, daytona.ErrNotFound)
	}, 10*time.Second, 10*time.Millisecond)

	require.NoError(t, c.Volumes.Delete(ctx, "shared"))
	require.Eventually(t, func() bool {
		all, err := c.Volumes.List(ctx, daytona.VolumeListOptions{IncludeDeleted: true})
		return err == nil && len(all) == 1 && all[0].State == daytona.VolumeStateDeleted
	}, 10*time.Second, 10*time.Millisecond)
	_, err = c.Volumes.Get(ctx, "shared", daytona.GetVolumeOptions{})
	assert.ErrorIs(t, err, daytona.ErrNotFound)
	live, err := c.Volumes.List(ctx, daytona.VolumeListOptions{})
	require.NoError(t, err)
	assert.Empty(t, live)
}

func TestVolumeWaitTimesOut(t *testing.T) {
	t.Parallel()
	_, c, ctx := emulator(t, daytonatest.WithLatency(time.Hour))
	_, err := c.Volumes.Create(ctx, "slow")
	require.NoError(t, err)
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	v, err := c.Volumes.WaitUntilReady(wctx, "slow")
	assert.ErrorIs(t, err, daytona.ErrTimeout)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	require.NotNil(t, v)
	assert.Equal(t, daytona.VolumeStatePendingCreate, v.State)
}

func TestSecretsCRUDAndConflict(t *testing.T) {
	t.Parallel()
	_, c, ctx := emulator(t)
	const value = "s3cr3t-value"
	sec, err := c.Secrets.Create(ctx, daytona.CreateSecretParams{Name: "API_KEY", Value: value, Description: "d", Hosts: []string{"api.example.com"}})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(sec.Placeholder, "dtn_secret_"))
	assert.Equal(t, []string{"api.example.com"}, sec.Hosts)

	_, err = c.Secrets.Create(ctx, daytona.CreateSecretParams{Name: "API_KEY", Value: "other"})
	assert.ErrorIs(t, err, daytona.ErrConflict)
	assert.NotContains(t, err.Error(), "other")

	for _, n := range []string{"B_KEY", "C_KEY", "D_KEY"} {
		_, err := c.Secrets.Create(ctx, daytona.CreateSecretParams{Name: n, Value: "v"})
		require.NoError(t, err)
	}
	var names []string
	for s, err := range c.Secrets.List(ctx, daytona.SecretListOptions{PageSize: 3, Sort: daytona.SecretSortName, Order: daytona.SortAscending}) {
		require.NoError(t, err)
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"API_KEY", "B_KEY", "C_KEY", "D_KEY"}, names, "pages are followed by cursor")

	got, err := c.Secrets.Get(ctx, sec.ID)
	require.NoError(t, err)
	assert.Equal(t, sec.Placeholder, got.Placeholder)
	desc, newValue := "rotated", "new"
	upd, err := c.Secrets.Update(ctx, sec.ID, daytona.UpdateSecretParams{Value: &newValue, Description: &desc, Hosts: []string{}})
	require.NoError(t, err)
	assert.Equal(t, "rotated", upd.Description)
	assert.Empty(t, upd.Hosts)

	sb, err := c.Create(ctx, daytona.FromSnapshot{Secrets: map[string]string{"MY_KEY": "API_KEY"}}, daytona.CreateOptions{})
	require.NoError(t, err)
	require.NoError(t, sb.SetSecrets(ctx, map[string]string{"OTHER": "B_KEY"}))
	assert.ErrorIs(t, sb.SetSecrets(ctx, map[string]string{"X": "missing_secret"}), daytona.ErrNotFound)
	_, err = c.Create(ctx, daytona.FromSnapshot{Secrets: map[string]string{"X": "missing_secret"}}, daytona.CreateOptions{})
	assert.ErrorIs(t, err, daytona.ErrNotFound)

	require.NoError(t, c.Secrets.Delete(ctx, sec.ID))
	_, err = c.Secrets.Get(ctx, sec.ID)
	assert.ErrorIs(t, err, daytona.ErrNotFound)
}

func TestWarmPoolCRUD(t *testing.T) {
	t.Parallel()
	_, c, ctx := emulator(t)
	_, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{Name: "warm", Image: "python:3.12-slim", Resources: daytona.Resources{CPU: 2}}, daytona.CreateSnapshotOptions{})
	require.NoError(t, err)
	wp, err := c.WarmPools.Create(ctx, daytona.CreateWarmPoolParams{Snapshot: "warm", Pool: 2})
	require.NoError(t, err)
	assert.Equal(t, "warm", wp.Snapshot)
	assert.Equal(t, 2, wp.Pool)
	assert.Equal(t, 2, wp.Resources.CPU)

	_, err = c.WarmPools.Create(ctx, daytona.CreateWarmPoolParams{Snapshot: "warm", Pool: 1})
	assert.ErrorIs(t, err, daytona.ErrConflict)

	got, err := c.WarmPools.Get(ctx, wp.ID)
	require.NoError(t, err)
	assert.Equal(t, wp.ID, got.ID)
	upd, err := c.WarmPools.Update(ctx, wp.ID, 0)
	require.NoError(t, err)
	assert.Equal(t, 0, upd.Pool)
	pools, err := c.WarmPools.List(ctx)
	require.NoError(t, err)
	require.Len(t, pools, 1)

	require.NoError(t, c.WarmPools.Delete(ctx, wp.ID))
	_, err = c.WarmPools.Get(ctx, wp.ID)
	assert.ErrorIs(t, err, daytona.ErrNotFound)
	assert.ErrorIs(t, c.WarmPools.Delete(ctx, wp.ID), daytona.ErrNotFound)
}

func TestImageAndStorageBadInputs(t *testing.T) {
	t.Parallel()
	srv, c, ctx := emulator(t)
	dir := t.TempDir()
	tests := []struct {
		name  string
		call  func() error
		cause error // also matched, if set
	}{
		{"snapshot without image", func() error {
			_, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{Name: "x"}, daytona.CreateSnapshotOptions{})
			return err
		}, nil},
		{"snapshot with image and build", func() error {
			_, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{Name: "x", Image: "a", Build: imagebuilder.Base("a")}, daytona.CreateSnapshotOptions{})
			return err
		}, nil},
		{"snapshot without name", func() error {
			_, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{Image: "a"}, daytona.CreateSnapshotOptions{})
			return err
		}, nil},
		{"snapshot image with a space", func() error {
			_, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{Name: "x", Image: "a b"}, daytona.CreateSnapshotOptions{})
			return err
		}, nil},
		{"snapshot negative CPU", func() error {
			_, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{Name: "x", Image: "a", Resources: daytona.Resources{CPU: -1}}, daytona.CreateSnapshotOptions{})
			return err
		}, nil},
		{"snapshot with an unsupported Python", func() error {
			_, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{Name: "x", Build: imagebuilder.DebianSlim("2.7")}, daytona.CreateSnapshotOptions{})
			return err
		}, imagebuilder.ErrInvalid},
		{"snapshot with a missing local dir", func() error {
			_, err := c.Snapshots.Create(ctx, daytona.CreateSnapshotParams{Name: "x", Build: imagebuilder.Base("a").AddLocalDir(filepath.Join(dir, "nope"), "/x")}, daytona.CreateSnapshotOptions{})
			return err
		}, os.ErrNotExist},
		{"snapshot list bad sort", func() error {
			_, err := c.Snapshots.List(ctx, daytona.SnapshotListOptions{Sort: "size"})
			return err
		}, nil},
		{"sandbox with image and build", func() error {
			_, err := c.Create(ctx, daytona.FromImage{Image: "a", Build: imagebuilder.Base("a")}, daytona.CreateOptions{})
			return err
		}, nil},
		{"sandbox with neither image nor build", func() error {
			_, err := c.Create(ctx, daytona.FromImage{}, daytona.CreateOptions{})
			return err
		}, nil},
		{"sandbox build a file where a dir is needed", func() error {
			f := filepath.Join(dir, "f.txt")
			require.NoError(t, os.WriteFile(f, nil, 0o644))
			_, err := c.Create(ctx, daytona.FromImage{Build: imagebuilder.Base("a").AddLocalDir(f, "/x")}, daytona.CreateOptions{})
			return err
		}, imagebuilder.ErrNotDir},
		{"volume without name", func() error {
			_, err := c.Volumes.Get(ctx, "", daytona.GetVolumeOptions{Create: true})
			return err
		}, nil},
		{"volume name with a slash", func() error {
			_, err := c.Volumes.Create(ctx, "a/b")
			return err
		}, nil},
		{"secret bad name", func() error {
			_, err := c.Secrets.Create(ctx, daytona.CreateSecretParams{Name: "1bad", Value: "v"})
			return err
		}, nil},
		{"secret empty value", func() error {
			_, err := c.Secrets.Create(ctx, daytona.CreateSecretParams{Name: "OK"})
			return err
		}, nil},
		{"secret host with a port", func() error {
			_, err := c.Secrets.Create(ctx, daytona.CreateSecretParams{Name: "OK", Value: "v", Hosts: []string{"a.com:443"}})
			return err
		}, nil},
		{"warm pool of zero", func() error {
			_, err := c.WarmPools.Create(ctx, daytona.CreateWarmPoolParams{Snapshot: "s", Pool: 0})
			return err
		}, nil},
		{"warm pool negative update", func() error {
			_, err := c.WarmPools.Update(ctx, "id", -1)
			return err
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.ErrorIs(t, err, daytona.ErrValidation)
			if tt.cause != nil {
				assert.ErrorIs(t, err, tt.cause)
			}
		})
	}
	assert.Zero(t, srv.Requests("", ""), "bad input makes no request")
}
