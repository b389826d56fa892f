package hightouchtest

import "time"

// rateLimiter is a sliding-window log: a request is admitted while fewer than
// requests were admitted in the last per. Rejected requests are not logged,
// so a client that waits Retry-After gets through (the real limit's
// accounting is undocumented; this is the forgiving reading).
type rateLimiter struct {
	requests int
	per      time.Duration
	admitted []time.Time // oldest first
}

func (l *rateLimiter) enabled() bool { return l.requests > 0 && l.per > 0 }

// admit records a request at now, or returns how long until one would be
// admitted.
func (l *rateLimiter) admit(now time.Time) (bool, time.Duration) {
	if !l.enabled() {
		return true, 0
	}
	cutoff := now.Add(-l.per)
	i := 0
	for i < len(l.admitted) && !l.admitted[i].After(cutoff) {
		i++
	}
	l.admitted = l.admitted[i:]
	if len(l.admitted) < l.requests {
		l.admitted = append(l.admitted, now)
		return true, 0
	}
	return false, l.admitted[0].Add(l.per).Sub(now)
}

// retryAfterSeconds renders a wait as the Retry-After header value: whole
// seconds, rounded up, at least 1 so a client never retries immediately.
func retryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}
