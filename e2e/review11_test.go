package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	temporalclient "go.temporal.io/sdk/client"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// TestReview11WaitStartedWhileWorkersDown: a pipeline starts
// HightouchWaitForSyncRun (no runId, no createdAfter: "the default is when
// the workflow started") while no worker polls the queue (a deploy, an
// outage, a backlog); Hightouch's schedule then starts the run, and the
// worker comes back. The run was created after the workflow started, so it
// is the one; the workflow must not count from its first workflow task.
func TestReview11WaitStartedWhileWorkersDown(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id, slug := newSync(t, e, quick)
	queue := "e2e-review11-late-" + slug
	run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: "e2e-review11-late-" + slug, TaskQueue: queue},
		workflows.WaitForSyncRunWorkflow, workflows.WaitForSyncRunInput{SyncID: client.ID(id), WaitOptions: workflows.WaitOptions{Timeout: "40s"}})
	require.NoError(t, err)
	time.Sleep(2 * time.Second)
	out, err := e.api().TriggerRun(ctx, client.ID(id), client.TriggerRunBody{})
	require.NoError(t, err)
	time.Sleep(3 * time.Second)
	_, err = e.startWorker(ctx, queue, &syncBuffer{})
	require.NoError(t, err)

	var res workflows.SyncResult
	require.NoError(t, run.Get(ctx, &res), "the run created after the workflow started is lost")
	require.Equal(t, out.ID, res.RunID)
	require.Equal(t, client.RunSuccess, res.Status)
	require.Equal(t, 1, triggers(t, e, id), fmt.Sprintf("sync %d: the wait triggered nothing", id))
}
