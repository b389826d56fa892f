package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ValidateErrorJSON is the API's validation error, returned for HTTP 409
// (e.g. a duplicate slug) and 422 (missing or invalid fields).
type ValidateErrorJSON struct {
	Operation  string         `json:"-"`
	StatusCode int            `json:"-"`
	Message    string         `json:"message"`
	Details    map[string]any `json:"details"`
}

func (e *ValidateErrorJSON) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d: %s", e.Operation, e.StatusCode, e.Message)
	if d := e.describeDetails(); d != "" {
		msg += ": " + d
	}
	return msg
}

// describeDetails renders the details map in a stable order, preferring the
// per-field messages the API puts under keys such as "body.slug".
func (e *ValidateErrorJSON) describeDetails() string {
	keys := sortedKeys(e.Details)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		switch v := e.Details[k].(type) {
		case map[string]any:
			if m, ok := v["message"].(string); ok {
				parts = append(parts, k+": "+m)
				continue
			}
		case string:
			parts = append(parts, k+": "+v)
			continue
		}
		b, _ := json.Marshal(e.Details[k])
		parts = append(parts, k+": "+string(b))
	}
	return strings.Join(parts, "; ")
}

// SDKError is any non-200 answer other than 409 and 422: the status code, the
// raw body and the response headers.
type SDKError struct {
	Operation  string
	StatusCode int
	Body       string
	Headers    http.Header
	// RetryAfter is the delay the server asked for (Retry-After header) on
	// 429 and 503 answers; zero when it sent none.
	RetryAfter time.Duration
	// Message is the error text found in the body, if any.
	Message string
}

func (e *SDKError) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d %s", e.Operation, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return msg
}

// TransportError is a request that got no HTTP answer: connection refused,
// reset, timeout or cancellation. Whether the server acted on it is unknown.
type TransportError struct {
	Operation string
	Method    string
	Path      string
	Err       error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s: %s %s: %v", e.Operation, e.Method, e.Path, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// DecodeError is a 200 answer whose body could not be decoded.
type DecodeError struct {
	Operation  string
	StatusCode int
	Body       string
	Err        error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s: decoding response: %v", e.Operation, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// StatusCode reports the HTTP status of an API error, or 0 when err carries
// none (transport and decode errors, or nil).
func StatusCode(err error) int {
	var v *ValidateErrorJSON
	if errors.As(err, &v) {
		return v.StatusCode
	}
	var s *SDKError
	if errors.As(err, &s) {
		return s.StatusCode
	}
	return 0
}

func newResponseError(operation string, res *http.Response, raw []byte) error {
	if res.StatusCode == http.StatusConflict || res.StatusCode == http.StatusUnprocessableEntity {
		v := &ValidateErrorJSON{Operation: operation, StatusCode: res.StatusCode}
		if json.Unmarshal(raw, v) == nil && v.Message != "" {
			return v
		}
		if v.Message == "" {
			v.Message = bodyMessage(raw)
		}
		return v
	}
	return &SDKError{
		Operation:  operation,
		StatusCode: res.StatusCode,
		Body:       truncate(raw),
		Headers:    res.Header.Clone(),
		RetryAfter: parseRetryAfter(res.Header.Get("Retry-After"), serverNow(res.Header)),
		Message:    bodyMessage(raw),
	}
}

// bodyMessage pulls a human message out of the shapes Hightouch uses for
// errors: {"message": ..., "details": ...}, {"error": ...} or a bare JSON
// string such as "Internal Server Error".
func bodyMessage(raw []byte) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Message string `json:"message"`
		Error   string `json:"error"`
		Details any    `json:"details"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		msg := obj.Message
		if msg == "" {
			msg = obj.Error
		}
		if d, ok := obj.Details.(string); ok && d != "" {
			msg += ": " + d
		}
		return msg
	}
	return truncateText(strings.TrimSpace(string(raw)), 200)
}

// serverNow is the server's time of a response (its Date header), so that a
// Retry-After given as a date is read on the server's clock, not ours.
func serverNow(h http.Header) time.Time {
	if t, ok := ServerDate(h); ok {
		return t
	}
	return time.Now()
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func truncate(raw []byte) string { return truncateText(string(raw), 4096) }

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
