package workflows

import (
	"math"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
)

// Activity options. Only the poll's retry policy carries a long wait; the
// others retry API faults for a bounded time.
const (
	callTimeout        = activities.CallTimeout // one API call, adoption grace included
	triggerRetryWindow = 30 * time.Minute       // keep retrying a trigger through 5xx and 429 this long
	heartbeatTimeout   = 30 * time.Second       // the hold-window loop heartbeats every poll
	// triggerHeartbeatTimeout notices a worker that died mid-trigger soon,
	// so the retry adopts the run while it is still in progress.
	triggerHeartbeatTimeout = 10 * time.Second
)

// callOptions suit a single API call retried through transient faults.
func callOptions(ctx workflow.Context, summary string, window time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, callActivityOptions(summary, window))
}

// triggerOptions suit a trigger, which heartbeats while it waits.
func triggerOptions(ctx workflow.Context, summary string, window time.Duration) workflow.Context {
	o := callActivityOptions(summary, window)
	o.HeartbeatTimeout = triggerHeartbeatTimeout
	return workflow.WithActivityOptions(ctx, o)
}

func callActivityOptions(summary string, window time.Duration) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    callTimeout,
		ScheduleToCloseTimeout: window,
		Summary:                summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: errortypes.NonRetryable,
		},
	}
}

// lookOptions suit the last look at a run: one read, retried briefly.
func lookOptions(ctx workflow.Context, summary string) workflow.Context {
	o := callActivityOptions(summary, 2*time.Minute)
	o.HeartbeatTimeout = heartbeatTimeout
	return workflow.WithActivityOptions(ctx, o)
}

// pollOptions suit a poll activity: one attempt may loop for the hold
// window, and retries (StillRunning) carry the wait for as long as the
// workflow's deadline allows.
func pollOptions(ctx workflow.Context, summary string, p activities.PollPolicy) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: p.HoldWindow.Std() + callTimeout,
		HeartbeatTimeout:    heartbeatTimeout,
		Summary:             summary,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    max(p.MaxInterval.Std(), 30*time.Second),
			// Unlimited in effect: the workflow's timer bounds the wait. (Zero
			// would mean unlimited too, but the test environment caps it.)
			MaximumAttempts:        math.MaxInt32,
			NonRetryableErrorTypes: errortypes.NonRetryable,
		},
	})
}
