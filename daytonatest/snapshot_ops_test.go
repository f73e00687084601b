package daytonatest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
)

func createSnapshot(t *testing.T, c *controlplane.ClientWithResponses, body controlplane.CreateSnapshot) controlplane.SnapshotDto {
	t.Helper()
	r, err := c.CreateSnapshotWithResponse(context.Background(), nil, body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
	return *r.JSON200
}

func snapshotLogsURL(t *testing.T, c *controlplane.ClientWithResponses, id string) string {
	t.Helper()
	r, err := c.GetSnapshotBuildLogsURLWithResponse(context.Background(), id, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
	return r.JSON200.URL
}

func TestSnapshotBuildCopiesContexts(t *testing.T) {
	srv := NewServer(t, WithLatency(100*time.Millisecond, StateBuildingSnapshot))
	c := client(t, srv)
	putContext(t, srv, "h-app", map[string]string{"src/app/main.py": "print(1)\n", "src/app/pkg/util.py": "X = 1\n"})
	putContext(t, srv, "h-req", map[string]string{"home/u/requirements.txt": "numpy\n"})
	df := "FROM python:3.12-slim\n" +
		"COPY home/u/requirements.txt /.requirements.txt\n" +
		"RUN python -m pip install -r /.requirements.txt\n" +
		"WORKDIR /home/daytona\n" +
		"COPY src/app app\n" +
		"COPY [\"src/app/main.py\", \"/opt/bin/\"]\n" +
		"COPY --chown=1000:1000 src/app/pkg/*.py /lib/\n" +
		"COPY --from=builder /out /out\n"
	sn := createSnapshot(t, c, controlplane.CreateSnapshot{
		Name:       "built",
		BuildInfo:  &controlplane.CreateBuildInfo{DockerfileContent: df, ContextHashes: &[]string{"h-app", "h-req"}},
		CPU:        intp(2),
		Entrypoint: &[]string{"sleep", "infinity"},
	})
	assert.Equal(t, controlplane.SnapshotStatePending, sn.State)
	require.NotNil(t, sn.BuildInfo)
	assert.Equal(t, df, *sn.BuildInfo.DockerfileContent)

	logs := strings.Join(follow(t, srv, rawClient(t), snapshotLogsURL(t, c, sn.ID)), "")
	assert.Contains(t, logs, "Step 1/8 : FROM python:3.12-slim\n")
	assert.Contains(t, logs, "Step 8/8 : COPY --from=builder /out /out\n")
	assert.True(t, strings.HasSuffix(logs, "Successfully built "+sn.BuildInfo.SnapshotRef+"\n"), logs)

	got := waitSnapshot(t, c, sn.ID, controlplane.SnapshotStateActive)
	assert.Equal(t, 2.0, got.CPU)
	assert.Equal(t, []string{"sleep", "infinity"}, *got.Entrypoint)
	require.NotNil(t, got.Size)

	// A sandbox from the snapshot starts with the copied files.
	sb := started(t, c, controlplane.CreateSandbox{Snapshot: strp("built")})
	dir, err := srv.SandboxDir(sb.ID)
	require.NoError(t, err)
	for p, want := range map[string]string{
		".requirements.txt":            "numpy\n",
		"home/daytona/app/main.py":     "print(1)\n",
		"home/daytona/app/pkg/util.py": "X = 1\n",
		"opt/bin/main.py":              "print(1)\n",
		"lib/util.py":                  "X = 1\n",
	} {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if assert.NoError(t, err, p) {
			assert.Equal(t, want, string(b), p)
		}
	}
	assert.NoDirExists(t, filepath.Join(dir, "out"))
}

func TestSnapshotBuildFailures(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	putContext(t, srv, "present", map[string]string{"ctx/a.txt": "A"})
	tests := []struct {
		name, dockerfile string
		hashes           []string
		reason           string
	}{
		{"unknown instruction", "FROM alpine\nFROBNICATE x\n", nil, "unknown instruction: FROBNICATE"},
		{"no FROM first", "RUN echo hi\n", nil, "must begin with a FROM"},
		{"context never uploaded", "FROM alpine\nCOPY ctx /ctx\n", []string{"present", "missing"}, "build context missing not found in object storage"},
		{"COPY source not in the contexts", "FROM alpine\nCOPY nothere.txt /x\n", []string{"present"}, "file not found in build context"},
		{"unbalanced quote", "FROM alpine\nCOPY 'a /x\n", []string{"present"}, "unterminated single quote"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bi := &controlplane.CreateBuildInfo{DockerfileContent: tt.dockerfile}
			if tt.hashes != nil {
				bi.ContextHashes = &tt.hashes
			}
			sn := createSnapshot(t, c, controlplane.CreateSnapshot{Name: "bad-" + string(rune('a'+i)), BuildInfo: bi})
			logs := strings.Join(follow(t, srv, rawClient(t), snapshotLogsURL(t, c, sn.ID)), "")
			got := waitSnapshot(t, c, sn.ID, controlplane.SnapshotStateBuildFailed)
			require.NotNil(t, got.ErrorReason)
			assert.Contains(t, *got.ErrorReason, tt.reason)
			assert.Contains(t, logs, "ERROR: build failed: "+*got.ErrorReason)

			r, err := c.CreateSandboxWithResponse(context.Background(), nil, controlplane.CreateSandbox{Snapshot: &sn.Name})
			require.NoError(t, err)
			assert.Equal(t, http.StatusBadRequest, r.StatusCode(), "no sandbox from a failed build")
		})
	}
}

func TestSandboxBuildInfoUsesContexts(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	putContext(t, srv, "ctxhash", map[string]string{"proj/app.py": "print(2)\n"})
	sb := started(t, c, controlplane.CreateSandbox{BuildInfo: &controlplane.CreateBuildInfo{
		DockerfileContent: "FROM python:3.12\nCOPY proj/app.py /app/app.py\n", ContextHashes: &[]string{"ctxhash"},
	}})
	dir, err := srv.SandboxDir(sb.ID)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "app", "app.py"))
	require.NoError(t, err)
	assert.Equal(t, "print(2)\n", string(b))

	failed := create(t, c, controlplane.CreateSandbox{BuildInfo: &controlplane.CreateBuildInfo{
		DockerfileContent: "FROM python:3.12\nCOPY proj /app\n", ContextHashes: &[]string{"never-uploaded"},
	}})
	got := waitState(t, c, failed.ID, controlplane.SandboxStateBuildFailed)
	assert.Contains(t, *got.ErrorReason, "build context never-uploaded not found")
}

func TestSnapshotFromImageName(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	sn := createSnapshot(t, c, controlplane.CreateSnapshot{Name: "py", ImageName: strp("python:3.12"), Memory: intp(2)})
	assert.Equal(t, controlplane.SnapshotStatePending, sn.State)
	assert.Equal(t, "python:3.12", *sn.ImageName)
	logs := strings.Join(follow(t, srv, rawClient(t), snapshotLogsURL(t, c, sn.ID)), "")
	assert.Equal(t, "Pulling image python:3.12\nSuccessfully pulled python:3.12\n", logs)
	got := waitSnapshot(t, c, sn.ID, controlplane.SnapshotStateActive)
	assert.Equal(t, 2.0, got.Mem)
	sb := started(t, c, controlplane.CreateSandbox{Snapshot: strp("py")})
	assert.Equal(t, 2.0, sb.Memory)
}

func TestSnapshotCreateValidation(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	createSnapshot(t, c, controlplane.CreateSnapshot{Name: "taken", ImageName: strp("alpine:3")})
	bi := &controlplane.CreateBuildInfo{DockerfileContent: "FROM alpine\n"}
	tests := []struct {
		name string
		body controlplane.CreateSnapshot
		want int
		msg  string
	}{
		{"neither image nor build", controlplane.CreateSnapshot{Name: "a"}, 400, "Either imageName or buildInfo"},
		{"both image and build", controlplane.CreateSnapshot{Name: "a", ImageName: strp("alpine"), BuildInfo: bi}, 400, "cannot both"},
		{"blank name", controlplane.CreateSnapshot{Name: " ", ImageName: strp("alpine")}, 400, "name must not be empty"},
		{"image with a space", controlplane.CreateSnapshot{Name: "a", ImageName: strp("al pine")}, 400, "Invalid image name"},
		{"empty Dockerfile", controlplane.CreateSnapshot{Name: "a", BuildInfo: &controlplane.CreateBuildInfo{}}, 400, "dockerfileContent"},
		{"zero CPU", controlplane.CreateSnapshot{Name: "a", ImageName: strp("alpine"), CPU: intp(0)}, 400, "cpu must not be less than 1"},
		{"taken name", controlplane.CreateSnapshot{Name: "taken", ImageName: strp("alpine")}, 409, "already exists"},
		{"default snapshot's name", controlplane.CreateSnapshot{Name: DefaultSnapshot, ImageName: strp("alpine")}, 409, "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.CreateSnapshotWithResponse(context.Background(), nil, tt.body)
			require.NoError(t, err)
			nb := nestError(t, r.Body, tt.want)
			assert.Contains(t, nb.Message, tt.msg)
		})
	}
}

func TestSnapshotDeleteActivateDeactivate(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	sn := createSnapshot(t, c, controlplane.CreateSnapshot{Name: "life", ImageName: strp("alpine:3")})
	waitSnapshot(t, c, sn.ID, controlplane.SnapshotStateActive)

	// The ID-only operations do not take a name.
	byName, err := c.DeactivateSnapshotWithResponse(ctx, "life", nil)
	require.NoError(t, err)
	nestError(t, byName.Body, http.StatusNotFound)

	act, err := c.ActivateSnapshotWithResponse(ctx, sn.ID, nil)
	require.NoError(t, err)
	assert.Contains(t, nestError(t, act.Body, http.StatusBadRequest).Message, "already active")

	de, err := c.DeactivateSnapshotWithResponse(ctx, sn.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, de.StatusCode())
	waitSnapshot(t, c, sn.ID, controlplane.SnapshotStateInactive)
	r, err := c.CreateSandboxWithResponse(ctx, nil, controlplane.CreateSandbox{Snapshot: strp("life")})
	require.NoError(t, err)
	assert.Contains(t, nestError(t, r.Body, http.StatusBadRequest).Message, "inactive")

	act, err = c.ActivateSnapshotWithResponse(ctx, sn.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, act.StatusCode(), string(act.Body))
	assert.Equal(t, controlplane.SnapshotStateActive, act.JSON200.State)

	del, err := c.RemoveSnapshotWithResponse(ctx, sn.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, del.StatusCode())
	require.Eventually(t, func() bool {
		g, err := c.GetSnapshotWithResponse(ctx, sn.ID, nil)
		return err == nil && g.StatusCode() == http.StatusNotFound
	}, 10*time.Second, 5*time.Millisecond)
	del, err = c.RemoveSnapshotWithResponse(ctx, sn.ID, nil)
	require.NoError(t, err)
	nestError(t, del.Body, http.StatusNotFound)

	// The general default snapshot is not the organization's to remove.
	// (Found by listing: its name holds a "/".)
	list, err := c.GetAllSnapshotsWithResponse(ctx, &controlplane.GetAllSnapshotsParams{Name: strp(DefaultSnapshot)})
	require.NoError(t, err)
	require.Len(t, list.JSON200.Items, 1)
	def := list.JSON200.Items[0]
	require.True(t, def.General)
	del, err = c.RemoveSnapshotWithResponse(ctx, def.ID, nil)
	require.NoError(t, err)
	nestError(t, del.Body, http.StatusForbidden)
	de, err = c.DeactivateSnapshotWithResponse(ctx, def.ID, nil)
	require.NoError(t, err)
	nestError(t, de.Body, http.StatusForbidden)
}

func TestSnapshotDeleteStopsBuild(t *testing.T) {
	srv := NewServer(t, WithLatency(time.Hour, StateBuildingSnapshot))
	c := client(t, srv)
	sn := createSnapshot(t, c, controlplane.CreateSnapshot{Name: "slow", BuildInfo: &controlplane.CreateBuildInfo{DockerfileContent: "FROM a\nRUN b\n"}})
	waitSnapshot(t, c, sn.ID, controlplane.SnapshotStateBuilding)
	url := snapshotLogsURL(t, c, sn.ID)
	del, err := c.RemoveSnapshotWithResponse(context.Background(), sn.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, del.StatusCode())
	// The log ends (no follower hangs) and the snapshot goes away.
	logs := strings.Join(follow(t, srv, rawClient(t), url), "")
	assert.Equal(t, "Step 1/2 : FROM a\n", logs)
	require.Eventually(t, func() bool {
		g, err := c.GetSnapshotWithResponse(context.Background(), sn.ID, nil)
		return err == nil && g.StatusCode() == http.StatusNotFound
	}, 10*time.Second, 5*time.Millisecond)
}

func TestSnapshotListPagesCreatedSnapshots(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	for _, n := range []string{"s-a", "s-b", "s-c"} {
		createSnapshot(t, c, controlplane.CreateSnapshot{Name: n, ImageName: strp("alpine:3")})
	}
	sortName := controlplane.GetAllSnapshotsParamsSortName
	asc := controlplane.GetAllSnapshotsParamsOrderAsc
	var names []string
	for page := 1.0; ; page++ {
		limit := 2.0
		r, err := c.GetAllSnapshotsWithResponse(context.Background(), &controlplane.GetAllSnapshotsParams{
			Page: &page, Limit: &limit, Name: strp("s-"), Sort: &sortName, Order: &asc,
		})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
		assert.Equal(t, 3.0, r.JSON200.Total)
		assert.Equal(t, 2.0, r.JSON200.TotalPages)
		for _, it := range r.JSON200.Items {
			names = append(names, it.Name)
		}
		if page >= r.JSON200.TotalPages {
			break
		}
	}
	assert.Equal(t, []string{"s-a", "s-b", "s-c"}, names)
}

func TestSnapshotRemovingState(t *testing.T) {
	srv := NewServer(t, WithLatency(0))
	c := client(t, srv)
	ctx := context.Background()
	sn := createSnapshot(t, c, controlplane.CreateSnapshot{Name: "rm", ImageName: strp("alpine:3")})
	waitSnapshot(t, c, sn.ID, controlplane.SnapshotStateActive)
	srv.SetLatency(time.Hour) // removal never completes in this test
	del, err := c.RemoveSnapshotWithResponse(ctx, sn.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, del.StatusCode())
	got := waitSnapshot(t, c, sn.ID, controlplane.SnapshotStateRemoving)
	assert.Equal(t, "rm", got.Name)
	again, err := c.RemoveSnapshotWithResponse(ctx, sn.ID, nil)
	require.NoError(t, err)
	assert.Contains(t, nestError(t, again.Body, http.StatusBadRequest).Message, "already being removed")
	r, err := c.CreateSandboxWithResponse(ctx, nil, controlplane.CreateSandbox{Snapshot: strp("rm")})
	require.NoError(t, err)
	nestError(t, r.Body, http.StatusBadRequest)
}
