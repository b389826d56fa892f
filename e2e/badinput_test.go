package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	temporalclient "go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// TestBadWorkflowInputThroughCLI sends bad inputs with `temporal workflow
// execute`: each fails once with a clear InvalidInput that names the field,
// and the worker keeps serving good work.
func TestBadWorkflowInputThroughCLI(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stamp := time.Now().UnixNano()
	cases := []struct {
		name, typ, input, want string
	}{
		{"missing", workflows.SyncWorkflow, `{}`, `field "syncId": give syncId`},
		{"wrong type id", workflows.SyncWorkflow, `{"syncId":true}`, `field "syncId"`},
		{"non-digit id", workflows.SyncWorkflow, `{"syncId":"12a"}`, `field "syncId": expected a number or a string of digits`},
		{"negative id", workflows.SyncWorkflow, `{"syncId":-3}`, `field "syncId": expected a non-negative whole number`},
		{"both", workflows.SyncWorkflow, `{"syncId":1,"syncSlug":"a"}`, `not both`},
		{"flag type", workflows.SyncWorkflow, `{"syncId":1,"failOnWarning":"yes"}`, `field "failOnWarning": expected true or false`},
		{"timeout range", workflows.SyncWorkflow, `{"syncId":1,"timeout":"0s"}`, `field "timeout": expected a duration from 1s`},
		{"timeout type", workflows.SyncWorkflow, `{"syncId":1,"timeout":3600}`, `field "timeout": expected a string`},
		{"poll bounds", workflows.SyncWorkflow, `{"syncId":1,"minPollInterval":"10m","maxPollInterval":"1m"}`, `field "maxPollInterval"`},
		{"unknown field", workflows.SyncWorkflow, `{"syncId":1,"timout":"1h"}`, `field "timout": unknown field`},
		{"not an object", workflows.SyncWorkflow, `["syncId",1]`, `input must be a JSON object`},
		{"long slug", workflows.SyncWorkflow, fmt.Sprintf(`{"syncSlug":%q}`, strings.Repeat("s", 5000)), `field "syncSlug": expected at most 256 characters`},
		{"sequence missing", workflows.SequenceWorkflow, `{}`, `field "sequenceId": required`},
		{"sequence type", workflows.SequenceWorkflow, `{"sequenceId":7}`, `field "sequenceId": expected a string`},
	}
	for _, c := range cases {
		wid := fmt.Sprintf("e2e-bad-%s-%d", strings.ReplaceAll(c.name, " ", "-"), stamp)
		res := e.run(t, time.Minute, e.temporalCLI, nil, "workflow", "execute", "--address", e.temporalAddr,
			"--type", c.typ, "--task-queue", workflows.TaskQueue, "--workflow-id", wid, "--input", c.input)
		require.NotEqual(t, 0, res.code, c.name)
		require.Contains(t, res.stdout+res.stderr, c.want, c.name)
		err := e.tc.GetWorkflow(ctx, wid, "").Get(ctx, nil)
		require.Equal(t, errortypes.InvalidInput, errortypes.Of(err), "%s: %v", c.name, err)
		require.Equal(t, 1, countEvents(t, e, wid, enums.EVENT_TYPE_WORKFLOW_TASK_STARTED), "%s: failed in its first workflow task", c.name)
	}

	// Malformed JSON never reaches the server: the CLI refuses it.
	res := e.run(t, time.Minute, e.temporalCLI, nil, "workflow", "start", "--address", e.temporalAddr,
		"--type", workflows.SyncWorkflow, "--task-queue", workflows.TaskQueue, "--workflow-id", fmt.Sprintf("e2e-bad-json-%d", stamp), "--input", `{"syncId":`)
	require.NotEqual(t, 0, res.code)
	require.Contains(t, strings.ToLower(res.stdout+res.stderr), "json")

	// A 10 MB input is refused by the server with a clear message.
	big := filepath.Join(t.TempDir(), "big.json")
	require.NoError(t, os.WriteFile(big, []byte(`{"syncSlug":"`+strings.Repeat("x", 10<<20)+`"}`), 0o600))
	res = e.run(t, time.Minute, e.temporalCLI, nil, "workflow", "start", "--address", e.temporalAddr,
		"--type", workflows.SyncWorkflow, "--task-queue", workflows.TaskQueue, "--workflow-id", fmt.Sprintf("e2e-bad-big-%d", stamp), "--input-file", big)
	require.NotEqual(t, 0, res.code)
	require.Regexp(t, `(?i)(size|larger than max|limit)`, res.stdout+res.stderr)

	// The worker still serves good work.
	id, _ := newSync(t, e, quick)
	var out workflows.SyncResult
	run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: fmt.Sprintf("e2e-bad-then-good-%d", stamp), TaskQueue: workflows.TaskQueue},
		workflows.SyncWorkflow, workflows.SyncInput{SyncID: clientID(id)})
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, &out))
}

// TestBadStarterFlags checks the starter's answers to bad flags: one line,
// naming the flag, exit code 2, no workflow started.
func TestBadStarterFlags(t *testing.T) {
	t.Parallel()
	e := setup(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"sync"}, "--sync-id"},
		{[]string{"sync", "--sync-id", "abc"}, "--sync-id"},
		{[]string{"sync", "--sync-id", "1", "--sync-slug", "x"}, "--sync-slug"},
		{[]string{"sync", "--sync-id", "1", "--timeout", "soon"}, "--timeout"},
		{[]string{"sequence"}, "--sequence-id"},
		{[]string{"schedule", "create", "--schedule-id", "s", "--sync-id", "1"}, "--cron"},
		{[]string{"schedule", "create", "--schedule-id", "s", "--every", "1h", "--sync-id", "1", "--overlap", "sometimes"}, "--overlap"},
		{[]string{"launch"}, "launch"},
		{[]string{"schedule", "list"}, "temporal schedule list"},
	}
	for _, c := range cases {
		res := e.run(t, time.Minute, e.bins["starter"], nil, c.args...)
		require.Equal(t, 2, res.code, "%v: %s %s", c.args, res.stdout, res.stderr)
		require.Contains(t, res.stderr, c.want, "%v", c.args)
		require.NotContains(t, res.stderr, "goroutine", "no stack traces")
	}
}

// badActivityCaller runs one activity on the hightouch queue with a bad
// input and the default (unlimited) retry policy.
func badActivityCaller(ctx workflow.Context, activityType string, input map[string]any) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: workflows.TaskQueue, StartToCloseTimeout: time.Minute})
	return workflow.ExecuteActivity(ctx, activityType, input).Get(ctx, nil)
}

// TestBadActivityInputFailsOnce calls activities by name from another
// workflow, as other SDKs would, with bad inputs and an unlimited retry
// policy: each fails on its first attempt.
func TestBadActivityInputFailsOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	w := worker.New(e.tc, "e2e-bad-activity", worker.Options{})
	w.RegisterWorkflow(badActivityCaller)
	require.NoError(t, w.Start())
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stamp := time.Now().UnixNano()
	cases := []struct {
		activity string
		input    map[string]any
		want     string
	}{
		{"GetSync", map[string]any{"syncId": "abc"}, `field "syncId"`},
		{"UpdateSync", map[string]any{"syncId": 1, "disabled": "no"}, `field "disabled"`},
		{"CreateDestination", map[string]any{"name": 5}, `field "name"`},
		{"ListSyncRuns", map[string]any{"syncId": 1, "limit": "all"}, `field "limit"`},
		{"TriggerRun", map[string]any{}, `field "syncId": required`},
		{"TriggerSequenceRun", map[string]any{"syncSequenceId": []int{1}}, `field "syncSequenceId"`},
	}
	for i, c := range cases {
		wid := fmt.Sprintf("e2e-bad-activity-%d-%d", i, stamp)
		run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: wid, TaskQueue: "e2e-bad-activity"}, badActivityCaller, c.activity, c.input)
		require.NoError(t, err)
		err = run.Get(ctx, nil)
		require.Equal(t, errortypes.InvalidInput, errortypes.Of(err), "%s: %v", c.activity, err)
		require.Contains(t, err.Error(), c.want)
		require.Equal(t, int32(1), lastActivityAttempt(t, e, wid), "%s: failed on its first attempt", c.activity)
	}
}

func countEvents(t *testing.T, e *env, wid string, typ enums.EventType) int {
	t.Helper()
	n := 0
	iter := e.tc.GetWorkflowHistory(context.Background(), wid, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		if ev.GetEventType() == typ {
			n++
		}
	}
	return n
}

func lastActivityAttempt(t *testing.T, e *env, wid string) int32 {
	t.Helper()
	var attempt int32
	iter := e.tc.GetWorkflowHistory(context.Background(), wid, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
			attempt = a.GetAttempt()
		}
	}
	return attempt
}
