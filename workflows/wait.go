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
// report progress in the old protocol (workflows that began before live
// progress), so that history stays small whatever the run does.
const progressBudget = 5

// progressSignal is the signal by which a poll sends its workflow the run's
// progress: at every phase change and every doubling of the time since the
// trigger, so the view stays fresh at 4 history events a report.
const progressSignal = "hightouch-progress"

// pollMode is how a poll activity reports progress.
type pollMode struct {
	// early: return at the next phase change (the old protocol).
	early bool
	// signal: report by signal; return only at the end.
	signal bool
	// lookOnce: read the run once and return what was seen.
	lookOnce bool
}

// waiter describes how to wait on one kind of run.
type waiter[S any] struct {
	// poll starts a poll activity from the last snapshot seen.
	poll func(ctx workflow.Context, last S, mode pollMode) workflow.Future
	// ended reports whether the run is over.
	ended func(S) bool
	// observedAt is when a snapshot was read (late signals are dropped).
	observedAt func(S) time.Time
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
// errCancelled or the poll's failure when the run did not end. live selects
// the protocol of workflows that began with live progress: reports by
// signal, and one last look at the run when the deadline passes, so that a
// run that ended meanwhile is never reported as timed out.
func waitForEnd[S any](ctx workflow.Context, timeout time.Duration, last S, live bool, w waiter[S]) (S, error) {
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	deadline := workflow.NewTimer(timerCtx, timeout)
	reports := workflow.GetSignalChannel(ctx, progressSignal)
	early := 0
	for {
		pollCtx, cancelPoll := workflow.WithCancel(ctx)
		future := w.poll(pollCtx, last, pollMode{early: !live && early < progressBudget, signal: live})
		var (
			next     S
			pollErr  error
			done     bool
			timedOut bool
		)
		for !done && !timedOut && ctx.Err() == nil {
			sel := workflow.NewSelector(ctx)
			sel.AddFuture(future, func(f workflow.Future) { pollErr, done = f.Get(ctx, &next), true })
			sel.AddFuture(deadline, func(f workflow.Future) { timedOut = f.Get(ctx, nil) == nil })
			if live {
				sel.AddReceive(reports, func(c workflow.ReceiveChannel, _ bool) {
					var s S
					c.Receive(ctx, &s)
					if !w.observedAt(s).Before(w.observedAt(last)) {
						last = s
						w.progress(s)
					}
				})
			}
			sel.Select(ctx)
		}
		switch {
		case ctx.Err() != nil:
			cancelPoll()
			return last, errCancelled
		case timedOut:
			cancelPoll()
			if live {
				if s, ok := lastLook(ctx, last, w); ok {
					last = s
					if w.ended(s) {
						return s, nil
					}
				}
			}
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

// waitOn waits on a run until it ends or the deadline passes. stopped says
// the workflow was cancelled (errCancelled) or timed out (errTimedOut)
// while its trigger was under way: it then looks at the run once, so that
// the run it started is reported as it stands (a cancelled workflow looks
// from a disconnected context).
func waitOn[S any](ctx workflow.Context, w waiter[S], last S, stopped error, live bool, deadline time.Time) (S, error) {
	switch {
	case stopped == errCancelled:
		if live {
			look, _ := workflow.NewDisconnectedContext(ctx)
			last, _ = lastLook(look, last, w)
		}
		return last, errCancelled
	case stopped == errTimedOut:
		if live {
			if last, _ = lastLook(ctx, last, w); w.ended(last) {
				return last, nil
			}
		}
		return last, errTimedOut
	}
	return waitForEnd(ctx, max(deadline.Sub(workflow.Now(ctx)), time.Millisecond), last, live, w)
}

// lastLook reads the run once more when the deadline passes; ok is false
// when it could not be read (the wait then times out on what it knew).
func lastLook[S any](ctx workflow.Context, last S, w waiter[S]) (S, bool) {
	var s S
	if err := w.poll(ctx, last, pollMode{lookOnce: true}).Get(ctx, &s); err != nil {
		workflow.GetLogger(ctx).Warn("Could not look at the run once more at the deadline", "error", err)
		return last, false
	}
	w.progress(s)
	return s, true
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
