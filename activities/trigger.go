package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/jsoninput"
)

// CallTimeout bounds one attempt of an API call activity (the workflows use
// it as StartToClose).
const CallTimeout = time.Minute

// mayHaveReached reports whether a failed request may have been acted on:
// any 5xx, transport error or error in a 200 may have been; a 4xx (429
// included) was not, nor a request the worker's own rate limit never let
// out.
func mayHaveReached(err error) bool {
	if _, local := localWait(err); local {
		return false
	}
	return client.MayHaveBeenActedOn(err)
}

// TriggerRun starts a run of a sync (or queues one behind a run in progress)
// and returns its id. A send whose answer was lost is followed by a search
// for the run it may have created before anything is sent again, across
// attempts. Called directly, it is exact against its own attempts only:
// HightouchSync sends every trigger of a sync through one writer, which
// makes it exact against other triggers too.
func (a *Activities) TriggerRun(ctx context.Context, in TriggerRunInput) (*client.TriggerRunOutput, error) {
	return run(ctx, in.DecodeError(), func() error { return requireID("syncId", in.SyncID) }, func() (*client.TriggerRunOutput, error) {
		return a.triggerSync(ctx, func() (client.ID, error) { return in.SyncID, nil }, in.TriggerRunBody)
	})
}

// TriggerRunCustom starts a run of the sync named by syncId or syncSlug,
// with the same protection against double runs as TriggerRun.
func (a *Activities) TriggerRunCustom(ctx context.Context, in TriggerRunCustomInput) (*client.TriggerRunOutput, error) {
	check := func() error {
		switch {
		case in.SyncID == 0 && in.SyncSlug == "":
			return invalidInput(fieldProblem("syncId", "give syncId or syncSlug"))
		case in.SyncID != 0 && in.SyncSlug != "":
			return invalidInput(fieldProblem("syncSlug", "give syncId or syncSlug, not both"))
		}
		return nil
	}
	syncID := func() (client.ID, error) {
		if in.SyncID != 0 {
			return in.SyncID, nil
		}
		ref, err := a.findSyncBySlug(ctx, in.SyncSlug)
		if err != nil {
			return 0, err
		}
		return ref.ID, nil
	}
	opts := client.TriggerRunBody{FullResync: in.FullResync, ResetCDC: in.ResetCDC, ClearAndFill: in.ClearAndFill}
	return run(ctx, in.DecodeError(), check, func() (*client.TriggerRunOutput, error) { return a.triggerSync(ctx, syncID, opts) })
}

// lookingMargin is kept at the end of an attempt to report that the search
// goes on in the next one.
const lookingMargin = 5 * time.Second

// triggerSync sends a sync trigger once per run: it first looks for the run
// of every earlier send whose answer was lost (remembered in heartbeat
// details), and sends only when none created one.
func (a *Activities) triggerSync(ctx context.Context, syncID func() (client.ID, error), opts client.TriggerRunBody) (*client.TriggerRunOutput, error) {
	info := activity.GetInfo(ctx)
	st := a.beginAttempt(ctx, a.earlierSends(ctx))
	hb := startHeartbeats(ctx, st)
	defer hb.stop()
	defer func() {
		// Whatever this attempt leaves is known: its sends are in Unclear.
		st.Phase, st.Sending = phaseEnded, nil
		hb.set(st)
	}()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	id, err := syncID()
	if err != nil {
		return nil, err
	}
	sc := &serverClock{clock: a.clock(), offset: st.Offset}
	giveUp := a.deadline(ctx).Add(-lookingMargin)
	for {
		for len(st.Unclear) > 0 {
			found, done, err := a.findSyncRun(ctx, sc, id, st.Unclear[0], nil, giveUp)
			if err != nil {
				return nil, err
			}
			if found.RunID != "" {
				return &client.TriggerRunOutput{ID: found.RunID}, nil
			}
			if !done {
				return nil, stillLooking(id)
			}
			st.Unclear, st.Offset = st.Unclear[1:], sc.offset
			hb.set(st)
		}
		// The request is the activity's schedule (no later than now, should
		// the worker's clock be behind the server's).
		requested := a.serverTime(info.ScheduledTime)
		if now := a.clock().Now(); requested.After(now) {
			requested = now
		}
		res := a.sendSync(ctx, sc, syncSend{syncID: id, opts: opts, requestedAt: requested, onSend: func(w SendWindow) {
			sending := st
			sending.Phase, sending.Sending, sending.Offset = phaseSending, &w, w.Offset
			hb.set(sending)
		}})
		st.Offset = sc.offset
		switch res.Outcome {
		case Triggered:
			return &client.TriggerRunOutput{ID: res.RunID}, nil
		case Unclear:
			activity.GetLogger(ctx).Warn("A trigger's answer was lost; looking for the run it may have created before sending again",
				"syncId", id, "why", res.Window.Why)
			st.Unclear = append(st.Unclear, *res.Window)
			st.Phase = phaseChecking
			hb.set(st)
		default:
			return nil, res.Problem.Err()
		}
	}
}

// earlierSends is what earlier attempts of this activity left: the sends
// whose answer was lost. An attempt that did not end cleanly (its details
// still "checking" or "sending", from an older release, or none at all)
// may have sent at any time from its start to its deadline, which is no
// later than this attempt's.
func (a *Activities) earlierSends(ctx context.Context) TriggerHeartbeat {
	var st TriggerHeartbeat
	info := activity.GetInfo(ctx)
	deadline := a.deadline(ctx)
	lost := func(from time.Time, why string) SendWindow {
		if from.IsZero() {
			from = a.serverTime(info.ScheduledTime)
		}
		return SendWindow{From: from, To: deadline, Why: why}
	}
	have := activity.HasHeartbeatDetails(ctx) && activity.GetHeartbeatDetails(ctx, &st) == nil
	switch {
	case !have:
		if info.Attempt > 1 {
			st.Unclear = []SendWindow{lost(time.Time{}, "an earlier attempt ended without a word")}
		}
	case st.Phase == phaseEnded:
	case st.Phase == phaseSending && st.Sending != nil:
		st.Unclear = append(st.Unclear, *st.Sending)
	case st.Phase == phaseChecking || st.Phase == phaseSending:
		w := lost(st.Since, "an earlier attempt was stopped before it could say whether it sent")
		if !st.Deadline.IsZero() {
			w.To = st.Deadline
		}
		w.Offset = st.Offset
		st.Unclear = append(st.Unclear, w)
	case st.Phase == phaseLooking:
		// It only looked: its sends are in Unclear already.
	default:
		// Details of another release (0.1 heartbeated its sends as
		// "sends"): take its sends, and assume one more may have gone out.
		for _, w := range st.Sends {
			if w.To.IsZero() {
				w.To = w.From.Add(CallTimeout)
			}
			w.Why = "an attempt of an earlier release sent the trigger and got no clear answer"
			st.Unclear = append(st.Unclear, w)
		}
		st.Unclear = append(st.Unclear, lost(time.Time{}, "an attempt of an earlier release may have sent the trigger"))
	}
	if have && st.Attempt > 0 && st.Attempt < info.Attempt-1 {
		// The attempts in between left nothing.
		st.Unclear = append(st.Unclear, lost(st.Since, "an earlier attempt ended without a word"))
	}
	st.Sending, st.Sends = nil, nil
	return st
}

// stillLooking is the benign retry of an attempt that ran out of time
// before it could tell whether an earlier send created a run.
func stillLooking(syncID client.ID) error {
	return temporal.NewApplicationErrorWithOptions(
		fmt.Sprintf("still looking for the run an earlier trigger of sync %s may have created", syncID), errortypes.StillRunning,
		temporal.ApplicationErrorOptions{NextRetryDelay: time.Second, Category: temporal.ApplicationErrorCategoryBenign})
}

// TriggerSequenceRun starts a run of a sync sequence. A sequence never runs
// concurrently with itself: while a run is in progress the API answers with
// that run's id, so a send whose answer was lost is sent again at once, and
// gets the same run back if it created one and that run is still going.
// (In a workspace with sequence run queueing, the API queues one follow-up
// run instead, and the API offers no way to look for the lost one.)
func (a *Activities) TriggerSequenceRun(ctx context.Context, in TriggerSequenceRunInput) (*client.TriggerSequenceRunOutput, error) {
	check := func() error { return requireString("syncSequenceId", in.SyncSequenceID, "the id of a sync sequence") }
	return run(ctx, in.DecodeError(), check, func() (*client.TriggerSequenceRunOutput, error) {
		st := a.beginAttempt(ctx, a.earlierSends(ctx))
		hb := startHeartbeats(ctx, st)
		defer hb.stop()
		defer func() {
			st.Phase, st.Sending = phaseEnded, nil
			hb.set(st)
		}()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		sc := &serverClock{clock: a.clock(), offset: st.Offset}
		for tries := 0; ; tries++ {
			if len(st.Unclear) > 0 {
				activity.GetLogger(ctx).Warn("Sending a sequence trigger again after its answer was lost; Hightouch answers with the run in progress if the lost one started it",
					"syncSequenceId", in.SyncSequenceID, "attempt", activity.GetInfo(ctx).Attempt)
			}
			res := a.sendSequence(ctx, sc, sequenceSend{sequenceID: in.SyncSequenceID, onSend: func(w SendWindow) {
				sending := st
				sending.Phase, sending.Sending = phaseSending, &w
				hb.set(sending)
			}})
			st.Offset = sc.offset
			switch {
			case res.Outcome == Triggered:
				return &client.TriggerSequenceRunOutput{ID: res.RunID}, nil
			case res.Outcome == Unclear && tries < maxSequenceResends:
				st.Unclear = append(st.Unclear, *res.Window)
				hb.set(st)
			case res.Outcome == Unclear:
				st.Unclear = append(st.Unclear, *res.Window)
				return nil, TriggerProblem{Type: errortypes.HightouchServerError, Message: "the sequence trigger's answer was lost: " + res.Window.Why}.Err()
			default:
				return nil, res.Problem.Err()
			}
		}
	})
}

// maxSequenceResends bounds the immediate re-sends of a sequence trigger
// within one attempt.
const maxSequenceResends = 3

// TriggerRunIDGraph starts a run of an identity graph. The API cannot list
// graph runs, so an attempt after one that may have reached Hightouch fails
// instead of risking a second run.
func (a *Activities) TriggerRunIDGraph(ctx context.Context, in TriggerRunIDGraphInput) (*client.TriggerRunIDGraphOutput, error) {
	check := func() error { return requireString("graphId", in.GraphID, "the id of an identity graph") }
	return run(ctx, in.DecodeError(), check, func() (*client.TriggerRunIDGraphOutput, error) {
		st := a.earlierSends(ctx)
		if len(st.Unclear) > 0 {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("TriggerRunIDGraph: an earlier attempt may have sent the trigger for graph %q and got no clear answer; "+
					"not sending it again, since the API cannot tell whether a run started. Check Hightouch before triggering again", in.GraphID),
				errortypes.HightouchServerError, nil)
		}
		st = a.beginAttempt(ctx, st)
		hb := startHeartbeats(ctx, st)
		defer hb.stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		from := a.clock().Now()
		sending := st
		sending.Phase, sending.Sending = phaseSending, &SendWindow{From: from, To: a.deadline(ctx)}
		hb.set(sending)
		out, err := a.Client.TriggerRunIDGraph(ctx, in.GraphID, in.TriggerRunIDGraphBody)
		if err != nil && mayHaveReached(err) {
			st.Unclear = []SendWindow{{From: from, To: a.clock().Now(), Why: describeUnclear(err)}}
		}
		st.Phase = phaseEnded
		hb.set(st)
		return out, err
	})
}

// SyncRef identifies a sync.
type SyncRef struct {
	ID   client.ID `json:"id"`
	Slug string    `json:"slug"`
}

// findSyncBySlug resolves a slug to the sync it names.
func (a *Activities) findSyncBySlug(ctx context.Context, slug string) (*SyncRef, error) {
	page, err := a.Client.ListSync(ctx, client.ListSyncParams{Slug: slug, ListOptions: client.ListOptions{Limit: 2}})
	if err != nil {
		return nil, err
	}
	for _, s := range page.Data {
		if s.Slug == slug {
			return &SyncRef{ID: s.ID, Slug: s.Slug}, nil
		}
	}
	return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("no sync has the slug %q", slug), errortypes.HightouchNotFound, nil)
}

// ResolveSyncSlugInput names a sync by its slug.
type ResolveSyncSlugInput struct {
	SyncSlug string `json:"syncSlug"`
	jsoninput.Tolerant
}

// ResolveSyncSlug returns the sync a slug names, failing with
// HightouchNotFound when none does.
func (a *Activities) ResolveSyncSlug(ctx context.Context, in ResolveSyncSlugInput) (*SyncRef, error) {
	check := func() error { return requireString("syncSlug", in.SyncSlug, "the slug of a sync") }
	return run(ctx, in.DecodeError(), check, func() (*SyncRef, error) { return a.findSyncBySlug(ctx, in.SyncSlug) })
}
