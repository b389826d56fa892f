package activities_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/simclock"
	"github.com/hightouch-temporal/hightouch-temporal/internal/ratelimit"
)

type fixture struct {
	env   *testsuite.TestActivityEnvironment
	emu   *hightouchtest.Emulator
	clock *simclock.Clock
	acts  *activities.Activities
}

func newFixture(t *testing.T, opts ...hightouchtest.Option) *fixture {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	clock := simclock.New(frozenAt(time.Now()))
	emu := hightouchtest.New(append([]hightouchtest.Option{hightouchtest.WithClock(clock.Now), hightouchtest.WithDemoData()}, opts...)...)
	srv := httptest.NewServer(emu)
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

// frozenAt is a base clock stopped at t: the simulated clock moves only by
// Sleep and Advance, and starts at the real time the test environment
// stamps activities with.
func frozenAt(t time.Time) func() time.Time { return func() time.Time { return t } }

// exec runs the named activity with a JSON input, as the CLI or another SDK
// would send it, and decodes its result into out.
func (f *fixture) exec(t *testing.T, name, input string, out any) error {
	t.Helper()
	var in json.RawMessage = []byte(input)
	v, err := f.env.ExecuteActivity(name, in)
	if err != nil {
		return err
	}
	if out != nil {
		require.NoError(t, v.Get(out))
	}
	return nil
}

func errType(t *testing.T, err error) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "want an ApplicationError, got %v", err)
	return appErr
}

func TestRegistersEveryOperationByName(t *testing.T) {
	methods := map[string]bool{}
	typ := reflect.TypeOf(&activities.Activities{})
	for i := range typ.NumMethod() {
		methods[typ.Method(i).Name] = true
	}
	require.Len(t, activities.Names, 22)
	for _, name := range activities.Names {
		require.True(t, methods[name], "no activity method named %s", name)
	}
	require.True(t, slices.IsSorted(activities.Names))
}

func TestOperationsDecodeJSONInputs(t *testing.T) {
	f := newFixture(t)
	var s client.Sync
	require.NoError(t, f.exec(t, "GetSync", `{"syncId":"1"}`, &s))
	require.Equal(t, hightouchtest.DemoSyncSlug, s.Slug)

	require.NoError(t, f.exec(t, "UpdateSync", `{"syncId":1,"disabled":true}`, &s))
	require.True(t, s.Disabled)
	require.NoError(t, f.exec(t, "UpdateSync", `{"syncId":1,"disabled":false,"schedule":null}`, &s))
	require.Nil(t, s.Schedule)

	var page client.Page[client.Sync]
	require.NoError(t, f.exec(t, "ListSync", `{"slug":"users-to-salesforce","limit":5,"orderBy":"id"}`, &page))
	require.Len(t, page.Data, 1)

	var src client.Source
	require.NoError(t, f.exec(t, "CreateSource", `{"name":"PG","slug":"pg","type":"postgres","configuration":{"host":"h"}}`, &src))
	require.Equal(t, "pg", src.Slug)

	var m client.Model
	require.NoError(t, f.exec(t, "CreateModel", `{"name":"M","slug":"m","queryType":"table","sourceId":1,"isSchema":false,"primaryKey":"id","table":{"name":"t"},"skipColumnQuery":true}`, &m))
	require.Equal(t, "t", m.Table.Name)

	var trig client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRunCustom", `{"syncSlug":"users-to-salesforce","fullResync":true}`, &trig))
	require.NotEmpty(t, trig.ID)
	var runs client.Page[client.SyncRun]
	require.NoError(t, f.exec(t, "ListSyncRuns", `{"syncId":1,"runId":"`+string(trig.ID)+`"}`, &runs))
	require.Len(t, runs.Data, 1)

	var seq client.TriggerSequenceRunOutput
	require.NoError(t, f.exec(t, "TriggerSequenceRun", `{"syncSequenceId":"`+hightouchtest.DemoSequenceID+`"}`, &seq))
	var seqRun client.SyncSequenceRun
	require.NoError(t, f.exec(t, "GetSyncSequenceRun", `{"syncSequenceRunId":"`+seq.ID+`"}`, &seqRun))
	require.Equal(t, seq.ID, seqRun.ID)

	var g client.TriggerRunIDGraphOutput
	require.NoError(t, f.exec(t, "TriggerRunIDGraph", `{"graphId":"`+hightouchtest.DemoIDGraphID+`"}`, &g))
	require.NotEmpty(t, g.ID)
}

func TestBadInputsFailOnceAndClearly(t *testing.T) {
	tests := []struct {
		activity, input, want string
	}{
		{"GetSync", `{}`, `field "syncId": required`},
		{"GetSync", `{"syncId":"abc"}`, `field "syncId": expected a number or a string of digits, got "abc"`},
		{"GetSync", `{"syncId":1,"extra":true}`, `field "extra": unknown field; accepted fields are syncId`},
		{"GetSync", `[1]`, `input must be a JSON object`},
		{"UpdateSync", `{"syncId":1,"disabled":"yes"}`, `field "disabled": expected true or false, got "yes"`},
		{"ListSyncRuns", `{"syncId":1,"limit":-1}`, `field "limit": must be a positive number of rows`},
		{"ListSync", `{"offset":"x"}`, `field "offset": expected a whole number, got "x"`},
		{"TriggerRun", `{"syncId":0}`, `field "syncId": required`},
		{"TriggerRunCustom", `{}`, `give syncId or syncSlug`},
		{"TriggerRunCustom", `{"syncId":1,"syncSlug":"x"}`, `not both`},
		{"TriggerSequenceRun", `{}`, `field "syncSequenceId": required`},
		{"GetSyncSequenceRun", `{"syncSequenceRunId":5}`, `field "syncSequenceRunId": expected a string, got 5`},
		{"CreateSource", `{"name":"x","slug":"y","type":"pg","configuration":"nope"}`, `field "configuration": expected an object, got "nope"`},
		{"PollSyncRun", `{"syncId":1}`, `field "runId": required`},
		{"PollSyncRun", `{"syncId":1,"runId":"1","policy":{"minInterval":5}}`, `field "policy"`},
	}
	for _, tt := range tests {
		t.Run(tt.activity+" "+tt.input, func(t *testing.T) {
			f := newFixture(t)
			err := f.exec(t, tt.activity, tt.input, nil)
			appErr := errType(t, err)
			require.Equal(t, errortypes.InvalidInput, appErr.Type())
			require.True(t, appErr.NonRetryable())
			require.Contains(t, err.Error(), tt.want)
			require.Zero(t, f.emu.Stats().Requests, "bad input never reaches Hightouch")
		})
	}
}

func TestAPIErrorClassification(t *testing.T) {
	tests := []struct {
		name      string
		faults    hightouchtest.Faults
		activity  string
		input     string
		wantType  string
		retryable bool
		delay     time.Duration
	}{
		{name: "404", activity: "GetSync", input: `{"syncId":404}`, wantType: errortypes.HightouchNotFound},
		{name: "409", activity: "CreateSource", input: `{"name":"x","slug":"` + hightouchtest.DemoSourceSlug + `","type":"pg","configuration":{}}`, wantType: errortypes.HightouchValidation},
		{name: "unknown slug", activity: "TriggerRunCustom", input: `{"syncSlug":"no-such-sync"}`, wantType: errortypes.HightouchNotFound},
		{name: "422", activity: "TriggerRunCustom", input: `{"syncSlug":"` + hightouchtest.DemoSyncSlug + `","fullResync":"yes"}`, wantType: errortypes.InvalidInput},
		{name: "500", faults: hightouchtest.Faults{ServerErrorRate: 1}, activity: "GetSync", input: `{"syncId":1}`, wantType: errortypes.HightouchServerError, retryable: true},
		{name: "429 without Retry-After", faults: hightouchtest.Faults{RateLimitRate: 1}, activity: "GetSync", input: `{"syncId":1}`, wantType: errortypes.HightouchRateLimited, retryable: true},
		{name: "429 with Retry-After", faults: hightouchtest.Faults{RateLimitRate: 1, RetryAfter: 42 * time.Second}, activity: "GetSync", input: `{"syncId":1}`, wantType: errortypes.HightouchRateLimited, retryable: true, delay: 42 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.emu.SetFaults(tt.faults)
			err := f.exec(t, tt.activity, tt.input, nil)
			appErr := errType(t, err)
			require.Equal(t, tt.wantType, appErr.Type(), "%v", err)
			require.Equal(t, !tt.retryable, appErr.NonRetryable())
			require.Equal(t, tt.delay, appErr.NextRetryDelay())
		})
	}

	f := newFixture(t)
	f.acts.Client = client.New(client.WithSecurity("wrong-key"), client.WithServerURL(f.acts.Client.ServerURL()))
	err := f.exec(t, "GetSync", `{"syncId":1}`, nil)
	appErr := errType(t, err)
	require.Equal(t, errortypes.HightouchUnauthorized, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.NotContains(t, err.Error(), "wrong-key")

	f = newFixture(t)
	f.acts.Client = client.New(client.WithServerURL("http://127.0.0.1:1/api/v1"))
	appErr = errType(t, f.exec(t, "GetSync", `{"syncId":1}`, nil))
	require.Equal(t, errortypes.HightouchServerError, appErr.Type(), "a network error is retryable")
	require.False(t, appErr.NonRetryable())
}

func TestPollHandsLongWaitsToTheServer(t *testing.T) {
	f := newFixture(t)
	id := f.emu.NewSync("long", hightouchtest.Scenario{Phases: []hightouchtest.Phase{{Status: "processing", Duration: time.Hour}}})
	var trig client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":`+jsonID(id)+`}`, &trig))
	start := f.clock.Now()
	var heartbeats int
	f.env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) { heartbeats++ })

	in := activities.PollSyncRunInput{SyncID: client.ID(id), RunID: trig.ID, TriggeredAt: start, LastStatus: "processing", ReturnOnChange: true}
	_, err := f.env.ExecuteActivity("PollSyncRun", in)
	appErr := errType(t, err)
	require.Equal(t, errortypes.StillRunning, appErr.Type())
	require.False(t, appErr.NonRetryable())
	require.Equal(t, temporal.ApplicationErrorCategoryBenign, appErr.Category())
	held := f.clock.Now().Sub(start)
	require.LessOrEqual(t, held, activities.DefaultHoldWindow, "the attempt held its slot only for the hold window")
	require.Greater(t, held, time.Minute)
	require.Equal(t, activities.PollPolicy{}.Interval(held), appErr.NextRetryDelay())
	require.NotZero(t, heartbeats, "the loop heartbeats while it holds the slot")
	var snap contract.SyncRunSnapshot
	require.NoError(t, appErr.Details(&snap))
	require.Equal(t, client.RunProcessing, snap.Status)

	// Past the window, an attempt polls once and hands back at once.
	f.clock.Advance(10 * time.Minute)
	requestsBefore := f.emu.Requests(id)
	_, err = f.env.ExecuteActivity("PollSyncRun", in)
	require.Equal(t, errortypes.StillRunning, errType(t, err).Type())
	require.Equal(t, 30*time.Second, errType(t, err).NextRetryDelay())
	require.Equal(t, 1, f.emu.Requests(id)-requestsBefore)

	// A status change returns the snapshot when asked to.
	in.LastStatus = "queued"
	v, err := f.env.ExecuteActivity("PollSyncRun", in)
	require.NoError(t, err)
	require.NoError(t, v.Get(&snap))
	require.Equal(t, client.RunProcessing, snap.Status)
}

func TestPollInterval(t *testing.T) {
	p := activities.PollPolicy{}
	require.Equal(t, 2*time.Second, p.Interval(0))
	require.Equal(t, 2*time.Second, p.Interval(59*time.Second))
	require.Equal(t, 6*time.Second, p.Interval(time.Minute))
	require.Equal(t, 12*time.Second, p.Interval(2*time.Minute))
	require.Equal(t, 30*time.Second, p.Interval(time.Hour))
	custom := activities.PollPolicy{MinInterval: contract.Duration(5 * time.Second), MaxInterval: contract.Duration(time.Minute)}
	require.Equal(t, 5*time.Second, custom.Interval(0))
	require.Equal(t, time.Minute, custom.Interval(time.Hour))
}

func TestLocalRateLimitHandsTheWaitToTheServer(t *testing.T) {
	f := newFixture(t)
	f.acts.Client = client.New(client.WithSecurity(hightouchtest.DefaultToken), client.WithServerURL(f.acts.Client.ServerURL()),
		client.WithClient(ratelimit.New(http.DefaultClient, 0.05, 1, nil)))
	require.NoError(t, f.exec(t, "GetSync", `{"syncId":1}`, nil))
	err := f.exec(t, "GetSync", `{"syncId":1}`, nil)
	appErr := errType(t, err)
	require.Equal(t, errortypes.HightouchRateLimited, appErr.Type())
	require.False(t, appErr.NonRetryable())
	require.Equal(t, temporal.ApplicationErrorCategoryBenign, appErr.Category())
	require.GreaterOrEqual(t, appErr.NextRetryDelay(), 19*time.Second)
	require.LessOrEqual(t, appErr.NextRetryDelay(), 25*time.Second)
	require.Equal(t, 1, f.emu.Stats().Requests, "the second request never left the worker")
}

func TestPollTurnedAwayLocallyWaitsForItsNextTurn(t *testing.T) {
	f := newFixture(t)
	id := f.emu.NewSync("long", hightouchtest.Scenario{Phases: []hightouchtest.Phase{{Status: "processing", Duration: time.Hour}}})
	var trig client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":`+jsonID(id)+`}`, &trig))
	f.acts.Client = client.New(client.WithSecurity(hightouchtest.DefaultToken), client.WithServerURL(f.acts.Client.ServerURL()),
		client.WithClient(ratelimit.New(http.DefaultClient, 0.1, 1, nil)))
	require.NoError(t, f.exec(t, "GetSync", `{"syncId":1}`, nil)) // spends the only token: the next wait is 10 s

	// A run half an hour old is due every 30 s: turned away, it is not
	// retried in 10 s but at its next turn.
	in := activities.PollSyncRunInput{SyncID: client.ID(id), RunID: trig.ID, TriggeredAt: f.clock.Now().Add(-30 * time.Minute), LastStatus: "processing"}
	_, err := f.env.ExecuteActivity("PollSyncRun", in)
	appErr := errType(t, err)
	require.Equal(t, errortypes.HightouchRateLimited, appErr.Type())
	require.GreaterOrEqual(t, appErr.NextRetryDelay(), 30*time.Second)
	require.LessOrEqual(t, appErr.NextRetryDelay(), 36*time.Second)
}

func TestPollsShareTheBudgetFairly(t *testing.T) {
	f := newFixture(t)
	f.acts.RequestsPerSecond = 0.1 // 9 polls a minute for everyone
	long := hightouchtest.Scenario{Phases: []hightouchtest.Phase{{Status: "processing", Duration: time.Hour}}}
	poll := func(id int64, runID client.RunID) time.Duration {
		in := activities.PollSyncRunInput{SyncID: client.ID(id), RunID: runID, TriggeredAt: f.clock.Now().Add(-time.Hour), LastStatus: "processing"}
		_, err := f.env.ExecuteActivity("PollSyncRun", in)
		appErr := errType(t, err)
		require.Equal(t, errortypes.StillRunning, appErr.Type())
		return appErr.NextRetryDelay()
	}
	var last time.Duration
	for i := range 10 {
		id := f.emu.NewSync(fmt.Sprintf("long-%d", i), long)
		var trig client.TriggerRunOutput
		require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":`+jsonID(id)+`}`, &trig))
		last = poll(id, trig.ID)
	}
	// Ten runs on 0.1 requests per second (90% of it for polls): each is
	// polled every 10 / 0.09 s, not every 30 s.
	require.InDelta(t, (10 / 0.09), last.Seconds(), 1)
}

func TestTriggerRefusedLocallyDoesNotLookForRuns(t *testing.T) {
	f := newFixture(t)
	f.acts.Client = client.New(client.WithSecurity(hightouchtest.DefaultToken), client.WithServerURL(f.acts.Client.ServerURL()),
		client.WithClient(ratelimit.New(http.DefaultClient, 0.05, 1, nil)))
	require.NoError(t, f.exec(t, "GetSync", `{"syncId":1}`, nil)) // spends the only token
	var hb []map[string]any
	f.env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
		var st map[string]any
		if d.Get(&st) == nil {
			hb = append(hb, st)
		}
	})
	err := f.exec(t, "TriggerRun", `{"syncId":1}`, nil)
	require.Equal(t, errortypes.HightouchRateLimited, errType(t, err).Type())
	require.NotEmpty(t, hb)
	require.Empty(t, hb[len(hb)-1]["unclear"], "the attempt records that nothing was sent, so a retry need not look for an earlier run")
}

func TestLongIntervalsAreNotSleptInsideTheActivity(t *testing.T) {
	f := newFixture(t)
	id := f.emu.NewSync("long", hightouchtest.Scenario{Phases: []hightouchtest.Phase{{Status: "processing", Duration: time.Hour}}})
	var trig client.TriggerRunOutput
	require.NoError(t, f.exec(t, "TriggerRun", `{"syncId":`+jsonID(id)+`}`, &trig))
	start := f.clock.Now()
	in := activities.PollSyncRunInput{SyncID: client.ID(id), RunID: trig.ID, TriggeredAt: start, LastStatus: "processing",
		Policy: activities.PollPolicy{MinInterval: contract.Duration(45 * time.Second), MaxInterval: contract.Duration(time.Minute)}}
	_, err := f.env.ExecuteActivity("PollSyncRun", in)
	appErr := errType(t, err)
	require.Equal(t, errortypes.StillRunning, appErr.Type())
	require.Equal(t, 45*time.Second, appErr.NextRetryDelay())
	require.Equal(t, start, f.clock.Now(), "a 45 s interval is never slept inside the activity, past its heartbeat timeout")
}
