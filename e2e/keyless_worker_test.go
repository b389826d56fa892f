package e2e

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	temporalclient "go.temporal.io/sdk/client"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/codec"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// TestKeylessWorkerStallsRatherThanFails: a worker without any keys (a
// replica whose Secret was not mounted, a worker not yet given the keys
// while the starter already has them) meets an encrypted workflow input. Its
// task fails, naming the key, and the workflow goes on once a worker with
// the key takes it, rather than failing for good.
func TestKeylessWorkerStallsRatherThanFails(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stamp := time.Now().UnixNano()
	keyA := newKey(t)
	queue := fmt.Sprintf("e2e-keys-keyless-%d", stamp)
	keyless, err := e.startWorker(ctx, queue, io.Discard)
	require.NoError(t, err)

	keys, err := codec.ParseKeys("a="+keyA, "")
	require.NoError(t, err)
	enc := dialWith(t, e, keys, false)

	syncID, _ := newSync(t, e, quick)
	run, err := enc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: fmt.Sprintf("e2e-keys-keyless-%d", stamp), TaskQueue: queue},
		workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(syncID)})
	require.NoError(t, err)

	// Give the keyless worker time to take the first workflow task.
	time.Sleep(10 * time.Second)
	d, err := describe(ctx, enc, run.GetID())
	require.NoError(t, err)
	if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		err := run.Get(ctx, nil)
		t.Fatalf("a worker without the key closed the workflow (%s) instead of stalling it: %v", st, err)
	}

	// The key arrives: the workflow goes on.
	require.NoError(t, keyless.Stop(10*time.Second))
	_, err = e.startWorker(ctx, queue, io.Discard, codec.EnvKeys+"=a="+keyA)
	require.NoError(t, err)
	var res workflows.SyncResult
	require.NoError(t, run.Get(ctx, &res))
	require.Equal(t, client.RunSuccess, res.Status)
}
