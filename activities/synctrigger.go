package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/jsoninput"
)

// Sending a trigger is the one step that is not idempotent, and the API has
// no idempotency key. Each send is therefore one attempt that reports how it
// ended, and a send whose answer was lost ("unclear") is followed, before
// anything is sent again, by a search for the run it may have created
// (FindSyncTriggerRun). The search is exact when nothing else triggers the
// sync meanwhile, which the workflows ensure by sending every trigger of a
// sync through one writer (workflows.HightouchTriggerWriter).

// Outcomes of one trigger attempt.
const (
	// Triggered: Hightouch answered with the run's id.
	Triggered = "triggered"
	// Running: ifRunning asked not to trigger a sync that has a run in
	// progress, and it has one; nothing was sent.
	Running = "running"
	// Rejected: Hightouch refused the trigger (a 4xx other than 429); no
	// run was created and sending again will not help.
	Rejected = "rejected"
	// NotSent: the attempt failed before the trigger went out, or was told
	// to slow down (429); sending again is safe.
	NotSent = "not sent"
	// Unclear: the trigger may have reached Hightouch and created a run
	// whose id never came back (a 5xx, a timeout, a lost connection).
	Unclear = "unclear"
)

// What to do when the sync (or sequence) already has a run in progress.
const (
	IfRunningQueue  = "queue"  // trigger anyway; Hightouch queues the run
	IfRunningSkip   = "skip"   // do not trigger; report the run in progress
	IfRunningAttach = "attach" // do not trigger; wait on the run in progress
	IfRunningFail   = "fail"   // do not trigger; fail with SyncAlreadyRunning
)

// IfRunningModes lists the ifRunning values in the order the docs give them.
var IfRunningModes = []string{IfRunningQueue, IfRunningSkip, IfRunningAttach, IfRunningFail}

// SendWindow is when a trigger whose answer was lost may have reached
// Hightouch, on the worker's clock: it left no earlier than From (and no
// earlier than its request was made) and reached Hightouch no later than To.
// A gateway may still create the run a little after To (see
// Activities.LateCreation).
type SendWindow struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Offset is Hightouch's clock as known when the trigger was sent. The
	// send waited until the request was older than its uncertainty, so
	// that a run created before the request cannot fall inside the window.
	Offset ClockOffset `json:"offset"`
	// Before are the runs the sync listed just before the trigger was
	// sent: none of them can be its run.
	Before []string `json:"before,omitempty"`
	// Why says what made the answer unclear, e.g. "HTTP 504".
	Why string `json:"why"`
}

// TriggerProblem is why an attempt created no run.
type TriggerProblem struct {
	Type    string `json:"type"` // an errortypes value
	Message string `json:"message"`
	// RetryAfter is the wait Hightouch (429) or the worker's own rate
	// limit asked for.
	RetryAfter contract.Duration `json:"retryAfter,omitempty"`
	// API is the API's answer, when there was one.
	API *APIErrorDetails `json:"api,omitempty"`
}

// Retryable reports whether sending again may succeed.
func (p TriggerProblem) Retryable() bool {
	return p.Type == errortypes.HightouchRateLimited || p.Type == errortypes.HightouchServerError
}

// Err is the problem as the ApplicationError the contract promises.
func (p TriggerProblem) Err() error {
	opts := temporal.ApplicationErrorOptions{NonRetryable: !p.Retryable(), NextRetryDelay: p.RetryAfter.Std()}
	if p.API != nil {
		opts.Details = []any{*p.API}
	}
	if p.Type == errortypes.HightouchRateLimited {
		opts.Category = temporal.ApplicationErrorCategoryBenign
	}
	return temporal.NewApplicationErrorWithOptions(p.Message, p.Type, opts)
}

// SendSyncTriggerInput asks for one trigger of a sync. The trigger writer
// sends it; other workflows should start HightouchSync instead.
type SendSyncTriggerInput struct {
	SyncID  client.ID             `json:"syncId"`
	Options client.TriggerRunBody `json:"options"`
	// IfRunning is what to do when the sync has a run in progress ("" is
	// "queue").
	IfRunning string `json:"ifRunning,omitempty"`
	// RequestedAt is when the workflow asked for the run: no run created
	// before it may be taken for its run.
	RequestedAt time.Time `json:"requestedAt"`
	// Recent are runs the writer handed out lately; they count as in
	// progress until listed as ended (a new run may not be listed yet).
	Recent []client.RunID `json:"recent,omitempty"`
	Offset ClockOffset    `json:"offset"`
	jsoninput.Tolerant
}

// SendSyncTriggerResult is how one trigger attempt ended.
type SendSyncTriggerResult struct {
	Outcome string       `json:"outcome"`
	RunID   client.RunID `json:"runId,omitempty"` // Triggered
	// Running is the run in progress (Outcome Running).
	Running *contract.SyncRunSnapshot `json:"running,omitempty"`
	Window  *SendWindow               `json:"window,omitempty"`  // Unclear
	Problem *TriggerProblem           `json:"problem,omitempty"` // Rejected, NotSent
	// Offset is Hightouch's clock as measured by this attempt.
	Offset ClockOffset `json:"offset"`
}

// TriggerHeartbeat is what the trigger activities heartbeat: if an attempt
// dies, its last details tell what may have been sent (the writer reads
// them from the timeout). An attempt's first heartbeat, which the SDK sends
// before anything else happens (later ones it may hold for seconds), says
// when the attempt began and its deadline: details still "checking" or
// "sending" are those of an attempt that was stopped and may have sent
// anything in that time. Only "ended" details say what an attempt did.
type TriggerHeartbeat struct {
	Phase string `json:"phase"` // "checking", "sending", "looking", "ended"
	// Attempt, Since and Deadline: the attempt that heartbeated, when it
	// began and until when it could send (worker's clock).
	Attempt  int32     `json:"attempt,omitempty"`
	Since    time.Time `json:"since,omitzero"`
	Deadline time.Time `json:"deadline,omitzero"`
	// Sending is the send under way; To is the attempt's deadline.
	Sending *SendWindow `json:"sending,omitempty"`
	// Unclear are earlier sends whose answer was lost and whose run has
	// not been looked for yet.
	Unclear []SendWindow `json:"unclear,omitempty"`
	Offset  ClockOffset  `json:"offset"`
	// Sends are the sends release 0.1 heartbeated ({from, to}); an attempt
	// of this release that follows one of that release reads them.
	Sends []SendWindow `json:"sends,omitempty"`
}

// Heartbeat phases.
const (
	phaseChecking = "checking"
	phaseSending  = "sending"
	phaseLooking  = "looking"
	phaseEnded    = "ended"
)

// beginAttempt is the first heartbeat of a trigger attempt: carried over
// from earlier attempts, with this attempt's start and deadline.
func (a *Activities) beginAttempt(ctx context.Context, carried TriggerHeartbeat) TriggerHeartbeat {
	now := a.clock().Now()
	carried.Phase, carried.Attempt, carried.Since = phaseChecking, activity.GetInfo(ctx).Attempt, now
	carried.Deadline = a.deadline(ctx)
	carried.Sending = nil
	return carried
}

// SendSyncTrigger sends one trigger of a sync, after checking what the sync
// has in progress, and reports how it ended. It is not retried: the caller
// decides what comes next from the outcome.
func (a *Activities) SendSyncTrigger(ctx context.Context, in SendSyncTriggerInput) (*SendSyncTriggerResult, error) {
	if in.DecodeError() != nil {
		return nil, invalidInput(in.DecodeError())
	}
	if err := requireID("syncId", in.SyncID); err != nil {
		return nil, err
	}
	var res SendSyncTriggerResult
	offset, ran := a.sendAttempt(ctx, in.Offset, func(sc *serverClock, onSend func(SendWindow)) {
		res = a.sendSync(ctx, sc, syncSend{syncID: in.SyncID, opts: in.Options, ifRunning: in.IfRunning, requestedAt: in.RequestedAt, recent: in.Recent,
			onSend: onSend})
	})
	if !ran {
		return &SendSyncTriggerResult{Outcome: NotSent, Problem: stoppedBeforeSend()}, nil
	}
	res.Offset = offset
	return &res, nil
}

// sendAttempt runs the one attempt of a send activity: it heartbeats the
// attempt's start, the window of the send as it goes out (so that it is
// known should the worker die) and its end, and returns Hightouch's clock
// offset as the send left it. ran is false when the attempt was stopped
// (its first heartbeat failed) before send was called.
func (a *Activities) sendAttempt(ctx context.Context, offset ClockOffset, send func(sc *serverClock, onSend func(SendWindow))) (ClockOffset, bool) {
	st := a.beginAttempt(ctx, TriggerHeartbeat{Offset: offset})
	hb := startHeartbeats(ctx, st)
	defer hb.stop()
	if ctx.Err() != nil {
		return offset, false
	}
	sc := &serverClock{clock: a.clock(), offset: offset}
	send(sc, func(w SendWindow) {
		sending := st
		sending.Phase, sending.Sending, sending.Offset = phaseSending, &w, w.Offset
		hb.set(sending)
	})
	st.Phase = phaseEnded
	hb.set(st)
	return sc.offset, true
}

// stoppedBeforeSend is the problem of an attempt stopped before it sent.
func stoppedBeforeSend() *TriggerProblem {
	return &TriggerProblem{Type: errortypes.HightouchServerError, Message: "the attempt was stopped before it sent"}
}

// syncSend is one trigger to send.
type syncSend struct {
	syncID      client.ID
	opts        client.TriggerRunBody
	ifRunning   string
	requestedAt time.Time
	recent      []client.RunID
	// onSend records the window of the send about to go out (To is the
	// attempt's deadline), so that it is known if the worker dies.
	onSend func(SendWindow)
}

// listedBefore bounds the runs a send lists before it goes out.
const listedBefore = 25

// sendSync checks the sync's runs, applies ifRunning, waits out the clock
// uncertainty and sends the trigger once.
func (a *Activities) sendSync(ctx context.Context, sc *serverClock, s syncSend) SendSyncTriggerResult {
	newest, err := a.newestRuns(ctx, sc, s.syncID, listedBefore)
	if err != nil {
		return notSentOrRejected(ctx, err)
	}
	before := make([]string, 0, len(newest))
	for _, r := range newest {
		before = append(before, r.ID.String())
	}
	if s.ifRunning != "" && s.ifRunning != IfRunningQueue {
		running, err := a.runInProgress(ctx, sc, s.syncID, newest, s.recent)
		if err != nil {
			return notSentOrRejected(ctx, err)
		}
		if running != nil {
			return SendSyncTriggerResult{Outcome: Running, Running: running}
		}
	}
	if err := a.waitOutUncertainty(ctx, sc, s.requestedAt); err != nil {
		return notSentOrRejected(ctx, err)
	}

	from := a.clock().Now()
	window := SendWindow{From: from, To: a.deadline(ctx), Offset: sc.offset, Before: before}
	s.onSend(window)
	var out *client.TriggerRunOutput
	err = sc.call(ctx, func(ctx context.Context) (err error) {
		out, err = a.Client.TriggerRun(ctx, s.syncID, s.opts)
		return err
	})
	switch {
	case err == nil && out.ID != "":
		return SendSyncTriggerResult{Outcome: Triggered, RunID: out.ID}
	case err == nil:
		//lint:ignore ST1005 Hightouch is a name
		err = errors.New("Hightouch answered the trigger without a run id")
	case !mayHaveReached(err):
		return notSentOrRejected(ctx, err)
	}
	window.To = a.clock().Now()
	window.Why = describeUnclear(err)
	return SendSyncTriggerResult{Outcome: Unclear, Window: &window}
}

// deadline is the activity's deadline on the activities' clock (its
// context's deadline is on the real one), or a call's length from now.
func (a *Activities) deadline(ctx context.Context) time.Time {
	now := a.clock().Now()
	if d, ok := ctx.Deadline(); ok {
		return now.Add(time.Until(d))
	}
	return now.Add(CallTimeout)
}

// describeUnclear names what made a trigger's answer unclear, without the
// details of the request.
func describeUnclear(err error) string {
	if code := client.StatusCode(err); code != 0 {
		return fmt.Sprintf("HTTP %d", code)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return "no answer before the attempt's deadline"
	}
	return err.Error()
}

// notSentOrRejected describes a failure after which no run exists: one
// that retrying may fix (NotSent) or not (Rejected).
func notSentOrRejected(ctx context.Context, err error) SendSyncTriggerResult {
	p := problemOf(ctx, err)
	if p.Retryable() {
		return SendSyncTriggerResult{Outcome: NotSent, Problem: &p}
	}
	return SendSyncTriggerResult{Outcome: Rejected, Problem: &p}
}

// problemOf is the classified error as a TriggerProblem.
func problemOf(ctx context.Context, err error) TriggerProblem {
	err = classify(ctx, err)
	p := TriggerProblem{Type: errortypes.Of(err), Message: rootMessage(err)}
	if p.Type == "" {
		p.Type = errortypes.HightouchServerError
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		p.RetryAfter = contract.Duration(appErr.NextRetryDelay())
		var api APIErrorDetails
		if appErr.HasDetails() && appErr.Details(&api) == nil && api.Operation != "" {
			p.API = &api
		}
	}
	return p
}

// rootMessage is the message of the innermost ApplicationError, or the
// error's text.
func rootMessage(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	return err.Error()
}

// MinSendDelay is the least time between a request and its trigger's send.
// Hightouch's clock is read to the second (the Date header), so a window
// that opens MinSendDelay after the request, on the earliest Hightouch time
// it can be, leaves out runs created before the request but for the
// measurement's round trip.
const MinSendDelay = dateResolution

// waitOutUncertainty waits until the request is older than the uncertainty
// of Hightouch's clock, so that every run created before the request has a
// createdAt before the send's window begins (on any clock offset within the
// bounds), and a run created before the request is never taken for its run.
//
// It waits MinSendDelay at least, so that the writer can bound when an
// attempt that died without saying whether it sent could have sent.
func (a *Activities) waitOutUncertainty(ctx context.Context, sc *serverClock, requestedAt time.Time) error {
	if requestedAt.IsZero() {
		return nil
	}
	wait := requestedAt.Add(max(min(sc.offset.Uncertainty(), maxUncertainty), MinSendDelay)).Sub(a.clock().Now())
	if wait <= 0 {
		return nil
	}
	return a.clock().Sleep(ctx, wait)
}

// runInProgress is the newest run of the sync still in progress: among the
// listed runs, or among the recent runs handed out that are not listed yet.
func (a *Activities) runInProgress(ctx context.Context, sc *serverClock, syncID client.ID, listed []client.SyncRun, recent []client.RunID) (*contract.SyncRunSnapshot, error) {
	now := a.clock().Now()
	var newest *contract.SyncRunSnapshot
	consider := func(s contract.SyncRunSnapshot) {
		if s.Ended() {
			return
		}
		if newest == nil || s.CreatedAt != nil && newest.CreatedAt != nil && s.CreatedAt.After(*newest.CreatedAt) {
			newest = &s
		}
	}
	seen := map[string]bool{}
	for i := range listed {
		r := &listed[i]
		seen[r.ID.String()] = true
		consider(snapshotOf(syncID, client.RunID(r.ID.String()), r, now))
	}
	for i := len(recent) - 1; i >= 0; i-- {
		id := recent[i]
		if seen[string(id)] {
			continue
		}
		var r *client.SyncRun
		if err := sc.call(ctx, func(ctx context.Context) (err error) { r, err = a.Client.GetSyncRun(ctx, syncID, id); return err }); err != nil {
			return nil, err
		}
		s := snapshotOf(syncID, id, r, now)
		if !s.Listed() {
			// Handed out, not listed yet: a run that has only just begun.
			return &s, nil
		}
		consider(s)
	}
	return newest, nil
}

// FindSyncTriggerRunInput asks for the run an unclear trigger may have
// created.
type FindSyncTriggerRunInput struct {
	SyncID client.ID  `json:"syncId"`
	Window SendWindow `json:"window"`
	// Exclude are runs known not to be this trigger's (handed out to
	// other requests).
	Exclude []string    `json:"exclude,omitempty"`
	Offset  ClockOffset `json:"offset"`
	jsoninput.Tolerant
}

// FindSyncTriggerRunResult is what the search found.
type FindSyncTriggerRunResult struct {
	// RunID is the run created in the window ("" when none was: the
	// trigger created nothing and may be sent again).
	RunID     client.RunID `json:"runId,omitempty"`
	CreatedAt *time.Time   `json:"createdAt,omitempty"`
	// Others are further runs created in the window by someone else
	// (Hightouch's own schedule, its UI): the API cannot tell them apart.
	Others []string    `json:"others,omitempty"`
	Offset ClockOffset `json:"offset"`
}

// FindSyncTriggerRun looks for the run an unclear trigger may have created:
// a run created while the trigger may have reached Hightouch (or until a
// gateway could still create it), compared on Hightouch's clock. It
// concludes that none was created only once the runs list has been checked
// for longer than a run may take to be listed (Activities.ListingLag).
func (a *Activities) FindSyncTriggerRun(ctx context.Context, in FindSyncTriggerRunInput) (*FindSyncTriggerRunResult, error) {
	if in.DecodeError() != nil {
		return nil, invalidInput(in.DecodeError())
	}
	if err := requireID("syncId", in.SyncID); err != nil {
		return nil, err
	}
	hb := startHeartbeats(ctx, TriggerHeartbeat{Phase: phaseLooking, Unclear: []SendWindow{in.Window}, Offset: in.Offset})
	defer hb.stop()
	sc := &serverClock{clock: a.clock(), offset: in.Offset.Merge(in.Window.Offset)}
	res, _, err := a.findSyncRun(ctx, sc, in.SyncID, in.Window, in.Exclude, time.Time{})
	if err != nil {
		return nil, classify(ctx, err)
	}
	res.Offset = sc.offset
	return &res, nil
}

// findSyncRun searches until it finds the run, concludes that none was
// created (done), or reaches giveUp (not zero) without concluding.
func (a *Activities) findSyncRun(ctx context.Context, sc *serverClock, syncID client.ID, w SendWindow, exclude []string, giveUp time.Time) (res FindSyncTriggerRunResult, done bool, err error) {
	excluded := map[string]bool{}
	for _, id := range append(slices.Clone(exclude), w.Before...) {
		excluded[id] = true
	}
	interval := 2 * time.Second
	for {
		// List first: the answer's Date header measures Hightouch's clock
		// before the window is placed on it.
		runs, err := a.runsCreatedSince(ctx, sc, syncID, w.From.Add(-maxClockSkew))
		if err != nil {
			return res, false, err
		}
		// The window on Hightouch's clock: it opens when the trigger left
		// (it was sent after its request, by more than the uncertainty of
		// the offset then known) and closes when a gateway could no longer
		// create its run.
		sendOffset := w.Offset
		if !sendOffset.Known {
			// The send's own measure was lost with its attempt: take ours.
			sendOffset = sc.offset
		}
		// (createdAt is truncated to the millisecond.)
		opens := sendOffset.earliest(w.From).Add(-time.Millisecond)
		closes := sc.offset.Merge(w.Offset).latest(w.To).Add(a.lateCreation())
		var in []client.SyncRun
		for _, r := range runs {
			if !r.CreatedAt.Before(opens) && !r.CreatedAt.After(closes) && !excluded[r.ID.String()] {
				in = append(in, r)
			}
		}
		if len(in) > 0 {
			// Ours is the first created: the send came first, and anything
			// else in the window was started outside the writer.
			slices.SortStableFunc(in, func(x, y client.SyncRun) int { return x.CreatedAt.Compare(y.CreatedAt) })
			created := in[0].CreatedAt
			res = FindSyncTriggerRunResult{RunID: client.RunID(in[0].ID.String()), CreatedAt: &created}
			for _, r := range in[1:] {
				res.Others = append(res.Others, r.ID.String())
			}
			activity.GetLogger(ctx).Info("Found the run of a trigger whose answer was lost",
				"syncId", syncID, "runId", res.RunID, "why", w.Why, "others", res.Others)
			return res, true, nil
		}
		now := a.clock().Now()
		// Hightouch's now is at least this: once past the window's close by
		// the listing lag, every run created in it is listed.
		if sc.offset.earliest(now).After(closes.Add(a.listingLag())) {
			activity.GetLogger(ctx).Info("A trigger whose answer was lost created no run", "syncId", syncID, "why", w.Why)
			return res, true, nil
		}
		if !giveUp.IsZero() && now.Add(interval).After(giveUp) {
			return res, false, nil
		}
		if err := a.clock().Sleep(ctx, interval); err != nil {
			return res, false, err
		}
		interval = min(interval*2, 15*time.Second)
	}
}

// newestRuns lists the sync's n newest runs, whichever way the API sorts
// (the direction of orderBy is undocumented).
func (a *Activities) newestRuns(ctx context.Context, sc *serverClock, syncID client.ID, n int) ([]client.SyncRun, error) {
	params := client.ListSyncRunsParams{SyncID: syncID, ListOptions: client.ListOptions{OrderBy: client.OrderByCreatedAt, Limit: n}}
	var runs []client.SyncRun
	for range findMaxPages {
		var page *client.Page[client.SyncRun]
		if err := sc.call(ctx, func(ctx context.Context) (err error) { page, err = a.Client.ListSyncRuns(ctx, params); return err }); err != nil {
			return nil, err
		}
		runs = append(runs, page.Data...)
		k := len(page.Data)
		more := k > 0 && (page.HasMore != nil && *page.HasMore || page.HasMore == nil && k == n)
		newestFirst := k < 2 || !page.Data[0].CreatedAt.Before(page.Data[k-1].CreatedAt)
		if !more || newestFirst && params.Offset == 0 {
			break
		}
		params.Offset += k
	}
	slices.SortStableFunc(runs, func(x, y client.SyncRun) int { return y.CreatedAt.Compare(x.CreatedAt) })
	return runs[:min(n, len(runs))], nil
}

// Listing pages for runsCreatedSince.
const (
	findPageSize = 50
	findMaxPages = 20
)

// runsCreatedSince lists the sync's runs created at or after since (on
// Hightouch's clock). The sort direction of ListSyncRuns is undocumented,
// so it works whichever way pages come.
func (a *Activities) runsCreatedSince(ctx context.Context, sc *serverClock, syncID client.ID, since time.Time) ([]client.SyncRun, error) {
	params := client.ListSyncRunsParams{SyncID: syncID, ListOptions: client.ListOptions{OrderBy: client.OrderByCreatedAt, Limit: findPageSize}}
	var out []client.SyncRun
	for range findMaxPages {
		var page *client.Page[client.SyncRun]
		if err := sc.call(ctx, func(ctx context.Context) (err error) { page, err = a.Client.ListSyncRuns(ctx, params); return err }); err != nil {
			return nil, err
		}
		sawOlder := false
		for _, r := range page.Data {
			if r.CreatedAt.Before(since) {
				sawOlder = true
				continue
			}
			out = append(out, r)
		}
		n := len(page.Data)
		newestFirst := n > 1 && !page.Data[0].CreatedAt.Before(page.Data[n-1].CreatedAt)
		if n == 0 || (page.HasMore != nil && !*page.HasMore) || (page.HasMore == nil && n < findPageSize) || (sawOlder && newestFirst) {
			return out, nil
		}
		params.Offset += n
	}
	// Sending again could start a second run: better to stop and say so.
	return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
		"a trigger of sync %s may have created a run, and it could not be looked for in the sync's first %d runs; "+
			"not triggering again. Check the sync's runs in Hightouch", syncID, findMaxPages*findPageSize),
		errortypes.HightouchServerError, nil)
}

// listingLag and lateCreation read the worker's settings.
func (a *Activities) listingLag() time.Duration {
	if a.ListingLag > 0 {
		return a.ListingLag
	}
	return DefaultListingLag
}

func (a *Activities) lateCreation() time.Duration {
	if a.LateCreation > 0 {
		return a.LateCreation
	}
	return DefaultLateCreation
}

// Defaults of the worker's trigger settings.
const (
	// DefaultListingLag is how long a new run may take to be listed: as
	// long as a poll waits for a run that is not listed yet.
	DefaultListingLag = DefaultNotListedTimeout
	// DefaultLateCreation is how long after a trigger's answer (a 502, 503
	// or 504 from a gateway, a timeout) Hightouch may still create its run.
	DefaultLateCreation = 2 * time.Minute
)
