package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// sequenceOf registers a sequence of syncs with the given terminal statuses.
func sequenceOf(h *harness, statuses ...string) (string, []int64) {
	ids := make([]int64, len(statuses))
	for i, st := range statuses {
		ids[i] = h.emu.NewSync("member-"+st+"-"+string(rune('a'+i)), hightouchtest.Scenario{
			Status: st, Error: map[bool]string{true: "", false: "destination said no"}[st == "success" || st == "warning"],
			PlannedRows: rows(10, 0, 0), SuccessfulRows: rows(9, 0, 0), FailedRows: rows(1, 0, 0),
		})
	}
	return h.emu.NewSequence("", ids...), ids
}

func TestSequenceDone(t *testing.T) {
	h := newHarness(t)
	seq, ids := sequenceOf(h, "success", "success", "success")
	res, err := h.runSequence(workflows.SequenceInput{SequenceID: seq})
	require.NoError(t, err)
	require.Equal(t, client.SequenceDone, res.Status)
	require.Equal(t, seq, res.SequenceID)
	require.NotEmpty(t, res.SequenceRunID)
	require.Len(t, res.SyncRuns, 3)
	for i, m := range res.SyncRuns {
		require.Equal(t, client.ID(ids[i]), m.SyncID)
		require.NotZero(t, m.RunID)
		require.Equal(t, client.RunSuccess, m.Status)
		require.NotNil(t, m.FinishedAt)
		require.Equal(t, int64(9), m.SuccessfulRows.Total(), "member row counts are reported")
		require.Equal(t, int64(10), m.PlannedRows.Total())
	}
	require.Equal(t, 1, h.emu.Stats().SequenceRunsCreated)
}

func TestSequenceWarnings(t *testing.T) {
	h := newHarness(t)
	seq, _ := sequenceOf(h, "success", "warning")
	res, err := h.runSequence(workflows.SequenceInput{SequenceID: seq})
	require.NoError(t, err, "a warning member does not fail the sequence by default")
	require.Equal(t, client.RunWarning, res.SyncRuns[1].Status)

	h = newHarness(t)
	seq, ids := sequenceOf(h, "success", "warning")
	_, err = h.runSequence(workflows.SequenceInput{SequenceID: seq, FailOnWarning: true})
	appErr := appError(t, err)
	require.Equal(t, errortypes.SyncRunWarning, appErr.Type())
	require.Contains(t, appErr.Error(), "warnings in sync")
	var details workflows.SequenceResult
	require.NoError(t, appErr.Details(&details))
	require.Len(t, details.SyncRuns, 2)
	require.Equal(t, client.ID(ids[1]), details.SyncRuns[1].SyncID)
}

func TestSequenceFailed(t *testing.T) {
	h := newHarness(t)
	seq, ids := sequenceOf(h, "success", "failed", "success")
	_, err := h.runSequence(workflows.SequenceInput{SequenceID: seq})
	appErr := appError(t, err)
	require.Equal(t, errortypes.SequenceRunFailed, appErr.Type())
	require.Contains(t, appErr.Error(), "destination said no")
	var details workflows.SequenceResult
	require.NoError(t, appErr.Details(&details))
	require.Equal(t, client.SequenceFailed, details.Status)
	require.Len(t, details.SyncRuns, 2, "members after the failure never ran")
	require.Empty(t, h.emu.Runs(ids[2]))
}

func TestSequenceCancelled(t *testing.T) {
	h := newHarness(t)
	seq, _ := sequenceOf(h, "cancelled")
	_, err := h.runSequence(workflows.SequenceInput{SequenceID: seq})
	require.Equal(t, errortypes.SequenceRunCancelled, appError(t, err).Type())
}

func TestSequenceUnknownSequence(t *testing.T) {
	h := newHarness(t)
	_, err := h.runSequence(workflows.SequenceInput{SequenceID: "does-not-exist"})
	require.Equal(t, errortypes.HightouchNotFound, appError(t, err).Type())
}

func TestSequenceDeadlineAndCancel(t *testing.T) {
	h := newHarness(t)
	long := h.emu.NewSync("long", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 10*time.Hour, 0)})
	seq := h.emu.NewSequence("", long)
	_, err := h.runSequence(workflows.SequenceInput{SequenceID: seq, WaitOptions: workflows.WaitOptions{Timeout: "1h"}})
	appErr := appError(t, err)
	require.Equal(t, errortypes.WaitTimeout, appErr.Type())
	require.Contains(t, appErr.Error(), "of sequence "+seq)

	h = newHarness(t)
	long = h.emu.NewSync("long", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 10*time.Hour, 0)})
	seq = h.emu.NewSequence("", long)
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, time.Hour)
	_, err = h.runSequence(workflows.SequenceInput{SequenceID: seq})
	require.True(t, isCanceled(err), "got %v", err)
	var details workflows.SequenceResult
	require.NoError(t, canceledDetails(err, &details))
	require.NotEmpty(t, details.SequenceRunID, "the cancellation names the sequence run left running")
}

func TestSequenceProgressAndFaults(t *testing.T) {
	h := newHarness(t)
	seq, _ := sequenceOf(h, "success", "success")
	h.emu.SetFaults(hightouchtest.Faults{ServerErrorRate: 0.2, TriggerThen500Rate: 1})
	var mid workflows.SequenceProgress
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(workflows.ProgressQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&mid))
	}, 5*time.Second)
	res, err := h.runSequence(workflows.SequenceInput{SequenceID: seq})
	require.NoError(t, err)
	require.Equal(t, client.SequenceDone, res.Status)
	require.Equal(t, 1, h.emu.Stats().SequenceRunsCreated, "a retried sequence trigger gets the run in progress back")
	require.Equal(t, workflows.StateRunning, mid.State)
	require.Equal(t, seq, mid.SequenceID)
	require.NotEmpty(t, mid.SequenceRunID)
}

func TestSequenceInvalidInput(t *testing.T) {
	for _, in := range []any{map[string]any{}, map[string]any{"sequenceId": 12}, map[string]any{"sequenceId": "a/b"}, map[string]any{"sequenceId": "x", "timeout": "0s"}} {
		h := newHarness(t)
		_, err := h.runSequence(in)
		appErr := appError(t, err)
		require.Equal(t, errortypes.InvalidInput, appErr.Type(), "%v", in)
		require.Contains(t, appErr.Error(), "field ")
	}
}
