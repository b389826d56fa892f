package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
)

// versionOneWriter marks the workflows that trigger through the writer.
// Workflows that had sent their trigger directly before this change replay
// the direct path.
const versionOneWriter = "one-writer-trigger"

// replyGrace bounds how long a workflow that stopped (cancelled, or past its
// deadline) waits for its writer's reply: longer than the writer can still
// spend on the request (the check that its requester waits, a send under
// way, the search for a lost answer), short of waiting for ever on a writer
// that cannot answer. (A sequence's resends after a lost answer end within
// the trigger's retry window, sooner.)
const replyGrace = requesterCheckTimeout + sendTimeout + findTimeout + 10*time.Minute

// redeliverEvery sends a request again while no reply has come, in case its
// writer was lost (terminated, or reset); the writer ignores duplicates.
const redeliverEvery = 10 * time.Minute

// requestRun asks the writer of the request's sync or sequence for a run and
// waits for the reply. When the workflow is cancelled or the deadline passes
// first, it withdraws the request and still waits for the reply, so that a
// run a send under way starts is always reported. stopped is errCancelled
// or errTimedOut when that happened.
func requestRun(ctx workflow.Context, req triggerRequest, start writerInput, deadline time.Time) (reply triggerReply, stopped, err error) {
	exec := workflow.GetInfo(ctx).WorkflowExecution
	req.ID = requestID(exec.ID, exec.RunID)
	req.ReplyTo = replyTo{WorkflowID: exec.ID, RunID: exec.RunID}
	target := WriterID(start.Kind, writerKey(start))
	replies := workflow.GetSignalChannel(ctx, signalTriggerReply)
	// Delivering, withdrawing and waiting for the reply go on after a
	// cancellation: the reply says what was sent.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	if err := deliver(dctx, target, req, start); err != nil {
		return reply, nil, err
	}
	timers, stopTimers := workflow.WithCancel(dctx)
	defer stopTimers()
	deadlineTimer := workflow.NewTimer(timers, max(deadline.Sub(workflow.Now(ctx)), time.Millisecond))
	redeliver := workflow.NewTimer(timers, redeliverEvery)
	var graceOver workflow.Future
	for got := false; !got; {
		redeliverDue, gaveUp := false, false
		sel := workflow.NewSelector(dctx)
		// Replies are signalled to this run only, and it makes one
		// request: any reply is to it. (Its id holds the run id, which a
		// replayer does not know, so it is not compared.)
		sel.AddReceive(replies, func(c workflow.ReceiveChannel, _ bool) {
			c.Receive(dctx, &reply)
			got = true
		})
		if stopped == nil {
			sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) { stopped = errCancelled })
			sel.AddFuture(deadlineTimer, func(workflow.Future) { stopped = errTimedOut })
		}
		sel.AddFuture(redeliver, func(workflow.Future) { redeliverDue = true })
		if graceOver != nil {
			sel.AddFuture(graceOver, func(workflow.Future) { gaveUp = true })
		}
		wasStopped := stopped != nil
		sel.Select(dctx)
		if gaveUp && !got {
			return triggerReply{Problem: &activities.TriggerProblem{Type: errortypes.HightouchServerError, Message: fmt.Sprintf(
				"the trigger writer %s did not answer within %s after this workflow stopped; whether it started a run is unknown: check the runs in Hightouch",
				target, replyGrace)}}, stopped, nil
		}
		if stopped != nil && graceOver == nil {
			graceOver = workflow.NewTimer(timers, replyGrace)
		}
		withdraw := !got && stopped != nil && (!wasStopped || redeliverDue)
		if withdraw {
			err := workflow.SignalExternalWorkflow(dctx, target, "", signalTriggerWithdraw, req.ID).Get(dctx, nil)
			var absent *temporal.UnknownExternalWorkflowExecutionError
			if errors.As(err, &absent) {
				// The writer is gone without an answer (terminated): whether
				// it sent anything cannot be known from here.
				return triggerReply{Problem: &activities.TriggerProblem{Type: errortypes.HightouchServerError, Message: fmt.Sprintf(
					"the trigger writer %s ended without answering this workflow's request; whether it started a run is unknown: check the runs in Hightouch",
					target)}}, stopped, nil
			}
			if err != nil {
				workflow.GetLogger(ctx).Warn("Could not withdraw the trigger request", "writer", target, "error", err)
			}
		}
		if redeliverDue {
			// A workflow still waiting sends its request again (its writer may
			// have been lost); one that stopped only its withdrawal (above),
			// so that no new writer sends for it.
			if stopped == nil {
				if err := deliver(dctx, target, req, start); err != nil {
					return reply, stopped, err
				}
			}
			redeliver = workflow.NewTimer(timers, redeliverEvery)
		}
	}
	return reply, stopped, nil
}

// requestID is the id of the request a workflow run makes (one per run).
func requestID(workflowID, runID string) string { return workflowID + "/" + runID }

// requesterOf is the workflow run that made a request, read from its id
// (a run id holds no "/", a workflow id may).
func requesterOf(id string) (replyTo, bool) {
	i := strings.LastIndexByte(id, '/')
	if i <= 0 || i == len(id)-1 {
		return replyTo{}, false
	}
	return replyTo{WorkflowID: id[:i], RunID: id[i+1:]}, true
}

// writerKey is the sync or sequence id a writer is for.
func writerKey(in writerInput) string {
	if in.Kind == writerSequence {
		return in.SequenceID
	}
	return in.SyncID.String()
}

// deliver signals the request to the writer, starting the writer (as an
// abandoned child holding the request) when none is running.
func deliver(ctx workflow.Context, target string, req triggerRequest, start writerInput) error {
	for attempt := 0; ; attempt++ {
		err := workflow.SignalExternalWorkflow(ctx, target, "", signalTriggerRequest, req).Get(ctx, nil)
		var absent *temporal.UnknownExternalWorkflowExecutionError
		switch {
		case err == nil:
			return nil
		case !errors.As(err, &absent):
			if attempt >= 5 {
				return fmt.Errorf("delivering the trigger request to %s: %w", target, err)
			}
			if err := workflow.Sleep(ctx, time.Second<<attempt); err != nil {
				return err
			}
			continue
		}
		start.State = writerState{Pending: []triggerRequest{req}}
		child := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: target,
			TaskQueue:  workflow.GetInfo(ctx).TaskQueueName,
			// The writer serves every workflow of its sync, not just this one.
			ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
			WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			StaticSummary:         fmt.Sprintf("Performs the triggers of %s %s one at a time, for every workflow in the namespace", start.Kind, writerKey(start)),
		})
		err = workflow.ExecuteChildWorkflow(child, WriterWorkflow, start).GetChildWorkflowExecution().Get(ctx, nil)
		switch {
		case err == nil:
			return nil
		case !temporal.IsWorkflowExecutionAlreadyStartedError(err):
			return fmt.Errorf("starting the trigger writer %s: %w", target, err)
		}
		// Another workflow started it meanwhile: signal it.
	}
}

// replyError is the workflow's error for a writer's reply: err when the
// request could not be made, a cancellation when the workflow was cancelled
// and no run started, else the reply's problem with details (the run in
// progress that ifRunning found, when there is one). nil when a run started.
func replyError(reply triggerReply, stopped, err error, details func() any) error {
	switch {
	case err != nil:
		return err
	case reply.Problem != nil && stopped == errCancelled:
		return temporal.NewCanceledError(reply.Problem.Message)
	case reply.Problem != nil:
		return replyFailure(*reply.Problem, details())
	}
	return nil
}

// replyFailure is the failure of a request the writer answered with a
// problem (no run started, or ifRunning "fail").
func replyFailure(p activities.TriggerProblem, details any) error {
	typ := p.Type
	if typ == "" {
		typ = errortypes.HightouchServerError
	}
	if details == nil {
		return temporal.NewNonRetryableApplicationError(p.Message, typ, nil)
	}
	return temporal.NewNonRetryableApplicationError(p.Message, typ, nil, details)
}
