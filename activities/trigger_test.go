package activities_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/simclock"
)

func jsonID(id int64) string { b, _ := json.Marshal(id); return string(b) }

// fixtureWith builds a fixture whose emulator's HTTP handler may be
// wrapped (to script what a gateway in front of Hightouch does).
func fixtureWith(t *testing.T, wrap func(http.Handler, *simclock.Clock) http.Handler) *fixture {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	clock := simclock.New(frozenAt(time.Now()))
	emu := hightouchtest.New(hightouchtest.WithClock(clock.Now), hightouchtest.WithDemoData())
	srv := httptest.NewServer(wrap(emu, clock))
	t.Cleanup(srv.Close)
	acts := &activities.Activities{
		Client: client.New(client.WithSecurity(hightouchtest.DefaultToken), client.WithServerURL(srv.URL+"/api/v1")),
		Clock:  clock,
		// Short enough for the test environment's ten-minute attempts.
		ListingLag: 2 * time.Minute, LateCreation: 30 * time.Second,
	}
	env.RegisterActivity(acts)
	return &fixture{env: env, emu: emu, clock: clock, acts: acts}
}

// lastHeartbeat runs f and returns the last heartbeat details recorded.
func lastHeartbeat(t *testing.T, f *fixture, run func()) map[string]any {
	t.Helper()
	var mu sync.Mutex
	var last converter.EncodedValues
	f.env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
		mu.Lock()
		defer mu.Unlock()
		last = d
	})
	run()
	mu.Lock()
	defer mu.Unlock()
	require.NotNil(t, last, "the attempt heartbeated")
	var state map[string]any
	require.NoError(t, last.Get(&state))
	return state
}

// unclearSend is the heartbeat an earlier attempt leaves when its trigger
// may have reached Hightouch between from and to (clocks in step).
func unclearSend(from, to time.Time) map[string]any {
	return map[string]any{"phase": "ended", "unclear": []map[string]any{{"from": from, "to": to, "why": "HTTP 500",
		"offset": map[string]any{"lo": "0s", "hi": "1s", "known": true}}}}
}

// A trigger that created its run and answered 500: the same attempt finds
// and reports that run instead of sending again.
func TestTriggerFindsTheRunOfASendWhoseAnswerWasLost(t *testing.T) {
	f := newFixture(t)
	f.emu.SetFaults(hightouchtest.Faults{TriggerThen500Rate: 1})
	var out client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":1}`, &out))
	runs := f.emu.Runs(1)
	require.Len(t, runs, 1, "no second run")
	require.Equal(t, string(out.ID), jsonID(runs[0].ID))
}

// An attempt that ended while looking leaves the unclear send in its
// heartbeat; the next attempt goes on looking and adopts the run.
func TestTriggerRetryAdoptsTheRunOfAnEarlierAttempt(t *testing.T) {
	f := newFixture(t)
	start := f.clock.Now()
	_, err := f.acts.Client.TriggerRun(t.Context(), 1, client.TriggerRunBody{})
	require.NoError(t, err) // the earlier attempt's trigger; its answer was lost
	f.env.SetHeartbeatDetails(unclearSend(start, start))
	var out client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":1}`, &out))
	runs := f.emu.Runs(1)
	require.Len(t, runs, 1, "no second run")
	require.Equal(t, string(out.ID), jsonID(runs[0].ID))
}

// Review path 7: a slow trigger that fails is remembered as sent, and the
// heartbeat goroutine does not race with the attempt's bookkeeping (run
// with -race).
func TestSlowTriggerThatFailsIsRememberedAsSent(t *testing.T) {
	f := newFixture(t)
	f.emu.SetFaults(hightouchtest.Faults{TriggerThen500Rate: 1, SlowRate: 1, SlowLatency: 2500 * time.Millisecond})
	state := lastHeartbeat(t, f, func() {
		// The find that follows would adopt the run; stop it by making the
		// run list fail for good.
		f.acts.ListingLag = time.Nanosecond
		require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":1}`, nil))
	})
	require.Len(t, f.emu.Runs(1), 1, "heartbeats during a slow request keep it marked as sent")
	require.NotContains(t, state, "sending", "the attempt ended; nothing is in flight")
}

func TestTriggerDoesNotAdoptRunsFromOutsideItsWindow(t *testing.T) {
	f := newFixture(t)
	sent := f.clock.Now()
	// An hour after the lost request, Hightouch's own schedule ran the sync.
	f.clock.Advance(time.Hour)
	_, err := f.acts.Client.TriggerRun(t.Context(), 1, client.TriggerRunBody{})
	require.NoError(t, err)
	f.env.SetHeartbeatDetails(unclearSend(sent, sent.Add(time.Second)))
	var out client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":1}`, &out))
	runs := f.emu.Runs(1)
	require.Len(t, runs, 2, "the scheduled run was not ours: the retry triggers its own")
	require.Equal(t, string(out.ID), jsonID(runs[1].ID))
}

// "Nothing was created" is concluded only once the window, the late
// creation allowance and the listing lag have all passed.
func TestTriggerRetryWithoutEarlierRunWaitsOutTheListingLag(t *testing.T) {
	f := newFixture(t)
	start := f.clock.Now()
	f.env.SetHeartbeatDetails(unclearSend(start, start))
	var out client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":1}`, &out))
	require.Len(t, f.emu.Runs(1), 1, "nothing to adopt: the retry triggers")
	require.GreaterOrEqual(t, f.clock.Now().Sub(start), f.acts.LateCreation+f.acts.ListingLag,
		"it looked for longer than a run may take to be created late and listed")
}

// Review path 2: a gateway answers 504 while Hightouch creates the run 10 s
// later. The window does not close when the failure arrives.
func TestTriggerAdoptsARunCreatedAfterAGatewayTimeout(t *testing.T) {
	f := newFixture(t)
	f.emu.SetFaults(hightouchtest.Faults{GatewayTimeoutRate: 1, LateCreationMin: 10 * time.Second, LateCreationMax: 10 * time.Second})
	var out client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":1}`, &out))
	runs := f.emu.Runs(1)
	require.Len(t, runs, 1, "the late run was found; no second run")
	require.Equal(t, string(out.ID), jsonID(runs[0].ID))
}

// Review path 3: the run is listed 20 s after its creation, later than the
// old 15 s grace; the search waits as long as a poll would.
func TestTriggerAdoptsARunListedLate(t *testing.T) {
	f := newFixture(t)
	id := f.emu.NewSync("lagging", hightouchtest.Scenario{ListDelay: 20 * time.Second})
	f.emu.SetFaults(hightouchtest.Faults{TriggerThen500Rate: 1})
	var out client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":`+jsonID(id)+`}`, &out))
	runs := f.emu.Runs(id)
	require.Len(t, runs, 1, "listing lag does not make a second run")
	require.Equal(t, string(out.ID), jsonID(runs[0].ID))
}

// Review path 4: Hightouch's clock is two minutes ahead of or behind the
// worker's. Times are compared on Hightouch's clock, read from its Date
// header.
func TestTriggerWindowIsOnHightouchsClock(t *testing.T) {
	for _, skew := range []time.Duration{2 * time.Minute, -2 * time.Minute, 10 * time.Second} {
		t.Run(skew.String(), func(t *testing.T) {
			f := newFixture(t)
			f.emu.SetFaults(hightouchtest.Faults{TriggerThen500Rate: 1, ClockOffset: skew})
			var out client.TriggerRunOutput
			require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":1}`, &out))
			runs := f.emu.Runs(1)
			require.Len(t, runs, 1, "clock skew does not make a second run")
			require.Equal(t, string(out.ID), jsonID(runs[0].ID))

		})
	}
}

// Review path 4 (the other side): a run created 3 s before the request,
// on a clock 2 minutes off, is not taken for the run of a trigger that
// answered 500 without creating anything.
func TestTriggerDoesNotAdoptARunCreatedBeforeItsRequest(t *testing.T) {
	for _, skew := range []time.Duration{2 * time.Minute, -2 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			var mu sync.Mutex
			posts := 0
			f := fixtureWith(t, func(next http.Handler, _ *simclock.Clock) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					if r.Method == http.MethodPost {
						posts++
					}
					fail := posts == 2 && r.Method == http.MethodPost
					mu.Unlock()
					if fail { // the activity's first trigger: a 500 before doing anything
						http.Error(w, `"Internal Server Error"`, http.StatusInternalServerError)
						return
					}
					next.ServeHTTP(w, r)
				})
			})
			f.emu.SetFaults(hightouchtest.Faults{ClockOffset: skew})
			_, err := f.acts.Client.TriggerRun(t.Context(), 1, client.TriggerRunBody{})
			require.NoError(t, err) // someone else's run, 3 s before the request
			f.clock.Advance(3 * time.Second)
			var out client.TriggerRunOutput
			require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":1}`, &out))
			runs := f.emu.Runs(1)
			require.Len(t, runs, 2, "the lost trigger created nothing; the retry sent its own")
			require.Equal(t, jsonID(runs[1].ID), string(out.ID), "its own run, not the one created before it asked")
		})
	}
}

// Review path 6: another caller triggered the sync 3 s before our request,
// which created its run and answered 500. The search adopts our run, not
// the earlier one.
func TestTriggerAdoptsItsOwnRunNotAnEarlierOne(t *testing.T) {
	f := newFixture(t)
	var other client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":1}`, &other))
	f.clock.Advance(3 * time.Second)
	f.emu.SetFaults(hightouchtest.Faults{TriggerThen500Rate: 1})
	var out client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":1,"fullResync":true}`, &out))
	runs := f.emu.Runs(1)
	require.Len(t, runs, 2)
	require.True(t, runs[1].FullResync)
	require.Equal(t, jsonID(runs[1].ID), string(out.ID), "adopted its own run, not the other caller's")
}

// A 4xx (here a disabled sync) creates no run: it fails at once with the
// API's answer as details.
func TestValidationErrorFromAPI(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.exec(t, "UpdateSync", `{"syncId":1,"disabled":true}`, nil))
	err := f.exec(t, "TriggerRun", `{"syncId":1}`, nil)
	appErr := errType(t, err)
	require.Equal(t, errortypes.HightouchValidation, appErr.Type())
	require.True(t, appErr.NonRetryable())
	var details activities.APIErrorDetails
	require.NoError(t, appErr.Details(&details))
	require.Equal(t, 422, details.StatusCode)
	require.Equal(t, "TriggerRun", details.Operation)
	require.Equal(t, map[string]any{"message": "sync 1 is disabled", "value": "1"}, details.Details.(map[string]any)["path.syncId"])
}

func TestIDGraphTriggerRefusesAfterAmbiguousAttempt(t *testing.T) {
	f := newFixture(t)
	f.env.SetHeartbeatDetails(unclearSend(f.clock.Now(), f.clock.Now()))
	err := f.exec(t, "TriggerRunIDGraph", `{"graphId":"`+hightouchtest.DemoIDGraphID+`"}`, nil)
	appErr := errType(t, err)
	require.True(t, appErr.NonRetryable())
	require.Contains(t, err.Error(), "not sending it again")
	require.Zero(t, f.emu.IDGraphTriggers(hightouchtest.DemoIDGraphID))

	f = newFixture(t)
	f.env.SetHeartbeatDetails(map[string]any{"phase": "ended"})
	require.NoError(t, f.exec(t, "TriggerRunIDGraph", `{"graphId":"`+hightouchtest.DemoIDGraphID+`"}`, nil),
		"an earlier attempt that ended without sending (a 4xx) is safe to repeat")
	require.Equal(t, 1, f.emu.IDGraphTriggers(hightouchtest.DemoIDGraphID))
}

// A trigger answered by an internal error in a 200 (after Hightouch created
// the run) is unclear: the run is found, not triggered again.
func TestTriggerAnsweredByAnErrorIn200IsUnclear(t *testing.T) {
	f := newFixture(t)
	f.emu.SetFaults(hightouchtest.Faults{ErrorIn200Rate: 1, ErrorIn200: "internal"})
	var out client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRunCustom", `{"syncSlug":"`+hightouchtest.DemoSyncSlug+`"}`, &out))
	runs := f.emu.Runs(1)
	require.Len(t, runs, 1, "no second run")
	require.Equal(t, string(out.ID), jsonID(runs[0].ID))
}

// Issue 10, point 7: the inputs the workflows send to their own activities
// accept fields a newer release adds (a rolling deploy runs both); the
// inputs users type stay strict, so a typo still fails clearly.
func TestInternalInputsAcceptUnknownFields(t *testing.T) {
	f := newFixture(t)
	var ref activities.SyncRef
	require.NoError(t, f.exec(t, "ResolveSyncSlug", `{"syncSlug":"`+hightouchtest.DemoSyncSlug+`","addedLater":1}`, &ref))
	var snap contract.SyncRunSnapshot
	var trig client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":1}`, &trig))
	require.NoError(t, f.exec(t, "PollSyncRun", `{"syncId":1,"runId":"`+string(trig.ID)+`","triggeredAt":"2026-01-01T00:00:00Z","lookOnce":true,"addedLater":true}`, &snap))
	for _, in := range []string{
		`{"syncId":1,"window":{"from":"2026-01-01T00:00:00Z","to":"2026-01-01T00:00:00Z"},"addedLater":1}`,
	} {
		_, err := f.env.ExecuteActivity("FindSyncTriggerRun", json.RawMessage(in))
		require.NotContains(t, fmt.Sprint(err), "unknown field", "internal inputs accept unknown fields")
	}
	err := f.exec(t, "TriggerRun", `{"syncId":1,"fullResynk":true}`, nil)
	require.ErrorContains(t, err, `"fullResynk"`, "a user's typo is refused, naming the field")
}

// The trigger inputs embed the client's request bodies: their fields sit
// next to the input's own, as the workflows and users send them.
func TestTriggerInputsFlattenTheBodies(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want string
	}{
		{activities.TriggerRunInput{SyncID: 1, TriggerRunBody: client.TriggerRunBody{FullResync: true}}, `{"syncId":1,"fullResync":true}`},
		{activities.TriggerRunCustomInput{TriggerRunCustomBody: client.TriggerRunCustomBody{SyncSlug: "s", TriggerRunBody: client.TriggerRunBody{ResetCDC: true}}}, `{"syncSlug":"s","resetCDC":true}`},
		{activities.TriggerRunIDGraphInput{GraphID: "g", TriggerRunIDGraphBody: client.TriggerRunIDGraphBody{FullRerun: true}}, `{"graphId":"g","fullRerun":true}`},
	} {
		b, err := json.Marshal(tt.in)
		require.NoError(t, err)
		require.JSONEq(t, tt.want, string(b))
	}
}
