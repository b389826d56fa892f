package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// triggerCancelGrace is how long a workflow cancelled while its trigger is
// in flight waits for that attempt, so that it can report the run the
// trigger creates instead of losing it.
const triggerCancelGrace = time.Minute

// errTriggerUnknown is a cancellation that came while a trigger was in
// flight and did not end within the grace period.
var errTriggerUnknown = errors.New("cancelled while the trigger was in flight; whether Hightouch started a run is unknown")

// trigger runs a trigger activity that a cancellation of the workflow does
// not cut short: the attempt under way gets triggerCancelGrace to finish.
// It reports whether the workflow was cancelled meanwhile.
func trigger(ctx workflow.Context, opts func(workflow.Context) workflow.Context, activity, input, out any) (cancelled bool, err error) {
	disconnected, _ := workflow.NewDisconnectedContext(ctx)
	triggerCtx, stopTrigger := workflow.WithCancel(disconnected)
	future := workflow.ExecuteActivity(opts(triggerCtx), activity, input)
	done := false
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(future, func(workflow.Future) { done = true })
	sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
	sel.Select(ctx)
	if !done {
		grace := workflow.NewTimer(disconnected, triggerCancelGrace)
		wait := workflow.NewSelector(disconnected)
		wait.AddFuture(future, func(workflow.Future) { done = true })
		wait.AddFuture(grace, func(workflow.Future) {})
		wait.Select(disconnected)
		if !done {
			stopTrigger()
			return true, temporal.NewCanceledError(errTriggerUnknown.Error())
		}
	}
	err = future.Get(disconnected, out)
	if ctx.Err() != nil && err != nil {
		// Cancelled, and the trigger failed: no run was started, and the
		// workflow ends cancelled as it was asked to.
		return true, temporal.NewCanceledError("cancelled while triggering; the trigger then failed, so no run was started: " + rootMessage(err))
	}
	return ctx.Err() != nil, err
}
