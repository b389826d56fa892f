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
	// LookOnce reads the runs once and returns what it found: the last
	// look when the workflow's deadline passes.
	LookOnce bool `json:"lookOnce,omitempty"`
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
		// Before the cutoff there is nothing to look for: come back then.
		if wait := in.CreatedAfter.Sub(a.clock().Now()); wait > 0 && !in.LookOnce {
			return nil, stillRunning(wait, FindSyncRunResult{})
		}
		w := wait[FindSyncRunResult]{
			policy: in.Policy.WithDefaults(), triggeredAt: in.CreatedAfter, opts: progressOptions{LookOnce: in.LookOnce},
			fingerprint: func(FindSyncRunResult) string { return "" },
			// A run found but not settled is checked again once it is.
			due: func(found FindSyncRunResult, now time.Time) time.Duration {
				if found.Run == nil || found.Run.CreatedAt == nil {
					return 0
				}
				return max(found.Run.CreatedAt.Add(a.findSettle()).Sub(sc.offset.earliest(now)), time.Second)
			},
			check: func(ctx context.Context, now time.Time) (FindSyncRunResult, bool, error) {
				cutoff := func() time.Time {
					if in.OnHightouchClock {
						return in.CreatedAfter
					}
					return sc.offset.earliest(in.CreatedAfter)
				}
				first, err := a.firstRunSince(ctx, sc, in.SyncID, cutoff, in.Exclude)
				if err != nil {
					return FindSyncRunResult{}, false, err
				}
				if first != nil {
					snap := snapshotOf(in.SyncID, client.RunID(first.ID.String()), first, a.clock().Now())
					// A run created a little earlier may not be listed yet: the
					// first run is the one still first once the others have had
					// time to be listed.
					settled := !sc.offset.earliest(now).Before(first.CreatedAt.Add(a.findSettle()))
					return FindSyncRunResult{Run: &snap}, settled, nil
				}
				// Past Until by the listing lag: every run created by then is
				// listed, and none was.
				return FindSyncRunResult{}, !in.Until.IsZero() && now.After(in.Until.Add(a.listingLag())), nil
			},
		}
		return poll(ctx, a, w)
	})
}

// firstRunSince is the first run of the sync created at or after cutoff (on
// Hightouch's clock; called once the first answer has measured it), leaving
// out the runs in exclude. The runs list is sorted by creation, in a
// direction the API does not document: a busy sync's thousands of runs
// since the cutoff are crossed by galloping and bisection, a few requests,
// each with its own deadline.
func (a *Activities) firstRunSince(ctx context.Context, sc *serverClock, syncID client.ID, cutoff func() time.Time, exclude []client.RunID) (*client.SyncRun, error) {
	read := func(offset, limit int) ([]client.SyncRun, bool, error) {
		ctx, cancel := request(ctx)
		defer cancel()
		params := client.ListSyncRunsParams{SyncID: syncID, ListOptions: client.ListOptions{OrderBy: client.OrderByCreatedAt, Offset: offset, Limit: limit}}
		var page *client.Page[client.SyncRun]
		err := sc.call(ctx, func(ctx context.Context) (err error) { page, err = a.Client.ListSyncRuns(ctx, params); return err })
		if err != nil {
			return nil, false, err
		}
		more := len(page.Data) == limit && (page.HasMore == nil || *page.HasMore)
		return page.Data, more, nil
	}
	runs, more, err := read(0, findPageSize)
	if err != nil {
		return nil, err
	}
	after := cutoff()
	before := func(r client.SyncRun) bool { return r.CreatedAt.Before(after) }
	n := len(runs)
	newestFirst := n > 1 && runs[0].CreatedAt.After(runs[n-1].CreatedAt)
	// The page holds the boundary between runs before and after the cutoff
	// (or the whole list): take the first run after it.
	if !more || before(runs[n-1]) == newestFirst {
		return earliestSince(runs, after, exclude), nil
	}
	// Otherwise find the boundary's index: last is on this side of it
	// (after the cutoff, newest first; before it, oldest first), end on the
	// other side or past the list's end.
	sameSide := func(i int) (bool, error) {
		r, _, err := read(i, 1)
		if err != nil || len(r) == 0 {
			return false, err
		}
		return before(r[0]) != newestFirst, nil
	}
	last, end := n-1, 0
	for step := n; ; step *= 2 {
		ok, err := sameSide(last + step)
		if err != nil {
			return nil, err
		}
		if !ok {
			end = last + step
			break
		}
		last += step
	}
	for end-last > 1 {
		mid := last + (end-last)/2
		ok, err := sameSide(mid)
		if err != nil {
			return nil, err
		}
		if ok {
			last = mid
		} else {
			end = mid
		}
	}
	// The first run after the cutoff is at last (newest first) or end
	// (oldest first); read the page around it, for runs left out.
	from := end
	if newestFirst {
		from = max(0, last-findPageSize+1)
	}
	page, _, err := read(from, findPageSize)
	if err != nil {
		return nil, err
	}
	return earliestSince(page, after, exclude), nil
}

// earliestSince is the earliest run created at or after cutoff that is not
// in exclude, or nil.
func earliestSince(runs []client.SyncRun, cutoff time.Time, exclude []client.RunID) *client.SyncRun {
	var first *client.SyncRun
	for i := range runs {
		r := &runs[i]
		if r.CreatedAt.Before(cutoff) || slices.Contains(exclude, client.RunID(r.ID.String())) {
			continue
		}
		if first == nil || r.CreatedAt.Before(first.CreatedAt) {
			first = r
		}
	}
	return first
}

// maxFindSettle bounds how long a found run must have existed before it is
// taken as the first: the listing lag, up to this, so that a wait does not
// start watching its run many minutes late.
const maxFindSettle = 2 * time.Minute

func (a *Activities) findSettle() time.Duration { return min(a.listingLag(), maxFindSettle) }
