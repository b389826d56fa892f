package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
)

// queriedWorkflow answers a query that takes no argument and ends on a
// signal.
func queriedWorkflow(ctx workflow.Context) (string, error) {
	if err := workflow.SetQueryHandler(ctx, "progress", func() (string, error) { return "waiting", nil }); err != nil {
		return "", err
	}
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	return "done", nil
}

// A query is read-only: one whose argument the worker cannot decrypt (sent
// by a client with another key, to a handler that takes no argument) must
// not fail the workflow task the server hands it with (a query asked while
// a task is pending), nor hold up the workflow.
func TestUndecryptableQueryArgumentDoesNotFailTheWorkflowTask(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	keys := map[string]string{"a": newKey(t)}
	queue := fmt.Sprintf("e2e-keys-query-%d", time.Now().UnixNano())
	register := func(w worker.Worker) { w.RegisterWorkflow(queriedWorkflow) }

	c := dialWith(t, e, keyRing(t, "a", keys), false)
	w := startWorkerWith(t, dialWith(t, e, keyRing(t, "a", keys), true), queue, register)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: queue, WorkflowTaskTimeout: 2 * time.Second}, queriedWorkflow)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		v, err := c.QueryWorkflow(ctx, run.GetID(), run.GetRunID(), "progress")
		var s string
		return err == nil && v.Get(&s) == nil && s == "waiting"
	}, 30*time.Second, 200*time.Millisecond, "the first task completes")

	// A task is pending (the signal) when the query comes: the server
	// hands the query to the worker with that task.
	w.Stop()
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), "go", nil))
	other := dialWith(t, e, keyRing(t, "z", map[string]string{"z": newKey(t)}), false)
	queried := make(chan error, 1)
	go func() {
		qctx, qcancel := context.WithTimeout(ctx, 20*time.Second)
		defer qcancel()
		_, err := other.QueryWorkflow(qctx, run.GetID(), run.GetRunID(), "progress", "an argument encrypted with key z")
		queried <- err
	}()
	time.Sleep(2 * time.Second)
	w = startWorkerWith(t, dialWith(t, e, keyRing(t, "a", keys), true), queue, register)
	defer w.Stop()

	var got string
	require.NoError(t, run.Get(ctx, &got))
	require.Equal(t, "done", got)
	t.Logf("query: %v", <-queried)

	reader := codec.NewDataConverter(keyRing(t, "a", keys))
	findEvent(ctx, c, run.GetID(), run.GetRunID(), func(ev *historypb.HistoryEvent) bool {
		if a := ev.GetWorkflowTaskFailedEventAttributes(); a != nil {
			f := a.GetFailure()
			converter.DecodeCommonFailureAttributes(reader, f)
			t.Errorf("a query failed the workflow task %d: %s", ev.GetEventId(), f.GetMessage())
		}
		return false
	})
}
