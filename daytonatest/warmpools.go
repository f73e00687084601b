package daytonatest

import (
	"cmp"
	"context"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

// Warm pools (PROTOCOLS.md 11.3).
//
// A pool names an active snapshot (by ID or name; stored by name) and a
// target, one pool per snapshot and target (409 otherwise). Its resources
// are the snapshot's, its OS user the default and its env empty. The pool
// keeps `pool` sandboxes of that snapshot and target, its members: real
// sandboxes with warmPoolId set, made like any other (creating, then
// started after the latency) but without auto-stop, so that they stay warm.
// currentSize counts the members that are started. GET /sandbox leaves
// members out unless includeWarm=true; GET /sandbox/{id} finds them.
//
// A create is served by claiming a started member (the oldest) when it
// could not tell the difference, following upstream's rule: it is made
// from the pool's snapshot (not an image build) in the pool's target, its
// resources come out as the pool's with no GPU, it asks for the default OS
// user and no env, no volumes, no linked sandbox, and (the v0.205.1
// contract adds) no secrets; the emulator also requires no spot capacity
// and no injected create failure pending (Server.FailNext), so that
// injected failures always reach a fresh create. The claimed member loses
// its warmPoolId and takes what the create asks for: its name (when one is
// given), labels, public flag, network settings and lifecycle intervals
// (those not given get a new sandbox's defaults); its createdAt becomes
// the claim time. The answer is the member, already started.
//
// The pool is reconciled (members added or removed to match `pool`) when
// it is created or resized, after every claim, and whenever the pools are
// listed. A member that fails or that the user stops or deletes leaves the
// pool (it is deleted if it still exists) and is replaced. Surplus members
// are deleted, those not yet started and then the youngest first; PATCH
// with pool 0 drains the pool. DELETE deletes the pool and its members.
// A member being deleted keeps its warmPoolId until it is gone. Members
// are made and deleted without consuming injected failures. If a member
// cannot be made (say the snapshot was deleted), the pool's errorReason
// says why until a later reconciliation succeeds.

// warmPool is the emulator's record of a warm pool. Fields are guarded by
// Server.mu.
type warmPool struct {
	id, snapshot, target string
	pool                 int
	cpu, mem, disk       int
	errorReason          *string
	createdAt, updatedAt time.Time
}

// warmPoolDTO is the pool's WarmPool. Callers hold s.mu.
func (s *Server) warmPoolDTO(wp *warmPool) cpserver.WarmPool {
	ready := 0
	for _, m := range s.warmMembers(wp) {
		if m.state == StateStarted {
			ready++
		}
	}
	return cpserver.WarmPool{
		ID:             wp.id,
		OrganizationID: s.OrganizationID,
		Snapshot:       wp.snapshot,
		Target:         wp.target,
		Pool:           float64(wp.pool),
		CurrentSize:    float64(ready),
		CPU:            float64(wp.cpu),
		Mem:            float64(wp.mem),
		Disk:           float64(wp.disk),
		OsUser:         defaultUser,
		Env:            map[string]string{},
		ErrorReason:    wp.errorReason,
		CreatedAt:      isoTime(wp.createdAt),
		UpdatedAt:      isoTime(wp.updatedAt),
	}
}

// warmMembers returns the pool's live members (not being deleted), oldest
// first. Callers hold s.mu.
func (s *Server) warmMembers(wp *warmPool) []*sandbox {
	var out []*sandbox
	for _, sb := range s.sandboxes {
		if sb.warmPoolID == wp.id && sb.desired != cpserver.SandboxDesiredStateDestroyed {
			out = append(out, sb)
		}
	}
	slices.SortFunc(out, func(a, b *sandbox) int {
		return cmp.Or(a.createdAt.Compare(b.createdAt), cmp.Compare(a.id, b.id))
	})
	return out
}

// reconcileWarmPool adds or removes members so that the pool has wp.pool
// of them, replacing those that failed or were stopped. Callers hold s.mu.
func (s *Server) reconcileWarmPool(wp *warmPool) {
	var live []*sandbox
	for _, m := range s.warmMembers(wp) {
		if m.desired != cpserver.SandboxDesiredStateStarted || m.state == StateError || m.state == StateBuildFailed {
			s.drainWarmMember(m)
			continue
		}
		live = append(live, m)
	}
	if extra := len(live) - wp.pool; extra > 0 {
		// Drop those not started yet first, then the youngest.
		slices.SortStableFunc(live, func(a, b *sandbox) int {
			if sa, sb := a.state == StateStarted, b.state == StateStarted; sa != sb {
				if sa {
					return -1
				}
				return 1
			}
			return a.createdAt.Compare(b.createdAt)
		})
		for _, m := range live[len(live)-extra:] {
			s.drainWarmMember(m)
		}
		live = live[:len(live)-extra]
	}
	wp.errorReason = nil
	for n := len(live); n < wp.pool; n++ {
		if err := s.addWarmMember(wp); err != nil {
			reason := "cannot create a warm sandbox: " + err.Error()
			wp.errorReason = &reason // the pool's answer says it; not a server fault
			return
		}
	}
}

// addWarmMember creates one member of the pool. Callers hold s.mu.
func (s *Server) addWarmMember(wp *warmPool) error {
	sb, src, err := s.prepareLocked(&cpserver.CreateSandbox{
		Snapshot:         ptr(wp.snapshot),
		Target:           ptr(wp.target),
		AutoStopInterval: ptr(0), // warm members stay started
	})
	if err != nil {
		return err
	}
	sb.warmPoolID = wp.id
	return s.launchLocked(sb, src, "") // no op: injected failures are for the user's creates
}

// drainWarmMember deletes a member, whatever its state; it keeps its
// warmPoolId until it is gone. Callers hold s.mu.
func (s *Server) drainWarmMember(m *sandbox) {
	s.run(m, plan{desired: cpserver.SandboxDesiredStateDestroyed, steps: []State{StateDestroying, StateDestroyed}})
}

// claimWarmLocked serves the create b, prepared as sb, with a started
// member of a matching pool, if there is one, and returns it (nil
// otherwise). Callers hold s.mu.
func (s *Server) claimWarmLocked(b *cpserver.CreateSandbox, sb *sandbox) *sandbox {
	if b.BuildInfo != nil || sb.snapshot == "" || sb.user != defaultUser || len(sb.env) > 0 ||
		len(sb.volumes) > 0 || len(sb.secrets) > 0 || sb.linkedSandboxID != nil || sb.gpu > 0 || sb.spot ||
		len(s.failNext[OpCreate]) > 0 {
		return nil
	}
	for _, wp := range s.sortedWarmPools() {
		if wp.pool == 0 || wp.snapshot != sb.snapshot || wp.target != sb.target ||
			wp.cpu != sb.cpu || wp.mem != sb.mem || wp.disk != sb.disk {
			continue
		}
		for _, m := range s.warmMembers(wp) {
			if m.state != StateStarted || m.desired != cpserver.SandboxDesiredStateStarted {
				continue
			}
			s.applyClaim(m, b, sb)
			s.reconcileWarmPool(wp)
			return m
		}
	}
	return nil
}

// applyClaim turns the member m into the sandbox the create b (prepared
// as sb) asked for. Callers hold s.mu.
func (s *Server) applyClaim(m *sandbox, b *cpserver.CreateSandbox, sb *sandbox) {
	now := time.Now().UTC()
	m.warmPoolID = ""
	if b.Name != nil && strings.TrimSpace(*b.Name) != "" {
		m.name = sb.name
	}
	m.labels = maps.Clone(sb.labels)
	m.public = sb.public
	m.networkBlockAll = sb.networkBlockAll
	m.networkAllowList = sb.networkAllowList
	m.domainAllowList = sb.domainAllowList
	m.outboundProxyURL = sb.outboundProxyURL
	m.otelEndpointOverride = sb.otelEndpointOverride
	m.autoStop, m.autoArchive, m.autoDelete, m.autoPause, m.ttlMinutes = sb.autoStop, sb.autoArchive, sb.autoDelete, sb.autoPause, sb.ttlMinutes
	m.createdAt, m.updatedAt, m.lastActivity = now, now, now
	s.rescheduleAuto(m)
}

// sortedWarmPools returns the pools, oldest first. Callers hold s.mu.
func (s *Server) sortedWarmPools() []*warmPool {
	pools := slices.Collect(maps.Values(s.warmPools))
	slices.SortFunc(pools, func(a, b *warmPool) int {
		return cmp.Or(a.createdAt.Compare(b.createdAt), cmp.Compare(a.id, b.id))
	})
	return pools
}

// poolSize checks a pool size from the API (a JSON number).
func poolSize(v float64, lowest int) (int, error) {
	if v != math.Trunc(v) || v < float64(lowest) || v > 1000 {
		return 0, badRequest("pool must be a whole number from %d to 1000", lowest)
	}
	return int(v), nil
}

// ListWarmPools implements GET /warm-pools, oldest first. Listing
// reconciles every pool first.
func (h *handlers) ListWarmPools(_ context.Context, _ cpserver.ListWarmPoolsRequestObject) (cpserver.ListWarmPoolsResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	out := cpserver.ListWarmPools200JSONResponse{}
	for _, wp := range s.sortedWarmPools() {
		s.reconcileWarmPool(wp)
		out = append(out, s.warmPoolDTO(wp))
	}
	return out, nil
}

// CreateWarmPool implements POST /warm-pools (201) and starts filling the
// pool.
func (h *handlers) CreateWarmPool(_ context.Context, req cpserver.CreateWarmPoolRequestObject) (cpserver.CreateWarmPoolResponseObject, error) {
	s := h.s
	b := req.Body
	if b == nil {
		return nil, badRequest("the request body is required")
	}
	n, err := poolSize(b.Pool, 1)
	if err != nil {
		return nil, err
	}
	target := defaultTarget
	if b.Target != nil && strings.TrimSpace(*b.Target) != "" {
		target = strings.TrimSpace(*b.Target)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sn := s.findSnapshot(b.Snapshot)
	if sn == nil {
		return nil, notFound("Snapshot %s not found", b.Snapshot)
	}
	if sn.state != cpserver.SnapshotStateActive {
		return nil, badRequest("Snapshot %s is not active (state %s)", sn.name, sn.state)
	}
	for _, wp := range s.warmPools {
		if wp.snapshot == sn.name && wp.target == target {
			return nil, conflict("A warm pool for snapshot %s in %s already exists", sn.name, target)
		}
	}
	now := time.Now().UTC()
	wp := &warmPool{
		id: newUUID(), snapshot: sn.name, target: target, pool: n,
		cpu: sn.cpu, mem: sn.mem, disk: sn.disk, createdAt: now, updatedAt: now,
	}
	s.warmPools[wp.id] = wp
	s.reconcileWarmPool(wp)
	return cpserver.CreateWarmPool201JSONResponse(s.warmPoolDTO(wp)), nil
}

// UpdateWarmPool implements PATCH /warm-pools/{id}: resizes the pool
// (pool 0 drains it).
func (h *handlers) UpdateWarmPool(_ context.Context, req cpserver.UpdateWarmPoolRequestObject) (cpserver.UpdateWarmPoolResponseObject, error) {
	s := h.s
	if req.Body == nil {
		return nil, badRequest("the request body is required")
	}
	n, err := poolSize(req.Body.Pool, 0)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wp := s.warmPools[req.ID]
	if wp == nil {
		return nil, notFound("Warm pool with ID %s not found", req.ID)
	}
	wp.pool = n
	wp.updatedAt = time.Now().UTC()
	s.reconcileWarmPool(wp)
	return cpserver.UpdateWarmPool200JSONResponse(s.warmPoolDTO(wp)), nil
}

// DeleteWarmPool implements DELETE /warm-pools/{id} (204): the pool's
// members are deleted with it.
func (h *handlers) DeleteWarmPool(_ context.Context, req cpserver.DeleteWarmPoolRequestObject) (cpserver.DeleteWarmPoolResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	wp := s.warmPools[req.ID]
	if wp == nil {
		return nil, notFound("Warm pool with ID %s not found", req.ID)
	}
	for _, m := range s.warmMembers(wp) {
		s.drainWarmMember(m)
	}
	delete(s.warmPools, req.ID)
	return cpserver.DeleteWarmPool204Response{}, nil
}
