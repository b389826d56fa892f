package activities

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/jsoninput"
)

// How a wait polls. While a run is young, one activity polls it in a loop
// with heartbeats, so that a short run is noticed within MinInterval. Once
// the run is older than HoldWindow, each attempt polls once and, if nothing
// changed, fails with a benign StillRunning error whose NextRetryDelay is the
// next interval: the server's retry timer carries the wait and no worker
// slot is held between polls. Retries are not written to history, so a
// day-long wait costs the same history as a minute-long one.
//
// The interval is MinInterval during the first minute, then a tenth of the
// time since the trigger (a run is noticed within 10% of its length), capped
// at MaxInterval.
const (
	DefaultMinInterval      = 2 * time.Second
	DefaultMaxInterval      = 30 * time.Second
	DefaultHoldWindow       = 2 * time.Minute
	DefaultNotListedTimeout = 10 * time.Minute
)

// maxLoopSleep is the longest the hold-window loop sleeps between polls; a
// longer interval (a large minimum, or a busy worker's fair share) goes to
// the server's retry timer, well inside the poll's 30 s heartbeat timeout.
const maxLoopSleep = 15 * time.Second

// PollPolicy bounds how often a wait polls. Zero fields take the defaults.
type PollPolicy struct {
	MinInterval      contract.Duration `json:"minInterval,omitempty"`
	MaxInterval      contract.Duration `json:"maxInterval,omitempty"`
	HoldWindow       contract.Duration `json:"holdWindow,omitempty"`
	NotListedTimeout contract.Duration `json:"notListedTimeout,omitempty"`
}

// WithDefaults fills zero fields with the defaults.
func (p PollPolicy) WithDefaults() PollPolicy {
	if p.MinInterval <= 0 {
		p.MinInterval = contract.Duration(DefaultMinInterval)
	}
	if p.MaxInterval <= 0 {
		p.MaxInterval = contract.Duration(max(DefaultMaxInterval, p.MinInterval.Std()))
	}
	if p.HoldWindow < 0 {
		p.HoldWindow = 0
	} else if p.HoldWindow == 0 {
		p.HoldWindow = contract.Duration(DefaultHoldWindow)
	}
	if p.NotListedTimeout <= 0 {
		p.NotListedTimeout = contract.Duration(DefaultNotListedTimeout)
	}
	return p
}

// Interval is the wait before the next poll of a run triggered elapsed ago.
func (p PollPolicy) Interval(elapsed time.Duration) time.Duration {
	p = p.WithDefaults()
	d := p.MinInterval.Std()
	if elapsed >= time.Minute {
		d = elapsed / 10
	}
	return min(max(d, p.MinInterval.Std()), p.MaxInterval.Std())
}

// PollSyncRunInput asks for the state of one sync run.
type PollSyncRunInput struct {
	SyncID client.ID    `json:"syncId"`
	RunID  client.RunID `json:"runId"`
	// TriggeredAt is when the run was triggered; intervals grow with the
	// time since.
	TriggeredAt time.Time `json:"triggeredAt"`
	// LastStatus is the status the caller last saw ("" = not listed yet).
	LastStatus client.SyncRunStatus `json:"lastStatus,omitempty"`
	// ReturnOnChange returns as soon as the status differs from LastStatus,
	// not only when the run ends.
	ReturnOnChange bool       `json:"returnOnChange,omitempty"`
	Policy         PollPolicy `json:"policy"`
	progressOptions
	jsoninput.Tolerant
}

// progressOptions say how a poll keeps its workflow's view of the run
// fresh while it waits, and how it ends.
type progressOptions struct {
	// ProgressSignal, when set, names the signal by which the poll sends
	// its workflow a snapshot at every phase change and at every doubling
	// of the time since the trigger (1, 2, 4, 8, ... minutes); the
	// activity then returns only when the run ends. (Without a way to
	// signal, it returns at those moments instead.)
	ProgressSignal string `json:"progressSignal,omitempty"`
	// LookOnce reads the run once and returns what it saw, ended or not:
	// the last look when the workflow's deadline passes.
	LookOnce bool `json:"lookOnce,omitempty"`
}

// PollSyncRun waits on a sync run until it ends or, with ReturnOnChange,
// until its status changes, and returns what it saw.
func (a *Activities) PollSyncRun(ctx context.Context, in PollSyncRunInput) (*contract.SyncRunSnapshot, error) {
	check := func() error {
		if err := requireID("syncId", in.SyncID); err != nil {
			return err
		}
		return requireString("runId", string(in.RunID), "the run id a trigger returned")
	}
	return run(ctx, in.DecodeError(), check, func() (*contract.SyncRunSnapshot, error) {
		p := in.Policy.WithDefaults()
		key := "sync-run/" + string(in.RunID)
		w := wait[contract.SyncRunSnapshot]{
			policy: p, triggeredAt: in.TriggeredAt, opts: in.progressOptions, returnOnChange: in.ReturnOnChange,
			known: string(in.LastStatus), fingerprint: func(s contract.SyncRunSnapshot) string { return string(s.Status) },
			check: func(ctx context.Context, now time.Time) (contract.SyncRunSnapshot, bool, error) {
				a.waits.touch(key, now)
				ctx, cancel := request(ctx)
				defer cancel()
				r, err := a.Client.GetSyncRun(ctx, in.SyncID, in.RunID)
				if err != nil {
					return contract.SyncRunSnapshot{}, false, err
				}
				snap := snapshotOf(in.SyncID, in.RunID, r, a.clock().Now())
				if !snap.Listed() && now.Sub(in.TriggeredAt) > p.NotListedTimeout.Std() {
					return snap, false, temporal.NewNonRetryableApplicationError(
						fmt.Sprintf("run %s of sync %s is still not listed by Hightouch %s after the trigger", in.RunID, in.SyncID, p.NotListedTimeout),
						errortypes.HightouchNotFound, nil, snap)
				}
				if snap.Listed() && !snap.Status.Known() && snap.Status != in.LastStatus {
					activity.GetLogger(ctx).Warn("Hightouch reported a run status this worker does not know",
						"syncId", in.SyncID, "runId", in.RunID, "status", snap.Status, "finished", snap.FinishedAt != nil)
				}
				if snap.Ended() {
					a.waits.forget(key)
				}
				return snap, snap.Ended(), nil
			},
		}
		return poll(ctx, a, w)
	})
}

// PollSequenceRunInput asks for the state of one sequence run.
type PollSequenceRunInput struct {
	SequenceRunID string    `json:"sequenceRunId"`
	TriggeredAt   time.Time `json:"triggeredAt"`
	// LastFingerprint is the Fingerprint of the snapshot the caller last saw.
	LastFingerprint string     `json:"lastFingerprint,omitempty"`
	ReturnOnChange  bool       `json:"returnOnChange,omitempty"`
	Policy          PollPolicy `json:"policy"`
	progressOptions
	jsoninput.Tolerant
}

// PollSequenceRun waits on a sequence run until it ends or, with
// ReturnOnChange, until it makes visible progress. A snapshot of an ended
// run carries every member's row counts.
func (a *Activities) PollSequenceRun(ctx context.Context, in PollSequenceRunInput) (*contract.SequenceRunSnapshot, error) {
	check := func() error {
		return requireString("sequenceRunId", in.SequenceRunID, "the sequence run id a trigger returned")
	}
	return run(ctx, in.DecodeError(), check, func() (*contract.SequenceRunSnapshot, error) {
		p := in.Policy.WithDefaults()
		key := "sequence-run/" + in.SequenceRunID
		w := wait[contract.SequenceRunSnapshot]{
			policy: p, triggeredAt: in.TriggeredAt, opts: in.progressOptions, returnOnChange: in.ReturnOnChange,
			known: in.LastFingerprint, fingerprint: contract.SequenceRunSnapshot.Fingerprint,
			check: func(ctx context.Context, now time.Time) (contract.SequenceRunSnapshot, bool, error) {
				a.waits.touch(key, now)
				snap := contract.SequenceRunSnapshot{SequenceRunID: in.SequenceRunID}
				rctx, cancel := request(ctx)
				r, err := a.Client.GetSyncSequenceRun(rctx, in.SequenceRunID)
				cancel()
				switch {
				case client.StatusCode(err) == 404 && now.Sub(in.TriggeredAt) <= p.NotListedTimeout.Std():
					// Not known yet right after the trigger: keep waiting.
				case err != nil:
					return snap, false, err
				default:
					snap.Status = r.Status
					for _, m := range r.SyncRuns {
						snap.SyncRuns = append(snap.SyncRuns, contract.SequenceMemberRun{SyncID: m.SyncID, RunID: m.SyncRunID, Status: m.Status, FinishedAt: m.FinishedAt})
					}
				}
				snap.ObservedAt = a.clock().Now()
				if snap.Ended() {
					if err := a.fillMemberRuns(ctx, &snap); err != nil {
						return snap, false, err
					}
					a.waits.forget(key)
				}
				return snap, snap.Ended(), nil
			},
		}
		return poll(ctx, a, w)
	})
}

// fillMemberRuns adds each member run's row counts and error, which
// GetSyncSequenceRun does not report.
func (a *Activities) fillMemberRuns(ctx context.Context, snap *contract.SequenceRunSnapshot) error {
	for i := range snap.SyncRuns {
		m := &snap.SyncRuns[i]
		if m.RunID == 0 {
			continue
		}
		rctx, cancel := request(ctx)
		r, err := a.Client.GetSyncRun(rctx, m.SyncID, client.RunID(m.RunID.String()))
		cancel()
		if code := client.StatusCode(err); code >= 400 && code < 500 && code != http.StatusTooManyRequests &&
			code != http.StatusUnauthorized && code != http.StatusForbidden {
			// The member's run cannot be read (its sync was deleted, say):
			// report the sequence's outcome without that member's counts. (A
			// refused key fails the check: the wait retries it, as the key
			// may be rotating.)
			activity.GetLogger(ctx).Warn("Could not read a sequence member's run", "syncId", m.SyncID, "runId", m.RunID, "error", err)
			continue
		}
		if err != nil {
			return err
		}
		if r == nil {
			continue
		}
		m.RunNumbers = numbersOf(r)
		if m.FinishedAt == nil {
			m.FinishedAt = r.FinishedAt
		}
	}
	return nil
}

// wait is one poll activity's wait on a run.
type wait[S any] struct {
	policy         PollPolicy
	triggeredAt    time.Time
	opts           progressOptions
	returnOnChange bool
	// known is the fingerprint of what the workflow last saw.
	known       string
	fingerprint func(S) string
	// check reads the run once; ended says it is over.
	check func(ctx context.Context, now time.Time) (snap S, ended bool, err error)
	// due, when set, may ask for the next check sooner than the interval
	// (0: no sooner).
	due func(snap S, now time.Time) time.Duration
}

// pollState is what a poll heartbeats besides its snapshot, so that its
// next attempt (a server-side retry) goes on where it stopped.
type pollState struct {
	// Reported is the fingerprint of the last snapshot sent to the
	// workflow, Doubling the last doubling of the time since the trigger
	// reported (-1: none yet).
	Reported string `json:"reported"`
	Doubling int    `json:"doubling"`
	// AuthFailedSince is when Hightouch began to refuse the key during
	// this wait (a rotation under way).
	AuthFailedSince *time.Time `json:"authFailedSince,omitempty"`
}

// pollCallTimeout bounds each request of a poll, well under the poll's 30 s
// heartbeat timeout (a check may make several: a sequence's members).
var pollCallTimeout = 20 * time.Second

// doublingMargin is how long after a doubling of the time since the trigger
// the poll that reports it comes: the run is created a little after the
// time its workflow counts from, and must be half as old at least.
const doublingMargin = 2 * time.Second

// request bounds one request of a poll.
func request(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, pollCallTimeout)
}

// doublingOf is how many times the time since the trigger has doubled from
// one minute (-1 before the first minute), counted doublingMargin late.
func doublingOf(elapsed time.Duration) int {
	n := -1
	for d := time.Minute; elapsed-doublingMargin >= d; d *= 2 {
		n++
	}
	return n
}

// nextDoubling is when the time since the trigger doubles next, counted as
// doublingOf counts it.
func nextDoubling(triggeredAt time.Time, doubling int) time.Time {
	return triggeredAt.Add(time.Minute<<(doubling+1) + doublingMargin)
}

// poll runs check until the run ends, sleeping between checks while the
// run is younger than the policy's hold window and handing the wait to the
// server's retry timer after that. On the way it keeps the workflow's view
// fresh: at every phase change and every doubling of the time since the
// trigger it signals the workflow a snapshot (or, without a way to signal,
// returns it).
//
// The interval is the fair share of the worker's request budget when that
// is longer: the shortest interval at which every run the worker waits on
// can be polled.
func poll[S any](ctx context.Context, a *Activities, w wait[S]) (*S, error) {
	clock := a.clock()
	info := activity.GetInfo(ctx)
	st := pollState{Reported: w.known, Doubling: doublingOf(clock.Now().Sub(w.triggeredAt))}
	if activity.HasHeartbeatDetails(ctx) {
		var prev S
		var saved pollState
		if activity.GetHeartbeatDetails(ctx, &prev, &saved) == nil && info.Attempt > 1 {
			st = saved
		}
	}
	var last S
	hb := startHeartbeats(ctx, last, st)
	defer hb.stop()
	beat := func(snap S) { hb.set(snap, st) }
	stopping := activity.GetWorkerStopChannel(ctx)
	for {
		now := clock.Now()
		snap, ended, err := w.check(ctx, now)
		interval := max(w.policy.Interval(now.Sub(w.triggeredAt)), a.fairShare())
		if delay, ok := localWait(err); ok {
			// The worker's request budget is spent: come back no sooner than
			// this run's next poll was due, so that a busy worker does not
			// poll each run more often than its share. The last look has
			// only minutes: it comes back when the budget allows.
			beat(last)
			if w.opts.LookOnce {
				return nil, limitedLocally(err, delay)
			}
			return nil, limitedLocally(err, max(delay, interval))
		}
		if err != nil {
			if retry := a.authGrace(ctx, &st, err, now); retry != nil {
				beat(last)
				return nil, retry
			}
			return nil, err
		}
		st.AuthFailedSince = nil
		last = snap
		if ended || w.opts.LookOnce {
			return &snap, nil
		}
		fp, doubling := w.fingerprint(snap), doublingOf(now.Sub(w.triggeredAt))
		switch {
		case w.returnOnChange && fp != w.known:
			return &snap, nil // the old protocol: the workflow polls again
		case w.opts.ProgressSignal != "" && (fp != st.Reported || doubling > st.Doubling):
			if a.report(ctx, info, w.opts.ProgressSignal, snap) {
				st.Reported, st.Doubling = fp, doubling
			} else if w.returnOnChange || a.Temporal == nil {
				return &snap, nil
			}
		}
		beat(snap)
		wait := interval
		if w.due != nil {
			if d := w.due(snap, now); d > 0 {
				wait = min(wait, d)
			}
		}
		if w.opts.ProgressSignal != "" {
			// Poll at the next doubling, so that its report goes out on time
			// and the workflow's snapshot is never older than half the run.
			wait = min(wait, max(nextDoubling(w.triggeredAt, doubling).Sub(now), time.Millisecond))
		}
		if wait > maxLoopSleep || now.Add(wait).Sub(w.triggeredAt) > w.policy.HoldWindow.Std() {
			// The failure's details carry the snapshot to `temporal workflow
			// describe`, the UI and the starter.
			return nil, stillRunning(wait, snap)
		}
		sleepCtx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-stopping:
				cancel()
			case <-sleepCtx.Done():
			}
		}()
		err = clock.Sleep(sleepCtx, wait)
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			// The worker is shutting down: let another worker, or this one
			// after its restart, carry on at once.
			return nil, stillRunning(time.Second, snap)
		}
	}
}

// report signals a progress snapshot to the workflow waiting on the run;
// it reports whether the workflow got it.
func (a *Activities) report(ctx context.Context, info activity.Info, signal string, snap any) bool {
	if a.Temporal == nil {
		return false
	}
	sctx, cancel := context.WithTimeout(ctx, pollCallTimeout)
	defer cancel()
	err := a.Temporal.SignalWorkflow(sctx, info.WorkflowExecution.ID, info.WorkflowExecution.RunID, signal, snap)
	if err != nil {
		activity.GetLogger(ctx).Warn("Could not send the workflow the run's progress", "error", err)
		return false
	}
	return true
}

// authGrace turns a 401 or 403 during a wait into a retry for a while: a
// key being rotated must not fail every wait in flight. It returns nil when
// err is not one, or once the grace period is over (the error then fails
// the wait as HightouchUnauthorized).
func (a *Activities) authGrace(ctx context.Context, st *pollState, err error, now time.Time) error {
	code := client.StatusCode(err)
	if code != http.StatusUnauthorized && code != http.StatusForbidden {
		return nil
	}
	if st.AuthFailedSince == nil {
		st.AuthFailedSince = &now
	}
	grace := a.AuthGrace
	if grace == 0 {
		grace = DefaultAuthGrace
	}
	left := st.AuthFailedSince.Add(grace).Sub(now)
	if left <= 0 {
		return nil
	}
	activity.GetLogger(ctx).Warn("Hightouch refused the API key during a wait; retrying in case the key is being rotated",
		"status", code, "since", st.AuthFailedSince, "gracePeriodLeft", left.Round(time.Second))
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("Hightouch refused the API key (HTTP %d) since %s; retrying for %s in case it is being rotated",
		code, st.AuthFailedSince.UTC().Format(time.RFC3339), left.Round(time.Second)), errortypes.AuthGrace,
		temporal.ApplicationErrorOptions{NextRetryDelay: min(left, 30*time.Second)})
}

// DefaultAuthGrace is how long a wait retries a refused API key.
const DefaultAuthGrace = 10 * time.Minute

// stillRunning is the benign retryable error that schedules the next poll.
func stillRunning(next time.Duration, snap any) error {
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("still running; next poll in %s", next), errortypes.StillRunning,
		temporal.ApplicationErrorOptions{NextRetryDelay: next, Category: temporal.ApplicationErrorCategoryBenign, Details: []any{snap}})
}
