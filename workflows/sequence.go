package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
)

// SequenceResult is the HightouchSyncSequence result: the sequence run's
// final state with every member run and its row counts.
type SequenceResult struct {
	SequenceID string `json:"sequenceId"`
	contract.SequenceRunSnapshot
	TriggerNotes
	// RunURL is the sequence run's page in Hightouch's web app (when the
	// worker knows the workspace's address and the sequence id is known).
	RunURL string `json:"runUrl,omitempty"`
}

// SequenceProgress is what the progress query returns for a sequence.
type SequenceProgress struct {
	// Phase is "triggering", then the sequence run's status as last seen
	// ("not found" until Hightouch knows the run).
	Phase string `json:"phase"`
	// State is "running", "succeeded", "failed", "timed out" or "cancelled".
	State      string `json:"state"`
	SequenceID string `json:"sequenceId"`
	contract.SequenceRunSnapshot
	TriggerNotes
	RunURL   string     `json:"runUrl,omitempty"`
	Deadline *time.Time `json:"deadline,omitempty"`
}

// result is the progress as a result.
func (p *SequenceProgress) result() *SequenceResult {
	return &SequenceResult{SequenceID: p.SequenceID, SequenceRunSnapshot: p.SequenceRunSnapshot, TriggerNotes: p.TriggerNotes, RunURL: p.RunURL}
}

// HightouchSyncSequence triggers a run of a sync sequence and waits until it
// ends done, failed or cancelled, reporting every member run.
func HightouchSyncSequence(ctx workflow.Context, in SequenceInput) (*SequenceResult, error) {
	w, err := in.validate()
	if err != nil {
		return nil, err
	}
	p := &SequenceProgress{Phase: "triggering", State: StateRunning, SequenceID: in.SequenceID}
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (SequenceProgress, error) { return *p, nil }); err != nil {
		return nil, err
	}
	logger := workflow.GetLogger(ctx)

	requested := workflow.Now(ctx)
	deadline := requested.Add(w.timeout)
	p.Deadline = &deadline
	var t sequenceTrigger
	var settings Settings
	if workflow.GetVersion(ctx, versionOneWriter, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		t, err = triggerSequenceDirectly(ctx, in, w)
	} else {
		settings = loadSettings(ctx)
		settings.upsert(ctx, SearchAttributeSequenceID.ValueSet(in.SequenceID))
		t, err = triggerSequenceThroughWriter(ctx, in, w, requested)
	}
	p.TriggerNotes = t.notes
	if t.running != nil {
		p.SequenceRunSnapshot = *t.running
	}
	if err != nil {
		p.State = stateOfError(ctx)
		setSequenceDetails(ctx, p)
		return nil, err
	}
	if t.runID == "" {
		p.State = stateOfWaitError(t.stopped)
		setSequenceDetails(ctx, p)
		return nil, failUnstarted(t.stopped, "sequence "+in.SequenceID, w.timeout)
	}
	if t.running != nil {
		p.Phase = string(t.running.Status)
	}
	logger.Info("Triggered sequence run", "sequenceId", in.SequenceID, "sequenceRunId", t.runID,
		"adopted", t.notes.Adopted, "attached", t.notes.Attached, "skipped", t.notes.Skipped)
	return watchSequenceRun(ctx, p, sequenceWatch{
		runID: t.runID, triggeredAt: t.triggeredAt, deadline: t.deadline, stopped: t.stopped, live: t.live, wait: w,
		failOnWarning: in.FailOnWarning, limits: in.RowLimits, settings: settings,
	})
}

// sequenceWatch is a sequence run to wait on, and how.
type sequenceWatch struct {
	runID         string
	triggeredAt   time.Time
	deadline      time.Time
	stopped       error
	live          bool
	wait          wait
	failOnWarning bool
	limits        RowLimits
	settings      Settings
}

// watchSequenceRun waits on a sequence run until it ends and turns its end
// into the workflow's result or failure. p holds what is known so far.
func watchSequenceRun(ctx workflow.Context, p *SequenceProgress, sw sequenceWatch) (*SequenceResult, error) {
	logger := workflow.GetLogger(ctx)
	p.SequenceRunID, p.ObservedAt, p.Deadline = sw.runID, sw.triggeredAt, &sw.deadline
	if p.Status == "" {
		p.Phase = "not found"
	}
	p.RunURL = sw.settings.sequenceRunURL(p.SequenceID, sw.runID)
	setSequenceDetails(ctx, p)
	shownStatus := sequenceStatusAttribute(p.SequenceRunSnapshot)
	sw.settings.upsert(ctx, SearchAttributeRunID.ValueSet(sw.runID), SearchAttributeStatus.ValueSet(shownStatus))
	// showStatus keeps HightouchStatus on the run's status as it changes.
	showStatus := func(s contract.SequenceRunSnapshot) {
		if st := sequenceStatusAttribute(s); st != shownStatus {
			shownStatus = st
			sw.settings.upsert(ctx, SearchAttributeStatus.ValueSet(st))
		}
	}
	name := "run " + sw.runID
	if p.SequenceID != "" {
		name += " of sequence " + p.SequenceID
	}
	summary := "wait for " + name
	if p.RunURL != "" {
		name += " (" + p.RunURL + ")"
	}
	wt := waiter[contract.SequenceRunSnapshot]{
		poll: func(ctx workflow.Context, last contract.SequenceRunSnapshot, mode pollMode) workflow.Future {
			in := activities.PollSequenceRunInput{
				SequenceRunID: sw.runID, TriggeredAt: sw.triggeredAt, LastFingerprint: last.Fingerprint(), ReturnOnChange: mode.early, Policy: sw.wait.policy,
			}
			in.LookOnce = mode.lookOnce
			if mode.signal {
				in.ProgressSignal = progressSignal
			}
			if mode.lookOnce {
				return workflow.ExecuteActivity(lookOptions(ctx, "look at run "+sw.runID+" once more"), a.PollSequenceRun, in)
			}
			return workflow.ExecuteActivity(pollOptions(ctx, summary, sw.wait.policy), a.PollSequenceRun, in)
		},
		ended:      contract.SequenceRunSnapshot.Ended,
		observedAt: func(s contract.SequenceRunSnapshot) time.Time { return s.ObservedAt },
		progress: func(s contract.SequenceRunSnapshot) {
			logger.Info("Sequence run progress", "sequenceRunId", s.SequenceRunID, "status", s.Status, "members", len(s.SyncRuns))
			p.SequenceRunSnapshot = s
			p.Phase = string(s.Status)
			if s.Status == "" {
				p.Phase = "not found"
			}
			setSequenceDetails(ctx, p)
			showStatus(s)
		},
	}
	if p.Skipped && sw.stopped != errCancelled {
		p.State = StateSucceeded
		setSequenceDetails(ctx, p)
		return p.result(), nil
	}
	final, err := waitOn(ctx, wt, p.SequenceRunSnapshot, sw.stopped, sw.live && !p.Skipped, sw.deadline)
	p.SequenceRunSnapshot = final
	showStatus(final)
	res := p.result()
	if err != nil {
		p.State = stateOfWaitError(err)
		setSequenceDetails(ctx, p)
		return nil, failWait(ctx, err, sw.wait.timeout, name, *res)
	}
	err = sequenceOutcome(name, res, sw.failOnWarning, sw.limits)
	p.State = StateSucceeded
	if err != nil {
		p.State = StateFailed
	}
	setSequenceDetails(ctx, p)
	var rows int64
	for _, m := range final.SyncRuns {
		rows += m.SuccessfulRows.Total()
	}
	recordRunMetrics(ctx, string(final.Status), rows, workflow.Now(ctx).Sub(sw.triggeredAt))
	if err != nil {
		return nil, err
	}
	return res, nil
}

// sequenceStatusAttribute is the HightouchStatus search attribute of a
// sequence run.
func sequenceStatusAttribute(s contract.SequenceRunSnapshot) string {
	if s.Status == "" {
		return "not found"
	}
	return string(s.Status.Normalize())
}

// sequenceTrigger is how a sequence workflow's trigger step ended.
type sequenceTrigger struct {
	runID       string
	notes       TriggerNotes
	running     *contract.SequenceRunSnapshot
	triggeredAt time.Time
	deadline    time.Time
	stopped     error
	live        bool
}

// triggerSequenceThroughWriter asks the sequence's writer for a run.
func triggerSequenceThroughWriter(ctx workflow.Context, in SequenceInput, w wait, requested time.Time) (sequenceTrigger, error) {
	deadline := requested.Add(w.timeout)
	req := triggerRequest{Kind: writerSequence, SequenceID: in.SequenceID, IfRunning: in.IfRunning, RequestedAt: requested}
	reply, stopped, err := requestRun(ctx, req, writerInput{Kind: writerSequence, SequenceID: in.SequenceID}, deadline)
	t := sequenceTrigger{runID: reply.RunID, notes: reply.TriggerNotes, running: reply.SequenceRun,
		triggeredAt: workflow.Now(ctx), deadline: deadline, stopped: stopped, live: true}
	return t, replyError(reply, stopped, err, func() any {
		if reply.SequenceRun == nil {
			return nil
		}
		return SequenceResult{SequenceID: in.SequenceID, SequenceRunSnapshot: *reply.SequenceRun, TriggerNotes: reply.TriggerNotes}
	})
}

// triggerSequenceDirectly is the trigger of workflows that reached it
// before the one-writer release; they replay it as it was.
func triggerSequenceDirectly(ctx workflow.Context, in SequenceInput, w wait) (sequenceTrigger, error) {
	var trig client.TriggerSequenceRunOutput
	opts := func(ctx workflow.Context) workflow.Context {
		return triggerOptions(ctx, "trigger sequence "+in.SequenceID, min(triggerRetryWindow, w.timeout))
	}
	cancelled, err := trigger(ctx, opts, a.TriggerSequenceRun, activities.TriggerSequenceRunInput{SyncSequenceID: in.SequenceID}, &trig)
	if err != nil {
		return sequenceTrigger{}, err
	}
	now := workflow.Now(ctx)
	t := sequenceTrigger{runID: trig.ID, triggeredAt: now, deadline: now.Add(w.timeout)}
	if cancelled {
		t.stopped = errCancelled
	}
	return t, nil
}

// sequenceOutcome maps a finished sequence run to nil or its failure.
func sequenceOutcome(name string, res *SequenceResult, failOnWarning bool, limits RowLimits) error {
	var typ string
	switch res.Status.Normalize() {
	case client.SequenceDone:
		var over []string
		for _, m := range res.SyncRuns {
			if why := limits.exceededBy(contract.SyncRunSnapshot{RunNumbers: m.RunNumbers}); why != "" {
				over = append(over, fmt.Sprintf("sync %s run %s %s", m.SyncID, m.RunID, why))
			}
		}
		if len(over) > 0 {
			return temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("%s ended done but %s", name, strings.Join(over, "; ")), errortypes.SyncRunRowsRejected, nil, *res)
		}
		if !failOnWarning {
			return nil
		}
		if warned := membersWith(res, client.RunWarning); len(warned) > 0 {
			return temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("%s ended done with warnings in %s", name, strings.Join(warned, ", ")), errortypes.SyncRunWarning, nil, *res)
		}
		return nil
	case client.SequenceFailed:
		typ = errortypes.SequenceRunFailed
	case client.SequenceCancelled:
		typ = errortypes.SequenceRunCancelled
	default:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s ended with status %q, which this worker does not know; check the run in Hightouch", name, res.Status),
			errortypes.SyncRunUnknownStatus, nil, *res)
	}
	msg := fmt.Sprintf("%s ended %s", name, res.Status)
	var bad []string
	for _, m := range res.SyncRuns {
		if !m.Status.Succeeded() {
			desc := fmt.Sprintf("sync %s run %s %s", m.SyncID, m.RunID, m.Status)
			if m.Error != "" {
				desc += ": " + m.Error
			}
			bad = append(bad, desc)
		}
	}
	if len(bad) > 0 {
		msg += " (" + strings.Join(bad, "; ") + ")"
	}
	return temporal.NewNonRetryableApplicationError(msg, typ, nil, *res)
}

// membersWith names the member runs that ended with status.
func membersWith(res *SequenceResult, status client.SyncRunStatus) []string {
	var out []string
	for _, m := range res.SyncRuns {
		if m.Status.Normalize() == status {
			out = append(out, fmt.Sprintf("sync %s run %s", m.SyncID, m.RunID))
		}
	}
	return out
}

// setSequenceDetails shows the progress in the Temporal UI's current details.
func setSequenceDetails(ctx workflow.Context, p *SequenceProgress) {
	var b []byte
	b = fmt.Appendf(b, "**Hightouch sequence %s**, run %s: **%s** (%s)\n\n", p.SequenceID, p.SequenceRunID, p.Phase, p.State)
	for _, m := range p.SyncRuns {
		b = fmt.Appendf(b, "- sync %s run %s: %s\n", m.SyncID, m.RunID, m.Status)
	}
	if p.RunURL != "" {
		b = fmt.Appendf(b, "\n[Open the run in Hightouch](%s)\n", p.RunURL)
	}
	switch p.State {
	case StateCancelled, StateTimedOut:
		b = fmt.Appendf(b, "\nThe sequence run goes on at Hightouch; this workflow stopped waiting.\n")
	}
	b = fmt.Appendf(b, "\nObserved %s", p.ObservedAt.UTC().Format(time.RFC3339))
	workflow.SetCurrentDetails(ctx, string(b))
}
