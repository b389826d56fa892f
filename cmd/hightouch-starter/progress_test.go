package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

func syncProgress(phase string, ratio float64, observed time.Time) workflows.SyncProgress {
	p := workflows.SyncProgress{Phase: phase, State: workflows.StateRunning}
	p.SyncID, p.RunID, p.Status, p.CompletionRatio, p.ObservedAt = 42, "9876", client.SyncRunStatus(phase), ratio, observed
	p.PlannedRows = client.RowCounts{AddedCount: 1000}
	p.SuccessfulRows = client.RowCounts{AddedCount: int64(ratio * 1000)}
	p.FailedRows = client.RowCounts{ChangedCount: 3}
	return p
}

func TestBarAndLineText(t *testing.T) {
	v := syncView(syncProgress("processing", 0.456, t0), 65*time.Second)
	require.Equal(t, "processing [#########-----------]  45% | 456/1,000 rows synced, 3 failed | 1m05s", barText(v))
	require.Equal(t, "[1m05s] processing 45% - rows 456 synced, 3 failed, 1,000 planned", lineText(v))

	v = syncView(workflows.SyncProgress{Phase: "triggering", State: workflows.StateRunning}, 0)
	require.Equal(t, "triggering [--------------------]   0% | 0/0 rows synced, 0 failed | 0s", barText(v))

	done := syncProgress("success", 1, t0)
	done.State = workflows.StateSucceeded
	require.Equal(t, "[2s] success (succeeded) 100% - rows 1,000 synced, 3 failed, 1,000 planned", lineText(syncView(done, 2*time.Second)))

	seq := workflows.SequenceProgress{Phase: "running", State: workflows.StateRunning, SequenceID: "s"}
	seq.SyncRuns = sampleSequence().SyncRuns
	seq.SyncRuns[1].FinishedAt, seq.SyncRuns[1].Status = nil, client.RunProcessing
	sv := sequenceView(seq, time.Minute)
	require.Equal(t, "running | 1/2 member runs finished, now sync 2 processing, rows 1,500 synced, 0 failed | 1m00s", barText(sv))
	require.Equal(t, "[1m00s] running - 1/2 member runs finished, now sync 2 processing, rows 1,500 synced, 0 failed", lineText(sv))
	seq.SyncRuns = nil
	require.Equal(t, "[0s] pending - no member runs yet", lineText(sequenceView(workflows.SequenceProgress{Phase: "pending", State: workflows.StateRunning}, 0)))
	seq.SyncRuns = []contract.SequenceMemberRun{{SyncID: 3, RunID: 30}}
	require.Equal(t, "running | 0/1 member runs finished, now sync 3 pending | 5s", barText(sequenceView(seq, 5*time.Second)))
}

func TestProgressWriter(t *testing.T) {
	var b bytes.Buffer
	pw := &progressWriter{w: &b, mode: progressLine}
	for _, r := range []float64{0, 0.01, 0.05, 0.12, 0.19, 0.2} {
		pw.show(syncView(syncProgress("processing", r, t0), time.Second))
	}
	pw.show(syncView(syncProgress("reporting", 0.2, t0), time.Second))
	pw.clear() // nothing to clear in line mode
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 4, b.String()) // 0%, 12%, 20%, then the phase change
	require.Contains(t, lines[0], "processing 0%")
	require.Contains(t, lines[1], "processing 12%")
	require.Contains(t, lines[2], "processing 20%")
	require.Contains(t, lines[3], "reporting 20%")

	b.Reset()
	pw = &progressWriter{w: &b, mode: progressBar, width: 80}
	pw.show(syncView(syncProgress("querying", 0, t0), time.Second))
	pw.show(syncView(syncProgress("querying", 0, t0), 2*time.Second))
	pw.clear()
	require.Equal(t, "\rquerying [--------------------]   0% | 0/1,000 rows synced, 3 failed | 1s\x1b[K"+
		"\rquerying [--------------------]   0% | 0/1,000 rows synced, 3 failed | 2s\x1b[K\r\x1b[K", b.String())

	// Too wide for the terminal: cut, so that \r still redraws one line.
	b.Reset()
	pw = &progressWriter{w: &b, mode: progressBar, width: 40}
	pw.show(syncView(syncProgress("querying", 0, t0), time.Second))
	require.Equal(t, "\rquerying [--------------------]   0%...\x1b[K", b.String())

	b.Reset()
	pw = &progressWriter{w: &b, mode: progressNone}
	pw.show(syncView(syncProgress("querying", 0, t0), time.Second))
	pw.clear()
	require.Empty(t, b.String())
}

// describeWith is a running workflow's description with pending activities.
func describeWith(workflowType string, pending ...*workflowpb.PendingActivityInfo) *workflowservice.DescribeWorkflowExecutionResponse {
	return &workflowservice.DescribeWorkflowExecutionResponse{
		WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
			Execution: &commonpb.WorkflowExecution{WorkflowId: "hightouch-sync-42", RunId: "r1"},
			Type:      &commonpb.WorkflowType{Name: workflowType},
			TaskQueue: "hightouch",
			Status:    enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
			StartTime: timestamppb.New(t0),
		},
		PendingActivities: pending,
	}
}

// stillRunning is a pending poll whose last attempt failed StillRunning
// with snap as details.
func stillRunning(t *testing.T, activityType string, snap any) *workflowpb.PendingActivityInfo {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayloads(snap)
	require.NoError(t, err)
	return &workflowpb.PendingActivityInfo{
		ActivityType: &commonpb.ActivityType{Name: activityType},
		LastFailure: &failurepb.Failure{Message: "still running", FailureInfo: &failurepb.Failure_ApplicationFailureInfo{
			ApplicationFailureInfo: &failurepb.ApplicationFailureInfo{Type: errortypes.StillRunning, Details: p},
		}},
	}
}

func heartbeating(t *testing.T, activityType string, snap any) *workflowpb.PendingActivityInfo {
	t.Helper()
	pa := payloads(t, snap)
	pa.ActivityType = &commonpb.ActivityType{Name: activityType}
	return pa
}

func TestFetchLiveMerges(t *testing.T) {
	ctx := context.Background()
	query := syncProgress("querying", 0, t0.Add(time.Minute))
	newer := query.SyncRunSnapshot
	newer.Status, newer.CompletionRatio, newer.ObservedAt = client.RunProcessing, 0.6, t0.Add(3*time.Minute)
	older := newer
	older.CompletionRatio, older.ObservedAt = 0.3, t0.Add(2*time.Minute)

	otherRun := newer
	otherRun.RunID, otherRun.ObservedAt = "1111", t0.Add(time.Hour)

	// The newest snapshot of the run wins, from the last failure or the
	// heartbeat of whichever activity carries it. Details that are no
	// snapshot of this run (a trigger's state, another run) are not.
	c := &fakeClient{
		desc: func() *workflowservice.DescribeWorkflowExecutionResponse {
			return describeWith(workflows.SyncWorkflow, heartbeating(t, "Wait", older), stillRunning(t, "AnyName", newer),
				heartbeating(t, "Trigger", map[string]any{"firstAttemptAt": t0.Add(time.Hour), "observedAt": t0.Add(time.Hour)}),
				heartbeating(t, "Wait", otherRun))
		},
		progress: func() any { return query },
	}
	l, err := fetchLive(ctx, c, "hightouch-sync-42", "")
	require.NoError(t, err)
	require.Equal(t, kindSync, l.Kind)
	require.NoError(t, l.QueryErr)
	require.Equal(t, "processing", l.Sync.Phase)
	require.Equal(t, 0.6, l.Sync.CompletionRatio)
	require.Equal(t, t0.Add(3*time.Minute), l.Sync.ObservedAt.UTC())
	require.Equal(t, 2*time.Minute, l.View(t0.Add(2*time.Minute)).Elapsed)

	// An older snapshot does not replace the query's.
	query.ObservedAt = t0.Add(time.Hour)
	l, err = fetchLive(ctx, c, "hightouch-sync-42", "")
	require.NoError(t, err)
	require.Equal(t, "querying", l.Sync.Phase)

	// Nor does any snapshot once the workflow's state is final.
	query.ObservedAt, query.State = t0, workflows.StateFailed
	l, err = fetchLive(ctx, c, "hightouch-sync-42", "")
	require.NoError(t, err)
	require.Equal(t, "querying", l.Sync.Phase)

	// Without the query (no worker), the pending poll still tells.
	c.queryErr = errors.New("no poller")
	l, err = fetchLive(ctx, c, "hightouch-sync-42", "")
	require.NoError(t, err)
	require.EqualError(t, l.QueryErr, "no poller")
	require.Equal(t, "processing", l.Sync.Phase)
	require.Equal(t, workflows.StateRunning, l.Sync.State)

	// Sequences merge the same way.
	seqQuery := workflows.SequenceProgress{Phase: "not found", State: workflows.StateRunning, SequenceID: "seq-1"}
	seqQuery.SequenceRunID, seqQuery.ObservedAt = "sr-5", t0
	seqSnap := contract.SequenceRunSnapshot{SequenceRunID: "sr-5", Status: client.SequenceRunning, ObservedAt: t0.Add(time.Minute),
		SyncRuns: []contract.SequenceMemberRun{{SyncID: 1, RunID: 11, Status: client.RunQuerying}}}
	c = &fakeClient{
		desc: func() *workflowservice.DescribeWorkflowExecutionResponse {
			return describeWith(workflows.SequenceWorkflow, heartbeating(t, "Wait", seqSnap),
				heartbeating(t, "Trigger", map[string]any{"observedAt": t0.Add(time.Hour)}))
		},
		progress: func() any { return seqQuery },
	}
	l, err = fetchLive(ctx, c, "hightouch-sequence-seq-1", "")
	require.NoError(t, err)
	require.Equal(t, kindSequence, l.Kind)
	require.Equal(t, "running", l.Sequence.Phase)
	require.Equal(t, "seq-1", l.Sequence.SequenceID)
	require.Len(t, l.Sequence.SyncRuns, 1)

	// Another workflow type: described, no progress.
	c = &fakeClient{desc: func() *workflowservice.DescribeWorkflowExecutionResponse { return describeWith("Other") }}
	l, err = fetchLive(ctx, c, "x", "")
	require.NoError(t, err)
	require.Equal(t, "", l.Kind)
	require.False(t, l.HasProgress())
}
