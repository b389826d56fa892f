package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// statusCommand is the status command's flags.
type statusCommand struct {
	workflowID, runID string
	json              bool
}

func (s *statusCommand) bind(fs *pflag.FlagSet) {
	fs.StringVar(&s.workflowID, "workflow-id", "", "the `id` of the workflow, e.g. hightouch-sync-42")
	fs.StringVar(&s.runID, "run-id", "", "a particular `run` of the workflow (default the latest)")
	fs.BoolVar(&s.json, "json", false, "print the status as JSON")
}

func (s *statusCommand) check() error {
	if strings.TrimSpace(s.workflowID) == "" {
		return errors.New("give --workflow-id, e.g. --workflow-id hightouch-sync-42")
	}
	return nil
}

func (a *app) statusCommand() *cobra.Command {
	var s statusCommand
	return leaf(&cobra.Command{
		Use:   "status --workflow-id ID [--run-id ID] [--json]",
		Short: "show a workflow's status, progress or result",
		Long: `Describes a workflow (type, status, start and close time) and shows its
progress while it runs, or its result or failure once it has closed. Exits 0
whenever it could describe the workflow, whatever the workflow's outcome
(the JSON's "status" field tells); 1 when there is no such workflow.`,
		Example: `  starter status --workflow-id hightouch-sync-42
  starter status --workflow-id hightouch-sequence-3f9c2a --json`,
	}, s.bind, func(c *cobra.Command) error {
		if err := s.check(); err != nil {
			return usageError(c, err)
		}
		tc, err := a.dial(c.Context())
		if err != nil {
			return err
		}
		defer tc.Close()
		return a.status(c.Context(), tc, &s)
	})
}

// statusReport is the status in JSON.
type statusReport struct {
	WorkflowID   string          `json:"workflowId"`
	RunID        string          `json:"runId"`
	WorkflowType string          `json:"workflowType"`
	TaskQueue    string          `json:"taskQueue"`
	Status       string          `json:"status"`
	StartTime    *time.Time      `json:"startTime,omitempty"`
	CloseTime    *time.Time      `json:"closeTime,omitempty"`
	Progress     any             `json:"progress,omitempty"`
	ProgressErr  string          `json:"progressError,omitempty"`
	Result       json.RawMessage `json:"result,omitempty"`
	Error        *failure        `json:"error,omitempty"`
}

// status describes the workflow and writes its progress or outcome.
func (a *app) status(ctx context.Context, c workflowClient, cmd *statusCommand) error {
	l, err := fetchLive(ctx, c, cmd.workflowID, cmd.runID)
	if err != nil {
		if e := configProblem(err); e != nil {
			return e
		}
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return failuref("starter status: no workflow with id %s%s in this namespace", cmd.workflowID, runSuffix(cmd.runID))
		}
		return failuref("starter status: cannot describe workflow %s: %s", cmd.workflowID, oneLine(err.Error()))
	}
	info := l.Desc.GetWorkflowExecutionInfo()
	r := statusReport{
		WorkflowID:   info.GetExecution().GetWorkflowId(),
		RunID:        info.GetExecution().GetRunId(),
		WorkflowType: info.GetType().GetName(),
		TaskQueue:    info.GetTaskQueue(),
		Status:       statusName(info.GetStatus()),
	}
	if ts := info.GetStartTime(); ts != nil {
		t := ts.AsTime()
		r.StartTime = &t
	}
	if ts := info.GetCloseTime(); ts != nil {
		t := ts.AsTime()
		r.CloseTime = &t
	}
	running := info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	if running {
		switch {
		case l.Sync != nil:
			r.Progress = l.Sync
		case l.Sequence != nil:
			r.Progress = l.Sequence
		}
		if l.QueryErr != nil && !l.HasProgress() {
			r.ProgressErr = oneLine(l.QueryErr.Error())
		}
	} else {
		var raw json.RawMessage
		err := c.GetWorkflow(ctx, r.WorkflowID, r.RunID).Get(ctx, &raw)
		switch {
		case err == nil:
			r.Result = raw
		case undecryptable(err):
			return unreadableResult(cmd.workflowID, err)
		case isWorkflowOutcome(err):
			f := explainFailure(ctx, c, r.WorkflowID, r.RunID, failureOf(err))
			r.Error = &f
		default:
			return failuref("starter status: cannot read the outcome of workflow %s: %s", cmd.workflowID, oneLine(err.Error()))
		}
	}
	if cmd.json {
		return writeJSON(a.stdout, r)
	}
	a.writeStatusText(a.stdout, l, r)
	return nil
}

func runSuffix(runID string) string {
	if runID == "" {
		return ""
	}
	return " and run id " + runID
}

// statusName is a workflow status as the Temporal UI writes it: Running,
// Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut.
func statusName(s enumspb.WorkflowExecutionStatus) string {
	return s.String()
}

// writeStatusText writes the status as readable text.
func (a *app) writeStatusText(w io.Writer, l *live, r statusReport) {
	field := func(name, value string) { fmt.Fprintf(w, "%-14s %s\n", name+":", value) }
	field("Workflow ID", r.WorkflowID)
	field("Run ID", r.RunID)
	field("Type", r.WorkflowType)
	field("Task queue", r.TaskQueue)
	field("Status", r.Status)
	field("Started", fmtTimePtr(r.StartTime))
	if r.CloseTime != nil {
		field("Closed", fmtTime(*r.CloseTime))
		if r.StartTime != nil {
			field("Took", fmtElapsed(r.CloseTime.Sub(*r.StartTime)))
		}
	}
	switch {
	case r.Progress != nil:
		v := l.View(a.now())
		field("Progress", lineText(v))
		if l.Sync != nil && l.Sync.Deadline != nil {
			field("Deadline", fmtTime(*l.Sync.Deadline))
		}
		if l.Sequence != nil && l.Sequence.Deadline != nil {
			field("Deadline", fmtTime(*l.Sequence.Deadline))
		}
		fmt.Fprintln(w)
		switch {
		case l.Sync != nil && l.Sync.RunID != "":
			writeSync(w, workflows.SyncResult{SyncRunSnapshot: l.Sync.SyncRunSnapshot, ResumedFrom: l.Sync.ResumedFrom, RunURL: l.Sync.RunURL})
		case l.Sequence != nil && l.Sequence.SequenceRunID != "":
			writeSequenceResult(w, workflows.SequenceResult{SequenceID: l.Sequence.SequenceID, SequenceRunSnapshot: l.Sequence.SequenceRunSnapshot, RunURL: l.Sequence.RunURL})
		}
	case r.ProgressErr != "":
		field("Progress", "unavailable: "+r.ProgressErr+" (is a worker polling task queue "+r.TaskQueue+"?)")
	case r.Error != nil:
		field("Failure", r.Error.Type+": "+r.Error.Message)
		if len(r.Error.Details) > 0 {
			fmt.Fprintln(w)
			writeDetailsText(w, l.Kind, r.Error.Details)
		}
	case r.Result != nil:
		fmt.Fprintln(w)
		if err := writeResultText(w, l.Kind, r.Result); err != nil {
			_ = writeRawJSON(w, r.Result)
		}
	}
}
