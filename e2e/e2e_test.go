package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	temporalclient "go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/waitbench"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// quick is a short run: about 4 s from trigger to success.
var quick = hightouchtest.Scenario{
	Phases: []hightouchtest.Phase{
		{Status: "queued", Duration: 500 * time.Millisecond}, {Status: "querying", Duration: time.Second},
		{Status: "processing", Duration: 2 * time.Second}, {Status: "reporting", Duration: 500 * time.Millisecond},
	},
	QuerySize: 40, PlannedRows: hightouchtest.RowCounts{AddedCount: 30, ChangedCount: 10},
	SuccessfulRows: hightouchtest.RowCounts{AddedCount: 30, ChangedCount: 10},
}

// lasting returns a run whose processing phase takes d.
func lasting(d time.Duration) hightouchtest.Scenario {
	sc := quick
	sc.Phases = []hightouchtest.Phase{{Status: "queued", Duration: 500 * time.Millisecond}, {Status: "querying", Duration: time.Second}, {Status: "processing", Duration: d}}
	return sc
}

func newSync(t *testing.T, e *env, sc hightouchtest.Scenario) (int64, string) {
	t.Helper()
	slug := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")) + fmt.Sprint(time.Now().UnixNano()%100000)
	id, err := e.admin.NewSync(context.Background(), slug, sc)
	require.NoError(t, err)
	return id, slug
}

func triggers(t *testing.T, e *env, syncID int64) int {
	t.Helper()
	stats, err := e.admin.Stats(context.Background())
	require.NoError(t, err)
	return stats.Syncs[fmt.Sprint(syncID)].Triggers
}

func TestStarterSyncBySlug(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id, slug := newSync(t, e, quick)
	res := e.run(t, 2*time.Minute, e.bins["starter"], nil, "sync", "--sync-slug", slug, "--json", "--workflow-id", "e2e-starter-"+slug)
	require.Equal(t, 0, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
	var out workflows.SyncResult
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &out), res.stdout)
	require.Equal(t, client.RunSuccess, out.Status)
	require.Equal(t, client.ID(id), out.SyncID)
	require.Equal(t, int64(40), out.SuccessfulRows.Total())
	require.Equal(t, 1, triggers(t, e, id))
}

func TestStarterReportsFailure(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sc := quick
	sc.Status, sc.Error = "failed", "destination unreachable"
	_, slug := newSync(t, e, sc)
	res := e.run(t, 2*time.Minute, e.bins["starter"], nil, "sync", "--sync-slug", slug, "--progress", "none", "--workflow-id", "e2e-fail-"+slug)
	require.Equal(t, 1, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
	require.Contains(t, res.stdout+res.stderr, "SyncRunFailed")
	require.Contains(t, res.stdout+res.stderr, "destination unreachable")
}

func TestTemporalCLIStart(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id, slug := newSync(t, e, quick)
	wid := "e2e-cli-" + slug
	res := e.run(t, time.Minute, e.temporalCLI, nil, "workflow", "start", "--address", e.temporalAddr,
		"--type", "HightouchSync", "--task-queue", "hightouch", "--workflow-id", wid, "--input", fmt.Sprintf(`{"syncSlug":%q}`, slug))
	require.Equal(t, 0, res.code, res.stderr)
	var out workflows.SyncResult
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, e.tc.GetWorkflow(ctx, wid, "").Get(ctx, &out))
	require.Equal(t, client.RunSuccess, out.Status)
	require.Equal(t, 1, triggers(t, e, id))

	// Bad input through the CLI fails at once with InvalidInput.
	bad := e.run(t, time.Minute, e.temporalCLI, nil, "workflow", "execute", "--address", e.temporalAddr,
		"--type", "HightouchSync", "--task-queue", "hightouch", "--workflow-id", wid+"-bad", "--input", `{"syncId":"abc"}`)
	require.NotEqual(t, 0, bad.code)
	require.Contains(t, bad.stdout+bad.stderr, `field "syncId": expected a number or a string of digits, got "abc"`)
	err := e.tc.GetWorkflow(ctx, wid+"-bad", "").Get(ctx, nil)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, errortypes.InvalidInput, appErr.Type())
}

func TestStarterSequence(t *testing.T) {
	t.Parallel()
	e := setup(t)
	first, _ := newSync(t, e, quick)
	warn := quick
	warn.Status = "warning"
	second, _ := newSync(t, e, warn)
	seq, err := e.admin.NewSequence(context.Background(), "", first, second)
	require.NoError(t, err)
	res := e.run(t, 2*time.Minute, e.bins["starter"], nil, "sequence", "--sequence-id", seq, "--json", "--workflow-id", "e2e-seq-"+seq)
	require.Equal(t, 0, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
	var out workflows.SequenceResult
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &out), res.stdout)
	require.Equal(t, client.SequenceDone, out.Status)
	require.Len(t, out.SyncRuns, 2)
	require.Equal(t, client.RunWarning, out.SyncRuns[1].Status)
	require.Equal(t, int64(40), out.SyncRuns[0].SuccessfulRows.Total())
}

func TestScheduleFires(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id, _ := newSync(t, e, quick)
	sid := fmt.Sprintf("e2e-schedule-%d", id)
	res := e.run(t, time.Minute, e.bins["starter"], nil, "schedule", "create", "--schedule-id", sid, "--every", "10s", "--sync-id", fmt.Sprint(id))
	require.Equal(t, 0, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
	// The temporal CLI manages the schedule from there, as the README says.
	defer e.run(t, time.Minute, e.temporalCLI, nil, "schedule", "delete", "--address", e.temporalAddr, "--schedule-id", sid)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	h := e.tc.ScheduleClient().GetHandle(ctx, sid)
	var started string
	require.Eventually(t, func() bool {
		d, err := h.Describe(ctx)
		if err != nil || len(d.Info.RecentActions) == 0 {
			return false
		}
		started = d.Info.RecentActions[0].StartWorkflowResult.WorkflowID
		return true
	}, 90*time.Second, 500*time.Millisecond, "the schedule never fired")
	var out workflows.SyncResult
	require.NoError(t, e.tc.GetWorkflow(ctx, started, "").Get(ctx, &out))
	require.Equal(t, client.RunSuccess, out.Status)
	require.GreaterOrEqual(t, triggers(t, e, id), 1)

	pause := e.run(t, time.Minute, e.temporalCLI, nil, "schedule", "toggle", "--address", e.temporalAddr, "--schedule-id", sid, "--pause", "--reason", "e2e")
	require.Equal(t, 0, pause.code, pause.stderr)
	d, err := h.Describe(ctx)
	require.NoError(t, err)
	require.True(t, d.Schedule.State.Paused)
	require.Equal(t, enums.SCHEDULE_OVERLAP_POLICY_SKIP, d.Schedule.Policy.Overlap, "overlap defaults to skip")
}

// parent is a caller's workflow on its own task queue that runs HightouchSync
// by name as a child on the hightouch queue.
func parent(ctx workflow.Context, syncID int64) (workflows.SyncResult, error) {
	ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		TaskQueue: workflows.TaskQueue, ParentClosePolicy: enums.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
	})
	var res workflows.SyncResult
	err := workflow.ExecuteChildWorkflow(ctx, workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(syncID)}).Get(ctx, &res)
	return res, err
}

func TestChildWorkflowCaller(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id, _ := newSync(t, e, quick)
	w := worker.New(e.tc, "e2e-parent", worker.Options{})
	w.RegisterWorkflow(parent)
	require.NoError(t, w.Start())
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: fmt.Sprintf("e2e-parent-%d", id), TaskQueue: "e2e-parent"}, parent, id)
	require.NoError(t, err)
	var out workflows.SyncResult
	require.NoError(t, run.Get(ctx, &out))
	require.Equal(t, client.RunSuccess, out.Status)
	require.Equal(t, client.ID(id), out.SyncID)
}

func TestProgressQueryWhileRunning(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id, _ := newSync(t, e, lasting(30*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: fmt.Sprintf("e2e-progress-%d", id), TaskQueue: workflows.TaskQueue},
		workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err)
	var p workflows.SyncProgress
	require.Eventually(t, func() bool {
		v, err := e.tc.QueryWorkflow(ctx, run.GetID(), "", workflows.ProgressQuery)
		return err == nil && v.Get(&p) == nil && p.Phase == "processing"
	}, time.Minute, 250*time.Millisecond)
	require.Equal(t, workflows.StateRunning, p.State)
	require.Equal(t, client.ID(id), p.SyncID)
	require.NotEmpty(t, p.RunID)
	require.NotNil(t, p.Deadline)
	require.WithinDuration(t, time.Now(), p.ObservedAt, time.Minute)

	// The status command shows the same.
	res := e.run(t, time.Minute, e.bins["starter"], nil, "status", "--workflow-id", run.GetID())
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "processing")
	require.NoError(t, e.tc.CancelWorkflow(ctx, run.GetID(), ""))
}

func TestWorkerKilledMidWaitTriggersOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	const queue = "e2e-kill"
	log := &syncBuffer{}
	w, err := e.startWorker(context.Background(), queue, log)
	require.NoError(t, err)
	id, _ := newSync(t, e, lasting(20*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: fmt.Sprintf("e2e-kill-%d", id), TaskQueue: queue},
		workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var p workflows.SyncProgress
		v, err := e.tc.QueryWorkflow(ctx, run.GetID(), "", workflows.ProgressQuery)
		return err == nil && v.Get(&p) == nil && p.Phase == "processing"
	}, time.Minute, 250*time.Millisecond)

	w.Kill() // SIGKILL: no graceful stop
	time.Sleep(2 * time.Second)
	_, err = e.startWorker(context.Background(), queue, log)
	require.NoError(t, err)

	var out workflows.SyncResult
	require.NoError(t, run.Get(ctx, &out))
	require.Equal(t, client.RunSuccess, out.Status)
	require.Equal(t, 1, triggers(t, e, id), "a restarted worker resumes the wait without a second trigger")
}

// TestHistoryStaysSmall runs a sync longer than the poll hold window, so that
// the wait hands over to server-side retries, and checks the real history
// against the event model the wait benchmark uses.
func TestHistoryStaysSmall(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id, _ := newSync(t, e, lasting(150*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: fmt.Sprintf("e2e-history-%d", id), TaskQueue: workflows.TaskQueue},
		workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))

	var events int
	var types []string
	var shape waitbench.HistoryShape
	var maxAttempt int32
	iter := e.tc.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		events++
		types = append(types, strings.TrimPrefix(ev.GetEventType().String(), "EVENT_TYPE_"))
		switch ev.GetEventType() {
		case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			shape.Activities++
		case enums.EVENT_TYPE_TIMER_STARTED:
			shape.Timers++
		case enums.EVENT_TYPE_TIMER_FIRED:
			shape.TimersFired++
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			shape.Signals++
		case enums.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
			shape.SignalsSent++
		case enums.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
			shape.Children++
		case enums.EVENT_TYPE_MARKER_RECORDED:
			shape.Markers++
		case enums.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			shape.Upserts++
		case enums.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			maxAttempt = max(maxAttempt, ev.GetActivityTaskStartedEventAttributes().GetAttempt())
		}
	}
	require.Greater(t, maxAttempt, int32(1), "the wait went on through server-side retries")
	require.LessOrEqual(t, events, 70, "a 150 s run, search attribute updates included")
	require.Equal(t, waitbench.HistoryEvents(shape), events, "the benchmark's event model matches a real history: %+v\n%s", shape, strings.Join(types, "\n"))
}

func clientID(id int64) client.ID { return client.ID(id) }
