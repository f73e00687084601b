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

// snapshot is the emulator's record of a snapshot. Fields are guarded by
// Server.mu.
type snapshot struct {
	id              string
	name            string
	imageName       *string
	state           cpserver.SnapshotState
	general         bool // visible to every organization (the default snapshot)
	entrypoint      []string
	cpu, gpu        int
	gpuType         *cpserver.GpuType
	mem, disk       int
	class           string
	errorReason     *string
	size            *float64
	sourceSandboxID *string
	regionIDs       []string
	ref             string
	createdAt       time.Time
	updatedAt       time.Time
	lastUsedAt      *time.Time
	// dir holds the files a sandbox created from this snapshot starts with
	// ("" = none: the sandbox starts empty).
	dir string
	// build is the image build of a snapshot created from build info.
	build *buildInfo
	// log is the build (or pull) log of a snapshot created through POST
	// /snapshots; nil for the others.
	log *logBuffer
	// gen is bumped by every state change that supersedes scheduled steps.
	gen uint64
}

const (
	defaultTarget = "us"
	defaultClass  = "container"
	defaultUser   = "daytona"
	defaultCPU    = 1
	defaultMemory = 1
	defaultDisk   = 3
)

func (s *Server) addDefaultSnapshot(name string) {
	now := time.Now().UTC()
	id := newUUID()
	s.snapshots[id] = &snapshot{
		id: id, name: name, imageName: ptr(name), state: cpserver.SnapshotStateActive,
		general: true, cpu: defaultCPU, mem: defaultMemory, disk: defaultDisk,
		class: defaultClass, regionIDs: []string{defaultTarget}, ref: name,
		createdAt: now, updatedAt: now,
	}
}

// findSnapshot finds a snapshot by name, or by ID. Callers hold s.mu.
func (s *Server) findSnapshot(idOrName string) *snapshot {
	for _, sn := range s.snapshots {
		if sn.name == idOrName {
			return sn
		}
	}
	return s.snapshots[idOrName]
}

func (sn *snapshot) dto(orgID string) cpserver.SnapshotDto {
	d := cpserver.SnapshotDto{
		ID:              sn.id,
		Name:            sn.name,
		ImageName:       sn.imageName,
		State:           sn.state,
		General:         sn.general,
		CPU:             float64(sn.cpu),
		Gpu:             float64(sn.gpu),
		Mem:             float64(sn.mem),
		Disk:            float64(sn.disk),
		ErrorReason:     sn.errorReason,
		Size:            sn.size,
		SourceSandboxID: sn.sourceSandboxID,
		CreatedAt:       sn.createdAt,
		UpdatedAt:       sn.updatedAt,
		LastUsedAt:      sn.lastUsedAt,
		GpuType:         sn.gpuType,
		Ref:             &sn.ref,
		RegionIds:       ptr(slices.Clone(sn.regionIDs)),
	}
	if sn.entrypoint != nil {
		d.Entrypoint = ptr(slices.Clone(sn.entrypoint))
	}
	if !sn.general {
		d.OrganizationID = &orgID
	}
	if sn.class != "" {
		d.SandboxClass = ptr(cpserver.SnapshotDtoSandboxClass(sn.class))
	}
	if b := sn.build; b != nil {
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

// GetSnapshot implements GET /snapshots/{id} (ID or name).
func (h *handlers) GetSnapshot(_ context.Context, req cpserver.GetSnapshotRequestObject) (cpserver.GetSnapshotResponseObject, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sn := s.findSnapshot(req.ID)
	if sn == nil {
		return nil, notFound("Snapshot %s not found", req.ID)
	}
	return cpserver.GetSnapshot200JSONResponse(sn.dto(s.OrganizationID)), nil
}

// GetAllSnapshots implements GET /snapshots: page/limit pagination, name
// (substring, case-insensitive) and sourceSandboxId filters, sort and order
// (default lastUsedAt desc, never-used last).
func (h *handlers) GetAllSnapshots(_ context.Context, req cpserver.GetAllSnapshotsRequestObject) (cpserver.GetAllSnapshotsResponseObject, error) {
	s := h.s
	p := req.Params
	page, limit := 1, 100
	if p.Page != nil {
		page = int(*p.Page)
	}
	if p.Limit != nil {
		limit = int(*p.Limit)
	}
	if page < 1 || limit < 1 {
		return nil, badRequest("page and limit must be positive")
	}
	sortBy := cpserver.GetAllSnapshotsParamsSortLastUsedAt
	if p.Sort != nil {
		sortBy = *p.Sort
	}
	desc := p.Order == nil || *p.Order == cpserver.GetAllSnapshotsParamsOrderDesc

	s.mu.Lock()
	defer s.mu.Unlock()
	var all []*snapshot
	for _, sn := range s.snapshots {
		if p.Name != nil && !strings.Contains(strings.ToLower(sn.name), strings.ToLower(*p.Name)) {
			continue
		}
		if p.SourceSandboxID != nil && (sn.sourceSandboxID == nil || *sn.sourceSandboxID != *p.SourceSandboxID) {
			continue
		}
		all = append(all, sn)
	}
	slices.SortFunc(all, func(a, b *snapshot) int {
		c := compareSnapshots(a, b, sortBy)
		if desc {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(a.id, b.id)
		}
		return c
	})
	out := cpserver.PaginatedSnapshots{
		Items:      []cpserver.SnapshotDto{},
		Page:       float64(page),
		Total:      float64(len(all)),
		TotalPages: math.Ceil(float64(len(all)) / float64(limit)),
	}
	start := (page - 1) * limit
	for i := start; i < len(all) && i < start+limit; i++ {
		out.Items = append(out.Items, all[i].dto(s.OrganizationID))
	}
	return cpserver.GetAllSnapshots200JSONResponse(out), nil
}

func compareSnapshots(a, b *snapshot, by cpserver.GetAllSnapshotsParamsSort) int {
	switch by {
	case cpserver.GetAllSnapshotsParamsSortName:
		return cmp.Compare(a.name, b.name)
	case cpserver.GetAllSnapshotsParamsSortState:
		return cmp.Compare(a.state, b.state)
	case cpserver.GetAllSnapshotsParamsSortCreatedAt:
		return a.createdAt.Compare(b.createdAt)
	default: // lastUsedAt; never used sorts as oldest
		var ta, tb time.Time
		if a.lastUsedAt != nil {
			ta = *a.lastUsedAt
		}
		if b.lastUsedAt != nil {
			tb = *b.lastUsedAt
		}
		return ta.Compare(tb)
	}
}

func ptr[T any](v T) *T { return &v }
