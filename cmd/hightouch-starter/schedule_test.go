package main

import (
	"context"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// fakeSchedules records the schedules created.
type fakeSchedules struct {
	client.ScheduleClient // List and GetHandle: not used by create
	created               []client.ScheduleOptions
	err                   error
}

func (f *fakeSchedules) Create(_ context.Context, o client.ScheduleOptions) (client.ScheduleHandle, error) {
	f.created = append(f.created, o)
	return nil, f.err
}

func parseScheduleCreate(t *testing.T, a *app, args ...string) (*scheduleCreate, error) {
	var o scheduleCreateOptions
	return o.parse(a, parsed(t, o.bind, args...))
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
	c, err := parseScheduleCreate(t, a, "--schedule-id", "hourly", "--cron", "0 * * * *", "--sync-slug", "users",
		"--full-resync", "--fail-on-warning", "--timeout", "50m", "--catchup-window", "10m", "--paused", "--note", "later")
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
	require.EqualError(t, err, "starter schedule create: a schedule with id hourly already exists; delete it first ('temporal schedule delete --schedule-id hourly') or choose another --schedule-id")
	f.err = serviceerror.NewInvalidArgument("invalid cron")
	err = a.createSchedule(context.Background(), f, c)
	require.Equal(t, exitUsage, err.(*exitError).code)
	require.EqualError(t, err, "starter schedule create: the server rejected schedule hourly: invalid cron")
}

func TestScheduleCreateSequence(t *testing.T) {
	a, _, _ := testApp(t)
	c, err := parseScheduleCreate(t, a, "--schedule-id", "seq", "--every", "1d", "--sequence-id", "s-1",
		"--fail-on-warning", "--overlap", "buffer-one", "--task-queue", "q")
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
	require.Equal(t, `cron "0 * * * *"; every 1h`, specText(&client.ScheduleSpec{
		CronExpressions: []string{"0 * * * *"},
		Intervals:       []client.ScheduleIntervalSpec{{Every: time.Hour}},
	}))
}
