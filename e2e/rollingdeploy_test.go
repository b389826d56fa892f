package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	temporalclient "go.temporal.io/sdk/client"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/proc"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// TestRollingDeployFinishesWaitsOnTheNextBuild runs a rolling deploy with
// waits in flight, twice: with workflow patches alone (a plain Kubernetes
// rolling Deployment, as the manifests ship), and with Worker Versioning
// (the new build made current, then the old one stopped). Waits start on
// the current build; the next build carries a deliberate, versioned change
// to HightouchSync (workflows/rollingdeploy_change.go); the current build is
// stopped while they wait. Every wait finishes correctly on the next build,
// without the change (it passed that point before), and a workflow started
// on the next build takes it.
func TestRollingDeployFinishesWaitsOnTheNextBuild(t *testing.T) {
	t.Parallel()
	e := setup(t)
	root, err := proc.ModuleDir()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	next, err := proc.BuildTagged(ctx, root, t.TempDir(), []string{"hightouch_rolling_deploy_test"}, map[string]string{"worker": "./cmd/hightouch-worker"})
	require.NoError(t, err)

	for _, versioning := range []bool{false, true} {
		t.Run(fmt.Sprintf("worker versioning %v", versioning), func(t *testing.T) {
			tag := fmt.Sprint(time.Now().UnixNano() % 100000)
			queue := "rolling-" + tag
			var current, nextEnv []string
			if versioning {
				current = []string{"HIGHTOUCH_DEPLOYMENT_NAME=hightouch-" + tag, "HIGHTOUCH_BUILD_ID=current"}
				nextEnv = []string{"HIGHTOUCH_DEPLOYMENT_NAME=hightouch-" + tag, "HIGHTOUCH_BUILD_ID=next"}
			}
			old, err := e.startWorker(ctx, queue, e.workerLog, current...)
			require.NoError(t, err)
			if versioning {
				setCurrentVersion(t, ctx, e, "hightouch-"+tag, "current")
			}

			start := func(name string) temporalclient.WorkflowRun {
				id, _ := newSync(t, e, lasting(40*time.Second))
				run, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: "e2e-rolling-" + tag + "-" + name, TaskQueue: queue},
					workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(id)})
				require.NoError(t, err)
				return run
			}
			var waits []temporalclient.WorkflowRun
			for i := range 3 {
				waits = append(waits, start(fmt.Sprint(i)))
			}
			// Let them trigger and settle into their waits on the current build.
			for _, run := range waits {
				require.Eventually(t, func() bool { return hasEvent(ctx, e, run, enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, "PollSyncRun") },
					time.Minute, 200*time.Millisecond, "%s waits", run.GetID())
			}

			// The rollout: the next build comes up beside the current one,
			// becomes current, and the current one stops.
			_, err = e.startWorkerFrom(ctx, next["worker"], queue, e.workerLog, nextEnv...)
			require.NoError(t, err)
			if versioning {
				setCurrentVersion(t, ctx, e, "hightouch-"+tag, "next")
			}
			require.NoError(t, old.Stop(20*time.Second))
			fresh := start("fresh")

			for _, run := range append(waits, fresh) {
				var res workflows.SyncResult
				require.NoError(t, run.Get(ctx, &res), "%s", run.GetID())
				require.Equal(t, client.RunSuccess, res.Status)
			}
			for _, run := range waits {
				require.False(t, hasMarker(ctx, e, run, workflows.RollingDeployChangeID), "%s passed the change before it was deployed", run.GetID())
			}
			require.True(t, hasMarker(ctx, e, fresh, workflows.RollingDeployChangeID), "a workflow started on the next build takes the change")
		})
	}
}

// startWorkerFrom starts a worker from another build of the binary.
func (e *env) startWorkerFrom(ctx context.Context, path, taskQueue string, out *syncBuffer, extraEnv ...string) (*proc.Proc, error) {
	saved := e.bins["worker"]
	e.bins["worker"] = path
	defer func() { e.bins["worker"] = saved }()
	return e.startWorker(ctx, taskQueue, out, extraEnv...)
}

func setCurrentVersion(t *testing.T, ctx context.Context, e *env, deployment, build string) {
	t.Helper()
	require.Eventually(t, func() bool {
		cmd := exec.CommandContext(ctx, e.temporalCLI, "worker", "deployment", "set-current-version", "--address", e.temporalAddr,
			"--deployment-name", deployment, "--build-id", build, "--yes")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("set-current-version %s: %v: %s", build, err, strings.TrimSpace(string(out)))
		}
		return err == nil
	}, time.Minute, time.Second, "the version %s becomes current", build)
}

func hasEvent(ctx context.Context, e *env, run temporalclient.WorkflowRun, typ enums.EventType, activity string) bool {
	iter := e.tc.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return false
		}
		if ev.GetEventType() == typ && ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == activity {
			return true
		}
	}
	return false
}

func hasMarker(ctx context.Context, e *env, run temporalclient.WorkflowRun, changeID string) bool {
	iter := e.tc.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return false
		}
		if ev.GetEventType() == enums.EVENT_TYPE_MARKER_RECORDED && strings.Contains(ev.String(), changeID) {
			return true
		}
	}
	return false
}
