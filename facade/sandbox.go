package daytona

import (
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/api/toolbox"
)

// State is a sandbox's lifecycle state as the control plane reports it.
// Values this SDK does not know are kept as they are.
type State string

// The sandbox states of API v0.205.1.
const (
	StateCreating         State = "creating"
	StateRestoring        State = "restoring"
	StateDestroyed        State = "destroyed"
	StateDestroying       State = "destroying"
	StateStarted          State = "started"
	StateStopped          State = "stopped"
	StateStarting         State = "starting"
	StateStopping         State = "stopping"
	StateError            State = "error"
	StateBuildFailed      State = "build_failed"
	StatePendingBuild     State = "pending_build"
	StateBuildingSnapshot State = "building_snapshot"
	StateUnknown          State = "unknown"
	StatePullingSnapshot  State = "pulling_snapshot"
	StateArchived         State = "archived"
	StateArchiving        State = "archiving"
	StateResizing         State = "resizing"
	StateSnapshotting     State = "snapshotting"
	StateForking          State = "forking"
	StatePausing          State = "pausing"
	StatePaused           State = "paused"
	StateResuming         State = "resuming"
)

// Failed reports whether s is a failure state (error or build_failed).
func (s State) Failed() bool { return s == StateError || s == StateBuildFailed }

// GPUType is a GPU model a sandbox can ask for.
type GPUType string

// The GPU types of API v0.205.1.
const (
	GPUTypeH100       GPUType = "H100"
	GPUTypeH200       GPUType = "H200"
	GPUTypeRTXPro6000 GPUType = "RTX-PRO-6000"
	GPUTypeRTX4090    GPUType = "RTX-4090"
	GPUTypeRTX5090    GPUType = "RTX-5090"
)

// SandboxClass is the kind of machine a sandbox runs on.
type SandboxClass string

// The sandbox classes of API v0.205.1.
const (
	SandboxClassLinuxVM   SandboxClass = "linux-vm"
	SandboxClassContainer SandboxClass = "container"
	SandboxClassAndroid   SandboxClass = "android"
	SandboxClassWindows   SandboxClass = "windows"
)

// Resources are a sandbox's CPU cores, GPUs and memory and disk in GB. A
// zero field means "the default" when creating and "unchanged" when
// resizing.
type Resources struct {
	// CPU is the number of CPU cores.
	CPU int
	// GPU is the number of GPUs.
	GPU int
	// GPUType lists acceptable GPU models in order of preference when
	// creating; a sandbox reports the one it got.
	GPUType []GPUType
	// Memory is the memory in GB.
	Memory int
	// Disk is the disk size in GB.
	Disk int
}

// VolumeMount mounts a volume into a sandbox.
type VolumeMount struct {
	// VolumeID is the volume's ID or name.
	VolumeID string
	// MountPath is the absolute path inside the sandbox.
	MountPath string
	// Subpath, if set, mounts only this prefix of the volume.
	Subpath string
}

// BuildInfo describes the image build a sandbox was created from.
type BuildInfo struct {
	// DockerfileContent is the Dockerfile that was built.
	DockerfileContent string
	// ContextHashes are the hashes of the uploaded build contexts.
	ContextHashes []string
	// SnapshotRef is the image reference the build produced.
	SnapshotRef string
	// CreatedAt and UpdatedAt are the build's timestamps.
	CreatedAt, UpdatedAt time.Time
}

// Sandbox is a handle to one sandbox. It holds the sandbox's data as last
// reported by the control plane; Refresh and every lifecycle method update
// it. A Sandbox is safe for concurrent use: its accessors read a consistent
// copy even while another goroutine refreshes it.
//
// Sandboxes that come from [Client.List] hold the fields of a list item;
// Env, Volumes, BuildInfo, LinkedSandboxID, OutboundProxyURL and
// OtelEndpointOverride are empty until [Sandbox.Refresh].
type Sandbox struct {
	// FS works with the sandbox's files.
	FS *FileSystem
	// Git runs git operations on repositories in the sandbox.
	Git *Git
	// Process runs commands, code and sessions in the sandbox.
	Process *Process
	// CodeInterpreter runs code in stateful interpreter contexts.
	CodeInterpreter *CodeInterpreter
	// ComputerUse drives the sandbox's desktop: mouse, keyboard, screen.
	ComputerUse *ComputerUse

	c *Client

	mu sync.RWMutex
	d  *sandboxData // replaced as a whole, never modified in place
}

// sandboxData is one immutable view of a sandbox.
type sandboxData struct {
	id, name, orgID, user, target, snapshot string
	toolboxProxyURL                         string
	state, desiredState                     State
	errorReason                             string
	recoverable                             bool
	labels, env                             map[string]string
	public, networkBlockAll, spot           bool
	networkAllowList, domainAllowList       string
	resources                               Resources
	autoStop, autoArchive, autoPause        int
	autoDelete                              int
	autoDestroyAt, spotEvictedAt            time.Time
	createdAt, updatedAt, lastActivityAt    time.Time
	daemonVersion, runnerID, warmPoolID     string
	linkedSandboxID, class                  string
	outboundProxyURL, otelEndpointOverride  string
	volumes                                 []VolumeMount
	buildInfo                               *BuildInfo
}

func newSandbox(c *Client, d *sandboxData) *Sandbox {
	s := &Sandbox{c: c, d: d}
	s.FS = &FileSystem{sb: s}
	s.Git = &Git{sb: s}
	s.Process = &Process{sb: s}
	s.CodeInterpreter = &CodeInterpreter{sb: s}
	s.ComputerUse = newComputerUse(s)
	return s
}

// Toolbox returns the generated client of the sandbox's toolbox API, wired
// with the client's authentication, SDK headers and retries, for endpoints
// the facade does not cover. Error statuses come back as responses, as the
// generated client documents. Requests go to {toolboxProxyUrl}/{sandboxId};
// the base URL is resolved when a request is sent (with the request's
// context, asking the control plane when the sandbox's data has none), so
// the client's Server field holds a placeholder.
func (s *Sandbox) Toolbox() *toolbox.ClientWithResponses {
	return s.rawToolbox()
}

func (s *Sandbox) data() *sandboxData {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.d == nil {
		return &sandboxData{} // a zero Sandbox reads as empty
	}
	return s.d
}

// String identifies the sandbox by ID, name and last known state. It never
// shows its environment or other settings.
func (s *Sandbox) String() string {
	d := s.data()
	return "Sandbox(" + d.id + ", " + d.name + ", " + string(d.state) + ")"
}

// store replaces the sandbox's data.
func (s *Sandbox) store(d *sandboxData) {
	s.mu.Lock()
	s.d = d
	s.mu.Unlock()
}

// update replaces the sandbox's data with a modified copy.
func (s *Sandbox) update(f func(d *sandboxData)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var d sandboxData
	if s.d != nil {
		d = *s.d
	}
	f(&d)
	s.d = &d
}

// applyDTO stores a Sandbox DTO returned by the control plane, if any.
func (s *Sandbox) applyDTO(dto *controlplane.Sandbox) {
	if dto != nil {
		s.store(sandboxFromAPI(dto))
	}
}

// ID returns the sandbox's ID.
func (s *Sandbox) ID() string { return s.data().id }

// Name returns the sandbox's name.
func (s *Sandbox) Name() string { return s.data().name }

// OrganizationID returns the ID of the organization owning the sandbox.
func (s *Sandbox) OrganizationID() string { return s.data().orgID }

// User returns the OS user the sandbox's processes run as.
func (s *Sandbox) User() string { return s.data().user }

// Target returns the region the sandbox runs in.
func (s *Sandbox) Target() string { return s.data().target }

// Snapshot returns the snapshot the sandbox was created from.
func (s *Sandbox) Snapshot() string { return s.data().snapshot }

// ToolboxProxyURL returns the base URL of the sandbox's toolbox proxy, as
// last reported by the control plane (it may be empty on old servers).
func (s *Sandbox) ToolboxProxyURL() string { return s.data().toolboxProxyURL }

// State returns the sandbox's last known state.
func (s *Sandbox) State() State { return s.data().state }

// DesiredState returns the state the control plane is moving the sandbox to.
func (s *Sandbox) DesiredState() State { return s.data().desiredState }

// ErrorReason returns the server's explanation of a failure state.
func (s *Sandbox) ErrorReason() string { return s.data().errorReason }

// Recoverable reports whether a sandbox in the error state can be recovered
// with [Sandbox.Recover].
func (s *Sandbox) Recoverable() bool { return s.data().recoverable }

// Labels returns a copy of the sandbox's labels.
func (s *Sandbox) Labels() map[string]string { return cloneStringMap(s.data().labels) }

// Env returns a copy of the sandbox's environment variables.
func (s *Sandbox) Env() map[string]string { return cloneStringMap(s.data().env) }

// Public reports whether the sandbox's previews are reachable without a token.
func (s *Sandbox) Public() bool { return s.data().public }

// NetworkBlockAll reports whether all network access is blocked.
func (s *Sandbox) NetworkBlockAll() bool { return s.data().networkBlockAll }

// NetworkAllowList returns the CIDRs the sandbox may reach.
func (s *Sandbox) NetworkAllowList() []string { return splitCommaList(s.data().networkAllowList) }

// DomainAllowList returns the domains the sandbox may reach.
func (s *Sandbox) DomainAllowList() []string { return splitCommaList(s.data().domainAllowList) }

// Resources returns the sandbox's CPU, GPU, memory and disk.
func (s *Sandbox) Resources() Resources {
	r := s.data().resources
	r.GPUType = slices.Clone(r.GPUType)
	return r
}

// AutoStopInterval returns the minutes of inactivity after which the
// sandbox stops (0: never, or not reported).
func (s *Sandbox) AutoStopInterval() int { return s.data().autoStop }

// AutoArchiveInterval returns the minutes after which a stopped sandbox is
// archived (0: the maximum, or not reported).
func (s *Sandbox) AutoArchiveInterval() int { return s.data().autoArchive }

// AutoPauseInterval returns the minutes of inactivity after which the
// sandbox pauses (0: never, or not reported).
func (s *Sandbox) AutoPauseInterval() int { return s.data().autoPause }

// AutoDeleteInterval returns the minutes after which a stopped sandbox is
// deleted: negative when disabled (also when not reported), 0 when it is
// deleted as soon as it stops (an ephemeral sandbox).
func (s *Sandbox) AutoDeleteInterval() int { return s.data().autoDelete }

// AutoDestroyAt returns when the sandbox's TTL runs out (zero: no TTL).
func (s *Sandbox) AutoDestroyAt() time.Time { return s.data().autoDestroyAt }

// CreatedAt returns when the sandbox was created.
func (s *Sandbox) CreatedAt() time.Time { return s.data().createdAt }

// UpdatedAt returns when the sandbox was last updated.
func (s *Sandbox) UpdatedAt() time.Time { return s.data().updatedAt }

// LastActivityAt returns the sandbox's last recorded activity.
func (s *Sandbox) LastActivityAt() time.Time { return s.data().lastActivityAt }

// DaemonVersion returns the version of the toolbox daemon in the sandbox.
func (s *Sandbox) DaemonVersion() string { return s.data().daemonVersion }

// RunnerID returns the ID of the runner hosting the sandbox.
func (s *Sandbox) RunnerID() string { return s.data().runnerID }

// WarmPoolID returns the warm pool the sandbox waits in; it is set only
// while the sandbox is an unclaimed pool member.
func (s *Sandbox) WarmPoolID() string { return s.data().warmPoolID }

// LinkedSandboxID returns the sandbox this one is co-located with.
func (s *Sandbox) LinkedSandboxID() string { return s.data().linkedSandboxID }

// Class returns the sandbox's class.
func (s *Sandbox) Class() SandboxClass { return SandboxClass(s.data().class) }

// Spot reports whether the sandbox is a spot GPU sandbox.
func (s *Sandbox) Spot() bool { return s.data().spot }

// SpotEvictedAt returns when spot preemption destroyed the sandbox (zero if
// it was not evicted).
func (s *Sandbox) SpotEvictedAt() time.Time { return s.data().spotEvictedAt }

// OutboundProxyURL returns the proxy the sandbox's HTTP(S) traffic goes
// through. It can contain credentials: do not log it.
func (s *Sandbox) OutboundProxyURL() string { return s.data().outboundProxyURL }

// OtelEndpointOverride returns the sandbox's OpenTelemetry collector override.
func (s *Sandbox) OtelEndpointOverride() string { return s.data().otelEndpointOverride }

// Volumes returns a copy of the sandbox's volume mounts.
func (s *Sandbox) Volumes() []VolumeMount { return slices.Clone(s.data().volumes) }

// BuildInfo returns the image build the sandbox came from, or nil.
func (s *Sandbox) BuildInfo() *BuildInfo {
	b := s.data().buildInfo
	if b == nil {
		return nil
	}
	c := *b
	c.ContextHashes = slices.Clone(b.ContextHashes)
	return &c
}

// sandboxFromAPI converts the control plane's Sandbox DTO.
func sandboxFromAPI(dto *controlplane.Sandbox) *sandboxData {
	d := &sandboxData{
		id:                   dto.ID,
		name:                 dto.Name,
		orgID:                dto.OrganizationID,
		user:                 dto.User,
		target:               dto.Target,
		snapshot:             fromPtr(dto.Snapshot),
		toolboxProxyURL:      dto.ToolboxProxyURL,
		state:                State(fromPtr(dto.State)),
		desiredState:         State(fromPtr(dto.DesiredState)),
		errorReason:          fromPtr(dto.ErrorReason),
		recoverable:          fromPtr(dto.Recoverable),
		labels:               cloneStringMap(dto.Labels),
		env:                  cloneStringMap(dto.Env),
		public:               dto.Public,
		networkBlockAll:      dto.NetworkBlockAll,
		spot:                 fromPtr(dto.Spot),
		networkAllowList:     fromPtr(dto.NetworkAllowList),
		domainAllowList:      fromPtr(dto.DomainAllowList),
		resources:            resourcesFromAPI(dto.CPU, dto.Gpu, dto.Memory, dto.Disk, dto.GpuType),
		autoStop:             minutesOf(dto.AutoStopInterval, 0),
		autoArchive:          minutesOf(dto.AutoArchiveInterval, 0),
		autoPause:            minutesOf(dto.AutoPauseInterval, 0),
		autoDelete:           minutesOf(dto.AutoDeleteInterval, -1),
		autoDestroyAt:        parseAPITime(dto.AutoDestroyAt),
		spotEvictedAt:        parseAPITime(dto.SpotEvictedAt),
		createdAt:            parseAPITime(dto.CreatedAt),
		updatedAt:            parseAPITime(dto.UpdatedAt),
		lastActivityAt:       parseAPITime(dto.LastActivityAt),
		daemonVersion:        fromPtr(dto.DaemonVersion),
		runnerID:             fromPtr(dto.RunnerID),
		warmPoolID:           fromPtr(dto.WarmPoolID),
		linkedSandboxID:      fromPtr(dto.LinkedSandboxID),
		class:                string(fromPtr(dto.SandboxClass)),
		outboundProxyURL:     fromPtr(dto.OutboundProxyURL),
		otelEndpointOverride: fromPtr(dto.OtelEndpointOverride),
	}
	if dto.Volumes != nil {
		for _, v := range *dto.Volumes {
			d.volumes = append(d.volumes, VolumeMount{VolumeID: v.VolumeID, MountPath: v.MountPath, Subpath: fromPtr(v.Subpath)})
		}
	}
	if b := dto.BuildInfo; b != nil {
		d.buildInfo = &BuildInfo{
			DockerfileContent: fromPtr(b.DockerfileContent),
			SnapshotRef:       b.SnapshotRef,
			CreatedAt:         b.CreatedAt,
			UpdatedAt:         b.UpdatedAt,
		}
		if b.ContextHashes != nil {
			d.buildInfo.ContextHashes = slices.Clone(*b.ContextHashes)
		}
	}
	return d
}

// sandboxFromListItem converts a list item, which lacks some fields of the
// full DTO (see Sandbox).
func sandboxFromListItem(it *controlplane.SandboxListItem) *sandboxData {
	return &sandboxData{
		id:               it.ID,
		name:             it.Name,
		orgID:            it.OrganizationID,
		user:             it.User,
		target:           it.Target,
		snapshot:         fromPtr(it.Snapshot),
		toolboxProxyURL:  it.ToolboxProxyURL,
		state:            State(fromPtr(it.State)),
		desiredState:     State(fromPtr(it.DesiredState)),
		errorReason:      fromPtr(it.ErrorReason),
		recoverable:      fromPtr(it.Recoverable),
		labels:           cloneStringMap(it.Labels),
		public:           it.Public,
		networkBlockAll:  it.NetworkBlockAll,
		spot:             fromPtr(it.Spot),
		networkAllowList: fromPtr(it.NetworkAllowList),
		domainAllowList:  fromPtr(it.DomainAllowList),
		resources:        resourcesFromAPI(it.CPU, it.Gpu, it.Memory, it.Disk, it.GpuType),
		autoStop:         minutesOf(it.AutoStopInterval, 0),
		autoArchive:      minutesOf(it.AutoArchiveInterval, 0),
		autoPause:        minutesOf(it.AutoPauseInterval, 0),
		autoDelete:       minutesOf(it.AutoDeleteInterval, -1),
		autoDestroyAt:    parseAPITime(it.AutoDestroyAt),
		spotEvictedAt:    parseAPITime(it.SpotEvictedAt),
		createdAt:        parseAPITime(it.CreatedAt),
		updatedAt:        parseAPITime(it.UpdatedAt),
		lastActivityAt:   parseAPITime(it.LastActivityAt),
		daemonVersion:    fromPtr(it.DaemonVersion),
		runnerID:         fromPtr(it.RunnerID),
		warmPoolID:       fromPtr(it.WarmPoolID),
		class:            string(fromPtr(it.SandboxClass)),
	}
}

func resourcesFromAPI(cpu, gpu, mem, disk float64, gt *controlplane.GpuType) Resources {
	r := Resources{CPU: roundInt(cpu), GPU: roundInt(gpu), Memory: roundInt(mem), Disk: roundInt(disk)}
	if gt != nil && *gt != "" {
		r.GPUType = []GPUType{GPUType(*gt)}
	}
	return r
}

func roundInt(f float64) int { return int(math.Round(f)) }

func minutesOf(p *float64, absent int) int {
	if p == nil {
		return absent
	}
	return roundInt(*p)
}

func parseAPITime(p *string) time.Time {
	if p == nil || *p == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, *p)
	if err != nil {
		return time.Time{}
	}
	return t
}

func fromPtr[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func toPtr[T any](v T) *T { return &v }

func cloneStringMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return maps.Clone(m)
}

// splitList splits a comma-separated list, dropping empty items.
func splitCommaList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
