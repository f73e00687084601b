package daytona

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/controlplane"
	"github.com/daytona-go/daytona/imagebuilder"
)

// SnapshotState is a snapshot's state as the control plane reports it.
// Values this SDK does not know are kept as they are.
type SnapshotState string

// The snapshot states of API v0.205.1.
const (
	SnapshotStatePending      SnapshotState = "pending"
	SnapshotStateBuilding     SnapshotState = "building"
	SnapshotStatePulling      SnapshotState = "pulling"
	SnapshotStateSnapshotting SnapshotState = "snapshotting"
	SnapshotStateActive       SnapshotState = "active"
	SnapshotStateInactive     SnapshotState = "inactive"
	SnapshotStateError        SnapshotState = "error"
	SnapshotStateBuildFailed  SnapshotState = "build_failed"
	SnapshotStateRemoving     SnapshotState = "removing"
)

// Failed reports whether s is a failure state (error or build_failed).
func (s SnapshotState) Failed() bool { return s == SnapshotStateError || s == SnapshotStateBuildFailed }

// Snapshot is a snapshot as the control plane last reported it: a plain
// value, safe to copy. Get a fresh one with [SnapshotService.Get].
type Snapshot struct {
	// ID and Name identify the snapshot; either works with Get, Delete,
	// Activate and Deactivate.
	ID, Name string
	// OrganizationID is the owner; empty for a general snapshot.
	OrganizationID string
	// General snapshots are shared by every organization.
	General bool
	// ImageName is the registry image the snapshot was pulled from, if any.
	ImageName string
	// State is the snapshot's state; ErrorReason says why it failed.
	State       SnapshotState
	ErrorReason string // ErrorReason says why the snapshot failed; empty if it did not.
	// Size is the image size in GB, 0 until known.
	Size float64
	// Entrypoint is the image's entrypoint, if set.
	Entrypoint []string
	// Resources are the resources of sandboxes created from the snapshot.
	Resources Resources
	// Class is the sandbox class the snapshot is for.
	Class SandboxClass
	// Ref is the image reference the runners pull.
	Ref string
	// RegionIDs are the regions where the snapshot is available.
	RegionIDs []string
	// InitialRunnerID is the runner that built or pulled it.
	InitialRunnerID string
	// SourceSandboxID is the sandbox it was taken from, if any.
	SourceSandboxID string
	// BuildInfo describes the build of a snapshot made from a Dockerfile.
	BuildInfo *BuildInfo
	// CreatedAt, UpdatedAt and LastUsedAt (zero if never used) are the
	// snapshot's timestamps.
	CreatedAt, UpdatedAt, LastUsedAt time.Time
}

func snapshotFromAPI(d *controlplane.SnapshotDto) *Snapshot {
	sn := &Snapshot{
		ID:              d.ID,
		Name:            d.Name,
		OrganizationID:  fromPtr(d.OrganizationID),
		General:         d.General,
		ImageName:       fromPtr(d.ImageName),
		State:           SnapshotState(d.State),
		ErrorReason:     fromPtr(d.ErrorReason),
		Size:            fromPtr(d.Size),
		Resources:       resourcesFromAPI(d.CPU, d.Gpu, d.Mem, d.Disk, d.GpuType),
		Class:           SandboxClass(fromPtr(d.SandboxClass)),
		Ref:             fromPtr(d.Ref),
		InitialRunnerID: fromPtr(d.InitialRunnerID),
		SourceSandboxID: fromPtr(d.SourceSandboxID),
		CreatedAt:       d.CreatedAt,
		UpdatedAt:       d.UpdatedAt,
		LastUsedAt:      fromPtr(d.LastUsedAt),
	}
	if d.Entrypoint != nil {
		sn.Entrypoint = slices.Clone(*d.Entrypoint)
	}
	if d.RegionIds != nil {
		sn.RegionIDs = slices.Clone(*d.RegionIds)
	}
	if b := d.BuildInfo; b != nil {
		sn.BuildInfo = &BuildInfo{
			DockerfileContent: fromPtr(b.DockerfileContent),
			SnapshotRef:       b.SnapshotRef,
			CreatedAt:         b.CreatedAt,
			UpdatedAt:         b.UpdatedAt,
		}
		if b.ContextHashes != nil {
			sn.BuildInfo.ContextHashes = slices.Clone(*b.ContextHashes)
		}
	}
	return sn
}

// SnapshotService creates and manages snapshots, the images sandboxes are
// created from. Get it from [Client.Snapshots].
type SnapshotService struct{ c *Client }

// SnapshotSort is a field snapshots can be listed by.
type SnapshotSort string

// The sort fields of the snapshot list.
const (
	SnapshotSortName       SnapshotSort = "name"
	SnapshotSortState      SnapshotSort = "state"
	SnapshotSortCreatedAt  SnapshotSort = "createdAt"
	SnapshotSortLastUsedAt SnapshotSort = "lastUsedAt"
)

// SnapshotListOptions filters and pages [SnapshotService.List] and
// [SnapshotService.All]. The zero value is the first page of every
// snapshot, in the server's order (most recently used first).
type SnapshotListOptions struct {
	// Page is the 1-based page (0 means 1). All starts there.
	Page int
	// Limit is the page size (0 means the server's default, 100).
	Limit int
	// Name keeps snapshots whose name contains it.
	Name string
	// SourceSandboxID keeps snapshots taken from that sandbox.
	SourceSandboxID string
	// Sort and Order choose the ordering; empty means the server's.
	Sort  SnapshotSort
	Order SortOrder // Order is the direction: SortAscending or SortDescending.
}

// SnapshotPage is one page of a snapshot listing.
type SnapshotPage struct {
	// Snapshots are the page's snapshots.
	Snapshots []*Snapshot
	// Page is this page's number, TotalPages the number of pages and
	// Total the number of snapshots matching the filters.
	Page, TotalPages, Total int
}

func (o SnapshotListOptions) params() (*controlplane.GetAllSnapshotsParams, error) {
	p := &controlplane.GetAllSnapshotsParams{}
	switch {
	case o.Page < 0:
		return nil, invalidf("snapshot list: Page %d is negative", o.Page)
	case o.Limit < 0:
		return nil, invalidf("snapshot list: Limit %d is negative", o.Limit)
	}
	if o.Page > 0 {
		p.Page = toPtr(float64(o.Page))
	}
	if o.Limit > 0 {
		p.Limit = toPtr(float64(o.Limit))
	}
	if o.Name != "" {
		p.Name = toPtr(o.Name)
	}
	if o.SourceSandboxID != "" {
		p.SourceSandboxID = toPtr(o.SourceSandboxID)
	}
	switch o.Sort {
	case "":
	case SnapshotSortName, SnapshotSortState, SnapshotSortCreatedAt, SnapshotSortLastUsedAt:
		p.Sort = toPtr(controlplane.GetAllSnapshotsParamsSort(o.Sort))
	default:
		return nil, invalidf("snapshot list: unknown sort field %q", o.Sort)
	}
	switch o.Order {
	case "":
	case SortAscending, SortDescending:
		p.Order = toPtr(controlplane.GetAllSnapshotsParamsOrder(o.Order))
	default:
		return nil, invalidf("snapshot list: unknown sort order %q", o.Order)
	}
	return p, nil
}

// List returns one page of snapshots.
func (s *SnapshotService) List(ctx context.Context, opts SnapshotListOptions) (*SnapshotPage, error) {
	params, err := opts.params()
	if err != nil {
		return nil, err
	}
	return s.list(ctx, params)
}

func (s *SnapshotService) list(ctx context.Context, params *controlplane.GetAllSnapshotsParams) (*SnapshotPage, error) {
	resp, err := s.c.cp.GetAllSnapshotsWithResponse(ctx, params)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	r := resp.JSON200
	if r == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to GET /snapshots: %s", resp.Status())
	}
	page := &SnapshotPage{Page: roundInt(r.Page), TotalPages: roundInt(r.TotalPages), Total: roundInt(r.Total)}
	for i := range r.Items {
		page.Snapshots = append(page.Snapshots, snapshotFromAPI(&r.Items[i]))
	}
	return page, nil
}

// All iterates over every snapshot matching opts, from opts.Page on,
// fetching pages lazily as the loop advances; breaking out of the loop
// stops fetching. An error is yielded once, as the last element.
func (s *SnapshotService) All(ctx context.Context, opts SnapshotListOptions) iter.Seq2[*Snapshot, error] {
	return func(yield func(*Snapshot, error) bool) {
		params, err := opts.params()
		if err != nil {
			yield(nil, err)
			return
		}
		pages(opts.Page, func(page int) ([]*Snapshot, int, error) {
			params.Page = toPtr(float64(page))
			p, err := s.list(ctx, params)
			if err != nil {
				return nil, 0, err
			}
			return p.Snapshots, p.TotalPages, nil
		})(yield)
	}
}

// Get returns the snapshot with this ID or name; a missing one gives an
// error matching ErrNotFound.
func (s *SnapshotService) Get(ctx context.Context, idOrName string) (*Snapshot, error) {
	if err := validateRef("snapshot", idOrName); err != nil {
		return nil, err
	}
	resp, err := s.c.cp.GetSnapshotWithResponse(ctx, idOrName, nil)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to GET /snapshots/{id}: %s", resp.Status())
	}
	return snapshotFromAPI(resp.JSON200), nil
}

// Delete deletes the snapshot with this ID or name. The server removes it
// in the background (state removing).
func (s *SnapshotService) Delete(ctx context.Context, idOrName string) error {
	return s.byID(ctx, idOrName, func(id string) error {
		_, err := s.c.cp.RemoveSnapshotWithResponse(ctx, id, nil)
		return wrapErr(ctx, err)
	})
}

// Activate makes an inactive snapshot (ID or name) usable again and
// returns it.
func (s *SnapshotService) Activate(ctx context.Context, idOrName string) (*Snapshot, error) {
	var sn *Snapshot
	err := s.byID(ctx, idOrName, func(id string) error {
		resp, err := s.c.cp.ActivateSnapshotWithResponse(ctx, id, nil)
		if err != nil {
			return wrapErr(ctx, err)
		}
		if resp.JSON200 == nil {
			return newSDKError(ErrServer, nil, "unexpected answer to POST /snapshots/{id}/activate: %s", resp.Status())
		}
		sn = snapshotFromAPI(resp.JSON200)
		return nil
	})
	return sn, err
}

// Deactivate makes a snapshot (ID or name) inactive: no sandbox can be
// created from it until it is activated again.
func (s *SnapshotService) Deactivate(ctx context.Context, idOrName string) error {
	return s.byID(ctx, idOrName, func(id string) error {
		_, err := s.c.cp.DeactivateSnapshotWithResponse(ctx, id, nil)
		return wrapErr(ctx, err)
	})
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// byID runs op, which takes an ID, for a snapshot named by ID or name: a
// UUID-shaped value is tried as an ID first; otherwise (or on a 404) the
// name is resolved with a GET (PROTOCOLS.md 10.1).
func (s *SnapshotService) byID(ctx context.Context, idOrName string, op func(id string) error) error {
	if err := validateRef("snapshot", idOrName); err != nil {
		return err
	}
	if uuidRE.MatchString(idOrName) {
		err := op(idOrName)
		if !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	sn, err := s.Get(ctx, idOrName)
	if err != nil {
		return err
	}
	return op(sn.ID)
}

// validateRef rejects an empty ID or name, or one with control
// characters. (Snapshot names may hold "/" and ":", e.g.
// "daytonaio/sandbox:latest"; the generated client escapes them.)
func validateRef(what, ref string) error {
	if strings.TrimSpace(ref) == "" {
		return invalidf("%s ID or name is empty", what)
	}
	for _, r := range ref {
		if r < ' ' || r == 0x7f {
			return invalidf("%s ID or name %q contains %s", what, ref, describeRune(r))
		}
	}
	return nil
}

// CreateSnapshotParams describes a snapshot to create: from a registry
// image (Image) or from a declarative image (Build), exactly one of them.
type CreateSnapshotParams struct {
	// Name is the snapshot's name (required).
	Name string
	// Image is a registry image, e.g. "python:3.12-slim", pulled as is.
	Image string
	// Build is an image to build; its local contexts are uploaded to
	// object storage first.
	Build imagebuilder.Image
	// Resources are the resources of sandboxes created from the snapshot;
	// zero fields mean the defaults.
	Resources Resources
	// Entrypoint, if set, is the image's entrypoint. With Build it is
	// appended to the Dockerfile as an ENTRYPOINT instruction.
	Entrypoint []string
	// Target is the region (the API's regionId); empty means the client's
	// Config.Target, then the organization's default.
	Target string
	// Class is the sandbox class the snapshot is for; empty means the
	// server's default.
	Class SandboxClass
}

// CreateSnapshotOptions configures [SnapshotService.Create].
type CreateSnapshotOptions struct {
	// OnLogs, if set, receives progress lines ("Creating snapshot <name>
	// (<state>)" at the start and at every state change, "Created snapshot
	// <name> (active)" at the end) and the build's output: raw chunks of
	// text with trailing whitespace trimmed. It is called from the
	// goroutine that called Create.
	OnLogs func(chunk string)
}

// body validates p and builds the request (without context hashes) and
// the contexts to upload.
func (p CreateSnapshotParams) body(defaultTarget string) (controlplane.CreateSnapshot, []imagebuilder.Context, error) {
	b := controlplane.CreateSnapshot{Name: p.Name}
	if err := validateRef("snapshot", p.Name); err != nil {
		return b, nil, invalidf("CreateSnapshotParams.Name: %v", err)
	}
	build := isImageSet(p.Build)
	switch {
	case p.Image == "" && !build:
		return b, nil, invalidf("CreateSnapshotParams needs Image or Build")
	case p.Image != "" && build:
		return b, nil, invalidf("CreateSnapshotParams: set Image or Build, not both")
	case strings.ContainsFunc(p.Image, isControlOrSpace):
		return b, nil, invalidf("CreateSnapshotParams: image %q contains whitespace or control characters", p.Image)
	}
	if p.Entrypoint != nil && len(p.Entrypoint) == 0 {
		return b, nil, invalidf("CreateSnapshotParams: Entrypoint is empty")
	}
	var contexts []imagebuilder.Context
	if build {
		df, cxs, err := imageBuild(p.Build, p.Entrypoint)
		if err != nil {
			return b, nil, err
		}
		b.BuildInfo = &controlplane.CreateBuildInfo{DockerfileContent: df}
		contexts = cxs
	} else {
		b.ImageName = toPtr(p.Image)
		if p.Entrypoint != nil {
			b.Entrypoint = toPtr(slices.Clone(p.Entrypoint))
		}
	}
	r := p.Resources
	if r.CPU < 0 || r.GPU < 0 || r.Memory < 0 || r.Disk < 0 {
		return b, nil, invalidf("resources: negative value (cpu %d, gpu %d, memory %d, disk %d)", r.CPU, r.GPU, r.Memory, r.Disk)
	}
	if len(r.GPUType) > 0 && r.GPU == 0 {
		return b, nil, invalidf("resources: GPUType needs GPU > 0")
	}
	if r.CPU > 0 {
		b.CPU = toPtr(r.CPU)
	}
	if r.GPU > 0 {
		b.Gpu = toPtr(r.GPU)
	}
	if r.Memory > 0 {
		b.Memory = toPtr(r.Memory)
	}
	if r.Disk > 0 {
		b.Disk = toPtr(r.Disk)
	}
	if len(r.GPUType) > 0 {
		types := make([]controlplane.GpuType, len(r.GPUType))
		for i, t := range r.GPUType {
			if t == "" {
				return b, nil, invalidf("resources: empty GPU type")
			}
			types[i] = controlplane.GpuType(t)
		}
		b.GpuType = &types
	}
	target := cmp.Or(p.Target, defaultTarget)
	if target != "" {
		b.RegionID = toPtr(target)
	}
	if p.Class != "" {
		b.SandboxClass = toPtr(controlplane.SandboxClass(p.Class))
	}
	return b, contexts, nil
}

// Create creates a snapshot and waits until it is active. With Build, the
// image's local contexts are uploaded first ([ObjectStorageService]) and
// the Dockerfile is sent with their hashes; with OnLogs, the build log is
// streamed while the snapshot builds (PROTOCOLS.md 10.1, 2.7).
//
// Invalid params give an error matching ErrValidation before any network
// call. A build that fails returns the snapshot together with an error
// matching ErrServer that wraps a *FailedStateError (Resource "snapshot")
// carrying the server's reason. ctx bounds the uploads, the request and
// the wait; when it ends, Create returns the snapshot as last seen with
// an error wrapping ctx.Err() (ErrTimeout for a deadline).
func (s *SnapshotService) Create(ctx context.Context, p CreateSnapshotParams, opts CreateSnapshotOptions) (*Snapshot, error) {
	body, contexts, err := p.body(s.c.cfg.Target)
	if err != nil {
		return nil, err
	}
	if body.BuildInfo != nil {
		hashes, err := s.c.uploadContexts(ctx, contexts)
		if err != nil {
			return nil, err
		}
		body.BuildInfo.ContextHashes = &hashes
	}
	resp, err := s.c.cp.CreateSnapshotWithResponse(ctx, nil, body)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to POST /snapshots: %s", resp.Status())
	}
	w := &snapshotWait{svc: s, sn: snapshotFromAPI(resp.JSON200), onLog: opts.OnLogs}
	err = w.run(ctx)
	return w.sn, err
}

// snapshotWait follows a new snapshot until it is active or failed.
type snapshotWait struct {
	svc   *SnapshotService
	sn    *Snapshot
	onLog func(string)
	seen  SnapshotState // the last state reported to onLog
}

func (w *snapshotWait) log(format string, args ...any) {
	if w.onLog != nil {
		w.onLog(fmt.Sprintf(format, args...))
	}
}

// refresh fetches the snapshot and reports a state change.
func (w *snapshotWait) refresh(ctx context.Context) error {
	sn, err := w.svc.Get(ctx, w.sn.ID)
	if err != nil {
		return err
	}
	w.sn = sn
	if sn.State != w.seen {
		w.seen = sn.State
		w.log("Creating snapshot %s (%s)", sn.Name, sn.State)
	}
	return nil
}

func (w *snapshotWait) terminal() bool {
	return w.sn.State == SnapshotStateActive || w.sn.State.Failed()
}

func (w *snapshotWait) run(ctx context.Context) error {
	w.seen = w.sn.State
	w.log("Creating snapshot %s (%s)", w.sn.Name, w.sn.State)
	if w.onLog != nil {
		if err := w.followLogs(ctx); err != nil {
			return err
		}
	}
	check := func(ctx context.Context) (bool, error) {
		if err := w.refresh(ctx); err != nil {
			return false, err
		}
		if w.sn.State.Failed() {
			return false, failedState(&FailedStateError{
				Resource: "snapshot", ID: w.sn.ID, State: string(w.sn.State), Reason: w.sn.ErrorReason,
			})
		}
		return w.sn.State == SnapshotStateActive, nil
	}
	what := func() string {
		return fmt.Sprintf("snapshot %s did not become active (last state: %s)", w.sn.Name, w.sn.State)
	}
	sub := w.svc.c.subscribe("snapshot", w.sn.ID, "")
	defer sub.close()
	if err := pollWoken(ctx, defaultBackoff, sub, what, check); err != nil {
		return err
	}
	w.log("Created snapshot %s (active)", w.sn.Name)
	return nil
}

// followLogs waits until the snapshot leaves pending, then streams its
// build log until the build is over (PROTOCOLS.md 2.7, terminal =
// active, error, build_failed). A failing log stream is logged and
// dropped (the wait that follows reports the outcome); only the end of
// ctx and refresh errors are returned.
func (w *snapshotWait) followLogs(ctx context.Context) error {
	leftPending := func(ctx context.Context) (bool, error) {
		if err := w.refresh(ctx); err != nil {
			return false, err
		}
		return w.sn.State != SnapshotStatePending, nil
	}
	what := func() string { return fmt.Sprintf("snapshot %s did not leave pending", w.sn.Name) }
	if w.sn.State == SnapshotStatePending {
		if err := poll(ctx, defaultBackoff, what, leftPending); err != nil {
			return err
		}
	}
	// A build that ended already still has its log: following a complete
	// log returns it and ends (unlike the Python SDK, which skips it).
	c := w.svc.c
	resp, err := c.cp.GetSnapshotBuildLogsURLWithResponse(ctx, w.sn.ID, nil)
	if err == nil && (resp.JSON200 == nil || resp.JSON200.URL == "") {
		err = newSDKError(ErrServer, nil, "no build logs URL in the answer")
	}
	if err == nil {
		err = c.followLogs(ctx, resp.JSON200.URL, w.onLog, buildLogIdle, func(ctx context.Context) (bool, error) {
			if err := w.refresh(ctx); err != nil {
				return false, err
			}
			return w.terminal(), nil
		})
	}
	if err != nil {
		err = wrapErr(ctx, err)
		if ctx.Err() != nil {
			return err
		}
		c.logger.Warn("daytona: following snapshot build logs failed", "snapshot", w.sn.ID, "error", err)
	}
	return nil
}
