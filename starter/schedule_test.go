package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// fakeSchedules records calls and answers from its fields.
type fakeSchedules struct {
	created []client.ScheduleOptions
	err     error
	list    []*client.ScheduleListEntry
	desc    *client.ScheduleDescription
	calls   []string
	trigger client.ScheduleTriggerOptions
	note    string
}

func (f *fakeSchedules) Create(_ context.Context, o client.ScheduleOptions) (client.ScheduleHandle, error) {
	f.created = append(f.created, o)
	if f.err != nil {
		return nil, f.err
	}
	return &fakeHandle{f, o.ID}, nil
}

func (f *fakeSchedules) List(context.Context, client.ScheduleListOptions) (client.ScheduleListIterator, error) {
	return &fakeIterator{entries: f.list}, f.err
}

func (f *fakeSchedules) GetHandle(_ context.Context, id string) client.ScheduleHandle {
	return &fakeHandle{f, id}
}

type fakeIterator struct{ entries []*client.ScheduleListEntry }

func (it *fakeIterator) HasNext() bool { return len(it.entries) > 0 }
func (it *fakeIterator) Next() (*client.ScheduleListEntry, error) {
	e := it.entries[0]
	it.entries = it.entries[1:]
	return e, nil
}

type fakeHandle struct {
	f  *fakeSchedules
	id string
}

func (h *fakeHandle) GetID() string { return h.id }
func (h *fakeHandle) record(call string) error {
	h.f.calls = append(h.f.calls, call+" "+h.id)
	return h.f.err
}
func (h *fakeHandle) Delete(context.Context) error { return h.record("delete") }
func (h *fakeHandle) Backfill(context.Context, client.ScheduleBackfillOptions) error {
	return h.record("backfill")
}
func (h *fakeHandle) Update(context.Context, client.ScheduleUpdateOptions) error {
	return h.record("update")
}
func (h *fakeHandle) Describe(context.Context) (*client.ScheduleDescription, error) {
	return h.f.desc, h.record("describe")
}
func (h *fakeHandle) Trigger(_ context.Context, o client.ScheduleTriggerOptions) error {
	h.f.trigger = o
	return h.record("trigger")
}
func (h *fakeHandle) Pause(_ context.Context, o client.SchedulePauseOptions) error {
	h.f.note = o.Note
	return h.record("pause")
}
func (h *fakeHandle) Unpause(_ context.Context, o client.ScheduleUnpauseOptions) error {
	h.f.note = o.Note
	return h.record("unpause")
}

func TestOverlapNames(t *testing.T) {
	want := map[string]enumspb.ScheduleOverlapPolicy{
		"skip":            enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		"buffer-one":      enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE,
		"buffer-all":      enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL,
		"cancel-other":    enumspb.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER,
		"terminate-other": enumspb.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER,
		"allow-all":       enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
	}
	require.Len(t, overlapNames(), len(want))
	for name, policy := range want {
		got, ok := overlapPolicy(name)
		require.True(t, ok, name)
		require.Equal(t, policy, got, name)
		require.Equal(t, name, overlapName(policy))
	}
	got, ok := overlapPolicy(" Buffer-One ")
	require.True(t, ok)
	require.Equal(t, enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE, got)
	_, ok = overlapPolicy("queue")
	require.False(t, ok)
	require.Equal(t, "skip", overlapName(enumspb.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED))
}

func TestScheduleCreateSync(t *testing.T) {
	a, stdout, _ := testApp(t)
	c, err := a.parseScheduleCreateFlags([]string{"--schedule-id", "hourly", "--cron", "0 * * * *", "--sync-slug", "users",
		"--full-resync", "--fail-on-warning", "--timeout", "50m", "--catchup-window", "10m", "--paused", "--note", "later"})
	require.NoError(t, err)
	o := c.options
	require.Equal(t, "hourly", o.ID)
	require.Equal(t, client.ScheduleSpec{CronExpressions: []string{"0 * * * *"}}, o.Spec)
	require.Equal(t, enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, o.Overlap)
	require.Equal(t, 10*time.Minute, o.CatchupWindow)
	require.True(t, o.Paused)
	require.Equal(t, "later", o.Note)
	action := o.Action.(*client.ScheduleWorkflowAction)
	require.Equal(t, "hourly", action.ID)
	require.Equal(t, workflows.SyncWorkflow, action.Workflow)
	require.Equal(t, "hightouch", action.TaskQueue)
	require.Equal(t, []any{workflows.SyncInput{SyncSlug: "users", FullResync: true, FailOnWarning: true,
		WaitOptions: workflows.WaitOptions{Timeout: "50m"}}}, action.Args)

	f := &fakeSchedules{}
	require.NoError(t, a.createSchedule(context.Background(), f, c))
	require.Len(t, f.created, 1)
	require.Equal(t, `Created schedule hourly: cron "0 * * * *" starts HightouchSync (sync users) on task queue hightouch, overlap skip, paused`+"\n", stdout.String())

	f.err = temporal.ErrScheduleAlreadyRunning
	err = a.createSchedule(context.Background(), f, c)
	require.EqualError(t, err, "starter schedule create: a schedule with id hourly already exists; delete it first ('starter schedule delete --schedule-id hourly') or choose another --schedule-id")
	f.err = serviceerror.NewInvalidArgument("invalid cron")
	err = a.createSchedule(context.Background(), f, c)
	require.Equal(t, exitUsage, err.(*exitError).code)
	require.EqualError(t, err, "starter schedule create: the server rejected schedule hourly: invalid cron")
}

func TestScheduleCreateSequence(t *testing.T) {
	a, _, _ := testApp(t)
	c, err := a.parseScheduleCreateFlags([]string{"--schedule-id", "seq", "--every", "1d", "--sequence-id", "s-1",
		"--fail-on-warning", "--overlap", "buffer-one", "--task-queue", "q"})
	require.NoError(t, err)
	o := c.options
	require.Equal(t, client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 24 * time.Hour}}}, o.Spec)
	require.Equal(t, enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE, o.Overlap)
	require.Zero(t, o.CatchupWindow)
	action := o.Action.(*client.ScheduleWorkflowAction)
	require.Equal(t, workflows.SequenceWorkflow, action.Workflow)
	require.Equal(t, "q", action.TaskQueue)
	require.Equal(t, []any{workflows.SequenceInput{SequenceID: "s-1", FailOnWarning: true}}, action.Args)
	require.Equal(t, "HightouchSyncSequence (sequence s-1)", c.target)
}

func TestCheckCron(t *testing.T) {
	for _, ok := range []string{"0 * * * *", "*/15 9-17 * * MON-FRI", "CRON_TZ=Europe/Paris 0 3 * * *", "@hourly", "0 0 3 * * * 2030"} {
		require.NoError(t, checkCron(ok), ok)
	}
	for _, bad := range []string{"", "0", "0 * * *", "CRON_TZ=UTC @daily extra"} {
		require.Error(t, checkCron(bad), bad)
	}
}

func TestSpecText(t *testing.T) {
	require.Equal(t, "-", specText(nil))
	require.Equal(t, `cron "0 * * * *"; every 1h offset 5m in Europe/Paris`, specText(&client.ScheduleSpec{
		CronExpressions: []string{"0 * * * *"},
		Intervals:       []client.ScheduleIntervalSpec{{Every: time.Hour, Offset: 5 * time.Minute}},
		TimeZoneName:    "Europe/Paris",
	}))
	// As the server hands back "0 3 * * 1-5" and "*/15 * * * *".
	require.Equal(t, `cron "0 3 * * 1-5"; cron "30 */15 0 * * *"`, specText(&client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{
		{Second: []client.ScheduleRange{{Start: 0}}, Minute: []client.ScheduleRange{{Start: 0}}, Hour: []client.ScheduleRange{{Start: 3}},
			DayOfMonth: []client.ScheduleRange{{Start: 1, End: 31}}, Month: []client.ScheduleRange{{Start: 1, End: 12}},
			DayOfWeek: []client.ScheduleRange{{Start: 1, End: 5}}},
		{Second: []client.ScheduleRange{{Start: 30}}, Minute: []client.ScheduleRange{{Start: 0, End: 59, Step: 15}}},
	}}))
}

func TestScheduleList(t *testing.T) {
	a, stdout, _ := testApp(t)
	next := t0.Add(time.Hour)
	f := &fakeSchedules{list: []*client.ScheduleListEntry{{
		ID: "hourly", Spec: &client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
		WorkflowType: workflow.Type{Name: workflows.SyncWorkflow}, Paused: true, Note: "later",
		NextActionTimes: []time.Time{next},
		RecentActions:   []client.ScheduleActionResult{{ScheduleTime: t0, ActualTime: t0, StartWorkflowResult: &client.ScheduleWorkflowExecution{WorkflowID: "hourly-x", FirstExecutionRunID: "r"}}},
	}}}
	exec, err := a.parseScheduleList(nil)
	require.NoError(t, err)
	require.NoError(t, exec(context.Background(), f))
	require.Contains(t, stdout.String(), "SCHEDULE ID  WORKFLOW       SPEC      STATE   NEXT START")
	require.Contains(t, stdout.String(), "hourly       HightouchSync  every 1h  paused  "+fmtTime(next)+"  later")

	stdout.Reset()
	exec, err = a.parseScheduleList([]string{"--json"})
	require.NoError(t, err)
	f.list = []*client.ScheduleListEntry{{ID: "a", WorkflowType: workflow.Type{Name: workflows.SequenceWorkflow}}}
	require.NoError(t, exec(context.Background(), f))
	require.JSONEq(t, `[{"scheduleId":"a","workflowType":"HightouchSyncSequence","spec":"-","paused":false,"nextActionTimes":[],"recentActions":[]}]`, stdout.String())

	stdout.Reset()
	f.list = nil
	require.NoError(t, exec(context.Background(), f))
	require.Equal(t, "[]\n", stdout.String())
	exec, _ = a.parseScheduleList(nil)
	stdout.Reset()
	require.NoError(t, exec(context.Background(), f))
	require.Equal(t, "No schedules in this namespace.\n", stdout.String())
}

func TestScheduleDescribe(t *testing.T) {
	a, stdout, _ := testApp(t)
	input, err := converter.GetDefaultDataConverter().ToPayload(workflows.SyncInput{SyncID: 42, WaitOptions: workflows.WaitOptions{Timeout: "6h"}})
	require.NoError(t, err)
	f := &fakeSchedules{desc: &client.ScheduleDescription{
		Schedule: client.Schedule{
			Action: &client.ScheduleWorkflowAction{ID: "nightly", Workflow: workflows.SyncWorkflow, TaskQueue: "hightouch", Args: []any{input}},
			Spec:   &client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 24 * time.Hour}}},
			Policy: &client.SchedulePolicies{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE, CatchupWindow: 10 * time.Minute},
			State:  &client.ScheduleState{Paused: true, Note: "maintenance"},
		},
		Info: client.ScheduleInfo{
			NumActions: 3, NumActionsSkippedOverlap: 1,
			RunningWorkflows: []client.ScheduleWorkflowExecution{{WorkflowID: "nightly-2025", FirstExecutionRunID: "r9"}},
			NextActionTimes:  []time.Time{t0},
			CreatedAt:        t0,
		},
	}}
	exec, err := a.parseScheduleDescribe([]string{"--schedule-id", "nightly"})
	require.NoError(t, err)
	require.NoError(t, exec(context.Background(), f))
	out := stdout.String()
	for _, want := range []string{
		"Schedule ID:     nightly\n",
		"Spec:            every 1d\n",
		"Workflow:        HightouchSync, id nightly-<time>, task queue hightouch\n",
		`Input:           {"syncId":42,"timeout":"6h"}` + "\n",
		"Overlap:         buffer-one\n",
		"Catchup window:  10m\n",
		"State:           paused (maintenance)\n",
		"Starts:          3 (missed the catchup window 0, skipped for overlap 1)\n",
		"Running:         nightly-2025 (run r9)\n",
		"Next start:      " + fmtTime(t0) + "\n",
	} {
		require.Contains(t, out, want)
	}

	stdout.Reset()
	exec, err = a.parseScheduleDescribe([]string{"--schedule-id", "nightly", "--json"})
	require.NoError(t, err)
	require.NoError(t, exec(context.Background(), f))
	var d scheduleDetails
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &d))
	require.Equal(t, "buffer-one", d.Policy.Overlap)
	require.JSONEq(t, `{"syncId":42,"timeout":"6h"}`, string(d.Action.Input))
	require.True(t, d.State.Paused)

	f.err = serviceerror.NewNotFound("schedule not found")
	err = exec(context.Background(), f)
	require.EqualError(t, err, "starter schedule describe: no schedule with id nightly in this namespace; see 'starter schedule list'")
}

func TestScheduleActions(t *testing.T) {
	a, stdout, _ := testApp(t)
	f := &fakeSchedules{}
	run := func(parse func(*app, []string) (scheduleExec, error), args ...string) {
		t.Helper()
		exec, err := parse(a, args)
		require.NoError(t, err)
		require.NoError(t, exec(context.Background(), f))
	}
	run((*app).parseScheduleTrigger, "--schedule-id", "s1", "--overlap", "allow-all")
	require.Equal(t, enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, f.trigger.Overlap)
	run((*app).parseScheduleTrigger, "--schedule-id", "s1")
	require.Equal(t, enumspb.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, f.trigger.Overlap)
	run((*app).parseSchedulePause, "--schedule-id", "s1", "--note", "migration")
	require.Equal(t, "migration", f.note)
	run((*app).parseScheduleUnpause, "--schedule-id", "s1")
	require.Equal(t, "Unpaused by the hightouch-temporal starter", f.note)
	run((*app).parseScheduleDelete, "--schedule-id", "s1")
	require.Equal(t, []string{"trigger s1", "trigger s1", "pause s1", "unpause s1", "delete s1"}, f.calls)
	require.Contains(t, stdout.String(), "Triggered schedule s1")
	require.Contains(t, stdout.String(), "Paused schedule s1\n")
	require.Contains(t, stdout.String(), "Unpaused schedule s1\n")
	require.Contains(t, stdout.String(), "Deleted schedule s1\n")

	f.err = serviceerror.NewNotFound("nope")
	exec, err := a.parseScheduleDelete([]string{"--schedule-id", "gone"})
	require.NoError(t, err)
	err = exec(context.Background(), f)
	require.Equal(t, exitFailure, err.(*exitError).code)
	require.EqualError(t, err, "starter schedule delete: no schedule with id gone in this namespace; see 'starter schedule list'")
}
