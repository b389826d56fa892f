package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// workflowClient is the part of client.Client the workflow commands use.
type workflowClient interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	GetWorkflow(ctx context.Context, workflowID, runID string) client.WorkflowRun
	QueryWorkflow(ctx context.Context, workflowID, runID, queryType string, args ...any) (converter.EncodedValue, error)
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
	GetWorkflowHistory(ctx context.Context, workflowID, runID string, isLongPoll bool, filterType enumspb.HistoryEventFilterType) client.HistoryEventIterator
}

// queryTimeout bounds one progress query: with no worker polling the task
// queue, a query waits until its deadline.
const queryTimeout = 5 * time.Second

// live is what the starter knows of a workflow at one moment: its
// description and, for the two Hightouch workflows, its progress.
type live struct {
	Kind     string
	Desc     *workflowservice.DescribeWorkflowExecutionResponse
	Sync     *workflows.SyncProgress
	Sequence *workflows.SequenceProgress
	// QueryErr is why the progress query failed; the progress may still
	// come from a pending poll activity.
	QueryErr error
}

// StartTime is when the workflow started, or the zero time.
func (l *live) StartTime() time.Time {
	if ts := l.Desc.GetWorkflowExecutionInfo().GetStartTime(); ts != nil {
		return ts.AsTime()
	}
	return time.Time{}
}

// HasProgress reports whether l holds progress to show.
func (l *live) HasProgress() bool { return l.Sync != nil || l.Sequence != nil }

// View is l's progress for the progress display.
func (l *live) View(now time.Time) progressView {
	var elapsed time.Duration
	if start := l.StartTime(); !start.IsZero() {
		elapsed = now.Sub(start)
	}
	switch {
	case l.Sync != nil:
		return syncView(*l.Sync, elapsed)
	case l.Sequence != nil:
		return sequenceView(*l.Sequence, elapsed)
	}
	return progressView{Kind: l.Kind, Phase: "starting", Elapsed: elapsed}
}

// fetchLive describes the workflow and queries its progress, then takes a
// newer snapshot of the same run from a pending activity if one has it:
// while a run stays in one phase, the query keeps the snapshot the phase
// began with (see workflows.ProgressQuery).
func fetchLive(ctx context.Context, c workflowClient, workflowID, runID string) (*live, error) {
	desc, err := c.DescribeWorkflowExecution(ctx, workflowID, runID)
	if err != nil {
		return nil, err
	}
	l := &live{Desc: desc, Kind: kindOf(desc.GetWorkflowExecutionInfo().GetType().GetName())}
	if l.Kind == "" || desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		// A closed workflow's outcome is its result; a query would need a
		// worker to replay it.
		return l, nil
	}
	runID = desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	qctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	val, err := c.QueryWorkflow(qctx, workflowID, runID, workflows.ProgressQuery)
	switch l.Kind {
	case kindSync:
		var p workflows.SyncProgress
		if err == nil {
			err = val.Get(&p)
		}
		if err == nil {
			l.Sync = &p
		}
		sameRun := func(s workflows.SyncResult) bool {
			return s.RunID != "" && (l.Sync == nil || l.Sync.RunID == "" || s.RunID == l.Sync.RunID)
		}
		if s, ok := newestPending(desc, func(s workflows.SyncResult) time.Time { return s.ObservedAt }, sameRun); ok {
			l.Sync = mergeSync(l.Sync, s)
		}
	case kindSequence:
		var p workflows.SequenceProgress
		if err == nil {
			err = val.Get(&p)
		}
		if err == nil {
			l.Sequence = &p
		}
		sameRun := func(s workflows.SequenceResult) bool {
			return s.SequenceRunID != "" && (l.Sequence == nil || l.Sequence.SequenceRunID == "" || s.SequenceRunID == l.Sequence.SequenceRunID)
		}
		if s, ok := newestPending(desc, func(s workflows.SequenceResult) time.Time { return s.ObservedAt }, sameRun); ok {
			l.Sequence = mergeSequence(l.Sequence, s)
		}
	}
	l.QueryErr = err
	return l, nil
}

// mergeSync returns p with s in it if s is newer; p may be nil when the
// query failed.
func mergeSync(p *workflows.SyncProgress, s workflows.SyncResult) *workflows.SyncProgress {
	if p == nil {
		p = &workflows.SyncProgress{State: workflows.StateRunning}
	} else if p.State != workflows.StateRunning || !s.ObservedAt.After(p.ObservedAt) {
		return p
	}
	merged := *p
	merged.SyncRunSnapshot = s.SyncRunSnapshot
	merged.Phase = string(s.Status)
	if !s.Listed() {
		merged.Phase = "not listed"
	}
	return &merged
}

// mergeSequence is mergeSync for sequences.
func mergeSequence(p *workflows.SequenceProgress, s workflows.SequenceResult) *workflows.SequenceProgress {
	if p == nil {
		p = &workflows.SequenceProgress{State: workflows.StateRunning}
	} else if p.State != workflows.StateRunning || !s.ObservedAt.After(p.ObservedAt) {
		return p
	}
	merged := *p
	merged.SequenceRunSnapshot = s.SequenceRunSnapshot
	merged.Phase = string(s.Status)
	if s.Status == "" {
		merged.Phase = "not found"
	}
	return &merged
}

// newestPending returns the newest run snapshot the workflow's pending
// activities carry, in their heartbeat details or their last StillRunning
// failure's details: the newest detail that decodes as S, was observed and
// is a snapshot of the workflow's run. Which activity carries it is the
// workflow's business.
func newestPending[S any](desc *workflowservice.DescribeWorkflowExecutionResponse, observedAt func(S) time.Time, ofRun func(S) bool) (S, bool) {
	var best S
	found := false
	consider := func(ps *commonpb.Payloads) {
		list := ps.GetPayloads()
		if len(list) == 0 {
			return
		}
		var s S
		if rawPayloads.FromPayload(list[len(list)-1], &s) != nil {
			return
		}
		if observedAt(s).IsZero() || !ofRun(s) {
			return
		}
		if !found || observedAt(s).After(observedAt(best)) {
			best, found = s, true
		}
	}
	for _, pa := range desc.GetPendingActivities() {
		consider(pa.GetHeartbeatDetails())
		if info := pa.GetLastFailure().GetApplicationFailureInfo(); info.GetType() == errortypes.StillRunning {
			consider(info.GetDetails())
		}
	}
	return best, found
}

// explainFailure completes a failure with what only the workflow's close
// event tells: the reason it was terminated, or the key its failure is
// encrypted with when this starter cannot read it (the SDK then leaves the
// message "Encoded failure").
func explainFailure(ctx context.Context, c workflowClient, workflowID, runID string, f failure) failure {
	encrypted := f.Message == encodedFailure
	if f.Type != failWorkflowTerminated && !encrypted {
		return f
	}
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			break
		}
		if attrs := ev.GetWorkflowExecutionTerminatedEventAttributes(); attrs != nil {
			if reason := oneLine(attrs.GetReason()); reason != "" {
				f.Message = "the workflow was terminated: " + reason
			}
			if identity := attrs.GetIdentity(); identity != "" {
				f.Message += " (by " + identity + ")"
			}
			break
		}
		if attrs := ev.GetWorkflowExecutionFailedEventAttributes(); attrs != nil && encrypted {
			f.Message = encryptedFailureMessage(attrs.GetFailure())
			break
		}
	}
	return f
}

// encodedFailure is the message the SDK gives a failure whose message it
// could not decrypt.
const encodedFailure = "Encoded failure"

// encryptedFailureMessage says which key a failure's message needs.
func encryptedFailureMessage(f *failurepb.Failure) string {
	for ; f != nil; f = f.GetCause() {
		if id, ok := codec.KeyID(f.GetEncodedAttributes()); ok {
			return fmt.Sprintf("the failure's message and details are encrypted with key %q, which this starter does not have; add it to %s (or %s)",
				id, codec.EnvKeys, codec.EnvKeysFile)
		}
	}
	return fmt.Sprintf("the failure's message and details are encrypted; give this starter the workers' keys in %s (or %s)", codec.EnvKeys, codec.EnvKeysFile)
}

// undecryptable tells an outcome this starter cannot decrypt (it lacks the
// key) from a failure to ask the server.
func undecryptable(err error) bool {
	return errors.Is(err, codec.ErrUnknownKey) || errors.Is(err, codec.ErrUndecryptable)
}

// unreadableResult is the error for a workflow that ended but whose result
// this starter cannot decrypt: a configuration error (exit 2).
func unreadableResult(workflowID string, err error) error {
	return usageErrorf("starter: workflow %s ended, but its result cannot be read: %s", workflowID, oneLine(err.Error()))
}
