package hightouchtest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

func TestSourcesAndDestinationsCRUD(t *testing.T) {
	for _, tc := range []struct {
		path, idField string
		extraFields   []string
	}{
		{path: "/sources"},
		{path: "/destinations", extraFields: []string{"syncs"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			h := newHarness(t)
			created := h.call(http.MethodPost, tc.path, map[string]any{
				"name": "Warehouse", "slug": "wh", "type": "snowflake", "configuration": map[string]any{"account": "a", "port": 443},
			}, http.StatusOK)
			for _, f := range append([]string{"id", "name", "slug", "workspaceId", "createdAt", "updatedAt", "type", "configuration"}, tc.extraFields...) {
				require.Contains(t, created, f)
			}
			require.Regexp(t, isoPattern, created["createdAt"])
			require.Equal(t, "wh", created["slug"])
			require.Equal(t, map[string]any{"account": "a", "port": float64(443)}, created["configuration"])
			id := num(created["id"])

			got := h.get(tc.path + "/" + itoa(id))
			require.Equal(t, created, got)

			h.clock.Advance(1500 * time.Millisecond)
			updated := h.call(http.MethodPatch, tc.path+"/"+itoa(id), map[string]any{"name": "Renamed", "configuration": map[string]any{"account": "b"}}, http.StatusOK)
			require.Equal(t, "Renamed", updated["name"])
			require.Equal(t, "wh", updated["slug"])
			require.Equal(t, map[string]any{"account": "b"}, updated["configuration"])

			list := h.list(tc.path)
			require.Len(t, list, 1)
			require.Equal(t, updated, list[0])
		})
	}
}

func TestCreateModelVariants(t *testing.T) {
	for _, tc := range []struct {
		name, queryType, key string
		definition           map[string]any
		wantKeys             []string
	}{
		{"raw", "raw_sql", "raw", map[string]any{"sql": "select 1"}, []string{"sql"}},
		{"table", "table", "table", map[string]any{"name": "users"}, []string{"name"}},
		{"dbt", "dbt", "dbt", map[string]any{"modelId": 7}, []string{"dbtUniqueId", "compiledSql", "rawSql", "database", "schema", "name", "modelId"}},
		{"dbt_cloud", "dbt_cloud", "dbt_cloud", map[string]any{"modelId": 8}, []string{"dbtUniqueId", "compiledSql", "rawSql", "name", "modelId"}},
		{"visual", "visual", "visual", map[string]any{"filter": map[string]any{"conditions": []any{}}, "parentId": 1, "primaryLabel": "p"}, []string{"filter", "parentId", "primaryLabel"}},
		{"custom", "custom", "custom", map[string]any{"query": map[string]any{"table": "t"}}, []string{"query"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			src := h.call(http.MethodPost, "/sources", map[string]any{"name": "S", "slug": "s", "type": "postgres", "configuration": map[string]any{}}, http.StatusOK)
			m := h.call(http.MethodPost, "/models?skipColumnQuery=true", map[string]any{
				"name": "M", "slug": "m", "queryType": tc.queryType, "sourceId": src["id"], "isSchema": false,
				"primaryKey": "id", tc.key: tc.definition, "folderId": "f1",
			}, http.StatusOK)
			for _, f := range []string{"id", "name", "slug", "description", "workspaceId", "primaryKey", "createdAt", "updatedAt", "sourceId", "queryType", "tags", "isSchema", "syncs", "lastRunSize"} {
				require.Contains(t, m, f)
			}
			require.Equal(t, "", m["description"])
			require.Nil(t, m["lastRunSize"])
			require.Equal(t, map[string]any{}, m["tags"])
			require.Equal(t, []any{}, m["syncs"])
			require.Equal(t, "f1", m["folderId"])
			def, ok := m[tc.key].(map[string]any)
			require.True(t, ok, "%s missing: %v", tc.key, m)
			for _, k := range tc.wantKeys {
				require.Contains(t, def, k)
			}
			require.Equal(t, m, h.get("/models/"+itoa(num(m["id"]))))

			updated := h.call(http.MethodPatch, "/models/"+itoa(num(m["id"])), map[string]any{"name": "M2", "isSchema": true, "primaryKey": "uid"}, http.StatusOK)
			require.Equal(t, "M2", updated["name"])
			require.Equal(t, true, updated["isSchema"])
			require.Equal(t, "uid", updated["primaryKey"])
		})
	}
}

func TestSyncSchedules(t *testing.T) {
	schedules := map[string]any{
		"interval": map[string]any{"type": "interval", "schedule": map[string]any{"interval": map[string]any{"unit": "day", "quantity": 1}}},
		"cron":     map[string]any{"type": "cron", "schedule": map[string]any{"expression": "0 * * * *"}},
		"visual":   map[string]any{"type": "visual", "schedule": map[string]any{"expressions": []any{map[string]any{"days": map[string]any{"monday": true}, "time": "08:30"}}}},
		"dbt":      map[string]any{"type": "dbt", "schedule": map[string]any{"account": map[string]any{"id": "a"}, "job": map[string]any{"id": "j"}}},
		"manual":   nil,
	}
	for name, schedule := range schedules {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			ids := seedModelAndDestination(h)
			s := h.call(http.MethodPost, "/syncs", map[string]any{
				"slug": "s-" + name, "destinationId": ids.destinationID, "modelId": ids.modelID,
				"configuration": map[string]any{"mappings": []any{map[string]any{"from": "email", "to": "Email"}}},
				"schedule":      schedule, "disabled": false,
			}, http.StatusOK)
			for _, f := range []string{"id", "slug", "workspaceId", "createdAt", "updatedAt", "destinationId", "modelId", "configuration", "schedule", "status", "disabled", "lastRunAt", "referencedColumns", "primaryKey", "externalSegment", "tags"} {
				require.Contains(t, s, f)
			}
			require.Equal(t, schedule == nil, s["schedule"] == nil)
			require.Equal(t, "pending", s["status"])
			require.Nil(t, s["lastRunAt"])
			require.Equal(t, []any{"id", "email"}, s["referencedColumns"])
			require.Equal(t, "id", s["primaryKey"])
			require.Equal(t, map[string]any{}, s["externalSegment"])
			require.Equal(t, map[string]any{}, s["tags"])
			id := itoa(num(s["id"]))
			require.Equal(t, s, h.get("/syncs/"+id))

			updated := h.call(http.MethodPatch, "/syncs/"+id, map[string]any{"schedule": nil, "disabled": true}, http.StatusOK)
			require.Nil(t, updated["schedule"])
			require.Equal(t, "disabled", updated["status"])

			// the model and destination list the sync
			require.Equal(t, []any{s["id"]}, h.get("/models/" + itoa(ids.modelID))["syncs"])
			require.Equal(t, []any{s["id"]}, h.get("/destinations/" + itoa(ids.destinationID))["syncs"])
		})
	}
}

type seededIDs struct{ sourceID, modelID, destinationID int64 }

func seedModelAndDestination(h *harness) seededIDs {
	h.t.Helper()
	src := h.call(http.MethodPost, "/sources", map[string]any{"name": "S", "slug": "src", "type": "snowflake", "configuration": map[string]any{}}, http.StatusOK)
	m := h.call(http.MethodPost, "/models", map[string]any{"name": "M", "slug": "model", "queryType": "raw_sql", "sourceId": src["id"], "isSchema": false, "primaryKey": "id", "raw": map[string]any{"sql": "select 1"}}, http.StatusOK)
	d := h.call(http.MethodPost, "/destinations", map[string]any{"name": "D", "slug": "dst", "type": "hubspot", "configuration": map[string]any{}}, http.StatusOK)
	return seededIDs{sourceID: num(src["id"]), modelID: num(m["id"]), destinationID: num(d["id"])}
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("s", hightouchtest.Scenario{})
	for _, tc := range []struct {
		name, authorization, wantDetails string
	}{
		{"no header", "", "No authorization header found"},
		{"wrong token", "Bearer nope", "Token is invalid"},
		{"wrong scheme", "Basic " + "dGVzdA==", "Token is invalid"},
	} {
		for _, path := range []string{"/syncs", "/syncs/" + itoa(syncID), "/sources/1"} {
			status, _, body := h.sendAs(tc.authorization, http.MethodGet, path, nil)
			require.Equal(t, http.StatusUnauthorized, status, tc.name)
			require.JSONEq(t, `{"message":"Authentication error","details":"`+tc.wantDetails+`"}`, string(body))
		}
	}
	status, _, _ := h.sendAs("Bearer nope", http.MethodPost, "/syncs/"+itoa(syncID)+"/trigger", nil)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Empty(t, h.emu.Runs(syncID), "an unauthenticated trigger must not run")
}

func TestCustomToken(t *testing.T) {
	h := newHarness(t, hightouchtest.WithToken("secret"))
	status, _, _ := h.send(http.MethodGet, "/syncs", nil)
	require.Equal(t, http.StatusUnauthorized, status)
	status, _, _ = h.sendAs("Bearer secret", http.MethodGet, "/syncs", nil)
	require.Equal(t, http.StatusOK, status)
}

func TestNotFound(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/sources/99"},
		{http.MethodPatch, "/sources/99"},
		{http.MethodGet, "/destinations/99"},
		{http.MethodPatch, "/destinations/99"},
		{http.MethodGet, "/models/99"},
		{http.MethodPatch, "/models/99"},
		{http.MethodGet, "/syncs/99"},
		{http.MethodPatch, "/syncs/99"},
		{http.MethodGet, "/syncs/99/runs"},
		{http.MethodPost, "/syncs/99/trigger"},
		{http.MethodPost, "/sync-sequences/nope/trigger"},
		{http.MethodGet, "/sync-sequences/runs/nope"},
		{http.MethodPost, "/id_graphs/nope/trigger"},
		{http.MethodGet, "/nothing-here"},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			var body any
			if tc.method == http.MethodPatch {
				body = map[string]any{}
			}
			out := h.call(tc.method, tc.path, body, http.StatusNotFound)
			require.Equal(t, "Not found", out["message"])
			require.NotEmpty(t, out["details"])
		})
	}
	for _, body := range []map[string]any{{"syncId": "99"}, {"syncSlug": "nope"}} {
		h.call(http.MethodPost, "/syncs/trigger", body, http.StatusNotFound)
	}
	status, _, _ := h.send(http.MethodGet, "/../v2/syncs", nil)
	require.Equal(t, http.StatusNotFound, status)
}

func TestMethodNotAllowed(t *testing.T) {
	h := newHarness(t)
	status, header, _ := h.send(http.MethodDelete, "/syncs/1", nil)
	require.Equal(t, http.StatusMethodNotAllowed, status)
	require.Equal(t, "GET, PATCH", header.Get("Allow"))
	status, _, _ = h.send(http.MethodGet, "/syncs/1/trigger", nil)
	require.Equal(t, http.StatusMethodNotAllowed, status)
}

func TestDuplicateSlugConflict(t *testing.T) {
	h := newHarness(t)
	ids := seedModelAndDestination(h)
	for _, tc := range []struct {
		path string
		body map[string]any
	}{
		{"/sources", map[string]any{"name": "S", "slug": "src", "type": "snowflake", "configuration": map[string]any{}}},
		{"/destinations", map[string]any{"name": "D", "slug": "dst", "type": "hubspot", "configuration": map[string]any{}}},
		{"/models", map[string]any{"name": "M", "slug": "model", "queryType": "raw_sql", "sourceId": ids.sourceID, "isSchema": false, "primaryKey": "id", "raw": map[string]any{"sql": "x"}}},
		{"/syncs", map[string]any{"slug": "sync", "destinationId": ids.destinationID, "modelId": ids.modelID, "configuration": map[string]any{}, "schedule": nil, "disabled": false}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			if tc.path == "/syncs" {
				h.call(http.MethodPost, tc.path, tc.body, http.StatusOK)
			}
			out := h.call(http.MethodPost, tc.path, tc.body, http.StatusConflict)
			require.Equal(t, "Validation failed", out["message"])
			d := out["details"].(map[string]any)["body.slug"].(map[string]any)
			require.Equal(t, tc.body["slug"], d["value"])
			require.NotEmpty(t, d["message"])
		})
	}
}
