package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/stretchr/testify/mock"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

type carriedState struct {
	State struct {
		Pending  []struct{ ID string } `json:"pending"`
		Answered []struct {
			Reply struct {
				RequestID string `json:"requestId"`
				RunID     string `json:"runId"`
				Withdrawn bool   `json:"withdrawn"`
				Problem   *struct {
					Type    string `json:"type"`
					Message string `json:"message"`
				} `json:"problem"`
			} `json:"reply"`
		} `json:"answered"`
	} `json:"state"`
}

// Review (signals in order): drain alternates one request, one withdrawal. Two requests
// (A then B) and B's withdrawal reach the writer in one task (B's requester
// delivered, then was cancelled or timed out, while the writer's task was
// busy or its worker backlogged). drain takes A, then B's withdrawal while B
// is still in the request channel: B is "unknown", answered as a lost
// writer (HightouchServerError, "whether it started a run is unknown"),
// then B itself is answered that again as a duplicate. B should have been
// withdrawn: nothing was ever sent for it.
func TestWithdrawalBehindAnotherRequestInOneTaskIsWithdrawn(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	req := func(rid string) map[string]any { return rawRequest("sync", id, rid, testWorkflowID, h.env.Now()) }
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflowSkippingWorkflowTask("trigger-request", req("wa/ra"))
		h.env.SignalWorkflowSkippingWorkflowTask("trigger-request", req("wb/rb"))
		h.env.SignalWorkflowSkippingWorkflowTask("trigger-withdraw", "wb/rb")
	}, time.Minute)
	h.env.SetContinueAsNewSuggested(true)
	h.env.ExecuteWorkflow(workflows.WriterWorkflow, map[string]any{"kind": "sync", "syncId": id})
	next := carriedOf(t, h.env.GetWorkflowError())
	require.Empty(t, next.State.Pending)
	for _, a := range next.State.Answered {
		if a.Reply.RequestID == "wb/rb" {
			require.Nil(t, a.Reply.Problem, "B, withdrawn before anything was sent, was answered as if its writer was lost: %+v", a.Reply.Problem)
			require.True(t, a.Reply.Withdrawn)
			return
		}
	}
	t.Fatalf("B not answered: %+v", next.State)
}

// Review (signals in order): a withdrawal that
// arrives while the writer checks that its requester still waits (the
// RequesterWaiting activity) is read only after the send: serveSync tests
// w.withdrawn before the check, not after, and the check says a cancelled
// but still running requester waits. The sync is triggered for a workflow
// that was cancelled before anything was sent.
func TestWithdrawalDuringRequesterCheckSendsNothing(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	h.env.OnActivity("RequesterWaiting", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.RequesterWaitingInput) (bool, error) {
			h.env.SignalWorkflowSkippingWorkflowTask("trigger-withdraw", testWorkflowID+"/r1")
			return true, nil
		})
	h.env.ExecuteWorkflow(workflows.WriterWorkflow, map[string]any{"kind": "sync", "syncId": id,
		"state": map[string]any{"pending": []any{rawRequest("sync", id, testWorkflowID+"/r1", testWorkflowID, h.env.Now())}}})
	require.True(t, h.env.IsWorkflowCompleted())
	require.Empty(t, h.emu.Runs(id), "withdrawn while its requester was being checked, before any send: a run was triggered anyway")
}
