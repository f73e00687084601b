package daytona

import (
	"context"
	"encoding/json"
	"iter"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/controlplane"
)

// BoolFilter filters on a yes/no property; the zero value matches both.
type BoolFilter int8

// The values of a BoolFilter.
const (
	FilterAny   BoolFilter = iota // no filter
	FilterTrue                    // only items where the property is true
	FilterFalse                   // only items where the property is false
)

// SandboxSort is a field sandboxes can be listed by.
type SandboxSort string

// The sort fields of the sandbox list.
const (
	SortByName         SandboxSort = "name"
	SortByCPU          SandboxSort = "cpu"
	SortByMemory       SandboxSort = "memoryGib"
	SortByDisk         SandboxSort = "diskGib"
	SortByLastActivity SandboxSort = "lastActivityAt"
	SortByCreatedAt    SandboxSort = "createdAt"
)

// SortOrder is the direction of a sorted list.
type SortOrder string

// The sort directions.
const (
	SortAscending  SortOrder = "asc"
	SortDescending SortOrder = "desc"
)

// ListOptions filters and pages [Client.List], [Client.ListPage] and
// [Client.FindOne]. The zero value lists every sandbox with the server's
// defaults. Zero-valued fields do not filter.
type ListOptions struct {
	// ID and Name filter by prefix (case-insensitive).
	ID, Name string
	// Labels keeps sandboxes that have all of these labels.
	Labels map[string]string
	// States keeps sandboxes in one of these states.
	States []State
	// Snapshots keeps sandboxes created from one of these snapshots.
	Snapshots []string
	// Targets keeps sandboxes in one of these regions (the API's regionIds).
	Targets []string
	// Classes keeps sandboxes of one of these classes.
	Classes []SandboxClass
	// MinCPU, MaxCPU, MinMemory, MaxMemory, MinDisk and MaxDisk bound the
	// resources (cores, GiB).
	MinCPU, MaxCPU, MinMemory, MaxMemory, MinDisk, MaxDisk int
	// Public and Recoverable filter on those flags.
	Public, Recoverable BoolFilter
	// CreatedAfter and CreatedBefore bound the creation time.
	CreatedAfter, CreatedBefore time.Time
	// LastEventAfter and LastEventBefore bound the time of the last event.
	LastEventAfter, LastEventBefore time.Time
	// AutoDestroyAfter and AutoDestroyBefore bound when the TTL ends.
	AutoDestroyAfter, AutoDestroyBefore time.Time
	// IncludeErroredDeleted also lists errored sandboxes whose deletion
	// was requested.
	IncludeErroredDeleted bool
	// IncludeWarm also lists unclaimed warm-pool sandboxes.
	IncludeWarm bool
	// Sort and Order choose the ordering; empty means the server's.
	Sort  SandboxSort
	Order SortOrder // Order is the direction: SortAscending or SortDescending.
	// PageSize is the number of sandboxes per request (1-200; 0 means the
	// server's default, 100).
	PageSize int
	// Cursor starts the listing at a cursor returned by ListPage.
	Cursor string
}

// SandboxPage is one page of a sandbox listing.
type SandboxPage struct {
	// Sandboxes are this page's sandboxes, built from list items (see
	// [Sandbox] for the fields that need a Refresh).
	Sandboxes []*Sandbox
	// NextCursor fetches the next page (ListOptions.Cursor); empty on the
	// last page.
	NextCursor string
}

// Get returns the sandbox with this ID or name. A missing sandbox gives an
// error matching ErrNotFound.
func (c *Client) Get(ctx context.Context, idOrName string) (*Sandbox, error) {
	if strings.TrimSpace(idOrName) == "" {
		return nil, invalidf("Get needs a sandbox ID or name")
	}
	resp, err := c.cp.GetSandboxWithResponse(ctx, idOrName, nil)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to GET /sandbox/{id}: %s", resp.Status())
	}
	return newSandbox(c, sandboxFromAPI(resp.JSON200)), nil
}

// ListPage returns one page of sandboxes, starting at opts.Cursor.
func (c *Client) ListPage(ctx context.Context, opts ListOptions) (*SandboxPage, error) {
	params, err := opts.params()
	if err != nil {
		return nil, err
	}
	return c.listPage(ctx, params)
}

func (c *Client) listPage(ctx context.Context, params *controlplane.ListSandboxesParams) (*SandboxPage, error) {
	resp, err := c.cp.ListSandboxesWithResponse(ctx, params)
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, newSDKError(ErrServer, nil, "unexpected answer to GET /sandbox: %s", resp.Status())
	}
	page := &SandboxPage{NextCursor: fromPtr(resp.JSON200.NextCursor)}
	for i := range resp.JSON200.Items {
		page.Sandboxes = append(page.Sandboxes, newSandbox(c, sandboxFromListItem(&resp.JSON200.Items[i])))
	}
	return page, nil
}

// List iterates over every sandbox that matches opts, fetching pages
// lazily as the loop advances; breaking out of the loop stops fetching. An
// error is yielded once, as the last element.
//
//	for sb, err := range client.List(ctx, daytona.ListOptions{States: []daytona.State{daytona.StateStarted}}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(sb.ID(), sb.State())
//	}
func (c *Client) List(ctx context.Context, opts ListOptions) iter.Seq2[*Sandbox, error] {
	return func(yield func(*Sandbox, error) bool) {
		params, err := opts.params()
		if err != nil {
			yield(nil, err)
			return
		}
		for {
			page, err := c.listPage(ctx, params)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, sb := range page.Sandboxes {
				if !yield(sb, nil) {
					return
				}
			}
			if page.NextCursor == "" {
				return
			}
			if params.Cursor != nil && *params.Cursor == page.NextCursor {
				yield(nil, newSDKError(ErrServer, nil, "the server repeated list cursor %q", page.NextCursor))
				return
			}
			params.Cursor = toPtr(page.NextCursor)
		}
	}
}

// FindOne returns the one sandbox matching opts. It fails with an error
// matching ErrNotFound when none matches and ErrConflict when more than
// one does.
func (c *Client) FindOne(ctx context.Context, opts ListOptions) (*Sandbox, error) {
	opts.PageSize = 2
	opts.Cursor = ""
	var found *Sandbox
	for sb, err := range c.List(ctx, opts) {
		if err != nil {
			return nil, err
		}
		if found != nil {
			return nil, newSDKError(ErrConflict, nil, "more than one sandbox matches")
		}
		found = sb
	}
	if found == nil {
		return nil, newSDKError(ErrNotFound, nil, "no sandbox matches")
	}
	return found, nil
}

// params validates the options and converts them to the query.
func (o ListOptions) params() (*controlplane.ListSandboxesParams, error) {
	p := &controlplane.ListSandboxesParams{}
	if o.PageSize < 0 || o.PageSize > 200 {
		return nil, invalidf("PageSize %d is outside 1-200", o.PageSize)
	}
	if o.PageSize > 0 {
		p.Limit = toPtr(float64(o.PageSize))
	}
	if o.Cursor != "" {
		p.Cursor = toPtr(o.Cursor)
	}
	if o.ID != "" {
		p.ID = toPtr(o.ID)
	}
	if o.Name != "" {
		p.Name = toPtr(o.Name)
	}
	if len(o.Labels) > 0 {
		if err := validateLabels(o.Labels); err != nil {
			return nil, err
		}
		b, err := json.Marshal(o.Labels) // keys sorted: the query is deterministic
		if err != nil {
			return nil, invalidf("labels: %v", err)
		}
		p.Labels = toPtr(string(b))
	}
	if len(o.States) > 0 {
		states := make([]controlplane.SandboxState, len(o.States))
		for i, s := range o.States {
			if s == "" {
				return nil, invalidf("States: empty state")
			}
			states[i] = controlplane.SandboxState(s)
		}
		p.States = &states
	}
	if len(o.Snapshots) > 0 {
		p.Snapshots = toPtr(append([]string(nil), o.Snapshots...))
	}
	if len(o.Targets) > 0 {
		p.RegionIds = toPtr(append([]string(nil), o.Targets...))
	}
	if len(o.Classes) > 0 {
		classes := make([]controlplane.SandboxClass, len(o.Classes))
		for i, c := range o.Classes {
			classes[i] = controlplane.SandboxClass(c)
		}
		p.SandboxClasses = &classes
	}
	for _, r := range []struct {
		name string
		v    int
		dst  **float64
	}{
		{"MinCPU", o.MinCPU, &p.MinCPU}, {"MaxCPU", o.MaxCPU, &p.MaxCPU},
		{"MinMemory", o.MinMemory, &p.MinMemoryGiB}, {"MaxMemory", o.MaxMemory, &p.MaxMemoryGiB},
		{"MinDisk", o.MinDisk, &p.MinDiskGiB}, {"MaxDisk", o.MaxDisk, &p.MaxDiskGiB},
	} {
		if r.v < 0 {
			return nil, invalidf("%s %d is negative", r.name, r.v)
		}
		if r.v > 0 {
			*r.dst = toPtr(float64(r.v))
		}
	}
	for _, pair := range [][2]int{{o.MinCPU, o.MaxCPU}, {o.MinMemory, o.MaxMemory}, {o.MinDisk, o.MaxDisk}} {
		if pair[0] > 0 && pair[1] > 0 && pair[0] > pair[1] {
			return nil, invalidf("a minimum (%d) is above its maximum (%d)", pair[0], pair[1])
		}
	}
	var err error
	if p.IsPublic, err = o.Public.param("Public"); err != nil {
		return nil, err
	}
	if p.IsRecoverable, err = o.Recoverable.param("Recoverable"); err != nil {
		return nil, err
	}
	for _, t := range []struct {
		v   time.Time
		dst **time.Time
	}{
		{o.CreatedAfter, &p.CreatedAtAfter}, {o.CreatedBefore, &p.CreatedAtBefore},
		{o.LastEventAfter, &p.LastEventAfter}, {o.LastEventBefore, &p.LastEventBefore},
		{o.AutoDestroyAfter, &p.AutoDestroyAtAfter}, {o.AutoDestroyBefore, &p.AutoDestroyAtBefore},
	} {
		if !t.v.IsZero() {
			*t.dst = toPtr(t.v.UTC())
		}
	}
	if o.IncludeErroredDeleted {
		p.IncludeErroredDeleted = toPtr(true)
	}
	if o.IncludeWarm {
		p.IncludeWarm = toPtr(true)
	}
	switch o.Sort {
	case "":
	case SortByName, SortByCPU, SortByMemory, SortByDisk, SortByLastActivity, SortByCreatedAt:
		p.Sort = toPtr(controlplane.SandboxListSortField(o.Sort))
	default:
		return nil, invalidf("unknown sort field %q", o.Sort)
	}
	switch o.Order {
	case "":
	case SortAscending, SortDescending:
		p.Order = toPtr(controlplane.SandboxListSortDirection(o.Order))
	default:
		return nil, invalidf("unknown sort order %q", o.Order)
	}
	return p, nil
}

func (f BoolFilter) param(name string) (*bool, error) {
	switch f {
	case FilterAny:
		return nil, nil
	case FilterTrue:
		return toPtr(true), nil
	case FilterFalse:
		return toPtr(false), nil
	}
	return nil, invalidf("%s: invalid BoolFilter %d", name, f)
}

// pages iterates over a page-numbered listing from page first on: fetch
// returns one page's items and the number of pages, and the next page is
// fetched only when the loop has consumed the items before it. It ends
// after the last page or an empty one; an error is yielded once, as the
// last element. (Sandbox lists use cursors instead, see List.)
func pages[T any](first int, fetch func(page int) ([]T, int, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for page := max(first, 1); ; page++ {
			items, total, err := fetch(page)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if len(items) == 0 || page >= total {
				return
			}
		}
	}
}
