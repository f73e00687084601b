package daytonatest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

const (
	defaultAutoStop    = 15        // minutes
	defaultAutoArchive = 7 * 1440  // minutes (7 days)
	maxAutoArchive     = 30 * 1440 // minutes (30 days): what 0 means
)

// lookup finds a sandbox by ID, then by name, the way the API does: a failed
// sandbox that is being deleted counts as gone. Callers hold s.mu.
func (s *Server) lookup(idOrName string) (*sandbox, error) {
	sb := s.sandboxes[idOrName]
	if sb == nil {
		for _, c := range s.sandboxes {
			if c.name == idOrName {
				sb = c
				break
			}
		}
	}
	if sb == nil || sb.hiddenAsDeleted() {
		return nil, notFound("Sandbox with ID or name %s not found", idOrName)
	}
	return sb, nil
}

// lookupID finds a sandbox by ID only (the endpoints whose path parameter is
// sandboxId). Callers hold s.mu.
func (s *Server) lookupID(id string) (*sandbox, error) {
	sb := s.sandboxes[id]
	if sb == nil || sb.hiddenAsDeleted() {
		return nil, notFound("Sandbox with ID %s not found", id)
	}
	return sb, nil
}

// nameTaken reports whether a live sandbox other than except has name.
// Callers hold s.mu.
func (s *Server) nameTaken(name string, except *sandbox) bool {
	for _, c := range s.sandboxes {
		if c != except && c.name == name {
			return true
		}
	}
	return false
}

// sandboxOp runs fn on the sandbox named by idOrName under s.mu and answers
// its DTO.
func (s *Server) sandboxOp(idOrName string, fn func(sb *sandbox) error) (cpserver.Sandbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookup(idOrName)
	if err != nil {
		return cpserver.Sandbox{}, err
	}
	if fn != nil {
		if err := fn(sb); err != nil {
			return cpserver.Sandbox{}, err
		}
	}
	return s.dto(sb), nil
}

// CreateSandbox implements POST /sandbox.
func (h *handlers) CreateSandbox(_ context.Context, req cpserver.CreateSandboxRequestObject) (cpserver.CreateSandboxResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.createLocked(req.Body)
	if err != nil {
		return nil, err
	}
	return cpserver.CreateSandbox200JSONResponse(s.dto(sb)), nil
}

// createLocked validates b and serves it: with a started member of a
// matching warm pool when there is one (warmpools.go), else with a new
// sandbox, registered with its directory and on its way to started.
// Callers hold s.mu.
func (s *Server) createLocked(b *cpserver.CreateSandbox) (*sandbox, error) {
	if b == nil {
		b = &cpserver.CreateSandbox{}
	}
	sb, src, err := s.prepareLocked(b)
	if err != nil {
		return nil, err
	}
	if m := s.claimWarmLocked(b, sb); m != nil {
		return m, nil
	}
	if err := s.launchLocked(sb, src, OpCreate); err != nil {
		return nil, err
	}
	return sb, nil
}

// createSource is what a new sandbox is made from, besides its record.
type createSource struct {
	base    *snapshot // nil for an image build
	mounted []*volume // the volumes of sb.volumes, resolved
}

// prepareLocked validates b and returns the record of the sandbox it asks
// for, not yet registered and without a directory. Callers hold s.mu.
func (s *Server) prepareLocked(b *cpserver.CreateSandbox) (*sandbox, createSource, error) {
	now := time.Now().UTC()
	sb := &sandbox{
		id:          newUUID(),
		user:        defaultUser,
		target:      defaultTarget,
		class:       defaultClass,
		autoStop:    defaultAutoStop,
		autoArchive: defaultAutoArchive,
		autoDelete:  -1,
		createdAt:   now,
		authToken:   randomHex(16),
		signingKey:  randomHex(32),
	}
	sb.name = sb.id
	if b.Name != nil && strings.TrimSpace(*b.Name) != "" {
		sb.name = *b.Name
	}
	if s.nameTaken(sb.name, nil) {
		return nil, createSource{}, conflict("Sandbox with name %s already exists", sb.name)
	}
	if b.User != nil && *b.User != "" {
		sb.user = *b.User
	}
	if b.Env != nil {
		sb.env = cloneMap(*b.Env)
	}
	if b.Labels != nil {
		sb.labels = cloneMap(*b.Labels)
	}
	if b.Public != nil {
		sb.public = *b.Public
	}
	if b.NetworkBlockAll != nil {
		sb.networkBlockAll = *b.NetworkBlockAll
	}
	if b.NetworkAllowList != nil {
		if err := validateAllowList(*b.NetworkAllowList); err != nil {
			return nil, createSource{}, err
		}
		sb.networkAllowList = ptr(*b.NetworkAllowList)
	}
	if b.DomainAllowList != nil {
		sb.domainAllowList = ptr(*b.DomainAllowList)
	}
	if b.OutboundProxyURL != nil {
		sb.outboundProxyURL = ptr(*b.OutboundProxyURL)
	}
	if b.OtelEndpointOverride != nil {
		sb.otelEndpointOverride = ptr(*b.OtelEndpointOverride)
	}
	if b.Target != nil && strings.TrimSpace(*b.Target) != "" {
		sb.target = strings.TrimSpace(*b.Target)
	}
	if err := applyIntervals(sb, b); err != nil {
		return nil, createSource{}, err
	}
	var mounted []*volume
	if b.Volumes != nil {
		if err := validateVolumes(*b.Volumes); err != nil {
			return nil, createSource{}, err
		}
		var err error
		if mounted, err = s.resolveMounts(*b.Volumes); err != nil {
			return nil, createSource{}, err
		}
		sb.volumes = slices.Clone(*b.Volumes)
	}
	if b.Secrets != nil {
		if err := s.validateSandboxSecrets(*b.Secrets); err != nil {
			return nil, createSource{}, err
		}
		sb.secrets = cloneSecrets(*b.Secrets)
	}

	// The source: an image build, or a snapshot (default if none named).
	var base *snapshot
	if b.BuildInfo != nil {
		if strings.TrimSpace(b.BuildInfo.DockerfileContent) == "" {
			return nil, createSource{}, badRequest("buildInfo.dockerfileContent must not be empty")
		}
		var hashes []string
		if b.BuildInfo.ContextHashes != nil {
			hashes = slices.Clone(*b.BuildInfo.ContextHashes)
		}
		sb.build = &buildInfo{
			dockerfile:    b.BuildInfo.DockerfileContent,
			contextHashes: hashes,
			snapshotRef:   buildRef(b.BuildInfo.DockerfileContent, hashes),
			createdAt:     now,
			log:           newLogBuffer(),
		}
	} else {
		name := s.cfg.defaultSnapshot
		if b.Snapshot != nil && strings.TrimSpace(*b.Snapshot) != "" {
			name = strings.TrimSpace(*b.Snapshot)
		}
		base = s.findSnapshot(name)
		if base == nil {
			return nil, createSource{}, badRequest("Snapshot %s not found. Did you add it through the Daytona Dashboard?", name)
		}
		if base.state != cpserver.SnapshotStateActive {
			return nil, createSource{}, badRequest("Snapshot %s is %s", name, base.state)
		}
		sb.snapshot = base.name
		sb.class = base.class
		base.lastUsedAt = &now
	}
	if err := applyResources(sb, b, base); err != nil {
		return nil, createSource{}, err
	}
	if b.LinkedSandbox != nil && *b.LinkedSandbox != "" {
		linked, err := s.lookup(*b.LinkedSandbox)
		if err != nil {
			return nil, createSource{}, err
		}
		switch {
		case sb.autoDelete != 0:
			return nil, createSource{}, badRequest("Linked sandboxes must be ephemeral (autoDeleteInterval=0)")
		case linked.linkedSandboxID != nil:
			return nil, createSource{}, badRequest("Sandbox %s is itself linked to another sandbox", *b.LinkedSandbox)
		case sb.gpu > 0 || linked.gpu > 0:
			return nil, createSource{}, badRequest("GPU sandboxes cannot be linked")
		}
		sb.linkedSandboxID = ptr(linked.id)
	}

	return sb, createSource{base: base, mounted: mounted}, nil
}

// launchLocked gives the prepared sandbox sb its directory (the snapshot's
// files, the image build's outcome, the volume links), registers it and
// starts op's plan to started. Callers hold s.mu.
func (s *Server) launchLocked(sb *sandbox, src createSource, op Op) error {
	now := time.Now().UTC()
	sb.dir = filepath.Join(s.dataDir, "sandboxes", sb.id)
	if err := os.MkdirAll(sb.dir, 0o755); err != nil {
		return err
	}
	if base := src.base; base != nil && base.dir != "" {
		if err := copyDir(base.dir, sb.dir); err != nil {
			_ = os.RemoveAll(sb.dir)
			return err
		}
	}
	p := plan{op: op, desired: cpserver.SandboxDesiredStateStarted, steps: []State{StateCreating, StateStarted}}
	if sb.build != nil {
		// The build's outcome (and the files it copies in) is decided now;
		// the states and the log play it out (imagebuild.go).
		p.steps = []State{StatePendingBuild, StateBuildingSnapshot, StateStarting, StateStarted}
		if reason := s.buildImage(sb.build.dockerfile, sb.build.contextHashes, sb.dir); reason != "" {
			p.failure = &Failure{State: StateBuildFailed, Reason: reason}
		}
	}
	if err := s.mountVolumes(sb.dir, sb.volumes, src.mounted); err != nil {
		_ = os.RemoveAll(sb.dir)
		return err
	}
	sb.updatedAt, sb.stateSince, sb.lastActivity = now, now, now
	s.sandboxes[sb.id] = sb

	s.run(sb, p)
	return nil
}

// applyIntervals validates and applies the lifecycle intervals of a create.
func applyIntervals(sb *sandbox, b *cpserver.CreateSandbox) error {
	if v := b.AutoStopInterval; v != nil {
		if *v < 0 {
			return badRequest("Auto-stop interval must be non-negative")
		}
		sb.autoStop = *v
	}
	if v := b.AutoArchiveInterval; v != nil {
		a, err := resolveAutoArchive(*v)
		if err != nil {
			return err
		}
		sb.autoArchive = a
	}
	if v := b.AutoDeleteInterval; v != nil {
		sb.autoDelete = *v
	}
	if v := b.AutoPauseInterval; v != nil {
		if *v < 0 {
			return badRequest("Auto-pause interval must be non-negative")
		}
		if *v > 0 && sb.ephemeral() {
			return badRequest("Auto-pause is not allowed for ephemeral sandboxes")
		}
		if *v > 0 && b.AutoStopInterval != nil && *b.AutoStopInterval > 0 {
			return badRequest("At most one of autoStopInterval and autoPauseInterval may be non-zero")
		}
		sb.autoPause = *v
		if *v > 0 && b.AutoStopInterval == nil {
			sb.autoStop = 0
		}
	}
	if v := b.TTLMinutes; v != nil {
		if *v < 0 {
			return badRequest("TTL must be non-negative")
		}
		sb.ttlMinutes = *v
	}
	return nil
}

func resolveAutoArchive(v int) (int, error) {
	if v < 0 {
		return 0, badRequest("Auto-archive interval must be non-negative")
	}
	if v == 0 {
		return maxAutoArchive, nil
	}
	return min(v, maxAutoArchive), nil
}

// applyResources sets cpu, memory, disk and gpu: the request's values, else
// the snapshot's, else the defaults (1 vCPU, 1 GiB, 3 GiB, no GPU).
func applyResources(sb *sandbox, b *cpserver.CreateSandbox, base *snapshot) error {
	sb.cpu, sb.mem, sb.disk = defaultCPU, defaultMemory, defaultDisk
	if base != nil {
		sb.cpu, sb.mem, sb.disk, sb.gpu = base.cpu, base.mem, base.disk, base.gpu
	}
	for _, r := range []struct {
		name string
		v    *int
		dst  *int
		min  int
	}{
		{"cpu", b.CPU, &sb.cpu, 1},
		{"memory", b.Memory, &sb.mem, 1},
		{"disk", b.Disk, &sb.disk, 1},
		{"gpu", b.Gpu, &sb.gpu, 0},
	} {
		if r.v == nil {
			continue
		}
		if *r.v < r.min {
			return badRequest("%s must not be less than %d", r.name, r.min)
		}
		*r.dst = *r.v
	}
	if sb.gpu > 0 && b.GpuType != nil && len(*b.GpuType) > 0 {
		sb.gpuType = ptr((*b.GpuType)[0])
	}
	if b.Spot != nil {
		sb.spot = *b.Spot
	}
	return nil
}

// validateAllowList checks a comma-separated list of CIDRs.
func validateAllowList(list string) error {
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(part); err != nil {
			return badRequest("Invalid network allow list: %q is not a valid CIDR", part)
		}
	}
	return nil
}

// validateVolumes checks mount paths (absolute, not "/", unique) and
// subpaths (relative, no "..").
func validateVolumes(vols []cpserver.SandboxVolume) error {
	seen := map[string]bool{}
	for _, v := range vols {
		mp := path.Clean(v.MountPath)
		if !strings.HasPrefix(v.MountPath, "/") || mp == "/" {
			return badRequest("Invalid mount path %q: it must be an absolute path other than /", v.MountPath)
		}
		if seen[mp] {
			return badRequest("Duplicate mount path %q", v.MountPath)
		}
		seen[mp] = true
		if v.Subpath != nil {
			sp := *v.Subpath
			if strings.HasPrefix(sp, "/") || slices.Contains(strings.Split(sp, "/"), "..") {
				return badRequest("Invalid volume subpath %q", sp)
			}
		}
	}
	return nil
}

func cloneSecrets(in []map[string]string) []map[string]string {
	out := make([]map[string]string, len(in))
	for i, m := range in {
		out[i] = cloneMap(m)
	}
	return out
}

// buildRef is the snapshot reference of a build: a hash of its Dockerfile
// and context hashes (the same build reuses the same reference).
func buildRef(dockerfile string, hashes []string) string {
	h := sha256.New()
	h.Write([]byte(dockerfile))
	for _, c := range hashes {
		h.Write([]byte{0})
		h.Write([]byte(c))
	}
	return "daytona-build-" + hex.EncodeToString(h.Sum(nil))[:32]
}

// GetSandbox implements GET /sandbox/{sandboxIdOrName}.
func (h *handlers) GetSandbox(_ context.Context, req cpserver.GetSandboxRequestObject) (cpserver.GetSandboxResponseObject, error) {
	d, err := h.s.sandboxOp(req.SandboxIDOrName, nil)
	if err != nil {
		return nil, err
	}
	return cpserver.GetSandbox200JSONResponse(d), nil
}

// StartSandbox implements POST /sandbox/{sandboxIdOrName}/start: stopped
// -> starting, archived -> restoring, paused -> resuming, then started.
func (h *handlers) StartSandbox(_ context.Context, req cpserver.StartSandboxRequestObject) (cpserver.StartSandboxResponseObject, error) {
	s := h.s
	d, err := s.sandboxOp(req.SandboxIDOrName, func(sb *sandbox) error {
		if sb.state == StateStarted && sb.desired == cpserver.SandboxDesiredStateStarted {
			return nil
		}
		if err := assertNotErrored(sb); err != nil {
			return err
		}
		var via State
		switch sb.state {
		case StateStopped, StateArchiving:
			via = StateStarting
		case StateArchived:
			via = StateRestoring
		case StatePaused:
			via = StateResuming
		default:
			if !sb.state.stable() {
				return badRequest("State change in progress")
			}
			return badRequest("Sandbox is not in valid state")
		}
		s.run(sb, plan{op: OpStart, desired: cpserver.SandboxDesiredStateStarted, steps: []State{via, StateStarted}})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.StartSandbox200JSONResponse(d), nil
}

func assertNotErrored(sb *sandbox) error {
	if sb.state == StateError || sb.state == StateBuildFailed {
		return badRequest("Sandbox is in an errored state")
	}
	return nil
}

// StopSandbox implements POST /sandbox/{sandboxIdOrName}/stop. An ephemeral
// sandbox (autoDeleteInterval 0) is destroyed instead, and then answers 404.
func (h *handlers) StopSandbox(_ context.Context, req cpserver.StopSandboxRequestObject) (cpserver.StopSandboxResponseObject, error) {
	s := h.s
	d, err := s.sandboxOp(req.SandboxIDOrName, s.stopLocked)
	if err != nil {
		return nil, err
	}
	return cpserver.StopSandbox200JSONResponse(d), nil
}

func (s *Server) stopLocked(sb *sandbox) error {
	if err := assertNotErrored(sb); err != nil {
		return err
	}
	if !sb.state.stable() {
		return badRequest("State change in progress")
	}
	if sb.state != StateStarted {
		return badRequest("Sandbox is not started")
	}
	if sb.ephemeral() {
		s.run(sb, plan{op: OpStop, desired: cpserver.SandboxDesiredStateDestroyed,
			steps: []State{StateStopping, StateDestroying, StateDestroyed}})
		return nil
	}
	s.run(sb, plan{op: OpStop, desired: cpserver.SandboxDesiredStateStopped, steps: []State{StateStopping, StateStopped}})
	return nil
}

// DeleteSandbox implements DELETE /sandbox/{sandboxIdOrName}: destroying,
// then destroyed, after which the sandbox answers 404.
func (h *handlers) DeleteSandbox(_ context.Context, req cpserver.DeleteSandboxRequestObject) (cpserver.DeleteSandboxResponseObject, error) {
	s := h.s
	d, err := s.sandboxOp(req.SandboxIDOrName, s.deleteLocked)
	if err != nil {
		return nil, err
	}
	return cpserver.DeleteSandbox200JSONResponse(d), nil
}

func (s *Server) deleteLocked(sb *sandbox) error {
	if !sb.state.stable() {
		return badRequest("Sandbox state change in progress")
	}
	s.run(sb, plan{op: OpDelete, desired: cpserver.SandboxDesiredStateDestroyed, steps: []State{StateDestroying, StateDestroyed}})
	return nil
}

// ArchiveSandbox implements POST /sandbox/{sandboxIdOrName}/archive.
func (h *handlers) ArchiveSandbox(_ context.Context, req cpserver.ArchiveSandboxRequestObject) (cpserver.ArchiveSandboxResponseObject, error) {
	s := h.s
	d, err := s.sandboxOp(req.SandboxIDOrName, s.archiveLocked)
	if err != nil {
		return nil, err
	}
	return cpserver.ArchiveSandbox200JSONResponse(d), nil
}

func (s *Server) archiveLocked(sb *sandbox) error {
	if err := assertNotErrored(sb); err != nil {
		return err
	}
	switch {
	case !sb.state.stable():
		return badRequest("State change in progress")
	case sb.state != StateStopped:
		return badRequest("Sandbox is not stopped")
	case sb.ephemeral():
		return badRequest("Ephemeral sandboxes cannot be archived")
	}
	s.run(sb, plan{op: OpArchive, desired: cpserver.SandboxDesiredStateArchived, steps: []State{StateArchiving, StateArchived}})
	return nil
}

// RecoverSandbox implements POST /sandbox/{sandboxIdOrName}/recover for a
// sandbox in state error with recoverable set: it goes to stopped, then
// (unless skipStart) through starting to started.
func (h *handlers) RecoverSandbox(_ context.Context, req cpserver.RecoverSandboxRequestObject) (cpserver.RecoverSandboxResponseObject, error) {
	s := h.s
	skip := req.Params.SkipStart != nil && *req.Params.SkipStart
	d, err := s.sandboxOp(req.SandboxIDOrName, func(sb *sandbox) error {
		if sb.state != StateError {
			return badRequest("Sandbox must be in error state to recover")
		}
		if !sb.recoverable {
			return badRequest("Sandbox error is not recoverable")
		}
		sb.errorReason = nil
		sb.recoverable = false
		if skip {
			s.run(sb, plan{op: OpRecover, desired: cpserver.SandboxDesiredStateStopped, steps: []State{StateStopped}})
			return nil
		}
		s.run(sb, plan{op: OpRecover, desired: cpserver.SandboxDesiredStateStarted, steps: []State{StateStarting, StateStarted}})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.RecoverSandbox200JSONResponse(d), nil
}

// ResizeSandbox implements POST /sandbox/{sandboxIdOrName}/resize with the
// API's rules: a started sandbox can only grow CPU and memory; a stopped
// one can change CPU and memory and grow its disk; the disk never shrinks.
func (h *handlers) ResizeSandbox(_ context.Context, req cpserver.ResizeSandboxRequestObject) (cpserver.ResizeSandboxResponseObject, error) {
	s := h.s
	body := req.Body
	if body == nil {
		body = &cpserver.ResizeSandbox{}
	}
	d, err := s.sandboxOp(req.SandboxIDOrName, func(sb *sandbox) error {
		if sb.state != StateStarted && sb.state != StateStopped {
			if !sb.state.stable() {
				return badRequest("Sandbox state change in progress")
			}
			return badRequest("Sandbox must be in started or stopped state to resize")
		}
		if body.CPU == nil && body.Memory == nil && body.Disk == nil {
			return badRequest("No resource changes specified - sandbox is already at the desired configuration")
		}
		hot := sb.state == StateStarted
		if body.Disk != nil && hot {
			return badRequest("Disk resize can only be performed on a stopped sandbox")
		}
		if hot && body.CPU != nil && *body.CPU < sb.cpu {
			return badRequest("Sandbox must be in stopped state to decrease the number of CPU cores")
		}
		if hot && body.Memory != nil && *body.Memory < sb.mem {
			return badRequest("Sandbox must be in stopped state to decrease memory")
		}
		if body.Disk != nil && *body.Disk < sb.disk {
			return badRequest("Sandbox disk size cannot be decreased")
		}
		cpu, mem, disk := deref(body.CPU, sb.cpu), deref(body.Memory, sb.mem), deref(body.Disk, sb.disk)
		if cpu == sb.cpu && mem == sb.mem && disk == sb.disk {
			return badRequest("No resource changes specified - sandbox is already at the desired configuration")
		}
		s.run(sb, plan{op: OpResize, steps: []State{StateResizing, sb.state}, done: func(sb *sandbox) {
			sb.cpu, sb.mem, sb.disk = cpu, mem, disk
		}})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.ResizeSandbox200JSONResponse(d), nil
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// PauseSandbox implements POST /sandbox/{sandboxIdOrName}/pause: started ->
// pausing -> paused. Start resumes it.
func (h *handlers) PauseSandbox(_ context.Context, req cpserver.PauseSandboxRequestObject) (cpserver.PauseSandboxResponseObject, error) {
	s := h.s
	d, err := s.sandboxOp(req.SandboxIDOrName, s.pauseLocked)
	if err != nil {
		return nil, err
	}
	return cpserver.PauseSandbox200JSONResponse(d), nil
}

func (s *Server) pauseLocked(sb *sandbox) error {
	if err := assertNotErrored(sb); err != nil {
		return err
	}
	if !sb.state.stable() {
		return conflict("Sandbox state change in progress")
	}
	if sb.state != StateStarted {
		return badRequest("Sandbox must be in started state to pause")
	}
	s.run(sb, plan{op: OpPause, desired: cpserver.SandboxDesiredStatePaused, steps: []State{StatePausing, StatePaused}})
	return nil
}

// ForkSandbox implements POST /sandbox/{sandboxIdOrName}/fork: the source
// must be started; it passes through forking while its directory is copied
// into the new sandbox, which goes creating -> started. (Upstream forks
// only linux-vm and windows sandboxes; the emulator forks every class.)
func (h *handlers) ForkSandbox(_ context.Context, req cpserver.ForkSandboxRequestObject) (cpserver.ForkSandboxResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.lookup(req.SandboxIDOrName)
	if err != nil {
		return nil, err
	}
	if src.state != StateStarted {
		if !src.state.stable() {
			return nil, conflict("Sandbox state change in progress")
		}
		return nil, badRequest("Sandbox must be in started state to fork")
	}
	if src.gpu > 0 {
		return nil, errorf(422, "Forking is not supported for GPU sandboxes")
	}
	now := time.Now().UTC()
	fork := *src
	fork.id = newUUID()
	fork.name = fork.id
	if req.Body != nil && req.Body.Name != nil && *req.Body.Name != "" {
		fork.name = *req.Body.Name
	}
	if s.nameTaken(fork.name, nil) {
		return nil, conflict("Sandbox with this name already exists")
	}
	fork.env, fork.labels = cloneMap(src.env), cloneMap(src.labels)
	fork.volumes = slices.Clone(src.volumes)
	fork.secrets = cloneSecrets(src.secrets)
	fork.build = nil
	fork.parentID = src.id
	fork.linkedSandboxID = nil
	fork.errorReason, fork.recoverable = nil, false
	fork.createdAt, fork.updatedAt, fork.stateSince, fork.lastActivity = now, now, now, now
	fork.authToken, fork.signingKey = randomHex(16), randomHex(32)
	fork.gen, fork.autoGen, fork.autoCancel, fork.toolbox = 0, 0, nil, nil
	fork.dir = filepath.Join(s.dataDir, "sandboxes", fork.id)
	if err := copyDir(src.dir, fork.dir); err != nil {
		_ = os.RemoveAll(fork.dir)
		return nil, err
	}
	s.sandboxes[fork.id] = &fork
	s.run(src, plan{steps: []State{StateForking, StateStarted}})
	s.run(&fork, plan{op: OpFork, desired: cpserver.SandboxDesiredStateStarted, steps: []State{StateCreating, StateStarted}})
	return cpserver.ForkSandbox200JSONResponse(s.dto(&fork)), nil
}

// GetSandboxParent implements GET /sandbox/{sandboxIdOrName}/parent.
func (h *handlers) GetSandboxParent(_ context.Context, req cpserver.GetSandboxParentRequestObject) (cpserver.GetSandboxParentResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookup(req.SandboxIDOrName)
	if err != nil {
		return nil, err
	}
	parent := s.sandboxes[sb.parentID]
	if parent == nil {
		return nil, notFound("Sandbox %s has no parent", req.SandboxIDOrName)
	}
	return cpserver.GetSandboxParent200JSONResponse(s.dto(parent)), nil
}

// GetSandboxAncestors implements GET /sandbox/{sandboxIdOrName}/ancestors:
// the fork chain, oldest first.
func (h *handlers) GetSandboxAncestors(_ context.Context, req cpserver.GetSandboxAncestorsRequestObject) (cpserver.GetSandboxAncestorsResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookup(req.SandboxIDOrName)
	if err != nil {
		return nil, err
	}
	out := []cpserver.Sandbox{}
	seen := map[string]bool{sb.id: true}
	for p := s.sandboxes[sb.parentID]; p != nil && !seen[p.id] && len(out) < 50; p = s.sandboxes[p.parentID] {
		seen[p.id] = true
		out = append(out, s.dto(p))
	}
	slices.Reverse(out)
	return cpserver.GetSandboxAncestors200JSONResponse(out), nil
}

// GetSandboxForks implements GET /sandbox/{sandboxIdOrName}/forks (live
// forks only: the emulator forgets destroyed sandboxes).
func (h *handlers) GetSandboxForks(_ context.Context, req cpserver.GetSandboxForksRequestObject) (cpserver.GetSandboxForksResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookup(req.SandboxIDOrName)
	if err != nil {
		return nil, err
	}
	var kids []*sandbox
	for _, c := range s.sandboxes {
		if c.parentID == sb.id {
			kids = append(kids, c)
		}
	}
	slices.SortFunc(kids, func(a, b *sandbox) int { return a.createdAt.Compare(b.createdAt) })
	out := []cpserver.Sandbox{}
	for _, c := range kids {
		out = append(out, s.dto(c))
	}
	return cpserver.GetSandboxForks200JSONResponse(out), nil
}

// CreateSandboxSnapshot implements POST /sandbox/{sandboxIdOrName}/snapshot:
// the sandbox passes through snapshotting and, when it is back in its
// previous state, an active snapshot of its directory exists under the
// given name (sourceSandboxId set).
func (h *handlers) CreateSandboxSnapshot(_ context.Context, req cpserver.CreateSandboxSnapshotRequestObject) (cpserver.CreateSandboxSnapshotResponseObject, error) {
	s := h.s
	body := req.Body
	if body == nil || strings.TrimSpace(body.Name) == "" {
		return nil, badRequest("name must not be empty")
	}
	name := strings.TrimSpace(body.Name)
	d, err := s.sandboxOp(req.SandboxIDOrName, func(sb *sandbox) error {
		if sb.state != StateStarted && sb.state != StateStopped {
			if !sb.state.stable() {
				return conflict("Sandbox state change in progress")
			}
			return badRequest("Sandbox must be in started or stopped state to create a snapshot")
		}
		if body.IncludeMemory != nil && *body.IncludeMemory && sb.class != "windows" {
			return badRequest("includeMemory is only supported for Windows sandboxes")
		}
		if s.findSnapshot(name) != nil {
			return conflict("Snapshot with name %s already exists", name)
		}
		s.run(sb, plan{op: OpSnapshot, steps: []State{StateSnapshotting, sb.state}, done: func(sb *sandbox) {
			s.snapshotSandboxLocked(sb, name)
		}})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.CreateSandboxSnapshot200JSONResponse(d), nil
}

// snapshotSandboxLocked records an active snapshot holding a copy of sb's
// directory. Callers hold s.mu.
func (s *Server) snapshotSandboxLocked(sb *sandbox, name string) {
	if s.findSnapshot(name) != nil {
		s.recordf("snapshot %s of sandbox %s: the name was taken meanwhile", name, sb.id)
		return
	}
	now := time.Now().UTC()
	sn := &snapshot{
		id: newUUID(), name: name, state: cpserver.SnapshotStateActive,
		cpu: sb.cpu, gpu: sb.gpu, mem: sb.mem, disk: sb.disk, class: sb.class,
		sourceSandboxID: ptr(sb.id), regionIDs: []string{sb.target},
		createdAt: now, updatedAt: now,
	}
	sn.ref = "daytona-snapshot-" + sn.id
	sn.dir = filepath.Join(s.dataDir, "snapshots", sn.id)
	if err := copyDir(sb.dir, sn.dir); err != nil {
		s.recordf("copying sandbox %s into snapshot %s: %v", sb.id, name, err)
		return
	}
	s.snapshots[sn.id] = sn
	s.snapshotCreated(sn)
}

// ReplaceLabels implements PUT /sandbox/{sandboxIdOrName}/labels.
func (h *handlers) ReplaceLabels(_ context.Context, req cpserver.ReplaceLabelsRequestObject) (cpserver.ReplaceLabelsResponseObject, error) {
	var labels map[string]string
	_, err := h.s.sandboxOp(req.SandboxIDOrName, func(sb *sandbox) error {
		if req.Body != nil {
			sb.labels = cloneMap(req.Body.Labels)
		} else {
			sb.labels = map[string]string{}
		}
		sb.updatedAt = time.Now().UTC()
		labels = cloneMap(sb.labels)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.ReplaceLabels200JSONResponse(cpserver.SandboxLabels{Labels: labels}), nil
}

// minutes turns an interval path parameter into whole minutes.
func minutes(v float64, what string) (int, error) {
	if v != math.Trunc(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxInt32 {
		return 0, badRequest("%s must be a whole number of minutes", what)
	}
	return int(v), nil
}

// setInterval runs a POST /sandbox/{id}/<interval>/{n} operation.
func (s *Server) setInterval(idOrName string, v float64, what string, apply func(sb *sandbox, n int) error) (cpserver.Sandbox, error) {
	n, err := minutes(v, what)
	if err != nil {
		return cpserver.Sandbox{}, err
	}
	return s.sandboxOp(idOrName, func(sb *sandbox) error {
		if err := apply(sb, n); err != nil {
			return err
		}
		sb.updatedAt = time.Now().UTC()
		s.rescheduleAuto(sb)
		return nil
	})
}

// SetAutostopInterval implements POST /sandbox/{id}/autostop/{interval}.
func (h *handlers) SetAutostopInterval(_ context.Context, req cpserver.SetAutostopIntervalRequestObject) (cpserver.SetAutostopIntervalResponseObject, error) {
	d, err := h.s.setInterval(req.SandboxIDOrName, req.Interval, "Auto-stop interval", func(sb *sandbox, n int) error {
		if n < 0 {
			return badRequest("Auto-stop interval must be non-negative")
		}
		sb.autoStop = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.SetAutostopInterval200JSONResponse(d), nil
}

// SetAutoArchiveInterval implements POST /sandbox/{id}/autoarchive/{interval}
// (0 means the maximum, 30 days).
func (h *handlers) SetAutoArchiveInterval(_ context.Context, req cpserver.SetAutoArchiveIntervalRequestObject) (cpserver.SetAutoArchiveIntervalResponseObject, error) {
	d, err := h.s.setInterval(req.SandboxIDOrName, req.Interval, "Auto-archive interval", func(sb *sandbox, n int) error {
		a, err := resolveAutoArchive(n)
		sb.autoArchive = a
		return err
	})
	if err != nil {
		return nil, err
	}
	return cpserver.SetAutoArchiveInterval200JSONResponse(d), nil
}

// SetAutoDeleteInterval implements POST /sandbox/{id}/autodelete/{interval}
// (negative disables, 0 deletes on stop).
func (h *handlers) SetAutoDeleteInterval(_ context.Context, req cpserver.SetAutoDeleteIntervalRequestObject) (cpserver.SetAutoDeleteIntervalResponseObject, error) {
	d, err := h.s.setInterval(req.SandboxIDOrName, req.Interval, "Auto-delete interval", func(sb *sandbox, n int) error {
		sb.autoDelete = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.SetAutoDeleteInterval200JSONResponse(d), nil
}

// SetAutoPauseInterval implements POST /sandbox/{id}/autopause/{interval}.
func (h *handlers) SetAutoPauseInterval(_ context.Context, req cpserver.SetAutoPauseIntervalRequestObject) (cpserver.SetAutoPauseIntervalResponseObject, error) {
	d, err := h.s.setInterval(req.SandboxIDOrName, req.Interval, "Auto-pause interval", func(sb *sandbox, n int) error {
		if n < 0 {
			return badRequest("Auto-pause interval must be non-negative")
		}
		if n > 0 && sb.ephemeral() {
			return badRequest("Auto-pause is not allowed for ephemeral sandboxes")
		}
		sb.autoPause = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.SetAutoPauseInterval200JSONResponse(d), nil
}

// SetTTL implements POST /sandbox/{id}/ttl/{ttlMinutes}: the sandbox is
// destroyed that long after its creation (0 disables).
func (h *handlers) SetTTL(_ context.Context, req cpserver.SetTTLRequestObject) (cpserver.SetTTLResponseObject, error) {
	d, err := h.s.setInterval(req.SandboxIDOrName, req.TTLMinutes, "TTL", func(sb *sandbox, n int) error {
		if n < 0 {
			return badRequest("TTL must be non-negative")
		}
		sb.ttlMinutes = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.SetTTL200JSONResponse(d), nil
}

// UpdatePublicStatus implements POST /sandbox/{id}/public/{isPublic}.
func (h *handlers) UpdatePublicStatus(_ context.Context, req cpserver.UpdatePublicStatusRequestObject) (cpserver.UpdatePublicStatusResponseObject, error) {
	d, err := h.s.sandboxOp(req.SandboxIDOrName, func(sb *sandbox) error {
		sb.public = req.IsPublic
		sb.updatedAt = time.Now().UTC()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.UpdatePublicStatus200JSONResponse(d), nil
}

// UpdateNetworkSettings implements POST /sandbox/{id}/network-settings;
// absent fields are left as they are.
func (h *handlers) UpdateNetworkSettings(_ context.Context, req cpserver.UpdateNetworkSettingsRequestObject) (cpserver.UpdateNetworkSettingsResponseObject, error) {
	body := req.Body
	if body == nil {
		body = &cpserver.UpdateSandboxNetworkSettings{}
	}
	d, err := h.s.sandboxOp(req.SandboxIDOrName, func(sb *sandbox) error {
		if body.NetworkAllowList != nil {
			if err := validateAllowList(*body.NetworkAllowList); err != nil {
				return err
			}
		}
		if body.NetworkBlockAll != nil {
			sb.networkBlockAll = *body.NetworkBlockAll
		}
		if body.NetworkAllowList != nil {
			sb.networkAllowList = ptr(*body.NetworkAllowList)
		}
		if body.DomainAllowList != nil {
			sb.domainAllowList = ptr(*body.DomainAllowList)
		}
		sb.updatedAt = time.Now().UTC()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.UpdateNetworkSettings200JSONResponse(d), nil
}

// UpdateSandboxSecrets implements PUT /sandbox/{id}/secrets: the list
// replaces the mounted secrets; an empty list detaches them all. Every
// secret name must exist (secrets.go).
func (h *handlers) UpdateSandboxSecrets(_ context.Context, req cpserver.UpdateSandboxSecretsRequestObject) (cpserver.UpdateSandboxSecretsResponseObject, error) {
	d, err := h.s.sandboxOp(req.SandboxIDOrName, func(sb *sandbox) error {
		if req.Body != nil {
			if err := h.s.validateSandboxSecrets(req.Body.Secrets); err != nil {
				return err
			}
		}
		sb.secrets = nil
		if req.Body != nil {
			sb.secrets = cloneSecrets(req.Body.Secrets)
		}
		sb.updatedAt = time.Now().UTC()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.UpdateSandboxSecrets200JSONResponse(d), nil
}

// UpdateLastActivity implements POST /sandbox/{sandboxId}/last-activity
// (201, no body).
func (h *handlers) UpdateLastActivity(_ context.Context, req cpserver.UpdateLastActivityRequestObject) (cpserver.UpdateLastActivityResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookupID(req.SandboxID)
	if err != nil {
		return nil, err
	}
	sb.lastActivity = time.Now().UTC()
	return cpserver.UpdateLastActivity201Response{}, nil
}

// CreateBackup implements the deprecated no-op POST /sandbox/{id}/backup.
func (h *handlers) CreateBackup(_ context.Context, req cpserver.CreateBackupRequestObject) (cpserver.CreateBackupResponseObject, error) {
	d, err := h.s.sandboxOp(req.SandboxIDOrName, func(sb *sandbox) error {
		if sb.ephemeral() {
			return badRequest("Ephemeral sandboxes cannot be backed up")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cpserver.CreateBackup200JSONResponse(d), nil
}

// GetToolboxProxyURL implements GET /sandbox/{sandboxId}/toolbox-proxy-url.
func (h *handlers) GetToolboxProxyURL(_ context.Context, req cpserver.GetToolboxProxyURLRequestObject) (cpserver.GetToolboxProxyURLResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.lookupID(req.SandboxID); err != nil {
		return nil, err
	}
	return cpserver.GetToolboxProxyURL200JSONResponse{URL: s.URL + "/toolbox"}, nil
}

// GetSandboxSigningKey implements GET /sandbox/{sandboxId}/signing-key (a
// bare JSON string).
func (h *handlers) GetSandboxSigningKey(_ context.Context, req cpserver.GetSandboxSigningKeyRequestObject) (cpserver.GetSandboxSigningKeyResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookupID(req.SandboxID)
	if err != nil {
		return nil, err
	}
	return cpserver.GetSandboxSigningKey200JSONResponse(sb.signingKey), nil
}

// RotateSigningKey implements POST /sandbox/{sandboxId}/signing-key/rotate.
func (h *handlers) RotateSigningKey(_ context.Context, req cpserver.RotateSigningKeyRequestObject) (cpserver.RotateSigningKeyResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookupID(req.SandboxID)
	if err != nil {
		return nil, err
	}
	sb.signingKey = randomHex(32)
	return cpserver.RotateSigningKey200JSONResponse(sb.signingKey), nil
}
