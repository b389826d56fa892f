package workflows_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/internal/ratelimit"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// reportRecorder records the progress reports polls send their workflow.
type reportRecorder struct {
	activities.Temporal
	mu      sync.Mutex
	reports []contract.SyncRunSnapshot
}

func (r *reportRecorder) SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error {
	if s, ok := arg.(contract.SyncRunSnapshot); ok {
		r.mu.Lock()
		r.reports = append(r.reports, s)
		r.mu.Unlock()
	}
	return r.Temporal.SignalWorkflow(ctx, workflowID, runID, signalName, arg)
}

// Review 2 (issue 10, point 2): "the snapshot a query returns is never older
// than half the run's elapsed time". A poll reports a doubling of the time
// since the trigger only at its first poll after it (activities/poll.go,
// poll: doubling > st.Doubling), and from the first minute on polls come
// every tenth of that time: the report of the doubling at 1 minute goes
// out a second or two after it, the one at 2 minutes up to 12 s after it.
// Until that one arrives, the query returns the snapshot of the 1-minute
// report, older than half the run (here 54% at 2m10s: reports at 1m0s and
// 2m9.8s). (Inside the first minute it is worse: from the last phase
// change at 2 s to the report at 1 min the snapshot ages to 97% of the
// run.) TestProgressAdvancesThroughALongPhase
// samples every 7 minutes, and the benchmark each minute, so neither looks
// in these windows. Here the staleness is read off the reports themselves:
// just before report i arrives, the query returns report i-1.
func TestProgressIsNeverOlderThanHalfJustBeforeADoublingIsReported(t *testing.T) {
	h := newHarness(t)
	rec := &reportRecorder{Temporal: h.acts.Temporal}
	h.acts.Temporal = rec
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 2*time.Hour, 0)})
	_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err)
	created := h.emu.Runs(id)[0].CreatedAt
	require.Greater(t, len(rec.reports), 5)
	worst, at := 0.0, time.Duration(0)
	for i := 1; i < len(rec.reports); i++ {
		prev, next := rec.reports[i-1].ObservedAt, rec.reports[i].ObservedAt
		if prev.Sub(created) < time.Minute {
			continue // from the first doubling on (the first minute polls every 2 s)
		}
		if r := float64(next.Sub(prev)) / float64(next.Sub(created)); r > worst {
			worst, at = r, next.Sub(created)
		}
	}
	require.LessOrEqual(t, worst, 0.5, "just before the report at %s of the run, the query returned a snapshot %.1f%% as old as the run", at, 100*worst)
}

// Review 2 (issue 9's review fix "no heartbeat details beyond the first:
// the window is the attempt's start to its deadline"): the README promises
// "never a run created before it asked". The window the writer built for an
// attempt that died with only its first ("checking") heartbeat opened at
// the attempt's start, which may be before the send waits out the clock's
// uncertainty after the request; a run Hightouch's own schedule started
// 0.3 s before the request fell inside and was adopted. An attempt now
// sends MinSendDelay after the request at the earliest, and the window of
// one that died saying only that it began opens then.
func TestDeadCheckingAttemptDoesNotAdoptARunFromJustBeforeTheRequest(t *testing.T) {
	h := newHarness(t)
	// The request at .4 of a second, the schedule's run at .1: the worst
	// case of the Date header's one-second resolution.
	h.env.SetStartTime(time.Date(2026, 11, 30, 12, 0, 0, 400*int(time.Millisecond), time.UTC))
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Minute, 0)})
	h.clock.Advance(-300 * time.Millisecond)
	before, err := h.acts.Client.TriggerRun(context.Background(), client.ID(id), client.TriggerRunBody{})
	require.NoError(t, err)
	h.clock.Advance(300 * time.Millisecond)

	var ours string
	sends := 0
	h.env.OnActivity("SendSyncTrigger", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SendSyncTriggerInput) (*activities.SendSyncTriggerResult, error) {
			if sends++; sends > 1 {
				return h.acts.SendSyncTrigger(ctx, in)
			}
			// As the real attempt: it begins, waits until MinSendDelay after
			// the request, sends (the POST reaches Hightouch), and the
			// worker dies with only the attempt's first heartbeat recorded.
			began := h.clock.Now()
			require.NoError(t, h.clock.Sleep(ctx, h.clock.Translate(in.RequestedAt).Add(activities.MinSendDelay).Sub(began)))
			out, err := h.acts.Client.TriggerRun(ctx, in.SyncID, in.Options)
			require.NoError(t, err)
			ours = string(out.ID)
			return nil, temporal.NewTimeoutError(enums.TIMEOUT_TYPE_HEARTBEAT, nil,
				activities.TriggerHeartbeat{Phase: "checking", Attempt: 1, Since: began, Deadline: began.Add(90 * time.Second)})
		})
	outs := h.runFleet(fleetInput{Syncs: []workflows.SyncInput{{SyncID: client.ID(id), FullResync: true}}})
	require.Empty(t, outs[0].ErrType, outs[0].Err)
	require.NotEqual(t, string(before.ID), outs[0].RunID, "adopted run %s, created by the schedule 0.3 s before the request (note: %s)", before.ID, outs[0].Note)
	require.Equal(t, ours, outs[0].RunID, "the run the dead attempt created is the workflow's")
}

// refuseOnce is a worker's rate limit that, once armed, turns one request
// away as ratelimit.Doer does when a turn is more than 5 s off.
type refuseOnce struct {
	armed atomic.Bool
}

func (r *refuseOnce) Do(req *http.Request) (*http.Response, error) {
	if r.armed.CompareAndSwap(true, false) {
		return nil, &ratelimit.WaitTooLongError{Delay: 6 * time.Second}
	}
	return http.DefaultClient.Do(req)
}

// Review 2 (issue 10, point 1: "never WaitTimeout for a run that had
// ended"): the last look is a PollSyncRun with LookOnce, and a request the
// worker's own rate limit turns away is handed back with the delay of the
// run's next poll (activities/poll.go, poll: limitedLocally(err,
// max(delay, interval))), here 9 minutes, while the look may take 2 minutes
// (workflows/options.go, lookOptions). One busy moment of the worker when
// the deadline passes, and the run that ended at 65 minutes is reported as
// WaitTimeout, as before the fix (TestDeadlineLooksOnceMore's scenario).
func TestLastLookSurvivesTheWorkersRateLimit(t *testing.T) {
	h := newHarness(t)
	limit := &refuseOnce{}
	h.acts.Client = client.New(client.WithSecurity(hightouchtest.DefaultToken), client.WithServerURL(h.acts.Client.ServerURL()), client.WithClient(limit))
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 65*time.Minute, 0)})
	// Between the poll at 60 minutes and the next at 120, the only request
	// is the last look at 90.
	h.env.RegisterDelayedCallback(func() { limit.armed.Store(true) }, 80*time.Minute)
	res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id),
		WaitOptions: workflows.WaitOptions{Timeout: "90m", MinPollInterval: "1h", MaxPollInterval: "1h"}})
	require.False(t, limit.armed.Load(), "the look was turned away once")
	require.NoError(t, err, "the run had ended at 65 minutes")
	require.Equal(t, client.RunSuccess, res.Status)
}
