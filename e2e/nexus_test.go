package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nexus-rpc/sdk-go/nexus"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	temporalclient "go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// callOperation is another team's workflow: it runs one operation of the
// hightouch service through the endpoint, as the README shows.
func callOperation[I, O any](op nexus.OperationReference[I, O]) func(workflow.Context, string, I) (O, error) {
	return func(ctx workflow.Context, endpoint string, in I) (O, error) {
		var out O
		c := workflow.NewNexusClient(endpoint, workflows.NexusService)
		err := c.ExecuteOperation(ctx, op, in, workflow.NexusOperationOptions{}).Get(ctx, &out)
		return out, err
	}
}

// callRaw sends its input as it is, as a caller in another language, or
// with a typo in a field name, would.
func callRaw(ctx workflow.Context, endpoint, operation string, in json.RawMessage) (json.RawMessage, error) {
	var out json.RawMessage
	c := workflow.NewNexusClient(endpoint, workflows.NexusService)
	err := c.ExecuteOperation(ctx, operation, in, workflow.NexusOperationOptions{}).Get(ctx, &out)
	return out, err
}

// nexusCaller is a second namespace with a worker running the callers'
// workflows, and an endpoint that routes the hightouch service to the shared
// worker's task queue in the default namespace.
type nexusCaller struct {
	namespace, endpoint string
	tc                  temporalclient.Client
}

const nexusCallerQueue = "e2e-nexus-caller"

func (e *env) startNexusCaller(t *testing.T, ctx context.Context) *nexusCaller {
	t.Helper()
	n := time.Now().UnixNano() % 1000000
	c := &nexusCaller{namespace: fmt.Sprintf("e2e-callers-%d", n), endpoint: fmt.Sprintf("e2e-hightouch-%d", n)}
	res := e.run(t, time.Minute, e.temporalCLI, nil, "operator", "namespace", "create", "--address", e.temporalAddr, "--namespace", c.namespace)
	require.Equal(t, 0, res.code, res.stdout+res.stderr)
	res = e.run(t, time.Minute, e.temporalCLI, nil, "operator", "nexus", "endpoint", "create", "--address", e.temporalAddr,
		"--name", c.endpoint, "--target-namespace", "default", "--target-task-queue", workflows.TaskQueue)
	require.Equal(t, 0, res.code, res.stdout+res.stderr)
	t.Cleanup(func() {
		e.run(t, time.Minute, e.temporalCLI, nil, "operator", "nexus", "endpoint", "delete", "--address", e.temporalAddr, "--name", c.endpoint)
	})

	var err error
	c.tc, err = temporalclient.DialContext(ctx, temporalclient.Options{HostPort: e.temporalAddr, Namespace: c.namespace, Logger: logging.Discard()})
	require.NoError(t, err)
	t.Cleanup(c.tc.Close)
	// A new namespace reaches every part of the server within seconds.
	require.Eventually(t, func() bool {
		_, err := c.tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{})
		return err == nil
	}, 30*time.Second, 500*time.Millisecond, "namespace %s never became usable", c.namespace)

	w := worker.New(c.tc, nexusCallerQueue, worker.Options{})
	for name, fn := range map[string]any{
		"callRunSync": callOperation(workflows.RunSync), "callRunSequence": callOperation(workflows.RunSequence),
		"callWaitForSyncRun": callOperation(workflows.WaitForSyncRun), "callWaitForSequenceRun": callOperation(workflows.WaitForSequenceRun),
		"callRaw": callRaw,
	} {
		w.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name})
	}
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	return c
}

// start starts a caller's workflow.
func (c *nexusCaller) start(t *testing.T, ctx context.Context, caller string, args ...any) temporalclient.WorkflowRun {
	t.Helper()
	run, err := c.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{
		ID: fmt.Sprintf("%s-%d", caller, time.Now().UnixNano()), TaskQueue: nexusCallerQueue,
	}, caller, append([]any{c.endpoint}, args...)...)
	require.NoError(t, err)
	return run
}

// operation reads the caller's history for its operation: the id of the
// workflow it started in the default namespace, derived from the request id
// recorded when it was scheduled, and its started event (nil until it has
// started).
func (c *nexusCaller) operation(t *testing.T, ctx context.Context, run temporalclient.WorkflowRun, operation string) (string, *historypb.HistoryEvent) {
	t.Helper()
	var requestID string
	var started *historypb.HistoryEvent
	it := c.tc.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if a := ev.GetNexusOperationScheduledEventAttributes(); a != nil {
			require.Equal(t, operation, a.GetOperation())
			requestID = a.GetRequestId()
		}
		if ev.GetNexusOperationStartedEventAttributes() != nil {
			started = ev
		}
	}
	require.NotEmpty(t, requestID, "no operation was scheduled")
	return workflows.NexusWorkflowID(operation, requestID), started
}

// linksTo reports whether links hold one to an event of the workflow id in
// namespace.
func linksTo(links []*commonpb.Link, namespace, id string) bool {
	for _, l := range links {
		if we := l.GetWorkflowEvent(); we.GetNamespace() == namespace && we.GetWorkflowId() == id {
			return true
		}
	}
	return false
}

// TestNexusFromAnotherNamespace calls each operation of the hightouch Nexus
// service from workflows in a second namespace, through an endpoint created
// with the temporal CLI, and checks what comes back against the emulator.
func TestNexusFromAnotherNamespace(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := e.startNexusCaller(t, ctx)

	okID, okSlug := newSync(t, e, quick)
	failing := quick
	failing.Status, failing.Error = "failed", "destination unreachable"
	failID, _ := newSync(t, e, failing)
	typoID, _ := newSync(t, e, quick)
	first, _ := newSync(t, e, quick)
	second, _ := newSync(t, e, quick)
	seq, err := e.admin.NewSequence(ctx, "", first, second)
	require.NoError(t, err)

	// All at once: each takes a few seconds.
	syncRun := c.start(t, ctx, "callRunSync", workflows.SyncInput{SyncSlug: okSlug, FullResync: true})
	failRun := c.start(t, ctx, "callRunSync", workflows.SyncInput{SyncID: client.ID(failID)})
	typoRun := c.start(t, ctx, "callRaw", workflows.RunSyncOperation, json.RawMessage(fmt.Sprintf(`{"syncId":%d,"fullResynk":true}`, typoID)))
	seqRun := c.start(t, ctx, "callRunSequence", workflows.SequenceInput{SequenceID: seq})
	longID, _ := newSync(t, e, lasting(time.Hour))
	cancelRun := c.start(t, ctx, "callRunSync", workflows.SyncInput{SyncID: client.ID(longID)})

	// Runs someone else started (Hightouch's schedule, a dbt Cloud job).
	otherID, otherSlug := newSync(t, e, quick)
	other, err := e.api().TriggerRun(ctx, client.ID(otherID), client.TriggerRunBody{})
	require.NoError(t, err)
	m1, _ := newSync(t, e, quick)
	m2, _ := newSync(t, e, quick)
	otherSeq, err := e.admin.NewSequence(ctx, "", m1, m2)
	require.NoError(t, err)
	otherSeqRun, err := e.api().TriggerSequenceRun(ctx, otherSeq)
	require.NoError(t, err)
	waitRun := c.start(t, ctx, "callWaitForSyncRun", workflows.WaitForSyncRunInput{SyncSlug: otherSlug, RunID: other.ID})
	waitSeqRun := c.start(t, ctx, "callWaitForSequenceRun", workflows.WaitForSequenceRunInput{SequenceRunID: otherSeqRun.ID})
	badWaitRun := c.start(t, ctx, "callWaitForSyncRun", workflows.WaitForSyncRunInput{SyncID: client.ID(otherID), RunID: other.ID, CreatedAfter: &time.Time{}})

	t.Run("runSync", func(t *testing.T) {
		var res workflows.SyncResult
		require.NoError(t, syncRun.Get(ctx, &res))
		require.Equal(t, client.RunSuccess, res.Status)
		require.Equal(t, client.ID(okID), res.SyncID)
		require.Equal(t, int64(40), res.SuccessfulRows.Total())
		runs, err := e.admin.Runs(ctx, okID)
		require.NoError(t, err)
		require.Len(t, runs, 1, "one operation, one run")
		require.Equal(t, fmt.Sprint(runs[0].ID), string(res.RunID))
		require.Equal(t, "success", runs[0].Status)
		require.True(t, runs[0].FullResync, "the input reached the workflow whole")

		// Backed by HightouchSync in the default namespace, under the id
		// derived from the operation's request id, and linked both ways.
		id, started := c.operation(t, ctx, syncRun, workflows.RunSyncOperation)
		d, err := describe(ctx, e.tc, id)
		require.NoError(t, err)
		require.Equal(t, workflows.SyncWorkflow, d.GetWorkflowExecutionInfo().GetType().GetName())
		require.Equal(t, enums.WORKFLOW_EXECUTION_STATUS_COMPLETED, d.GetWorkflowExecutionInfo().GetStatus())
		require.NotNil(t, started)
		require.True(t, linksTo(started.GetLinks(), "default", id), "the caller's history links to the workflow: %v", started.GetLinks())
		first, err := e.tc.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT).Next()
		require.NoError(t, err)
		var back []*commonpb.Link
		for _, cb := range first.GetWorkflowExecutionStartedEventAttributes().GetCompletionCallbacks() {
			back = append(back, cb.GetLinks()...)
		}
		require.True(t, linksTo(back, c.namespace, syncRun.GetID()), "the workflow links to the caller: %v", first)
	})

	t.Run("runSync failure", func(t *testing.T) {
		err := failRun.Get(ctx, nil)
		var opErr *temporal.NexusOperationError
		require.ErrorAs(t, err, &opErr)
		require.Equal(t, workflows.RunSyncOperation, opErr.Operation)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr)
		require.Equal(t, errortypes.SyncRunFailed, appErr.Type(), "error: %v", err)
		require.Contains(t, appErr.Error(), "destination unreachable")
		var snap workflows.SyncResult
		require.NoError(t, appErr.Details(&snap), "the failure carries the run snapshot")
		require.Equal(t, client.ID(failID), snap.SyncID)
		require.Equal(t, client.RunFailed, snap.Status)
		require.NotEmpty(t, snap.RunID)
	})

	t.Run("invalid input", func(t *testing.T) {
		err := typoRun.Get(ctx, nil)
		var handlerErr *nexus.HandlerError
		require.ErrorAs(t, err, &handlerErr, "error: %v", err)
		require.Equal(t, nexus.HandlerErrorTypeBadRequest, handlerErr.Type)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr)
		require.Equal(t, errortypes.InvalidInput, appErr.Type())
		require.Contains(t, appErr.Error(), "fullResynk")
		require.Zero(t, triggers(t, e, typoID), "a misspelt field is not dropped on the way to the workflow")
		id, _ := c.operation(t, ctx, typoRun, workflows.RunSyncOperation)
		_, err = describe(ctx, e.tc, id)
		var notFound *serviceerror.NotFound
		require.ErrorAs(t, err, &notFound, "no workflow was started")
	})

	t.Run("runSequence", func(t *testing.T) {
		var res workflows.SequenceResult
		require.NoError(t, seqRun.Get(ctx, &res))
		require.Equal(t, client.SequenceDone, res.Status)
		require.Equal(t, seq, res.SequenceID)
		runs, err := e.admin.SequenceRuns(ctx, seq)
		require.NoError(t, err)
		require.Len(t, runs, 1)
		require.Equal(t, runs[0].ID, res.SequenceRunID)
		require.Len(t, res.SyncRuns, 2)
		for i, id := range []int64{first, second} {
			require.Equal(t, client.ID(id), res.SyncRuns[i].SyncID)
			require.Equal(t, client.RunSuccess, res.SyncRuns[i].Status)
			require.Equal(t, int64(40), res.SyncRuns[i].SuccessfulRows.Total())
		}
	})

	t.Run("waitForSyncRun", func(t *testing.T) {
		var res workflows.SyncResult
		require.NoError(t, waitRun.Get(ctx, &res))
		require.Equal(t, other.ID, res.RunID)
		require.Equal(t, client.ID(otherID), res.SyncID)
		require.Equal(t, client.RunSuccess, res.Status)
		require.Equal(t, int64(40), res.SuccessfulRows.Total())
		require.Equal(t, 1, triggers(t, e, otherID), "waiting triggers nothing")
		id, _ := c.operation(t, ctx, waitRun, workflows.WaitForSyncRunOperation)
		d, err := describe(ctx, e.tc, id)
		require.NoError(t, err)
		require.Equal(t, workflows.WaitForSyncRunWorkflow, d.GetWorkflowExecutionInfo().GetType().GetName())
	})

	t.Run("waitForSequenceRun", func(t *testing.T) {
		var res workflows.SequenceResult
		require.NoError(t, waitSeqRun.Get(ctx, &res))
		require.Equal(t, otherSeqRun.ID, res.SequenceRunID)
		require.Equal(t, client.SequenceDone, res.Status)
		require.Len(t, res.SyncRuns, 2)
		for i, id := range []int64{m1, m2} {
			require.Equal(t, client.ID(id), res.SyncRuns[i].SyncID)
			require.Equal(t, client.RunSuccess, res.SyncRuns[i].Status)
		}
		runs, err := e.admin.SequenceRuns(ctx, otherSeq)
		require.NoError(t, err)
		require.Len(t, runs, 1, "waiting triggers nothing")
		id, _ := c.operation(t, ctx, waitSeqRun, workflows.WaitForSequenceRunOperation)
		d, err := describe(ctx, e.tc, id)
		require.NoError(t, err)
		require.Equal(t, workflows.WaitForSequenceRunWorkflow, d.GetWorkflowExecutionInfo().GetType().GetName())
	})

	t.Run("waitForSyncRun invalid input", func(t *testing.T) {
		err := badWaitRun.Get(ctx, nil)
		var handlerErr *nexus.HandlerError
		require.ErrorAs(t, err, &handlerErr, "error: %v", err)
		require.Equal(t, nexus.HandlerErrorTypeBadRequest, handlerErr.Type)
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr)
		require.Equal(t, errortypes.InvalidInput, appErr.Type())
		require.Contains(t, appErr.Error(), "give runId or createdAfter, not both")
	})

	t.Run("cancel", func(t *testing.T) {
		// Cancelling the caller cancels its operation, and the operation
		// the workflow behind it.
		var id string
		require.Eventually(t, func() bool {
			var started *historypb.HistoryEvent
			id, started = c.operation(t, ctx, cancelRun, workflows.RunSyncOperation)
			return started != nil && triggers(t, e, longID) == 1
		}, time.Minute, 500*time.Millisecond, "the operation never started")
		require.NoError(t, c.tc.CancelWorkflow(ctx, cancelRun.GetID(), ""))
		var canceled *temporal.CanceledError
		require.ErrorAs(t, cancelRun.Get(ctx, nil), &canceled)
		d, err := describe(ctx, e.tc, id)
		require.NoError(t, err)
		require.Equal(t, enums.WORKFLOW_EXECUTION_STATUS_CANCELED, d.GetWorkflowExecutionInfo().GetStatus())
		runs, err := e.admin.Runs(ctx, longID)
		require.NoError(t, err)
		require.Len(t, runs, 1)
		require.Equal(t, "processing", runs[0].Status, "the run goes on at Hightouch")
	})
}
