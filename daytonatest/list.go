package daytonatest

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

// listKey is a sandbox's position in a sorted listing. The cursor of a page
// is the key of its last item, so pages stay consistent while sandboxes
// come and go.
type listKey struct {
	Field   string  `json:"f"`
	Desc    bool    `json:"d,omitempty"`
	Num     float64 `json:"n,omitempty"`
	Str     string  `json:"s,omitempty"`
	Created int64   `json:"c"`
	ID      string  `json:"i"`
}

func keyOf(sb *sandbox, field cpserver.SandboxListSortField, desc bool) listKey {
	k := listKey{Field: string(field), Desc: desc, Created: sb.createdAt.UnixNano(), ID: sb.id}
	switch field {
	case cpserver.SandboxListSortFieldName:
		k.Str = sb.name
	case cpserver.SandboxListSortFieldCPU:
		k.Num = float64(sb.cpu)
	case cpserver.SandboxListSortFieldMemoryGib:
		k.Num = float64(sb.mem)
	case cpserver.SandboxListSortFieldDiskGib:
		k.Num = float64(sb.disk)
	case cpserver.SandboxListSortFieldLastActivityAt:
		k.Num = float64(sb.lastActivity.UnixNano())
	}
	return k
}

// compareKeys orders keys: by the sort field in its direction, then newest
// first, then by ID.
func compareKeys(a, b listKey) int {
	var c int
	switch cpserver.SandboxListSortField(a.Field) {
	case cpserver.SandboxListSortFieldName:
		c = cmp.Compare(a.Str, b.Str)
	case cpserver.SandboxListSortFieldCreatedAt:
		c = cmp.Compare(a.Created, b.Created)
	default:
		c = cmp.Compare(a.Num, b.Num)
	}
	if a.Desc {
		c = -c
	}
	if c == 0 && a.Field != string(cpserver.SandboxListSortFieldCreatedAt) {
		c = -cmp.Compare(a.Created, b.Created)
	}
	if c == 0 {
		c = cmp.Compare(a.ID, b.ID)
	}
	return c
}

func encodeCursor(k listKey) string {
	b, _ := json.Marshal(k)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses a cursor made by encodeCursor for the same sort.
func decodeCursor(s string, field cpserver.SandboxListSortField, desc bool) (listKey, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return listKey{}, badRequest("Invalid cursor")
	}
	var k listKey
	if err := json.Unmarshal(raw, &k); err != nil || k.ID == "" || k.Field != string(field) || k.Desc != desc {
		return listKey{}, badRequest("Invalid cursor")
	}
	return k, nil
}

// ListSandboxes implements GET /sandbox: every filter of the contract,
// sort and order (default createdAt desc), and cursor pagination (limit
// 1-200, default 100; nextCursor is null on the last page). Unclaimed
// warm-pool members are left out unless includeWarm is true.
func (h *handlers) ListSandboxes(_ context.Context, req cpserver.ListSandboxesRequestObject) (cpserver.ListSandboxesResponseObject, error) {
	s := h.s
	p := req.Params
	limit := 100
	if p.Limit != nil {
		limit = min(max(int(*p.Limit), 1), 200)
	}
	field := cpserver.SandboxListSortFieldCreatedAt
	if p.Sort != nil {
		field = *p.Sort
	}
	desc := p.Order == nil || *p.Order == cpserver.SandboxListSortDirectionDesc
	var after *listKey
	if p.Cursor != nil && *p.Cursor != "" {
		k, err := decodeCursor(*p.Cursor, field, desc)
		if err != nil {
			return nil, err
		}
		after = &k
	}
	match, err := listFilter(p)
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	type entry struct {
		sb  *sandbox
		key listKey
	}
	var all []entry
	for _, sb := range s.sandboxes {
		if !match(s, sb) {
			continue
		}
		k := keyOf(sb, field, desc)
		if after != nil && compareKeys(k, *after) <= 0 {
			continue
		}
		all = append(all, entry{sb, k})
	}
	slices.SortFunc(all, func(a, b entry) int { return compareKeys(a.key, b.key) })
	out := cpserver.ListSandboxesResponse{Items: []cpserver.SandboxListItem{}}
	for i := 0; i < len(all) && i < limit; i++ {
		out.Items = append(out.Items, s.listItem(all[i].sb))
	}
	if len(all) > limit {
		out.NextCursor = ptr(encodeCursor(all[limit-1].key))
	}
	return cpserver.ListSandboxes200JSONResponse(out), nil
}

// listFilter turns the query into a predicate. Callers of the predicate
// hold s.mu.
func listFilter(p cpserver.ListSandboxesParams) (func(*Server, *sandbox) bool, error) {
	var labels map[string]string
	if p.Labels != nil && *p.Labels != "" {
		if err := json.Unmarshal([]byte(*p.Labels), &labels); err != nil {
			return nil, badRequest("Invalid labels JSON format")
		}
	}
	inRange := func(v float64, lo, hi *float64) bool {
		return (lo == nil || v >= *lo) && (hi == nil || v <= *hi)
	}
	inTime := func(t time.Time, after, before *time.Time) bool {
		return (after == nil || !t.Before(*after)) && (before == nil || !t.After(*before))
	}
	hasPrefixFold := func(s, prefix string) bool {
		return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
	}
	includeErrDel := p.IncludeErroredDeleted != nil && *p.IncludeErroredDeleted
	includeWarm := p.IncludeWarm != nil && *p.IncludeWarm
	return func(s *Server, sb *sandbox) bool {
		switch {
		case sb.state == StateDestroyed,
			sb.hiddenAsDeleted() && !includeErrDel,
			sb.warmPoolID != "" && !includeWarm,
			p.ID != nil && !hasPrefixFold(sb.id, *p.ID),
			p.Name != nil && !hasPrefixFold(sb.name, *p.Name),
			p.States != nil && !slices.Contains(*p.States, cpserver.SandboxState(sb.state)),
			p.Snapshots != nil && !slices.Contains(*p.Snapshots, sb.snapshot),
			p.RegionIds != nil && !slices.Contains(*p.RegionIds, sb.target),
			p.SandboxClasses != nil && !slices.Contains(*p.SandboxClasses, cpserver.SandboxClass(sb.class)),
			!inRange(float64(sb.cpu), p.MinCPU, p.MaxCPU),
			!inRange(float64(sb.mem), p.MinMemoryGiB, p.MaxMemoryGiB),
			!inRange(float64(sb.disk), p.MinDiskGiB, p.MaxDiskGiB),
			p.IsPublic != nil && sb.public != *p.IsPublic,
			p.IsRecoverable != nil && sb.recoverable != *p.IsRecoverable,
			!inTime(sb.createdAt, p.CreatedAtAfter, p.CreatedAtBefore),
			!inTime(sb.lastActivity, p.LastEventAfter, p.LastEventBefore):
			return false
		}
		for k, v := range labels {
			if got, ok := sb.labels[k]; !ok || got != v {
				return false
			}
		}
		if p.AutoDestroyAtAfter != nil || p.AutoDestroyAtBefore != nil {
			at, ok := s.autoDestroyAt(sb)
			if !ok || !inTime(at, p.AutoDestroyAtAfter, p.AutoDestroyAtBefore) {
				return false
			}
		}
		return true
	}, nil
}
