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
	"time"

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
