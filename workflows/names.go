// Package workflows holds the HightouchSync and HightouchSyncSequence
// workflows, the wait workflows for runs started elsewhere
// (HightouchWaitForSyncRun, HightouchWaitForSequenceRun), their input and
// result types and the names callers type.
//
// Start them by name from any Temporal SDK or the CLI:
//
//	temporal workflow start --task-queue hightouch --type HightouchSync \
//	    --input '{"syncSlug":"users-to-salesforce","timeout":"2h"}'
//
// or from Go as a child workflow:
//
//	opts := workflow.ChildWorkflowOptions{TaskQueue: workflows.TaskQueue}
//	var res workflows.SyncResult
//	err := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts),
//	    workflows.SyncWorkflow, workflows.SyncInput{SyncID: 42}).Get(ctx, &res)
//
// A failed run fails the workflow with an ApplicationError typed as in
// package errortypes, carrying the last run snapshot as details.
package workflows

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Names of the public contract; changing one breaks callers.
const (
	// TaskQueue is the default task queue (override with HIGHTOUCH_TASK_QUEUE).
	TaskQueue = "hightouch"
	// SyncWorkflow triggers one sync and waits for its run.
	SyncWorkflow = "HightouchSync"
	// SequenceWorkflow triggers a sync sequence and waits for its run.
	SequenceWorkflow = "HightouchSyncSequence"
	// WaitForSyncRunWorkflow waits for a run of a sync someone else started
	// (Hightouch's own schedule, a dbt Cloud job): by run id, or the first
	// run created after a time.
	WaitForSyncRunWorkflow = "HightouchWaitForSyncRun"
	// WaitForSequenceRunWorkflow waits for a sequence run someone else
	// started.
	WaitForSequenceRunWorkflow = "HightouchWaitForSequenceRun"
	// ProgressQuery returns the latest progress of any of the workflows: a
	// SyncProgress (sync workflows) or a SequenceProgress (sequence ones). It changes when the run changes
	// phase. In between, the pending activity that waits on the run holds
	// newer snapshots of it, in its heartbeat details and in the details of
	// its last StillRunning failure: the run's snapshot (a
	// contract.SyncRunSnapshot or contract.SequenceRunSnapshot), which
	// decodes as a SyncResult (HightouchSync) or a SequenceResult
	// (HightouchSyncSequence) with only the run's fields set. Live displays (the starter, `temporal
	// workflow describe`) read both.
	ProgressQuery = "progress"
)

// Register registers the workflows (and the trigger writer they use) under
// their contract names on a worker or a replayer.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(HightouchSync, workflow.RegisterOptions{Name: SyncWorkflow})
	r.RegisterWorkflowWithOptions(HightouchSyncSequence, workflow.RegisterOptions{Name: SequenceWorkflow})
	r.RegisterWorkflowWithOptions(HightouchWaitForSyncRun, workflow.RegisterOptions{Name: WaitForSyncRunWorkflow})
	r.RegisterWorkflowWithOptions(HightouchWaitForSequenceRun, workflow.RegisterOptions{Name: WaitForSequenceRunWorkflow})
	r.RegisterWorkflowWithOptions(HightouchTriggerWriter, workflow.RegisterOptions{Name: WriterWorkflow})
}
