package activities

import (
	"context"
	"errors"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"

	"github.com/hightouch-temporal/hightouch-temporal/internal/jsoninput"
)

// RequesterWaitingInput names a workflow that asked the trigger writer for a
// run.
type RequesterWaitingInput struct {
	WorkflowID string `json:"workflowId"`
	RunID      string `json:"runId"`
	jsoninput.Tolerant
}

// RequesterWaiting reports whether a workflow that asked the trigger
// writer for a run still waits for it. A workflow terminated while its
// request waited its turn cannot withdraw it; the writer asks before it
// sends, so that no run is started for nobody. When Temporal cannot say,
// the requester is taken to be waiting.
func (a *Activities) RequesterWaiting(ctx context.Context, in RequesterWaitingInput) (bool, error) {
	if in.DecodeError() != nil {
		return false, invalidInput(in.DecodeError())
	}
	if a.Temporal == nil {
		return true, nil
	}
	d, err := a.Temporal.DescribeWorkflowExecution(ctx, in.WorkflowID, in.RunID)
	var gone *serviceerror.NotFound
	if errors.As(err, &gone) {
		return false, nil
	}
	if err != nil {
		activity.GetLogger(ctx).Warn("Could not tell whether a trigger's requester still waits; sending", "requester", in.WorkflowID, "error", err)
		return true, nil
	}
	return d.GetWorkflowExecutionInfo().GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
}
