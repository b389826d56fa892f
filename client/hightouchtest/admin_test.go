package hightouchtest_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

// admin sends an admin request (no token) and decodes the answer into out.
func (h *harness) admin(method, path string, body any, wantStatus int, out any) {
	h.t.Helper()
	status, _, data := h.sendAs("", method, path, body)
	require.Equal(h.t, wantStatus, status, "body: %s", data)
	if out != nil {
		require.NoError(h.t, json.Unmarshal(data, out), "body: %s", data)
	}
}

func TestAdminAPI(t *testing.T) {
	h := newHarness(t)

	var health map[string]string
	h.admin(http.MethodGet, "/_emulator/healthz", nil, http.StatusOK, &health)
	require.Equal(t, "ok", health["status"])

	var created struct{ ID int64 }
	h.admin(http.MethodPost, "/_emulator/syncs", map[string]any{
		"slug": "admin-sync",
		"scenario": map[string]any{
			"phases":     []any{map[string]any{"status": "querying", "duration": "2s"}},
			"status":     "failed",
			"error":      "nope",
			"querySize":  5,
			"failedRows": map[string]any{"addedCount": 5},
			"listDelay":  "0s",
		},
	}, http.StatusOK, &created)
	require.NotZero(t, created.ID)
	h.admin(http.MethodPost, "/_emulator/syncs", map[string]any{"slug": "admin-sync"}, http.StatusBadRequest, nil)
	h.admin(http.MethodPost, "/_emulator/syncs", map[string]any{"slug": "x", "scenario": map[string]any{"listDelay": 5}}, http.StatusBadRequest, nil)

	runID := h.trigger(created.ID)
	h.clock.Advance(2 * time.Second)
	rn := h.run(created.ID, runID)
	require.Equal(t, "failed", rn["status"])
	require.Equal(t, "nope", rn["error"])

	h.admin(http.MethodPut, "/_emulator/syncs/"+itoa(created.ID)+"/scenario", map[string]any{"phases": []any{}, "status": "success"}, http.StatusOK, nil)
	h.admin(http.MethodPut, "/_emulator/syncs/999/scenario", map[string]any{}, http.StatusNotFound, nil)
	h.admin(http.MethodPut, "/_emulator/syncs/abc/scenario", map[string]any{}, http.StatusBadRequest, nil)
	h.trigger(created.ID)

	var runs []hightouchtest.RunInfo
	h.admin(http.MethodGet, "/_emulator/syncs/"+itoa(created.ID)+"/runs", nil, http.StatusOK, &runs)
	require.Len(t, runs, 2)
	require.Equal(t, runID, runs[0].ID)
	require.Equal(t, "failed", runs[0].Status)
	require.NotNil(t, runs[0].FirstSeenTerminalAt)
	require.Equal(t, "success", runs[1].Status)
	h.admin(http.MethodGet, "/_emulator/syncs/999/runs", nil, http.StatusNotFound, nil)

	var seq struct{ ID string }
	h.admin(http.MethodPost, "/_emulator/sequences", map[string]any{"id": "adm-seq", "syncIds": []int64{created.ID}}, http.StatusOK, &seq)
	require.Equal(t, "adm-seq", seq.ID)
	h.admin(http.MethodPost, "/_emulator/sequences", map[string]any{"syncIds": []int64{999}}, http.StatusBadRequest, nil)
	seqRun := h.triggerSequence("adm-seq")
	var seqRuns []hightouchtest.SequenceRunInfo
	h.admin(http.MethodGet, "/_emulator/sequences/adm-seq/runs", nil, http.StatusOK, &seqRuns)
	require.Len(t, seqRuns, 1)
	require.Equal(t, seqRun, seqRuns[0].ID)
	h.admin(http.MethodGet, "/_emulator/sequences/nope/runs", nil, http.StatusNotFound, nil)

	h.admin(http.MethodPost, "/_emulator/id-graphs", map[string]any{"id": "g1"}, http.StatusOK, nil)
	h.admin(http.MethodPost, "/_emulator/id-graphs", map[string]any{"id": "g1"}, http.StatusBadRequest, nil)
	h.call(http.MethodPost, "/id_graphs/g1/trigger", nil, http.StatusOK)

	var faults map[string]any
	h.admin(http.MethodPut, "/_emulator/faults", map[string]any{"rateLimitBurst": 1, "retryAfter": "2s", "latency": "1ms"}, http.StatusOK, &faults)
	require.Equal(t, "2s", faults["retryAfter"])
	require.Equal(t, hightouchtest.Faults{RateLimitBurst: 1, RetryAfter: 2 * time.Second, Latency: time.Millisecond}, h.emu.CurrentFaults())
	status, header, _ := h.send(http.MethodGet, "/syncs", nil)
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Equal(t, "2", header.Get("Retry-After"))
	h.admin(http.MethodGet, "/_emulator/faults", nil, http.StatusOK, &faults)
	require.Equal(t, float64(0), faults["rateLimitBurst"])
	h.admin(http.MethodPut, "/_emulator/faults", map[string]any{"serverErrorRate": 2}, http.StatusBadRequest, nil)
	h.admin(http.MethodPut, "/_emulator/faults", map[string]any{"latency": "soon"}, http.StatusBadRequest, nil)
	h.admin(http.MethodPut, "/_emulator/faults", map[string]any{"bogus": 1}, http.StatusBadRequest, nil)
	h.admin(http.MethodPut, "/_emulator/faults", map[string]any{}, http.StatusOK, nil)

	var stats hightouchtest.AdminStats
	h.admin(http.MethodGet, "/_emulator/stats", nil, http.StatusOK, &stats)
	require.Equal(t, 2, stats.Triggers)
	require.Equal(t, 1, stats.EnforcedRateLimits+stats.InjectedRateLimits)
	require.Equal(t, 1, stats.ByOperation["TriggerRunIDGraph"])
	perSync := stats.Syncs[itoa(created.ID)]
	require.Equal(t, hightouchtest.SyncStats{Requests: 3, Triggers: 2, Runs: 3}, perSync)
	require.Equal(t, 1, h.emu.IDGraphTriggers("g1"))

	h.admin(http.MethodGet, "/_emulator/nothing", nil, http.StatusNotFound, nil)
}

func TestIDGraphTrigger(t *testing.T) {
	h := newHarness(t)
	h.emu.NewIDGraph("graph")
	out := h.call(http.MethodPost, "/id_graphs/graph/trigger", map[string]any{"fullRerun": true}, http.StatusOK)
	require.IsType(t, "", out["id"])
	require.NotEmpty(t, out["id"])
	h.call(http.MethodPost, "/id_graphs/graph/trigger", nil, http.StatusOK)
	require.Equal(t, 2, h.emu.IDGraphTriggers("graph"))
	h.call(http.MethodPost, "/id_graphs/other/trigger", nil, http.StatusNotFound)
}
