package hightouchtest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func slugsOf(rows []map[string]any) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r["slug"].(string))
	}
	return out
}

func TestResourceListPaginationAndOrder(t *testing.T) {
	h := newHarness(t)
	// created in this order (ids 1..4), one second apart; names sort differently
	for _, s := range []struct{ name, slug string }{{"delta", "d"}, {"alpha", "c"}, {"charlie", "b"}, {"bravo", "a"}} {
		h.call(http.MethodPost, "/destinations", map[string]any{"name": s.name, "slug": s.slug, "type": "webhook", "configuration": map[string]any{}}, http.StatusOK)
		h.clock.Advance(time.Second)
	}
	// touching "d" makes it the most recently updated
	h.call(http.MethodPatch, "/destinations/1", map[string]any{"name": "delta"}, http.StatusOK)

	for _, tc := range []struct {
		query   string
		want    []string
		hasMore bool
	}{
		{"", []string{"d", "c", "b", "a"}, false},
		{"?orderBy=id", []string{"d", "c", "b", "a"}, false},
		{"?orderBy=name", []string{"c", "a", "b", "d"}, false},
		{"?orderBy=slug", []string{"a", "b", "c", "d"}, false},
		{"?orderBy=createdAt", []string{"d", "c", "b", "a"}, false},
		{"?orderBy=updatedAt", []string{"c", "b", "a", "d"}, false},
		{"?limit=2", []string{"d", "c"}, true},
		{"?limit=2&offset=2", []string{"b", "a"}, false},
		{"?limit=1&offset=2", []string{"b"}, true},
		{"?offset=4", []string{}, false},
		{"?limit=0", []string{}, true},
		{"?orderBy=slug&limit=3&offset=1", []string{"b", "c", "d"}, false},
		{"?name=alpha", []string{"c"}, false},
		{"?slug=a", []string{"a"}, false},
		{"?name=alpha&slug=a", []string{}, false},
		{"?name=alp", []string{}, false},
	} {
		out := h.get("/destinations" + tc.query)
		require.Equal(t, tc.want, slugsOf(rows(t, out)), tc.query)
		require.Equal(t, tc.hasMore, out["hasMore"], tc.query)
	}
}

func TestDefaultLimitIs100(t *testing.T) {
	h := newHarness(t)
	for i := range 101 {
		h.call(http.MethodPost, "/sources", map[string]any{"name": "s", "slug": "s" + itoa(int64(i)), "type": "x", "configuration": map[string]any{}}, http.StatusOK)
	}
	out := h.get("/sources")
	require.Len(t, rows(t, out), 100)
	require.Equal(t, true, out["hasMore"])
	require.Len(t, h.list("/sources?offset=100"), 1)
	require.Len(t, h.list("/sources?name=s"), 100)
}

func TestModelTagFilter(t *testing.T) {
	h := newHarness(t)
	ids := seedModelAndDestination(h)
	other := h.call(http.MethodPost, "/models", map[string]any{"name": "Other", "slug": "other", "queryType": "table", "sourceId": ids.sourceID, "isSchema": true, "primaryKey": "id", "table": map[string]any{"name": "t"}}, http.StatusOK)
	h.emu.SetModelTags(ids.modelID, map[string]string{"team": "marketing", "env": "prod"})
	h.emu.SetModelTags(num(other["id"]), map[string]string{"team": "marketing", "env": "dev"})

	require.Equal(t, []string{"model", "other"}, slugsOf(h.list("/models?tags=team:marketing")))
	require.Equal(t, []string{"model"}, slugsOf(h.list("/models?tags=team:marketing&tags=env:prod")))
	require.Equal(t, []string{}, slugsOf(h.list("/models?tags=team:sales")))
	require.Equal(t, []string{"other"}, slugsOf(h.list("/models?slug=other")))
	require.Equal(t, map[string]any{"team": "marketing", "env": "prod"}, h.get("/models/" + itoa(ids.modelID))["tags"])
}

func TestSyncListOrderByName(t *testing.T) {
	h := newHarness(t)
	ids := seedModelAndDestination(h)
	for _, slug := range []string{"zeta", "alpha", "mu"} {
		h.call(http.MethodPost, "/syncs", map[string]any{"slug": slug, "destinationId": ids.destinationID, "modelId": ids.modelID, "configuration": map[string]any{}, "schedule": nil, "disabled": false}, http.StatusOK)
	}
	require.Equal(t, []string{"zeta", "alpha", "mu"}, slugsOf(h.list("/syncs")))
	require.Equal(t, []string{"alpha", "mu", "zeta"}, slugsOf(h.list("/syncs?orderBy=name")), "syncs have no name: sorted by slug")
	out := h.get("/syncs?limit=1")
	require.Equal(t, true, out["hasMore"])
}
