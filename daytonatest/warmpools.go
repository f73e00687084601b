package daytonatest

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

// Warm pools (PROTOCOLS.md 11.3): the records only. A pool names an active
// snapshot (by ID or name; stored by name) and a target, one pool per
// snapshot and target (409 otherwise); its resources are the snapshot's,
// its OS user the default and its env empty. The emulator does not keep
// warm sandboxes: currentSize is always 0 and every create makes a new
// sandbox, which is what the real service does when a pool is empty.

// warmPool is the emulator's record of a warm pool. Fields are guarded by
// Server.mu.
type warmPool struct {
	id, snapshot, target string
	pool                 int
	cpu, mem, disk       int
	createdAt, updatedAt time.Time
}

func (wp *warmPool) dto(orgID string) cpserver.WarmPool {
	return cpserver.WarmPool{
		ID:             wp.id,
		OrganizationID: orgID,
		Snapshot:       wp.snapshot,
		Target:         wp.target,
		Pool:           float64(wp.pool),
		CurrentSize:    0,
		CPU:            float64(wp.cpu),
		Mem:            float64(wp.mem),
		Disk:           float64(wp.disk),
		OsUser:         defaultUser,
		Env:            map[string]string{},
		CreatedAt:      isoTime(wp.createdAt),
		UpdatedAt:      isoTime(wp.updatedAt),
	}
}

// poolSize checks a pool size from the API (a JSON number).
func poolSize(v float64, lowest int) (int, error) {
	if v != math.Trunc(v) || v < float64(lowest) || v > 1000 {
		return 0, badRequest("pool must be a whole number from %d to 1000", lowest)
	}
	return int(v), nil
}

// ListWarmPools implements GET /warm-pools, oldest first.
func (h *handlers) ListWarmPools(_ context.Context, _ cpserver.ListWarmPoolsRequestObject) (cpserver.ListWarmPoolsResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var pools []*warmPool
	for _, wp := range s.warmPools {
		pools = append(pools, wp)
	}
	slices.SortFunc(pools, func(a, b *warmPool) int {
		return cmp.Or(a.createdAt.Compare(b.createdAt), cmp.Compare(a.id, b.id))
	})
	out := cpserver.ListWarmPools200JSONResponse{}
	for _, wp := range pools {
		out = append(out, wp.dto(s.OrganizationID))
	}
	return out, nil
}

// CreateWarmPool implements POST /warm-pools (201).
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
	return cpserver.CreateWarmPool201JSONResponse(wp.dto(s.OrganizationID)), nil
}

// UpdateWarmPool implements PATCH /warm-pools/{id} (pool 0 drains it).
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
	return cpserver.UpdateWarmPool200JSONResponse(wp.dto(s.OrganizationID)), nil
}

// DeleteWarmPool implements DELETE /warm-pools/{id} (204).
func (h *handlers) DeleteWarmPool(_ context.Context, req cpserver.DeleteWarmPoolRequestObject) (cpserver.DeleteWarmPoolResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.warmPools[req.ID] == nil {
		return nil, notFound("Warm pool with ID %s not found", req.ID)
	}
	delete(s.warmPools, req.ID)
	return cpserver.DeleteWarmPool204Response{}, nil
}
