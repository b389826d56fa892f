// Package errortypes names the Temporal ApplicationError types that the
// activities and workflows of this module fail with. Callers branch on them:
//
//	var appErr *temporal.ApplicationError
//	if errors.As(err, &appErr) && appErr.Type() == errortypes.SyncRunFailed { ... }
//
// The names are part of the public contract; never change one.
package errortypes

import (
	"errors"

	"go.temporal.io/sdk/temporal"
)

// Outcomes of a sync or sequence run. Each carries the last run snapshot as
// its details.
const (
	SyncRunFailed        = "SyncRunFailed"
	SyncRunCancelled     = "SyncRunCancelled"
	SyncRunInterrupted   = "SyncRunInterrupted"
	SyncRunWarning       = "SyncRunWarning" // only when failOnWarning is set
	SyncRunUnknownStatus = "SyncRunUnknownStatus"
	// SyncRunRowsRejected: the run ended success or warning but rejected
	// more rows than maxFailedRows or maxFailedRowsPercent allow.
	SyncRunRowsRejected  = "SyncRunRowsRejected"
	SequenceRunFailed    = "SequenceRunFailed"
	SequenceRunCancelled = "SequenceRunCancelled"
	WaitTimeout          = "WaitTimeout"
	InvalidInput         = "InvalidInput"
	// SyncAlreadyRunning: ifRunning is "fail" and the sync (or sequence)
	// has a run in progress; nothing was triggered. The details carry that
	// run.
	SyncAlreadyRunning = "SyncAlreadyRunning"
)

// Errors from the Hightouch API.
const (
	HightouchUnauthorized = "HightouchUnauthorized" // 401, 403
	HightouchNotFound     = "HightouchNotFound"     // 404
	HightouchValidation   = "HightouchValidation"   // 409, 422
	HightouchBadRequest   = "HightouchBadRequest"   // any other 4xx
	HightouchRateLimited  = "HightouchRateLimited"  // 429, retryable
	HightouchServerError  = "HightouchServerError"  // 5xx and network errors, retryable
)

// StillRunning is the benign, retryable error a poll activity returns while
// a run goes on, so that the server's retry timer carries the wait between
// polls without holding a worker slot. Workflows never see it.
const StillRunning = "StillRunning"

// AuthGrace is the retryable error a poll returns while Hightouch refuses
// the API key within the grace period for a key rotation; once it is over
// the wait fails with HightouchUnauthorized. Workflows never see it.
const AuthGrace = "HightouchUnauthorizedRetrying"

// NonRetryable lists the types a retry can never fix.
var NonRetryable = []string{
	InvalidInput, HightouchUnauthorized, HightouchNotFound, HightouchValidation, HightouchBadRequest,
	SyncRunFailed, SyncRunCancelled, SyncRunInterrupted, SyncRunWarning, SyncRunUnknownStatus, SyncRunRowsRejected,
	SequenceRunFailed, SequenceRunCancelled, WaitTimeout, SyncAlreadyRunning,
}

// Of returns the ApplicationError type of err, or "" when err carries none.
func Of(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return ""
}
