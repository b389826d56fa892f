package activities_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
)

// TestReview11FindSyncRunBeforeTheCutoff: a pipeline starts at 01:00 and
// waits for the run created at or after 02:00 (createdAfter in the future:
// "not the 01:30 ad-hoc run, the scheduled one"). FindSyncRun counts the
// run's age from createdAfter, so until then the age is negative: the
// interval stays at minPollInterval and the hold window never closes. The
// attempt polls Hightouch every 2 s, holding a worker slot, until it is
// killed by its start-to-close timeout, and the retries do the same, all
// the way to the cutoff: about 1,400 requests an hour instead of a cheap
// wait's handful. The attempt should hand the wait to the server (or
// sleep on a timer) while the cutoff is ahead.
func TestReview11FindSyncRunBeforeTheCutoff(t *testing.T) {
	f := newFixture(t)
	id := f.emu.NewSync("s", hightouchtest.Scenario{})
	cutoff := f.clock.Now().Add(time.Hour)
	start := f.clock.Now()
	_, err := f.env.ExecuteActivity("FindSyncRun", activities.FindSyncRunInput{SyncID: client.ID(id), CreatedAfter: cutoff})
	appErr := errType(t, err)
	require.Equal(t, errortypes.StillRunning, appErr.Type())
	held := f.clock.Now().Sub(start)
	requests := f.emu.Requests(id)
	require.LessOrEqual(t, held, activities.DefaultHoldWindow, "one attempt held its slot for %s, polling %d times", held, requests)
	require.Less(t, requests, 70, "requests in one attempt, an hour before the cutoff")
}
