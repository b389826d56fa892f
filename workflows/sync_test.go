package workflows_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

func TestSyncSucceeds(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("users", hightouchtest.Scenario{
		QuerySize: 100, PlannedRows: rows(10, 5, 1), SuccessfulRows: rows(10, 5, 1),
	})
	res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err)
	require.Equal(t, client.RunSuccess, res.Status)
	require.Equal(t, client.ID(id), res.SyncID)
	require.NotEmpty(t, res.RunID)
	require.NotNil(t, res.StartedAt)
	require.NotNil(t, res.FinishedAt)
	require.Equal(t, 1.0, res.CompletionRatio)
	require.Equal(t, int64(100), res.QuerySize)
	require.Equal(t, int64(16), res.SuccessfulRows.Total())
	require.Equal(t, 1, h.emu.Triggers(id))
	runs := h.emu.Runs(id)
	require.Len(t, runs, 1)
	require.Equal(t, fmt.Sprint(runs[0].ID), string(res.RunID))
}

func TestSyncBySlugAndFlags(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("accounts-to-crm", hightouchtest.Scenario{})
	res, err := h.runSync(map[string]any{"syncSlug": "accounts-to-crm", "fullResync": true, "resetCDC": true, "clearAndFill": true})
	require.NoError(t, err)
	require.Equal(t, client.ID(id), res.SyncID)
	runs := h.emu.Runs(id)
	require.Len(t, runs, 1)
	require.True(t, runs[0].FullResync)
	require.True(t, runs[0].ResetCDC)
	require.True(t, runs[0].ClearAndFill)
}

func TestSyncIDAsDigitString(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	res, err := h.runSync(map[string]any{"syncId": fmt.Sprint(id)})
	require.NoError(t, err)
	require.Equal(t, client.ID(id), res.SyncID)
}

func TestSyncUnknownSlug(t *testing.T) {
	h := newHarness(t)
	_, err := h.runSync(workflows.SyncInput{SyncSlug: "nope"})
	require.Equal(t, errortypes.HightouchNotFound, appError(t, err).Type())
	require.Contains(t, err.Error(), `no sync has the slug "nope"`)
}

func TestSyncUnknownID(t *testing.T) {
	h := newHarness(t)
	_, err := h.runSync(workflows.SyncInput{SyncID: 999999})
	require.Equal(t, errortypes.HightouchNotFound, appError(t, err).Type())
	require.Equal(t, 1, h.emu.Stats().Requests, "a 404 (from the runs list checked before sending) is not retried")
	require.Zero(t, h.emu.Stats().ByOperation["TriggerRun"])
}

func TestSyncTerminalStatuses(t *testing.T) {
	tests := []struct {
		status        string
		failOnWarning bool
		wantType      string // "" = success
	}{
		{status: "success"},
		{status: "warning"},
		{status: "warning", failOnWarning: true, wantType: errortypes.SyncRunWarning},
		{status: "failed", wantType: errortypes.SyncRunFailed},
		{status: "cancelled", wantType: errortypes.SyncRunCancelled},
		{status: "interrupted", wantType: errortypes.SyncRunInterrupted},
		{status: "completed_with_errors", wantType: errortypes.SyncRunUnknownStatus},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/failOnWarning=%t", tt.status, tt.failOnWarning), func(t *testing.T) {
			h := newHarness(t)
			id := h.emu.NewSync("s", hightouchtest.Scenario{Status: tt.status, Error: "boom", FailedRows: rows(0, 2, 0)})
			res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id), FailOnWarning: tt.failOnWarning})
			if tt.wantType == "" {
				require.NoError(t, err)
				require.Equal(t, client.SyncRunStatus(tt.status), res.Status)
				return
			}
			appErr, snap := requireFailure(t, err, tt.wantType)
			require.Equal(t, client.SyncRunStatus(tt.status), snap.Status, "the failure carries the last snapshot")
			require.NotNil(t, snap.FinishedAt)
			require.Contains(t, appErr.Error(), tt.status)
			require.Contains(t, appErr.Error(), fmt.Sprintf("sync %d", id))
			require.Equal(t, 1, h.emu.Triggers(id))
		})
	}
}

func TestSyncUnknownInProgressStatusKeepsWaiting(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: []hightouchtest.Phase{
		{Status: "queued", Duration: time.Second},
		{Status: "pending_approval", Duration: 10 * time.Minute},
		{Status: "processing", Duration: time.Minute},
	}})
	res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err, "an unknown status without finishedAt counts as running")
	require.Equal(t, client.RunSuccess, res.Status)
}

func TestSyncRunNotYetListed(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{ListDelay: 20 * time.Second})
	res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err)
	require.Equal(t, client.RunSuccess, res.Status)
	require.Equal(t, 1, h.emu.Triggers(id))
}

func TestSyncRunNeverListed(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{ListDelay: 48 * time.Hour})
	_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	appErr, _ := requireFailure(t, err, errortypes.HightouchNotFound)
	require.Contains(t, appErr.Error(), "not listed")
}

func TestSyncRateLimited(t *testing.T) {
	for _, retryAfter := range []time.Duration{0, 7 * time.Second} {
		t.Run(fmt.Sprintf("retryAfter=%s", retryAfter), func(t *testing.T) {
			h := newHarness(t)
			id := h.emu.NewSync("s", hightouchtest.Scenario{})
			h.emu.SetFaults(hightouchtest.Faults{RateLimitBurst: 6, RetryAfter: retryAfter})
			res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
			require.NoError(t, err)
			require.Equal(t, client.RunSuccess, res.Status)
			require.Equal(t, 6, h.emu.Stats().InjectedRateLimits)
			require.Equal(t, 1, h.emu.Triggers(id))
		})
	}
}

func TestSyncServerErrorBurst(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Minute, 10*time.Minute, time.Second)})
	h.emu.SetFaults(hightouchtest.Faults{ServerErrorRate: 0.3})
	res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err)
	require.Equal(t, client.RunSuccess, res.Status)
	require.Greater(t, h.emu.Stats().InjectedErrors, 5)
	require.Len(t, h.emu.Runs(id), 1, "5xx on any request never causes a second run")
}

func TestSyncAmbiguousTriggerCreatesOneRun(t *testing.T) {
	for _, listDelay := range []time.Duration{0, 5 * time.Second} {
		t.Run(fmt.Sprintf("listDelay=%s", listDelay), func(t *testing.T) {
			h := newHarness(t)
			id := h.emu.NewSync("s", hightouchtest.Scenario{ListDelay: listDelay})
			h.emu.SetFaults(hightouchtest.Faults{TriggerThen500Rate: 1})
			res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
			require.NoError(t, err)
			runs := h.emu.Runs(id)
			require.Len(t, runs, 1, "the retried trigger adopts the run the first attempt created")
			require.Equal(t, fmt.Sprint(runs[0].ID), string(res.RunID))
			require.Equal(t, 1, h.emu.Stats().ByOperation["TriggerRun"])
		})
	}
}

func TestSyncDeadline(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, -1, 0)})
	_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id), WaitOptions: workflows.WaitOptions{Timeout: "2h"}})
	appErr, snap := requireFailure(t, err, errortypes.WaitTimeout)
	require.Contains(t, appErr.Error(), "did not end within the timeout of 2h0m0s")
	require.Contains(t, appErr.Error(), fmt.Sprintf("run %s of sync %d", snap.RunID, id))
	require.Equal(t, client.RunProcessing, snap.Status)
}

func TestSyncCancelled(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 2*time.Hour, 0)})
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, 30*time.Minute)
	_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.Error(t, err)
	require.True(t, isCanceled(err), "got %v", err)
	var snap workflows.SyncResult
	require.NoError(t, canceledDetails(err, &snap))
	require.Equal(t, client.RunProcessing, snap.Status, "the cancellation reports the run left running")
	require.NotEmpty(t, snap.RunID)
}

func TestSyncProgressQuery(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Minute, time.Hour, time.Minute), PlannedRows: rows(100, 0, 0), SuccessfulRows: rows(100, 0, 0)})
	var mid workflows.SyncProgress
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(workflows.ProgressQuery)
		require.NoError(t, err)
		require.NoError(t, v.Get(&mid))
	}, 30*time.Minute)
	_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err)
	require.Equal(t, "processing", mid.Phase)
	require.Equal(t, workflows.StateRunning, mid.State)
	require.Equal(t, client.ID(id), mid.SyncID)
	require.NotEmpty(t, mid.RunID)
	require.False(t, mid.ObservedAt.IsZero())
	require.NotNil(t, mid.Deadline)

	v, err := h.env.QueryWorkflow(workflows.ProgressQuery)
	require.NoError(t, err)
	var end workflows.SyncProgress
	require.NoError(t, v.Get(&end))
	require.Equal(t, workflows.StateSucceeded, end.State)
	require.Equal(t, "success", end.Phase)
	require.Equal(t, 1.0, end.CompletionRatio)
}

func TestSyncInvalidInput(t *testing.T) {
	tests := []struct {
		name  string
		input any
		want  string
	}{
		{"missing", map[string]any{}, `field "syncId": give syncId`},
		{"both", map[string]any{"syncId": 1, "syncSlug": "x"}, `field "syncSlug": give syncId or syncSlug, not both`},
		{"non-digit id", map[string]any{"syncId": "abc"}, `field "syncId": expected a number or a string of digits, got "abc"`},
		{"negative id", map[string]any{"syncId": -4}, `field "syncId": expected a non-negative whole number, got -4`},
		{"fractional id", map[string]any{"syncId": 1.5}, `field "syncId"`},
		{"negative timeout", map[string]any{"syncId": 1, "timeout": "-5m"}, `field "timeout": expected a duration from 1s to 8760h0m0s, got "-5m"`},
		{"unparsable timeout", map[string]any{"syncId": 1, "timeout": "soon"}, `field "timeout": expected a duration string such as "90s", "15m" or "6h", got "soon"`},
		{"numeric timeout", map[string]any{"syncId": 1, "timeout": 60}, `field "timeout": expected a string, got 60`},
		{"poll bounds reversed", map[string]any{"syncId": 1, "minPollInterval": "1m", "maxPollInterval": "10s"}, `field "maxPollInterval": must not be shorter than minPollInterval`},
		{"tiny poll interval", map[string]any{"syncId": 1, "minPollInterval": "10ms"}, `field "minPollInterval": expected a duration from 1s to 1h0m0s`},
		{"unknown field", map[string]any{"syncId": 1, "failOnWarnings": true}, `field "failOnWarnings": unknown field; accepted fields are syncId, syncSlug`},
		{"wrong type flag", map[string]any{"syncId": 1, "fullResync": "yes"}, `field "fullResync": expected true or false, got "yes"`},
		{"not an object", []int{1}, "input must be a JSON object, got an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			_, err := h.runSync(tt.input)
			appErr := appError(t, err)
			require.Equal(t, errortypes.InvalidInput, appErr.Type())
			require.True(t, appErr.NonRetryable())
			require.Contains(t, appErr.Error(), tt.want)
			require.Zero(t, h.emu.Stats().Requests, "bad input never reaches Hightouch")
		})
	}
}

func TestSyncCancelledWhileTriggering(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	h.emu.SetFaults(hightouchtest.Faults{Latency: 1500 * time.Millisecond})
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, 100*time.Millisecond)
	_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.True(t, isCanceled(err), "got %v", err)
	var snap workflows.SyncResult
	require.NoError(t, canceledDetails(err, &snap))
	require.Len(t, h.emu.Runs(id), 1)
	require.NotEmpty(t, snap.RunID, "the run the trigger created is reported, not lost")
	require.Equal(t, fmt.Sprint(h.emu.Runs(id)[0].ID), string(snap.RunID))
}
