package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/simclock"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/waitbench"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// harness runs the workflows in the time-skipping test environment against
// the emulator, with one simulated clock for the emulator, the activities
// and the workflow's timers.
type harness struct {
	t     testing.TB
	env   *testsuite.TestWorkflowEnvironment
	emu   *hightouchtest.Emulator
	clock *simclock.Clock
	acts  *activities.Activities
}

func newHarness(t testing.TB, opts ...hightouchtest.Option) *harness {
	t.Helper()
	return newHarnessWith(t, nil, opts...)
}

// newHarnessWith is newHarness with register called before any mock is set
// (see waitbench.NewEnvWith).
func newHarnessWith(t testing.TB, register func(*testsuite.TestWorkflowEnvironment), opts ...hightouchtest.Option) *harness {
	t.Helper()
	e := waitbench.NewEnvWith(register, opts...)
	t.Cleanup(e.Close)
	e.Env.SetTestTimeout(60 * time.Second)
	return &harness{t: t, env: e.Env, emu: e.Emu, clock: e.Clock, acts: e.Acts}
}

// quietLogger keeps the SDK's per-attempt debug lines out of test output.
var quietLogger = waitbench.Quiet

// runSync executes HightouchSync and returns its result or error.
func (h *harness) runSync(in any) (*workflows.SyncResult, error) {
	h.t.Helper()
	h.env.ExecuteWorkflow(workflows.SyncWorkflow, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	if err := h.env.GetWorkflowError(); err != nil {
		return nil, err
	}
	var res workflows.SyncResult
	require.NoError(h.t, h.env.GetWorkflowResult(&res))
	return &res, nil
}

// runSequence executes HightouchSyncSequence and returns its result or error.
func (h *harness) runSequence(in any) (*workflows.SequenceResult, error) {
	h.t.Helper()
	h.env.ExecuteWorkflow(workflows.SequenceWorkflow, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	if err := h.env.GetWorkflowError(); err != nil {
		return nil, err
	}
	var res workflows.SequenceResult
	require.NoError(h.t, h.env.GetWorkflowResult(&res))
	return &res, nil
}

// appError returns the ApplicationError in err, failing the test if none.
func appError(t *testing.T, err error) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "want an ApplicationError, got %v", err)
	return appErr
}

// requireFailure checks a workflow failure's type and that it carries the
// last run snapshot.
func requireFailure(t *testing.T, err error, typ string) (*temporal.ApplicationError, contract.SyncRunSnapshot) {
	t.Helper()
	require.Error(t, err)
	appErr := appError(t, err)
	require.Equal(t, typ, appErr.Type(), "error: %v", err)
	require.False(t, appErr.NonRetryable() == false && typ != "", "run outcome failures are non-retryable")
	var snap contract.SyncRunSnapshot
	if appErr.HasDetails() {
		require.NoError(t, appErr.Details(&snap))
	}
	return appErr, snap
}

func rows(a, c, r int64) hightouchtest.RowCounts {
	return hightouchtest.RowCounts{AddedCount: a, ChangedCount: c, RemovedCount: r}
}

// phases is a run lifecycle with the given durations for queued, querying,
// processing and reporting.
func phases(q, qu, p, r time.Duration) []hightouchtest.Phase {
	return []hightouchtest.Phase{{Status: "queued", Duration: q}, {Status: "querying", Duration: qu}, {Status: "processing", Duration: p}, {Status: "reporting", Duration: r}}
}
