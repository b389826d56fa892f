package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// carriedOf is the state a writer continued as new with.
func carriedOf(t *testing.T, err error) carriedState {
	t.Helper()
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, err, &can)
	var next carriedState
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	return next
}

// Review (signals in order, second round): withdrawal of the current request in the same task as the backoff
// timer after a NotSent send (requester check cached).
func TestWithdrawalWithBackoffTimerSendsNothing(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	sends := 0
	h.env.OnActivity("SendSyncTrigger", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SendSyncTriggerInput) (*activities.SendSyncTriggerResult, error) {
			if sends++; sends == 1 {
				return &activities.SendSyncTriggerResult{Outcome: activities.NotSent,
					Problem: &activities.TriggerProblem{Type: errortypes.HightouchServerError, Message: "429"}}, nil
			}
			return h.acts.SendSyncTrigger(ctx, in)
		})
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflowSkippingWorkflowTask("trigger-withdraw", testWorkflowID+"/r1")
	}, time.Second-time.Millisecond)
	h.env.ExecuteWorkflow(workflows.WriterWorkflow, map[string]any{"kind": "sync", "syncId": id,
		"state": map[string]any{"pending": []any{rawRequest("sync", id, testWorkflowID+"/r1", testWorkflowID, h.env.Now())}}})
	require.True(t, h.env.IsWorkflowCompleted())
	require.Equal(t, 1, sends, "sent again after a withdrawal that came with the backoff timer")
}

// Review (signals in order, second round): withdrawal in the same task as a NotSent result.
func TestWithdrawalWithNotSentResultSendsNothing(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	sends := 0
	h.env.OnActivity("SendSyncTrigger", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SendSyncTriggerInput) (*activities.SendSyncTriggerResult, error) {
			if sends++; sends == 1 {
				h.env.SignalWorkflowSkippingWorkflowTask("trigger-withdraw", testWorkflowID+"/r1")
				return &activities.SendSyncTriggerResult{Outcome: activities.NotSent,
					Problem: &activities.TriggerProblem{Type: errortypes.HightouchServerError, Message: "429"}}, nil
			}
			return h.acts.SendSyncTrigger(ctx, in)
		})
	h.env.ExecuteWorkflow(workflows.WriterWorkflow, map[string]any{"kind": "sync", "syncId": id,
		"state": map[string]any{"pending": []any{rawRequest("sync", id, testWorkflowID+"/r1", testWorkflowID, h.env.Now())}}})
	require.True(t, h.env.IsWorkflowCompleted())
	require.Equal(t, 1, sends)
}

// Review (signals in order, second round): sequence, withdrawal with a NotSent result.
func TestSequenceWithdrawalWithNotSentResultSendsNothing(t *testing.T) {
	h := newHarness(t)
	seq, _ := sequenceOf(h, "success")
	sends := 0
	h.env.OnActivity("SendSequenceTrigger", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SendSequenceTriggerInput) (*activities.SendSequenceTriggerResult, error) {
			if sends++; sends == 1 {
				h.env.SignalWorkflowSkippingWorkflowTask("trigger-withdraw", testWorkflowID+"/r1")
				return &activities.SendSequenceTriggerResult{Outcome: activities.NotSent,
					Problem: &activities.TriggerProblem{Type: errortypes.HightouchServerError, Message: "429"}}, nil
			}
			return h.acts.SendSequenceTrigger(ctx, in)
		})
	h.env.ExecuteWorkflow(workflows.WriterWorkflow, map[string]any{"kind": "sequence", "sequenceId": seq,
		"state": map[string]any{"pending": []any{rawRequest("sequence", seq, testWorkflowID+"/r1", testWorkflowID, h.env.Now())}}})
	require.True(t, h.env.IsWorkflowCompleted())
	require.Equal(t, 1, sends)
}

// Review (signals in order, second round): duplicate of the current request in the same task as its send's
// result; then CAN. One send; answered once with the run.
func TestDuplicateWithSendResult(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	r1 := rawRequest("sync", id, testWorkflowID+"/r1", testWorkflowID, h.env.Now())
	sends := 0
	h.env.OnActivity("SendSyncTrigger", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SendSyncTriggerInput) (*activities.SendSyncTriggerResult, error) {
			sends++
			h.env.SignalWorkflowSkippingWorkflowTask("trigger-request", r1)
			h.env.SignalWorkflowSkippingWorkflowTask("trigger-withdraw", testWorkflowID+"/r1")
			return h.acts.SendSyncTrigger(ctx, in)
		})
	h.env.SetContinueAsNewSuggested(true)
	h.env.ExecuteWorkflow(workflows.WriterWorkflow, map[string]any{"kind": "sync", "syncId": id,
		"state": map[string]any{"pending": []any{r1}}})
	next := carriedOf(t, h.env.GetWorkflowError())
	require.Equal(t, 1, sends)
	require.Empty(t, next.State.Pending)
	require.Len(t, next.State.Answered, 1)
	require.NotEmpty(t, next.State.Answered[0].Reply.RunID)
	require.Nil(t, next.State.Answered[0].Reply.Problem)
}

// Review (signals in order, second round): the root drains (after the requester check) and blocks in a slow
// answer (withdrawal of queued r2, its requester slow to take a signal);
// meanwhile the goroutine takes r1's withdrawal. Nothing is sent.
func TestReentrantDrainSendsNothing(t *testing.T) {
	h := newHarnessWith(t, func(env *testsuite.TestWorkflowEnvironment) {
		env.OnSignalExternalWorkflow(mock.Anything, "slow", mock.Anything, mock.Anything, mock.Anything).After(time.Minute).Return(nil)
	})
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	began := h.env.Now()
	sends := 0
	h.env.OnActivity("SendSyncTrigger", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SendSyncTriggerInput) (*activities.SendSyncTriggerResult, error) {
			sends++
			return h.acts.SendSyncTrigger(ctx, in)
		})
	h.env.OnActivity("RequesterWaiting", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.RequesterWaitingInput) (bool, error) {
			h.env.SignalWorkflowSkippingWorkflowTask("trigger-withdraw", "slow/r2")
			h.env.RegisterDelayedCallback(func() {
				h.env.SignalWorkflow("trigger-withdraw", testWorkflowID+"/r1")
			}, 30*time.Second)
			return true, nil
		})
	h.env.ExecuteWorkflow(workflows.WriterWorkflow, map[string]any{"kind": "sync", "syncId": id,
		"state": map[string]any{"pending": []any{
			rawRequest("sync", id, testWorkflowID+"/r1", testWorkflowID, h.env.Now()),
			rawRequest("sync", id, "slow/r2", "slow", h.env.Now())}}})
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	require.Equal(t, 0, sends)
	t.Logf("ended after %s", h.env.Now().Sub(began))
}
