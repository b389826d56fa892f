package e2e

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
	"github.com/hightouch-temporal/hightouch-temporal/internal/temporalconn"
)

// The rotation mistake (a key made current before every reader has it)
// against the payloads the SDK decodes outside workflow code: markers of
// GetVersion and SideEffect, and a timed-out activity's last heartbeat. A
// worker without the key must stall, naming it, never misread them (a
// version marker read as "no version" takes the other branch; a heartbeat
// read as "none" tells the writer nothing was sent). In-process workers
// with the worker's options keep these tests to the SDK's paths.

func keyRing(t *testing.T, current string, keys map[string]string) *codec.Keys {
	t.Helper()
	list := ""
	for id, k := range keys {
		list += id + "=" + k + ","
	}
	ring, err := codec.ParseKeys(list, current)
	require.NoError(t, err)
	return ring
}

// dialWith dials with the options the starter (worker false) or the worker
// (worker true) uses.
func dialWith(t *testing.T, e *env, keys *codec.Keys, asWorker bool) client.Client {
	t.Helper()
	opts := client.Options{HostPort: e.temporalAddr, Logger: logging.Discard()}
	if asWorker {
		opts = temporalconn.WithWorkerEncryption(opts, keys)
	} else {
		opts = temporalconn.WithEncryption(opts, keys)
	}
	c, err := client.Dial(opts)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func startWorkerWith(t *testing.T, c client.Client, queue string, register func(worker.Worker)) worker.Worker {
	t.Helper()
	w := worker.New(c, queue, worker.Options{})
	register(w)
	require.NoError(t, w.Start())
	return w
}

type markerResult struct {
	Settings string
	Version  workflow.Version
}

func versionWorkflow(ctx workflow.Context) (markerResult, error) {
	var r markerResult
	r.Version = workflow.GetVersion(ctx, "key-change", workflow.DefaultVersion, 1)
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	return r, nil
}

func sideEffectWorkflow(ctx workflow.Context) (markerResult, error) {
	var r markerResult
	if err := workflow.SideEffect(ctx, func(workflow.Context) any { return "recorded settings" }).Get(&r.Settings); err != nil {
		return r, err
	}
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	return r, nil
}

// markerWithNewKey runs wf on a worker whose current key is b until it has
// recorded a marker encrypted with b, then hands the workflow to a worker
// with only key a and signals it.
func markerWithNewKey(t *testing.T, ctx context.Context, e *env, wf any, keys map[string]string) (client.WorkflowRun, client.Client, string, worker.Worker) {
	t.Helper()
	queue := fmt.Sprintf("e2e-keys-marker-%d", time.Now().UnixNano())
	register := func(w worker.Worker) { w.RegisterWorkflow(wf) }
	c := dialWith(t, e, keyRing(t, "a", keys), false)
	newWorker := startWorkerWith(t, dialWith(t, e, keyRing(t, "b", keys), true), queue, register)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: queue, WorkflowTaskTimeout: 2 * time.Second}, wf)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return findEvent(ctx, c, run.GetID(), run.GetRunID(), func(ev *historypb.HistoryEvent) bool {
			for _, p := range ev.GetMarkerRecordedEventAttributes().GetDetails() {
				for _, pl := range p.GetPayloads() {
					if id, ok := codec.KeyID(pl); ok && id == "b" {
						return true
					}
				}
			}
			return false
		})
	}, 30*time.Second, 200*time.Millisecond, "the worker with key b current records the marker, encrypted with b")
	newWorker.Stop()
	oldWorker := startWorkerWith(t, dialWith(t, e, keyRing(t, "a", map[string]string{"a": keys["a"]}), true), queue, register)
	require.NoError(t, c.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), "go", nil))
	return run, c, queue, oldWorker
}

// findEvent tells whether the workflow's history holds an event that
// matches.
func findEvent(ctx context.Context, c client.Client, workflowID, runID string, match func(*historypb.HistoryEvent) bool) bool {
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return false
		}
		if match(ev) {
			return true
		}
	}
	return false
}

// firstTaskFailure waits for the workflow's first failed task (or its
// completion) and returns the failure's message.
func firstTaskFailure(t *testing.T, ctx context.Context, c client.Client, run client.WorkflowRun, reader converter.DataConverter) string {
	t.Helper()
	var msg string
	require.Eventually(t, func() bool {
		return findEvent(ctx, c, run.GetID(), run.GetRunID(), func(ev *historypb.HistoryEvent) bool {
			if a := ev.GetWorkflowTaskFailedEventAttributes(); a != nil {
				f := a.GetFailure()
				converter.DecodeCommonFailureAttributes(reader, f)
				msg = f.GetMessage()
				return true
			}
			if ev.GetWorkflowExecutionCompletedEventAttributes() != nil {
				msg = "the workflow completed"
				return true
			}
			return false
		})
	}, 30*time.Second, 200*time.Millisecond, "the worker without key b takes the workflow task")
	return msg
}

func TestUndecryptableMarkersStallTheWorkflow(t *testing.T) {
	t.Parallel()
	e := setup(t)
	keys := map[string]string{"a": newKey(t), "b": newKey(t)}
	for name, wf := range map[string]any{"version": versionWorkflow, "side effect": sideEffectWorkflow} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			run, c, queue, oldWorker := markerWithNewKey(t, ctx, e, wf, keys)
			msg := firstTaskFailure(t, ctx, c, run, codec.NewDataConverter(keyRing(t, "a", keys)))
			require.Contains(t, msg, `payload encrypted with key "b"`, "the failed task names the missing key")

			// The key arrives: the workflow finishes on the recorded branch.
			oldWorker.Stop()
			w := startWorkerWith(t, dialWith(t, e, keyRing(t, "a", keys), true), queue, func(w worker.Worker) { w.RegisterWorkflow(wf) })
			defer w.Stop()
			var r markerResult
			require.NoError(t, run.Get(ctx, &r))
			if name == "version" {
				require.Equal(t, workflow.Version(1), r.Version)
			} else {
				require.Equal(t, "recorded settings", r.Settings)
			}
		})
	}
}

// heartbeatThenHang heartbeats once, as the trigger activities do before
// sending, then stops (a worker that died mid-send).
func heartbeatThenHang(ctx context.Context) error {
	activity.RecordHeartbeat(ctx, "sent at 12:00")
	select {
	case <-ctx.Done():
	case <-time.After(20 * time.Second):
	}
	return ctx.Err()
}

// lostSendWorkflow reads the last heartbeat of an activity that timed out,
// as the writer does to tell whether a trigger went out.
func lostSendWorkflow(ctx workflow.Context, activityQueue string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue: activityQueue, StartToCloseTimeout: time.Minute, HeartbeatTimeout: 2 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	err := workflow.ExecuteActivity(ctx, "heartbeatThenHang").Get(ctx, nil)
	var timeout *temporal.TimeoutError
	var hb string
	if !errors.As(err, &timeout) || !timeout.HasLastHeartbeatDetails() || timeout.LastHeartbeatDetails(&hb) != nil {
		return "nothing was sent", nil
	}
	return hb, nil
}

func TestUndecryptableHeartbeatDetailsStallTheWorkflow(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	keys := map[string]string{"a": newKey(t), "b": newKey(t)}
	stamp := time.Now().UnixNano()
	wfQueue, actQueue := fmt.Sprintf("e2e-keys-hb-wf-%d", stamp), fmt.Sprintf("e2e-keys-hb-act-%d", stamp)

	// The activity's worker has key b current (the mistake); the
	// workflow's has only key a.
	actWorker := startWorkerWith(t, dialWith(t, e, keyRing(t, "b", keys), true), actQueue, func(w worker.Worker) {
		w.RegisterActivityWithOptions(heartbeatThenHang, activity.RegisterOptions{Name: "heartbeatThenHang"})
	})
	defer actWorker.Stop()
	register := func(w worker.Worker) { w.RegisterWorkflow(lostSendWorkflow) }
	oldWorker := startWorkerWith(t, dialWith(t, e, keyRing(t, "a", map[string]string{"a": keys["a"]}), true), wfQueue, register)

	c := dialWith(t, e, keyRing(t, "a", keys), false)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: wfQueue, WorkflowTaskTimeout: 2 * time.Second}, lostSendWorkflow, actQueue)
	require.NoError(t, err)
	gctx, gcancel := context.WithTimeout(ctx, 20*time.Second)
	defer gcancel()
	var got string
	require.Error(t, run.Get(gctx, &got), "a worker without key b read the heartbeat as %q instead of stalling", got)

	oldWorker.Stop()
	w := startWorkerWith(t, dialWith(t, e, keyRing(t, "a", keys), true), wfQueue, register)
	defer w.Stop()
	require.NoError(t, run.Get(ctx, &got))
	require.Equal(t, "sent at 12:00", got, "read once the key arrives")
}
