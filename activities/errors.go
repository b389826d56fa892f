package activities

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/jsoninput"
)

// Bounds on a server-requested retry delay: a zero or tiny Retry-After
// should not cause a tight loop, a huge one should not park a run for hours.
const (
	minRetryAfter = time.Second
	maxRetryAfter = 10 * time.Minute
)

// APIErrorDetails is attached to API failures so that callers can read the
// HTTP status and the API's own message without parsing text.
type APIErrorDetails struct {
	Operation  string `json:"operation"`
	StatusCode int    `json:"statusCode,omitempty"`
	Message    string `json:"message,omitempty"`
	// Details is the API's own details value, whatever its JSON type (see
	// client.ValidateErrorJSON.Details).
	Details any `json:"details,omitempty"`
}

// classify turns a client error into the ApplicationError type the contract
// promises. Cancellation of the activity itself passes through untouched.
func classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return ctx.Err()
	}
	var classified *temporal.ApplicationError
	if errors.As(err, &classified) {
		return err
	}
	var invalid *jsoninput.Error
	if errors.As(err, &invalid) {
		return invalidInput(err)
	}
	var v *client.ValidateErrorJSON
	if errors.As(err, &v) {
		return temporal.NewApplicationErrorWithOptions(err.Error(), errortypes.HightouchValidation, temporal.ApplicationErrorOptions{
			NonRetryable: true,
			Details:      []any{APIErrorDetails{Operation: v.Operation, StatusCode: v.StatusCode, Message: v.Message, Details: v.Details}},
		})
	}
	var s *client.SDKError
	if errors.As(err, &s) {
		details := APIErrorDetails{Operation: s.Operation, StatusCode: s.StatusCode, Message: s.Message}
		typ, retryable := typeOfStatus(s.StatusCode)
		opts := temporal.ApplicationErrorOptions{NonRetryable: !retryable, Details: []any{details}}
		if retryable && s.RetryAfter > 0 {
			opts.NextRetryDelay = min(max(s.RetryAfter, minRetryAfter), maxRetryAfter)
		}
		if typ == errortypes.HightouchRateLimited {
			// Being told to slow down is expected, not an error to alert on:
			// the SDK logs benign failures at debug level.
			opts.Category = temporal.ApplicationErrorCategoryBenign
		}
		return temporal.NewApplicationErrorWithOptions(err.Error(), typ, opts)
	}
	// The worker's own rate limit would have queued the request too long:
	// hand the wait to the server, spread a little so that the requests
	// turned away together do not all come back together.
	if delay, ok := localWait(err); ok {
		return limitedLocally(err, delay)
	}
	// Transport and decode errors: the request may or may not have reached
	// Hightouch; both are worth another attempt.
	return temporal.NewApplicationErrorWithOptions(err.Error(), errortypes.HightouchServerError, temporal.ApplicationErrorOptions{})
}

// localWait reports the wait the worker's own rate limit asked for.
func localWait(err error) (time.Duration, bool) {
	var local interface{ RetryAfter() time.Duration }
	if errors.As(err, &local) {
		return local.RetryAfter(), true
	}
	return 0, false
}

// limitedLocally is the benign retry for a request the worker's own rate
// limit turned away, spread a little so that the requests turned away
// together do not all come back together.
func limitedLocally(err error, delay time.Duration) error {
	delay += time.Duration(rand.Int64N(int64(delay/5) + 1))
	return temporal.NewApplicationErrorWithOptions(err.Error(), errortypes.HightouchRateLimited, temporal.ApplicationErrorOptions{
		NextRetryDelay: min(max(delay, minRetryAfter), maxRetryAfter),
		Category:       temporal.ApplicationErrorCategoryBenign,
	})
}

// typeOfStatus maps an HTTP status to its error type and retryability.
func typeOfStatus(code int) (string, bool) {
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return errortypes.HightouchUnauthorized, false
	case code == http.StatusNotFound:
		return errortypes.HightouchNotFound, false
	case code == http.StatusConflict || code == http.StatusUnprocessableEntity:
		return errortypes.HightouchValidation, false
	case code == http.StatusTooManyRequests:
		return errortypes.HightouchRateLimited, true
	case code >= 500 || code == http.StatusOK:
		// A 200 carrying an internal error is a 500 in disguise: the call
		// may or may not have been carried out.
		return errortypes.HightouchServerError, true
	default:
		return errortypes.HightouchBadRequest, false
	}
}

// invalidInput is the non-retryable failure for an input no attempt can fix.
func invalidInput(err error) error {
	return temporal.NewNonRetryableApplicationError("invalid input: "+err.Error(), errortypes.InvalidInput, nil)
}

// fieldProblem describes what is wrong with one input field.
func fieldProblem(field, problem string) error {
	return &jsoninput.Error{Field: field, Problem: problem}
}

// requireID checks that an id parameter was given.
func requireID(field string, id client.ID) error {
	if id <= 0 {
		return invalidInput(fieldProblem(field, "required: a positive id (number or string of digits)"))
	}
	return nil
}

// requireString checks that a string parameter was given.
func requireString(field, v, what string) error {
	if v == "" {
		return invalidInput(fieldProblem(field, "required: "+what))
	}
	return nil
}
