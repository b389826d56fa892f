package workflows_test

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// A writer can be lost without answering: terminated by an operator, or
// reset. Its requesters must neither hang nor lose a run: one still waiting
// delivers its request again (a new writer serves it), one that stopped
// says that whether a run started is unknown. These tests stand a writer
// in for the real one under its workflow type.

// withStandInWriter is a harness whose trigger writer's first lost
// instances end at once without answering (as a terminated writer would);
// later ones are the real writer, or never answer when silent is set.
func withStandInWriter(t *testing.T, lost int32, silent bool) (*harness, *atomic.Int32) {
	var started atomic.Int32
	h := newHarnessWith(t, func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.WriterInput) error {
			if started.Add(1) <= lost {
				return nil
			}
			if silent {
				// Takes every request and withdrawal, answers none, and
				// outlives the requester's grace (the environment waits for
				// it before it ends, so it ends at last).
				return workflow.Sleep(ctx, 10*workflows.ReplyGrace)
			}
			return workflows.TriggerWriter(ctx, in)
		}, workflow.RegisterOptions{Name: workflows.WriterWorkflow, DisableAlreadyRegisteredCheck: true})
	})
	return h, &started
}

func TestLostWriterIsReplacedAndTheRunReported(t *testing.T) {
	h, started := withStandInWriter(t, 1, false)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Minute, 0)})
	began := h.env.Now()
	res, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id)})
	require.NoError(t, err)
	runs := h.emu.Runs(id)
	require.Len(t, runs, 1, "one run, sent by the writer that replaced the lost one")
	require.Equal(t, "success", string(res.Status))
	require.Equal(t, strconv.FormatInt(runs[0].ID, 10), string(res.RunID))
	require.EqualValues(t, 2, started.Load(), "the request was delivered again and started a second writer")
	require.GreaterOrEqual(t, runs[0].CreatedAt.Sub(began), workflows.RedeliverEvery-time.Second, "sent when the request was delivered again")
}

func TestStoppedWorkflowWhoseWriterIsLostSaysTheRunIsUnknown(t *testing.T) {
	h, started := withStandInWriter(t, 1, false)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Minute, 0)})
	began := h.env.Now()
	_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id), WaitOptions: workflows.WaitOptions{Timeout: "2m"}})
	appErr := appError(t, err)
	require.Equal(t, errortypes.HightouchServerError, appErr.Type())
	require.Contains(t, err.Error(), "ended without answering")
	require.Contains(t, err.Error(), "check the runs in Hightouch")
	require.Empty(t, h.emu.Runs(id))
	require.EqualValues(t, 1, started.Load(), "a workflow that stopped starts no writer again")
	require.Less(t, h.env.Now().Sub(began), workflows.RedeliverEvery, "it ends at its deadline")
}

func TestStoppedWorkflowGivesUpOnAWriterThatNeverAnswers(t *testing.T) {
	h, _ := withStandInWriter(t, 0, true)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Minute, 0)})
	_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id), WaitOptions: workflows.WaitOptions{Timeout: "2m"}})
	appErr := appError(t, err)
	require.Equal(t, errortypes.HightouchServerError, appErr.Type())
	require.Contains(t, err.Error(), fmt.Sprintf("did not answer within %s after this workflow stopped", workflows.ReplyGrace), "ended by its grace, not by the writer's end")
	require.Empty(t, h.emu.Runs(id))
}
