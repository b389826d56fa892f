package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
)

// phaseFinding is the phase of a wait workflow looking for its run.
const phaseFinding = "waiting for a run"

// HightouchWaitForSyncRun waits for a run it did not trigger (Hightouch's
// own schedule, a dbt Cloud job, a person in the app) and reports it as
// HightouchSync does: the run named by runId, or else the first run of the
// sync created at or after createdAfter (by default, when the workflow
// started). It triggers nothing. A run that does not appear before the
// timeout fails the workflow with WaitTimeout.
func HightouchWaitForSyncRun(ctx workflow.Context, in WaitForSyncRunInput) (*SyncResult, error) {
	w, err := in.validate()
	if err != nil {
		return nil, err
	}
	p := &SyncProgress{Phase: phaseFinding, State: StateRunning}
	p.SyncID = in.SyncID
	if in.RunID != "" {
		p.Phase = "not listed"
	}
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (SyncProgress, error) { return *p, nil }); err != nil {
		return nil, err
	}
	start := workflow.Now(ctx)
	deadline := start.Add(w.timeout)
	p.Deadline = &deadline
	settings := loadSettings(ctx)
	syncID, err := resolveSync(ctx, p, in.SyncID, in.SyncSlug, w, settings)
	if err != nil {
		return nil, err
	}
	runID := in.RunID
	if runID == "" {
		// By default, runs created since the workflow was started, not since
		// a worker first ran it: it may have waited for one.
		after := workflow.GetInfo(ctx).WorkflowStartTime
		if in.CreatedAfter != nil {
			after = *in.CreatedAfter
		}
		setSyncDetails(ctx, p)
		run, err := findSyncRun(ctx, syncID, after, deadline, w)
		if err != nil {
			p.State = stateOfError(ctx)
			if errortypes.Of(err) == errortypes.WaitTimeout {
				p.State = StateTimedOut
			}
			setSyncDetails(ctx, p)
			return nil, err
		}
		p.SyncRunSnapshot = run
		runID = run.RunID
	}
	return watchSyncRun(ctx, p, syncWatch{
		runID: runID, triggeredAt: start, deadline: deadline, live: true, wait: w,
		failOnWarning: in.FailOnWarning, limits: in.RowLimits, followResumed: in.FollowResumedRun, settings: settings,
	})
}

// findSyncRun waits until the sync has a run created at or after a time and
// returns the first such run; it fails with WaitTimeout when none appears
// before the deadline, and is cancelled with the workflow.
func findSyncRun(ctx workflow.Context, syncID client.ID, after, deadline time.Time, w wait) (contract.SyncRunSnapshot, error) {
	what := fmt.Sprintf("sync %s created at or after %s", syncID, after.UTC().Format(time.RFC3339))
	remaining := deadline.Sub(workflow.Now(ctx))
	var found activities.FindSyncRunResult
	err := func() error {
		if remaining <= 0 {
			return errTimedOut
		}
		opts := workflow.WithScheduleToCloseTimeout(pollOptions(ctx, "wait for a run of "+what, w.policy), remaining)
		return workflow.ExecuteActivity(opts, a.FindSyncRun, activities.FindSyncRunInput{
			SyncID: syncID, CreatedAfter: after, Policy: w.policy,
		}).Get(ctx, &found)
	}()
	searchOver := err == errTimedOut || isTimeout(err) || errortypes.Of(err) == errortypes.StillRunning || (err == nil && found.Run == nil)
	if searchOver && ctx.Err() == nil {
		// The search's retries stop before the deadline when the next one
		// would pass it (the server then returns the last StillRunning, or
		// a timeout): look once more at the deadline.
		if wait := deadline.Sub(workflow.Now(ctx)); wait > 0 {
			_ = workflow.Sleep(ctx, wait)
		}
		if ctx.Err() == nil {
			found = activities.FindSyncRunResult{}
			err = workflow.ExecuteActivity(lookOptions(ctx, "look once more for a run of "+what), a.FindSyncRun, activities.FindSyncRunInput{
				SyncID: syncID, CreatedAfter: after, Policy: w.policy, LookOnce: true,
			}).Get(ctx, &found)
			searchOver = err != nil || found.Run == nil
		}
	}
	switch {
	case ctx.Err() != nil:
		return contract.SyncRunSnapshot{}, temporal.NewCanceledError(fmt.Sprintf("cancelled before a run of %s appeared", what))
	case searchOver:
		return contract.SyncRunSnapshot{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("no run of %s appeared within the timeout of %s", what, w.timeout), errortypes.WaitTimeout, nil)
	case err != nil:
		return contract.SyncRunSnapshot{}, failWait(ctx, err, w.timeout, "a run of "+what, nil)
	}
	workflow.GetLogger(ctx).Info("Found the sync run to wait on", "syncId", syncID, "runId", found.Run.RunID)
	return *found.Run, nil
}

// isTimeout reports whether an activity failed by running out of time.
func isTimeout(err error) bool {
	var timeout *temporal.TimeoutError
	return err != nil && errors.As(err, &timeout)
}

// HightouchWaitForSequenceRun waits for a sequence run it did not trigger
// and reports it as HightouchSyncSequence does.
func HightouchWaitForSequenceRun(ctx workflow.Context, in WaitForSequenceRunInput) (*SequenceResult, error) {
	w, err := in.validate()
	if err != nil {
		return nil, err
	}
	p := &SequenceProgress{Phase: "not found", State: StateRunning, SequenceID: in.SequenceID}
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (SequenceProgress, error) { return *p, nil }); err != nil {
		return nil, err
	}
	start := workflow.Now(ctx)
	settings := loadSettings(ctx)
	if in.SequenceID != "" {
		settings.upsert(ctx, SearchAttributeSequenceID.ValueSet(in.SequenceID))
	}
	return watchSequenceRun(ctx, p, sequenceWatch{
		runID: in.SequenceRunID, triggeredAt: start, deadline: start.Add(w.timeout), live: true, wait: w,
		failOnWarning: in.FailOnWarning, limits: in.RowLimits, settings: settings,
	})
}
