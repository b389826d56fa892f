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
)

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
	observer Observer
}

// New wraps next with a limit of perSecond requests (burst burst); a
// perSecond of zero or less means no limit. observer may be nil.
func New(next client.HTTPClient, perSecond float64, burst int, observer Observer) *Doer {
	d := &Doer{next: next, observer: observer}
	if perSecond > 0 {
		d.limiter = rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))
	}
	return d
}

// Do waits for a turn, then sends the request.
func (d *Doer) Do(req *http.Request) (*http.Response, error) {
	if d.limiter != nil {
		start := time.Now()
		if err := d.limiter.Wait(req.Context()); err != nil {
			return nil, err
		}
		if d.observer != nil {
			d.observer.RateLimitWait(time.Since(start))
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
