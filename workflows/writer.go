package workflows

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
)

// The API cannot tell whether a trigger whose answer was lost created a run
// while other triggers of the same sync come and go. Temporal can make the
// question easy: every trigger of a sync (and of a sequence) in the
// namespace goes through one writer, a workflow with a fixed id per sync
// that performs the triggers one at a time and hands each requester its own
// run. While the writer looks for the run of a lost answer, nothing else
// triggers the sync from Temporal, so a run created in that window is the
// lost one (or was started outside Temporal, which the result then says).
//
// Requesters (HightouchSync, HightouchSyncSequence) signal the writer, or
// start it as an abandoned child when it is not running, and wait for its
// reply signal. The writer continues as new to keep its history short, and
// ends once it has been idle for a while.

// WriterWorkflow is the workflow type of the trigger writers. Their ids are
// WriterID("sync", syncID) and WriterID("sequence", sequenceID).
const WriterWorkflow = "HightouchTriggerWriter"

// Signals between requesters and writers.
const (
	signalTriggerRequest  = "trigger-request"
	signalTriggerWithdraw = "trigger-withdraw"
	signalTriggerReply    = "trigger-reply"
)

// Kinds of writer.
const (
	writerSync     = "sync"
	writerSequence = "sequence"
)

// WriterID is the workflow id of the writer of one sync or sequence.
func WriterID(kind, id string) string { return writerIDPrefix + kind + ":" + id }

// IsWriterID reports whether a workflow id is a trigger writer's.
func IsWriterID(workflowID string) bool { return strings.HasPrefix(workflowID, writerIDPrefix) }

const writerIDPrefix = "hightouch-trigger-writer:"

// Writer limits.
const (
	// writerIdle ends a writer that received nothing for this long. It is
	// far longer than a requester takes to retry delivering a request, so
	// that a late duplicate still finds the writer that answered it.
	writerIdle = time.Hour
	// writerServedPerRun continues a writer as new after this many
	// requests (or sooner, when Temporal suggests it).
	writerServedPerRun = 100
	// writerAnswered bounds the answers kept for duplicates; writerRecent
	// the runs handed out kept for ifRunning and for the search.
	writerAnswered = 500
	writerRecent   = 20
	// answerKept is how long an answer is kept for a duplicate request.
	answerKept = 2 * writerIdle
	// sendTimeout bounds one send: a list, the uncertainty wait and the
	// POST (the client gives up on it after a minute).
	sendTimeout = 90 * time.Second
	// sendHeartbeatTimeout notices a dead send soon.
	sendHeartbeatTimeout = 10 * time.Second
	// findTimeout bounds the search for a lost answer's run, Hightouch
	// outages included; after it, the request fails saying what is unknown.
	findTimeout = 2 * time.Hour
)

// triggerRequest asks a writer for one run.
type triggerRequest struct {
	// ID is unique per request: the requester's workflow and run ids.
	ID      string    `json:"id"`
	ReplyTo replyTo   `json:"replyTo"`
	Kind    string    `json:"kind"`
	SyncID  client.ID `json:"syncId,omitempty"`
	// SequenceID names the sequence of a sequence request.
	SequenceID  string                `json:"sequenceId,omitempty"`
	Options     client.TriggerRunBody `json:"options"`
	IfRunning   string                `json:"ifRunning,omitempty"`
	RequestedAt time.Time             `json:"requestedAt"`
}

type replyTo struct {
	WorkflowID string `json:"workflowId"`
	RunID      string `json:"runId"`
}

// triggerReply is a writer's answer to one request.
type triggerReply struct {
	RequestID string `json:"requestId"`
	// RunID is the sync run or sequence run; "" when none was started.
	RunID string `json:"runId,omitempty"`
	TriggerNotes
	// SyncRun or SequenceRun is the run in progress that ifRunning found.
	SyncRun     *contract.SyncRunSnapshot     `json:"syncRun,omitempty"`
	SequenceRun *contract.SequenceRunSnapshot `json:"sequenceRun,omitempty"`
	// Withdrawn: the requester withdrew the request before anything was
	// sent.
	Withdrawn bool `json:"withdrawn,omitempty"`
	// Problem says why no run was started (RunID empty), or why the
	// request fails although a run is in progress (SyncAlreadyRunning).
	Problem *activities.TriggerProblem `json:"problem,omitempty"`
}

// TriggerNotes say how a workflow came by the run it reports, when it did
// not simply trigger it.
type TriggerNotes struct {
	// Adopted: the trigger's answer was lost; the run was found afterwards
	// (see Note for what the API cannot tell apart).
	Adopted bool `json:"adopted,omitempty"`
	// Attached: ifRunning "attach" (or Hightouch itself, for a sequence)
	// gave the run already in progress instead of a new one.
	Attached bool `json:"attached,omitempty"`
	// Skipped: ifRunning "skip" found a run in progress; nothing was
	// triggered and the workflow did not wait.
	Skipped bool `json:"skipped,omitempty"`
	// Note explains an adopted, attached or skipped run.
	Note string `json:"note,omitempty"`
}

// writerInput starts a writer, or continues one as new.
type writerInput struct {
	Kind       string      `json:"kind"`
	SyncID     client.ID   `json:"syncId,omitempty"`
	SequenceID string      `json:"sequenceId,omitempty"`
	State      writerState `json:"state"`
}

// writerState is what a writer carries over when it continues as new.
type writerState struct {
	Pending  []triggerRequest       `json:"pending,omitempty"`
	Answered []answeredRequest      `json:"answered,omitempty"`
	Recent   []handedOut            `json:"recent,omitempty"`
	Offset   activities.ClockOffset `json:"offset"`
}

type answeredRequest struct {
	Reply   triggerReply `json:"reply"`
	ReplyTo replyTo      `json:"replyTo"`
	At      time.Time    `json:"at"`
}

type handedOut struct {
	RunID string    `json:"runId"`
	At    time.Time `json:"at"`
}

// versionSignalsInOrder marks the writers that act on every signal in the
// order it came: they leave signals in their channels until they take them,
// take the requests before the withdrawals, look for a withdrawal again
// after checking that the requester waits, and answer a withdrawal of a
// request they never had. Writers that began before replay what they did.
const versionSignalsInOrder = "writer-signals-in-order"

// writer is one running writer.
type writer struct {
	in writerInput
	st *writerState
	// withdrawn marks the request being served as withdrawn.
	withdrawn map[string]bool
	current   string
	// inOrder is set on writers of versionSignalsInOrder.
	inOrder bool
	// The signal channels of requests and withdrawals.
	requests, withdrawals workflow.ReceiveChannel
}

// HightouchTriggerWriter performs the triggers of one sync or sequence, one
// at a time, for every requester in the namespace. Start HightouchSync or
// HightouchSyncSequence rather than this: they start and signal it.
func HightouchTriggerWriter(ctx workflow.Context, in writerInput) error {
	requests := workflow.GetSignalChannel(ctx, signalTriggerRequest)
	withdrawals := workflow.GetSignalChannel(ctx, signalTriggerWithdraw)
	w := &writer{in: in, st: &in.State, withdrawn: map[string]bool{}, requests: requests, withdrawals: withdrawals}
	// Nothing a writer does may be cut short: a send under way must be
	// seen through and its run handed out.
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	w.inOrder = workflow.GetVersion(ctx, versionSignalsInOrder, workflow.DefaultVersion, 1) == 1
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			if w.inOrder {
				// Waiting on a condition, not a Selector: a signal stays
				// in its channel until taken, so that drain sees one that
				// comes with the event that ends the writer or continues
				// it as new. (A Selector blocked on a channel takes a
				// signal out of it as it is delivered, before the root
				// coroutine runs and drains.)
				_ = workflow.Await(ctx, func() bool { return requests.Len() > 0 || withdrawals.Len() > 0 })
				w.drain(ctx)
				continue
			}
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(requests, func(c workflow.ReceiveChannel, _ bool) { w.receive(ctx, c) })
			sel.AddReceive(withdrawals, func(c workflow.ReceiveChannel, _ bool) { w.withdraw(ctx, c) })
			sel.Select(ctx)
		}
	})
	logger := workflow.GetLogger(ctx)
	for served := 0; ; {
		ok, err := workflow.AwaitWithTimeout(ctx, writerIdle, func() bool { return len(w.st.Pending) > 0 })
		if err != nil {
			return err
		}
		if !ok {
			w.drain(ctx)
			if len(w.st.Pending) == 0 {
				logger.Info("Trigger writer idle; ending", "kind", in.Kind, "id", w.target())
				return nil
			}
			continue
		}
		req := w.st.Pending[0]
		w.current = req.ID
		reply := w.serve(ctx, req)
		w.current = ""
		delete(w.withdrawn, req.ID)
		w.st.Pending = w.st.Pending[1:]
		w.answer(ctx, req.ReplyTo, reply)
		served++
		if served >= writerServedPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			w.drain(ctx)
			w.prune(workflow.Now(ctx))
			return workflow.NewContinueAsNewError(ctx, WriterWorkflow, writerInput{Kind: in.Kind, SyncID: in.SyncID, SequenceID: in.SequenceID, State: *w.st})
		}
	}
}

func (w *writer) target() string {
	if w.in.Kind == writerSequence {
		return w.in.SequenceID
	}
	return w.in.SyncID.String()
}

// receive queues a request, or answers a duplicate again.
func (w *writer) receive(ctx workflow.Context, c workflow.ReceiveChannel) {
	var req triggerRequest
	c.Receive(ctx, &req)
	workflow.GetLogger(ctx).Debug("Trigger request received", "requestId", req.ID, "pending", len(w.st.Pending))
	if a := w.answeredTo(req.ID); a != nil {
		w.answer(ctx, req.ReplyTo, a.Reply)
		return
	}
	if slices.ContainsFunc(w.st.Pending, func(p triggerRequest) bool { return p.ID == req.ID }) {
		return
	}
	w.st.Pending = append(w.st.Pending, req)
}

// withdraw drops a request not yet served (answering it "withdrawn"), or
// marks the one being served so that nothing more is sent for it.
func (w *writer) withdraw(ctx workflow.Context, c workflow.ReceiveChannel) {
	var id string
	c.Receive(ctx, &id)
	switch i := slices.IndexFunc(w.st.Pending, func(p triggerRequest) bool { return p.ID == id }); {
	case id == w.current:
		w.withdrawn[id] = true
	case i >= 0:
		req := w.st.Pending[i]
		w.st.Pending = slices.Delete(w.st.Pending, i, i+1)
		w.answer(ctx, req.ReplyTo, triggerReply{RequestID: id, Withdrawn: true})
	default:
		if a := w.answeredTo(id); a != nil {
			w.answer(ctx, a.ReplyTo, a.Reply)
			return
		}
		if to, ok := requesterOf(id); ok && w.inOrder {
			// The request went to a writer that was lost (terminated or
			// reset) before it answered, and this one was started since:
			// its requester, stopped, would wait for an answer that
			// cannot come.
			w.answer(ctx, to, triggerReply{RequestID: id, Problem: &activities.TriggerProblem{Type: errortypes.HightouchServerError, Message: fmt.Sprintf(
				"the trigger writer %s that had this workflow's request was lost (terminated or reset) before it answered; "+
					"whether it started a run is unknown: check the runs in Hightouch", WriterID(w.in.Kind, w.target()))}})
		}
	}
}

// drain takes in every signal already delivered, before the writer ends or
// continues as new (signals left unread would be lost). Requests come first:
// a withdrawal came after its request, and must find it.
func (w *writer) drain(ctx workflow.Context) {
	requests, withdrawals := w.requests, w.withdrawals
	for requests.Len() > 0 || withdrawals.Len() > 0 {
		if w.inOrder {
			if requests.Len() > 0 {
				w.receive(ctx, requests)
			} else {
				w.withdraw(ctx, withdrawals)
			}
			continue
		}
		if requests.Len() > 0 {
			w.receive(ctx, requests)
		}
		if withdrawals.Len() > 0 {
			w.withdraw(ctx, withdrawals)
		}
	}
}

func (w *writer) answeredTo(id string) *answeredRequest {
	for i := range w.st.Answered {
		if w.st.Answered[i].Reply.RequestID == id {
			return &w.st.Answered[i]
		}
	}
	return nil
}

// answer signals the reply to the requester and keeps it for duplicates.
// A requester that is gone (terminated) cannot be told; the run is logged.
func (w *writer) answer(ctx workflow.Context, to replyTo, reply triggerReply) {
	if w.answeredTo(reply.RequestID) == nil {
		w.st.Answered = append(w.st.Answered, answeredRequest{Reply: reply, ReplyTo: to, At: workflow.Now(ctx)})
		if len(w.st.Answered) > writerAnswered {
			w.st.Answered = w.st.Answered[len(w.st.Answered)-writerAnswered:]
		}
	}
	workflow.GetLogger(ctx).Debug("Trigger request answered", "requestId", reply.RequestID, "runId", reply.RunID, "adopted", reply.Adopted)
	err := workflow.SignalExternalWorkflow(ctx, to.WorkflowID, to.RunID, signalTriggerReply, reply).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("Could not answer a trigger request; its requester is gone",
			"requester", to.WorkflowID, "runId", reply.RunID, "error", err)
	}
}

// remember records a run handed out.
func (w *writer) remember(ctx workflow.Context, runID string) {
	w.st.Recent = append(w.st.Recent, handedOut{RunID: runID, At: workflow.Now(ctx)})
	if len(w.st.Recent) > writerRecent {
		w.st.Recent = w.st.Recent[len(w.st.Recent)-writerRecent:]
	}
}

func (w *writer) recentIDs() []string {
	ids := make([]string, len(w.st.Recent))
	for i, r := range w.st.Recent {
		ids[i] = r.RunID
	}
	return ids
}

// prune forgets answers too old to be asked for again.
func (w *writer) prune(now time.Time) {
	w.st.Answered = slices.DeleteFunc(w.st.Answered, func(a answeredRequest) bool { return now.Sub(a.At) > answerKept })
}

func (w *writer) serve(ctx workflow.Context, req triggerRequest) triggerReply {
	if w.in.Kind == writerSequence {
		return w.serveSequence(ctx, req)
	}
	return w.serveSync(ctx, req)
}

// sendOptions: one attempt, never retried by the server; the writer decides
// what follows from its outcome.
func sendOptions(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: sendTimeout,
		HeartbeatTimeout:    sendHeartbeatTimeout,
		Summary:             summary,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
}

// findOptions: the search is read-only and retried through API faults.
func findOptions(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Hour,
		ScheduleToCloseTimeout: findTimeout,
		HeartbeatTimeout:       heartbeatTimeout,
		Summary:                summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			// Bounded by ScheduleToClose, not by a count (the test
			// environment caps unlimited attempts at ten).
			MaximumAttempts:        math.MaxInt32,
			NonRetryableErrorTypes: errortypes.NonRetryable,
		},
	})
}

// backoff waits before sending again after a failure that created no run.
type backoff struct {
	next     time.Duration
	deadline time.Time
}

func newBackoff(ctx workflow.Context) *backoff {
	return &backoff{next: time.Second, deadline: workflow.Now(ctx).Add(triggerRetryWindow)}
}

// wait sleeps before the next send, at least as long as asked; it reports
// false once the retry window is spent.
func (b *backoff) wait(ctx workflow.Context, atLeast time.Duration) bool {
	d := max(b.next, atLeast)
	if workflow.Now(ctx).Add(d).After(b.deadline) {
		return false
	}
	b.next = min(2*b.next, time.Minute)
	return workflow.Sleep(ctx, d) == nil
}

// lostSend says what a send whose activity ended without a result (the
// worker died, or the attempt timed out) may have done. Its first
// heartbeat, sent before anything else (a request goes out only once the
// server has it), says when it began and its deadline; a later one says
// when its request left. Without any, nothing was sent: sent is false.
//
// An attempt sends no sooner than MinSendDelay after the request, so the
// window of one that said only that it began opens then at the earliest.
func lostSend(err error, offset activities.ClockOffset, requestedAt time.Time) (w activities.SendWindow, sent bool) {
	var hb activities.TriggerHeartbeat
	var timeout *temporal.TimeoutError
	if !errors.As(err, &timeout) || !timeout.HasLastHeartbeatDetails() || timeout.LastHeartbeatDetails(&hb) != nil || hb.Since.IsZero() {
		return w, false
	}
	w = activities.SendWindow{From: hb.Since, To: hb.Deadline, Offset: offset}
	if earliest := requestedAt.Add(activities.MinSendDelay); !requestedAt.IsZero() && earliest.After(w.From) {
		w.From = earliest
	}
	if hb.Sending != nil {
		w = *hb.Sending
	} else if hb.Offset.Known {
		w.Offset = hb.Offset
	}
	w.Why = "the send's attempt ended without a word: " + rootMessage(err)
	return w, true
}

// recheckRequester is how long a writer trusts that a requester waits;
// requesterCheckTimeout bounds one check.
const (
	recheckRequester      = 30 * time.Second
	requesterCheckTimeout = time.Minute
)

// requesterWaits asks Temporal whether the requester still waits for its
// run (a workflow terminated meanwhile could not withdraw), at most every
// recheckRequester; when it cannot tell, it sends.
func (w *writer) requesterWaits(ctx workflow.Context, req triggerRequest, checked *time.Time) bool {
	now := workflow.Now(ctx)
	if !checked.IsZero() && now.Sub(*checked) < recheckRequester {
		return true
	}
	*checked = now
	opts := callActivityOptions("check that "+req.ReplyTo.WorkflowID+" still waits", requesterCheckTimeout)
	opts.StartToCloseTimeout = 30 * time.Second
	var waiting bool
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), a.RequesterWaiting,
		activities.RequesterWaitingInput{WorkflowID: req.ReplyTo.WorkflowID, RunID: req.ReplyTo.RunID}).Get(ctx, &waiting)
	if err == nil && !waiting {
		workflow.GetLogger(ctx).Info("Not triggering for a workflow that no longer waits", "requester", req.ReplyTo.WorkflowID)
		return false
	}
	return true
}

// withdrawnOrGone reports whether nothing may be sent for the request: it
// was withdrawn, or its requester no longer waits. A withdrawal that came
// during the check counts: it is taken in here (the goroutine that takes
// signals runs after this coroutine in a workflow task).
func (w *writer) withdrawnOrGone(ctx workflow.Context, req triggerRequest, checked *time.Time) bool {
	if w.withdrawn[req.ID] || !w.requesterWaits(ctx, req, checked) {
		return true
	}
	if w.inOrder {
		w.drain(ctx)
	}
	return w.withdrawn[req.ID]
}

// failedSend is the outcome of a send activity that failed: bad input, a
// send that may have gone out (Unclear), or one that never did (NotSent).
func failedSend(err error, offset activities.ClockOffset, requestedAt time.Time) activities.SendSyncTriggerResult {
	if errortypes.Of(err) == errortypes.InvalidInput {
		return activities.SendSyncTriggerResult{Outcome: activities.Rejected,
			Problem: &activities.TriggerProblem{Type: errortypes.InvalidInput, Message: rootMessage(err)}}
	}
	if window, sent := lostSend(err, offset, requestedAt); sent {
		return activities.SendSyncTriggerResult{Outcome: activities.Unclear, Window: &window}
	}
	return activities.SendSyncTriggerResult{Outcome: activities.NotSent,
		Problem: &activities.TriggerProblem{Type: errortypes.HightouchServerError, Message: "the send's attempt ended before it sent: " + rootMessage(err)}}
}

// serveSync performs one sync request.
func (w *writer) serveSync(ctx workflow.Context, req triggerRequest) triggerReply {
	reply := triggerReply{RequestID: req.ID}
	syncID := w.in.SyncID
	summary := fmt.Sprintf("trigger sync %s", syncID)
	retry := newBackoff(ctx)
	var checked time.Time
	for {
		if w.withdrawnOrGone(ctx, req, &checked) {
			reply.Withdrawn = true
			return reply
		}
		var res activities.SendSyncTriggerResult
		err := workflow.ExecuteActivity(sendOptions(ctx, summary), a.SendSyncTrigger, activities.SendSyncTriggerInput{
			SyncID: syncID, Options: req.Options, IfRunning: req.IfRunning, RequestedAt: req.RequestedAt,
			Recent: runIDs(w.recentIDs()), Offset: w.st.Offset,
		}).Get(ctx, &res)
		if err != nil {
			res = failedSend(err, w.st.Offset, req.RequestedAt)
			if res.Problem != nil && res.Problem.Type == errortypes.InvalidInput {
				reply.Problem = res.Problem
				return reply
			}
		}
		w.st.Offset = w.st.Offset.Merge(res.Offset)
		switch res.Outcome {
		case activities.Triggered:
			w.remember(ctx, string(res.RunID))
			reply.RunID = string(res.RunID)
			return reply
		case activities.Running:
			return syncRunningReply(req, reply, syncID, *res.Running)
		case activities.Rejected:
			reply.Problem = res.Problem
			return reply
		case activities.NotSent:
			if !retry.wait(ctx, res.Problem.RetryAfter.Std()) {
				reply.Problem = res.Problem
				return reply
			}
			continue
		}
		// Unclear: find the run the send may have created before sending
		// anything again.
		var found activities.FindSyncTriggerRunResult
		err = workflow.ExecuteActivity(findOptions(ctx, "find the run of a lost trigger answer of sync "+syncID.String()), a.FindSyncTriggerRun,
			activities.FindSyncTriggerRunInput{SyncID: syncID, Window: *res.Window, Exclude: w.recentIDs(), Offset: w.st.Offset}).Get(ctx, &found)
		if err != nil {
			reply.Problem = &activities.TriggerProblem{Type: errortypes.Of(err), Message: fmt.Sprintf(
				"a trigger of sync %s sent at %s may have started a run (%s), and its runs could not be listed to find out: %s. "+
					"Check the sync's runs in Hightouch before triggering it again",
				syncID, res.Window.From.UTC().Format(time.RFC3339), res.Window.Why, rootMessage(err))}
			if reply.Problem.Type == "" {
				reply.Problem.Type = errortypes.HightouchServerError
			}
			return reply
		}
		w.st.Offset = w.st.Offset.Merge(found.Offset)
		if found.RunID != "" {
			w.remember(ctx, string(found.RunID))
			reply.RunID = string(found.RunID)
			reply.Adopted = true
			reply.Note = adoptionNote(*res.Window, found)
			return reply
		}
		// Nothing was created: send again.
		if !retry.wait(ctx, 0) {
			reply.Problem = &activities.TriggerProblem{Type: errortypes.HightouchServerError,
				Message: fmt.Sprintf("the triggers of sync %s kept failing (last: %s); no run was started", syncID, res.Window.Why)}
			return reply
		}
	}
}

// adoptionNote says how an adopted run was found and what the API cannot
// tell apart.
func adoptionNote(w activities.SendWindow, found activities.FindSyncTriggerRunResult) string {
	note := fmt.Sprintf("the trigger's answer was lost (%s); run %s was created while it may have reached Hightouch, "+
		"and no other trigger of this sync was sent through its writer meanwhile", w.Why, found.RunID)
	if len(found.Others) > 0 {
		note += fmt.Sprintf("; runs %v were also created then, by something other than this sync's writer (Hightouch's schedule or UI, "+
			"or a sequence that runs this sync), and the API cannot tell them apart: the earliest was taken", found.Others)
	} else {
		note += "; a run started at that moment by something other than this sync's writer (Hightouch's schedule or UI, " +
			"or a sequence that runs this sync) could not be told apart"
	}
	return note
}

// syncRunningReply answers a request whose ifRunning found a run in
// progress.
func syncRunningReply(req triggerRequest, reply triggerReply, syncID client.ID, running contract.SyncRunSnapshot) triggerReply {
	reply.RunID, reply.SyncRun = string(running.RunID), &running
	status := running.Status
	if status == "" {
		status = "not listed yet"
	}
	switch req.IfRunning {
	case activities.IfRunningSkip:
		reply.Skipped = true
		reply.Note = fmt.Sprintf("sync %s had run %s in progress (%s); ifRunning is skip, so nothing was triggered", syncID, running.RunID, status)
	case activities.IfRunningAttach:
		reply.Attached = true
		reply.Note = fmt.Sprintf("sync %s had run %s in progress (%s); ifRunning is attach, so this workflow waits on it", syncID, running.RunID, status)
	default:
		reply.Problem = &activities.TriggerProblem{Type: errortypes.SyncAlreadyRunning,
			Message: fmt.Sprintf("sync %s already has run %s in progress (%s); ifRunning is fail, so nothing was triggered", syncID, running.RunID, status)}
	}
	return reply
}

func runIDs(ids []string) []client.RunID {
	out := make([]client.RunID, len(ids))
	for i, id := range ids {
		out[i] = client.RunID(id)
	}
	return out
}

// maxQuickResends bounds the immediate re-sends of a sequence trigger whose
// answer was lost; after them the writer backs off.
const maxQuickResends = 3

// serveSequence performs one sequence request. A sequence trigger whose
// answer was lost is sent again at once: Hightouch answers it with the run
// in progress, which is the lost one's if it started one.
func (w *writer) serveSequence(ctx workflow.Context, req triggerRequest) triggerReply {
	reply := triggerReply{RequestID: req.ID}
	seq := w.in.SequenceID
	summary := "trigger sequence " + seq
	retry := newBackoff(ctx)
	var lost *activities.SendWindow // the first send whose answer was lost
	var checked time.Time
	for resends := 0; ; {
		// Once an answer was lost, a withdrawal does not stop the resend:
		// it is how the lost send's run, if it started one, is learnt and
		// reported (Hightouch answers with the run in progress), and it
		// goes at once, before that run can end.
		if lost == nil && w.withdrawnOrGone(ctx, req, &checked) {
			reply.Withdrawn = true
			return reply
		}
		in := activities.SendSequenceTriggerInput{SequenceID: seq, IfRunning: req.IfRunning, Recent: w.recentIDs(), Offset: w.st.Offset}
		if lost != nil {
			in.Since = lost.From
		}
		var res activities.SendSequenceTriggerResult
		if err := workflow.ExecuteActivity(sendOptions(ctx, summary), a.SendSequenceTrigger, in).Get(ctx, &res); err != nil {
			// Sequence sends do not wait after the request: no lower bound.
			f := failedSend(err, w.st.Offset, time.Time{})
			if f.Problem != nil && f.Problem.Type == errortypes.InvalidInput {
				reply.Problem = f.Problem
				return reply
			}
			res = activities.SendSequenceTriggerResult{Outcome: f.Outcome, Window: f.Window, Problem: f.Problem}
		}
		w.st.Offset = w.st.Offset.Merge(res.Offset)
		switch res.Outcome {
		case activities.Triggered:
			w.remember(ctx, res.RunID)
			reply.RunID = res.RunID
			switch {
			case res.Existing:
				reply.Attached = true
				reply.Note = fmt.Sprintf("sequence %s had run %s in progress, which began before this request; "+
					"Hightouch answers a trigger of a running sequence with its run in progress", seq, res.RunID)
			case lost != nil:
				reply.Adopted = true
				reply.Note = fmt.Sprintf("the trigger's answer was lost (%s) and it was sent again; Hightouch answered with run %s, which began after the first send: "+
					"the run the first send started if it is still in progress, or else a new one (where the workspace queues sequence runs, a follow-up run, "+
					"and the first send's run may also have started); the API lists no sequence runs to tell which", lost.Why, res.RunID)
			}
			return reply
		case activities.Running:
			return sequenceRunningReply(req, reply, seq, *res.Running)
		case activities.Rejected:
			reply.Problem = res.Problem
			return reply
		case activities.NotSent:
			if !retry.wait(ctx, res.Problem.RetryAfter.Std()) {
				reply.Problem = res.Problem
				if lost != nil {
					reply.Problem.Message = fmt.Sprintf("a trigger of sequence %s may have started a run (%s) and sending it again to find out failed: %s",
						seq, lost.Why, res.Problem.Message)
				}
				return reply
			}
			continue
		}
		if lost == nil {
			lost = res.Window
		}
		resends++
		if resends > maxQuickResends && !retry.wait(ctx, 0) {
			reply.Problem = &activities.TriggerProblem{Type: errortypes.HightouchServerError, Message: fmt.Sprintf(
				"a trigger of sequence %s sent at %s may have started a run (%s), and sending it again kept failing; the API lists no sequence runs, "+
					"so whether one started is unknown: check the sequence in Hightouch", seq, lost.From.UTC().Format(time.RFC3339), res.Window.Why)}
			return reply
		}
	}
}

// sequenceRunningReply answers a sequence request whose ifRunning found a
// run in progress.
func sequenceRunningReply(req triggerRequest, reply triggerReply, seq string, running contract.SequenceRunSnapshot) triggerReply {
	reply.RunID, reply.SequenceRun = running.SequenceRunID, &running
	switch req.IfRunning {
	case activities.IfRunningSkip:
		reply.Skipped = true
		reply.Note = fmt.Sprintf("sequence %s had run %s in progress (%s); ifRunning is skip, so nothing was triggered", seq, running.SequenceRunID, running.Status)
	case activities.IfRunningAttach:
		reply.Attached = true
		reply.Note = fmt.Sprintf("sequence %s had run %s in progress (%s); ifRunning is attach, so this workflow waits on it", seq, running.SequenceRunID, running.Status)
	default:
		reply.Problem = &activities.TriggerProblem{Type: errortypes.SyncAlreadyRunning,
			Message: fmt.Sprintf("sequence %s already has run %s in progress (%s); ifRunning is fail, so nothing was triggered", seq, running.SequenceRunID, running.Status)}
	}
	return reply
}
