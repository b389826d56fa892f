package activities

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/internal/jsoninput"
)

// The API lists no sequence runs, so a sequence trigger whose answer was
// lost cannot be looked for the way a sync's can. What the API does offer:
// a sequence never runs concurrently with itself, and a trigger while a run
// is in progress is answered with that run's id (or, where the workspace
// queues sequence runs, with one queued follow-up run). So the writer sends
// again at once, and tells from the members' runs whether the run it got
// back began before the request (a run in progress) or after it.

// SendSequenceTriggerInput asks for one trigger of a sequence. The trigger
// writer sends it; other workflows should start HightouchSyncSequence.
type SendSequenceTriggerInput struct {
	SequenceID string `json:"sequenceId"`
	IfRunning  string `json:"ifRunning,omitempty"`
	// Recent are sequence runs the writer handed out lately; the API can
	// only tell whether one of them is in progress by asking for each.
	Recent []string `json:"recent,omitempty"`
	// Since is when the request's first send left (worker's clock; zero:
	// this send). A run that began before it was not started by the
	// request.
	Since  time.Time   `json:"since,omitzero"`
	Offset ClockOffset `json:"offset"`
	jsoninput.Tolerant
}

// SendSequenceTriggerResult is how one sequence trigger attempt ended.
type SendSequenceTriggerResult struct {
	Outcome string `json:"outcome"`
	RunID   string `json:"runId,omitempty"` // Triggered
	// Existing says Hightouch answered with a run that began before Since:
	// the sequence's run in progress, not a new one.
	Existing bool                          `json:"existing,omitempty"`
	Running  *contract.SequenceRunSnapshot `json:"running,omitempty"` // Running
	Window   *SendWindow                   `json:"window,omitempty"`  // Unclear
	Problem  *TriggerProblem               `json:"problem,omitempty"` // Rejected, NotSent
	Offset   ClockOffset                   `json:"offset"`
}

// SendSequenceTrigger sends one trigger of a sequence, after checking the
// recent runs when ifRunning asks to, and reports how it ended. It is not
// retried: the writer decides what comes next.
func (a *Activities) SendSequenceTrigger(ctx context.Context, in SendSequenceTriggerInput) (*SendSequenceTriggerResult, error) {
	if in.DecodeError() != nil {
		return nil, invalidInput(in.DecodeError())
	}
	if err := requireString("sequenceId", in.SequenceID, "the id of a sync sequence"); err != nil {
		return nil, err
	}
	var res SendSequenceTriggerResult
	offset, ran := a.sendAttempt(ctx, in.Offset, func(sc *serverClock, onSend func(SendWindow)) {
		res = a.sendSequence(ctx, sc, sequenceSend{sequenceID: in.SequenceID, ifRunning: in.IfRunning, recent: in.Recent, since: in.Since, onSend: onSend})
	})
	if !ran {
		return &SendSequenceTriggerResult{Outcome: NotSent, Problem: stoppedBeforeSend()}, nil
	}
	res.Offset = offset
	return &res, nil
}

// sequenceSend is one sequence trigger to send.
type sequenceSend struct {
	sequenceID string
	ifRunning  string
	recent     []string
	since      time.Time
	onSend     func(SendWindow)
}

func (a *Activities) sendSequence(ctx context.Context, sc *serverClock, s sequenceSend) SendSequenceTriggerResult {
	checkRunning := s.ifRunning != "" && s.ifRunning != IfRunningQueue
	if checkRunning {
		for i := len(s.recent) - 1; i >= 0; i-- {
			snap, err := a.sequenceRun(ctx, sc, s.recent[i])
			if err != nil {
				return sequenceNotSent(ctx, err)
			}
			if snap.Status != "" && !snap.Ended() {
				return SendSequenceTriggerResult{Outcome: Running, Running: &snap}
			}
		}
	}
	from := a.clock().Now()
	if s.since.IsZero() {
		s.since = from
	}
	window := SendWindow{From: from, To: a.deadline(ctx), Offset: sc.offset}
	if s.onSend != nil {
		s.onSend(window)
	}
	var out *client.TriggerSequenceRunOutput
	err := sc.call(ctx, func(ctx context.Context) (err error) {
		out, err = a.Client.TriggerSequenceRun(ctx, s.sequenceID)
		return err
	})
	switch {
	case err == nil && out.ID != "":
	case err == nil:
		//lint:ignore ST1005 Hightouch is a name
		err = errors.New("Hightouch answered the sequence trigger without a run id")
		fallthrough
	case mayHaveReached(err):
		window.To, window.Why = a.clock().Now(), describeUnclear(err)
		return SendSequenceTriggerResult{Outcome: Unclear, Window: &window}
	default:
		return sequenceNotSent(ctx, err)
	}
	res := SendSequenceTriggerResult{Outcome: Triggered, RunID: out.ID}
	handedOut := slices.Contains(s.recent, out.ID)
	snap, began, err := a.sequenceRunBegan(ctx, sc, out.ID)
	if err != nil {
		// The run id is what matters; whether it is new stays unknown.
		activity.GetLogger(ctx).Warn("Could not tell whether the sequence run Hightouch answered with is new", "sequenceRunId", out.ID, "error", err)
		res.Existing = handedOut
		return res
	}
	// It began before: the writer handed it out already, or its first
	// member's run was created before the request's first send.
	res.Existing = handedOut || began != nil && began.Before(sc.offset.earliest(s.since))
	if res.Existing && checkRunning && !snap.Ended() {
		return SendSequenceTriggerResult{Outcome: Running, RunID: out.ID, Running: &snap}
	}
	return res
}

func sequenceNotSent(ctx context.Context, err error) SendSequenceTriggerResult {
	r := notSentOrRejected(ctx, err)
	return SendSequenceTriggerResult{Outcome: r.Outcome, Problem: r.Problem}
}

// sequenceRun reads a sequence run ("" status when Hightouch does not know
// it yet).
func (a *Activities) sequenceRun(ctx context.Context, sc *serverClock, id string) (contract.SequenceRunSnapshot, error) {
	snap := contract.SequenceRunSnapshot{SequenceRunID: id, ObservedAt: a.clock().Now()}
	var r *client.SyncSequenceRun
	err := sc.call(ctx, func(ctx context.Context) (err error) { r, err = a.Client.GetSyncSequenceRun(ctx, id); return err })
	switch {
	case client.StatusCode(err) == 404:
		return snap, nil
	case err != nil:
		return snap, err
	}
	snap.Status = r.Status
	for _, m := range r.SyncRuns {
		snap.SyncRuns = append(snap.SyncRuns, contract.SequenceMemberRun{SyncID: m.SyncID, RunID: m.SyncRunID, Status: m.Status, FinishedAt: m.FinishedAt})
	}
	return snap, nil
}

// sequenceRunBegan reads a sequence run and when its first member's run was
// created (Hightouch's clock; nil when no member has started yet).
func (a *Activities) sequenceRunBegan(ctx context.Context, sc *serverClock, id string) (contract.SequenceRunSnapshot, *time.Time, error) {
	snap, err := a.sequenceRun(ctx, sc, id)
	if err != nil || len(snap.SyncRuns) == 0 {
		return snap, nil, err
	}
	first := snap.SyncRuns[0]
	for _, m := range snap.SyncRuns[1:] {
		if m.RunID < first.RunID {
			first = m
		}
	}
	var r *client.SyncRun
	err = sc.call(ctx, func(ctx context.Context) (err error) {
		r, err = a.Client.GetSyncRun(ctx, first.SyncID, client.RunID(first.RunID.String()))
		return err
	})
	if err != nil || r == nil {
		return snap, nil, err
	}
	return snap, &r.CreatedAt, nil
}
