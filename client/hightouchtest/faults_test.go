package hightouchtest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

func TestServerErrorFault(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("s", hightouchtest.Scenario{})
	h.emu.SetFaults(hightouchtest.Faults{ServerErrorRate: 1})
	status, _, body := h.send(http.MethodPost, "/syncs/"+itoa(syncID)+"/trigger", nil)
	require.Equal(t, http.StatusInternalServerError, status)
	require.Equal(t, `"Internal Server Error"`, string(body))
	require.Empty(t, h.emu.Runs(syncID), "a 500 fault answers before doing anything")
	stats := h.emu.Stats()
	require.Equal(t, 1, stats.InjectedErrors)
	require.Equal(t, 1, stats.ByStatus[500])
	require.Equal(t, 1, stats.ByOperation["TriggerRun"])
	require.Equal(t, 1, h.emu.Requests(syncID))
}

func TestRateLimitFault(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter time.Duration
		wantHeader string
	}{
		{"without Retry-After", 0, ""},
		{"whole seconds", 2 * time.Second, "2"},
		{"rounded up", 1500 * time.Millisecond, "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.emu.SetFaults(hightouchtest.Faults{RateLimitRate: 1, RetryAfter: tc.retryAfter})
			status, header, body := h.send(http.MethodGet, "/syncs", nil)
			require.Equal(t, http.StatusTooManyRequests, status)
			require.Equal(t, tc.wantHeader, header.Get("Retry-After"))
			require.Regexp(t, `^\{"error":".+"\}$`, string(body))
			require.Equal(t, 1, h.emu.Stats().InjectedRateLimits)
		})
	}
}

func TestRateLimitBurst(t *testing.T) {
	h := newHarness(t)
	h.emu.SetFaults(hightouchtest.Faults{RateLimitBurst: 3})
	var got []int
	for range 5 {
		status, _, _ := h.send(http.MethodGet, "/sources", nil)
		got = append(got, status)
	}
	require.Equal(t, []int{429, 429, 429, 200, 200}, got)
	require.Equal(t, 0, h.emu.CurrentFaults().RateLimitBurst)
	require.Equal(t, 3, h.emu.Stats().InjectedRateLimits)
}

func TestLatencyFault(t *testing.T) {
	h := newHarness(t)
	h.emu.SetFaults(hightouchtest.Faults{Latency: 60 * time.Millisecond})
	start := time.Now()
	status, _, _ := h.send(http.MethodGet, "/sources", nil)
	require.Equal(t, http.StatusOK, status)
	require.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond)
}

func TestTriggerThen500CreatesExactlyOneRun(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("ambiguous", hightouchtest.Scenario{})
	seqSync := h.emu.NewSync("member", hightouchtest.Scenario{})
	seqID := h.emu.NewSequence("seq", seqSync)
	h.emu.SetFaults(hightouchtest.Faults{TriggerThen500Rate: 1})

	for _, tc := range []struct {
		path string
		body any
	}{
		{"/syncs/" + itoa(syncID) + "/trigger", nil},
		{"/syncs/trigger", map[string]any{"syncSlug": "ambiguous"}},
	} {
		before := len(h.emu.Runs(syncID))
		status, _, body := h.send(http.MethodPost, tc.path, tc.body)
		require.Equal(t, http.StatusInternalServerError, status)
		require.Equal(t, `"Internal Server Error"`, string(body))
		require.Len(t, h.emu.Runs(syncID), before+1, "the run exists although the caller saw a 500")
	}
	require.Equal(t, 2, h.emu.Triggers(syncID))

	status, _, _ := h.send(http.MethodPost, "/sync-sequences/"+seqID+"/trigger", nil)
	require.Equal(t, http.StatusInternalServerError, status)
	require.Len(t, h.emu.SequenceRuns(seqID), 1)
	require.Len(t, h.emu.Runs(seqSync), 1)

	// reads are not affected
	h.list("/syncs/" + itoa(syncID) + "/runs")
	require.Equal(t, 3, h.emu.Stats().InjectedErrors)
}

func TestFaultsAreDeterministicPerSeed(t *testing.T) {
	pattern := func(seed int64) []int {
		h := newHarness(t, hightouchtest.WithRandSeed(seed))
		h.emu.SetFaults(hightouchtest.Faults{ServerErrorRate: 0.3, RateLimitRate: 0.3})
		var got []int
		for range 30 {
			status, _, _ := h.send(http.MethodGet, "/sources", nil)
			got = append(got, status)
		}
		return got
	}
	a, b := pattern(7), pattern(7)
	require.Equal(t, a, b)
	require.Contains(t, a, 500)
	require.Contains(t, a, 429)
	require.Contains(t, a, 200)
	require.NotEqual(t, a, pattern(8))
}

func TestEnforcedWorkspaceRateLimit(t *testing.T) {
	h := newHarness(t, hightouchtest.WithWorkspaceRateLimit(3, 10*time.Second))
	for i := range 3 {
		status, _, _ := h.send(http.MethodGet, "/sources", nil)
		require.Equal(t, http.StatusOK, status, "request %d", i)
		h.clock.Advance(time.Second)
	}
	// t=3s: window holds requests at 0,1,2s; the oldest leaves at 10s
	status, header, body := h.send(http.MethodGet, "/sources", nil)
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Equal(t, "7", header.Get("Retry-After"))
	require.Contains(t, string(body), `"error"`)

	h.clock.Advance(6500 * time.Millisecond) // t=9.5s
	status, header, _ = h.send(http.MethodGet, "/sources", nil)
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Equal(t, "1", header.Get("Retry-After"), "rounded up")

	h.clock.Advance(500 * time.Millisecond) // t=10s
	status, _, _ = h.send(http.MethodGet, "/sources", nil)
	require.Equal(t, http.StatusOK, status)

	stats := h.emu.Stats()
	require.Equal(t, 2, stats.EnforcedRateLimits)
	require.Equal(t, 0, stats.InjectedRateLimits)
	require.Equal(t, 6, stats.Requests)
	require.Equal(t, map[int]int{200: 4, 429: 2}, stats.ByStatus)
}

func TestUnauthenticatedRequestsAreNotFaulted(t *testing.T) {
	h := newHarness(t)
	h.emu.SetFaults(hightouchtest.Faults{ServerErrorRate: 1})
	status, _, _ := h.sendAs("", http.MethodGet, "/sources", nil)
	require.Equal(t, http.StatusUnauthorized, status)
}

func TestStatsCounters(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("counted", hightouchtest.Scenario{})
	other := h.emu.NewSync("other", hightouchtest.Scenario{})
	runID := h.trigger(syncID)
	h.run(syncID, runID)
	h.get("/syncs/" + itoa(syncID))
	h.call(http.MethodPatch, "/syncs/"+itoa(syncID), map[string]any{"disabled": false}, http.StatusOK)
	h.trigger(other)
	h.get("/sources")
	h.sendAs("", http.MethodGet, "/sources", nil)
	h.send(http.MethodGet, "/_emulator/stats", nil) // admin: not counted

	stats := h.emu.Stats()
	require.Equal(t, 7, stats.Requests)
	require.Equal(t, map[string]int{"TriggerRun": 2, "ListSyncRuns": 1, "GetSync": 1, "UpdateSync": 1, "ListSource": 2}, stats.ByOperation)
	require.Equal(t, map[int]int{200: 6, 401: 1}, stats.ByStatus)
	require.Equal(t, 2, stats.Triggers)
	require.Equal(t, 2, stats.RunsCreated)
	require.Equal(t, 4, h.emu.Requests(syncID))
	require.Equal(t, 1, h.emu.Triggers(syncID))
	require.Equal(t, 1, h.emu.Requests(other))
	require.Equal(t, 0, h.emu.Requests(999))

	// Stats is a copy
	stats.ByOperation["TriggerRun"] = 100
	require.Equal(t, 2, h.emu.Stats().ByOperation["TriggerRun"])
}

func TestClockOffsetMovesDateHeaderAndTimestamps(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("s", hightouchtest.Scenario{})
	h.emu.SetFaults(hightouchtest.Faults{ClockOffset: -2 * time.Minute})
	_, header, _ := h.send(http.MethodGet, "/syncs/"+itoa(syncID), nil)
	date, err := http.ParseTime(header.Get("Date"))
	require.NoError(t, err)
	require.Equal(t, epoch.Add(-2*time.Minute), date, "the Date header reads Hightouch's clock")
	runID := h.trigger(syncID)
	require.Equal(t, epoch.Add(-2*time.Minute).Format("2006-01-02T15:04:05.000Z"), h.run(syncID, runID)["createdAt"])
}

func TestListingLagHidesNewRuns(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("s", hightouchtest.Scenario{Phases: []hightouchtest.Phase{{Status: "processing", Duration: time.Hour}}})
	h.emu.SetFaults(hightouchtest.Faults{ListingLag: 20 * time.Second})
	hidden := 0
	for range 10 {
		h.trigger(syncID)
		if len(h.list("/syncs/"+itoa(syncID)+"/runs")) < len(h.emu.Runs(syncID)) {
			hidden++
		}
	}
	require.Positive(t, hidden, "some runs are listed late")
	h.clock.Advance(20 * time.Second)
	require.Len(t, h.list("/syncs/"+itoa(syncID)+"/runs"), 10, "no run is hidden longer than the lag")
}

func TestGatewayTimeoutCreatesTheRunLater(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("s", hightouchtest.Scenario{})
	h.emu.SetFaults(hightouchtest.Faults{GatewayTimeoutRate: 1, LateCreationMin: 5 * time.Second, LateCreationMax: 15 * time.Second})
	status, _, _ := h.send(http.MethodPost, "/syncs/"+itoa(syncID)+"/trigger", nil)
	require.Equal(t, http.StatusGatewayTimeout, status)
	require.Empty(t, h.emu.Runs(syncID), "not created when the 504 is answered")
	h.clock.Advance(4 * time.Second)
	require.Empty(t, h.emu.Runs(syncID))
	h.clock.Advance(11 * time.Second)
	runs := h.emu.Runs(syncID)
	require.Len(t, runs, 1, "created within LateCreationMax")
	require.False(t, runs[0].CreatedAt.Before(epoch.Add(5*time.Second)))
	require.False(t, runs[0].CreatedAt.After(epoch.Add(15*time.Second)))
	require.Equal(t, 1, h.emu.Stats().InjectedGatewayTimeouts)
}

func TestSlowResponses(t *testing.T) {
	h := newHarness(t)
	h.emu.SetFaults(hightouchtest.Faults{SlowRate: 1, SlowLatency: 50 * time.Millisecond})
	start := time.Now()
	status, _, _ := h.send(http.MethodGet, "/sources", nil)
	require.Equal(t, http.StatusOK, status)
	require.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
}

func TestFailTriggersCreatesNothing(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("s", hightouchtest.Scenario{})
	h.emu.SetFaults(hightouchtest.Faults{FailTriggers: 1})
	status, _, _ := h.send(http.MethodPost, "/syncs/"+itoa(syncID)+"/trigger", nil)
	require.Equal(t, http.StatusInternalServerError, status)
	require.Empty(t, h.emu.Runs(syncID))
	h.trigger(syncID)
	require.Len(t, h.emu.Runs(syncID), 1, "only the next trigger fails")
}

func TestInFlightRequestsAreListed(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("s", hightouchtest.Scenario{})
	h.emu.SetFaults(hightouchtest.Faults{Latency: 300 * time.Millisecond})
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.send(http.MethodPost, "/syncs/"+itoa(syncID)+"/trigger", nil)
	}()
	require.Eventually(t, func() bool { return len(h.emu.InFlight()) == 1 }, time.Second, 5*time.Millisecond)
	out := h.emu.AdminStats().InFlight
	require.Len(t, out, 1)
	require.Equal(t, "TriggerRun", out[0].Operation)
	<-done
	require.Empty(t, h.emu.InFlight())
}

func TestInterruptedRunIsResumedInANewRun(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("s", hightouchtest.Scenario{Phases: []hightouchtest.Phase{{Status: "processing", Duration: time.Minute}},
		Status: "interrupted", ResumeAfter: 30 * time.Second})
	h.trigger(syncID)
	h.clock.Advance(time.Minute + 29*time.Second)
	runs := h.emu.Runs(syncID)
	require.Len(t, runs, 1)
	require.Equal(t, "interrupted", runs[0].Status)
	h.clock.Advance(2 * time.Minute)
	runs = h.emu.Runs(syncID)
	require.Len(t, runs, 2, "the resumed run was created")
	require.Equal(t, epoch.Add(90*time.Second), runs[1].CreatedAt)
	require.Equal(t, "success", runs[1].Status, "and it was not interrupted again")
}
