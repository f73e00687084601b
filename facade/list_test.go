package daytona

import (
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pagedCP serves GET /sandbox from a fixed list of IDs, pageSize at a time,
// with the index of the next item as the cursor.
type pagedCP struct {
	ids      []string
	pageSize int
	// failAt, if > 0, answers the failAt-th list request with a 500.
	failAt int
	// repeatCursor answers every page with the same next cursor.
	repeatCursor bool

	mu      sync.Mutex
	queries []url.Values
}

func (f *pagedCP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/sandbox" {
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	f.mu.Lock()
	f.queries = append(f.queries, r.URL.Query())
	n := len(f.queries)
	f.mu.Unlock()
	if n == f.failAt {
		writeJSON(w, 500, map[string]any{"statusCode": 500, "message": "boom"})
		return
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	end := min(start+f.pageSize, len(f.ids))
	items := []map[string]any{}
	for _, id := range f.ids[start:end] {
		items = append(items, map[string]any{"id": id, "name": id, "state": "started", "toolboxProxyUrl": "http://x/toolbox"})
	}
	var next any
	if end < len(f.ids) {
		next = strconv.Itoa(end)
	}
	if f.repeatCursor {
		next = "1"
	}
	writeJSON(w, 200, map[string]any{"items": items, "nextCursor": next})
}

func (f *pagedCP) requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.queries...)
}

func TestListParams(t *testing.T) {
	t.Parallel()
	after := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	opts := ListOptions{
		ID: "ab", Name: "web", Labels: map[string]string{"team": "a", "env": "prod"},
		States: []State{StateStarted, StateStopped}, Snapshots: []string{"s1"}, Targets: []string{"us", "eu"},
		Classes: []SandboxClass{SandboxClassContainer}, MinCPU: 1, MaxCPU: 4, MinMemory: 2, MaxMemory: 8,
		MinDisk: 3, MaxDisk: 30, Public: FilterTrue, Recoverable: FilterFalse,
		CreatedAfter: after, CreatedBefore: after.Add(time.Hour), LastEventAfter: after, LastEventBefore: after,
		AutoDestroyAfter: after, AutoDestroyBefore: after, IncludeErroredDeleted: true, IncludeWarm: true,
		Sort: SortByCreatedAt, Order: SortDescending, PageSize: 50, Cursor: "0",
	}
	cp := &pagedCP{ids: []string{"a"}, pageSize: 50}
	c := testClient(t, cp)
	page, err := c.ListPage(t.Context(), opts)
	require.NoError(t, err)
	require.Len(t, page.Sandboxes, 1)
	q := cp.requests()[0]
	want := url.Values{
		"id": {"ab"}, "name": {"web"}, "labels": {`{"env":"prod","team":"a"}`},
		"states": {"started", "stopped"}, "snapshots": {"s1"}, "regionIds": {"us", "eu"},
		"sandboxClasses": {"container"}, "minCpu": {"1"}, "maxCpu": {"4"}, "minMemoryGiB": {"2"},
		"maxMemoryGiB": {"8"}, "minDiskGiB": {"3"}, "maxDiskGiB": {"30"}, "isPublic": {"true"},
		"isRecoverable": {"false"}, "createdAtAfter": {"2026-01-02T03:04:05Z"},
		"createdAtBefore": {"2026-01-02T04:04:05Z"}, "lastEventAfter": {"2026-01-02T03:04:05Z"},
		"lastEventBefore": {"2026-01-02T03:04:05Z"}, "autoDestroyAtAfter": {"2026-01-02T03:04:05Z"},
		"autoDestroyAtBefore": {"2026-01-02T03:04:05Z"}, "includeErroredDeleted": {"true"},
		"includeWarm": {"true"}, "sort": {"createdAt"}, "order": {"desc"}, "limit": {"50"}, "cursor": {"0"},
	}
	assert.Equal(t, want, q)
}

func TestListParamsValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts ListOptions
	}{
		{"page size too big", ListOptions{PageSize: 201}},
		{"negative page size", ListOptions{PageSize: -1}},
		{"negative min cpu", ListOptions{MinCPU: -1}},
		{"min above max", ListOptions{MinMemory: 8, MaxMemory: 2}},
		{"bad sort", ListOptions{Sort: "size"}},
		{"bad order", ListOptions{Order: "up"}},
		{"bad bool filter", ListOptions{Public: 7}},
		{"empty state", ListOptions{States: []State{""}}},
		{"empty label key", ListOptions{Labels: map[string]string{"": "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &pagedCP{pageSize: 1}
			c := testClient(t, cp)
			_, err := c.ListPage(t.Context(), tt.opts)
			require.ErrorIs(t, err, ErrValidation)
			n := 0
			for sb, err := range c.List(t.Context(), tt.opts) {
				n++
				assert.Nil(t, sb)
				require.ErrorIs(t, err, ErrValidation)
			}
			assert.Equal(t, 1, n, "one error element")
			assert.Empty(t, cp.requests())
		})
	}
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	ids := []string{"a", "b", "c", "d", "e", "f", "g"}
	tests := []struct {
		name      string
		cp        *pagedCP
		stopAfter int // break after this many sandboxes; 0 = never
		wantIDs   []string
		wantErr   bool
		wantPages int
	}{
		{name: "all pages", cp: &pagedCP{ids: ids, pageSize: 3}, wantIDs: ids, wantPages: 3},
		{name: "exact pages", cp: &pagedCP{ids: ids[:6], pageSize: 3}, wantIDs: ids[:6], wantPages: 2},
		{name: "empty", cp: &pagedCP{pageSize: 3}, wantPages: 1},
		{name: "break stops fetching", cp: &pagedCP{ids: ids, pageSize: 3}, stopAfter: 2, wantIDs: ids[:2], wantPages: 1},
		{name: "break at page end", cp: &pagedCP{ids: ids, pageSize: 3}, stopAfter: 3, wantIDs: ids[:3], wantPages: 1},
		{name: "error on second page", cp: &pagedCP{ids: ids, pageSize: 3, failAt: 2}, wantIDs: ids[:3], wantErr: true, wantPages: 2},
		{name: "repeated cursor", cp: &pagedCP{ids: ids, pageSize: 3, repeatCursor: true}, wantIDs: []string{"a", "b", "c", "b", "c", "d"}, wantErr: true, wantPages: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := testClient(t, tt.cp)
			var got []string
			var gotErr error
			for sb, err := range c.List(t.Context(), ListOptions{PageSize: 3}) {
				if err != nil {
					gotErr = err
					continue // the iterator must stop by itself after an error
				}
				got = append(got, sb.ID())
				if tt.stopAfter > 0 && len(got) == tt.stopAfter {
					break
				}
			}
			assert.Equal(t, tt.wantIDs, got)
			if tt.wantErr {
				assert.ErrorIs(t, gotErr, ErrServer)
			} else {
				assert.NoError(t, gotErr)
			}
			reqs := tt.cp.requests()
			assert.Len(t, reqs, tt.wantPages)
			for _, q := range reqs {
				assert.Equal(t, "3", q.Get("limit"))
			}
		})
	}
}

func TestFindOne(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ids     []string
		wantErr error
	}{
		{name: "none", wantErr: ErrNotFound},
		{name: "one", ids: []string{"a"}},
		{name: "two", ids: []string{"a", "b"}, wantErr: ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &pagedCP{ids: tt.ids, pageSize: 2}
			c := testClient(t, cp)
			sb, err := c.FindOne(t.Context(), ListOptions{Labels: map[string]string{"x": "y"}, PageSize: 100})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, sb)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "a", sb.ID())
			assert.Equal(t, "2", cp.requests()[0].Get("limit"))
		})
	}
}
