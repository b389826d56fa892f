package hightouchtest_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

var rowsScenario = hightouchtest.Scenario{
	QuerySize:      100,
	PlannedRows:    hightouchtest.RowCounts{AddedCount: 80, ChangedCount: 20},
	SuccessfulRows: hightouchtest.RowCounts{AddedCount: 70, ChangedCount: 20},
	FailedRows:     hightouchtest.RowCounts{AddedCount: 10},
	Status:         "warning",
	Error:          "10 rows rejected",
}

func TestRunLifecycle(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("lifecycle", rowsScenario) // default phases: queued 1s, querying 2s, processing 5s, reporting 1s
	require.Equal(t, "pending", h.get("/syncs/" + itoa(syncID))["status"])

	runID := h.trigger(syncID)
	type step struct {
		at          time.Duration
		status      string
		started     bool
		querySize   float64
		ratio       float64
		planned     bool
		successAdds float64
	}
	var prevRatio float64
	for _, st := range []step{
		{at: 0, status: "queued"},
		{at: 500 * time.Millisecond, status: "queued"},
		{at: time.Second, status: "querying", started: true},
		{at: 3 * time.Second, status: "processing", started: true, querySize: 100, planned: true},
		{at: 4 * time.Second, status: "processing", started: true, querySize: 100, ratio: 0.2, planned: true, successAdds: 14},
		{at: 5500 * time.Millisecond, status: "processing", started: true, querySize: 100, ratio: 0.5, planned: true, successAdds: 35},
		{at: 8 * time.Second, status: "reporting", started: true, querySize: 100, ratio: 1, planned: true, successAdds: 70},
		{at: 9 * time.Second, status: "warning", started: true, querySize: 100, ratio: 1, planned: true, successAdds: 70},
	} {
		h.clock.Set(epoch.Add(st.at))
		rn := h.run(syncID, runID)
		require.Equal(t, st.status, rn["status"], "at %s", st.at)
		require.Equal(t, float64(runID), rn["id"])
		require.Regexp(t, isoPattern, rn["createdAt"])
		require.Equal(t, st.started, rn["startedAt"] != nil, "startedAt at %s", st.at)
		terminal := st.status == "warning"
		require.Equal(t, terminal, rn["finishedAt"] != nil, "finishedAt at %s", st.at)
		if terminal {
			require.Equal(t, "10 rows rejected", rn["error"])
			require.Equal(t, "2024-05-01T12:00:09.000Z", rn["finishedAt"])
			require.Equal(t, map[string]any{"addedCount": float64(10), "changedCount": float64(0), "removedCount": float64(0)}, rn["failedRows"])
		} else {
			require.Contains(t, rn, "error")
			require.Nil(t, rn["error"], "error must be null until terminal")
		}
		if st.started {
			require.Equal(t, "2024-05-01T12:00:01.000Z", rn["startedAt"])
		}
		require.Equal(t, st.querySize, rn["querySize"], "querySize at %s", st.at)
		require.Equal(t, st.ratio, rn["completionRatio"], "ratio at %s", st.at)
		require.GreaterOrEqual(t, rn["completionRatio"].(float64), prevRatio)
		prevRatio = rn["completionRatio"].(float64)
		planned := rn["plannedRows"].(map[string]any)
		require.Equal(t, st.planned, planned["addedCount"] == float64(80), "plannedRows at %s", st.at)
		require.Equal(t, st.successAdds, rn["successfulRows"].(map[string]any)["addedCount"], "successfulRows at %s", st.at)

		sync := h.get("/syncs/" + itoa(syncID))
		require.Equal(t, st.status, sync["status"], "sync status at %s", st.at)
		if st.started {
			require.Equal(t, "2024-05-01T12:00:01.000Z", sync["lastRunAt"])
		} else {
			require.Nil(t, sync["lastRunAt"])
		}
	}

	info := h.emu.Runs(syncID)
	require.Len(t, info, 1)
	require.Equal(t, "warning", info[0].Status)
	require.NotNil(t, info[0].FirstSeenTerminalAt)
	require.Equal(t, epoch.Add(9*time.Second), *info[0].FirstSeenTerminalAt)
}

func TestFirstSeenTerminalAt(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("seen", hightouchtest.Scenario{Phases: []hightouchtest.Phase{{Status: "processing", Duration: time.Second}}})
	runID := h.trigger(syncID)
	h.clock.Advance(3 * time.Second)
	require.Nil(t, h.emu.Runs(syncID)[0].FirstSeenTerminalAt, "not seen until an API response shows it")
	require.Equal(t, "success", h.emu.Runs(syncID)[0].Status)
	h.clock.Advance(2 * time.Second)
	h.run(syncID, runID)
	h.clock.Advance(time.Second)
	h.run(syncID, runID)
	require.Equal(t, epoch.Add(5*time.Second), *h.emu.Runs(syncID)[0].FirstSeenTerminalAt)
}

func TestRunQueuesBehindActiveRun(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("queue", hightouchtest.Scenario{}) // 9s per run
	first := h.trigger(syncID)
	h.clock.Advance(2 * time.Second)
	second := h.trigger(syncID)
	third := h.trigger(syncID)
	require.Equal(t, []int64{first + 1, first + 2}, []int64{second, third})

	h.clock.Advance(3 * time.Second) // t=5s
	require.Equal(t, "processing", h.run(syncID, first)["status"])
	require.Equal(t, "queued", h.run(syncID, second)["status"])
	require.Nil(t, h.run(syncID, second)["startedAt"])
	require.Equal(t, "queued", h.get("/syncs/" + itoa(syncID))["status"], "the sync shows its newest run")

	h.clock.Advance(5 * time.Second) // t=10s: first ended at 9s, second's queued phase ran 9s-10s
	require.Equal(t, "success", h.run(syncID, first)["status"])
	require.Equal(t, "querying", h.run(syncID, second)["status"])
	require.Equal(t, "queued", h.run(syncID, third)["status"])

	runs := h.emu.Runs(syncID)
	require.Len(t, runs, 3)
	require.Equal(t, epoch.Add(2*time.Second), runs[1].CreatedAt)
	require.Equal(t, epoch.Add(10*time.Second), *runs[1].StartedAt)
	require.True(t, runs[1].CreatedAt.Before(*runs[1].StartedAt))

	h.clock.Advance(20 * time.Second)
	runs = h.emu.Runs(syncID)
	require.Equal(t, epoch.Add(18*time.Second), *runs[1].FinishedAt)
	require.Equal(t, epoch.Add(27*time.Second), *runs[2].FinishedAt)
	require.Equal(t, 3, h.emu.Triggers(syncID))
}

func TestListDelay(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("delayed", hightouchtest.Scenario{ListDelay: 2 * time.Second})
	runID := h.trigger(syncID)
	require.Empty(t, h.list("/syncs/"+itoa(syncID)+"/runs?runId="+itoa(runID)))
	require.Empty(t, h.list("/syncs/"+itoa(syncID)+"/runs"))
	h.clock.Advance(1999 * time.Millisecond)
	require.Empty(t, h.list("/syncs/"+itoa(syncID)+"/runs?runId="+itoa(runID)))
	h.clock.Advance(time.Millisecond)
	require.Equal(t, float64(runID), h.run(syncID, runID)["id"])
}

func TestUnknownStatuses(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("odd", hightouchtest.Scenario{
		Phases: []hightouchtest.Phase{{Status: "pending_approval", Duration: 5 * time.Second}},
		Status: "completed_with_errors",
	})
	runID := h.trigger(syncID)
	rn := h.run(syncID, runID)
	require.Equal(t, "pending_approval", rn["status"])
	require.NotNil(t, rn["startedAt"])
	require.Nil(t, rn["finishedAt"])
	h.clock.Advance(5 * time.Second)
	rn = h.run(syncID, runID)
	require.Equal(t, "completed_with_errors", rn["status"])
	require.NotNil(t, rn["finishedAt"])
}

func TestPendingPhaseHasNotStarted(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("pending", hightouchtest.Scenario{Phases: []hightouchtest.Phase{
		{Status: "pending", Duration: 2 * time.Second}, {Status: "processing", Duration: time.Second},
	}})
	runID := h.trigger(syncID)
	h.clock.Advance(time.Second)
	rn := h.run(syncID, runID)
	require.Equal(t, "pending", rn["status"])
	require.Nil(t, rn["startedAt"], "a pending run has not started")
	require.Nil(t, rn["finishedAt"])
	require.Equal(t, "pending", h.get("/syncs/" + itoa(syncID))["status"])
	require.Nil(t, h.get("/syncs/" + itoa(syncID))["lastRunAt"])

	h.clock.Advance(time.Second)
	rn = h.run(syncID, runID)
	require.Equal(t, "processing", rn["status"])
	require.Equal(t, "2024-05-01T12:00:02.000Z", rn["startedAt"])
}

func TestPhaseThatNeverEnds(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("stuck", hightouchtest.Scenario{Phases: []hightouchtest.Phase{{Status: "querying", Duration: -1}}})
	first := h.trigger(syncID)
	second := h.trigger(syncID)
	h.clock.Advance(1000 * time.Hour)
	require.Equal(t, "querying", h.run(syncID, first)["status"])
	require.Nil(t, h.run(syncID, first)["finishedAt"])
	require.Equal(t, "queued", h.run(syncID, second)["status"])
}

func TestEmptyPhasesEndAtOnce(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("instant", hightouchtest.Scenario{Phases: []hightouchtest.Phase{}, Status: "failed", Error: "boom"})
	runID := h.trigger(syncID)
	rn := h.run(syncID, runID)
	require.Equal(t, "failed", rn["status"])
	require.Equal(t, "boom", rn["error"])
	require.Equal(t, rn["startedAt"], rn["finishedAt"])
}

func TestTriggerVariants(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("variants", hightouchtest.Scenario{})

	h.call(http.MethodPost, "/syncs/"+itoa(syncID)+"/trigger", map[string]any{"fullResync": true, "fullSync": true}, http.StatusOK)
	h.call(http.MethodPost, "/syncs/trigger", map[string]any{"syncId": itoa(syncID), "resetCDC": true}, http.StatusOK)
	h.call(http.MethodPost, "/syncs/trigger", map[string]any{"syncSlug": "variants", "clearAndFill": true}, http.StatusOK)
	form := url.Values{"syncSlug": {"variants"}, "fullResync": {"true"}}
	out := h.call(http.MethodPost, "/syncs/trigger", rawBody{"application/x-www-form-urlencoded", form.Encode()}, http.StatusOK)
	require.IsType(t, "", out["id"])
	out = h.call(http.MethodPost, "/syncs/trigger", rawBody{"application/x-www-form-urlencoded", "syncId=" + itoa(syncID)}, http.StatusOK)
	require.IsType(t, "", out["id"])

	runs := h.emu.Runs(syncID)
	require.Len(t, runs, 5)
	require.True(t, runs[0].FullResync)
	require.True(t, runs[1].ResetCDC)
	require.True(t, runs[2].ClearAndFill)
	require.True(t, runs[3].FullResync)
	require.False(t, runs[4].FullResync || runs[4].ResetCDC || runs[4].ClearAndFill)
	require.Equal(t, 5, h.emu.Triggers(syncID))
	require.Equal(t, 5, h.emu.Stats().Triggers)
	require.Equal(t, 5, h.emu.Stats().RunsCreated)
	require.Equal(t, 5, h.emu.Requests(syncID))
}

func TestUnknownRunIDGivesEmptyList(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("s", hightouchtest.Scenario{})
	other := h.emu.NewSync("other", hightouchtest.Scenario{})
	otherRun := h.trigger(other)
	out := h.get("/syncs/" + itoa(syncID) + "/runs?runId=424242")
	require.Equal(t, map[string]any{"data": []any{}, "hasMore": false}, out)
	require.Empty(t, h.list("/syncs/"+itoa(syncID)+"/runs?runId="+itoa(otherRun)), "a run of another sync is not listed")
}

func TestListSyncRunsOrderAndFilters(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("many", hightouchtest.Scenario{Phases: []hightouchtest.Phase{{Status: "processing", Duration: time.Minute}}})
	var ids []int64
	for range 4 {
		ids = append(ids, h.trigger(syncID))
		h.clock.Advance(time.Minute) // each run ends as the next is triggered
	}
	// now = 4m: runs started at 0,1,2,3 minutes; all finished.
	path := "/syncs/" + itoa(syncID) + "/runs"
	idsOf := func(rows []map[string]any) []int64 {
		var out []int64
		for _, r := range rows {
			out = append(out, num(r["id"]))
		}
		return out
	}
	require.Equal(t, []int64{ids[3], ids[2], ids[1], ids[0]}, idsOf(h.list(path)), "newest first")
	for _, orderBy := range []string{"id", "createdAt", "startedAt", "finishedAt"} {
		require.Equal(t, []int64{ids[3], ids[2], ids[1], ids[0]}, idsOf(h.list(path+"?orderBy="+orderBy)), orderBy)
	}
	first := h.get(path + "?limit=2")
	require.Equal(t, true, first["hasMore"])
	require.Equal(t, []int64{ids[3], ids[2]}, idsOf(rows(t, first)))
	second := h.get(path + "?limit=2&offset=2")
	require.Equal(t, false, second["hasMore"])
	require.Equal(t, []int64{ids[1], ids[0]}, idsOf(rows(t, second)))
	require.Empty(t, h.list(path+"?offset=10"))

	at := func(d time.Duration) string { return url.QueryEscape(epoch.Add(d).Format(time.RFC3339Nano)) }
	require.Equal(t, []int64{ids[3], ids[2]}, idsOf(h.list(path+"?after="+at(2*time.Minute))), "after is inclusive")
	require.Equal(t, []int64{ids[1], ids[0]}, idsOf(h.list(path+"?before="+at(2*time.Minute))), "before is exclusive")
	require.Equal(t, []int64{ids[2], ids[1]}, idsOf(h.list(path+"?after="+at(time.Minute)+"&before="+at(3*time.Minute))))
	require.Equal(t, []int64{ids[3], ids[2]}, idsOf(h.list(path+"?within=2")), "started within the last 2 minutes")

	// a queued run has no startedAt: first in startedAt order, excluded by time filters
	h.emu.SetScenario(syncID, hightouchtest.Scenario{Phases: []hightouchtest.Phase{{Status: "queued", Duration: time.Hour}}})
	queued := h.trigger(syncID)
	require.Equal(t, queued, idsOf(h.list(path + "?orderBy=startedAt"))[0])
	require.NotContains(t, idsOf(h.list(path+"?within=60")), queued)
}

func TestSyncStatusFollowsRunsAndFilters(t *testing.T) {
	h := newHarness(t)
	ids := seedModelAndDestination(h)
	a := h.call(http.MethodPost, "/syncs", map[string]any{"slug": "a", "destinationId": ids.destinationID, "modelId": ids.modelID, "configuration": map[string]any{}, "schedule": nil, "disabled": false}, http.StatusOK)
	b := h.call(http.MethodPost, "/syncs", map[string]any{"slug": "b", "destinationId": ids.destinationID, "modelId": ids.modelID, "configuration": map[string]any{}, "schedule": nil, "disabled": false}, http.StatusOK)
	aID := num(a["id"])
	h.emu.SetScenario(aID, hightouchtest.Scenario{Phases: []hightouchtest.Phase{}, QuerySize: 42})
	h.trigger(aID)
	require.Equal(t, "success", h.get("/syncs/" + itoa(aID))["status"])
	require.Equal(t, float64(42), h.get("/models/" + itoa(ids.modelID))["lastRunSize"])

	after := url.QueryEscape(epoch.Format(time.RFC3339))
	got := h.list("/syncs?after=" + after)
	require.Len(t, got, 1, "only synced-after syncs: b never ran")
	require.Equal(t, a["id"], got[0]["id"])
	require.Empty(t, h.list("/syncs?before="+after))
	require.Len(t, h.list("/syncs?modelId="+itoa(ids.modelID)), 2)
	require.Empty(t, h.list("/syncs?modelId=999"))
	require.Equal(t, b["id"], h.list("/syncs?slug=b")[0]["id"])
}
