package daytonatest

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

// Snapshots created with POST /snapshots.
//
// States: pending -> building (build info) or pulling (image name) ->
// active. A build whose Dockerfile does not parse, names a context that was
// never uploaded or copies a file the contexts lack ends in build_failed
// with the reason (imagebuild.go). pending and pulling last the default
// latency, building the latency of StateBuildingSnapshot; the build log
// writes one "Step i/n" line per instruction spread over the building time,
// then "Successfully built <ref>" or "ERROR: build failed: <reason>". The
// files the build copies in are what a sandbox created from the snapshot
// starts with. An image-name snapshot starts sandboxes empty.
//
// Delete, activate, deactivate and build-logs-url take the snapshot's ID
// (not its name), as the API does. Delete goes through removing, after
// which the snapshot is gone. Activate moves inactive -> active, deactivate
// active -> inactive; a sandbox cannot be created from an inactive
// snapshot. General snapshots (the default one) cannot be deleted or
// deactivated (403).

// snapshotLogsPath is where a snapshot's build log is followed: the
// (deprecated) control-plane endpoint, which streams with ?follow=true.
func (s *Server) snapshotLogsURL(id string) string {
	return s.URL + "/snapshots/" + id + "/build-logs"
}

// CreateSnapshot implements POST /snapshots.
func (h *handlers) CreateSnapshot(_ context.Context, req cpserver.CreateSnapshotRequestObject) (cpserver.CreateSnapshotResponseObject, error) {
	s := h.s
	b := req.Body
	if b == nil {
		return nil, badRequest("the request body is required")
	}
	name := strings.TrimSpace(b.Name)
	if name == "" {
		return nil, badRequest("name must not be empty")
	}
	image := ""
	if b.ImageName != nil {
		image = strings.TrimSpace(*b.ImageName)
	}
	switch {
	case image == "" && b.BuildInfo == nil:
		return nil, badRequest("Either imageName or buildInfo must be provided")
	case image != "" && b.BuildInfo != nil:
		return nil, badRequest("imageName and buildInfo cannot both be provided")
	case strings.ContainsFunc(image, func(r rune) bool { return r <= ' ' }):
		return nil, badRequest("Invalid image name %q", image)
	case b.BuildInfo != nil && strings.TrimSpace(b.BuildInfo.DockerfileContent) == "":
		return nil, badRequest("buildInfo.dockerfileContent must not be empty")
	}
	now := time.Now().UTC()
	sn := &snapshot{
		id: newUUID(), name: name, state: cpserver.SnapshotStatePending,
		cpu: defaultCPU, mem: defaultMemory, disk: defaultDisk, class: defaultClass,
		regionIDs: []string{defaultTarget}, createdAt: now, updatedAt: now,
		log: newLogBuffer(),
	}
	for _, r := range []struct {
		name string
		v    *int
		dst  *int
		min  int
	}{{"cpu", b.CPU, &sn.cpu, 1}, {"memory", b.Memory, &sn.mem, 1}, {"disk", b.Disk, &sn.disk, 1}, {"gpu", b.Gpu, &sn.gpu, 0}} {
		if r.v == nil {
			continue
		}
		if *r.v < r.min {
			return nil, badRequest("%s must not be less than %d", r.name, r.min)
		}
		*r.dst = *r.v
	}
	if sn.gpu > 0 && b.GpuType != nil && len(*b.GpuType) > 0 {
		sn.gpuType = ptr((*b.GpuType)[0])
	}
	if b.Entrypoint != nil {
		sn.entrypoint = append([]string{}, *b.Entrypoint...)
	}
	if b.RegionID != nil && strings.TrimSpace(*b.RegionID) != "" {
		sn.regionIDs = []string{strings.TrimSpace(*b.RegionID)}
	}
	if b.SandboxClass != nil {
		sn.class = string(*b.SandboxClass)
	}
	if bi := b.BuildInfo; bi != nil {
		var hashes []string
		if bi.ContextHashes != nil {
			hashes = append(hashes, *bi.ContextHashes...)
		}
		sn.build = &buildInfo{
			dockerfile:    bi.DockerfileContent,
			contextHashes: hashes,
			snapshotRef:   buildRef(bi.DockerfileContent, hashes),
			createdAt:     now,
			log:           sn.log,
		}
		sn.ref = sn.build.snapshotRef
	} else {
		sn.imageName = ptr(image)
		sn.ref = image
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findSnapshot(name) != nil {
		return nil, conflict("Snapshot with name %s already exists", name)
	}
	s.snapshots[sn.id] = sn
	s.snapshotCreated(sn)
	s.snapshotStep(sn, s.defaultLatency, s.startSnapshot)
	return cpserver.CreateSnapshot200JSONResponse(sn.dto(s.OrganizationID)), nil
}

// snapshotStep runs fn on sn (under s.mu) after d, unless sn changed
// meanwhile (its gen moved on) or was removed. Callers hold s.mu.
func (s *Server) snapshotStep(sn *snapshot, d time.Duration, fn func(*snapshot)) {
	gen := sn.gen
	s.sched.after(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if sn.gen != gen || s.snapshots[sn.id] != sn {
			return
		}
		fn(sn)
	})
}

// setSnapshotState moves sn into st. Callers hold s.mu.
func (s *Server) setSnapshotState(sn *snapshot, st cpserver.SnapshotState) {
	prev := sn.state
	sn.state = st
	sn.updatedAt = time.Now().UTC()
	s.snapshotStateChanged(sn, prev)
}

// startSnapshot leaves pending: a build runs, an image is pulled.
func (s *Server) startSnapshot(sn *snapshot) {
	if sn.build == nil {
		s.setSnapshotState(sn, cpserver.SnapshotStatePulling)
		sn.log.write(fmt.Sprintf("Pulling image %s\n", *sn.imageName))
		s.snapshotStep(sn, s.defaultLatency, func(sn *snapshot) {
			sn.log.write(fmt.Sprintf("Successfully pulled %s\n", *sn.imageName))
			sn.log.close()
			s.setSnapshotState(sn, cpserver.SnapshotStateActive)
			sn.size = ptr(0.0)
		})
		return
	}
	s.setSnapshotState(sn, cpserver.SnapshotStateBuilding)
	b := sn.build
	sn.dir = filepath.Join(s.dataDir, "snapshots", sn.id)
	failure := ""
	if err := os.MkdirAll(sn.dir, 0o755); err != nil {
		failure = err.Error()
	} else {
		failure = s.buildImage(b.dockerfile, b.contextHashes, sn.dir)
	}
	b.pending = buildSteps(b.dockerfile)
	n := len(b.pending)
	if n > 0 {
		b.log.write(b.pending[0])
		b.pending = b.pending[1:]
	}
	total := s.latencyOf(StateBuildingSnapshot)
	for k := 1; k < n; k++ {
		s.snapshotStep(sn, total*time.Duration(k)/time.Duration(n), func(sn *snapshot) {
			if len(sn.build.pending) > 0 {
				sn.log.write(sn.build.pending[0])
				sn.build.pending = sn.build.pending[1:]
			}
		})
	}
	s.snapshotStep(sn, total, func(sn *snapshot) { s.finishSnapshotBuild(sn, failure) })
}

// finishSnapshotBuild writes the rest of the log and the outcome, and
// moves the snapshot to active or build_failed. Callers hold s.mu.
func (s *Server) finishSnapshotBuild(sn *snapshot, failure string) {
	b := sn.build
	for _, line := range b.pending {
		b.log.write(line)
	}
	b.pending = nil
	if failure != "" {
		b.log.write(fmt.Sprintf("ERROR: build failed: %s\n", failure))
		b.log.close()
		sn.errorReason = ptr(failure)
		s.setSnapshotState(sn, cpserver.SnapshotStateBuildFailed)
		return
	}
	b.log.write(fmt.Sprintf("Successfully built %s\n", b.snapshotRef))
	b.log.close()
	sn.errorReason = nil
	s.setSnapshotState(sn, cpserver.SnapshotStateActive)
	sn.size = ptr(dirSizeGB(sn.dir))
}

// dirSizeGB is the size of the regular files under dir, in GB.
func dirSizeGB(dir string) float64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return math.Round(float64(n)/1e9*1e6) / 1e6
}

// snapshotByID finds a snapshot by ID only. Callers hold s.mu.
func (s *Server) snapshotByID(id string) (*snapshot, error) {
	sn := s.snapshots[id]
	if sn == nil {
		return nil, notFound("Snapshot with ID %s not found", id)
	}
	return sn, nil
}

// RemoveSnapshot implements DELETE /snapshots/{id}.
func (h *handlers) RemoveSnapshot(_ context.Context, req cpserver.RemoveSnapshotRequestObject) (cpserver.RemoveSnapshotResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sn, err := s.snapshotByID(req.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case sn.general:
		return nil, errorf(403, "General snapshots cannot be deleted")
	case sn.state == cpserver.SnapshotStateRemoving:
		return nil, badRequest("Snapshot %s is already being removed", sn.name)
	}
	sn.gen++ // a build in progress stops here
	if sn.log != nil {
		sn.log.close()
	}
	s.setSnapshotState(sn, cpserver.SnapshotStateRemoving)
	s.snapshotStep(sn, s.defaultLatency, func(sn *snapshot) {
		delete(s.snapshots, sn.id)
		s.snapshotRemoved(sn)
		if sn.dir != "" {
			if err := os.RemoveAll(sn.dir); err != nil {
				s.recordf("removing snapshot directory: %v", err)
			}
		}
	})
	return cpserver.RemoveSnapshot200Response{}, nil
}

// ActivateSnapshot implements POST /snapshots/{id}/activate.
func (h *handlers) ActivateSnapshot(_ context.Context, req cpserver.ActivateSnapshotRequestObject) (cpserver.ActivateSnapshotResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sn, err := s.snapshotByID(req.ID)
	if err != nil {
		return nil, err
	}
	switch sn.state {
	case cpserver.SnapshotStateInactive:
	case cpserver.SnapshotStateActive:
		return nil, badRequest("Snapshot %s is already active", sn.name)
	default:
		return nil, badRequest("Snapshot %s cannot be activated in state %s", sn.name, sn.state)
	}
	s.setSnapshotState(sn, cpserver.SnapshotStateActive)
	return cpserver.ActivateSnapshot200JSONResponse(sn.dto(s.OrganizationID)), nil
}

// DeactivateSnapshot implements POST /snapshots/{id}/deactivate (204).
func (h *handlers) DeactivateSnapshot(_ context.Context, req cpserver.DeactivateSnapshotRequestObject) (cpserver.DeactivateSnapshotResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sn, err := s.snapshotByID(req.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case sn.general:
		return nil, errorf(403, "General snapshots cannot be deactivated")
	case sn.state != cpserver.SnapshotStateActive:
		return nil, badRequest("Snapshot %s is not active (state %s)", sn.name, sn.state)
	}
	s.setSnapshotState(sn, cpserver.SnapshotStateInactive)
	return cpserver.DeactivateSnapshot204Response{}, nil
}

// snapshotLog finds the build log of the snapshot with this ID. Callers
// hold s.mu.
func (s *Server) snapshotLog(id string) (*logBuffer, error) {
	sn, err := s.snapshotByID(id)
	if err != nil {
		return nil, err
	}
	if sn.log == nil {
		return nil, notFound("Snapshot %s has no build logs", sn.name)
	}
	return sn.log, nil
}

// GetSnapshotBuildLogsURL implements GET /snapshots/{id}/build-logs-url.
func (h *handlers) GetSnapshotBuildLogsURL(_ context.Context, req cpserver.GetSnapshotBuildLogsURLRequestObject) (cpserver.GetSnapshotBuildLogsURLResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.snapshotLog(req.ID); err != nil {
		return nil, err
	}
	return cpserver.GetSnapshotBuildLogsURL200JSONResponse{URL: s.snapshotLogsURL(req.ID)}, nil
}

// GetSnapshotBuildLogs implements GET /snapshots/{id}/build-logs[?follow=]
// (deprecated, and what build-logs-url points at).
func (h *handlers) GetSnapshotBuildLogs(ctx context.Context, req cpserver.GetSnapshotBuildLogsRequestObject) (cpserver.GetSnapshotBuildLogsResponseObject, error) {
	s := h.s
	s.mu.Lock()
	log, err := s.snapshotLog(req.ID)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	follow := req.Params.Follow != nil && *req.Params.Follow
	return logResponse{ctx: ctx, log: log, follow: follow, stop: s.ctx.Done()}, nil
}

// VisitGetSnapshotBuildLogsResponse writes the log (and follows it if asked).
func (lr logResponse) VisitGetSnapshotBuildLogsResponse(w http.ResponseWriter) error {
	lr.log.serve(lr.ctx, w, lr.follow, lr.stop)
	return nil
}
