package hightouchtest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

func TestValidationErrors(t *testing.T) {
	h := newHarness(t)
	ids := seedModelAndDestination(h)
	syncID := h.emu.NewSync("fixture-sync", hightouchtest.Scenario{})
	disabledID := h.emu.NewSync("disabled-sync", hightouchtest.Scenario{})
	h.call(http.MethodPatch, "/syncs/"+itoa(disabledID), map[string]any{"disabled": true}, http.StatusOK)

	validSync := func(overrides map[string]any) map[string]any {
		body := map[string]any{"slug": "new", "destinationId": ids.destinationID, "modelId": ids.modelID, "configuration": map[string]any{}, "schedule": nil, "disabled": false}
		for k, v := range overrides {
			if v == nil {
				delete(body, k)
			} else {
				body[k] = v
			}
		}
		return body
	}

	for _, tc := range []struct {
		name, method, path string
		body               any
		wantKey            string
	}{
		{"missing field", http.MethodPost, "/sources", map[string]any{"name": "S", "type": "x", "configuration": map[string]any{}}, "body.slug"},
		{"missing body", http.MethodPost, "/destinations", nil, "body"},
		{"unknown property on create", http.MethodPost, "/destinations", map[string]any{"name": "D", "slug": "d2", "type": "x", "configuration": map[string]any{}, "color": "red"}, "body.color"},
		{"unknown property on update", http.MethodPatch, "/sources/" + itoa(ids.sourceID), map[string]any{"slug": "renamed"}, "body.slug"},
		{"wrong type", http.MethodPost, "/sources", map[string]any{"name": 5, "slug": "s2", "type": "x", "configuration": map[string]any{}}, "body.name"},
		{"configuration not an object", http.MethodPost, "/sources", map[string]any{"name": "S", "slug": "s2", "type": "x", "configuration": "x"}, "body.configuration"},
		{"body not an object", http.MethodPost, "/sources", []any{1}, "body"},
		{"model without its definition", http.MethodPost, "/models", map[string]any{"name": "M", "slug": "m2", "queryType": "table", "sourceId": ids.sourceID, "isSchema": false, "primaryKey": "id"}, "body.table"},
		{"model unknown queryType", http.MethodPost, "/models", map[string]any{"name": "M", "slug": "m2", "queryType": "sql", "sourceId": ids.sourceID, "isSchema": false, "primaryKey": "id"}, "body.queryType"},
		{"model unknown source", http.MethodPost, "/models", map[string]any{"name": "M", "slug": "m2", "queryType": "raw_sql", "sourceId": 404, "isSchema": false, "primaryKey": "id", "raw": map[string]any{"sql": "x"}}, "body.sourceId"},
		{"model nested unknown property", http.MethodPost, "/models", map[string]any{"name": "M", "slug": "m2", "queryType": "raw_sql", "sourceId": ids.sourceID, "isSchema": false, "primaryKey": "id", "raw": map[string]any{"sql": "x", "dialect": "y"}}, "body.raw.dialect"},
		{"model bad skipColumnQuery", http.MethodPost, "/models?skipColumnQuery=maybe", map[string]any{}, "query.skipColumnQuery"},
		{"model tags not patchable", http.MethodPatch, "/models/" + itoa(ids.modelID), map[string]any{"slug": "x"}, "body.slug"},
		{"sync missing schedule", http.MethodPost, "/syncs", validSync(map[string]any{"schedule": nil}), "body.schedule"},
		{"sync unknown model", http.MethodPost, "/syncs", validSync(map[string]any{"modelId": 404}), "body.modelId"},
		{"sync disabled not bool", http.MethodPost, "/syncs", validSync(map[string]any{"disabled": "yes"}), "body.disabled"},
		{"schedule bad unit", http.MethodPost, "/syncs", validSync(map[string]any{"schedule": map[string]any{"type": "interval", "schedule": map[string]any{"interval": map[string]any{"unit": "year", "quantity": 1}}}}), "body.schedule.schedule.interval.unit"},
		{"schedule unknown variant", http.MethodPost, "/syncs", validSync(map[string]any{"schedule": map[string]any{"type": "x", "schedule": map[string]any{"every": "day"}}}), "body.schedule.schedule"},
		{"schedule extra key", http.MethodPost, "/syncs", validSync(map[string]any{"schedule": map[string]any{"type": "cron", "schedule": map[string]any{"expression": "* * * * *", "timezone": "UTC"}}}), "body.schedule.schedule.timezone"},
		{"schedule missing type", http.MethodPost, "/syncs", validSync(map[string]any{"schedule": map[string]any{"schedule": map[string]any{"expression": "* * * * *"}}}), "body.schedule.type"},
		{"sync update slug", http.MethodPatch, "/syncs/" + itoa(syncID), map[string]any{"slug": "x"}, "body.slug"},
		{"non-numeric source id", http.MethodGet, "/sources/abc", nil, "path.sourceId"},
		{"non-numeric destination id", http.MethodPatch, "/destinations/abc", map[string]any{}, "path.destinationId"},
		{"non-numeric model id", http.MethodGet, "/models/abc", nil, "path.modelId"},
		{"non-numeric sync id", http.MethodGet, "/syncs/abc", nil, "path.syncId"},
		{"non-numeric sync id on runs", http.MethodGet, "/syncs/abc/runs", nil, "path.syncId"},
		{"non-numeric sync id on trigger", http.MethodPost, "/syncs/1e3/trigger", nil, "path.syncId"},
		{"negative limit", http.MethodGet, "/sources?limit=-1", nil, "query.limit"},
		{"text limit", http.MethodGet, "/syncs?limit=ten", nil, "query.limit"},
		{"fractional offset", http.MethodGet, "/models?offset=1.5", nil, "query.offset"},
		{"bad orderBy", http.MethodGet, "/destinations?orderBy=color", nil, "query.orderBy"},
		{"runs orderBy not in run enum", http.MethodGet, "/syncs/" + itoa(syncID) + "/runs?orderBy=name", nil, "query.orderBy"},
		{"bad runId", http.MethodGet, "/syncs/" + itoa(syncID) + "/runs?runId=x", nil, "query.runId"},
		{"bad after", http.MethodGet, "/syncs/" + itoa(syncID) + "/runs?after=yesterday", nil, "query.after"},
		{"bad within", http.MethodGet, "/syncs/" + itoa(syncID) + "/runs?within=soon", nil, "query.within"},
		{"bad modelId", http.MethodGet, "/syncs?modelId=x", nil, "query.modelId"},
		{"bad tags", http.MethodGet, "/models?tags=novalue", nil, "query.tags"},
		{"trigger custom neither", http.MethodPost, "/syncs/trigger", map[string]any{"fullResync": true}, "body.syncId"},
		{"trigger custom both", http.MethodPost, "/syncs/trigger", map[string]any{"syncId": itoa(syncID), "syncSlug": "fixture-sync"}, "body.syncSlug"},
		{"trigger custom no body", http.MethodPost, "/syncs/trigger", nil, "body"},
		{"trigger custom numeric syncId", http.MethodPost, "/syncs/trigger", map[string]any{"syncId": syncID}, "body.syncId"},
		{"trigger custom pattern", http.MethodPost, "/syncs/trigger", map[string]any{"syncId": "12a"}, "body.syncId"},
		{"trigger wrong type", http.MethodPost, "/syncs/" + itoa(syncID) + "/trigger", map[string]any{"fullResync": "always"}, "body.fullResync"},
		{"trigger disabled", http.MethodPost, "/syncs/" + itoa(disabledID) + "/trigger", nil, "path.syncId"},
		{"trigger custom disabled", http.MethodPost, "/syncs/trigger", map[string]any{"syncSlug": "disabled-sync"}, "body.syncSlug"},
		{"id graph wrong type", http.MethodPost, "/id_graphs/g/trigger", map[string]any{"fullRerun": 3}, "body.fullRerun"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "id graph wrong type" {
				h.emu.NewIDGraph("g")
			}
			out := h.call(tc.method, tc.path, tc.body, http.StatusUnprocessableEntity)
			require.Equal(t, "Validation failed", out["message"])
			d, ok := out["details"].(map[string]any)
			require.True(t, ok, "details: %v", out)
			entry, ok := d[tc.wantKey].(map[string]any)
			require.True(t, ok, "want details[%q], got %v", tc.wantKey, d)
			require.NotEmpty(t, entry["message"])
		})
	}
	require.Empty(t, h.emu.Runs(syncID), "rejected triggers must not create runs")
	require.Empty(t, h.emu.Runs(disabledID))
}

func TestValidationMessagesAreTsoaLike(t *testing.T) {
	h := newHarness(t)
	out := h.call(http.MethodPost, "/sources", map[string]any{"slug": 1, "type": "x", "configuration": map[string]any{}, "extra": true}, http.StatusUnprocessableEntity)
	require.Equal(t, map[string]any{
		"message": "Validation failed",
		"details": map[string]any{
			"body.name":  map[string]any{"message": "'name' is required"},
			"body.slug":  map[string]any{"message": "invalid string value", "value": float64(1)},
			"body.extra": map[string]any{"message": `"extra" is an excess property and therefore is not allowed`, "value": true},
		},
	}, out)
	out = h.call(http.MethodGet, "/syncs/x", nil, http.StatusUnprocessableEntity)
	require.Equal(t, map[string]any{"path.syncId": map[string]any{"message": "invalid float number", "value": "x"}}, out["details"])
}

func TestMalformedJSONIsBadRequest(t *testing.T) {
	h := newHarness(t)
	status, _, _ := h.send(http.MethodPost, "/sources", rawBody{"application/json", `{"name":`})
	require.Equal(t, http.StatusBadRequest, status)
}

func TestBodyCoercion(t *testing.T) {
	h := newHarness(t)
	ids := seedModelAndDestination(h)
	// The spec's own CreateSync example sends ids as numeric strings.
	s := h.call(http.MethodPost, "/syncs", map[string]any{
		"slug": "coerced", "destinationId": itoa(ids.destinationID), "modelId": itoa(ids.modelID),
		"configuration": map[string]any{}, "schedule": nil, "disabled": "false",
	}, http.StatusOK)
	require.Equal(t, float64(ids.modelID), s["modelId"])
	require.Equal(t, false, s["disabled"])
}
