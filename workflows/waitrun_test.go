package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// runWait executes a wait workflow and decodes its result into res.
func (h *harness) runWait(workflow string, in any, res any) error {
	h.t.Helper()
	h.env.ExecuteWorkflow(workflow, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	if err := h.env.GetWorkflowError(); err != nil {
		return err
	}
	require.NoError(h.t, h.env.GetWorkflowResult(res))
	return nil
}

// triggerElsewhere starts a run of a sync as someone else would (Hightouch's
// schedule, a person in the app), and returns its id.
func (h *harness) triggerElsewhere(syncID int64) client.RunID {
	h.t.Helper()
	out, err := h.acts.Client.TriggerRun(context.Background(), client.ID(syncID), client.TriggerRunBody{})
	require.NoError(h.t, err)
	return out.ID
}

func TestWaitForSyncRunByID(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Minute, 20*time.Minute, time.Minute),
		PlannedRows: rows(10, 0, 0), SuccessfulRows: rows(10, 0, 0)})
	runID := h.triggerElsewhere(id)
	var res workflows.SyncResult
	require.NoError(t, h.runWait(workflows.WaitForSyncRunWorkflow, workflows.WaitForSyncRunInput{SyncID: client.ID(id), RunID: runID}, &res))
	require.Equal(t, runID, res.RunID)
	require.Equal(t, client.RunSuccess, res.Status)
	require.Equal(t, int64(10), res.SuccessfulRows.Total())
	require.Equal(t, 1, h.emu.Triggers(id), "the wait triggers nothing")
}

func TestWaitForSyncRunBySlugFailedRun(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("orders", hightouchtest.Scenario{Status: "failed", Error: "destination said no"})
	runID := h.triggerElsewhere(id)
	var res workflows.SyncResult
	err := h.runWait(workflows.WaitForSyncRunWorkflow, map[string]any{"syncSlug": "orders", "runId": string(runID)}, &res)
	appErr, snap := requireFailure(t, err, errortypes.SyncRunFailed)
	require.Equal(t, runID, snap.RunID)
	require.Contains(t, appErr.Error(), "destination said no")
}

func TestWaitForSyncRunCreatedAfterStart(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	// A run created ten minutes before the workflow starts.
	h.clock.Advance(-10 * time.Minute)
	earlier := h.triggerElsewhere(id)
	h.clock.Advance(10 * time.Minute)
	var later client.RunID
	h.env.RegisterDelayedCallback(func() { later = h.triggerElsewhere(id) }, 2*time.Hour)
	var res workflows.SyncResult
	require.NoError(t, h.runWait(workflows.WaitForSyncRunWorkflow, workflows.WaitForSyncRunInput{SyncID: client.ID(id)}, &res))
	require.NotEqual(t, earlier, res.RunID, "a run created before the workflow started is not the one")
	require.Equal(t, later, res.RunID)
	require.Equal(t, client.RunSuccess, res.Status)
	require.Equal(t, 2, h.emu.Triggers(id))
}

func TestWaitForSyncRunCreatedAfterGivenTime(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Minute, time.Hour, time.Minute)})
	h.triggerElsewhere(id)
	h.clock.Advance(5 * time.Minute)
	cutoff := h.clock.Now()
	h.clock.Advance(time.Minute)
	second := h.triggerElsewhere(id) // queued behind the first
	h.clock.Advance(time.Minute)
	h.triggerElsewhere(id)
	var res workflows.SyncResult
	require.NoError(t, h.runWait(workflows.WaitForSyncRunWorkflow, workflows.WaitForSyncRunInput{SyncID: client.ID(id), CreatedAfter: &cutoff}, &res))
	require.Equal(t, second, res.RunID, "the first run created at or after the time, not the newest")
}

func TestWaitForSyncRunNeverCreated(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	var res workflows.SyncResult
	err := h.runWait(workflows.WaitForSyncRunWorkflow, workflows.WaitForSyncRunInput{SyncID: client.ID(id), WaitOptions: workflows.WaitOptions{Timeout: "6h", MaxPollInterval: "5m"}}, &res)
	appErr := appError(t, err)
	require.Equal(t, errortypes.WaitTimeout, appErr.Type())
	require.Contains(t, appErr.Error(), fmt.Sprintf("no run of sync %d created at or after", id))
	require.Contains(t, appErr.Error(), "6h0m0s")
	require.Zero(t, h.emu.Triggers(id))
	requests := h.emu.Requests(id)
	// Intervals grow to a tenth of the time waited, capped at 5 min: about
	// 60 polls to reach the cap at 50 min, then 12 an hour.
	require.Less(t, requests, 160, "the search backs off as a wait does (%d requests in 6 h)", requests)
}

func TestWaitForSyncRunCancelledWhileLooking(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, time.Hour)
	var res workflows.SyncResult
	err := h.runWait(workflows.WaitForSyncRunWorkflow, workflows.WaitForSyncRunInput{SyncID: client.ID(id)}, &res)
	var canceled *temporal.CanceledError
	require.ErrorAs(t, err, &canceled)
}

func TestWaitForSyncRunUnknownRun(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	var res workflows.SyncResult
	err := h.runWait(workflows.WaitForSyncRunWorkflow, workflows.WaitForSyncRunInput{SyncID: client.ID(id), RunID: "987654"}, &res)
	appErr, _ := requireFailure(t, err, errortypes.HightouchNotFound)
	require.Contains(t, appErr.Error(), "987654")
}

func TestWaitForSyncRunBadInput(t *testing.T) {
	now := time.Now()
	tests := []struct {
		in   any
		want string
	}{
		{map[string]any{"runId": "1"}, `field "syncId"`},
		{map[string]any{"syncId": 1, "runId": "1", "createdAfter": now}, `field "createdAfter": give runId or createdAfter, not both`},
		{map[string]any{"syncId": 1, "createdAfter": "yesterday"}, `createdAfter`},
		{map[string]any{"syncId": 1, "runId": "a/b"}, `field "runId"`},
		{map[string]any{"syncId": 1, "maxFailedRows": -1}, `field "maxFailedRows"`},
		{map[string]any{"syncId": 1, "maxFailedRowsPercent": 101}, `field "maxFailedRowsPercent"`},
		{map[string]any{"syncId": 1, "run": "1"}, `"run"`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			h := newHarness(t)
			var res workflows.SyncResult
			err := h.runWait(workflows.WaitForSyncRunWorkflow, tt.in, &res)
			appErr := appError(t, err)
			require.Equal(t, errortypes.InvalidInput, appErr.Type())
			require.True(t, appErr.NonRetryable())
			require.Contains(t, appErr.Error(), tt.want)
			require.Zero(t, h.emu.Stats().Requests)
		})
	}
}

func TestRowLimits(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	f64 := func(v float64) *float64 { return &v }
	tests := []struct {
		name     string
		status   string
		failed   int64
		limits   workflows.RowLimits
		wantType string
	}{
		{name: "no limits", status: "warning", failed: 50},
		{name: "at the count limit", status: "warning", failed: 5, limits: workflows.RowLimits{MaxFailedRows: i64(5)}},
		{name: "over the count limit", status: "warning", failed: 6, limits: workflows.RowLimits{MaxFailedRows: i64(5)}, wantType: errortypes.SyncRunRowsRejected},
		{name: "zero allowed", status: "success", failed: 1, limits: workflows.RowLimits{MaxFailedRows: i64(0)}, wantType: errortypes.SyncRunRowsRejected},
		{name: "zero allowed, none failed", status: "success", failed: 0, limits: workflows.RowLimits{MaxFailedRows: i64(0)}},
		{name: "at the percent limit", status: "warning", failed: 5, limits: workflows.RowLimits{MaxFailedRowsPercent: f64(5)}},
		{name: "over the percent limit", status: "warning", failed: 5, limits: workflows.RowLimits{MaxFailedRowsPercent: f64(4.9)}, wantType: errortypes.SyncRunRowsRejected},
		{name: "a failed run stays failed", status: "failed", failed: 100, limits: workflows.RowLimits{MaxFailedRows: i64(0)}, wantType: errortypes.SyncRunFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			id := h.emu.NewSync("s", hightouchtest.Scenario{Status: tt.status,
				PlannedRows: rows(100, 0, 0), SuccessfulRows: rows(100-tt.failed, 0, 0), FailedRows: rows(tt.failed, 0, 0)})
			res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id), RowLimits: tt.limits})
			if tt.wantType == "" {
				require.NoError(t, err)
				require.Equal(t, client.SyncRunStatus(tt.status), res.Status)
				return
			}
			appErr, snap := requireFailure(t, err, tt.wantType)
			require.Equal(t, client.SyncRunStatus(tt.status), snap.Status)
			if tt.wantType == errortypes.SyncRunRowsRejected {
				require.Contains(t, appErr.Error(), fmt.Sprintf("rejected %d", tt.failed))
				require.Contains(t, appErr.Error(), "maxFailedRows")
			}
			require.Equal(t, 1, h.emu.Triggers(id))
		})
	}
}

func TestFollowResumedRun(t *testing.T) {
	interrupted := hightouchtest.Scenario{Phases: phases(time.Second, time.Minute, 10*time.Minute, time.Minute),
		Status: "interrupted", Error: "warehouse connection lost", ResumeAfter: 5 * time.Minute}

	t.Run("followed", func(t *testing.T) {
		h := newHarness(t)
		id := h.emu.NewSync("s", interrupted)
		res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id), FollowResumedRun: true})
		require.NoError(t, err)
		runs := h.emu.Runs(id)
		require.Len(t, runs, 2)
		require.Equal(t, fmt.Sprint(runs[1].ID), string(res.RunID), "the result is the run that resumed the interrupted one")
		require.Equal(t, []client.RunID{client.RunID(fmt.Sprint(runs[0].ID))}, res.ResumedFrom)
		require.Equal(t, client.RunSuccess, res.Status)
		require.Equal(t, 1, h.emu.Triggers(id), "the resumed run is Hightouch's, not a second trigger")
	})
	t.Run("not followed", func(t *testing.T) {
		h := newHarness(t)
		id := h.emu.NewSync("s", interrupted)
		_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
		requireFailure(t, err, errortypes.SyncRunInterrupted)
	})
	t.Run("never resumed", func(t *testing.T) {
		h := newHarness(t)
		sc := interrupted
		sc.ResumeAfter = 0
		id := h.emu.NewSync("s", sc)
		_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id), FollowResumedRun: true})
		appErr, snap := requireFailure(t, err, errortypes.SyncRunInterrupted)
		require.Contains(t, appErr.Error(), "no run resumed it")
		require.Equal(t, client.RunInterrupted, snap.Status)
	})
	t.Run("resumed run fails too", func(t *testing.T) {
		h := newHarness(t)
		sc := interrupted
		sc.ResumeStatus = "failed"
		id := h.emu.NewSync("s", sc)
		_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id), FollowResumedRun: true})
		_, snap := requireFailure(t, err, errortypes.SyncRunFailed)
		runs := h.emu.Runs(id)
		require.Equal(t, fmt.Sprint(runs[1].ID), string(snap.RunID))
	})
	t.Run("a run queued meanwhile is not the resume", func(t *testing.T) {
		h := newHarness(t)
		id := h.emu.NewSync("s", interrupted)
		// Someone triggers the sync while the first run goes on: that run
		// was created before the interrupted one ended, so it is not the
		// one that resumes it.
		var queued client.RunID
		h.env.RegisterDelayedCallback(func() { queued = h.triggerElsewhere(id) }, 3*time.Minute)
		res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id), FollowResumedRun: true})
		require.NoError(t, err)
		require.NotEqual(t, queued, res.RunID)
		first := client.RunID(fmt.Sprint(h.emu.Runs(id)[0].ID))
		require.Equal(t, []client.RunID{first}, res.ResumedFrom)
		for _, r := range h.emu.Runs(id) {
			if client.RunID(fmt.Sprint(r.ID)) == res.RunID {
				require.False(t, r.CreatedAt.Before(*h.emu.Runs(id)[0].FinishedAt), "the resume was created after the interrupted run ended")
			}
		}
	})
}

func TestWaitForSequenceRun(t *testing.T) {
	h := newHarness(t)
	seq, ids := sequenceOf(h, "success", "warning")
	out, err := h.acts.Client.TriggerSequenceRun(context.Background(), seq)
	require.NoError(t, err)
	var res workflows.SequenceResult
	require.NoError(t, h.runWait(workflows.WaitForSequenceRunWorkflow, workflows.WaitForSequenceRunInput{SequenceRunID: out.ID, SequenceID: seq}, &res))
	require.Equal(t, client.SequenceDone, res.Status)
	require.Equal(t, seq, res.SequenceID)
	require.Len(t, res.SyncRuns, len(ids))
	require.Equal(t, 1, h.emu.Stats().SequenceRunsCreated, "the wait triggers nothing")

	h = newHarness(t)
	seq, ids = sequenceOf(h, "success", "warning")
	out, err = h.acts.Client.TriggerSequenceRun(context.Background(), seq)
	require.NoError(t, err)
	maxRows := int64(0)
	err = h.runWait(workflows.WaitForSequenceRunWorkflow, workflows.WaitForSequenceRunInput{SequenceRunID: out.ID,
		RowLimits: workflows.RowLimits{MaxFailedRows: &maxRows}}, &res)
	appErr := appError(t, err)
	require.Equal(t, errortypes.SyncRunRowsRejected, appErr.Type())
	require.Contains(t, appErr.Error(), fmt.Sprintf("sync %d", ids[0]), "each member over the limit is named")
	require.Contains(t, appErr.Error(), fmt.Sprintf("sync %d", ids[1]))
}

func TestWaitForSequenceRunUnknownRun(t *testing.T) {
	h := newHarness(t)
	var res workflows.SequenceResult
	err := h.runWait(workflows.WaitForSequenceRunWorkflow, workflows.WaitForSequenceRunInput{SequenceRunID: "no-such-run"}, &res)
	require.Equal(t, errortypes.HightouchNotFound, appError(t, err).Type())

	h = newHarness(t)
	err = h.runWait(workflows.WaitForSequenceRunWorkflow, map[string]any{"sequenceId": "s"}, &res)
	appErr := appError(t, err)
	require.Equal(t, errortypes.InvalidInput, appErr.Type())
	require.Contains(t, appErr.Error(), `field "sequenceRunId": required`)
}

func TestRunLinksAndSearchAttributes(t *testing.T) {
	workflows.Configure(workflows.Settings{SearchAttributes: true, AppURL: "https://app.hightouch.com/acme/"})
	t.Cleanup(func() { workflows.Configure(workflows.Settings{}) })
	h := newHarness(t)
	id := h.emu.NewSync("users", hightouchtest.Scenario{Status: "failed", Error: "no"})
	set := map[string]string{}
	h.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		for k, v := range sa.GetUntypedValues() {
			set[k.GetName()] = fmt.Sprint(v)
		}
	}).Return(nil)
	_, err := h.runSync(workflows.SyncInput{SyncSlug: "users"})
	appErr, snap := requireFailure(t, err, errortypes.SyncRunFailed)
	url := fmt.Sprintf("https://app.hightouch.com/acme/syncs/%d/runs/%s", id, snap.RunID)
	require.Contains(t, appErr.Error(), url, "the failure links to the run")
	var details workflows.SyncResult
	require.NoError(t, appErr.Details(&details))
	require.Equal(t, url, details.RunURL)
	require.Equal(t, map[string]string{
		"HightouchSyncId": fmt.Sprint(id), "HightouchSyncSlug": "users", "HightouchRunId": string(snap.RunID), "HightouchStatus": "failed",
	}, set)
}

func TestNoLinksOrSearchAttributesUnconfigured(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("users", hightouchtest.Scenario{})
	h.env.OnUpsertTypedSearchAttributes(mock.Anything).Panic("no search attributes on a namespace without them")
	res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err)
	require.Empty(t, res.RunURL)
}
