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

const dockerfile = "FROM python:3.12-slim\n# comment\nRUN pip install \\\n    numpy\nWORKDIR /app\n"

func buildLogsURL(t *testing.T, c *controlplane.ClientWithResponses, id string) string {
	t.Helper()
	r, err := c.GetBuildLogsURLWithResponse(context.Background(), id, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
	return r.JSON200.URL
}

// follow reads url?follow=true chunk by chunk until the body ends and
// returns the chunks.
func follow(t *testing.T, srv *Server, hc *http.Client, url string) []string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url+"?follow=true", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+srv.APIKey)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	var chunks []string
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			chunks = append(chunks, string(buf[:n]))
		}
		if err == io.EOF {
			return chunks
		}
		require.NoError(t, err)
	}
}

func TestBuildLogsFollowEndsWithTheBuild(t *testing.T) {
	srv := NewServer(t, WithLatency(150*time.Millisecond, StateBuildingSnapshot))
	c := client(t, srv)
	putContext(t, srv, "abc", map[string]string{"ctx/a.txt": "A"})
	sb := create(t, c, controlplane.CreateSandbox{
		BuildInfo: &controlplane.CreateBuildInfo{DockerfileContent: dockerfile, ContextHashes: &[]string{"abc"}},
		CPU:       intp(2),
	})
	assert.Equal(t, controlplane.SandboxStatePendingBuild, *sb.State)
	assert.Nil(t, sb.Snapshot)
	require.NotNil(t, sb.BuildInfo)
	assert.Equal(t, dockerfile, *sb.BuildInfo.DockerfileContent)
	assert.Equal(t, []string{"abc"}, *sb.BuildInfo.ContextHashes)

	url := buildLogsURL(t, c, sb.ID)
	assert.Equal(t, srv.URL+"/sandboxes/"+sb.ID+"/build-logs", url)
	chunks := follow(t, srv, rawClient(t), url)
	all := strings.Join(chunks, "")
	assert.Equal(t, "Step 1/3 : FROM python:3.12-slim\n"+
		"Step 2/3 : RUN pip install numpy\n"+
		"Step 3/3 : WORKDIR /app\n"+
		"Successfully built "+sb.BuildInfo.SnapshotRef+"\n", all)
	assert.Greater(t, len(chunks), 1, "the log streams while the build runs")

	got := waitState(t, c, sb.ID, controlplane.SandboxStateStarted)
	assert.Equal(t, 2.0, got.CPU)

	// After the build the log is complete: without follow it is all there.
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+srv.APIKey)
	resp, err := rawClient(t).Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, all, string(b))
}

func TestBuildFailure(t *testing.T) {
	tests := []struct {
		name       string
		dockerfile string
		inject     bool
		reason     string
	}{
		{"no FROM", "RUN echo hi\n", false, "must begin with a FROM"},
		{"unknown instruction", "FROM alpine\nFETCH x\n", false, "unknown instruction: FETCH"},
		{"injected", "FROM alpine\n", true, "registry unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer(t)
			c := client(t, srv)
			if tt.inject {
				srv.FailNext(OpCreate, Failure{State: StateBuildFailed, Reason: "registry unreachable"})
			}
			sb := create(t, c, controlplane.CreateSandbox{BuildInfo: &controlplane.CreateBuildInfo{DockerfileContent: tt.dockerfile}})
			log := strings.Join(follow(t, srv, rawClient(t), buildLogsURL(t, c, sb.ID)), "")
			assert.Contains(t, log, "ERROR: build failed: ")
			assert.Contains(t, log, tt.reason)
			got := waitState(t, c, sb.ID, controlplane.SandboxStateBuildFailed)
			assert.Contains(t, *got.ErrorReason, tt.reason)
		})
	}
}

func TestBuildLogsDeprecatedEndpointStreams(t *testing.T) {
	srv := NewServer(t, WithLatency(100*time.Millisecond, StateBuildingSnapshot))
	c := client(t, srv)
	sb := create(t, c, controlplane.CreateSandbox{BuildInfo: &controlplane.CreateBuildInfo{DockerfileContent: dockerfile}})
	//lint:ignore SA1019 the deprecated endpoint is what this test covers
	resp, err := c.GetBuildLogs(context.Background(), sb.ID, &controlplane.GetBuildLogsParams{Follow: boolp(true)})
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, strings.HasPrefix(string(b), "Step 1/3 : FROM python:3.12-slim\n"), string(b))
	assert.Contains(t, string(b), "Successfully built")
}

func TestBuildLogsNotFound(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	sb := started(t, c, controlplane.CreateSandbox{})
	r, err := c.GetBuildLogsURLWithResponse(context.Background(), sb.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, r.StatusCode())
	assert.Contains(t, nestError(t, r.Body, 404).Message, "has no build info")

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/sandboxes/ghost/build-logs", nil)
	req.Header.Set("Authorization", "Bearer "+srv.APIKey)
	resp, err := rawClient(t).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	resp, err = rawClient(t).Get(srv.URL + "/sandboxes/" + sb.ID + "/build-logs")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestCloseEndsOpenStreams(t *testing.T) {
	srv, err := Start(WithLatency(time.Hour, StateBuildingSnapshot))
	require.NoError(t, err)
	c := client(t, srv)
	sb := create(t, c, controlplane.CreateSandbox{BuildInfo: &controlplane.CreateBuildInfo{DockerfileContent: dockerfile}})
	url := buildLogsURL(t, c, sb.ID)
	hc := rawClient(t)
	req, _ := http.NewRequest(http.MethodGet, url+"?follow=true", nil)
	req.Header.Set("Authorization", "Bearer "+srv.APIKey)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	buf := make([]byte, 64)
	n, err := resp.Body.Read(buf)
	require.NoError(t, err)
	assert.Contains(t, string(buf[:n]), "Step 1/3")

	srv.Close() // returns only once the stream's handler has returned
	_, err = io.ReadAll(resp.Body)
	assert.Error(t, err, "the body is cut by Close")
	assert.NoDirExists(t, srv.DataDir(), "Start's own data directory is removed")
	srv.Close() // idempotent
	assert.Empty(t, srv.Violations())
}

func FuzzDockerfile(f *testing.F) {
	f.Add(dockerfile)
	f.Add("FROM a \\\n")
	f.Add("\\")
	f.Add("ARG V=1\nFROM base:${V}\r\nCMD [\"x\"]")
	f.Fuzz(func(t *testing.T, text string) {
		lines := dockerfileLines(text)
		steps := buildSteps(text)
		if len(steps) != len(lines) {
			t.Fatalf("%d steps for %d instructions", len(steps), len(lines))
		}
		for _, l := range lines {
			if l == "" || l != strings.TrimSpace(l) {
				t.Fatalf("instruction %q is blank or untrimmed", l)
			}
		}
		if checkDockerfile(text) == "" && len(lines) == 0 {
			t.Fatal("an empty Dockerfile passed the check")
		}
	})
}

func TestFailBeforeTheBuildEndsTheLog(t *testing.T) {
	srv := NewServer(t, WithLatency(time.Hour, StatePendingBuild))
	c := client(t, srv)
	sb := create(t, c, controlplane.CreateSandbox{BuildInfo: &controlplane.CreateBuildInfo{DockerfileContent: dockerfile}})
	require.NoError(t, srv.Fail(sb.ID, Failure{State: StateBuildFailed, Reason: "no builder"}))
	log := strings.Join(follow(t, srv, rawClient(t), buildLogsURL(t, c, sb.ID)), "")
	assert.Contains(t, log, "ERROR: build failed: no builder")
	got := waitState(t, c, sb.ID, controlplane.SandboxStateBuildFailed)
	assert.Equal(t, "no builder", *got.ErrorReason)
}
