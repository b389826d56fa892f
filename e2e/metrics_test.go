package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	temporalclient "go.temporal.io/sdk/client"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/proc"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// TestWorkerMetricsLabels runs a sync on a worker of its own and scrapes the
// worker's /metrics: the project's workflow metrics carry the labels that
// mean something and none of the SDK's "none" labels.
func TestWorkerMetricsLabels(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const queue = "e2e_metrics" // the Prometheus sanitizer would write - as _
	port, err := proc.FreePort()
	require.NoError(t, err)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", port)
	w, err := e.group.Add(proc.Spec{Name: "worker-" + queue, Path: e.bins["worker"], Output: io.Discard, Env: append(e.clientEnv(),
		"HIGHTOUCH_API_KEY="+hightouchtest.DefaultToken, "HIGHTOUCH_BASE_URL="+e.emuURL, "HIGHTOUCH_TASK_QUEUE="+queue,
		"HIGHTOUCH_WORKER_HTTP_ADDR="+httpAddr)})
	require.NoError(t, err)
	require.NoError(t, proc.WaitHTTP(ctx, "http://"+httpAddr+"/readyz", w.Done()))

	id, _ := newSync(t, e, quick)
	run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: fmt.Sprintf("e2e-metrics-%d", id), TaskQueue: queue},
		workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err)
	var res workflows.SyncResult
	require.NoError(t, run.Get(ctx, &res))

	runs := regexp.MustCompile(`(?m)^hightouch_runs_total\{(.*)\} \d+$`)
	var labels string
	require.Eventually(t, func() bool { // the registry reports every second
		resp, err := http.Get("http://" + httpAddr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if m := runs.FindSubmatch(body); m != nil {
			labels = string(m[1])
			return true
		}
		return false
	}, 30*time.Second, 250*time.Millisecond, "no hightouch_runs_total on /metrics")
	require.Equal(t, `client_name="temporal_go",namespace="default",status="success",task_queue="e2e_metrics",workflow_type="HightouchSync"`, labels)
}
