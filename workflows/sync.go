package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
)

// SyncResult is the HightouchSync result: the run's final state.
type SyncResult = activities.SyncRunSnapshot

// SyncProgress is what the progress query returns while HightouchSync runs
// and after it ends.
type SyncProgress struct {
	// Phase is "resolving" (slug to id), "triggering", then the run's
	// status as last seen ("not listed" until Hightouch lists the run).
	Phase string `json:"phase"`
	// State is "running", "succeeded", "failed", "timed out" or "cancelled".
	State string `json:"state"`
	activities.SyncRunSnapshot
	// Deadline is when the wait gives up.
	Deadline *time.Time `json:"deadline,omitempty"`
}

// Workflow states reported by the progress query.
const (
	StateRunning   = "running"
	StateSucceeded = "succeeded"
	StateFailed    = "failed"
	StateTimedOut  = "timed out"
	StateCancelled = "cancelled"
)

// a is only used to name activity methods; the worker registers the real
// Activities value.
var a *activities.Activities

// HightouchSync triggers one run of a sync and waits until it ends.
//
// It triggers exactly once (a retried trigger adopts the run an earlier
// attempt created), polls that run and no other, and survives worker
// restarts, API faults and rate limits. It returns the run's final state, or
// fails with an ApplicationError typed as in package errortypes.
func HightouchSync(ctx workflow.Context, in SyncInput) (*SyncResult, error) {
	w, err := in.validate()
	if err != nil {
		return nil, err
	}
	p := &SyncProgress{Phase: "triggering", State: StateRunning}
	p.SyncID = in.SyncID
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (SyncProgress, error) { return *p, nil }); err != nil {
		return nil, err
	}
	logger := workflow.GetLogger(ctx)

	if in.SyncSlug != "" {
		p.Phase = "resolving"
		var ref activities.SyncRef
		err := workflow.ExecuteActivity(callOptions(ctx, "resolve slug "+in.SyncSlug, triggerRetryWindow),
			a.ResolveSyncSlug, activities.ResolveSyncSlugInput{SyncSlug: in.SyncSlug}).Get(ctx, &ref)
		if err != nil {
			p.State = stateOfError(ctx)
			setSyncDetails(ctx, p)
			return nil, err
		}
		p.SyncID = ref.ID
		p.Phase = "triggering"
	}

	var trig client.TriggerRunOutput
	triggerInput := activities.TriggerRunInput{SyncID: p.SyncID, TriggerRunInput: client.TriggerRunInput{
		FullResync: in.FullResync, ResetCDC: in.ResetCDC, ClearAndFill: in.ClearAndFill,
	}}
	opts := func(ctx workflow.Context) workflow.Context {
		return triggerOptions(ctx, fmt.Sprintf("trigger sync %s", p.SyncID), min(triggerRetryWindow, w.timeout))
	}
	cancelled, err := trigger(ctx, opts, a.TriggerRun, triggerInput, &trig)
	if err != nil {
		p.State = stateOfError(ctx)
		setSyncDetails(ctx, p)
		return nil, err
	}
	triggeredAt := workflow.Now(ctx)
	deadline := triggeredAt.Add(w.timeout)
	p.RunID, p.ObservedAt, p.Deadline, p.Phase = trig.ID, triggeredAt, &deadline, "not listed"
	logger.Info("Triggered sync run", "syncId", p.SyncID, "runId", p.RunID)
	setSyncDetails(ctx, p)
	if cancelled {
		p.State = StateCancelled
		setSyncDetails(ctx, p)
		return nil, failWait(ctx, errCancelled, w.timeout, runName(p.SyncRunSnapshot), p.SyncRunSnapshot)
	}

	summary := fmt.Sprintf("wait for run %s of sync %s", p.RunID, p.SyncID)
	final, err := waitForEnd(ctx, w.timeout, p.SyncRunSnapshot, waiter[activities.SyncRunSnapshot]{
		poll: func(ctx workflow.Context, last activities.SyncRunSnapshot, early bool) workflow.Future {
			return workflow.ExecuteActivity(pollOptions(ctx, summary, w.policy), a.PollSyncRun, activities.PollSyncRunInput{
				SyncID: p.SyncID, RunID: p.RunID, TriggeredAt: triggeredAt, LastStatus: last.Status, ReturnOnChange: early, Policy: w.policy,
			})
		},
		ended: activities.SyncRunSnapshot.Ended,
		progress: func(s activities.SyncRunSnapshot) {
			if s.Status != p.Status {
				logger.Info("Sync run progress", "syncId", s.SyncID, "runId", s.RunID, "status", s.Status, "completionRatio", s.CompletionRatio)
			}
			p.SyncRunSnapshot = s
			p.Phase = phaseOf(s)
			setSyncDetails(ctx, p)
		},
	})
	if err != nil {
		p.State = stateOfWaitError(err)
		setSyncDetails(ctx, p)
		return nil, failWait(ctx, err, w.timeout, runName(final), final)
	}
	res, err := syncOutcome(final, in.FailOnWarning)
	p.State = StateSucceeded
	if err != nil {
		p.State = StateFailed
	}
	setSyncDetails(ctx, p)
	recordRunMetrics(ctx, string(final.Status), final.SuccessfulRows.Total(), workflow.Now(ctx).Sub(triggeredAt))
	return res, err
}

// syncOutcome maps a finished run to the workflow's result or failure.
func syncOutcome(s activities.SyncRunSnapshot, failOnWarning bool) (*SyncResult, error) {
	var typ string
	switch s.Status.Normalize() {
	case client.RunSuccess:
		return &s, nil
	case client.RunWarning:
		if !failOnWarning {
			return &s, nil
		}
		typ = errortypes.SyncRunWarning
	case client.RunFailed:
		typ = errortypes.SyncRunFailed
	case client.RunCancelled:
		typ = errortypes.SyncRunCancelled
	case client.RunInterrupted:
		typ = errortypes.SyncRunInterrupted
	default:
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s finished with status %q, which this worker does not know; check the run in Hightouch", runName(s), s.Status),
			errortypes.SyncRunUnknownStatus, nil, s)
	}
	msg := fmt.Sprintf("%s ended %s", runName(s), s.Status)
	if s.FailedRows.Total() > 0 {
		msg += fmt.Sprintf(" (%d rows rejected)", s.FailedRows.Total())
	}
	if s.Error != "" {
		msg += ": " + s.Error
	}
	return nil, temporal.NewNonRetryableApplicationError(msg, typ, nil, s)
}

func runName(s activities.SyncRunSnapshot) string {
	return fmt.Sprintf("run %s of sync %s", s.RunID, s.SyncID)
}

func phaseOf(s activities.SyncRunSnapshot) string {
	if !s.Listed() {
		return "not listed"
	}
	return string(s.Status)
}

// stateOfError is the state of a workflow failing before its wait began.
func stateOfError(ctx workflow.Context) string {
	if ctx.Err() != nil {
		return StateCancelled
	}
	return StateFailed
}

func stateOfWaitError(err error) string {
	switch err {
	case errTimedOut:
		return StateTimedOut
	case errCancelled:
		return StateCancelled
	}
	return StateFailed
}

// setSyncDetails shows the progress in the Temporal UI's current details.
func setSyncDetails(ctx workflow.Context, p *SyncProgress) {
	s := p.SyncRunSnapshot
	var b []byte
	b = fmt.Appendf(b, "**Hightouch sync %s**, run %s: **%s** (%s)\n\n", s.SyncID, s.RunID, p.Phase, p.State)
	if s.Listed() {
		b = fmt.Appendf(b, "%.0f%% complete; rows planned %d, synced %d, failed %d; query size %d\n\n",
			100*s.CompletionRatio, s.PlannedRows.Total(), s.SuccessfulRows.Total(), s.FailedRows.Total(), s.QuerySize)
	}
	if s.Error != "" {
		b = fmt.Appendf(b, "Error: %s\n\n", s.Error)
	}
	switch p.State {
	case StateCancelled, StateTimedOut:
		b = fmt.Appendf(b, "The run goes on at Hightouch; this workflow stopped waiting.\n\n")
	}
	b = fmt.Appendf(b, "Observed %s", s.ObservedAt.UTC().Format(time.RFC3339))
	if p.Deadline != nil && p.State == StateRunning {
		b = fmt.Appendf(b, "; waiting until %s", p.Deadline.UTC().Format(time.RFC3339))
	}
	workflow.SetCurrentDetails(ctx, string(b))
}
