package activities

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/client"
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
	MinInterval      Duration `json:"minInterval,omitempty"`
	MaxInterval      Duration `json:"maxInterval,omitempty"`
	HoldWindow       Duration `json:"holdWindow,omitempty"`
	NotListedTimeout Duration `json:"notListedTimeout,omitempty"`
}

// WithDefaults fills zero fields with the defaults.
func (p PollPolicy) WithDefaults() PollPolicy {
	if p.MinInterval <= 0 {
		p.MinInterval = Duration(DefaultMinInterval)
	}
	if p.MaxInterval <= 0 {
		p.MaxInterval = Duration(max(DefaultMaxInterval, p.MinInterval.Std()))
	}
	if p.HoldWindow < 0 {
		p.HoldWindow = 0
	} else if p.HoldWindow == 0 {
		p.HoldWindow = Duration(DefaultHoldWindow)
	}
	if p.NotListedTimeout <= 0 {
		p.NotListedTimeout = Duration(DefaultNotListedTimeout)
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
	decodeState
}

// UnmarshalJSON ignores unknown fields: the workflows of a newer version
// may send them to this one during a deploy.
func (in *PollSyncRunInput) UnmarshalJSON(b []byte) error {
	type plain PollSyncRunInput
	in.err = jsoninput.DecodeKnown(b, (*plain)(in))
	return nil
}

// PollSyncRun waits on a sync run until it ends or, with ReturnOnChange,
// until its status changes, and returns what it saw.
func (a *Activities) PollSyncRun(ctx context.Context, in PollSyncRunInput) (*SyncRunSnapshot, error) {
	check := func() error {
		if err := requireID("syncId", in.SyncID); err != nil {
			return err
		}
		return requireString("runId", string(in.RunID), "the run id a trigger returned")
	}
	return run(ctx, in.decodeError(), check, func() (*SyncRunSnapshot, error) {
		p := in.Policy.WithDefaults()
		key := "sync-run/" + string(in.RunID)
		return poll(ctx, a.clock(), p, in.TriggeredAt, a.fairShare, func(now time.Time) (SyncRunSnapshot, bool, error) {
			a.waits.touch(key, now)
			r, err := a.Client.GetSyncRun(ctx, in.SyncID, in.RunID)
			if err != nil {
				return SyncRunSnapshot{}, false, err
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
			stop := snap.Ended() || (in.ReturnOnChange && snap.Status != in.LastStatus)
			return snap, stop, nil
		})
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
	decodeState
}

// UnmarshalJSON ignores unknown fields, like PollSyncRunInput's.
func (in *PollSequenceRunInput) UnmarshalJSON(b []byte) error {
	type plain PollSequenceRunInput
	in.err = jsoninput.DecodeKnown(b, (*plain)(in))
	return nil
}

// PollSequenceRun waits on a sequence run until it ends or, with
// ReturnOnChange, until it makes visible progress. A snapshot of an ended
// run carries every member's row counts.
func (a *Activities) PollSequenceRun(ctx context.Context, in PollSequenceRunInput) (*SequenceRunSnapshot, error) {
	check := func() error {
		return requireString("sequenceRunId", in.SequenceRunID, "the sequence run id a trigger returned")
	}
	return run(ctx, in.decodeError(), check, func() (*SequenceRunSnapshot, error) {
		p := in.Policy.WithDefaults()
		key := "sequence-run/" + in.SequenceRunID
		return poll(ctx, a.clock(), p, in.TriggeredAt, a.fairShare, func(now time.Time) (SequenceRunSnapshot, bool, error) {
			a.waits.touch(key, now)
			snap := SequenceRunSnapshot{SequenceRunID: in.SequenceRunID}
			r, err := a.Client.GetSyncSequenceRun(ctx, in.SequenceRunID)
			switch {
			case client.StatusCode(err) == 404 && now.Sub(in.TriggeredAt) <= p.NotListedTimeout.Std():
				// Not known yet right after the trigger: keep waiting.
			case err != nil:
				return snap, false, err
			default:
				snap.Status = r.Status
				for _, m := range r.SyncRuns {
					snap.SyncRuns = append(snap.SyncRuns, SequenceMemberRun{SyncID: m.SyncID, RunID: m.SyncRunID, Status: m.Status, FinishedAt: m.FinishedAt})
				}
			}
			snap.ObservedAt = a.clock().Now()
			if snap.Ended() {
				if err := a.fillMemberRuns(ctx, &snap); err != nil {
					return snap, false, err
				}
				a.waits.forget(key)
				return snap, true, nil
			}
			return snap, in.ReturnOnChange && snap.Fingerprint() != in.LastFingerprint, nil
		})
	})
}

// fillMemberRuns adds each member run's row counts and error, which
// GetSyncSequenceRun does not report.
func (a *Activities) fillMemberRuns(ctx context.Context, snap *SequenceRunSnapshot) error {
	for i := range snap.SyncRuns {
		m := &snap.SyncRuns[i]
		if m.RunID == 0 {
			continue
		}
		r, err := a.Client.GetSyncRun(ctx, m.SyncID, client.RunID(m.RunID.String()))
		if code := client.StatusCode(err); code >= 400 && code < 500 && code != http.StatusTooManyRequests {
			// The member's run cannot be read (its sync was deleted, say):
			// report the sequence's outcome without that member's counts.
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

// poll runs check until it says stop, sleeping between checks while the run
// is younger than the policy's hold window and handing the wait to the
// server's retry timer after that.
//
// share is the fair share of the worker's request budget: the shortest
// interval at which every run the worker waits on can be polled.
func poll[S any](ctx context.Context, clock Clock, p PollPolicy, triggeredAt time.Time, share func() time.Duration, check func(now time.Time) (S, bool, error)) (*S, error) {
	stopping := activity.GetWorkerStopChannel(ctx)
	for {
		now := clock.Now()
		snap, stop, err := check(now)
		interval := max(p.Interval(now.Sub(triggeredAt)), share())
		if delay, ok := localWait(err); ok {
			// The worker's request budget is spent: come back no sooner than
			// this run's next poll was due, so that a busy worker does not
			// poll each run more often than its share.
			return nil, limitedLocally(err, max(delay, interval))
		}
		if err != nil {
			return nil, err
		}
		if stop {
			return &snap, nil
		}
		wait := interval
		if wait > maxLoopSleep || now.Add(wait).Sub(triggeredAt) > p.HoldWindow.Std() {
			// The failure's details carry the snapshot to `temporal workflow
			// describe` and the UI.
			return nil, stillRunning(wait, snap)
		}
		// Heartbeats show the latest state while the loop holds the slot.
		activity.RecordHeartbeat(ctx, snap)
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

// stillRunning is the benign retryable error that schedules the next poll.
func stillRunning(next time.Duration, snap any) error {
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("still running; next poll in %s", next), errortypes.StillRunning,
		temporal.ApplicationErrorOptions{NextRetryDelay: next, Category: temporal.ApplicationErrorCategoryBenign, Details: []any{snap}})
}
