package activities

import (
	"context"
	"net/http"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
)

// ClockOffset bounds how far Hightouch's clock is from the worker's:
// Hightouch's time = the worker's time + offset, with Lo <= offset <= Hi.
// Run timestamps (createdAt) are on Hightouch's clock, so a trigger that
// looks for the run it may have created compares them on that clock, never
// on the worker's. The zero value knows nothing.
type ClockOffset struct {
	Lo    contract.Duration `json:"lo"`
	Hi    contract.Duration `json:"hi"`
	Known bool              `json:"known"`
	// At is when it was last measured (worker's clock): bounds older than
	// offsetMaxAge give way to a new measure, so a drifting clock is
	// followed.
	At time.Time `json:"at,omitzero"`
}

// offsetMaxAge is how long a measure of Hightouch's clock is trusted.
const offsetMaxAge = time.Hour

// dateResolution is the resolution of the HTTP Date header.
const dateResolution = time.Second

// offsetFromDate is what one answer tells of the offset: its Date header
// was written at some moment between sent and received (worker's clock),
// and is that moment on Hightouch's clock rounded down to the second.
func offsetFromDate(sent, received, date time.Time) ClockOffset {
	return ClockOffset{Lo: contract.Duration(date.Sub(received)), Hi: contract.Duration(date.Add(dateResolution).Sub(sent)), Known: true, At: received}
}

// Merge narrows o with another measurement. Bounds that no longer overlap
// mean a clock was changed: the newer measurement wins.
func (o ClockOffset) Merge(newer ClockOffset) ClockOffset {
	switch {
	case !newer.Known:
		return o
	case !o.Known, newer.At.Sub(o.At) > offsetMaxAge:
		return newer
	}
	m := ClockOffset{Lo: max(o.Lo, newer.Lo), Hi: min(o.Hi, newer.Hi), Known: true, At: newer.At}
	if m.Lo > m.Hi {
		return newer
	}
	return m
}

// Uncertainty is the width of the bounds (unbounded when nothing is known).
func (o ClockOffset) Uncertainty() time.Duration {
	if !o.Known {
		return maxUncertainty
	}
	return (o.Hi - o.Lo).Std()
}

// maxUncertainty stands for "nothing known" and caps the wait before a
// trigger (uncertaintyWait).
const maxUncertainty = 10 * time.Second

// serverClock measures Hightouch's clock from the Date header of every
// answer to the calls made through it.
type serverClock struct {
	clock  Clock
	offset ClockOffset
}

// call runs f with a context that reads the Date header of its answers.
func (s *serverClock) call(ctx context.Context, f func(ctx context.Context) error) error {
	var date time.Time
	var dated bool
	ctx = client.WithResponseObserver(ctx, func(r *http.Response) {
		// A 5xx may come from a gateway in front of Hightouch, whose clock
		// is not Hightouch's.
		if r.StatusCode < 500 {
			date, dated = client.ServerDate(r.Header)
		}
	})
	sent := s.clock.Now()
	err := f(ctx)
	if dated {
		s.offset = s.offset.Merge(offsetFromDate(sent, s.clock.Now(), date))
	}
	return err
}

// earliest is the earliest Hightouch time that worker time t can be.
func (o ClockOffset) earliest(t time.Time) time.Time { return t.Add(o.lo()) }

// latest is the latest Hightouch time that worker time t can be.
func (o ClockOffset) latest(t time.Time) time.Time { return t.Add(o.hi()) }

func (o ClockOffset) lo() time.Duration {
	if !o.Known {
		return -maxClockSkew
	}
	return o.Lo.Std()
}

func (o ClockOffset) hi() time.Duration {
	if !o.Known {
		return maxClockSkew
	}
	return o.Hi.Std()
}

// maxClockSkew is assumed when Hightouch's clock could not be read at all (no
// Date header): a window then widens by this much on both sides.
const maxClockSkew = 15 * time.Minute
