// Package activities exposes every Hightouch API operation as a Temporal
// activity, registered under the operation's own name (CreateDestination ...
// UpdateSync), plus the poll activities the workflows wait with.
//
// Each activity takes one JSON object: the operation's path and query
// parameters and its body fields side by side, e.g. UpdateSync takes
// {"syncId":1,"disabled":true}. It returns the API's response body. Errors
// are ApplicationErrors typed as in package errortypes: client errors (401,
// 403, 404, 409, 422, other 4xx) and bad inputs fail at once, 429 retries
// after the server's Retry-After, 5xx and network errors retry with backoff.
//
// The trigger activities are safe to retry: an attempt after an ambiguous
// failure first looks for the run the earlier attempt may have created.
package activities

import (
	"context"

	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/hightouch-temporal/hightouch-temporal/client"
)

// Activities holds what the activities need. Register it with
// worker.RegisterActivity(&activities.Activities{Client: c}); every exported
// method becomes an activity named after it.
type Activities struct {
	Client *client.Client
	// Clock drives poll intervals; nil means the real clock. Tests use a
	// simulated clock shared with the Hightouch emulator.
	Clock Clock
	// RequestsPerSecond is this worker's Hightouch request budget (its
	// client-side rate limit), shared fairly between the runs it waits on:
	// with N runs, none is polled more often than N / (0.9 × budget). Zero
	// means no budget to share.
	RequestsPerSecond float64
	// ListingLag is how long a new run may take to appear in the sync's
	// runs list: a trigger whose answer was lost concludes that it created
	// no run only after looking for longer (0: DefaultListingLag).
	ListingLag time.Duration
	// LateCreation is how long after a trigger's failed answer (a gateway's
	// 504, a timeout) Hightouch may still create its run (0:
	// DefaultLateCreation).
	LateCreation time.Duration
	// Temporal is the worker's Temporal client: polls signal a waiting
	// workflow its run's progress through it (without it they return to
	// the workflow instead), and the trigger writer checks that a
	// requester still waits before sending for it.
	Temporal Temporal
	// AuthGrace is how long a wait retries a key Hightouch refuses (401,
	// 403), as during a key rotation (0: DefaultAuthGrace). Triggers and
	// direct calls fail at once.
	AuthGrace time.Duration

	waits activeWaits
}

// Temporal is what the activities ask of Temporal itself; the SDK's
// client.Client is one.
type Temporal interface {
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
}

// Clock tells time and waits. The poll activities use it so that tests and
// benchmarks can run hours of simulated polling in milliseconds.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fairShare is the shortest poll interval that lets the budget cover every
// run this worker waits on, keeping a tenth of it for triggers and calls.
func (a *Activities) fairShare() time.Duration {
	if a.RequestsPerSecond <= 0 {
		return 0
	}
	n := a.waits.count(a.clock().Now())
	return time.Duration(float64(n) / (0.9 * a.RequestsPerSecond) * float64(time.Second))
}

// serverTime maps a time Temporal stamped (an activity's schedule or start)
// onto the activities' clock: the same time, unless a simulated clock says
// otherwise.
func (a *Activities) serverTime(t time.Time) time.Time {
	if tr, ok := a.Clock.(interface{ Translate(time.Time) time.Time }); ok {
		return tr.Translate(t)
	}
	return t
}

func (a *Activities) clock() Clock {
	if a.Clock == nil {
		return realClock{}
	}
	return a.Clock
}

// Names lists the activity types this package registers for the Hightouch
// API operations, in the order of the reference.
var Names = []string{
	"CreateDestination", "CreateModel", "CreateSource", "CreateSync",
	"GetDestination", "GetModel", "GetSource", "GetSync", "GetSyncSequenceRun",
	"ListDestination", "ListModel", "ListSource", "ListSync", "ListSyncRuns",
	"TriggerRun", "TriggerRunCustom", "TriggerRunIDGraph", "TriggerSequenceRun",
	"UpdateDestination", "UpdateModel", "UpdateSource", "UpdateSync",
}

// activeWaitWindow forgets a run not polled for this long (its workflow was
// cancelled, or moved to another worker).
const activeWaitWindow = 15 * time.Minute

// activeWaits tracks the runs this worker polled recently.
type activeWaits struct {
	mu        sync.Mutex
	seen      map[string]time.Time
	lastPrune time.Time
}

func (w *activeWaits) touch(key string, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen == nil {
		w.seen = map[string]time.Time{}
	}
	w.seen[key] = now
	w.pruneLocked(now)
}

// pruneLocked forgets the runs not polled lately, at most once a minute,
// whether or not the worker has a request budget to share.
func (w *activeWaits) pruneLocked(now time.Time) {
	if now.Sub(w.lastPrune) <= time.Minute {
		return
	}
	for k, t := range w.seen {
		if now.Sub(t) > activeWaitWindow {
			delete(w.seen, k)
		}
	}
	w.lastPrune = now
}

func (w *activeWaits) forget(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.seen, key)
}

func (w *activeWaits) count(now time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pruneLocked(now)
	return len(w.seen)
}
