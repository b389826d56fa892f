package activities

import (
	"context"
	"slices"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/internal/jsoninput"
)

// FindSyncRunInput asks for the first run of a sync created at or after a
// time: a run someone else starts (Hightouch's own schedule, a dbt Cloud
// job), or the run Hightouch resumes an interrupted one in.
type FindSyncRunInput struct {
	SyncID       client.ID `json:"syncId"`
	CreatedAfter time.Time `json:"createdAfter"`
	// OnHightouchClock says CreatedAfter is on Hightouch's clock (a run's
	// finishedAt); otherwise it is on the worker's, and is moved onto
	// Hightouch's with the measured offset.
	OnHightouchClock bool `json:"onHightouchClock,omitempty"`
	// Exclude are runs that cannot be the one looked for.
	Exclude []client.RunID `json:"exclude,omitempty"`
	// Until, if set, gives up once runs created up to it are listed
	// (worker's clock); the workflow's deadline bounds the search anyway.
	Until  time.Time  `json:"until,omitzero"`
	Policy PollPolicy `json:"policy"`
	jsoninput.Tolerant
}

// FindSyncRunResult is the run found; Run is nil when none was created
// before Until.
type FindSyncRunResult struct {
	Run *contract.SyncRunSnapshot `json:"run,omitempty"`
}

// FindSyncRun waits for the first run of a sync created at or after a time
// and returns it, polling its runs list as a wait polls a run: in a loop
// while young, then by server-side retries.
func (a *Activities) FindSyncRun(ctx context.Context, in FindSyncRunInput) (*FindSyncRunResult, error) {
	check := func() error { return requireID("syncId", in.SyncID) }
	return run(ctx, in.DecodeError(), check, func() (*FindSyncRunResult, error) {
		sc := &serverClock{clock: a.clock()}
		w := wait[FindSyncRunResult]{
			policy: in.Policy.WithDefaults(), triggeredAt: in.CreatedAfter,
			fingerprint: func(FindSyncRunResult) string { return "" },
			check: func(ctx context.Context, now time.Time) (FindSyncRunResult, bool, error) {
				ctx, cancel := request(ctx)
				defer cancel()
				runs, err := a.runsCreatedSince(ctx, sc, in.SyncID, in.CreatedAfter.Add(-maxClockSkew))
				if err != nil {
					return FindSyncRunResult{}, false, err
				}
				after := in.CreatedAfter
				if !in.OnHightouchClock {
					after = sc.offset.earliest(after)
				}
				var first *client.SyncRun
				for i := range runs {
					r := &runs[i]
					if r.CreatedAt.Before(after) || slices.Contains(in.Exclude, client.RunID(r.ID.String())) {
						continue
					}
					if first == nil || r.CreatedAt.Before(first.CreatedAt) {
						first = r
					}
				}
				if first != nil {
					snap := snapshotOf(in.SyncID, client.RunID(first.ID.String()), first, a.clock().Now())
					return FindSyncRunResult{Run: &snap}, true, nil
				}
				// Past Until by the listing lag: every run created by then is
				// listed, and none was.
				return FindSyncRunResult{}, !in.Until.IsZero() && now.After(in.Until.Add(a.listingLag())), nil
			},
		}
		return poll(ctx, a, w)
	})
}
