package activities_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

// Review 9: the worker running an attempt of TriggerRun is killed while its
// POST is out (the run was created). The server holds only the attempt's
// first heartbeat, {"phase":"checking"}: the SDK sends the first heartbeat
// at once and batches the next ones for 0.8 x the heartbeat timeout (8 s
// for the 10 s trigger heartbeat timeout; sdk internal_task_handlers.go
// temporalInvoker.Heartbeat), so the "sending" details recorded a moment
// later die with the worker. earlierSends trusts any details it finds and,
// since they name no send, the next attempt sends again: a second run.
// Without any details it would have searched ("an earlier attempt ended
// without a word").
func TestTriggerRetryAfterAKilledAttemptWithOnlyItsFirstHeartbeatDoesNotSendAgain(t *testing.T) {
	for _, name := range []string{"TriggerRun", "TriggerRunCustom"} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.acts.Client.TriggerRun(t.Context(), 1, client.TriggerRunBody{})
			require.NoError(t, err) // the killed attempt's POST reached Hightouch
			f.env.SetHeartbeatDetails(map[string]any{"phase": "checking"})
			var out client.TriggerRunOutput
			require.NoError(t, f.exec(t, name, `{"syncId":1}`, &out))
			runs := f.emu.Runs(1)
			require.Len(t, runs, 1, "the retry sent the trigger again: a second run")
			require.Equal(t, jsonID(runs[0].ID), string(out.ID))
		})
	}
}

// The same for TriggerRunIDGraph: a killed attempt whose "sending"
// heartbeat was still batched leaves {"phase":"checking"}, and the next
// attempt triggers the graph again (the API cannot list graph runs, so the
// activity means to refuse instead). A refused attempt (4xx) does not leave
// "checking": it records "sent", and the SDK flushes batched details when an
// attempt fails (internal_task_handlers.go, temporalInvoker.Close).
func TestIDGraphTriggerRetryAfterAKilledAttemptWithOnlyItsFirstHeartbeatDoesNotSendAgain(t *testing.T) {
	f := newFixture(t)
	_, err := f.acts.Client.TriggerRunIDGraph(t.Context(), hightouchtest.DemoIDGraphID, client.TriggerRunIDGraphBody{})
	require.NoError(t, err) // the killed attempt's POST reached Hightouch
	f.env.SetHeartbeatDetails(map[string]any{"phase": "checking"})
	_ = f.exec(t, "TriggerRunIDGraph", `{"graphId":"`+hightouchtest.DemoIDGraphID+`"}`, nil)
	require.Equal(t, 1, f.emu.IDGraphTriggers(hightouchtest.DemoIDGraphID), "the retry triggered the graph a second time")
}

// Review 9: a rolling deploy. A workflow that reached its trigger before the
// one-writer release replays the direct path and retries the TriggerRun
// activity, which a worker of the new release may now run. The attempt
// before it, on the old release, sent the trigger (its answer was lost) and
// heartbeated the old details, {"firstAttemptAt", "sends": [{from, to}]}
// (activities/trigger.go before bbceaa2). The new earlierSends decodes them
// into TriggerHeartbeat without an error (unknown fields are ignored), finds
// no send to look for, and sends again.
func TestTriggerRetryReadsTheHeartbeatOfTheReleaseBefore(t *testing.T) {
	f := newFixture(t)
	sent := f.clock.Now()
	_, err := f.acts.Client.TriggerRun(t.Context(), 1, client.TriggerRunBody{})
	require.NoError(t, err) // the old attempt's trigger; its answer was lost
	f.clock.Advance(time.Second)
	f.env.SetHeartbeatDetails(map[string]any{"firstAttemptAt": sent, "sends": []map[string]any{{"from": sent, "to": f.clock.Now()}}})
	var out client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":1}`, &out))
	runs := f.emu.Runs(1)
	require.Len(t, runs, 1, "the retry sent the trigger again: a second run")
	require.Equal(t, jsonID(runs[0].ID), string(out.ID))
}

// Review 9: an attempt killed before its first heartbeat reached the server
// leaves no details; the next attempt looks from the activity's schedule
// (earlierSends, "an earlier attempt ended without a word") with an offset
// it does not know, which the search widens by 15 minutes on each side. A
// run Hightouch's own schedule started 5 minutes before the activity was
// scheduled is adopted. (This is the state that attempt heartbeats, so an
// attempt after it reads it as here.)
func TestTriggerRetryWithoutDetailsDoesNotAdoptARunFromBeforeTheRequest(t *testing.T) {
	f := newFixture(t)
	_, err := f.acts.Client.TriggerRun(t.Context(), 1, client.TriggerRunBody{})
	require.NoError(t, err) // Hightouch's own schedule, 5 minutes before the request
	f.clock.Advance(5 * time.Minute)
	scheduled := f.clock.Now()
	f.env.SetHeartbeatDetails(map[string]any{"phase": "ended", "unclear": []map[string]any{{
		"from": scheduled, "to": scheduled.Add(time.Minute), "why": "an earlier attempt ended without a word"}}})
	var out client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":1}`, &out))
	runs := f.emu.Runs(1)
	require.NotEqual(t, jsonID(runs[0].ID), string(out.ID), "adopted a run created 5 minutes before the request")
}
