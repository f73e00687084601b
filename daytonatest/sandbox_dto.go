package daytonatest

import (
	"maps"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

const (
	runnerID      = "daytonatest-runner"
	daemonVersion = "v0.205.1"
)

// isoTime formats t the way the API (JavaScript's toISOString) does.
func isoTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func cloneMap(m map[string]string) map[string]string {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]string{}
	}
	return out
}

// hiddenAsDeleted reports whether a failed sandbox is being deleted: the API
// answers 404 for it and lists it only with includeErroredDeleted.
func (sb *sandbox) hiddenAsDeleted() bool {
	return (sb.state == StateError || sb.state == StateBuildFailed) &&
		sb.desired == cpserver.SandboxDesiredStateDestroyed
}

// autoDestroyAt is when the sandbox's TTL ends, if it has one.
func (s *Server) autoDestroyAt(sb *sandbox) (time.Time, bool) {
	if sb.ttlMinutes <= 0 {
		return time.Time{}, false
	}
	return sb.createdAt.Add(time.Duration(sb.ttlMinutes) * s.minute), true
}

func (s *Server) autoDestroyAtDTO(sb *sandbox) *string {
	if at, ok := s.autoDestroyAt(sb); ok {
		return ptr(isoTime(at))
	}
	return nil
}

// dto is the full Sandbox DTO of sb. Callers hold s.mu.
func (s *Server) dto(sb *sandbox) cpserver.Sandbox {
	d := cpserver.Sandbox{
		ID:                   sb.id,
		Name:                 sb.name,
		OrganizationID:       s.OrganizationID,
		User:                 sb.user,
		Env:                  cloneMap(sb.env),
		Labels:               cloneMap(sb.labels),
		Public:               sb.public,
		NetworkBlockAll:      sb.networkBlockAll,
		NetworkAllowList:     sb.networkAllowList,
		DomainAllowList:      sb.domainAllowList,
		OutboundProxyURL:     sb.outboundProxyURL,
		OtelEndpointOverride: sb.otelEndpointOverride,
		Target:               sb.target,
		CPU:                  float64(sb.cpu),
		Gpu:                  float64(sb.gpu),
		Memory:               float64(sb.mem),
		Disk:                 float64(sb.disk),
		GpuType:              sb.gpuType,
		Spot:                 ptr(sb.spot),
		ToolboxProxyURL:      s.URL + "/toolbox",
		State:                ptr(cpserver.SandboxState(sb.state)),
		DesiredState:         ptr(sb.desired),
		ErrorReason:          sb.errorReason,
		Recoverable:          ptr(sb.recoverable),
		AutoStopInterval:     ptr(float64(sb.autoStop)),
		AutoArchiveInterval:  ptr(float64(sb.autoArchive)),
		AutoDeleteInterval:   ptr(float64(sb.autoDelete)),
		AutoPauseInterval:    ptr(float64(sb.autoPause)),
		AutoDestroyAt:        s.autoDestroyAtDTO(sb),
		CreatedAt:            ptr(isoTime(sb.createdAt)),
		UpdatedAt:            ptr(isoTime(sb.updatedAt)),
		LastActivityAt:       ptr(isoTime(sb.lastActivity)),
		SandboxClass:         ptr(cpserver.SandboxSandboxClass(sb.class)),
		RunnerID:             ptr(runnerID),
		DaemonVersion:        ptr(daemonVersion),
		BackupState:          ptr(cpserver.SandboxBackupStateNone),
		LinkedSandboxID:      sb.linkedSandboxID,
		Volumes:              ptr(append([]cpserver.SandboxVolume{}, sb.volumes...)),
	}
	if sb.snapshot != "" {
		d.Snapshot = ptr(sb.snapshot)
	}
	if sb.warmPoolID != "" {
		d.WarmPoolID = ptr(sb.warmPoolID)
	}
	if b := sb.build; b != nil {
		d.BuildInfo = &cpserver.BuildInfo{
			DockerfileContent: ptr(b.dockerfile),
			ContextHashes:     ptr(append([]string{}, b.contextHashes...)),
			SnapshotRef:       b.snapshotRef,
			CreatedAt:         b.createdAt,
			UpdatedAt:         b.createdAt,
		}
	}
	return d
}

// listItem is the SandboxListItem of sb (no env, volumes, build info, proxy
// or OTel settings). Callers hold s.mu.
func (s *Server) listItem(sb *sandbox) cpserver.SandboxListItem {
	d := cpserver.SandboxListItem{
		ID:                  sb.id,
		Name:                sb.name,
		OrganizationID:      s.OrganizationID,
		User:                sb.user,
		Labels:              cloneMap(sb.labels),
		Public:              sb.public,
		NetworkBlockAll:     sb.networkBlockAll,
		NetworkAllowList:    sb.networkAllowList,
		DomainAllowList:     sb.domainAllowList,
		Target:              sb.target,
		CPU:                 float64(sb.cpu),
		Gpu:                 float64(sb.gpu),
		Memory:              float64(sb.mem),
		Disk:                float64(sb.disk),
		GpuType:             sb.gpuType,
		Spot:                ptr(sb.spot),
		ToolboxProxyURL:     s.URL + "/toolbox",
		State:               ptr(cpserver.SandboxState(sb.state)),
		DesiredState:        ptr(sb.desired),
		ErrorReason:         sb.errorReason,
		Recoverable:         ptr(sb.recoverable),
		AutoStopInterval:    ptr(float64(sb.autoStop)),
		AutoArchiveInterval: ptr(float64(sb.autoArchive)),
		AutoDeleteInterval:  ptr(float64(sb.autoDelete)),
		AutoPauseInterval:   ptr(float64(sb.autoPause)),
		AutoDestroyAt:       s.autoDestroyAtDTO(sb),
		CreatedAt:           ptr(isoTime(sb.createdAt)),
		UpdatedAt:           ptr(isoTime(sb.updatedAt)),
		LastActivityAt:      ptr(isoTime(sb.lastActivity)),
		SandboxClass:        ptr(cpserver.SandboxClass(sb.class)),
		RunnerID:            ptr(runnerID),
		DaemonVersion:       ptr(daemonVersion),
		BackupState:         ptr(cpserver.SandboxListItemBackupStateNone),
	}
	if sb.snapshot != "" {
		d.Snapshot = ptr(sb.snapshot)
	}
	if sb.warmPoolID != "" {
		d.WarmPoolID = ptr(sb.warmPoolID)
	}
	return d
}
