package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// TestReview11WaitCreatedAfterBusySync: a wait for the first run created
// at or after a time in the past, on a sync that has run more than 1000
// times since (a sync on a 5-minute schedule does so in 3.5 days, one on a
// 1-minute schedule in 17 hours). The run exists and is listed; the wait
// must report it, not fail with a non-retryable HightouchServerError about
// a trigger that "may have created a run" (the wait triggers nothing).
func TestReview11WaitCreatedAfterBusySync(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("busy", hightouchtest.Scenario{Phases: []hightouchtest.Phase{}})
	const n = 1100
	const every = 5 * time.Minute
	h.clock.Advance(-n * every)
	cutoff := h.clock.Now()
	h.clock.Advance(time.Second)
	first := h.triggerElsewhere(id)
	for range n - 1 {
		h.clock.Advance(every)
		h.triggerElsewhere(id)
	}
	h.clock.Advance(every)
	var res workflows.SyncResult
	err := h.runWait(workflows.WaitForSyncRunWorkflow, workflows.WaitForSyncRunInput{SyncID: client.ID(id), CreatedAfter: &cutoff}, &res)
	require.NoError(t, err)
	require.Equal(t, first, res.RunID, "the first run created at or after the time")
	require.Equal(t, client.RunSuccess, res.Status)
}

// TestReview11WaitSearchGivesUpBeforeTimeout: the search for a run created
// after the start polls at a tenth of the time waited, up to
// maxPollInterval, by server-side retries bounded by the workflow's
// deadline. A retry whose delay would cross the deadline is not made: the
// search ends then, up to maxPollInterval before the timeout, and a run
// created in between is never seen although it appeared well within the
// timeout. (The wait on a run has a last look at the deadline for the same
// reason; the search has none.)
func TestReview11WaitSearchGivesUpBeforeTimeout(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	var created client.RunID
	var endedAt time.Duration
	start := h.env.Now()
	h.env.RegisterDelayedCallback(func() { created = h.triggerElsewhere(id) }, 5*time.Hour+45*time.Minute)
	var res workflows.SyncResult
	err := h.runWait(workflows.WaitForSyncRunWorkflow, workflows.WaitForSyncRunInput{SyncID: client.ID(id),
		WaitOptions: workflows.WaitOptions{Timeout: "6h", MaxPollInterval: "1h"}}, &res)
	endedAt = h.env.Now().Sub(start)
	require.NoError(t, err, "a run created 5h45m into a 6h wait; the workflow ended after %s", endedAt)
	require.Equal(t, created, res.RunID)
}

// TestReview11WaitFirstRunListedLate: two runs of the sync are created
// after the cutoff, seconds apart (Hightouch's schedule, then a dbt Cloud
// job), and the first one takes a minute to be listed, as runs may (the
// worker allows for a listing lag of up to 10 minutes when it looks for a
// trigger's run). The wait is for "the first run created at or after" the
// cutoff: it must report the first, not whichever is listed first.
func TestReview11WaitFirstRunListedLate(t *testing.T) {
	h := newHarness(t)
	sc := hightouchtest.Scenario{Phases: phases(time.Second, time.Minute, 10*time.Minute, time.Minute)}
	late := sc
	late.ListDelay = time.Minute
	id := h.emu.NewSync("s", late)
	var first, second client.RunID
	h.env.RegisterDelayedCallback(func() {
		first = h.triggerElsewhere(id)
		h.emu.SetScenario(id, sc)
		h.clock.Advance(5 * time.Second)
		second = h.triggerElsewhere(id)
	}, 10*time.Minute)
	var res workflows.SyncResult
	require.NoError(t, h.runWait(workflows.WaitForSyncRunWorkflow, workflows.WaitForSyncRunInput{SyncID: client.ID(id)}, &res))
	require.NotEqual(t, second, res.RunID, "the second run, listed first, is reported")
	require.Equal(t, first, res.RunID)
}
