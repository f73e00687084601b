package daytonatest

import (
	"cmp"
	"context"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
)

// Volumes (PROTOCOLS.md 10.2).
//
// Each volume is a host directory, DataDir()/volumes/{id}, made when the
// volume becomes ready and removed when it is deleted. States: create
// pending_create -> creating -> ready; delete pending_delete -> deleting
// -> deleted (each step after the default latency). A deleted volume is
// still returned by ID (state deleted) and listed with includeDeleted, but
// its name is free again: by-name lookups skip it.
//
// Mounting: a sandbox created with volumes [{volumeId, mountPath,
// subpath}] (volumeId being the volume's ID or name; the volume must be
// ready) gets a symbolic link at {sandbox dir}{mountPath} pointing at the
// volume's directory (or its subpath, created if missing). Every sandbox
// mounting a volume sees the same files, as with the real shared volume.
// Processes in the sandbox follow the link; the toolbox's file API, which
// refuses symbolic links that leave the sandbox directory, does not. A
// volume mounted by a sandbox that is not destroyed cannot be deleted
// (409).

// volume is the emulator's record of a volume. Fields are guarded by
// Server.mu.
type volume struct {
	id, name    string
	state       cpserver.VolumeState
	errorReason *string
	createdAt   time.Time
	updatedAt   time.Time
	lastUsedAt  *time.Time
	dir         string
	gen         uint64
}

func (v *volume) dto(orgID string) cpserver.VolumeDto {
	d := cpserver.VolumeDto{
		ID:             v.id,
		Name:           v.name,
		OrganizationID: orgID,
		State:          v.state,
		ErrorReason:    v.errorReason,
		CreatedAt:      isoTime(v.createdAt),
		UpdatedAt:      isoTime(v.updatedAt),
	}
	if v.lastUsedAt != nil {
		d.LastUsedAt = ptr(isoTime(*v.lastUsedAt))
	}
	return d
}

// volumeStep moves v into st after the default latency and runs then (if
// set), unless v changed meanwhile. Callers hold s.mu.
func (s *Server) volumeStep(v *volume, st cpserver.VolumeState, then func(*volume)) {
	gen := v.gen
	s.sched.after(s.defaultLatency, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if v.gen != gen {
			return
		}
		prev := v.state
		v.state = st
		v.updatedAt = time.Now().UTC()
		if then != nil {
			then(v)
		}
		s.volumeStateChanged(v, prev)
	})
}

// volumeByName finds the volume called name that is not deleted. Callers
// hold s.mu.
func (s *Server) volumeByName(name string) *volume {
	for _, v := range s.volumes {
		if v.name == name && v.state != cpserver.VolumeStateDeleted {
			return v
		}
	}
	return nil
}

// volumeInUse reports whether a sandbox mounts v. Callers hold s.mu.
func (s *Server) volumeInUse(v *volume) bool {
	for _, sb := range s.sandboxes {
		for _, m := range sb.volumes {
			if m.VolumeID == v.id || m.VolumeID == v.name {
				return true
			}
		}
	}
	return false
}

// ListVolumes implements GET /volumes[?includeDeleted=], oldest first.
func (h *handlers) ListVolumes(_ context.Context, req cpserver.ListVolumesRequestObject) (cpserver.ListVolumesResponseObject, error) {
	s := h.s
	all := req.Params.IncludeDeleted != nil && *req.Params.IncludeDeleted
	s.mu.Lock()
	defer s.mu.Unlock()
	var vols []*volume
	for _, v := range s.volumes {
		if all || v.state != cpserver.VolumeStateDeleted {
			vols = append(vols, v)
		}
	}
	slices.SortFunc(vols, func(a, b *volume) int {
		return cmp.Or(a.createdAt.Compare(b.createdAt), cmp.Compare(a.id, b.id))
	})
	out := cpserver.ListVolumes200JSONResponse{}
	for _, v := range vols {
		out = append(out, v.dto(s.OrganizationID))
	}
	return out, nil
}

// CreateVolume implements POST /volumes.
func (h *handlers) CreateVolume(_ context.Context, req cpserver.CreateVolumeRequestObject) (cpserver.CreateVolumeResponseObject, error) {
	s := h.s
	if req.Body == nil {
		return nil, badRequest("the request body is required")
	}
	name := strings.TrimSpace(req.Body.Name)
	if name == "" || strings.ContainsAny(name, "/\\") || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' }) {
		return nil, badRequest("Invalid volume name %q", req.Body.Name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.volumeByName(name) != nil {
		return nil, conflict("Volume with name %s already exists", name)
	}
	now := time.Now().UTC()
	v := &volume{id: newUUID(), name: name, state: cpserver.VolumeStatePendingCreate, createdAt: now, updatedAt: now}
	v.dir = filepath.Join(s.dataDir, "volumes", v.id)
	s.volumes[v.id] = v
	s.volumeCreated(v)
	s.volumeStep(v, cpserver.VolumeStateCreating, func(v *volume) {
		s.volumeStep(v, cpserver.VolumeStateReady, func(v *volume) {
			if err := os.MkdirAll(v.dir, 0o755); err != nil {
				v.state = cpserver.VolumeStateError
				v.errorReason = ptr(err.Error())
			}
		})
	})
	return cpserver.CreateVolume200JSONResponse(v.dto(s.OrganizationID)), nil
}

// GetVolume implements GET /volumes/{volumeId}.
func (h *handlers) GetVolume(_ context.Context, req cpserver.GetVolumeRequestObject) (cpserver.GetVolumeResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.volumes[req.VolumeID]
	if v == nil {
		return nil, notFound("Volume with ID %s not found", req.VolumeID)
	}
	return cpserver.GetVolume200JSONResponse(v.dto(s.OrganizationID)), nil
}

// GetVolumeByName implements GET /volumes/by-name/{name}.
func (h *handlers) GetVolumeByName(_ context.Context, req cpserver.GetVolumeByNameRequestObject) (cpserver.GetVolumeByNameResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.volumeByName(req.Name)
	if v == nil {
		return nil, notFound("Volume with name %s not found", req.Name)
	}
	return cpserver.GetVolumeByName200JSONResponse(v.dto(s.OrganizationID)), nil
}

// DeleteVolume implements DELETE /volumes/{volumeId}.
func (h *handlers) DeleteVolume(_ context.Context, req cpserver.DeleteVolumeRequestObject) (cpserver.DeleteVolumeResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.volumes[req.VolumeID]
	if v == nil || v.state == cpserver.VolumeStateDeleted {
		return nil, notFound("Volume with ID %s not found", req.VolumeID)
	}
	switch {
	case v.state != cpserver.VolumeStateReady && v.state != cpserver.VolumeStateError:
		return nil, badRequest("Volume %s cannot be deleted in state %s", v.name, v.state)
	case s.volumeInUse(v):
		return nil, conflict("Volume %s is in use by one or more sandboxes", v.name)
	}
	v.gen++
	prev := v.state
	v.state = cpserver.VolumeStatePendingDelete
	v.updatedAt = time.Now().UTC()
	s.volumeStateChanged(v, prev)
	s.volumeStep(v, cpserver.VolumeStateDeleting, func(v *volume) {
		s.volumeStep(v, cpserver.VolumeStateDeleted, func(v *volume) {
			if err := os.RemoveAll(v.dir); err != nil {
				s.recordf("removing volume directory: %v", err)
			}
		})
	})
	return cpserver.DeleteVolume200Response{}, nil
}

// resolveMounts checks a create's volumes: each must name (by ID or name)
// a ready volume. Callers hold s.mu.
func (s *Server) resolveMounts(mounts []cpserver.SandboxVolume) ([]*volume, error) {
	out := make([]*volume, len(mounts))
	for i, m := range mounts {
		v := s.volumes[m.VolumeID]
		if v == nil || v.state == cpserver.VolumeStateDeleted {
			v = s.volumeByName(m.VolumeID)
		}
		if v == nil {
			return nil, notFound("Volume %s not found", m.VolumeID)
		}
		if v.state != cpserver.VolumeStateReady {
			return nil, badRequest("Volume %s is not ready (state %s)", m.VolumeID, v.state)
		}
		out[i] = v
	}
	return out, nil
}

// mountVolumes links each volume (or its subpath) at the mount path under
// the sandbox directory, replacing whatever is there. Callers hold s.mu.
func (s *Server) mountVolumes(dir string, mounts []cpserver.SandboxVolume, vols []*volume) error {
	now := time.Now().UTC()
	for i, m := range mounts {
		v := vols[i]
		src := mountSource(v, m)
		if err := os.MkdirAll(src, 0o755); err != nil {
			return err
		}
		target := hostPath(dir, m.MountPath)
		if err := os.RemoveAll(target); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(src, target); err != nil {
			return err
		}
		v.lastUsedAt = &now
	}
	return nil
}

// mountSource is the host directory a mount shows: the volume's directory,
// or its subpath.
func mountSource(v *volume, m cpserver.SandboxVolume) string {
	if m.Subpath != nil && *m.Subpath != "" {
		return filepath.Join(v.dir, filepath.FromSlash(path.Clean("/"+*m.Subpath)))
	}
	return v.dir
}

// toolboxMounts is the mount table the sandbox's toolbox gets: each mount
// point and the directory it shows. A mount whose volume is gone (it cannot
// be deleted while mounted) is left out. Callers hold s.mu.
func (s *Server) toolboxMounts(sb *sandbox) []toolbox.Mount {
	var out []toolbox.Mount
	for _, m := range sb.volumes {
		v := s.volumes[m.VolumeID]
		if v == nil || v.state == cpserver.VolumeStateDeleted {
			v = s.volumeByName(m.VolumeID)
		}
		if v == nil || v.state == cpserver.VolumeStateDeleted {
			continue
		}
		out = append(out, toolbox.Mount{Path: m.MountPath, HostDir: mountSource(v, m)})
	}
	return out
}
