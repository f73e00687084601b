package daytona

import (
	"cmp"
	"context"
	"maps"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/controlplane"
)

// WarmPool keeps sandboxes of one snapshot started in advance. There is
// no claim call: a [Client.Create] from that snapshot with the default OS
// user and no custom env, volumes or secrets is served from the pool.
type WarmPool struct {
	// ID identifies the pool.
	ID string
	// OrganizationID is the owner.
	OrganizationID string
	// Snapshot is the snapshot the pool's sandboxes come from.
	Snapshot string
	// Target is the pool's region.
	Target string
	// Pool is the number of warm sandboxes wanted; CurrentSize the number
	// ready now.
	Pool, CurrentSize int
	// Resources are the pool sandboxes' resources.
	Resources Resources
	// OSUser and Env are the pool sandboxes' OS user and environment.
	OSUser string
	Env    map[string]string // Env is the pool sandboxes' environment variables.
	// ErrorReason says why the pool cannot fill, if it cannot.
	ErrorReason string
	// CreatedAt and UpdatedAt are the pool's timestamps.
	CreatedAt, UpdatedAt time.Time
}

func warmPoolFromAPI(d *controlplane.WarmPool) *WarmPool {
	return &WarmPool{
		ID:             d.ID,
		OrganizationID: d.OrganizationID,
		Snapshot:       d.Snapshot,
		Target:         d.Target,
		Pool:           roundInt(d.Pool),
		CurrentSize:    roundInt(d.CurrentSize),
		Resources:      resourcesFromAPI(d.CPU, 0, d.Mem, d.Disk, nil),
		OSUser:         d.OsUser,
		Env:            maps.Clone(d.Env),
		ErrorReason:    fromPtr(d.ErrorReason),
		CreatedAt:      parseAPITime(&d.CreatedAt),
		UpdatedAt:      parseAPITime(&d.UpdatedAt),
	}
}

// WarmPoolService manages warm pools. Get it from [Client.WarmPools].
type WarmPoolService struct{ c *Client }

// CreateWarmPoolParams describes a new warm pool.
type CreateWarmPoolParams struct {
	// Snapshot is the snapshot's ID or name (required).
	Snapshot string
	// Pool is the number of warm sandboxes to keep (at least 1; the server
	// caps it by the organization's quota).
	Pool int
	// Target is the region; empty means the client's Config.Target, then
	// the organization's default.
	Target string
}

// List returns the organization's warm pools.
func (w *WarmPoolService) List(ctx context.Context) ([]*WarmPool, error) {
	resp, err := w.c.cp.ListWarmPoolsWithResponse(ctx, nil)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to GET /warm-pools: %s", resp.Status())
	}
	out := make([]*WarmPool, 0, len(*resp.JSON200))
	for i := range *resp.JSON200 {
		out = append(out, warmPoolFromAPI(&(*resp.JSON200)[i]))
	}
	return out, nil
}

// Get returns the warm pool with this ID; a missing one gives an error
// matching ErrNotFound. The API has no single-pool read, so Get lists the
// pools.
func (w *WarmPoolService) Get(ctx context.Context, id string) (*WarmPool, error) {
	if err := validateWarmPoolID(id); err != nil {
		return nil, err
	}
	pools, err := w.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range pools {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, newSDKError(ErrNotFound, nil, "warm pool %s not found", id)
}

func validateWarmPoolID(id string) error {
	if strings.TrimSpace(id) == "" {
		return invalidf("warm pool ID is empty")
	}
	if strings.ContainsFunc(id, func(r rune) bool { return r < ' ' || strings.ContainsRune("/?#%\\", r) }) {
		return invalidf("warm pool ID %q is not valid", id)
	}
	return nil
}

// Create creates a warm pool and returns it.
func (w *WarmPoolService) Create(ctx context.Context, p CreateWarmPoolParams) (*WarmPool, error) {
	if err := validateRef("snapshot", p.Snapshot); err != nil {
		return nil, err
	}
	if p.Pool < 1 {
		return nil, invalidf("warm pool size %d is below 1", p.Pool)
	}
	body := controlplane.CreateWarmPool{Snapshot: p.Snapshot, Pool: float64(p.Pool)}
	if t := cmp.Or(p.Target, w.c.cfg.Target); t != "" {
		body.Target = toPtr(t)
	}
	resp, err := w.c.cp.CreateWarmPoolWithResponse(ctx, nil, body)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON201 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to POST /warm-pools: %s", resp.Status())
	}
	return warmPoolFromAPI(resp.JSON201), nil
}

// Update sets the number of warm sandboxes the pool keeps (0 drains it)
// and returns the pool.
func (w *WarmPoolService) Update(ctx context.Context, id string, pool int) (*WarmPool, error) {
	if err := validateWarmPoolID(id); err != nil {
		return nil, err
	}
	if pool < 0 {
		return nil, invalidf("warm pool size %d is negative", pool)
	}
	resp, err := w.c.cp.UpdateWarmPoolWithResponse(ctx, id, nil, controlplane.UpdateWarmPool{Pool: float64(pool)})
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to PATCH /warm-pools/{id}: %s", resp.Status())
	}
	return warmPoolFromAPI(resp.JSON200), nil
}

// Delete deletes the warm pool with this ID.
func (w *WarmPoolService) Delete(ctx context.Context, id string) error {
	if err := validateWarmPoolID(id); err != nil {
		return err
	}
	_, err := w.c.cp.DeleteWarmPoolWithResponse(ctx, id, nil)
	return wrapErr(ctx, err)
}
