package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	temporalclient "go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// api is a Hightouch client on the emulator, for starting runs as someone
// else would (Hightouch's schedule, a dbt Cloud job).
func (e *env) api() *client.Client {
	return client.New(client.WithSecurity(hightouchtest.DefaultToken), client.WithServerURL(e.emuURL))
}

// listed waits until a visibility query finds exactly the workflow ids
// given (visibility is eventually consistent).
func listed(t *testing.T, tc temporalclient.Client, query string, want ...string) {
	t.Helper()
	var got []string
	require.Eventually(t, func() bool {
		resp, err := tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return false
		}
		got = got[:0]
		for _, ex := range resp.GetExecutions() {
			got = append(got, ex.GetExecution().GetWorkflowId())
		}
		return len(got) == len(want) && strings.Join(got, ",") == strings.Join(want, ",")
	}, 20*time.Second, 200*time.Millisecond, "query %s: want %v", query, want)
}

func TestWaitForSyncRunStartedElsewhere(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id, slug := newSync(t, e, lasting(2*time.Second))
	// A pipeline starts waiting before the run exists...
	wid := "e2e-wait-" + slug
	run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: wid, TaskQueue: workflows.TaskQueue},
		workflows.WaitForSyncRunWorkflow, workflows.WaitForSyncRunInput{SyncSlug: slug})
	require.NoError(t, err)
	// ...and Hightouch's own schedule starts it a little later.
	time.Sleep(2 * time.Second)
	out, err := e.api().TriggerRun(ctx, client.ID(id), client.TriggerRunBody{})
	require.NoError(t, err)

	var res workflows.SyncResult
	require.NoError(t, run.Get(ctx, &res))
	require.Equal(t, out.ID, res.RunID)
	require.Equal(t, client.RunSuccess, res.Status)
	require.Equal(t, fmt.Sprintf("%s/syncs/%d/runs/%s", appURL, id, out.ID), res.RunURL)
	require.Equal(t, 1, triggers(t, e, id), "the wait triggered nothing")

	// Findable by sync, slug, run and status.
	listed(t, e.tc, fmt.Sprintf(`HightouchSyncId=%q`, fmt.Sprint(id)), wid)
	listed(t, e.tc, fmt.Sprintf(`HightouchSyncSlug=%q AND HightouchStatus="success"`, slug), wid)
	listed(t, e.tc, fmt.Sprintf(`HightouchRunId=%q`, string(out.ID)), wid)

	// By run id, through the temporal CLI, for the run that has ended.
	byID := wid + "-by-id"
	cli := e.run(t, time.Minute, e.temporalCLI, nil, "workflow", "execute", "--address", e.temporalAddr,
		"--type", workflows.WaitForSyncRunWorkflow, "--task-queue", workflows.TaskQueue, "--workflow-id", byID,
		"--input", fmt.Sprintf(`{"syncId":%d,"runId":%q}`, id, out.ID))
	require.Equal(t, 0, cli.code, "stdout: %s\nstderr: %s", cli.stdout, cli.stderr)
	require.Contains(t, cli.stdout, string(out.ID))
	listed(t, e.tc, fmt.Sprintf(`HightouchRunId=%q`, string(out.ID)), byID, wid)
}

func TestWaitForSyncRunNeverCreated(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id, slug := newSync(t, e, quick)
	// A run from before the cutoff is not the one.
	_, err := e.api().TriggerRun(ctx, client.ID(id), client.TriggerRunBody{})
	require.NoError(t, err)
	cutoff := time.Now().Add(time.Second)
	run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: "e2e-wait-never-" + slug, TaskQueue: workflows.TaskQueue},
		workflows.WaitForSyncRunWorkflow, workflows.WaitForSyncRunInput{SyncID: client.ID(id), CreatedAfter: &cutoff, WaitOptions: workflows.WaitOptions{Timeout: "8s"}})
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, errortypes.WaitTimeout, appErr.Type(), "%v", err)
	require.Contains(t, appErr.Error(), fmt.Sprintf("no run of sync %d created at or after", id))
	require.Equal(t, 1, triggers(t, e, id))
}

func TestWaitForSequenceRunStartedElsewhere(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	first, _ := newSync(t, e, quick)
	sc := quick
	sc.Status, sc.FailedRows = "warning", hightouchtest.RowCounts{AddedCount: 3}
	second, _ := newSync(t, e, sc)
	seq, err := e.admin.NewSequence(ctx, "", first, second)
	require.NoError(t, err)
	out, err := e.api().TriggerSequenceRun(ctx, seq)
	require.NoError(t, err)
	maxRows := int64(2)
	wid := "e2e-wait-seq-" + seq
	run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: wid, TaskQueue: workflows.TaskQueue},
		workflows.WaitForSequenceRunWorkflow, workflows.WaitForSequenceRunInput{SequenceRunID: out.ID, SequenceID: seq,
			RowLimits: workflows.RowLimits{MaxFailedRows: &maxRows}})
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, errortypes.SyncRunRowsRejected, appErr.Type(), "%v", err)
	require.Contains(t, appErr.Error(), fmt.Sprintf("sync %d", second))
	require.Contains(t, appErr.Error(), fmt.Sprintf("%s/sequences/%s/runs/%s", appURL, seq, out.ID))
	var details workflows.SequenceResult
	require.NoError(t, appErr.Details(&details))
	require.Equal(t, out.ID, details.SequenceRunID)
	require.Len(t, details.SyncRuns, 2)
	listed(t, e.tc, fmt.Sprintf(`HightouchSequenceId=%q`, seq), wid)
}

func TestRowsRejectedAndResumedRuns(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// A run that ends success but rejected 5% of its rows, against a 4% limit.
	sc := quick
	sc.PlannedRows = hightouchtest.RowCounts{AddedCount: 100}
	sc.SuccessfulRows, sc.FailedRows = hightouchtest.RowCounts{AddedCount: 95}, hightouchtest.RowCounts{AddedCount: 5}
	id, slug := newSync(t, e, sc)
	pct := 4.0
	run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: "e2e-rows-" + slug, TaskQueue: workflows.TaskQueue},
		workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(id), RowLimits: workflows.RowLimits{MaxFailedRowsPercent: &pct}})
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.Equal(t, errortypes.SyncRunRowsRejected, appErr.Type(), "%v", err)
	require.Contains(t, appErr.Error(), "rejected 5 of 100 planned rows")
	require.Contains(t, appErr.Error(), appURL+"/syncs/")

	// A run interrupted and resumed by Hightouch in a new run.
	sc = lasting(time.Second)
	sc.Status, sc.ResumeAfter = "interrupted", 2*time.Second
	id, slug = newSync(t, e, sc)
	run, err = e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: "e2e-resumed-" + slug, TaskQueue: workflows.TaskQueue},
		workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(id), FollowResumedRun: true})
	require.NoError(t, err)
	var res workflows.SyncResult
	require.NoError(t, run.Get(ctx, &res))
	runs, err := e.admin.Runs(ctx, id)
	require.NoError(t, err)
	require.Len(t, runs, 2)
	require.Equal(t, fmt.Sprint(runs[1].ID), string(res.RunID))
	require.Equal(t, []client.RunID{client.RunID(fmt.Sprint(runs[0].ID))}, res.ResumedFrom)
	require.Equal(t, client.RunSuccess, res.Status)
	require.Equal(t, 1, triggers(t, e, id))
}

// A worker on a namespace without the search attributes keeps working and
// says once how to register them.
func TestSearchAttributesNotRegistered(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const ns = "e2e-no-search-attributes"
	_, err := e.tc.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: ns, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour)})
	require.NoError(t, err)
	nsClient, err := temporalclient.DialContext(ctx, temporalclient.Options{HostPort: e.temporalAddr, Namespace: ns, Logger: logging.Discard()})
	require.NoError(t, err)
	defer nsClient.Close()
	// A new namespace takes a moment to be known to every service.
	require.Eventually(t, func() bool {
		_, err := nsClient.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
		return err == nil
	}, 30*time.Second, 200*time.Millisecond)

	log := &syncBuffer{}
	const queue = "e2e-no-search-attributes"
	_, err = e.startWorker(ctx, queue, log, "TEMPORAL_NAMESPACE="+ns, "HIGHTOUCH_APP_URL=")
	require.NoError(t, err)
	require.Contains(t, log.String(), "lacks the Hightouch search attributes")
	require.Contains(t, log.String(), "temporal operator search-attribute create --namespace "+ns+" --name HightouchSyncId --type Keyword")

	id, _ := newSync(t, e, quick)
	var run temporalclient.WorkflowRun
	require.Eventually(t, func() bool {
		run, err = nsClient.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{TaskQueue: queue}, workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(id)})
		return err == nil
	}, 30*time.Second, time.Second, "start: %v", err)
	var res workflows.SyncResult
	require.NoError(t, run.Get(ctx, &res))
	require.Equal(t, client.RunSuccess, res.Status)
	require.Empty(t, res.RunURL, "no app URL set: no link guessed")
	require.Equal(t, 1, strings.Count(log.String(), "lacks the Hightouch search attributes"), "said once")
}
