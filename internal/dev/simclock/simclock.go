// Package simclock is a simulated clock for tests and benchmarks that run
// hours of polling in milliseconds. It follows a base clock (usually the
// Temporal test environment's, which skips ahead over timers and retry
// backoff) plus an offset that Sleep advances at once, so activities that
// sleep between polls, the emulator and the workflow all share one timeline.
package simclock

import (
	"context"
	"sync"
	"time"
)

// Clock is a simulated clock. It is safe for concurrent use.
type Clock struct {
	base func() time.Time

	mu     sync.Mutex
	offset time.Duration
}

// New returns a clock that reads base and adds what Sleep and Advance have
// added. A nil base starts a frozen clock at 2026-01-01 00:00 UTC.
func New(base func() time.Time) *Clock {
	if base == nil {
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		base = func() time.Time { return start }
	}
	return &Clock{base: base}
}

// Now returns the simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base().Add(c.offset)
}

// Translate maps a time of the base clock (e.g. an activity's schedule time,
// which the Temporal test environment stamps on its own clock) onto the
// simulated one.
func (c *Clock) Translate(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return t.Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// Sleep advances the clock by d at once, unless ctx is already done.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}
