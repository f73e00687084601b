package daytona

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/controlplane"
)

// VolumeState is a volume's state as the control plane reports it. Values
// this SDK does not know are kept as they are.
type VolumeState string

// The volume states of API v0.205.1.
const (
	VolumeStatePendingCreate VolumeState = "pending_create"
	VolumeStateCreating      VolumeState = "creating"
	VolumeStateReady         VolumeState = "ready"
	VolumeStatePendingDelete VolumeState = "pending_delete"
	VolumeStateDeleting      VolumeState = "deleting"
	VolumeStateDeleted       VolumeState = "deleted"
	VolumeStateError         VolumeState = "error"
)

// Volume is a shared volume as the control plane last reported it: a
// plain value, safe to copy. Mount it in a sandbox with [VolumeMount].
type Volume struct {
	// ID and Name identify the volume.
	ID, Name string
	// OrganizationID is the owner.
	OrganizationID string
	// State is the volume's state; ErrorReason says why it failed.
	State       VolumeState
	ErrorReason string // ErrorReason says why the volume failed; empty if it did not.
	// CreatedAt, UpdatedAt and LastUsedAt (zero if never mounted) are the
	// volume's timestamps.
	CreatedAt, UpdatedAt, LastUsedAt time.Time
}

func volumeFromAPI(d *controlplane.VolumeDto) *Volume {
	return &Volume{
		ID:             d.ID,
		Name:           d.Name,
		OrganizationID: d.OrganizationID,
		State:          VolumeState(d.State),
		ErrorReason:    fromPtr(d.ErrorReason),
		CreatedAt:      parseAPITime(&d.CreatedAt),
		UpdatedAt:      parseAPITime(&d.UpdatedAt),
		LastUsedAt:     parseAPITime(d.LastUsedAt),
	}
}

// VolumeService creates and manages volumes, storage that outlives
// sandboxes and can be shared between them. Get it from [Client.Volumes].
type VolumeService struct{ c *Client }

// VolumeListOptions configures [VolumeService.List].
type VolumeListOptions struct {
	// IncludeDeleted also lists deleted volumes.
	IncludeDeleted bool
}

// GetVolumeOptions configures [VolumeService.Get].
type GetVolumeOptions struct {
	// Create creates the volume when none has the name. The new volume is
	// not ready yet: see [VolumeService.WaitUntilReady].
	Create bool
}

// List returns the organization's volumes.
func (v *VolumeService) List(ctx context.Context, opts VolumeListOptions) ([]*Volume, error) {
	params := &controlplane.ListVolumesParams{}
	if opts.IncludeDeleted {
		params.IncludeDeleted = toPtr(true)
	}
	resp, err := v.c.cp.ListVolumesWithResponse(ctx, params)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to GET /volumes: %s", resp.Status())
	}
	out := make([]*Volume, 0, len(*resp.JSON200))
	for i := range *resp.JSON200 {
		out = append(out, volumeFromAPI(&(*resp.JSON200)[i]))
	}
	return out, nil
}

// validateVolumeName rejects a name the API cannot take in a path.
func validateVolumeName(name string) error {
	if strings.TrimSpace(name) == "" {
		return invalidf("volume name is empty")
	}
	for _, r := range name {
		if r < ' ' || r == 0x7f || strings.ContainsRune("/?#%\\", r) {
			return invalidf("volume name %q contains %s", name, describeRune(r))
		}
	}
	return nil
}

// Get returns the volume called name. A missing volume gives an error
// matching ErrNotFound, unless opts.Create is set: then it is created.
func (v *VolumeService) Get(ctx context.Context, name string, opts GetVolumeOptions) (*Volume, error) {
	if err := validateVolumeName(name); err != nil {
		return nil, err
	}
	vol, err := v.byName(ctx, name)
	if !opts.Create || !errors.Is(err, ErrNotFound) {
		return vol, err
	}
	vol, err = v.Create(ctx, name)
	if errors.Is(err, ErrConflict) {
		return v.byName(ctx, name) // created by someone else meanwhile
	}
	return vol, err
}

func (v *VolumeService) byName(ctx context.Context, name string) (*Volume, error) {
	resp, err := v.c.cp.GetVolumeByNameWithResponse(ctx, name, nil)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to GET /volumes/by-name/{name}: %s", resp.Status())
	}
	return volumeFromAPI(resp.JSON200), nil
}

// Create creates a volume called name and returns it at once, before it is
// ready (see [VolumeService.WaitUntilReady]). A taken name gives an error
// matching ErrConflict.
func (v *VolumeService) Create(ctx context.Context, name string) (*Volume, error) {
	if err := validateVolumeName(name); err != nil {
		return nil, err
	}
	resp, err := v.c.cp.CreateVolumeWithResponse(ctx, nil, controlplane.CreateVolume{Name: name})
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to POST /volumes: %s", resp.Status())
	}
	return volumeFromAPI(resp.JSON200), nil
}

// Delete deletes the volume with this ID or name; the server removes it
// in the background. A volume mounted by a sandbox gives an error
// matching ErrConflict.
func (v *VolumeService) Delete(ctx context.Context, idOrName string) error {
	if err := validateVolumeName(idOrName); err != nil {
		return err
	}
	del := func(id string) error {
		_, err := v.c.cp.DeleteVolumeWithResponse(ctx, id, nil)
		return wrapErr(ctx, err)
	}
	if uuidRE.MatchString(idOrName) {
		if err := del(idOrName); !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	vol, err := v.byName(ctx, idOrName)
	if err != nil {
		return err
	}
	return del(vol.ID)
}

// WaitUntilReady polls the volume called name until it is ready and
// returns it. A volume in state error gives an error matching ErrServer
// that wraps a *FailedStateError (Resource "volume") with the server's
// reason; the end of ctx gives an error wrapping ctx.Err() (ErrTimeout for
// a deadline).
func (v *VolumeService) WaitUntilReady(ctx context.Context, name string) (*Volume, error) {
	if err := validateVolumeName(name); err != nil {
		return nil, err
	}
	var last *Volume
	check := func(ctx context.Context) (bool, error) {
		vol, err := v.byName(ctx, name)
		if err != nil {
			return false, err
		}
		last = vol
		switch vol.State {
		case VolumeStateReady:
			return true, nil
		case VolumeStateError:
			return false, failedState(&FailedStateError{Resource: "volume", ID: vol.ID, State: string(vol.State), Reason: vol.ErrorReason})
		}
		return false, nil
	}
	what := func() string {
		state := "unknown"
		if last != nil {
			state = string(last.State)
		}
		return fmt.Sprintf("volume %s did not become ready (last state: %s)", name, state)
	}
	sub := v.c.subscribe("volume", "", name)
	defer sub.close()
	err := pollWoken(ctx, defaultBackoff, sub, what, check)
	return last, err
}
