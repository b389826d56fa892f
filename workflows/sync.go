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

// SyncResult is the HightouchSync result: the run's final state (or, when
// ifRunning is "skip" and a run was in progress, that run as last seen), and
// how the workflow came by the run.
type SyncResult struct {
	contract.SyncRunSnapshot
	TriggerNotes
	// ResumedFrom are the interrupted runs this one resumes, oldest first
	// (followResumedRun).
	ResumedFrom []client.RunID `json:"resumedFrom,omitempty"`
	// RunURL is the run's page in Hightouch's web app (when the worker
	// knows the workspace's address).
	RunURL string `json:"runUrl,omitempty"`
}

// SyncProgress is what the progress query returns while HightouchSync runs
// and after it ends.
type SyncProgress struct {
	// Phase is "resolving" (slug to id), "triggering", then the run's
	// status as last seen ("not listed" until Hightouch lists the run).
	Phase string `json:"phase"`
	// State is "running", "succeeded", "failed", "timed out" or "cancelled".
	State string `json:"state"`
	contract.SyncRunSnapshot
	TriggerNotes
	ResumedFrom []client.RunID `json:"resumedFrom,omitempty"`
	RunURL      string         `json:"runUrl,omitempty"`
	// Deadline is when the wait gives up.
	Deadline *time.Time `json:"deadline,omitempty"`
}

// result is the progress as a result.
func (p *SyncProgress) result() SyncResult {
	return SyncResult{SyncRunSnapshot: p.SyncRunSnapshot, TriggerNotes: p.TriggerNotes, ResumedFrom: p.ResumedFrom, RunURL: p.RunURL}
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
// It triggers exactly once: every trigger of a sync goes through the sync's
// trigger writer, which hands each workflow its own run, finds the run of a
// trigger whose answer was lost instead of sending it again, and applies
// ifRunning. It polls that run and no other, and survives worker restarts,
// API faults and rate limits. It returns the run's final state, or fails
// with an ApplicationError typed as in package errortypes.
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
	// The timeout counts from here: resolving the slug and the trigger
	// are part of it.
	requested := workflow.Now(ctx)
	deadline := requested.Add(w.timeout)
	p.Deadline = &deadline
	// Workflows that began before the one-writer release trigger directly
	// and wait as they did; they replay that way.
	live := workflow.GetVersion(ctx, versionOneWriter, workflow.DefaultVersion, 1) == 1
	var settings Settings
	if live {
		settings = loadSettings(ctx)
	}
	syncID, err := resolveSync(ctx, p, in.SyncID, in.SyncSlug, w, settings)
	if err != nil {
		return nil, err
	}

	var t syncTrigger
	if live {
		t, err = triggerSyncThroughWriter(ctx, syncID, in, w, requested)
	} else {
		t, err = triggerSyncDirectly(ctx, syncID, in, w)
	}
	p.TriggerNotes = t.notes
	if t.running != nil {
		p.SyncRunSnapshot = *t.running
	}
	if err != nil {
		p.State = stateOfError(ctx)
		setSyncDetails(ctx, p)
		return nil, err
	}
	if t.runID == "" {
		// Withdrawn before anything was sent: no run was started.
		p.State = stateOfWaitError(t.stopped)
		setSyncDetails(ctx, p)
		return nil, failUnstarted(t.stopped, fmt.Sprintf("sync %s", syncID), w.timeout)
	}
	workflow.GetLogger(ctx).Info("Triggered sync run", "syncId", syncID, "runId", t.runID,
		"adopted", t.notes.Adopted, "attached", t.notes.Attached, "skipped", t.notes.Skipped)
	if afterTrigger != nil && t.live {
		afterTrigger(ctx)
	}
	return watchSyncRun(ctx, p, syncWatch{
		runID: t.runID, triggeredAt: t.triggeredAt, deadline: t.deadline, stopped: t.stopped, live: t.live, wait: w,
		failOnWarning: in.FailOnWarning, limits: in.RowLimits, followResumed: in.FollowResumedRun, settings: settings,
	})
}

// resolveSync returns the sync's id, resolving its slug, and sets the
// search attributes that name it.
func resolveSync(ctx workflow.Context, p *SyncProgress, syncID client.ID, slug string, w wait, settings Settings) (client.ID, error) {
	if slug != "" {
		phase := p.Phase
		p.Phase = "resolving"
		var ref activities.SyncRef
		err := workflow.ExecuteActivity(callOptions(ctx, "resolve slug "+slug, min(triggerRetryWindow, w.timeout)),
			a.ResolveSyncSlug, activities.ResolveSyncSlugInput{SyncSlug: slug}).Get(ctx, &ref)
		if err != nil {
			p.State = stateOfError(ctx)
			if ctx.Err() == nil && w.timeout < triggerRetryWindow && retryable(err) {
				// Its retries were cut short by the workflow's timeout.
				p.State = StateTimedOut
				err = failUnstarted(errTimedOut, "sync "+slug, w.timeout)
			}
			setSyncDetails(ctx, p)
			return 0, err
		}
		syncID = ref.ID
		p.SyncID = syncID
		p.Phase = phase
	}
	updates := []temporal.SearchAttributeUpdate{SearchAttributeSyncID.ValueSet(syncID.String())}
	if slug != "" {
		updates = append(updates, SearchAttributeSyncSlug.ValueSet(slug))
	}
	settings.upsert(ctx, updates...)
	return syncID, nil
}

// syncWatch is a run to wait on, and how.
type syncWatch struct {
	runID       client.RunID
	triggeredAt time.Time
	deadline    time.Time
	// stopped: the workflow was cancelled or timed out before it could
	// wait (it still looks at the run once).
	stopped       error
	live          bool
	wait          wait
	failOnWarning bool
	limits        RowLimits
	followResumed bool
	settings      Settings
}

// maxResumes bounds how many interrupted runs in a row a wait follows.
const maxResumes = 5

// resumeWithin is how long after an interrupted run ends its resume is
// waited for.
const resumeWithin = 30 * time.Minute

// watchSyncRun waits on a run until it ends, following the runs an
// interrupted one is resumed in when asked, and turns its end into the
// workflow's result or failure. p holds what is known of the run so far.
func watchSyncRun(ctx workflow.Context, p *SyncProgress, sw syncWatch) (*SyncResult, error) {
	logger := workflow.GetLogger(ctx)
	p.RunID, p.ObservedAt, p.Deadline = sw.runID, sw.triggeredAt, &sw.deadline
	p.RunURL = sw.settings.syncRunURL(p.SyncID, p.RunID)
	p.Phase = phaseOf(p.SyncRunSnapshot)
	setSyncDetails(ctx, p)
	shownStatus := statusAttribute(p.SyncRunSnapshot)
	sw.settings.upsert(ctx, SearchAttributeRunID.ValueSet(string(p.RunID)), SearchAttributeStatus.ValueSet(shownStatus))
	// showStatus keeps HightouchStatus on the run's status as it changes.
	showStatus := func(s contract.SyncRunSnapshot, updates ...temporal.SearchAttributeUpdate) {
		if st := statusAttribute(s); st != shownStatus || len(updates) > 0 {
			shownStatus = st
			sw.settings.upsert(ctx, append(updates, SearchAttributeStatus.ValueSet(st))...)
		}
	}

	summary := fmt.Sprintf("wait for run %s of sync %s", p.RunID, p.SyncID)
	wt := waiter[contract.SyncRunSnapshot]{
		poll: func(ctx workflow.Context, last contract.SyncRunSnapshot, mode pollMode) workflow.Future {
			in := activities.PollSyncRunInput{
				SyncID: p.SyncID, RunID: p.RunID, TriggeredAt: sw.triggeredAt, LastStatus: last.Status, ReturnOnChange: mode.early, Policy: sw.wait.policy,
			}
			in.LookOnce = mode.lookOnce
			if mode.signal {
				in.ProgressSignal = progressSignal
			}
			if mode.lookOnce {
				return workflow.ExecuteActivity(lookOptions(ctx, "look at run "+string(p.RunID)+" once more"), a.PollSyncRun, in)
			}
			return workflow.ExecuteActivity(pollOptions(ctx, summary, sw.wait.policy), a.PollSyncRun, in)
		},
		ended:      contract.SyncRunSnapshot.Ended,
		observedAt: func(s contract.SyncRunSnapshot) time.Time { return s.ObservedAt },
		progress: func(s contract.SyncRunSnapshot) {
			if s.Status != p.Status {
				logger.Info("Sync run progress", "syncId", s.SyncID, "runId", s.RunID, "status", s.Status, "completionRatio", s.CompletionRatio)
			}
			p.SyncRunSnapshot = s
			p.Phase = phaseOf(s)
			setSyncDetails(ctx, p)
			showStatus(s)
		},
	}
	final := p.SyncRunSnapshot
	var err error
	if p.Skipped && sw.stopped != errCancelled {
		p.State = StateSucceeded
		setSyncDetails(ctx, p)
		res := p.result()
		return &res, nil
	}
	for resumes := 0; ; resumes++ {
		// A cancelled skip has no run of its own to look at.
		final, err = waitOn(ctx, wt, final, sw.stopped, sw.live && !p.Skipped, sw.deadline)
		if err != nil || !sw.followResumed || final.Status.Normalize() != client.RunInterrupted || resumes >= maxResumes || final.FinishedAt == nil {
			break
		}
		next, ok := findResumedRun(ctx, final, sw)
		if ctx.Err() != nil {
			err = errCancelled
			break
		}
		if !ok {
			p.Note = joinNotes(p.Note, fmt.Sprintf("run %s ended interrupted and no run resumed it within %s or the workflow's timeout", final.RunID, resumeWithin))
			break
		}
		logger.Info("Following the run that resumes an interrupted one", "syncId", p.SyncID, "interrupted", final.RunID, "runId", next.RunID)
		p.ResumedFrom = append(p.ResumedFrom, final.RunID)
		p.SyncRunSnapshot, p.RunID = next, next.RunID
		p.RunURL = sw.settings.syncRunURL(p.SyncID, p.RunID)
		p.Phase = phaseOf(next)
		final = next
		setSyncDetails(ctx, p)
		showStatus(next, SearchAttributeRunID.ValueSet(string(next.RunID)))
	}
	p.SyncRunSnapshot = final
	showStatus(final)
	if err != nil {
		p.State = stateOfWaitError(err)
		setSyncDetails(ctx, p)
		return nil, failWait(ctx, err, sw.wait.timeout, runName(final, p.RunURL), p.result())
	}
	res, err := syncOutcome(p.result(), sw.failOnWarning, sw.limits)
	p.State = StateSucceeded
	if err != nil {
		p.State = StateFailed
	}
	setSyncDetails(ctx, p)
	recordRunMetrics(ctx, string(final.Status), final.SuccessfulRows.Total(), workflow.Now(ctx).Sub(sw.triggeredAt))
	return res, err
}

// findResumedRun waits for the run Hightouch resumes an interrupted one in:
// the first run of the sync created at or after the interrupted one
// finished, within resumeWithin (and the workflow's deadline).
func findResumedRun(ctx workflow.Context, interrupted contract.SyncRunSnapshot, sw syncWatch) (contract.SyncRunSnapshot, bool) {
	window := min(resumeWithin, sw.deadline.Sub(workflow.Now(ctx)))
	if window <= 0 {
		return interrupted, false
	}
	opts := pollOptions(ctx, "find the run that resumes run "+string(interrupted.RunID), sw.wait.policy)
	opts = workflow.WithScheduleToCloseTimeout(opts, window)
	var found activities.FindSyncRunResult
	err := workflow.ExecuteActivity(opts, a.FindSyncRun, activities.FindSyncRunInput{
		SyncID: interrupted.SyncID, CreatedAfter: *interrupted.FinishedAt, OnHightouchClock: true,
		Exclude: []client.RunID{interrupted.RunID}, Policy: sw.wait.policy,
	}).Get(ctx, &found)
	if err != nil || found.Run == nil {
		return interrupted, false
	}
	return *found.Run, true
}

// statusAttribute is the HightouchStatus search attribute of a run.
func statusAttribute(s contract.SyncRunSnapshot) string {
	if !s.Listed() {
		return "not listed"
	}
	return string(s.Status.Normalize())
}

// RollingDeployChangeID is the change id of the rolling-deploy test's
// deliberate change (rollingdeploy_change.go).
const RollingDeployChangeID = "rolling-deploy-test-change"

// afterTrigger is where the rolling-deploy test's "next release" makes a
// deliberate, versioned change (rollingdeploy_change.go, compiled only into
// that test's worker); nil in the product.
var afterTrigger func(ctx workflow.Context)

// syncTrigger is how a workflow's trigger step ended.
type syncTrigger struct {
	runID client.RunID
	notes TriggerNotes
	// running is the run in progress that ifRunning found.
	running     *contract.SyncRunSnapshot
	triggeredAt time.Time
	deadline    time.Time
	// stopped is errCancelled or errTimedOut when the workflow stopped
	// before it could wait: a run it started goes on unwatched.
	stopped error
	// live: the wait reports progress by signal and looks once more at
	// the deadline (workflows that began with the one-writer release).
	live bool
}

// triggerSyncThroughWriter asks the sync's writer for a run.
func triggerSyncThroughWriter(ctx workflow.Context, syncID client.ID, in SyncInput, w wait, requested time.Time) (syncTrigger, error) {
	deadline := requested.Add(w.timeout)
	req := triggerRequest{Kind: writerSync, SyncID: syncID, IfRunning: in.IfRunning, RequestedAt: requested,
		Options: client.TriggerRunBody{FullResync: in.FullResync, ResetCDC: in.ResetCDC, ClearAndFill: in.ClearAndFill}}
	reply, stopped, err := requestRun(ctx, req, writerInput{Kind: writerSync, SyncID: syncID}, deadline)
	t := syncTrigger{runID: client.RunID(reply.RunID), notes: reply.TriggerNotes, running: reply.SyncRun,
		triggeredAt: workflow.Now(ctx), deadline: deadline, stopped: stopped, live: true}
	return t, replyError(reply, stopped, err, func() any {
		if reply.SyncRun == nil {
			return nil
		}
		return SyncResult{SyncRunSnapshot: *reply.SyncRun, TriggerNotes: reply.TriggerNotes}
	})
}

// triggerSyncDirectly is the trigger of workflows that reached it before
// the one-writer release; they replay it as it was.
func triggerSyncDirectly(ctx workflow.Context, syncID client.ID, in SyncInput, w wait) (syncTrigger, error) {
	var trig client.TriggerRunOutput
	triggerInput := activities.TriggerRunInput{SyncID: syncID, TriggerRunBody: client.TriggerRunBody{
		FullResync: in.FullResync, ResetCDC: in.ResetCDC, ClearAndFill: in.ClearAndFill,
	}}
	opts := func(ctx workflow.Context) workflow.Context {
		return triggerOptions(ctx, fmt.Sprintf("trigger sync %s", syncID), min(triggerRetryWindow, w.timeout))
	}
	cancelled, err := trigger(ctx, opts, a.TriggerRun, triggerInput, &trig)
	if err != nil {
		return syncTrigger{}, err
	}
	now := workflow.Now(ctx)
	t := syncTrigger{runID: trig.ID, triggeredAt: now, deadline: now.Add(w.timeout)}
	if cancelled {
		t.stopped = errCancelled
	}
	return t, nil
}

// retryable reports whether an activity's failure was one its retries
// could have fixed (API faults, timeouts), had they had the time.
func retryable(err error) bool {
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		return true
	}
	typ := errortypes.Of(err)
	return typ == errortypes.HightouchRateLimited || typ == errortypes.HightouchServerError
}

// failUnstarted is the failure of a workflow that stopped (cancelled or
// timed out) before its trigger was sent.
func failUnstarted(stopped error, what string, timeout time.Duration) error {
	if errors.Is(stopped, errTimedOut) {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("no run of %s was started within the timeout of %s (the trigger waited its turn or kept failing)", what, timeout),
			errortypes.WaitTimeout, nil)
	}
	return temporal.NewCanceledError(fmt.Sprintf("cancelled before a run of %s was started", what))
}

// syncOutcome maps a finished run to the workflow's result or failure.
func syncOutcome(s SyncResult, failOnWarning bool, limits RowLimits) (*SyncResult, error) {
	var typ string
	name := runName(s.SyncRunSnapshot, s.RunURL)
	switch s.Status.Normalize() {
	case client.RunSuccess, client.RunWarning:
		if over := limits.exceededBy(s.SyncRunSnapshot); over != "" {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("%s ended %s but %s", name, s.Status, over), errortypes.SyncRunRowsRejected, nil, s)
		}
		if s.Status.Normalize() == client.RunSuccess || !failOnWarning {
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
			fmt.Sprintf("%s finished with status %q, which this worker does not know; check the run in Hightouch", name, s.Status),
			errortypes.SyncRunUnknownStatus, nil, s)
	}
	msg := fmt.Sprintf("%s ended %s", name, s.Status)
	if s.FailedRows.Total() > 0 {
		msg += fmt.Sprintf(" (%d rows rejected)", s.FailedRows.Total())
	}
	if s.Error != "" {
		msg += ": " + s.Error
	}
	if typ == errortypes.SyncRunInterrupted && s.Note != "" {
		msg += " (" + s.Note + ")"
	}
	return nil, temporal.NewNonRetryableApplicationError(msg, typ, nil, s)
}

// joinNotes appends a note to the notes so far.
func joinNotes(notes, note string) string {
	if notes == "" {
		return note
	}
	return notes + "; " + note
}

// runName names a run in messages, with its page in Hightouch when known.
func runName(s contract.SyncRunSnapshot, url string) string {
	name := fmt.Sprintf("run %s of sync %s", s.RunID, s.SyncID)
	if url != "" {
		name += " (" + url + ")"
	}
	return name
}

func phaseOf(s contract.SyncRunSnapshot) string {
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
	if p.Note != "" {
		b = fmt.Appendf(b, "Note: %s\n\n", p.Note)
	}
	if len(p.ResumedFrom) > 0 {
		b = fmt.Appendf(b, "Resumes interrupted run(s) %v\n\n", p.ResumedFrom)
	}
	if p.RunURL != "" {
		b = fmt.Appendf(b, "[Open the run in Hightouch](%s)\n\n", p.RunURL)
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
