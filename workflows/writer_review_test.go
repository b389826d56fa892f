package workflows_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// Review 9: a fresh writer (its first request after an hour idle, so it
// knows nothing of Hightouch's clock) whose first send dies mid-POST. The
// server only has the attempt's first heartbeat ("checking"): the SDK
// batches heartbeats for 0.8 x the 10 s heartbeat timeout, so the
// "sending" details recorded a moment later never reached it. lostSend then
// builds the window from the writer's unknown offset, which the search
// widens by 15 minutes on each side: a run Hightouch's own schedule started
// 5 minutes before the request is adopted (it is the earliest in the
// window), and the run the dead send created is reported as "outside
// Temporal" and watched by nobody.
func TestDeadFirstSendDoesNotAdoptARunFromBeforeTheRequest(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Minute, 0)})
	// Hightouch's own schedule ran the sync 5 minutes before the request.
	before, err := h.acts.Client.TriggerRun(context.Background(), client.ID(id), client.TriggerRunBody{})
	require.NoError(t, err)
	h.clock.Advance(5 * time.Minute)

	var ours string
	sends := 0
	h.env.OnActivity("SendSyncTrigger", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SendSyncTriggerInput) (*activities.SendSyncTriggerResult, error) {
			sends++
			if sends > 1 {
				return h.acts.SendSyncTrigger(ctx, in)
			}
			// The POST reaches Hightouch; the worker is killed before the
			// answer, and before the "sending" heartbeat left the batch:
			// the server has only the attempt's first heartbeat.
			began := h.clock.Now()
			out, err := h.acts.Client.TriggerRun(ctx, in.SyncID, in.Options)
			require.NoError(t, err)
			ours = string(out.ID)
			return nil, temporal.NewTimeoutError(enums.TIMEOUT_TYPE_HEARTBEAT, nil,
				activities.TriggerHeartbeat{Phase: "checking", Attempt: 1, Since: began, Deadline: began.Add(90 * time.Second)})
		})
	in := []workflows.SyncInput{{SyncID: client.ID(id), FullResync: true}}
	outs := h.runFleet(fleetInput{Syncs: in})
	require.Empty(t, outs[0].ErrType, outs[0].Err)
	require.NotEqual(t, string(before.ID), outs[0].RunID, "adopted run %s, created 5 minutes before the request (note: %s)", before.ID, outs[0].Note)
	require.Equal(t, ours, outs[0].RunID, "the run the dead send created is the workflow's")
}

// Review 9: two workflows on one sequence, the second asking while the
// first's run waits for its first member to start (the member run is
// queued, e.g. behind another run of that sync). Hightouch answers the
// second trigger with the run in progress, but the emulator, like the API,
// lists a sequence run's members only once they have started, so
// sequenceRunBegan finds no member, Existing stays false, and the second
// workflow reports the first one's run as a run of its own: no "attached",
// no note, although it was created before it asked.
func TestSequenceRunWhoseFirstMemberIsQueuedIsReportedAsAttached(t *testing.T) {
	h := newHarness(t)
	slow := h.emu.NewSync("slow-start", hightouchtest.Scenario{Phases: phases(time.Hour, time.Second, time.Minute, 0)})
	seq := h.emu.NewSequence("", slow)
	outs := h.runFleet(fleetInput{Sequences: []workflows.SequenceInput{{SequenceID: seq}, {SequenceID: seq}}, StartEvery: 10 * time.Second})
	require.Empty(t, outs[0].ErrType, outs[0].Err)
	require.Empty(t, outs[1].ErrType, outs[1].Err)
	require.Equal(t, 1, h.emu.Stats().SequenceRunsCreated, "%+v %+v", outs, h.emu.SequenceRuns(seq))
	require.Equal(t, outs[0].SequenceRunID, outs[1].SequenceRunID, "Hightouch answered the second trigger with the first run")
	require.True(t, outs[1].Attached, "the second workflow reports a run created before it asked as its own: %+v", outs[1])
}

// Review 9: a short timeout that passes while the writer looks for the run
// of a lost answer. By the time the run is found it has long ended (it is
// the search's lists fail for 15 s, and it runs 3 s), yet the workflow fails WaitTimeout
// saying the run "did not end within the timeout ... it goes on at
// Hightouch", with no status in its details: HightouchSync goes straight to
// failWait when stopped is set (workflows/sync.go), without one look at the
// run it was handed.
func TestShortTimeoutDoesNotSayAnEndedRunGoesOn(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Second, 0)})
	h.emu.SetFaults(hightouchtest.Faults{TriggerThen500Rate: 1})
	// Hightouch answers the search's first lists 500 (as ServerErrorRate
	// would): the find is retried for 15 s.
	finds := 0
	h.env.OnActivity("FindSyncTriggerRun", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.FindSyncTriggerRunInput) (*activities.FindSyncTriggerRunResult, error) {
			if finds++; finds <= 4 {
				return nil, temporal.NewApplicationError("HTTP 500", "HightouchServerError")
			}
			return h.acts.FindSyncTriggerRun(ctx, in)
		})
	res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id), WaitOptions: workflows.WaitOptions{Timeout: "8s"}})
	runs := h.emu.Runs(id)
	require.Len(t, runs, 1)
	require.Equal(t, "success", runs[0].Status, "the run had ended when the workflow reported")
	if err != nil {
		appErr := appError(t, err)
		var snap workflows.SyncResult
		require.NoError(t, appErr.Details(&snap))
		require.Equal(t, strconv.FormatInt(runs[0].ID, 10), string(snap.RunID))
		require.Equal(t, "success", string(snap.Status), "%s: %v", appErr.Type(), err)
		return
	}
	require.Equal(t, "success", string(res.Status))
}

// Review 9: a HightouchSync terminated while its request waits at the
// writer (by its parent's close policy, the default for a child; a user
// terminating a workflow "stuck triggering"; a workflow execution timeout)
// cannot withdraw it. The writer must not trigger for it: nobody would
// report the run. The writer here holds two requests, the first from a
// workflow that no longer exists, the second from one that runs (the writer
// itself); only the second gets a run. (The requester is not a terminated
// child here: the SDK's test environment races with itself when a child
// with pending timers is terminated.)
func TestWriterDoesNotTriggerForARequesterThatIsGone(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Minute, 0)})
	h.env.ExecuteWorkflow(workflows.WriterWorkflow, map[string]any{"kind": "sync", "syncId": id,
		"state": map[string]any{"pending": []any{rawRequest("sync", id, "gone", "terminated-requester", h.env.Now()),
			rawRequest("sync", id, "alive", testWorkflowID, h.env.Now())}}})
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	require.Len(t, h.emu.Runs(id), 1, "one run, for the requester that still waits; none for the one that is gone")
}

// Review 9: the README says timeout is "counted from the start, trigger
// included", but HightouchSync takes the request time, and so the deadline,
// after resolving syncSlug (workflows/sync.go, requested := workflow.Now
// after ResolveSyncSlug), which retries for up to 30 minutes. Here the
// slug's lookup is told to wait 30 s: a 10 s timeout ends 40 s after the
// start.
func TestTimeoutCountsFromTheStartForASlug(t *testing.T) {
	h := newHarness(t)
	h.emu.NewSync("by-slug", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Hour, 0)})
	h.emu.SetFaults(hightouchtest.Faults{RateLimitBurst: 1, RetryAfter: 30 * time.Second})
	start := h.env.Now()
	_, err := h.runSync(workflows.SyncInput{SyncSlug: "by-slug", WaitOptions: workflows.WaitOptions{Timeout: "10s"}})
	requireFailure(t, err, errortypes.WaitTimeout)
	v, err := h.env.QueryWorkflow(workflows.ProgressQuery)
	require.NoError(t, err)
	var end workflows.SyncProgress
	require.NoError(t, v.Get(&end))
	require.NotNil(t, end.Deadline)
	require.LessOrEqual(t, end.Deadline.Sub(start), 10*time.Second, "deadline %s after the start", end.Deadline.Sub(start))
}

// Review 9, the same in a workspace that queues sequence runs: the third
// trigger is answered with the follow-up run the second one queued, which
// has no member yet, so two workflows report that run as their own and
// neither says it is shared.
func TestQueuedSequenceRunAnsweredTwiceIsReportedAsAttached(t *testing.T) {
	h := newHarness(t, hightouchtest.WithSequenceQueueing(true))
	long := h.emu.NewSync("long", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 10*time.Minute, 0)})
	seq := h.emu.NewSequence("", long)
	ins := []workflows.SequenceInput{{SequenceID: seq}, {SequenceID: seq}, {SequenceID: seq}}
	outs := h.runFleet(fleetInput{Sequences: ins, StartEvery: 10 * time.Second})
	for i, o := range outs {
		require.Empty(t, o.ErrType, "workflow %d: %s", i, o.Err)
	}
	require.Equal(t, 2, h.emu.Stats().SequenceRunsCreated, "%+v", outs)
	require.Equal(t, outs[1].SequenceRunID, outs[2].SequenceRunID, "Hightouch answered the third trigger with the run the second queued")
	require.True(t, outs[1].Attached || outs[2].Attached, "two workflows report run %s as their own: %+v", outs[1].SequenceRunID, outs)
}

// Review 9: a workflow with ifRunning "skip" cancelled while the writer
// checks the sync for it. The writer finds the run in progress and answers
// "skipped"; HightouchSync returns that as a success (workflows/sync.go:
// the Skipped branch comes before the stopped one), so a cancelled workflow
// completes successfully. The same timing with "attach" ends cancelled,
// which shows the cancellation did arrive during the check.
func TestCancelledSkipIsReportedAsCancelled(t *testing.T) {
	for _, mode := range []string{"attach", "skip"} {
		t.Run(mode, func(t *testing.T) {
			h := newHarness(t)
			id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 10*time.Minute, 0)})
			sends := 0
			h.env.OnActivity("SendSyncTrigger", mock.Anything, mock.Anything).Return(
				func(ctx context.Context, in activities.SendSyncTriggerInput) (*activities.SendSyncTriggerResult, error) {
					if sends++; sends == 2 {
						time.Sleep(500 * time.Millisecond) // the check is slow: the cancellation comes meanwhile
					}
					return h.acts.SendSyncTrigger(ctx, in)
				})
			ins := []workflows.SyncInput{{SyncID: client.ID(id)}, {SyncID: client.ID(id), IfRunning: mode}}
			outs := h.runFleet(fleetInput{Syncs: ins, StartEvery: 30 * time.Second, CancelAfter: map[int]time.Duration{1: 100 * time.Millisecond}})
			require.Empty(t, outs[0].ErrType, outs[0].Err)
			require.Equal(t, outs[0].RunID, outs[1].RunID, "the run in progress")
			require.Equal(t, "Cancelled", outs[1].ErrType, "the cancelled workflow ended: %+v", outs[1])
		})
	}
}
