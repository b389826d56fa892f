package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	temporalclient "go.temporal.io/sdk/client"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/proc"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// TestSecretsNeverLeak runs real workflows with a Hightouch key and a
// Temporal API key set, then searches every event history, the worker logs
// (at debug level) and the starter's output for the keys.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	stamp := time.Now().UnixNano()
	htKey := fmt.Sprintf("ht-secret-%d", stamp)
	wrongKey := fmt.Sprintf("ht-wrong-secret-%d", stamp)
	temporalKey := fmt.Sprintf("tmprl-secret-%d", stamp)

	// An emulator that accepts only htKey, with the demo workspace.
	port, err := proc.FreePort()
	require.NoError(t, err)
	emuAddr := fmt.Sprintf("127.0.0.1:%d", port)
	emuLog := &syncBuffer{}
	emu, err := e.group.Add(proc.Spec{Name: "emulator-secrets", Path: e.bins["emulator"], Output: emuLog,
		Args: []string{"-addr", emuAddr, "-demo", "-token", htKey}})
	require.NoError(t, err)
	require.NoError(t, proc.WaitHTTP(ctx, "http://"+emuAddr+"/_emulator/healthz", emu.Done()))

	// Two workers, one with the right key and one with a wrong one, both
	// with a Temporal API key (TLS off: the dev server has none).
	logs := &syncBuffer{}
	startWorker := func(queue, key string) {
		httpPort, err := proc.FreePort()
		require.NoError(t, err)
		addr := fmt.Sprintf("127.0.0.1:%d", httpPort)
		p, err := e.group.Add(proc.Spec{Name: "worker-" + queue, Path: e.bins["worker"], Output: logs, Env: append(e.clientEnv(),
			"TEMPORAL_API_KEY="+temporalKey, "TEMPORAL_TLS=false", "HIGHTOUCH_API_KEY="+key, "HIGHTOUCH_CHECK_API_KEY=false",
			"HIGHTOUCH_BASE_URL=http://"+emuAddr+"/api/v1", "HIGHTOUCH_TASK_QUEUE="+queue, "HIGHTOUCH_LOG_LEVEL=debug",
			"HIGHTOUCH_WORKER_HTTP_ADDR="+addr)})
		require.NoError(t, err)
		require.NoError(t, proc.WaitHTTP(ctx, "http://"+addr+"/readyz", p.Done()))
	}
	startWorker("e2e-secrets", htKey)
	startWorker("e2e-secrets-wrong-key", wrongKey)

	starterEnv := []string{"TEMPORAL_API_KEY=" + temporalKey, "TEMPORAL_TLS=false", "HIGHTOUCH_TASK_QUEUE=e2e-secrets"}
	var outputs []string
	var ids []string
	starter := func(want int, args ...string) {
		res := e.run(t, 2*time.Minute, e.bins["starter"], starterEnv, args...)
		require.Equal(t, want, res.code, "starter %v\nstdout: %s\nstderr: %s", args, res.stdout, res.stderr)
		outputs = append(outputs, res.stdout, res.stderr)
	}
	id := func(name string) string {
		v := fmt.Sprintf("e2e-secrets-%s-%d", name, stamp)
		ids = append(ids, v)
		return v
	}
	starter(0, "sync", "--sync-slug", hightouchtest.DemoSyncSlug, "--workflow-id", id("ok"), "--progress", "line")
	starter(1, "sync", "--sync-slug", hightouchtest.DemoFailingSyncSlug, "--workflow-id", id("failed"), "--json")
	starter(1, "sync", "--sync-id", fmt.Sprint(hightouchtest.DemoWarningSyncID), "--fail-on-warning", "--workflow-id", id("warning"))
	starter(0, "sequence", "--sequence-id", hightouchtest.DemoSequenceID, "--workflow-id", id("sequence"), "--json")
	starter(0, "status", "--workflow-id", ids[0])

	// The worker with the wrong key fails with HightouchUnauthorized.
	wrongID := id("wrong-key")
	run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: wrongID, TaskQueue: "e2e-secrets-wrong-key"},
		workflows.SyncWorkflow, workflows.SyncInput{SyncSlug: hightouchtest.DemoSyncSlug})
	require.NoError(t, err)
	err = run.Get(ctx, nil)
	require.Equal(t, errortypes.HightouchUnauthorized, errortypes.Of(err), "%v", err)
	outputs = append(outputs, err.Error())

	for _, wid := range ids {
		show := e.run(t, time.Minute, e.temporalCLI, nil, "workflow", "show", "--address", e.temporalAddr, "--output", "json", "-w", wid)
		require.Equal(t, 0, show.code, show.stderr)
		require.Contains(t, show.stdout, "EVENT_TYPE_WORKFLOW_EXECUTION", "the history was read")
		desc := e.run(t, time.Minute, e.temporalCLI, nil, "workflow", "describe", "--address", e.temporalAddr, "--output", "json", "-w", wid)
		outputs = append(outputs, show.stdout, desc.stdout)
	}
	outputs = append(outputs, logs.String())
	require.Contains(t, logs.String(), `"level":"debug"`, "the worker logged at debug level")

	all := strings.Join(outputs, "\n")
	for name, secret := range map[string]string{"Hightouch key": htKey, "wrong Hightouch key": wrongKey, "Temporal API key": temporalKey} {
		require.NotContains(t, all, secret, "the %s leaked", name)
	}
}
