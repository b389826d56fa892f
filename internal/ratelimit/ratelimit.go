// Package ratelimit wraps the Hightouch HTTP client of a worker with a
// client-side request rate limit and per-request metrics.
//
// Hightouch allows 200 requests per 10 seconds per workspace. A token bucket
// of rate r and burst b lets through at most b + 10·r requests in any 10
// seconds, so the defaults (18/s, burst 10) stay at 190 whatever the number
// of concurrent runs. Waiting requests are served in arrival order, which
// shares the budget fairly between the runs being polled.
package ratelimit

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/hightouch-temporal/hightouch-temporal/client"
)

// Defaults for one worker.
const (
	DefaultRate  = 18.0
	DefaultBurst = 10
	// DefaultMaxWait is the longest a request waits for its turn in the
	// worker. Beyond it the request fails with a WaitTooLongError, and the
	// activity hands the wait to the Temporal server (a retry with
	// NextRetryDelay) instead of holding a worker slot while it queues.
	DefaultMaxWait = 5 * time.Second
)

// WaitTooLongError says the rate limit would hold a request longer than the
// maximum wait. RetryAfter is when a turn is expected.
type WaitTooLongError struct {
	Delay time.Duration
}

func (e *WaitTooLongError) Error() string {
	return fmt.Sprintf("worker rate limit for Hightouch requests reached; next turn in %s", e.Delay.Round(time.Millisecond))
}

// RetryAfter reports when to try again.
func (e *WaitTooLongError) RetryAfter() time.Duration { return e.Delay }

// Observer is told about every request.
type Observer interface {
	// APIRequest reports a request's operation, HTTP status (or "error")
	// and how long the server took.
	APIRequest(operation, status string, took time.Duration)
	// RateLimitWait reports how long a request waited for its turn.
	RateLimitWait(d time.Duration)
}

// Doer is a client.HTTPClient that waits for the limiter before each request.
type Doer struct {
	next     client.HTTPClient
	limiter  *rate.Limiter
	maxWait  time.Duration
	observer Observer
}

// New wraps next with a limit of perSecond requests (burst burst); a
// perSecond of zero or less means no limit. observer may be nil.
func New(next client.HTTPClient, perSecond float64, burst int, observer Observer) *Doer {
	d := &Doer{next: next, observer: observer, maxWait: DefaultMaxWait}
	if perSecond > 0 {
		d.limiter = rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))
	}
	return d
}

// Do waits for a turn, then sends the request.
func (d *Doer) Do(req *http.Request) (*http.Response, error) {
	if d.limiter != nil {
		if err := d.wait(req.Context()); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	res, err := d.next.Do(req)
	if d.observer != nil {
		status := "error"
		if err == nil {
			status = strconv.Itoa(res.StatusCode)
		}
		d.observer.APIRequest(client.OperationFromContext(req.Context()), status, time.Since(start))
	}
	return res, err
}

// wait takes a turn, waiting up to maxWait (and the context's deadline).
func (d *Doer) wait(ctx context.Context) error {
	r := d.limiter.Reserve()
	delay := r.Delay()
	if deadline, ok := ctx.Deadline(); (ok && time.Until(deadline) < delay) || delay > d.maxWait {
		r.Cancel()
		return &WaitTooLongError{Delay: delay}
	}
	if d.observer != nil {
		d.observer.RateLimitWait(delay)
	}
	if delay == 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}
