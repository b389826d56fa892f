package hightouchtest

import (
	"time"
)

// Timestamps are emitted the way the Hightouch API (a Node service) emits
// them: JavaScript Date.toISOString, UTC with milliseconds and "Z".
const (
	isoLayout = "2006-01-02T15:04:05.000Z"
	// Sequence members' finishedAt uses an explicit offset.
	offsetLayout = "2006-01-02T15:04:05.000+00:00"
)

// jsTime marshals as a toISOString timestamp.
type jsTime time.Time

func (t jsTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(isoLayout) + `"`), nil
}

// jsTimePtr converts an optional time into a nullable JSON timestamp.
func jsTimePtr(t *time.Time) *jsTime {
	if t == nil {
		return nil
	}
	j := jsTime(*t)
	return &j
}

// offsetTime marshals with a "+00:00" offset instead of "Z".
type offsetTime time.Time

func (t offsetTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(offsetLayout) + `"`), nil
}

// msTime truncates to the millisecond: the API only shows milliseconds, and
// storing the same precision keeps filters and comparisons consistent with
// what clients see.
func msTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Millisecond)
}

// parseDateTime accepts the date-time forms a client may send in after/before.
func parseDateTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
