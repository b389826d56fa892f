package workflows_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// Review (lost writer): a workflow whose writer was lost, and whose
// replacement was started meanwhile by another workflow of the same sync,
// times out. Its withdrawal reaches the replacement, which never saw the
// request and says nothing (writer.withdraw ignores an id it does not
// know). The workflow then waits until that writer ends (an hour idle) or
// its 2 h reply grace is over, although the writer is up and could say at
// once that it has no such request (as a withdrawal to an absent writer
// does: TestStoppedWorkflowWhoseWriterIsLostSaysTheRunIsUnknown). A
// cancelled workflow takes one to two hours to end.
func TestWithdrawalToAReplacementWriterIsAnswered(t *testing.T) {
	var started atomic.Int32
	h := newHarnessWith(t, func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.WriterInput) error {
			// The fleet's writer and the one the first workflow starts are
			// lost (end at once without answering); later ones are real.
			n := started.Add(1)
			if n <= 2 {
				return nil
			}
			return workflows.TriggerWriter(ctx, in)
		}, workflow.RegisterOptions{Name: workflows.WriterWorkflow, DisableAlreadyRegisteredCheck: true})
	})
	h.env.SetTestTimeout(2 * time.Minute)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Minute, 0)})
	ins := []workflows.SyncInput{
		{SyncID: client.ID(id), WaitOptions: workflows.WaitOptions{Timeout: "60s"}},
		{SyncID: client.ID(id)},
	}
	outs, took := h.runTimedFleet(fleetInput{Syncs: ins, StartEvery: 30 * time.Second})
	require.Empty(t, outs[1].ErrType, outs[1].Err)
	require.EqualValues(t, 3, started.Load(), "the second workflow started a replacement writer")
	require.Len(t, h.emu.Runs(id), 1, "only the second workflow's run")
	require.NotEmpty(t, outs[0].ErrType)
	require.Less(t, took[0], 15*time.Minute, "the first workflow, past its 60 s timeout, waited %s in all "+
		"(its withdrawal reached the replacement writer, which ignored it); it ended with: %s", took[0], outs[0].Err)
}

// timedFleet is fleet for syncs, also saying how long after the fleet's
// start each workflow ended.
type timedOutcomes struct {
	Out  []outcome       `json:"out"`
	Took []time.Duration `json:"took"`
}

func timedFleet(ctx workflow.Context, in fleetInput) (timedOutcomes, error) {
	for _, id := range uniqueWriters(in.Syncs) {
		wctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: id, ParentClosePolicy: enums.PARENT_CLOSE_POLICY_ABANDON})
		if err := workflow.ExecuteChildWorkflow(wctx, workflows.WriterWorkflow, map[string]any{"kind": "sync", "syncId": in.Syncs[0].SyncID}).
			GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			return timedOutcomes{}, err
		}
	}
	began := workflow.Now(ctx)
	n := len(in.Syncs)
	out, took := make([]outcome, n), make([]time.Duration, n)
	done := 0
	for i := range n {
		if i > 0 {
			if err := workflow.Sleep(ctx, in.StartEvery); err != nil {
				return timedOutcomes{}, err
			}
		}
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "w" + strconv.Itoa(i)})
		f := workflow.ExecuteChildWorkflow(cctx, workflows.SyncWorkflow, in.Syncs[i])
		workflow.Go(ctx, func(ctx workflow.Context) {
			var res workflows.SyncResult
			if err := f.Get(ctx, &res); err != nil {
				out[i].ErrType, out[i].Err = "failed", err.Error()
			} else {
				out[i].RunID = string(res.RunID)
			}
			took[i] = workflow.Now(ctx).Sub(began)
			done++
		})
	}
	if err := workflow.Await(ctx, func() bool { return done == n }); err != nil {
		return timedOutcomes{}, err
	}
	return timedOutcomes{Out: out, Took: took}, nil
}

func uniqueWriters(syncs []workflows.SyncInput) []string {
	seen := map[string]bool{}
	var ids []string
	for _, s := range syncs {
		if id := workflows.WriterID("sync", s.SyncID.String()); !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

func (h *harness) runTimedFleet(in fleetInput) ([]outcome, []time.Duration) {
	h.t.Helper()
	h.env.RegisterWorkflow(timedFleet)
	h.env.ExecuteWorkflow(timedFleet, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var res timedOutcomes
	require.NoError(h.t, h.env.GetWorkflowResult(&res))
	return res.Out, res.Took
}

// Review (idle end): a request that reaches the writer in the same workflow
// task as its idle timer. The writer's receiving goroutine is blocked in a
// Selector on the request channel, so the SDK hands the signal straight to
// that Selector's pending branch (it is no longer in the channel: Len() is
// 0) before any coroutine runs. The root coroutine runs first, sees the
// timer fired, drains (finds nothing) and ends the writer: the request is
// dropped without an answer. (On a server a signal and a timer land in one
// workflow task whenever the signal comes while the timer's task is not yet
// taken.) Its requester waits 10 minutes to deliver again; one with a
// shorter timeout fails "no run ... started within the timeout". The same
// hand-off drops a request or a withdrawal that arrives with the event that
// wakes the writer to continue as new (drain runs before the goroutine),
// and a dropped withdrawal lets the next run trigger for a workflow that
// was cancelled.
func TestRequestArrivingAsTheWriterGoesIdleIsServed(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Minute, 0)})
	// The request is signalled into the writer without running it, a
	// millisecond before its idle timer: both are handled in one task.
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflowSkippingWorkflowTask("trigger-request", rawRequest("sync", id, "late", testWorkflowID, h.env.Now()))
	}, time.Hour-time.Millisecond)
	h.env.ExecuteWorkflow(workflows.WriterWorkflow, map[string]any{"kind": "sync", "syncId": id})
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	require.Len(t, h.emu.Runs(id), 1, "the request that came with the idle timer was dropped: the writer ended without serving or answering it")
}

// Review (continue as new): the same hand-off when the writer continues as
// new. A withdrawal of a queued request arrives in the task that completes
// the send of the request before it; the root coroutine answers, drains
// (the withdrawal is held by the goroutine's Selector, not in the channel)
// and continues as new with the withdrawn request still queued and no
// "withdrawn" answer: the next run sends for a workflow that was cancelled
// (TestCancelledWhileQueuedSendsNothing says it must not), and a stopped
// requester waits for that send instead of ending.
func TestWithdrawalArrivingAsTheWriterContinuesAsNewIsKept(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	req := func(n int) map[string]any {
		return rawRequest("sync", id, fmt.Sprintf("r%d", n), testWorkflowID, h.env.Now())
	}
	sends := 0
	h.env.OnActivity("SendSyncTrigger", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SendSyncTriggerInput) (*activities.SendSyncTriggerResult, error) {
			if sends++; sends == 1 {
				// r2's requester is cancelled while r1 is sent: its
				// withdrawal reaches the writer with the send's result.
				h.env.SignalWorkflowSkippingWorkflowTask("trigger-withdraw", "r2")
			}
			return h.acts.SendSyncTrigger(ctx, in)
		})
	h.env.SetContinueAsNewSuggested(true)
	h.env.ExecuteWorkflow(workflows.WriterWorkflow, map[string]any{"kind": "sync", "syncId": id,
		"state": map[string]any{"pending": []any{req(1), req(2)}}})
	next := carriedOf(t, h.env.GetWorkflowError())
	require.Len(t, h.emu.Runs(id), 1, "r1's run")
	require.Empty(t, next.State.Pending, "r2 was withdrawn before it was served, yet the next run is to send it: %+v", next.State)
}
