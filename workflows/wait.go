package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
)

// progressBudget bounds how many times a poll activity returns early to
// report progress, so that history stays small whatever the run does. After
// the budget, polls return only when the run ends.
const progressBudget = 5

// waiter describes how to wait on one kind of run.
type waiter[S any] struct {
	// poll starts a poll activity that returns when the run ends or, if
	// early is true, when it makes progress past last.
	poll func(ctx workflow.Context, last S, early bool) workflow.Future
	// ended reports whether the run is over.
	ended func(S) bool
	// progress records a new snapshot (query state, UI details, logs).
	progress func(S)
}

// errTimedOut and errCancelled tell how a wait ended without the run ending.
var (
	errTimedOut  = errors.New("timed out")
	errCancelled = errors.New("cancelled")
)

// waitForEnd polls until the run ends, the timeout passes or the workflow is
// cancelled. It returns the last snapshot in every case, with errTimedOut,
// errCancelled or the poll's failure when the run did not end.
func waitForEnd[S any](ctx workflow.Context, timeout time.Duration, last S, w waiter[S]) (S, error) {
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	deadline := workflow.NewTimer(timerCtx, timeout)
	early := 0
	for {
		pollCtx, cancelPoll := workflow.WithCancel(ctx)
		future := w.poll(pollCtx, last, early < progressBudget)
		var (
			next     S
			pollErr  error
			timedOut bool
		)
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(future, func(f workflow.Future) { pollErr = f.Get(ctx, &next) })
		sel.AddFuture(deadline, func(f workflow.Future) { timedOut = f.Get(ctx, nil) == nil })
		sel.Select(ctx)
		switch {
		case ctx.Err() != nil:
			cancelPoll()
			return last, errCancelled
		case timedOut:
			cancelPoll()
			return last, errTimedOut
		case pollErr != nil:
			return last, pollErr
		}
		cancelPoll()
		last = next
		w.progress(last)
		if w.ended(last) {
			return last, nil
		}
		early++
	}
}

// failWait turns a wait that ended without the run ending into the failure
// the workflow returns. A run was triggered, so every failure names it.
func failWait(ctx workflow.Context, err error, timeout time.Duration, what string, snapshot any) error {
	switch {
	case errors.Is(err, errCancelled):
		workflow.GetLogger(ctx).Warn("Workflow cancelled; the run goes on at Hightouch, which has no cancel call", "run", what)
		return temporal.NewCanceledError(snapshot)
	case errors.Is(err, errTimedOut):
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s did not end within the timeout of %s; it goes on at Hightouch", what, timeout),
			errortypes.WaitTimeout, nil, snapshot)
	}
	// A poll failed for good (e.g. the key was revoked or the sync deleted):
	// keep the cause's type so callers can branch on it.
	typ := errortypes.Of(err)
	if typ == "" {
		typ = errortypes.HightouchServerError
	}
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("waiting for %s: %s", what, rootMessage(err)), typ, err, snapshot)
}

// rootMessage is the message of the innermost error, which is the one that
// says what went wrong (the outer ones say "activity error").
func rootMessage(err error) string {
	for {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			return appErr.Message()
		}
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
