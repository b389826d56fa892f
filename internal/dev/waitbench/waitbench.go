// Package waitbench measures what waiting on a Hightouch run costs: Hightouch
// requests, Temporal history events, how late the end of a run is noticed
// and how long a worker slot is held. It runs the real workflows and
// activities in Temporal's time-skipping test environment against the
// emulator, on one simulated clock, so hours of waiting take milliseconds,
// and it runs a fixed-3-second poller (the Airflow provider's policy, written
// as a workflow timer loop) the same way for comparison.
package waitbench

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/simclock"
	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// Env is a test environment wired to an emulator on one simulated clock.
type Env struct {
	Env   *testsuite.TestWorkflowEnvironment
	Emu   *hightouchtest.Emulator
	Clock *simclock.Clock
	// Acts are the activities registered, on the emulator.
	Acts    *activities.Activities
	signals *envTemporal
	close   func()
}

// Quiet keeps the SDK's per-attempt debug lines out of the output.
var Quiet = logging.Discard()

// NewEnv builds the environment with both workflows and every activity
// registered. Close it when done.
func NewEnv(opts ...hightouchtest.Option) *Env {
	return NewEnvWith(nil, opts...)
}

// NewEnvWith is NewEnv with register called after the project's workflows
// are registered and before any mock is set (the test environment refuses
// registrations after one), so that a test can stand a workflow in for one
// of them (with DisableAlreadyRegisteredCheck).
func NewEnvWith(register func(*testsuite.TestWorkflowEnvironment), opts ...hightouchtest.Option) *Env {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(Quiet)
	if os.Getenv("HT_DEBUG") != "" {
		zl, _ := logging.New(os.Stderr, "debug", "console") // a valid level and format
		suite.SetLogger(logging.Temporal(zl))
	}
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(2 * time.Minute)
	clock := simclock.New(env.Now)
	emu := hightouchtest.New(append([]hightouchtest.Option{hightouchtest.WithClock(clock.Now), hightouchtest.WithRandSeed(1)}, opts...)...)
	srv := httptest.NewServer(emu)
	c := client.New(client.WithSecurity(hightouchtest.DefaultToken), client.WithServerURL(srv.URL+"/api/v1"))
	signaler := &envTemporal{env: env}
	acts := &activities.Activities{Client: c, Clock: clock, Temporal: signaler}
	env.RegisterActivity(acts)
	workflows.Register(env)
	if register != nil {
		register(env)
	}
	// The test environment delivers signals between the workflows it runs
	// (a requester and its trigger writer); a signal to any other workflow
	// finds none, as on a server where the writer is not running yet.
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything).
		Return(&temporal.UnknownExternalWorkflowExecutionError{})
	return &Env{Env: env, Emu: emu, Clock: clock, Acts: acts, signals: signaler, close: srv.Close}
}

// envTemporal is what the activities ask of Temporal, in the test
// environment: done on the environment's own loop, the only safe place.
type envTemporal struct {
	env  *testsuite.TestWorkflowEnvironment
	sent atomic.Int64
}

func (s *envTemporal) SignalWorkflow(_ context.Context, workflowID, _, signalName string, arg any) error {
	s.sent.Add(1)
	s.env.RegisterDelayedCallback(func() { _ = s.env.SignalWorkflowByID(workflowID, signalName, arg) }, 0)
	return nil
}

// DescribeWorkflowExecution tells running workflows (no error yet) from
// those that ended with one (terminated, failed) or do not exist.
func (s *envTemporal) DescribeWorkflowExecution(ctx context.Context, workflowID, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	status := make(chan enums.WorkflowExecutionStatus, 1)
	s.env.RegisterDelayedCallback(func() {
		if s.env.GetWorkflowErrorByID(workflowID) != nil {
			status <- enums.WORKFLOW_EXECUTION_STATUS_TERMINATED
			return
		}
		status <- enums.WORKFLOW_EXECUTION_STATUS_RUNNING
	}, 0)
	select {
	case st := <-status:
		return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Status: st}}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops the emulator's server.
func (e *Env) Close() { e.close() }

// Design is a way of waiting on a run.
type Design string

// The designs measured.
const (
	HightouchSync = Design("HightouchSync")
	Fixed3s       = Design("Fixed3sTimerLoop")
)

// Cost is what one simulated run cost.
type Cost struct {
	Requests int           // Hightouch API requests, trigger included
	Events   int           // history events the server would write (see HistoryEvents)
	Notice   time.Duration // from the run finishing at Hightouch to a poll seeing it
	SlotHeld time.Duration // time a poll activity held a worker slot
	// Staleness is the worst age of the snapshot the progress query
	// returned, as a share of the time since the trigger, sampled each
	// minute after the first (each ten minutes after two hours).
	Staleness float64
	Reports   int // progress signals the workflow received
}

// HistoryShape counts what a workflow did, for HistoryEvents.
type HistoryShape struct {
	Activities  int // activities scheduled (retries are not written)
	Timers      int // timers started
	TimersFired int // of which fired (the others were cancelled)
	Signals     int // signals received
	SignalsSent int // signals sent to other workflows (delivered or failed)
	Children    int // child workflows started
	Markers     int // markers recorded (versions, side effects)
	Upserts     int // search attribute upserts (a version marker makes one too)
}

// HistoryEvents is the number of events a Temporal server writes for a
// workflow of that shape: started and completed (2); a workflow task (3
// events) at the start and for each event that wakes the workflow (an
// activity closing, a timer firing, a signal coming in, a signal sent or a
// child started being confirmed); per activity scheduled, started and closed
// (3), per timer started and fired or cancelled (2), per signal received
// (1), per signal sent or child started initiated and confirmed (2), per
// marker and per search attribute upsert 1. The end-to-end tests check this
// model against real histories.
func HistoryEvents(s HistoryShape) int {
	tasks := 1 + s.Activities + s.TimersFired + s.Signals + s.SignalsSent + s.Children
	return 2 + 3*tasks + 3*s.Activities + 2*s.Timers + s.Signals + 2*s.SignalsSent + 2*s.Children + s.Markers + s.Upserts
}

// Measure runs one simulated run of the given length with the design.
func Measure(d Design, length time.Duration) (Cost, error) {
	e := NewEnv()
	defer e.Close()
	var shape HistoryShape
	// Only the workflow measured counts, not the trigger writer it starts.
	e.Env.SetOnActivityCompletedListener(func(info *activity.Info, _ converter.EncodedValue, _ error) {
		if !workflows.IsWriterID(info.WorkflowExecution.ID) {
			shape.Activities++
		}
	})
	e.Env.SetOnTimerScheduledListener(func(string, time.Duration) { shape.Timers++ })
	// Queued 1 s, querying a tenth of the run, processing most of it.
	q := length / 10
	id := e.Emu.NewSync("s", hightouchtest.Scenario{Phases: []hightouchtest.Phase{
		{Status: "queued", Duration: time.Second}, {Status: "querying", Duration: q},
		{Status: "processing", Duration: length - 2*q - time.Second}, {Status: "reporting", Duration: q},
	}})
	var stale float64
	switch d {
	case HightouchSync:
		for t := time.Minute; t < length; t += max(time.Minute, min(t/12, 10*time.Minute)) {
			e.Env.RegisterDelayedCallback(func() { stale = max(stale, e.staleness(id)) }, t)
		}
		// As on a namespace with the search attributes registered.
		workflows.Configure(workflows.Settings{SearchAttributes: true})
		defer workflows.Configure(workflows.Settings{})
		e.Env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(mock.Arguments) { shape.Upserts++ }).Return(nil)
		e.Env.ExecuteWorkflow(workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(id), WaitOptions: workflows.WaitOptions{Timeout: "48h"}})
		// The one-writer step, with the writer already running (the usual
		// case): a version marker (which upserts TemporalChangeVersion),
		// the settings' side effect, the request signalled to the writer,
		// its reply, and the two timers waiting for it (cancelled); then a
		// signal per progress report and the deadline's timer. The
		// writer's own timers are not this workflow's.
		shape.Timers = 3
		shape.Signals, shape.SignalsSent, shape.Markers = 1+int(e.signals.sent.Load()), 1, 2
		shape.Upserts++
	case Fixed3s:
		e.Env.RegisterWorkflow(fixedPoller)
		e.Env.ExecuteWorkflow(fixedPoller, id)
	default:
		return Cost{}, fmt.Errorf("unknown design %q", d)
	}
	if err := e.Env.GetWorkflowError(); err != nil {
		return Cost{}, err
	}
	runs := e.Emu.Runs(id)
	if len(runs) != 1 || runs[0].FirstSeenTerminalAt == nil || runs[0].FinishedAt == nil {
		return Cost{}, errors.New("the run's end was not seen")
	}
	return Cost{
		Requests:  e.Emu.Stats().Requests,
		Events:    HistoryEvents(shape),
		Notice:    runs[0].FirstSeenTerminalAt.Sub(*runs[0].FinishedAt),
		SlotHeld:  e.Clock.Now().Sub(e.Env.Now()),
		Staleness: stale,
		Reports:   int(e.signals.sent.Load()),
	}, nil
}

// staleness is the age of the snapshot the progress query returns, as a
// share of the time since the run was created (both on the simulated clock).
func (e *Env) staleness(syncID int64) float64 {
	v, err := e.Env.QueryWorkflow(workflows.ProgressQuery)
	if err != nil {
		return 0
	}
	var p workflows.SyncProgress
	runs := e.Emu.Runs(syncID)
	if v.Get(&p) != nil || p.ObservedAt.IsZero() || len(runs) == 0 {
		return 0
	}
	now := e.Clock.Now()
	elapsed := now.Sub(runs[0].CreatedAt)
	if elapsed < time.Minute {
		return 0
	}
	return float64(now.Sub(p.ObservedAt)) / float64(elapsed)
}

// EndOffsets shift a run's end against the poll schedule, so that the worst
// notice delay shows rather than a lucky alignment.
var EndOffsets = []time.Duration{0, 370 * time.Millisecond, 900 * time.Millisecond, 1400 * time.Millisecond, 1950 * time.Millisecond,
	5300 * time.Millisecond, 11100 * time.Millisecond, 17700 * time.Millisecond, 23900 * time.Millisecond, 29500 * time.Millisecond}

// MeasureWorst runs the design once per end offset (those under half the
// length) and keeps the worst of each metric.
func MeasureWorst(d Design, length time.Duration) (Cost, error) {
	var worst Cost
	for _, off := range EndOffsets {
		if off >= length/2 {
			continue
		}
		c, err := Measure(d, length+off)
		if err != nil {
			return worst, err
		}
		worst.Requests = max(worst.Requests, c.Requests)
		worst.Events = max(worst.Events, c.Events)
		worst.Notice = max(worst.Notice, c.Notice)
		worst.SlotHeld = max(worst.SlotHeld, c.SlotHeld)
		worst.Staleness = max(worst.Staleness, c.Staleness)
		worst.Reports = max(worst.Reports, c.Reports)
	}
	return worst, nil
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
