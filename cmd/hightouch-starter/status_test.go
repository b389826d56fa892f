package main

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

func closedDescription(status enumspb.WorkflowExecutionStatus) func() *workflowservice.DescribeWorkflowExecutionResponse {
	return func() *workflowservice.DescribeWorkflowExecutionResponse {
		d := describeWith(workflows.SyncWorkflow)
		d.WorkflowExecutionInfo.Status = status
		d.WorkflowExecutionInfo.CloseTime = timestamppb.New(t0.Add(6 * time.Minute))
		return d
	}
}

func TestStatusRunning(t *testing.T) {
	a, stdout, _ := testApp(t)
	a.now = func() time.Time { return t0.Add(90 * time.Second) }
	p := syncProgress("processing", 0.5, t0)
	deadline := t0.Add(24 * time.Hour)
	p.Deadline = &deadline
	c := &fakeClient{
		desc:     func() *workflowservice.DescribeWorkflowExecutionResponse { return describeWith(workflows.SyncWorkflow) },
		progress: func() any { return p },
	}
	require.NoError(t, a.status(context.Background(), c, &statusCommand{workflowID: "hightouch-sync-42"}))
	out := stdout.String()
	for _, want := range []string{
		"Workflow ID:   hightouch-sync-42\n",
		"Run ID:        r1\n",
		"Type:          HightouchSync\n",
		"Task queue:    hightouch\n",
		"Status:        Running\n",
		"Started:       " + fmtTime(t0) + "\n",
		"Progress:      [1m30s] processing 50% - rows 500 synced, 3 failed, 1,000 planned\n",
		"Deadline:      " + fmtTime(deadline) + "\n",
		"Sync 42, run 9876: processing\n",
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "Closed:")

	stdout.Reset()
	require.NoError(t, a.status(context.Background(), c, &statusCommand{workflowID: "hightouch-sync-42", json: true}))
	var r struct {
		Status   string                 `json:"status"`
		Progress workflows.SyncProgress `json:"progress"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &r))
	require.Equal(t, "Running", r.Status)
	require.Equal(t, "processing", r.Progress.Phase)
	require.Equal(t, client.RunID("9876"), r.Progress.RunID)

	// No worker to answer the query.
	stdout.Reset()
	c.queryErr = errors.New("context deadline exceeded")
	require.NoError(t, a.status(context.Background(), c, &statusCommand{workflowID: "hightouch-sync-42"}))
	require.Contains(t, stdout.String(), "Progress:      unavailable: context deadline exceeded (is a worker polling task queue hightouch?)\n")
}

func TestStatusClosed(t *testing.T) {
	a, stdout, _ := testApp(t)
	c := &fakeClient{desc: closedDescription(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), run: &fakeRun{result: sampleSync()}}
	require.NoError(t, a.status(context.Background(), c, &statusCommand{workflowID: "hightouch-sync-42"}))
	out := stdout.String()
	require.Contains(t, out, "Status:        Completed\n")
	require.Contains(t, out, "Closed:        "+fmtTime(t0.Add(6*time.Minute))+"\n")
	require.Contains(t, out, "Took:          6m00s\n")
	require.Contains(t, out, "Sync 42, run 9876: warning\n")

	stdout.Reset()
	require.NoError(t, a.status(context.Background(), c, &statusCommand{workflowID: "hightouch-sync-42", json: true}))
	var r statusReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &r))
	require.Equal(t, "Completed", r.Status)
	var res workflows.SyncResult
	require.NoError(t, json.Unmarshal(r.Result, &res))
	require.Equal(t, client.RunWarning, res.Status)
	require.Nil(t, r.Error)

	// A failed workflow: its failure, with the run it left.
	snap := sampleSync()
	snap.Status = client.RunFailed
	c = &fakeClient{desc: closedDescription(enumspb.WORKFLOW_EXECUTION_STATUS_FAILED),
		run: &fakeRun{err: received(temporal.NewNonRetryableApplicationError("run 9876 of sync 42 ended failed", errortypes.SyncRunFailed, nil, snap))}}
	stdout.Reset()
	require.NoError(t, a.status(context.Background(), c, &statusCommand{workflowID: "hightouch-sync-42"}))
	require.Contains(t, stdout.String(), "Status:        Failed\n")
	require.Contains(t, stdout.String(), "Failure:       SyncRunFailed: run 9876 of sync 42 ended failed\n")
	require.Contains(t, stdout.String(), "Sync 42, run 9876: failed\n")
	stdout.Reset()
	require.NoError(t, a.status(context.Background(), c, &statusCommand{workflowID: "hightouch-sync-42", json: true}))
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &r))
	require.Equal(t, errortypes.SyncRunFailed, r.Error.Type)
}

func TestStatusNotFound(t *testing.T) {
	a, _, stderr := testApp(t)
	c := &fakeClient{descErr: serviceerror.NewNotFound("workflow not found")}
	code := a.exit(a.status(context.Background(), c, &statusCommand{workflowID: "nope"}))
	require.Equal(t, exitFailure, code)
	require.Equal(t, "starter status: no workflow with id nope in this namespace\n", stderr.String())
}
