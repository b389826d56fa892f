package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// runFlags are the flags of sync and sequence that say how to start and
// whether and how to wait.
type runFlags struct {
	workflowID, taskQueue string
	detach, json          bool
	progress              string
}

func (r *runFlags) bind(fs *pflag.FlagSet, defaultID string) {
	fs.StringVar(&r.workflowID, "workflow-id", "", "the workflow `id` (default "+defaultID+"); one run at a time per id")
	bindTaskQueue(fs, &r.taskQueue)
	fs.BoolVar(&r.detach, "detach", false, "start the workflow, print its workflow id and run id, and do not wait")
	fs.BoolVar(&r.json, "json", false, "print the result, or the failure as {\"error\":{...}}, as JSON on stdout")
	fs.Var(choice(&r.progress, "", progressBar, progressLine, progressNone), "progress", "how to show progress while waiting: bar (redrawn in place), line (a line\nper change) or none (default bar on a terminal, line otherwise, none with --json)")
}

// runOptions are runFlags checked and resolved.
type runOptions struct {
	workflowID, taskQueue string
	detach, json          bool
	progress              string
}

// resolve checks the flags and fills in the defaults.
func (r *runFlags) resolve(a *app, fs *pflag.FlagSet, defaultID string) (runOptions, error) {
	o := runOptions{workflowID: defaultID, detach: r.detach, json: r.json, progress: r.progress}
	if fs.Changed("workflow-id") {
		o.workflowID = r.workflowID
		if strings.TrimSpace(o.workflowID) == "" || strings.TrimSpace(o.workflowID) != o.workflowID {
			return o, fmt.Errorf("--workflow-id: expected a workflow id without surrounding spaces, got %q", r.workflowID)
		}
	}
	tq, err := taskQueue(a, fs, r.taskQueue)
	if err != nil {
		return o, err
	}
	o.taskQueue = tq
	if o.progress == "" {
		switch {
		case o.json:
			o.progress = progressNone
		case a.tty:
			o.progress = progressBar
		default:
			o.progress = progressLine
		}
	}
	return o, nil
}

func bindTaskQueue(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "task-queue", "", "the task `queue` the worker polls (default $HIGHTOUCH_TASK_QUEUE or \""+workflows.TaskQueue+"\")")
}

// taskQueue is the --task-queue flag, else $HIGHTOUCH_TASK_QUEUE, else the
// default queue.
func taskQueue(a *app, fs *pflag.FlagSet, flagValue string) (string, error) {
	if fs.Changed("task-queue") {
		if strings.TrimSpace(flagValue) == "" || strings.TrimSpace(flagValue) != flagValue {
			return "", fmt.Errorf("--task-queue: expected a task queue name without surrounding spaces, got %q", flagValue)
		}
		return flagValue, nil
	}
	if env := strings.TrimSpace(a.getenv("HIGHTOUCH_TASK_QUEUE")); env != "" {
		return env, nil
	}
	return workflows.TaskQueue, nil
}

// startSpec is what to start.
type startSpec struct {
	workflowType string // workflows.SyncWorkflow or SequenceWorkflow
	kind         string // kindSync or kindSequence
	input        any
	summary      string // shown in the Temporal UI
}

// startOptions are the options of a start: fail if a run with the id is
// still going, allow the id again once its runs have closed.
func startOptions(spec startSpec, o runOptions) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                                       o.workflowID,
		TaskQueue:                                o.taskQueue,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		StaticSummary:                            spec.summary,
	}
}

// start connects, starts the workflow and, unless detached, waits for it.
func (a *app) start(ctx context.Context, cmd string, spec startSpec, o runOptions) error {
	c, err := a.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return a.startWith(ctx, c, cmd, spec, o)
}

func (a *app) startWith(ctx context.Context, c workflowClient, cmd string, spec startSpec, o runOptions) error {
	run, err := c.ExecuteWorkflow(ctx, startOptions(spec, o), spec.workflowType, spec.input)
	if err != nil {
		return startError(ctx, cmd, spec, o, err)
	}
	if o.detach {
		return a.writeStarted(spec, o, run)
	}
	info := a.infoWriter(o)
	if !o.json || o.progress != progressNone {
		fmt.Fprintf(info, "Started %s %s (run %s) on task queue %s\n", spec.workflowType, run.GetID(), run.GetRunID(), o.taskQueue)
	}
	return a.wait(ctx, c, run, spec.kind, o)
}

// startError explains a failed start in one line.
func startError(ctx context.Context, cmd string, spec startSpec, o runOptions, err error) error {
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case ctx.Err() != nil:
		return errInterrupted
	case configProblem(err) != nil:
		return configProblem(err)
	case errors.As(err, &started):
		return failuref("starter %s: a workflow with id %s is already running (run %s); follow it with 'starter status --workflow-id %s' or start another with --workflow-id",
			cmd, o.workflowID, started.RunId, o.workflowID)
	}
	return failuref("starter %s: cannot start %s %s on task queue %s: %v", cmd, spec.workflowType, o.workflowID, o.taskQueue, err)
}

// infoWriter is where the start line and progress go: stdout, unless
// stdout carries JSON.
func (a *app) infoWriter(o runOptions) io.Writer {
	if o.json {
		return a.stderr
	}
	return a.stdout
}

// started is the --detach output in JSON.
type started struct {
	WorkflowID   string `json:"workflowId"`
	RunID        string `json:"runId"`
	WorkflowType string `json:"workflowType"`
	TaskQueue    string `json:"taskQueue"`
}

// writeStarted prints the ids of a detached start.
func (a *app) writeStarted(spec startSpec, o runOptions, run client.WorkflowRun) error {
	s := started{WorkflowID: run.GetID(), RunID: run.GetRunID(), WorkflowType: spec.workflowType, TaskQueue: o.taskQueue}
	if o.json {
		return writeJSON(a.stdout, s)
	}
	fmt.Fprintf(a.stdout, "Started %s on task queue %s\n", s.WorkflowType, s.TaskQueue)
	fmt.Fprintf(a.stdout, "  Workflow ID: %s\n", s.WorkflowID)
	fmt.Fprintf(a.stdout, "  Run ID:      %s\n", s.RunID)
	fmt.Fprintf(a.stdout, "Follow it with: starter status --workflow-id %s\n", s.WorkflowID)
	return nil
}
