package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// Review (sequence resend after a lost answer): a send whose answer is lost
// more than recheckRequester after the requester was last checked (a POST
// that hung, a send whose worker died) started a run; the requester still
// waits. The resend must go at once, while the lost run is in progress, so
// that Hightouch answers with it: no requester check (here 25 s) before it.
func TestSequenceLostAnswerResendIsNotDelayedByRequesterCheck(t *testing.T) {
	h := newHarness(t)
	member := h.emu.NewSync("m", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 15*time.Second, 0)})
	seq := h.emu.NewSequence("", member)
	sends, checks := 0, 0
	var resendAt, lostAt time.Time
	h.env.OnActivity("RequesterWaiting", mock.Anything, mock.Anything).After(25 * time.Second).Return(
		func(ctx context.Context, in activities.RequesterWaitingInput) (bool, error) {
			checks++
			return true, nil
		})
	h.env.OnActivity("SendSequenceTrigger", mock.Anything, mock.Anything).After(35 * time.Second).Return(
		func(ctx context.Context, in activities.SendSequenceTriggerInput) (*activities.SendSequenceTriggerResult, error) {
			if sends++; sends == 1 {
				// Reaches Hightouch; the answer is lost.
				_, err := h.acts.Client.TriggerSequenceRun(ctx, in.SequenceID)
				require.NoError(t, err)
				lostAt = h.env.Now()
				return &activities.SendSequenceTriggerResult{Outcome: activities.Unclear,
					Window: &activities.SendWindow{From: lostAt.Add(-35 * time.Second), To: lostAt, Why: "502"}}, nil
			}
			resendAt = h.env.Now().Add(-35 * time.Second) // when the resend began
			return h.acts.SendSequenceTrigger(ctx, in)
		}).Once()
	h.env.OnActivity("SendSequenceTrigger", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SendSequenceTriggerInput) (*activities.SendSequenceTriggerResult, error) {
			sends++
			resendAt = h.env.Now()
			return h.acts.SendSequenceTrigger(ctx, in)
		})
	res, err := h.runSequence(workflows.SequenceInput{SequenceID: seq, WaitOptions: workflows.WaitOptions{Timeout: "1h"}})
	require.NoError(t, err)
	t.Logf("requester checks %d; resend %s after the lost answer; runs %d", checks, resendAt.Sub(lostAt), len(h.emu.SequenceRuns(seq)))
	require.Equal(t, 1, h.emu.Stats().SequenceRunsCreated,
		"the resend came %s after the lost answer (after a requester check), when the lost run had ended: a second run; reported %s, lost run %s unreported",
		resendAt.Sub(lostAt), res.SequenceRunID, h.emu.SequenceRuns(seq)[0].ID)
}

// Review (sequence resend after a lost answer): a sequence workflow whose
// deadline passes while its send is out; the answer is lost, but the send
// started a run, still in progress. The resend still goes, Hightouch answers
// with that run, and the workflow times out naming it (WaitTimeout, state
// "timed out"), rather than saying that whether a run started is unknown.
func TestSequenceTimedOutAfterLostAnswerNamesTheRunInProgress(t *testing.T) {
	h := newHarness(t)
	member := h.emu.NewSync("m", hightouchtest.Scenario{Phases: phases(time.Second, time.Second, 10*time.Minute, 0)})
	seq := h.emu.NewSequence("", member)
	sends := 0
	h.env.OnActivity("SendSequenceTrigger", mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.SendSequenceTriggerInput) (*activities.SendSequenceTriggerResult, error) {
			if sends++; sends == 1 {
				_, err := h.acts.Client.TriggerSequenceRun(ctx, in.SequenceID)
				require.NoError(t, err)
				now := h.env.Now()
				return &activities.SendSequenceTriggerResult{Outcome: activities.Unclear,
					Window: &activities.SendWindow{From: now.Add(-40 * time.Second), To: now, Why: "502"}}, nil
			}
			return h.acts.SendSequenceTrigger(ctx, in)
		}).After(40 * time.Second)
	_, err := h.runSequence(workflows.SequenceInput{SequenceID: seq, WaitOptions: workflows.WaitOptions{Timeout: "30s"}})
	v, qerr := h.env.QueryWorkflow(workflows.ProgressQuery)
	require.NoError(t, qerr)
	var p workflows.SequenceProgress
	require.NoError(t, v.Get(&p))
	runs := h.emu.SequenceRuns(seq)
	t.Logf("sends %d, runs %d, state %q, err %v", sends, len(runs), p.State, err)
	require.Len(t, runs, 1)
	require.Equal(t, "timed out", p.State)
	require.Equal(t, "WaitTimeout", appError(t, err).Type(), "%v", err)
	require.Equal(t, runs[0].ID, p.SequenceRunID, "the lost send's run, in progress, is not reported")
}
