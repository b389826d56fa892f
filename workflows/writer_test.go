package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// Several workflows on the same sync at once, the ordinary case the writer
// exists for: a fleet parent starts them as children in the test
// environment, where they and the sync's writer signal each other.

// testWorkflowID is the id the test environment gives the workflow it
// runs: a request that replies to it replies to the writer under test.
const testWorkflowID = "default-test-workflow-id"

// rawRequest is a trigger request as a requester signals it, for a writer
// of kind "sync" (target a sync id) or "sequence" (a sequence id).
func rawRequest(kind string, target any, id, replyTo string, now time.Time) map[string]any {
	return map[string]any{"id": id, "replyTo": map[string]any{"workflowId": replyTo},
		"kind": kind, kind + "Id": target, "requestedAt": now}
}

// fleetInput starts the workflows, one every StartEvery; CancelAfter
// cancels workflow i that long after it started.
type fleetInput struct {
	Syncs       []workflows.SyncInput     `json:"syncs"`
	Sequences   []workflows.SequenceInput `json:"sequences"`
	StartEvery  time.Duration             `json:"startEvery"`
	CancelAfter map[int]time.Duration     `json:"cancelAfter"`
}

// outcome is how one workflow of a fleet ended: the run it reported (in its
// result or its failure's details) and its failure type ("Cancelled" for a
// cancellation).
type outcome struct {
	RunID         string `json:"runId"`
	SequenceRunID string `json:"sequenceRunId"`
	workflows.TriggerNotes
	Status  string `json:"status"`
	ErrType string `json:"errType"`
	Err     string `json:"err"`
}

func fleet(ctx workflow.Context, in fleetInput) ([]outcome, error) {
	// The test environment cannot deliver a signal to a child that has not
	// begun to run (a server buffers it), so the writers start first.
	writers := map[string]map[string]any{}
	for _, s := range in.Syncs {
		writers[workflows.WriterID("sync", s.SyncID.String())] = map[string]any{"kind": "sync", "syncId": s.SyncID}
	}
	for _, s := range in.Sequences {
		writers[workflows.WriterID("sequence", s.SequenceID)] = map[string]any{"kind": "sequence", "sequenceId": s.SequenceID}
	}
	for _, id := range slices.Sorted(maps.Keys(writers)) {
		wctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: id, ParentClosePolicy: enums.PARENT_CLOSE_POLICY_ABANDON})
		if err := workflow.ExecuteChildWorkflow(wctx, workflows.WriterWorkflow, writers[id]).GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			return nil, err
		}
	}
	if err := workflow.Sleep(ctx, time.Millisecond); err != nil {
		return nil, err
	}
	n := len(in.Syncs) + len(in.Sequences)
	futures := make([]workflow.ChildWorkflowFuture, n)
	for i := range n {
		if i > 0 && in.StartEvery > 0 {
			if err := workflow.Sleep(ctx, in.StartEvery); err != nil {
				return nil, err
			}
		}
		cctx, cancel := workflow.WithCancel(ctx)
		cctx = workflow.WithChildOptions(cctx, workflow.ChildWorkflowOptions{WorkflowID: "w" + strconv.Itoa(i), WaitForCancellation: true})
		if i < len(in.Syncs) {
			futures[i] = workflow.ExecuteChildWorkflow(cctx, workflows.SyncWorkflow, in.Syncs[i])
		} else {
			futures[i] = workflow.ExecuteChildWorkflow(cctx, workflows.SequenceWorkflow, in.Sequences[i-len(in.Syncs)])
		}
		if d, ok := in.CancelAfter[i]; ok {
			workflow.Go(ctx, func(ctx workflow.Context) {
				_ = workflow.Sleep(ctx, d)
				cancel()
			})
		}
	}
	out := make([]outcome, n)
	for i, f := range futures {
		o := &out[i]
		err := f.Get(ctx, o)
		var appErr *temporal.ApplicationError
		var canceled *temporal.CanceledError
		switch {
		case err == nil:
		case errors.As(err, &appErr):
			var d outcome
			if appErr.HasDetails() {
				_ = appErr.Details(&d)
			}
			o.RunID, o.SequenceRunID, o.TriggerNotes, o.Status = d.RunID, d.SequenceRunID, d.TriggerNotes, d.Status
			o.ErrType, o.Err = appErr.Type(), appErr.Error()
		case errors.As(err, &canceled):
			o.ErrType, o.Err = "Cancelled", canceled.Error()
			// The test environment hands details over as they were made.
			var v any
			if canceled.HasDetails() && canceled.Details(&v) == nil {
				switch d := v.(type) {
				case workflows.SyncResult:
					o.RunID, o.TriggerNotes = string(d.RunID), d.TriggerNotes
				case string:
					o.Err = d
				}
			}
		default:
			o.ErrType, o.Err = "other", err.Error()
			var p *temporal.PanicError
			if errors.As(err, &p) {
				o.Err += p.StackTrace()
			}
		}
	}
	return out, nil
}

func (h *harness) runFleet(in fleetInput) []outcome {
	h.t.Helper()
	h.env.RegisterWorkflow(fleet)
	h.env.ExecuteWorkflow(fleet, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var out []outcome
	require.NoError(h.t, h.env.GetWorkflowResult(&out))
	return out
}

// runsByID indexes a sync's runs at the emulator.
func runsByID(h *harness, syncID int64) map[string]hightouchtest.RunInfo {
	m := map[string]hightouchtest.RunInfo{}
	for _, r := range h.emu.Runs(syncID) {
		m[strconv.FormatInt(r.ID, 10)] = r
	}
	return m
}

// requireOwnRuns checks that every workflow reported a run of its own, that
// it was created with the workflow's own options, and that the sync has no
// run nobody reported.
func requireOwnRuns(t *testing.T, h *harness, syncID int64, ins []workflows.SyncInput, outs []outcome) {
	t.Helper()
	runs := runsByID(h, syncID)
	seen := map[string]int{}
	for i, o := range outs {
		require.NotEmpty(t, o.RunID, "workflow %d reported no run: %+v (all: %+v)", i, o, outs)
		prev, dup := seen[o.RunID]
		require.False(t, dup, "run %s reported by workflows %d and %d", o.RunID, prev, i)
		seen[o.RunID] = i
		r, ok := runs[o.RunID]
		require.True(t, ok, "workflow %d reported run %s, which sync %d does not have", i, o.RunID, syncID)
		require.Equal(t, ins[i].FullResync, r.FullResync, "workflow %d reported run %s, created with another workflow's options", i, o.RunID)
	}
	require.Len(t, runs, len(ins), "one run per workflow: no second trigger, none lost")
}

// Six workflows on each of two syncs at once, through 500s before and after
// Hightouch acts: each reports its own run, and no sync is triggered twice.
func TestManyWorkflowsOnOneSyncEachGetTheirOwnRun(t *testing.T) {
	h := newHarness(t)
	h.env.SetTestTimeout(2 * time.Minute)
	a := h.emu.NewSync("a", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 30*time.Second, 0)})
	b := h.emu.NewSync("b", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 30*time.Second, 0)})
	h.emu.SetFaults(hightouchtest.Faults{ServerErrorRate: 0.1, TriggerThen500Rate: 0.3})
	var ins []workflows.SyncInput
	for i := range 12 {
		id := a
		if i%2 == 1 {
			id = b
		}
		ins = append(ins, workflows.SyncInput{SyncID: client.ID(id), FullResync: i%3 == 0})
	}
	outs := h.runFleet(fleetInput{Syncs: ins})
	for i, o := range outs {
		require.Empty(t, o.ErrType, "workflow %d: %s", i, o.Err)
	}
	var insA, insB []workflows.SyncInput
	var outsA, outsB []outcome
	for i := range ins {
		if i%2 == 0 {
			insA, outsA = append(insA, ins[i]), append(outsA, outs[i])
		} else {
			insB, outsB = append(insB, ins[i]), append(outsB, outs[i])
		}
	}
	requireOwnRuns(t, h, a, insA, outsA)
	requireOwnRuns(t, h, b, insB, outsB)
	require.Positive(t, h.emu.Stats().InjectedErrors, "the faults happened")
}

// Review finding: a workflow whose trigger failed before creating anything
// adopted another workflow's run. Through the writer, nothing else is sent
// while the lost answer is looked for, so the first workflow finds nothing
// and sends again, and the second gets its own run.
func TestLostTriggerIsNotConfusedWithAnotherWorkflowsRun(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Minute, 0)})
	h.emu.SetFaults(hightouchtest.Faults{FailTriggers: 1})
	ins := []workflows.SyncInput{{SyncID: client.ID(id), FullResync: true}, {SyncID: client.ID(id)}}
	outs := h.runFleet(fleetInput{Syncs: ins, StartEvery: time.Second})
	require.Empty(t, outs[0].ErrType, outs[0].Err)
	require.Empty(t, outs[1].ErrType, outs[1].Err)
	require.False(t, outs[0].Adopted, "nothing was created by the failed trigger: nothing to adopt")
	requireOwnRuns(t, h, id, ins, outs)
}

// ifRunning, decided inside the writer while a run is in progress.
func TestIfRunning(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 10*time.Minute, 0)})
	sync := func(mode string) workflows.SyncInput {
		return workflows.SyncInput{SyncID: client.ID(id), IfRunning: mode}
	}
	outs := h.runFleet(fleetInput{Syncs: []workflows.SyncInput{sync(""), sync("skip"), sync("attach"), sync("fail"), sync("queue")}, StartEvery: 30 * time.Second})
	first := outs[0].RunID
	require.Empty(t, outs[0].ErrType, outs[0].Err)

	require.True(t, outs[1].Skipped, "%+v", outs[1])
	require.Equal(t, first, outs[1].RunID, "skip returns the run in progress")
	require.NotEqual(t, "success", outs[1].Status, "skip does not wait")

	require.True(t, outs[2].Attached, "%+v", outs[2])
	require.Equal(t, first, outs[2].RunID, "attach waits on the run in progress")
	require.Equal(t, "success", outs[2].Status)

	require.Equal(t, errortypes.SyncAlreadyRunning, outs[3].ErrType)
	require.Equal(t, first, outs[3].RunID, "the failure names the run in progress")
	require.Contains(t, outs[3].Err, first)

	require.Empty(t, outs[4].ErrType, outs[4].Err)
	require.NotEqual(t, first, outs[4].RunID, "queue triggers a run of its own")
	require.Len(t, h.emu.Runs(id), 2, "only queue and the first triggered")

	// With nothing in progress, every mode triggers.
	h = newHarness(t)
	id = h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Second, 0)})
	outs = h.runFleet(fleetInput{Syncs: []workflows.SyncInput{sync("skip"), sync("attach"), sync("fail")}, StartEvery: time.Minute})
	for i, o := range outs {
		require.Empty(t, o.ErrType, "workflow %d: %s", i, o.Err)
		require.False(t, o.Skipped || o.Attached, "workflow %d: %+v", i, o)
	}
	require.Len(t, h.emu.Runs(id), 3)
}

func TestIfRunningIsChecked(t *testing.T) {
	h := newHarness(t)
	_, err := h.runSync(workflows.SyncInput{SyncID: 1, IfRunning: "wait"})
	require.Equal(t, errortypes.InvalidInput, appError(t, err).Type())
	require.Contains(t, err.Error(), `field "ifRunning": expected one of queue, skip, attach, fail, got "wait"`)
}

// A workflow cancelled while its request waits behind another's is
// withdrawn: it ends cancelled and nothing is sent for it.
func TestCancelledWhileQueuedSendsNothing(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Minute, 0)})
	// Hightouch asks the writer to slow down for minutes.
	h.emu.SetFaults(hightouchtest.Faults{RateLimitBurst: 12, RetryAfter: 30 * time.Second})
	ins := []workflows.SyncInput{{SyncID: client.ID(id)}, {SyncID: client.ID(id)}}
	outs := h.runFleet(fleetInput{Syncs: ins, StartEvery: time.Second, CancelAfter: map[int]time.Duration{1: time.Minute}})
	require.Empty(t, outs[0].ErrType, outs[0].Err)
	require.Equal(t, "Cancelled", outs[1].ErrType)
	require.Empty(t, outs[1].RunID, "%+v", outs[1])
	require.Contains(t, outs[1].Err, "cancelled before a run of sync")
	require.Len(t, h.emu.Runs(id), 1, "nothing was sent for the cancelled workflow")
}

// Review path 8: a timeout shorter than the trigger's retry window. The
// trigger's run is still found and reported, by the WaitTimeout failure.
func TestShortTimeoutStillReportsTheRun(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 10*time.Minute, 0)})
	h.emu.SetFaults(hightouchtest.Faults{TriggerThen500Rate: 1, ListingLag: time.Minute})
	_, err := h.runSync(workflows.SyncInput{SyncID: client.ID(id), WaitOptions: workflows.WaitOptions{Timeout: "8s"}})
	appErr, _ := requireFailure(t, err, errortypes.WaitTimeout)
	var res workflows.SyncResult
	require.NoError(t, appErr.Details(&res))
	runs := h.emu.Runs(id)
	require.Len(t, runs, 1)
	require.Equal(t, strconv.FormatInt(runs[0].ID, 10), string(res.RunID), "the run is named though the timeout passed first")
	require.True(t, res.Adopted)
}

// Review path 5: a sequence trigger whose answer was lost is sent again at
// once, and Hightouch answers with the run in progress: one run, even when
// the run is short.
func TestSequenceLostAnswerIsSentAgainAtOnce(t *testing.T) {
	h := newHarness(t)
	quick := h.emu.NewSync("quick", hightouchtest.Scenario{Phases: []hightouchtest.Phase{{Status: "processing", Duration: 500 * time.Millisecond}}})
	seq := h.emu.NewSequence("", quick)
	h.emu.SetFaults(hightouchtest.Faults{TriggerThen500Rate: 1})
	h.env.SetOnActivityCompletedListener(nil)
	res, err := h.runSequence(workflows.SequenceInput{SequenceID: seq})
	require.NoError(t, err)
	require.Equal(t, 1, h.emu.Stats().SequenceRunsCreated, "sent again, Hightouch answered with the same run")
	require.True(t, res.Adopted)
	require.Equal(t, h.emu.SequenceRuns(seq)[0].ID, res.SequenceRunID)
}

// Review path 5, the limit the API sets: where the workspace queues
// sequence runs, the re-send queues a follow-up run, and the result says
// so rather than hiding it.
func TestSequenceLostAnswerWithQueueingSaysWhatIsUnknown(t *testing.T) {
	h := newHarness(t, hightouchtest.WithSequenceQueueing(true))
	long := h.emu.NewSync("long", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 10*time.Minute, 0)})
	seq := h.emu.NewSequence("", long)
	h.emu.SetFaults(hightouchtest.Faults{TriggerThen500Rate: 1})
	res, err := h.runSequence(workflows.SequenceInput{SequenceID: seq, WaitOptions: workflows.WaitOptions{Timeout: "1h"}})
	require.NoError(t, err)
	require.True(t, res.Adopted)
	require.Contains(t, res.Note, "queues sequence runs")
	runs := h.emu.SequenceRuns(seq)
	require.Equal(t, runs[len(runs)-1].ID, res.SequenceRunID, "the run reported began after the request")
}

// A sequence triggered while it runs: Hightouch answers with the run in
// progress; ifRunning skip and fail see it through the writer's own runs.
func TestSequenceIfRunning(t *testing.T) {
	h := newHarness(t)
	long := h.emu.NewSync("long", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 10*time.Minute, 0)})
	seq := h.emu.NewSequence("", long)
	in := func(mode string) workflows.SequenceInput {
		return workflows.SequenceInput{SequenceID: seq, IfRunning: mode}
	}
	outs := h.runFleet(fleetInput{Sequences: []workflows.SequenceInput{in(""), in("queue"), in("skip"), in("fail")}, StartEvery: 30 * time.Second})
	first := outs[0].SequenceRunID
	require.Empty(t, outs[0].ErrType, outs[0].Err)
	require.Equal(t, first, outs[1].SequenceRunID, "Hightouch answers a trigger of a running sequence with its run")
	require.True(t, outs[1].Attached, "%+v", outs[1])
	require.True(t, outs[2].Skipped)
	require.Equal(t, first, outs[2].SequenceRunID)
	require.Equal(t, errortypes.SyncAlreadyRunning, outs[3].ErrType)
	require.Equal(t, 1, h.emu.Stats().SequenceRunsCreated)
}

// A send whose worker died mid-request (its activity timed out on its
// heartbeat, after Hightouch created the run): the writer looks for the run
// over the whole time the send may have been out, and adopts it.
func TestWriterFindsTheRunOfASendThatDied(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Minute, 0)})
	sends := 0
	h.env.OnActivity("SendSyncTrigger", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SendSyncTriggerInput) (*activities.SendSyncTriggerResult, error) {
			sends++
			if sends > 1 {
				return h.acts.SendSyncTrigger(ctx, in)
			}
			from := h.clock.Now()
			_, err := h.acts.Client.TriggerRun(ctx, in.SyncID, in.Options) // reaches Hightouch; the answer never comes back
			require.NoError(t, err)
			window := activities.SendWindow{From: from, To: from.Add(time.Minute)}
			return nil, temporal.NewTimeoutError(enums.TIMEOUT_TYPE_HEARTBEAT, nil,
				activities.TriggerHeartbeat{Phase: "sending", Since: from, Deadline: from.Add(time.Minute), Sending: &window})
		})
	outs := h.runFleet(fleetInput{Syncs: []workflows.SyncInput{{SyncID: client.ID(id)}}})
	require.Empty(t, outs[0].ErrType, outs[0].Err)
	require.True(t, outs[0].Adopted)
	require.Contains(t, outs[0].Note, "ended without a word")
	require.Equal(t, 1, sends, "the run was found; nothing was sent again")
	requireOwnRuns(t, h, id, []workflows.SyncInput{{SyncID: client.ID(id)}}, outs)
}

// A writer continues as new with its queue, its answers (for duplicates)
// and the runs it handed out.
func TestWriterContinuesAsNewWithItsState(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{})
	req := func(n int) map[string]any {
		// Replies go to the writer itself (a workflow that is running).
		return rawRequest("sync", id, fmt.Sprintf("r%d", n), testWorkflowID, h.env.Now())
	}
	h.env.SetContinueAsNewSuggested(true)
	h.env.ExecuteWorkflow(workflows.WriterWorkflow, map[string]any{"kind": "sync", "syncId": id,
		"state": map[string]any{"pending": []any{req(1), req(2), req(3)}}})
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	var next struct {
		Kind   string `json:"kind"`
		SyncID int64  `json:"syncId"`
		State  struct {
			Pending  []struct{ ID string } `json:"pending"`
			Answered []struct {
				Reply struct {
					RequestID string `json:"requestId"`
					RunID     string `json:"runId"`
				} `json:"reply"`
			} `json:"answered"`
			Recent []struct{ RunID string } `json:"recent"`
			Offset struct{ Known bool }     `json:"offset"`
		} `json:"state"`
	}
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, "sync", next.Kind)
	require.Equal(t, id, next.SyncID)
	require.Len(t, next.State.Pending, 2, "the requests not yet served go on")
	require.Equal(t, "r2", next.State.Pending[0].ID)
	require.Len(t, next.State.Answered, 1)
	require.Equal(t, "r1", next.State.Answered[0].Reply.RequestID)
	require.NotEmpty(t, next.State.Answered[0].Reply.RunID)
	require.Len(t, next.State.Recent, 1)
	require.True(t, next.State.Offset.Known, "what it learnt of Hightouch's clock goes on")
	require.Len(t, h.emu.Runs(id), 1)
}

// A send whose attempt died before its first heartbeat reached the server
// sent nothing (a request goes out only after it): the writer sends again,
// and the sync runs once.
func TestWriterSendsAgainAfterAnAttemptThatDiedBeforeSending(t *testing.T) {
	h := newHarness(t)
	id := h.emu.NewSync("s", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, time.Minute, 0)})
	sends := 0
	h.env.OnActivity("SendSyncTrigger", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SendSyncTriggerInput) (*activities.SendSyncTriggerResult, error) {
			if sends++; sends > 1 {
				return h.acts.SendSyncTrigger(ctx, in)
			}
			return nil, temporal.NewTimeoutError(enums.TIMEOUT_TYPE_HEARTBEAT, nil)
		})
	outs := h.runFleet(fleetInput{Syncs: []workflows.SyncInput{{SyncID: client.ID(id)}}})
	require.Empty(t, outs[0].ErrType, outs[0].Err)
	require.False(t, outs[0].Adopted)
	require.Equal(t, 2, sends)
	requireOwnRuns(t, h, id, []workflows.SyncInput{{SyncID: client.ID(id)}}, outs)
}
