package workflows_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// The wait's cost, measured on the emulator with a simulated clock, next to
// a fixed-3-second poller written the naive way (a workflow timer loop, the
// Airflow provider's policy). Run:
//
//	go test ./workflows -run '^$' -bench Wait -benchtime 1x
//
// Each length is run with its end shifted by several offsets against the
// poll schedule; the worst of each metric is reported, per run:
// requests (Hightouch API requests, trigger included),
// events (history events the server would write: see historyEvents),
// notice-s (seconds from the run finishing at Hightouch to a poll seeing it),
// slot-s (seconds a poll activity held a worker slot).

// waitCost is what one simulated run cost.
type waitCost struct {
	requests   int
	events     int
	notice     time.Duration
	slotHeld   time.Duration
	activities int
	timers     int
}

// historyEvents is the number of events a Temporal server writes for a
// workflow that closed `activities` activities and `timers` timers, each of
// which woke the workflow once (the deadline timer is cancelled, not fired,
// so it wakes nothing): started + first task (3) + per activity scheduled,
// started, closed and the task it wakes (6) + per timer started and
// fired/cancelled (2) + completed. Retries are not written to history.
// The end-to-end tests check this model against histories from a real server.
func historyEvents(activities, timers int) int {
	return 1 + 3 + 6*activities + 2*timers + 1
}

// endOffsets shift the run's end against the poll schedule, so that the
// worst notice delay shows rather than a lucky alignment.
var endOffsets = []time.Duration{0, 370 * time.Millisecond, 900 * time.Millisecond, 1400 * time.Millisecond, 1950 * time.Millisecond,
	5300 * time.Millisecond, 11100 * time.Millisecond, 17700 * time.Millisecond, 23900 * time.Millisecond, 29500 * time.Millisecond}

// measureWorst runs one simulated run per end offset and keeps the worst of
// each metric.
func measureWorst(b *testing.B, length time.Duration, run func(h *harness, syncID int64)) waitCost {
	var worst waitCost
	for _, off := range endOffsets {
		if off >= length/2 {
			continue
		}
		c := measure(b, length+off, run)
		worst.requests = max(worst.requests, c.requests)
		worst.events = max(worst.events, c.events)
		worst.notice = max(worst.notice, c.notice)
		worst.slotHeld = max(worst.slotHeld, c.slotHeld)
	}
	return worst
}

func measure(b *testing.B, length time.Duration, run func(h *harness, syncID int64)) waitCost {
	b.Helper()
	h := newHarness(b)
	var cost waitCost
	h.env.SetOnActivityCompletedListener(func(*activity.Info, converter.EncodedValue, error) { cost.activities++ })
	h.env.SetOnTimerScheduledListener(func(string, time.Duration) { cost.timers++ })
	// Queued 1 s, querying 10% of the run, processing 80%, reporting the rest.
	q := length / 10
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, q, length-2*q-time.Second, q)})
	run(h, id)
	runs := h.emu.Runs(id)
	require.Len(b, runs, 1)
	r := runs[0]
	require.NotNil(b, r.FirstSeenTerminalAt, "the run's end was seen")
	cost.requests = h.emu.Stats().Requests
	cost.notice = r.FirstSeenTerminalAt.Sub(*r.FinishedAt)
	cost.slotHeld = h.clock.Now().Sub(h.env.Now())
	cost.events = historyEvents(cost.activities, cost.timers)
	return cost
}

func report(b *testing.B, c waitCost) {
	b.ReportMetric(float64(c.requests), "requests")
	b.ReportMetric(float64(c.events), "events")
	b.ReportMetric(c.notice.Seconds(), "notice-s")
	b.ReportMetric(c.slotHeld.Seconds(), "slot-s")
}

var runLengths = []time.Duration{30 * time.Second, 5 * time.Minute, time.Hour, 24 * time.Hour}

func BenchmarkWait(b *testing.B) {
	for _, length := range runLengths {
		b.Run(fmt.Sprintf("HightouchSync/%s", length), func(b *testing.B) {
			var c waitCost
			for range b.N {
				c = measureWorst(b, length, func(h *harness, id int64) {
					_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id), WaitOptions: workflows.WaitOptions{Timeout: "48h"}})
					require.NoError(b, err)
				})
			}
			report(b, c)
		})
		if length > 5*time.Hour {
			continue // the timer loop would run out of its 10,240-event soft limit long before
		}
		b.Run(fmt.Sprintf("Fixed3sTimerLoop/%s", length), func(b *testing.B) {
			var c waitCost
			for range b.N {
				c = measureWorst(b, length, func(h *harness, id int64) {
					h.env.RegisterWorkflow(fixedPoller)
					h.env.ExecuteWorkflow(fixedPoller, id)
					require.NoError(b, h.env.GetWorkflowError())
				})
			}
			report(b, c)
		})
	}
}

// fixedPoller is the naive design: trigger, then sleep 3 s and poll, in a
// workflow loop (each turn an activity and a timer in history).
func fixedPoller(ctx workflow.Context, syncID int64) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var trig client.TriggerRunOutput
	if err := workflow.ExecuteActivity(ctx, "TriggerRun", activities.TriggerRunInput{SyncID: client.ID(syncID)}).Get(ctx, &trig); err != nil {
		return err
	}
	for {
		if err := workflow.Sleep(ctx, 3*time.Second); err != nil {
			return err
		}
		var page client.Page[client.SyncRun]
		in := activities.ListSyncRunsInput{ListSyncRunsParams: client.ListSyncRunsParams{SyncID: client.ID(syncID), RunID: trig.ID}}
		if err := workflow.ExecuteActivity(ctx, "ListSyncRuns", in).Get(ctx, &page); err != nil {
			return err
		}
		if len(page.Data) > 0 && page.Data[0].Status.Terminal() {
			return nil
		}
	}
}
