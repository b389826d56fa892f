package activities

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/jsoninput"
)

// The trigger operations are not idempotent and the API has no idempotency
// key. A retried trigger therefore first looks for a run that an earlier
// attempt created (its answer may have been lost to a 500 or a dropped
// connection) and adopts it instead of starting a second one.
const (
	// adoptSkew allows for clock difference between Temporal and Hightouch
	// when comparing a run's createdAt with the activity's schedule time.
	adoptSkew = 5 * time.Second
	// listingGrace is how long after the first attempt a run it created may
	// still be missing from ListSyncRuns; a retry looks again after it.
	listingGrace = 15 * time.Second
	// adoptPageSize and adoptMaxPages bound the search through a sync's runs.
	adoptPageSize = 50
	adoptMaxPages = 20
)

// triggerState is heartbeated around each trigger request, so that a retried
// attempt knows which earlier requests may have reached Hightouch, and when.
// (The first heartbeat of an attempt is sent synchronously, so the mark is
// on the server before the request goes out.)
type triggerState struct {
	FirstAttemptAt time.Time `json:"firstAttemptAt"`
	// Sends are the earlier requests that may have reached Hightouch, oldest
	// first (at most maxSends).
	Sends []sendWindow `json:"sends,omitempty"`
}

// sendWindow is when a request that may have reached Hightouch was out. To
// is zero when its attempt ended without saying (the worker died).
type sendWindow struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// maxSends bounds the windows remembered; older ones are long listed.
const maxSends = 20

// until is the latest time the request could have created a run.
func (w sendWindow) until() time.Time {
	if w.To.IsZero() {
		return w.From.Add(CallTimeout)
	}
	return w.To
}

// CallTimeout bounds one attempt of an API call activity (the workflows use
// it as StartToClose).
const CallTimeout = time.Minute

// beginTrigger returns the state earlier attempts left and the state of this
// attempt, which it marks on the server as about to send.
func (a *Activities) beginTrigger(ctx context.Context) (prev, cur triggerState) {
	info := activity.GetInfo(ctx)
	now := a.clock().Now()
	switch {
	case activity.HasHeartbeatDetails(ctx) && activity.GetHeartbeatDetails(ctx, &prev) == nil && !prev.FirstAttemptAt.IsZero():
	case info.Attempt > 1:
		// No mark survived: assume an earlier request may have landed any
		// time since the schedule.
		prev = triggerState{FirstAttemptAt: info.ScheduledTime, Sends: []sendWindow{{From: info.ScheduledTime, To: now}}}
	default:
		prev.FirstAttemptAt = now
	}
	cur = triggerState{FirstAttemptAt: prev.FirstAttemptAt, Sends: append(slices.Clone(prev.Sends), sendWindow{From: now})}
	if len(cur.Sends) > maxSends {
		cur.Sends = cur.Sends[len(cur.Sends)-maxSends:]
	}
	activity.RecordHeartbeat(ctx, cur)
	return prev, cur
}

// endTrigger records how this attempt's request ended: a failure that
// certainly did not reach Hightouch (any 4xx, 429 included, or the worker's
// own rate limit) drops its window; any other closes it.
func (a *Activities) endTrigger(ctx context.Context, cur triggerState, err error) {
	if err == nil {
		return
	}
	last := len(cur.Sends) - 1
	if mayHaveReached(err) {
		cur.Sends[last].To = a.clock().Now()
	} else {
		cur.Sends = cur.Sends[:last]
	}
	activity.RecordHeartbeat(ctx, cur)
}

// triggerHeartbeatEvery keeps a trigger attempt's heartbeats well inside the
// workflows' heartbeat timeout while it waits on Hightouch.
const triggerHeartbeatEvery = 2 * time.Second

// heartbeating runs f while heartbeating state, so that a worker that dies
// mid-trigger is noticed within the heartbeat timeout and the retry (which
// adopts the run, if one was created) comes soon, before a short sequence
// run could end and make a retried sequence trigger start another.
func heartbeating[T any](ctx context.Context, state triggerState, f func() (T, error)) (T, error) {
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(triggerHeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				activity.RecordHeartbeat(ctx, state)
			case <-done:
				return
			}
		}
	}()
	return f()
}

// mayHaveReached reports whether a failed request may have been acted on:
// any 5xx or transport error may have been; a 4xx (429 included) was not,
// nor a request the worker's own rate limit never let out.
func mayHaveReached(err error) bool {
	if _, local := localWait(err); local {
		return false
	}
	code := client.StatusCode(err)
	return code == 0 || code >= 500
}

// TriggerRun starts a run of a sync (or queues one behind a run in progress)
// and returns its id. A retried attempt adopts the run an earlier attempt
// created rather than start another.
func (a *Activities) TriggerRun(ctx context.Context, in TriggerRunInput) (*client.TriggerRunOutput, error) {
	return run(ctx, in.decodeError(), func() error { return requireID("syncId", in.SyncID) }, func() (*client.TriggerRunOutput, error) {
		return a.triggerSync(ctx, func() (client.ID, error) { return in.SyncID, nil }, func() (*client.TriggerRunOutput, error) {
			return a.Client.TriggerRun(ctx, in.SyncID, in.TriggerRunInput)
		})
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
	return run(ctx, in.decodeError(), check, func() (*client.TriggerRunOutput, error) {
		return a.triggerSync(ctx, syncID, func() (*client.TriggerRunOutput, error) {
			return a.Client.TriggerRunCustom(ctx, in.TriggerRunCustomInput)
		})
	})
}

// triggerSync sends a sync trigger once per run: when an earlier request
// may have reached Hightouch, it adopts the run that request created, if the
// sync lists one.
func (a *Activities) triggerSync(ctx context.Context, syncID func() (client.ID, error), send func() (*client.TriggerRunOutput, error)) (*client.TriggerRunOutput, error) {
	prev, cur := a.beginTrigger(ctx)
	if len(prev.Sends) > 0 {
		id, err := syncID()
		if err != nil {
			return nil, err
		}
		if out, err := a.adoptEarlierRun(ctx, id, prev.Sends, cur); out != nil || err != nil {
			return out, err
		}
	}
	out, err := heartbeating(ctx, cur, send)
	a.endTrigger(ctx, cur, err)
	return out, err
}

// TriggerSequenceRun starts a run of a sync sequence. A sequence never runs
// concurrently with itself: while a run is in progress the API answers with
// that run's id, so a retry after a lost answer gets the same run back. (In
// a workspace with run queueing enabled, a retry while the sequence runs
// queues one follow-up run instead; the API offers no way to look.)
func (a *Activities) TriggerSequenceRun(ctx context.Context, in TriggerSequenceRunInput) (*client.TriggerSequenceRunOutput, error) {
	check := func() error { return requireString("syncSequenceId", in.SyncSequenceID, "the id of a sync sequence") }
	return run(ctx, in.decodeError(), check, func() (*client.TriggerSequenceRunOutput, error) {
		prev, cur := a.beginTrigger(ctx)
		if len(prev.Sends) > 0 {
			activity.GetLogger(ctx).Warn("Retrying a sequence trigger; Hightouch returns the run in progress if the earlier attempt started one",
				"syncSequenceId", in.SyncSequenceID, "attempt", activity.GetInfo(ctx).Attempt)
		}
		out, err := heartbeating(ctx, cur, func() (*client.TriggerSequenceRunOutput, error) {
			return a.Client.TriggerSequenceRun(ctx, in.SyncSequenceID)
		})
		a.endTrigger(ctx, cur, err)
		return out, err
	})
}

// TriggerRunIDGraph starts a run of an identity graph. The API cannot list
// graph runs, so an attempt after one that may have reached Hightouch fails
// instead of risking a second run.
func (a *Activities) TriggerRunIDGraph(ctx context.Context, in TriggerRunIDGraphInput) (*client.TriggerRunIDGraphOutput, error) {
	check := func() error { return requireString("graphId", in.GraphID, "the id of an identity graph") }
	return run(ctx, in.decodeError(), check, func() (*client.TriggerRunIDGraphOutput, error) {
		prev, cur := a.beginTrigger(ctx)
		if len(prev.Sends) > 0 {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("TriggerRunIDGraph: an earlier attempt sent the trigger for graph %q and got no clear answer; "+
					"not sending it again, since the API cannot tell whether a run started. Check Hightouch before triggering again", in.GraphID),
				errortypes.HightouchServerError, nil)
		}
		out, err := heartbeating(ctx, cur, func() (*client.TriggerRunIDGraphOutput, error) {
			return a.Client.TriggerRunIDGraph(ctx, in.GraphID, in.TriggerRunIDGraphInput)
		})
		a.endTrigger(ctx, cur, err)
		return out, err
	})
}

// adoptEarlierRun returns the run of the sync that one of the earlier
// requests created, if one is listed: the earliest run created while such a
// request was out. cur is heartbeated while it waits.
func (a *Activities) adoptEarlierRun(ctx context.Context, syncID client.ID, sends []sendWindow, cur triggerState) (*client.TriggerRunOutput, error) {
	for look := 0; ; look++ {
		found, err := a.findRunSentIn(ctx, syncID, sends)
		if err != nil {
			return nil, err
		}
		if found != nil {
			activity.GetLogger(ctx).Info("Adopted the run an earlier trigger attempt created",
				"syncId", syncID, "runId", found.ID, "attempt", activity.GetInfo(ctx).Attempt)
			return &client.TriggerRunOutput{ID: client.RunID(found.ID.String())}, nil
		}
		// A run created moments ago may not be listed yet: look once more
		// after the grace period before concluding that none was created.
		last := sends[len(sends)-1]
		end := last.To
		if end.IsZero() {
			end = last.From
		}
		wait := end.Add(listingGrace).Sub(a.clock().Now())
		if look > 0 || wait <= 0 {
			return nil, nil
		}
		if _, err := heartbeating(ctx, cur, func() (struct{}, error) {
			return struct{}{}, a.clock().Sleep(ctx, wait)
		}); err != nil {
			return nil, err
		}
	}
}

// findRunSentIn returns the earliest run of the sync created while one of
// the requests was out (allowing for clock skew). The sort direction of
// ListSyncRuns is undocumented, so the search works whichever way pages come.
func (a *Activities) findRunSentIn(ctx context.Context, syncID client.ID, sends []sendWindow) (*client.SyncRun, error) {
	since := sends[0].From.Add(-adoptSkew)
	inWindow := func(t time.Time) bool {
		for _, w := range sends {
			if !t.Before(w.From.Add(-adoptSkew)) && !t.After(w.until().Add(adoptSkew)) {
				return true
			}
		}
		return false
	}
	params := client.ListSyncRunsParams{SyncID: syncID, ListOptions: client.ListOptions{OrderBy: client.OrderByCreatedAt, Limit: adoptPageSize}}
	var best *client.SyncRun
	for range adoptMaxPages {
		page, err := a.Client.ListSyncRuns(ctx, params)
		if err != nil {
			return nil, err
		}
		sawOlder := false
		for i := range page.Data {
			r := &page.Data[i]
			if r.CreatedAt.Before(since) {
				sawOlder = true
				continue
			}
			if inWindow(r.CreatedAt) && (best == nil || r.CreatedAt.Before(best.CreatedAt)) {
				best = r
			}
		}
		n := len(page.Data)
		newestFirst := n > 1 && !page.Data[0].CreatedAt.Before(page.Data[n-1].CreatedAt)
		if n == 0 || (page.HasMore != nil && !*page.HasMore) || (page.HasMore == nil && n < adoptPageSize) || (sawOlder && newestFirst) {
			return best, nil
		}
		params.Offset += n
	}
	if best != nil {
		return best, nil
	}
	// Sending again could start a second run: better to stop and say so.
	return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
		"an earlier trigger of sync %s may have reached Hightouch, and its run could not be looked for in the sync's first %d runs; "+
			"not triggering again. Check the sync's runs in Hightouch", syncID, adoptMaxPages*adoptPageSize),
		errortypes.HightouchServerError, nil)
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
	decodeState
}

func (in *ResolveSyncSlugInput) UnmarshalJSON(b []byte) error {
	type plain ResolveSyncSlugInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// ResolveSyncSlug returns the sync a slug names, failing with
// HightouchNotFound when none does.
func (a *Activities) ResolveSyncSlug(ctx context.Context, in ResolveSyncSlugInput) (*SyncRef, error) {
	check := func() error { return requireString("syncSlug", in.SyncSlug, "the slug of a sync") }
	return run(ctx, in.decodeError(), check, func() (*SyncRef, error) { return a.findSyncBySlug(ctx, in.SyncSlug) })
}
