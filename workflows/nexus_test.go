package workflows_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/nexus-rpc/sdk-go/nexus"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// nexusCaller is a caller's workflow: it runs one operation of the service
// and returns its result.
func nexusCaller[I, O any](op nexus.OperationReference[I, O]) func(workflow.Context, I) (O, error) {
	return func(ctx workflow.Context, in I) (O, error) {
		var out O
		c := workflow.NewNexusClient("hightouch-endpoint", workflows.NexusService)
		err := c.ExecuteOperation(ctx, op, in, workflow.NexusOperationOptions{}).Get(ctx, &out)
		return out, err
	}
}

// nexusHarness is the workflows' harness with the service registered.
func nexusHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.env.RegisterNexusService(workflows.NewNexusService())
	return h
}

// The callers' workflows, one per operation.
var (
	callRunSync            = nexusCaller(workflows.RunSync)
	callRunSequence        = nexusCaller(workflows.RunSequence)
	callWaitForSyncRun     = nexusCaller(workflows.WaitForSyncRun)
	callWaitForSequenceRun = nexusCaller(workflows.WaitForSequenceRun)
)

// call runs a caller's workflow and decodes its result into out.
func call(t *testing.T, env *testsuite.TestWorkflowEnvironment, out any, caller any, args ...any) error {
	t.Helper()
	env.ExecuteWorkflow(caller, args...)
	require.True(t, env.IsWorkflowCompleted())
	if err := env.GetWorkflowError(); err != nil {
		return err
	}
	require.NoError(t, env.GetWorkflowResult(out))
	return nil
}

func TestNexusRunSync(t *testing.T) {
	h := nexusHarness(t)
	id := h.emu.NewSync("users", hightouchtest.Scenario{PlannedRows: rows(3, 2, 0), SuccessfulRows: rows(3, 2, 0)})
	var res workflows.SyncResult
	require.NoError(t, call(t, h.env, &res, callRunSync, workflows.SyncInput{SyncSlug: "users", FullResync: true}))
	require.Equal(t, client.RunSuccess, res.Status)
	require.Equal(t, client.ID(id), res.SyncID)
	require.Equal(t, int64(5), res.SuccessfulRows.Total())
	runs := h.emu.Runs(id)
	require.Len(t, runs, 1, "one operation, one trigger")
	require.Equal(t, string(res.RunID), fmt.Sprint(runs[0].ID))
	require.True(t, runs[0].FullResync, "the input reaches the workflow whole")
}

func TestNexusRunSyncFailureKeepsItsType(t *testing.T) {
	h := nexusHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Status: "failed", Error: "destination unreachable"})
	err := call(t, h.env, nil, callRunSync, workflows.SyncInput{SyncID: client.ID(id)})
	var opErr *temporal.NexusOperationError
	require.ErrorAs(t, err, &opErr)
	require.Equal(t, workflows.RunSyncOperation, opErr.Operation)
	appErr, snap := requireFailure(t, err, errortypes.SyncRunFailed)
	require.Contains(t, appErr.Error(), "destination unreachable")
	require.Equal(t, client.ID(id), snap.SyncID, "the failure carries the run snapshot through Nexus")
	require.NotEmpty(t, snap.RunID)
}

func TestNexusRunSequence(t *testing.T) {
	h := nexusHarness(t)
	seq, ids := sequenceOf(h, "success", "warning")
	var res workflows.SequenceResult
	require.NoError(t, call(t, h.env, &res, callRunSequence, workflows.SequenceInput{SequenceID: seq}))
	require.Equal(t, client.SequenceDone, res.Status)
	require.Equal(t, seq, res.SequenceID)
	require.Len(t, res.SyncRuns, 2)
	require.Equal(t, client.ID(ids[1]), res.SyncRuns[1].SyncID)
	require.Equal(t, client.RunWarning, res.SyncRuns[1].Status)
}

// requireBadRequest checks that an operation failed at its start, as a bad
// request carrying the InvalidInput failure the workflow would have failed
// with, and that nothing was triggered.
func requireBadRequest(t *testing.T, h *harness, err error, msg string) {
	t.Helper()
	var handlerErr *nexus.HandlerError
	require.ErrorAs(t, err, &handlerErr)
	require.Equal(t, nexus.HandlerErrorTypeBadRequest, handlerErr.Type)
	appErr := appError(t, err)
	require.Equal(t, errortypes.InvalidInput, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), msg)
	require.Zero(t, h.emu.Stats().Requests, "nothing reaches Hightouch")
}

func TestNexusInvalidInputFailsTheStart(t *testing.T) {
	for name, tc := range map[string]struct {
		caller, in any
		msg        string
	}{
		"no sync":       {callRunSync, workflows.SyncInput{}, `give syncId (a number or string of digits) or syncSlug`},
		"bad ifRunning": {callRunSequence, workflows.SequenceInput{SequenceID: "s", IfRunning: "later"}, `field "ifRunning"`},
	} {
		t.Run(name, func(t *testing.T) {
			h := nexusHarness(t)
			err := call(t, h.env, nil, tc.caller, tc.in)
			requireBadRequest(t, h, err, tc.msg)
		})
	}
}

// stubEnv is a test environment where each workflow behind an operation is
// a stand-in that reports its own id, type and input in the result's note.
func stubEnv() *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(quietLogger)
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterNexusService(workflows.NewNexusService())
	// By name: closures of generic functions all look like "func1" to the
	// registry.
	for name, caller := range map[string]any{
		"callRunSync": callRunSync, "callRunSequence": callRunSequence,
		"callWaitForSyncRun": callWaitForSyncRun, "callWaitForSequenceRun": callWaitForSequenceRun,
	} {
		env.RegisterWorkflowWithOptions(caller, workflow.RegisterOptions{Name: name})
	}
	syncNote := func(r *workflows.SyncResult, s string) { r.Note = s }
	seqNote := func(r *workflows.SequenceResult, s string) { r.Note = s }
	for name, wf := range map[string]any{
		workflows.SyncWorkflow:               startedWorkflow[workflows.SyncInput](syncNote),
		workflows.SequenceWorkflow:           startedWorkflow[workflows.SequenceInput](seqNote),
		workflows.WaitForSyncRunWorkflow:     startedWorkflow[workflows.WaitForSyncRunInput](syncNote),
		workflows.WaitForSequenceRunWorkflow: startedWorkflow[workflows.WaitForSequenceRunInput](seqNote),
	} {
		env.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: name})
	}
	return env
}

// startedWorkflow is such a stand-in.
func startedWorkflow[I, O any](note func(*O, string)) func(workflow.Context, I) (O, error) {
	return func(ctx workflow.Context, in I) (O, error) {
		var out O
		info := workflow.GetInfo(ctx)
		b, err := json.Marshal(in)
		note(&out, strings.Join([]string{info.WorkflowExecution.ID, info.WorkflowType.Name, string(b)}, " "))
		return out, err
	}
}

// TestNexusOperationsStartTheirWorkflows checks each operation against the
// contract: the workflow type it starts, the input it passes and the id it
// gives the workflow.
func TestNexusOperationsStartTheirWorkflows(t *testing.T) {
	for _, tc := range []struct {
		caller, operation, workflowType string
		in                              any
		wantInput                       string
	}{
		{"callRunSync", workflows.RunSyncOperation, workflows.SyncWorkflow,
			workflows.SyncInput{SyncID: 42, IfRunning: "attach"}, `"syncId":42`},
		{"callRunSequence", workflows.RunSequenceOperation, workflows.SequenceWorkflow,
			workflows.SequenceInput{SequenceID: "seq-1"}, `"sequenceId":"seq-1"`},
		{"callWaitForSyncRun", workflows.WaitForSyncRunOperation, workflows.WaitForSyncRunWorkflow,
			workflows.WaitForSyncRunInput{SyncSlug: "users", RunID: "7"}, `"runId":"7"`},
		{"callWaitForSequenceRun", workflows.WaitForSequenceRunOperation, workflows.WaitForSequenceRunWorkflow,
			workflows.WaitForSequenceRunInput{SequenceRunID: "sr-1"}, `"sequenceRunId":"sr-1"`},
	} {
		t.Run(tc.operation, func(t *testing.T) {
			env := stubEnv()
			var res struct {
				Note string `json:"note"`
			}
			require.NoError(t, call(t, env, &res, tc.caller, tc.in))
			fields := strings.SplitN(res.Note, " ", 3)
			require.Len(t, fields, 3, res.Note)
			prefix := workflows.NexusWorkflowID(tc.operation, "")
			require.True(t, strings.HasPrefix(fields[0], prefix) && len(fields[0]) > len(prefix),
				"workflow id %q is %q and the request id", fields[0], prefix)
			require.Equal(t, tc.workflowType, fields[1])
			require.Contains(t, fields[2], tc.wantInput)
		})
	}
}

func TestNexusWorkflowIDIsTheRequests(t *testing.T) {
	id := workflows.NexusWorkflowID(workflows.RunSyncOperation, "6f1c7a52-2b1e-4d7e-9d0e-6c1d2f3a4b5c")
	require.Equal(t, "hightouch-nexus-runSync-6f1c7a52-2b1e-4d7e-9d0e-6c1d2f3a4b5c", id)
	require.Equal(t, id, workflows.NexusWorkflowID(workflows.RunSyncOperation, "6f1c7a52-2b1e-4d7e-9d0e-6c1d2f3a4b5c"), "a retried start gets the same id")
	require.NotEqual(t, id, workflows.NexusWorkflowID(workflows.RunSequenceOperation, "6f1c7a52-2b1e-4d7e-9d0e-6c1d2f3a4b5c"))
}

func TestNexusServiceContract(t *testing.T) {
	s := workflows.NewNexusService()
	require.Equal(t, "hightouch", s.Name)
	for _, op := range []string{"runSync", "runSequence", "waitForSyncRun", "waitForSequenceRun"} {
		require.NotNil(t, s.Operation(op), op)
	}
	require.Equal(t, "runSync", workflows.RunSync.Name())
	require.Equal(t, "runSequence", workflows.RunSequence.Name())
	require.Equal(t, "waitForSyncRun", workflows.WaitForSyncRun.Name())
	require.Equal(t, "waitForSequenceRun", workflows.WaitForSequenceRun.Name())
}
