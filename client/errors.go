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
// (e.g. a duplicate slug) and 422 (missing or invalid fields), and inside a
// 200 answer where the API's types allow it (StatusCode is then 200).
type ValidateErrorJSON struct {
	Operation  string `json:"-"`
	StatusCode int    `json:"-"`
	Message    string `json:"message"`
	// Details is the details value as the API sent it, decoded as JSON:
	// usually a map[string]any keyed by field ("body.slug") whose values
	// hold a "message", but a string, a list or a number are kept as well.
	Details any `json:"details"`
}

func (e *ValidateErrorJSON) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d: %s", e.Operation, e.StatusCode, e.Message)
	if d := e.describeDetails(); d != "" {
		msg += ": " + d
	}
	return msg
}

// describeDetails renders the details in a stable order, preferring the
// per-field messages the API puts under keys such as "body.slug".
func (e *ValidateErrorJSON) describeDetails() string {
	switch d := e.Details.(type) {
	case nil:
		return ""
	case string:
		return d
	case map[string]any:
		keys := sortedKeys(d)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+": "+describeDetail(d[k]))
		}
		return strings.Join(parts, "; ")
	default:
		return describeDetail(d)
	}
}

// describeDetail renders one detail: its message, its text, or its JSON.
func describeDetail(v any) string {
	switch v := v.(type) {
	case map[string]any:
		if m, ok := v["message"].(string); ok {
			return m
		}
	case string:
		return v
	}
	b, _ := json.Marshal(v)
	return truncateText(string(b), 200)
}

// SDKError is any non-200 answer other than 409 and 422, or an internal
// error inside a 200 (StatusCode 200): the status code, the raw body and the
// response headers.
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
	if e.StatusCode == http.StatusOK {
		msg += " with an error body"
	}
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

// DecodeError is a 200 answer whose body could not be decoded, or that
// lacks the id of the resource or run it answers with.
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

// StatusCode reports the HTTP status of an API error (200 for an error
// carried in a 200 answer), or 0 when err carries none (transport and decode
// errors, or nil).
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

// MayHaveBeenActedOn reports whether the request that failed with err may
// have been carried out, so that repeating it could do it twice: true unless
// the answer says it was refused (a 4xx, or a validation error in a 200).
// A request with no answer, an answer that could not be read, a 5xx and an
// internal error in a 200 may all have been.
func MayHaveBeenActedOn(err error) bool {
	if err == nil {
		return false
	}
	var v *ValidateErrorJSON
	if errors.As(err, &v) {
		return false
	}
	var s *SDKError
	if errors.As(err, &s) {
		return s.StatusCode < 400 || s.StatusCode >= 500
	}
	return true
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
