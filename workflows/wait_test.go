package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// Issue 10, point 1: when the deadline passes, the wait looks at the run
// once more. With hourly polls a run that ended at 65 minutes is reported
// as ended by the 90-minute deadline, not as WaitTimeout.
func TestDeadlineLooksOnceMore(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 65*time.Minute, 0)})
	res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id),
		WaitOptions: workflows.WaitOptions{Timeout: "90m", MinPollInterval: "1h", MaxPollInterval: "1h"}})
	require.NoError(t, err, "the run had ended before the deadline")
	require.Equal(t, client.RunSuccess, res.Status)

	// A run still going at the deadline times out, with the fresh snapshot.
	h = newHarness(t)
	id = h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 3*time.Hour, 0)})
	_, err = h.runSync(workflows.SyncInput{SyncID: client.ID(id),
		WaitOptions: workflows.WaitOptions{Timeout: "90m", MinPollInterval: "1h", MaxPollInterval: "1h"}})
	_, snap := requireFailure(t, err, errortypes.WaitTimeout)
	require.Equal(t, client.RunProcessing, snap.Status)
	require.WithinDuration(t, h.clock.Now(), snap.ObservedAt, time.Minute, "the timeout carries what the last look saw")
}

// Issue 10, point 2: the progress query (and the UI) advance at every phase
// change and every doubling of the time since the trigger, so its snapshot
// is never older than half the time since the trigger.
func TestProgressAdvancesThroughALongPhase(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Minute, 10*time.Hour, time.Minute)})
	var worst float64
	var seen []time.Time
	for m := 2; m < 600; m += 7 {
		h.env.RegisterDelayedCallback(func() {
			v, err := h.env.QueryWorkflow(workflows.ProgressQuery)
			require.NoError(t, err)
			var p workflows.SyncProgress
			require.NoError(t, v.Get(&p))
			runs := h.emu.Runs(id)
			if len(runs) == 0 || p.ObservedAt.IsZero() {
				return
			}
			now := h.clock.Now()
			worst = max(worst, float64(now.Sub(p.ObservedAt))/float64(now.Sub(runs[0].CreatedAt)))
			if len(seen) == 0 || !seen[len(seen)-1].Equal(p.ObservedAt) {
				seen = append(seen, p.ObservedAt)
			}
		}, time.Duration(m)*time.Minute)
	}
	_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err)
	require.LessOrEqual(t, worst, 0.5, "the snapshot was never older than half the time since the trigger")
	require.GreaterOrEqual(t, len(seen), 8, "it advanced through the 10-hour processing phase: %v", seen)
}

// Issue 10, point 3: the API key is rotated while a run goes on. Hightouch
// refuses the key for three minutes, then takes it again: the wait goes on.
func TestWaitRidesOutAKeyRotation(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 20*time.Minute, 0)})
	h.env.RegisterDelayedCallback(func() { h.emu.SetToken("the-new-key") }, 5*time.Minute)
	h.env.RegisterDelayedCallback(func() { h.emu.SetToken(hightouchtest.DefaultToken) }, 8*time.Minute)
	res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err)
	require.Equal(t, client.RunSuccess, res.Status)
	require.Positive(t, h.emu.Stats().ByStatus[401], "the key was refused for a while")
}

// Point 3, the other side: a key refused for longer than the grace period
// fails the wait as HightouchUnauthorized; a trigger refused fails at once.
func TestWaitFailsWhenTheKeyStaysRefused(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 2*time.Hour, 0)})
	h.env.RegisterDelayedCallback(func() { h.emu.SetToken("the-new-key") }, 5*time.Minute)
	start := h.env.Now()
	var lastPoll time.Time
	h.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "PollSyncRun" {
			lastPoll = h.env.Now()
		}
	})
	_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.Equal(t, errortypes.HightouchUnauthorized, appError(t, err).Type())
	require.GreaterOrEqual(t, lastPoll.Sub(start), 15*time.Minute, "it retried for the grace period first")
	require.Less(t, lastPoll.Sub(start), 20*time.Minute)

	h = newHarness(t)
	id = h.emu.NewSync("s", hightouchtest.Scenario{})
	h.emu.SetToken("the-new-key")
	_, err = h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.Equal(t, errortypes.HightouchUnauthorized, appError(t, err).Type())
	require.Equal(t, 1, h.emu.Stats().Requests, "a trigger refused fails at once, without retries")
}

// Issue 10, point 10: cancelled while the trigger is out, and the trigger
// then fails: the workflow ends cancelled, not failed.
func TestCancelDuringATriggerThatFails(t *testing.T) {
	h := newHarness(t)
	h.emu.SetFaults(hightouchtest.Faults{Latency: 1500 * time.Millisecond})
	h.env.RegisterDelayedCallback(h.env.CancelWorkflow, 100*time.Millisecond)
	_, err := h.runSync(workflows.SyncInput{SyncID: 999999})
	require.True(t, isCanceled(err), "cancelled workflow ended %v", err)
}
