package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

var (
	t0         = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	startedAt0 = t0.Add(5 * time.Second)
	finished   = t0.Add(5*time.Minute + 12*time.Second)
)

func sampleSync() workflows.SyncResult {
	return workflows.SyncResult{SyncRunSnapshot: contract.SyncRunSnapshot{
		SyncID: 42, RunID: "9876", Status: client.RunWarning,
		CreatedAt: &t0, StartedAt: &startedAt0, FinishedAt: &finished,
		RunNumbers: contract.RunNumbers{
			CompletionRatio: 1, QuerySize: 12345,
			PlannedRows:    client.RowCounts{AddedCount: 1000, ChangedCount: 200, RemovedCount: 34},
			SuccessfulRows: client.RowCounts{AddedCount: 990, ChangedCount: 200, RemovedCount: 34},
			FailedRows:     client.RowCounts{AddedCount: 10},
			Error:          "10 rows rejected",
		},
		ObservedAt: finished,
	}}
}

func sampleSequence() workflows.SequenceResult {
	return workflows.SequenceResult{SequenceID: "seq-1", SequenceRunSnapshot: contract.SequenceRunSnapshot{
		SequenceRunID: "sr-5", Status: client.SequenceFailed, ObservedAt: finished,
		SyncRuns: []contract.SequenceMemberRun{
			{SyncID: 1, RunID: 11, Status: client.RunSuccess, FinishedAt: &startedAt0, RunNumbers: contract.RunNumbers{CompletionRatio: 1,
				PlannedRows: client.RowCounts{AddedCount: 1500}, SuccessfulRows: client.RowCounts{AddedCount: 1500}}},
			{SyncID: 2, RunID: 12, Status: client.RunFailed, FinishedAt: &finished, RunNumbers: contract.RunNumbers{CompletionRatio: 0.5, Error: "destination down"}},
		},
	}}
}

func TestSyncResultText(t *testing.T) {
	var b bytes.Buffer
	writeSyncResult(&b, sampleSync().SyncRunSnapshot)
	require.Equal(t, `Sync 42, run 9876: warning
  Sync ID:     42
  Run ID:      9876
  Status:      warning
  Started:     `+fmtTime(startedAt0)+`
  Finished:    `+fmtTime(finished)+`
  Duration:    5m07s
  Completion:  100%
  Query size:  12,345
  Rows:             total      added    changed    removed
    planned         1,234      1,000        200         34
    successful      1,224        990        200         34
    failed             10         10          0          0
  Error:       10 rows rejected
`, b.String())

	// A run Hightouch has not listed yet.
	b.Reset()
	writeSyncResult(&b, contract.SyncRunSnapshot{SyncID: 42, RunID: "1"})
	require.Contains(t, b.String(), "Sync 42, run 1: not listed by Hightouch yet\n")
	require.Contains(t, b.String(), "Duration:    -\n")
}

func TestSequenceResultText(t *testing.T) {
	var b bytes.Buffer
	writeSequenceResult(&b, sampleSequence())
	require.Equal(t, `Sequence seq-1, run sr-5: failed
  Observed:    `+fmtTime(finished)+`
  Member runs: 2
    sync 1 run 11: success, 100% complete, rows planned 1,500, successful 1,500, failed 0, finished `+fmtTime(startedAt0)+`
    sync 2 run 12: failed, 50% complete, rows planned 0, successful 0, failed 0, finished `+fmtTime(finished)+`: destination down
`, b.String())
}

func TestResultJSON(t *testing.T) {
	raw, err := json.Marshal(sampleSync())
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, writeRawJSON(&b, raw))
	var back workflows.SyncResult
	require.NoError(t, json.Unmarshal(b.Bytes(), &back))
	require.Equal(t, sampleSync().RunID, back.RunID)
	require.Contains(t, b.String(), "\n  \"syncId\": 42,\n")

	// Text from the same raw result.
	b.Reset()
	require.NoError(t, writeResultText(&b, kindSync, raw))
	require.True(t, strings.HasPrefix(b.String(), "Sync 42, run 9876: warning\n"))
	raw, err = json.Marshal(sampleSequence())
	require.NoError(t, err)
	b.Reset()
	require.NoError(t, writeResultText(&b, kindSequence, raw))
	require.True(t, strings.HasPrefix(b.String(), "Sequence seq-1, run sr-5: failed\n"))
}

func TestFailureOf(t *testing.T) {
	snap := sampleSync()
	snap.Status = client.RunFailed
	appErr := received(temporal.NewNonRetryableApplicationError("run 9876 of sync 42 ended failed: boom", errortypes.SyncRunFailed, nil, snap))

	f := failureOf(appErr)
	require.Equal(t, errortypes.SyncRunFailed, f.Type)
	require.Equal(t, "run 9876 of sync 42 ended failed: boom", f.Message)
	var details workflows.SyncResult
	require.NoError(t, json.Unmarshal(f.Details, &details))
	require.Equal(t, client.RunFailed, details.Status)
	require.Equal(t, int64(10), details.FailedRows.Total())

	// JSON: {"error":{"type","message","details"}}.
	var b bytes.Buffer
	require.NoError(t, writeFailureJSON(&b, f))
	var out struct {
		Error struct {
			Type    string               `json:"type"`
			Message string               `json:"message"`
			Details workflows.SyncResult `json:"details"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &out))
	require.Equal(t, errortypes.SyncRunFailed, out.Error.Type)
	require.Equal(t, "run 9876 of sync 42 ended failed: boom", out.Error.Message)
	require.Equal(t, client.RunID("9876"), out.Error.Details.RunID)

	// Text: the snapshot on stdout, "Type: message" on stderr.
	var stdout, stderr bytes.Buffer
	writeFailureText(&stdout, &stderr, kindSync, f)
	require.Equal(t, "SyncRunFailed: run 9876 of sync 42 ended failed: boom\n", stderr.String())
	require.Contains(t, stdout.String(), "Sync 42, run 9876: failed\n")

	// An activity's failure keeps its type; no details means null.
	actErr := received(temporal.NewNonRetryableApplicationError("no sync with slug users", errortypes.HightouchNotFound, nil))
	f = failureOf(actErr)
	require.Equal(t, failure{Type: errortypes.HightouchNotFound, Message: "no sync with slug users"}, f)
	b.Reset()
	require.NoError(t, writeFailureJSON(&b, f))
	require.JSONEq(t, `{"error":{"type":"HightouchNotFound","message":"no sync with slug users","details":null}}`, b.String())
	stdout.Reset()
	stderr.Reset()
	writeFailureText(&stdout, &stderr, kindSync, f)
	require.Empty(t, stdout.String())
	require.Equal(t, "HightouchNotFound: no sync with slug users\n", stderr.String())

	// A sequence failure's details.
	f = failureOf(received(temporal.NewNonRetryableApplicationError("sequence failed", errortypes.SequenceRunFailed, nil, sampleSequence())))
	stdout.Reset()
	writeFailureText(&stdout, &stderr, kindSequence, f)
	require.Contains(t, stdout.String(), "sync 2 run 12: failed")

	// Cancelled, terminated and timed-out workflows.
	f = failureOf(received(temporal.NewCanceledError(snap)))
	require.Equal(t, failWorkflowCancelled, f.Type)
	require.Equal(t, "the workflow was cancelled; run 9876 of sync 42 goes on at Hightouch, which has no cancel call", f.Message)
	require.NotNil(t, f.Details)
	f = failureOf(&temporal.TerminatedError{})
	require.Equal(t, failWorkflowTerminated, f.Type)
	f = failureOf(temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_START_TO_CLOSE, nil))
	require.Equal(t, failWorkflowTimedOut, f.Type)
	f = failureOf(errors.New("something odd\nhappened"))
	require.Equal(t, failure{Type: failWorkflowFailed, Message: "something odd happened"}, f)
}

func TestIsWorkflowOutcome(t *testing.T) {
	require.True(t, isWorkflowOutcome(received(temporal.NewApplicationError("x", "T"))))
	require.True(t, isWorkflowOutcome(&temporal.TerminatedError{}))
	require.False(t, isWorkflowOutcome(errors.New("connection reset")))
}

func TestFormatting(t *testing.T) {
	require.Equal(t, "0", fmtCount(0))
	require.Equal(t, "999", fmtCount(999))
	require.Equal(t, "1,000", fmtCount(1000))
	require.Equal(t, "-1,234,567", fmtCount(-1234567))
	require.Equal(t, "0s", fmtElapsed(0))
	require.Equal(t, "45s", fmtElapsed(45*time.Second))
	require.Equal(t, "3m07s", fmtElapsed(3*time.Minute+7*time.Second))
	require.Equal(t, "2h05m09s", fmtElapsed(2*time.Hour+5*time.Minute+9*time.Second))
	require.Equal(t, "0%", fmtPercent(-1))
	require.Equal(t, "45%", fmtPercent(0.456))
	require.Equal(t, "100%", fmtPercent(1.2))
	require.Equal(t, "365d", fmtDuration(365*24*time.Hour))
	require.Equal(t, "1h", fmtDuration(time.Hour))
	require.Equal(t, "10m", fmtDuration(10*time.Minute))
	require.Equal(t, "1s", fmtDuration(time.Second))
}

func TestTriggerNotesText(t *testing.T) {
	var b strings.Builder
	writeTriggerNotes(&b, workflows.TriggerNotes{})
	require.Empty(t, b.String(), "a run simply triggered needs no note")
	writeTriggerNotes(&b, workflows.TriggerNotes{Adopted: true, Note: "the trigger's answer was lost (HTTP 504)"})
	require.Equal(t, "  Trigger:     adopted (the trigger's answer was lost)\n  Note:        the trigger's answer was lost (HTTP 504)\n", b.String())
	b.Reset()
	writeTriggerNotes(&b, workflows.TriggerNotes{Skipped: true})
	require.Equal(t, "  Trigger:     skipped (a run was in progress)\n", b.String())
}
