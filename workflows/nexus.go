package workflows

import (
	"context"

	"github.com/nexus-rpc/sdk-go/nexus"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporalnexus"
)

// The Nexus service, for workflows in other namespaces: each operation runs
// the workflow named beside it on this worker's task queue and completes
// with its result or its failure. Names are part of the public contract.
const (
	// NexusService is the service's name, as callers give it to
	// workflow.NewNexusClient.
	NexusService = "hightouch"
	// RunSyncOperation runs HightouchSync: SyncInput to SyncResult.
	RunSyncOperation = "runSync"
	// RunSequenceOperation runs HightouchSyncSequence: SequenceInput to
	// SequenceResult.
	RunSequenceOperation = "runSequence"
	// WaitForSyncRunOperation runs HightouchWaitForSyncRun:
	// WaitForSyncRunInput to SyncResult.
	WaitForSyncRunOperation = "waitForSyncRun"
	// WaitForSequenceRunOperation runs HightouchWaitForSequenceRun:
	// WaitForSequenceRunInput to SequenceResult.
	WaitForSequenceRunOperation = "waitForSequenceRun"
)

// Typed references to the operations, for Go callers: ExecuteOperation
// refuses an input of the wrong type before anything is sent.
//
//	c := workflow.NewNexusClient("hightouch", workflows.NexusService)
//	var res workflows.SyncResult
//	err := c.ExecuteOperation(ctx, workflows.RunSync, workflows.SyncInput{SyncID: 42},
//	    workflow.NexusOperationOptions{}).Get(ctx, &res)
var (
	RunSync            = nexus.NewOperationReference[SyncInput, SyncResult](RunSyncOperation)
	RunSequence        = nexus.NewOperationReference[SequenceInput, SequenceResult](RunSequenceOperation)
	WaitForSyncRun     = nexus.NewOperationReference[WaitForSyncRunInput, SyncResult](WaitForSyncRunOperation)
	WaitForSequenceRun = nexus.NewOperationReference[WaitForSequenceRunInput, SequenceResult](WaitForSequenceRunOperation)
)

// NewNexusService returns the handler of the hightouch Nexus service, for
// worker.RegisterNexusService.
func NewNexusService() *nexus.Service {
	s := nexus.NewService(NexusService)
	s.MustRegister(
		workflowOperation[SyncInput, SyncResult](RunSyncOperation, SyncWorkflow),
		workflowOperation[SequenceInput, SequenceResult](RunSequenceOperation, SequenceWorkflow),
		workflowOperation[WaitForSyncRunInput, SyncResult](WaitForSyncRunOperation, WaitForSyncRunWorkflow),
		workflowOperation[WaitForSequenceRunInput, SequenceResult](WaitForSequenceRunOperation, WaitForSequenceRunWorkflow),
	)
	return s
}

// NexusWorkflowID is the id of the workflow an operation starts: the
// operation and the Nexus request id. The caller's server retries a start
// with the same request id, so a retry names the workflow the first attempt
// started, and the SDK passes the request id on with the start: the server
// answers it with that workflow, running or closed, rather than starting
// (and triggering) a second one.
func NexusWorkflowID(operation, requestID string) string {
	return "hightouch-nexus-" + operation + "-" + requestID
}

// nexusInput is an operation's input.
type nexusInput interface {
	// check returns the InvalidInput failure the workflow would fail with,
	// as far as the handler can tell before starting it.
	check() error
}

// workflowOperation starts workflowType with the operation's input. The
// workflow is named rather than referenced: the operation follows the
// contract's names, whichever function implements them.
func workflowOperation[I nexusInput, O any](name, workflowType string) nexus.Operation[I, O] {
	return temporalnexus.MustNewWorkflowRunOperationWithOptions(temporalnexus.WorkflowRunOperationOptions[I, O]{
		Name: name,
		Handler: func(ctx context.Context, in I, opts nexus.StartOperationOptions) (temporalnexus.WorkflowHandle[O], error) {
			if err := in.check(); err != nil {
				// A bad request: not retried, and no workflow is started.
				return nil, &nexus.HandlerError{Type: nexus.HandlerErrorTypeBadRequest, Message: err.Error(), Cause: err}
			}
			// The task queue is this worker's, the endpoint's target.
			return temporalnexus.ExecuteUntypedWorkflow[O](ctx, opts, client.StartWorkflowOptions{
				ID: NexusWorkflowID(name, opts.RequestID),
			}, workflowType, in)
		},
	})
}

// The handler checks what it can before starting a workflow. A decode
// error in particular must stop it there: the workflow would receive the
// input re-encoded, without the fields that failed to decode.

func (in SyncInput) check() error {
	_, err := in.validate()
	return err
}

func (in SequenceInput) check() error {
	_, err := in.validate()
	return err
}

func (in WaitForSyncRunInput) check() error {
	_, err := in.validate()
	return err
}

func (in WaitForSequenceRunInput) check() error {
	_, err := in.validate()
	return err
}
