package hightouchtest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

func TestDemoWorkspace(t *testing.T) {
	h := newHarness(t, hightouchtest.WithDemoData())

	src := h.list("/sources?slug=" + hightouchtest.DemoSourceSlug)
	require.Len(t, src, 1)
	require.Equal(t, "snowflake", src[0]["type"])
	models := h.list("/models")
	require.GreaterOrEqual(t, len(models), 2)
	for _, m := range models {
		require.Equal(t, "raw_sql", m["queryType"])
	}
	types := map[string]bool{}
	for _, d := range h.list("/destinations") {
		types[d["type"].(string)] = true
	}
	require.True(t, types["salesforce"] && types["hubspot"])

	for slug, id := range map[string]int64{
		hightouchtest.DemoSyncSlug:        hightouchtest.DemoSyncID,
		hightouchtest.DemoWarningSyncSlug: hightouchtest.DemoWarningSyncID,
		hightouchtest.DemoFailingSyncSlug: hightouchtest.DemoFailingSyncID,
	} {
		got := h.list("/syncs?slug=" + slug)
		require.Len(t, got, 1)
		require.Equal(t, float64(id), got[0]["id"])
	}

	// users-to-salesforce: success in 10-20 s, growing ratio, nonzero rows
	runID := h.trigger(hightouchtest.DemoSyncID)
	var ratios []float64
	var end time.Duration
	for elapsed := time.Duration(0); elapsed <= 30*time.Second; elapsed += time.Second {
		rn := h.run(hightouchtest.DemoSyncID, runID)
		ratios = append(ratios, rn["completionRatio"].(float64))
		if rn["finishedAt"] != nil {
			require.Equal(t, "success", rn["status"])
			require.NotZero(t, rn["successfulRows"].(map[string]any)["addedCount"])
			require.NotZero(t, rn["querySize"])
			end = elapsed
			break
		}
		h.clock.Advance(time.Second)
	}
	require.GreaterOrEqual(t, end, 10*time.Second)
	require.LessOrEqual(t, end, 20*time.Second)
	distinct := map[float64]bool{}
	for _, r := range ratios {
		distinct[r] = true
	}
	require.Greater(t, len(distinct), 3, "completionRatio grows in steps: %v", ratios)

	warn := h.trigger(hightouchtest.DemoWarningSyncID)
	fail := h.trigger(hightouchtest.DemoFailingSyncID)
	h.clock.Advance(time.Minute)
	rn := h.run(hightouchtest.DemoWarningSyncID, warn)
	require.Equal(t, "warning", rn["status"])
	require.NotEmpty(t, rn["error"])
	require.NotZero(t, rn["failedRows"].(map[string]any)["addedCount"])
	rn = h.run(hightouchtest.DemoFailingSyncID, fail)
	require.Equal(t, "failed", rn["status"])
	require.NotEmpty(t, rn["error"])

	seqRun := h.triggerSequence(hightouchtest.DemoSequenceID)
	h.clock.Advance(time.Minute)
	status, members := h.sequenceRun(seqRun)
	require.Equal(t, "done", status)
	require.Len(t, members, 2)
	require.Equal(t, "success", members[0]["status"])
	require.Equal(t, "warning", members[1]["status"])

	h.call(http.MethodPost, "/id_graphs/"+hightouchtest.DemoIDGraphID+"/trigger", nil, http.StatusOK)
}
