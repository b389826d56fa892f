package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	temporalclient "go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/codec"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// TestUndecryptableSignalStallsLoudly makes the rotation mistake the README
// warns of (a key made current before every reader has it) for a signal
// rather than a workflow input.
//
// One worker (queue new) has made key b current; another (queue old) has
// only key a. A HightouchSync on new starts the sync's trigger writer there.
// A HightouchSync on old, for the same sync, asks that writer for a run; the
// writer triggers it and replies with a signal encrypted with b. The SDK
// drops a signal it cannot decode; the workers' converter instead fails the
// workflow task, naming the key, so the reply waits in history until a
// worker with key b reads it.
func TestUndecryptableSignalStallsLoudly(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	stamp := time.Now().UnixNano()
	keyA, keyB := newKey(t), newKey(t)
	both := "a=" + keyA + ",b=" + keyB
	queueNew, queueOld := fmt.Sprintf("e2e-keys-new-%d", stamp), fmt.Sprintf("e2e-keys-old-%d", stamp)

	_, err := e.startWorker(ctx, queueNew, io.Discard, codec.EnvKeys+"="+both, codec.EnvKeyID+"=b")
	require.NoError(t, err)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "keys")
	require.NoError(t, os.WriteFile(keyFile, []byte("a="+keyA+"\n"), 0o600))
	oldLog := &syncBuffer{}
	oldWorker, err := e.startWorker(ctx, queueOld, oldLog, codec.EnvKeysFile+"="+keyFile)
	require.NoError(t, err)

	// A client that reads both and writes with a, as every client should
	// during step 1 of a rotation.
	keys, err := codec.ParseKeys(both, "a")
	require.NoError(t, err)
	dc := codec.NewDataConverter(keys)
	enc := dialWith(t, e, keys, false)

	syncID, _ := newSync(t, e, quick)
	firstRun, err := enc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: fmt.Sprintf("e2e-keys-first-%d", stamp), TaskQueue: queueNew},
		workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(syncID)})
	require.NoError(t, err)
	var res workflows.SyncResult
	require.NoError(t, firstRun.Get(ctx, &res))
	require.Equal(t, client.RunSuccess, res.Status)

	// The writer of the sync now runs on queue new, with key b current.
	secondID := fmt.Sprintf("e2e-keys-second-%d", stamp)
	second, err := enc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: secondID, TaskQueue: queueOld},
		workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(syncID)})
	require.NoError(t, err)

	// The writer answered: it signalled its reply to the second workflow.
	writer := workflows.WriterID("sync", fmt.Sprint(syncID))
	require.Eventually(t, func() bool {
		return findEvent(ctx, enc, writer, "", func(ev *historypb.HistoryEvent) bool {
			a := ev.GetExternalWorkflowExecutionSignaledEventAttributes()
			return a != nil && a.GetWorkflowExecution().GetWorkflowId() == secondID
		})
	}, time.Minute, 500*time.Millisecond, "the writer never answered the second workflow")

	// What the README promises: the second workflow's task fails, saying
	// which key is missing (or, had the reply been read, it completes).
	failedTask := func() (msg string) {
		findEvent(ctx, enc, secondID, "", func(ev *historypb.HistoryEvent) bool {
			if a := ev.GetWorkflowTaskFailedEventAttributes(); a != nil {
				f := a.GetFailure()
				converter.DecodeCommonFailureAttributes(dc, f)
				msg = f.GetMessage()
				return true
			}
			return false
		})
		return msg
	}
	completed := func() bool {
		d, err := describe(ctx, enc, secondID)
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) && failedTask() == "" && !completed() {
		time.Sleep(time.Second)
	}
	msg := failedTask()
	if msg == "" && !completed() {
		t.Errorf("the writer's reply, encrypted with key b, reached a worker without b: the workflow neither failed a task nor completed within 45 s; "+
			"its history shows nothing wrong, and the worker only logged (corrupted signal dropped: %v)",
			strings.Contains(oldLog.String(), "Corrupted signal"))
	}
	if msg != "" {
		require.Contains(t, msg, `payload encrypted with key "b"`, "the failed task says which key is missing")
	}

	// Step 1 of the rotation, done late: the old worker gets b. The
	// workflow then finishes, as the README says it does.
	require.NoError(t, oldWorker.Stop(10*time.Second))
	require.NoError(t, os.WriteFile(keyFile, []byte(strings.ReplaceAll(both, ",", "\n")), 0o600))
	_, err = e.startWorker(ctx, queueOld, io.Discard, codec.EnvKeysFile+"="+keyFile, codec.EnvKeyID+"=a")
	require.NoError(t, err)
	gctx, gcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer gcancel()
	require.NoError(t, second.Get(gctx, &res), "the workflow finishes once the key arrives")
	require.Equal(t, client.RunSuccess, res.Status)
}
