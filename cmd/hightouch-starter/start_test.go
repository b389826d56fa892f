package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

var syncSpec = startSpec{workflowType: workflows.SyncWorkflow, kind: kindSync, input: workflows.SyncInput{SyncID: 42}, summary: "Hightouch sync 42"}

func TestStartOptions(t *testing.T) {
	o := startOptions(syncSpec, runOptions{workflowID: "hightouch-sync-42", taskQueue: "hightouch"})
	require.Equal(t, "hightouch-sync-42", o.ID)
	require.Equal(t, "hightouch", o.TaskQueue)
	require.Equal(t, enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL, o.WorkflowIDConflictPolicy)
	require.Equal(t, enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE, o.WorkflowIDReusePolicy)
	require.True(t, o.WorkflowExecutionErrorWhenAlreadyStarted)
	require.Equal(t, "Hightouch sync 42", o.StaticSummary)
}

func TestStartAlreadyRunning(t *testing.T) {
	a, stdout, stderr := testApp(t)
	c := &fakeClient{startErr: serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "req", "run-1")}
	code := a.exit(a.startWith(context.Background(), c, "sync", syncSpec, runOptions{workflowID: "hightouch-sync-42", taskQueue: "hightouch"}))
	require.Equal(t, exitFailure, code)
	require.Empty(t, stdout.String())
	require.Equal(t, "starter sync: a workflow with id hightouch-sync-42 is already running (run run-1); follow it with 'starter status --workflow-id hightouch-sync-42' or start another with --workflow-id\n", stderr.String())
	require.Equal(t, []any{workflows.SyncInput{SyncID: 42}}, c.startArgs)
}

func TestDetach(t *testing.T) {
	a, stdout, _ := testApp(t)
	c := &fakeClient{run: &fakeRun{id: "hightouch-sync-42", runID: "run-1"}}
	o := runOptions{workflowID: "hightouch-sync-42", taskQueue: "hightouch", detach: true}
	require.NoError(t, a.startWith(context.Background(), c, "sync", syncSpec, o))
	require.Equal(t, `Started HightouchSync on task queue hightouch
  Workflow ID: hightouch-sync-42
  Run ID:      run-1
Follow it with: starter status --workflow-id hightouch-sync-42
`, stdout.String())

	stdout.Reset()
	o.json = true
	require.NoError(t, a.startWith(context.Background(), c, "sync", syncSpec, o))
	require.JSONEq(t, `{"workflowId":"hightouch-sync-42","runId":"run-1","workflowType":"HightouchSync","taskQueue":"hightouch"}`, stdout.String())
}

// progressingClient reports a run that goes from querying to processing.
func progressingClient(t *testing.T, run *fakeRun) *fakeClient {
	start := time.Now()
	return &fakeClient{
		run:  run,
		desc: func() *workflowservice.DescribeWorkflowExecutionResponse { return describeWith(workflows.SyncWorkflow) },
		progress: func() any {
			if time.Since(start) < 30*time.Millisecond {
				return syncProgress("querying", 0, t0)
			}
			return syncProgress("processing", 0.5, t0)
		},
	}
}

func TestWaitSuccessText(t *testing.T) {
	a, stdout, stderr := testApp(t)
	run := &fakeRun{id: "hightouch-sync-42", runID: "run-1", delay: 100 * time.Millisecond, result: sampleSync()}
	o := runOptions{workflowID: "hightouch-sync-42", taskQueue: "hightouch", progress: progressLine}
	code := a.exit(a.startWith(context.Background(), progressingClient(t, run), "sync", syncSpec, o))
	require.Equal(t, exitOK, code, stderr.String())
	out := stdout.String()
	require.True(t, strings.HasPrefix(out, "Started HightouchSync hightouch-sync-42 (run run-1) on task queue hightouch\n"), out)
	require.Contains(t, out, "querying 0% - rows 0 synced, 3 failed, 1,000 planned\n")
	require.Contains(t, out, "processing 50% - rows 500 synced, 3 failed, 1,000 planned\n")
	require.Equal(t, 1, strings.Count(out, "processing 50%"), "a line per change only")
	require.Contains(t, out, "Sync 42, run 9876: warning\n")
	require.Empty(t, stderr.String())
}

func TestWaitSuccessJSON(t *testing.T) {
	a, stdout, stderr := testApp(t)
	run := &fakeRun{id: "hightouch-sync-42", runID: "run-1", delay: 20 * time.Millisecond, result: sampleSync()}
	o := runOptions{workflowID: "hightouch-sync-42", taskQueue: "hightouch", json: true, progress: progressNone}
	code := a.exit(a.startWith(context.Background(), progressingClient(t, run), "sync", syncSpec, o))
	require.Equal(t, exitOK, code)
	require.Empty(t, stderr.String())
	var res workflows.SyncResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res))
	require.Equal(t, client.RunID("9876"), res.RunID)

	// Progress asked for with --json goes to stderr.
	stdout.Reset()
	o.progress = progressLine
	code = a.exit(a.startWith(context.Background(), progressingClient(t, run), "sync", syncSpec, o))
	require.Equal(t, exitOK, code)
	require.True(t, json.Valid(stdout.Bytes()))
	require.Contains(t, stderr.String(), "Started HightouchSync")
	require.Contains(t, stderr.String(), "querying 0%")
}

func TestWaitFailure(t *testing.T) {
	snap := sampleSync()
	snap.Status, snap.Error = client.RunFailed, "boom"
	wfErr := received(temporal.NewNonRetryableApplicationError("run 9876 of sync 42 ended failed: boom", errortypes.SyncRunFailed, nil, snap))

	a, stdout, stderr := testApp(t)
	run := &fakeRun{id: "hightouch-sync-42", runID: "run-1", delay: 10 * time.Millisecond, err: wfErr}
	o := runOptions{workflowID: "hightouch-sync-42", taskQueue: "hightouch", progress: progressNone}
	code := a.exit(a.startWith(context.Background(), progressingClient(t, run), "sync", syncSpec, o))
	require.Equal(t, exitFailure, code)
	require.Contains(t, stdout.String(), "Sync 42, run 9876: failed\n")
	require.Equal(t, "SyncRunFailed: run 9876 of sync 42 ended failed: boom\n", stderr.String())

	a, stdout, stderr = testApp(t)
	o.json = true
	code = a.exit(a.startWith(context.Background(), progressingClient(t, run), "sync", syncSpec, o))
	require.Equal(t, exitFailure, code)
	require.Empty(t, stderr.String())
	var out struct {
		Error failure `json:"error"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out))
	require.Equal(t, errortypes.SyncRunFailed, out.Error.Type)
	require.Contains(t, string(out.Error.Details), `"status": "failed"`)

	// A cancelled workflow is a failure too.
	a, _, stderr = testApp(t)
	run.err = received(temporal.NewCanceledError(snap))
	o.json = false
	code = a.exit(a.startWith(context.Background(), progressingClient(t, run), "sync", syncSpec, o))
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr.String(), "WorkflowCancelled: the workflow was cancelled; run 9876 of sync 42 goes on at Hightouch")

	// Losing the server is not the workflow's failure.
	a, _, stderr = testApp(t)
	run.err = serviceerror.NewUnavailable("connection reset")
	code = a.exit(a.startWith(context.Background(), progressingClient(t, run), "sync", syncSpec, o))
	require.Equal(t, exitFailure, code)
	require.Equal(t, "starter: lost track of workflow hightouch-sync-42: connection reset; check it with 'starter status --workflow-id hightouch-sync-42'\n", stderr.String())
}

func TestWaitInterrupted(t *testing.T) {
	a, _, stderr := testApp(t)
	run := &fakeRun{id: "hightouch-sync-42", runID: "run-1", delay: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	o := runOptions{workflowID: "hightouch-sync-42", taskQueue: "hightouch", progress: progressBar}
	code := a.exit(a.startWith(ctx, progressingClient(t, run), "sync", syncSpec, o))
	require.Equal(t, exitInterrupted, code)
	require.Equal(t, "Stopped waiting; workflow hightouch-sync-42 goes on. Follow it with: starter status --workflow-id hightouch-sync-42\n", stderr.String())
}

func TestWaitSurvivesProgressErrors(t *testing.T) {
	a, stdout, _ := testApp(t)
	run := &fakeRun{id: "hightouch-sync-42", runID: "run-1", delay: 30 * time.Millisecond, result: sampleSync()}
	c := &fakeClient{run: run, descErr: errors.New("flaky")}
	o := runOptions{workflowID: "hightouch-sync-42", taskQueue: "hightouch", progress: progressBar}
	require.Equal(t, exitOK, a.exit(a.startWith(context.Background(), c, "sync", syncSpec, o)))
	require.Contains(t, stdout.String(), "Sync 42, run 9876: warning")
}

func TestWaitTerminatedWithReason(t *testing.T) {
	a, stdout, _ := testApp(t)
	run := &fakeRun{id: "hightouch-sync-42", runID: "run-1", delay: 5 * time.Millisecond, err: &temporal.TerminatedError{}}
	c := progressingClient(t, run)
	c.history = []*historypb.HistoryEvent{{Attributes: &historypb.HistoryEvent_WorkflowExecutionTerminatedEventAttributes{
		WorkflowExecutionTerminatedEventAttributes: &historypb.WorkflowExecutionTerminatedEventAttributes{Reason: "stuck", Identity: "ops@host"},
	}}}
	o := runOptions{workflowID: "hightouch-sync-42", taskQueue: "hightouch", json: true, progress: progressNone}
	require.Equal(t, exitFailure, a.exit(a.startWith(context.Background(), c, "sync", syncSpec, o)))
	require.JSONEq(t, `{"error":{"type":"WorkflowTerminated","message":"the workflow was terminated: stuck (by ops@host)","details":null}}`, stdout.String())
}
