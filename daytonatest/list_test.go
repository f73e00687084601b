package daytonatest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
)

func listNames(t *testing.T, c *controlplane.ClientWithResponses, p controlplane.ListSandboxesParams) []string {
	t.Helper()
	r, err := c.ListSandboxesWithResponse(context.Background(), &p)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
	names := []string{}
	for _, it := range r.JSON200.Items {
		names = append(names, it.Name)
	}
	return names
}

func TestListPagination(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	const n = 7
	for i := range n {
		create(t, c, controlplane.CreateSandbox{Name: strp(fmt.Sprintf("sb-%d", i))})
	}
	for _, limit := range []float64{1, 2, 3, 7, 200} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			seen := map[string]bool{}
			var order []string
			p := &controlplane.ListSandboxesParams{Limit: &limit}
			pages := 0
			for {
				r, err := c.ListSandboxesWithResponse(context.Background(), p)
				require.NoError(t, err)
				require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
				pages++
				require.LessOrEqual(t, len(r.JSON200.Items), int(limit))
				for _, it := range r.JSON200.Items {
					require.False(t, seen[it.Name], "duplicate %s", it.Name)
					seen[it.Name] = true
					order = append(order, it.Name)
				}
				if r.JSON200.NextCursor == nil {
					break
				}
				require.Len(t, r.JSON200.Items, int(limit), "only the last page may be short")
				p.Cursor = r.JSON200.NextCursor
			}
			assert.Len(t, seen, n)
			assert.Equal(t, (n+int(limit)-1)/int(limit), pages)
			// Default order: newest first.
			assert.Equal(t, "sb-6", order[0])
			assert.Equal(t, "sb-0", order[n-1])
		})
	}
}

func TestListCursorSurvivesDeletes(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	var ids []string
	for i := range 4 {
		ids = append(ids, started(t, c, controlplane.CreateSandbox{Name: strp(fmt.Sprintf("s%d", i))}).ID)
	}
	limit := 2.0
	r, err := c.ListSandboxesWithResponse(context.Background(), &controlplane.ListSandboxesParams{Limit: &limit})
	require.NoError(t, err)
	require.Equal(t, []string{"s3", "s2"}, []string{r.JSON200.Items[0].Name, r.JSON200.Items[1].Name})
	// Deleting an item of the first page does not shift the second.
	_, err = c.DeleteSandboxWithResponse(context.Background(), ids[3], nil)
	require.NoError(t, err)
	waitState(t, c, ids[3], controlplane.SandboxStateDestroyed)
	assert.Equal(t, []string{"s1", "s0"}, listNames(t, c, controlplane.ListSandboxesParams{Limit: &limit, Cursor: r.JSON200.NextCursor}))
}

func TestListFilters(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	alpha := started(t, c, controlplane.CreateSandbox{Name: strp("alpha"), Labels: &map[string]string{"team": "a", "env": "dev"}, CPU: intp(1), Public: boolp(true)})
	started(t, c, controlplane.CreateSandbox{Name: strp("alpine"), Labels: &map[string]string{"team": "a"}, CPU: intp(2), Memory: intp(4)})
	beta := started(t, c, controlplane.CreateSandbox{Name: strp("beta"), Labels: &map[string]string{"team": "b"}, CPU: intp(4), Disk: intp(10), Target: strp("eu"), TTLMinutes: intp(60)})
	_, err := c.StopSandboxWithResponse(ctx, beta.ID, nil)
	require.NoError(t, err)
	waitState(t, c, beta.ID, controlplane.SandboxStateStopped)
	after := time.Now().Add(time.Second)

	f := func(v float64) *float64 { return &v }
	tm := func(v time.Time) *time.Time { return &v }
	sort := func(s controlplane.SandboxListSortField) *controlplane.SandboxListSortField { return &s }
	order := func(o controlplane.SandboxListSortDirection) *controlplane.SandboxListSortDirection { return &o }
	tests := []struct {
		name string
		p    controlplane.ListSandboxesParams
		want []string
	}{
		{"all, newest first", controlplane.ListSandboxesParams{}, []string{"beta", "alpine", "alpha"}},
		{"name prefix, case-insensitive", controlplane.ListSandboxesParams{Name: strp("ALP")}, []string{"alpine", "alpha"}},
		{"id prefix", controlplane.ListSandboxesParams{ID: strp(alpha.ID[:8])}, []string{"alpha"}},
		{"one label", controlplane.ListSandboxesParams{Labels: strp(`{"team":"a"}`)}, []string{"alpine", "alpha"}},
		{"two labels", controlplane.ListSandboxesParams{Labels: strp(`{"team":"a","env":"dev"}`)}, []string{"alpha"}},
		{"states", controlplane.ListSandboxesParams{States: &[]controlplane.SandboxState{controlplane.SandboxStateStopped}}, []string{"beta"}},
		{"snapshots", controlplane.ListSandboxesParams{Snapshots: &[]string{DefaultSnapshot}}, []string{"beta", "alpine", "alpha"}},
		{"unknown snapshot", controlplane.ListSandboxesParams{Snapshots: &[]string{"other"}}, []string{}},
		{"regions", controlplane.ListSandboxesParams{RegionIds: &[]string{"eu"}}, []string{"beta"}},
		{"classes", controlplane.ListSandboxesParams{SandboxClasses: &[]controlplane.SandboxClass{controlplane.SandboxClassLINUXVM}}, []string{}},
		{"cpu range", controlplane.ListSandboxesParams{MinCPU: f(2), MaxCPU: f(3)}, []string{"alpine"}},
		{"memory", controlplane.ListSandboxesParams{MinMemoryGiB: f(2)}, []string{"alpine"}},
		{"disk", controlplane.ListSandboxesParams{MaxDiskGiB: f(5)}, []string{"alpine", "alpha"}},
		{"public", controlplane.ListSandboxesParams{IsPublic: boolp(true)}, []string{"alpha"}},
		{"recoverable", controlplane.ListSandboxesParams{IsRecoverable: boolp(true)}, []string{}},
		{"created in range", controlplane.ListSandboxesParams{CreatedAtAfter: tm(before), CreatedAtBefore: tm(after)}, []string{"beta", "alpine", "alpha"}},
		{"created after now", controlplane.ListSandboxesParams{CreatedAtAfter: tm(after)}, []string{}},
		{"last event", controlplane.ListSandboxesParams{LastEventAfter: tm(before)}, []string{"beta", "alpine", "alpha"}},
		{"auto destroy", controlplane.ListSandboxesParams{AutoDestroyAtAfter: tm(before)}, []string{"beta"}},
		{"sort by name", controlplane.ListSandboxesParams{Sort: sort("name"), Order: order("asc")}, []string{"alpha", "alpine", "beta"}},
		{"sort by cpu desc", controlplane.ListSandboxesParams{Sort: sort("cpu")}, []string{"beta", "alpine", "alpha"}},
		{"sort by disk asc", controlplane.ListSandboxesParams{Sort: sort("diskGib"), Order: order("asc")}, []string{"alpine", "alpha", "beta"}},
		{"sort by memory", controlplane.ListSandboxesParams{Sort: sort("memoryGib"), Order: order("desc")}, []string{"alpine", "beta", "alpha"}},
		{"sort by created asc", controlplane.ListSandboxesParams{Sort: sort("createdAt"), Order: order("asc")}, []string{"alpha", "alpine", "beta"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, listNames(t, c, tt.p))
		})
	}
}

func TestListSortedPagesAreConsistent(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	names := []string{"d", "b", "e", "a", "c"}
	for _, n := range names {
		create(t, c, controlplane.CreateSandbox{Name: strp(n)})
	}
	s := controlplane.SandboxListSortFieldName
	o := controlplane.SandboxListSortDirectionAsc
	limit := 2.0
	p := controlplane.ListSandboxesParams{Sort: &s, Order: &o, Limit: &limit}
	var got []string
	for {
		r, err := c.ListSandboxesWithResponse(context.Background(), &p)
		require.NoError(t, err)
		for _, it := range r.JSON200.Items {
			got = append(got, it.Name)
		}
		if r.JSON200.NextCursor == nil {
			break
		}
		p.Cursor = r.JSON200.NextCursor
	}
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, got)
}

func TestListBadInput(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	name := controlplane.SandboxListSortFieldName
	good := encodeCursor(listKey{Field: "createdAt", Desc: true, ID: "x"})
	tests := []struct {
		name string
		p    controlplane.ListSandboxesParams
		msg  string
	}{
		{"labels not JSON", controlplane.ListSandboxesParams{Labels: strp("team=a")}, "Invalid labels JSON format"},
		{"labels not strings", controlplane.ListSandboxesParams{Labels: strp(`{"a":1}`)}, "Invalid labels JSON format"},
		{"cursor garbage", controlplane.ListSandboxesParams{Cursor: strp("%%%")}, "Invalid cursor"},
		{"cursor of another sort", controlplane.ListSandboxesParams{Cursor: &good, Sort: &name}, "Invalid cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := c.ListSandboxesWithResponse(ctx, &tt.p)
			require.NoError(t, err)
			require.Equal(t, http.StatusBadRequest, r.StatusCode())
			assert.Equal(t, tt.msg, nestError(t, r.Body, 400).Message)
		})
	}
}

func TestSnapshotsListAndGet(t *testing.T) {
	srv := NewServer(t, WithDefaultSnapshot("base:1"))
	c := client(t, srv)
	ctx := context.Background()
	r, err := c.GetAllSnapshotsWithResponse(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
	require.Len(t, r.JSON200.Items, 1)
	def := r.JSON200.Items[0]
	assert.Equal(t, "base:1", def.Name)
	assert.Equal(t, controlplane.SnapshotStateActive, def.State)
	assert.True(t, def.General)
	assert.Equal(t, 1.0, r.JSON200.Total)

	for _, key := range []string{def.ID, "base:1"} {
		g, err := c.GetSnapshotWithResponse(ctx, key, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, g.StatusCode())
		assert.Equal(t, def.ID, g.JSON200.ID)
	}
	g, err := c.GetSnapshotWithResponse(ctx, "nope", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, g.StatusCode())
	nestError(t, g.Body, 404)

	sb := started(t, c, controlplane.CreateSandbox{})
	assert.Equal(t, "base:1", *sb.Snapshot)
}

// The predicate must agree with the fields the DTO reports.
func TestListFilterMatchesTimestamps(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	sb := started(t, c, controlplane.CreateSandbox{})
	created, err := time.Parse(time.RFC3339, *sb.CreatedAt)
	require.NoError(t, err)
	exact := listNames(t, c, controlplane.ListSandboxesParams{CreatedAtAfter: &created})
	assert.Equal(t, []string{sb.Name}, exact, "the bounds are inclusive")
}
