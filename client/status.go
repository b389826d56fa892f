package client

import "strings"

// SyncRunStatus is the status of one sync run.
type SyncRunStatus string

// The run statuses: five in progress, five terminal. The reference's enum has
// nine; "pending" is not in it, but Hightouch's own Airflow provider (and
// Dagster's) count a pending run as not finished, so it is one here too.
const (
	RunPending     SyncRunStatus = "pending"
	RunQueued      SyncRunStatus = "queued"
	RunQuerying    SyncRunStatus = "querying"
	RunProcessing  SyncRunStatus = "processing"
	RunReporting   SyncRunStatus = "reporting"
	RunSuccess     SyncRunStatus = "success"
	RunWarning     SyncRunStatus = "warning"
	RunFailed      SyncRunStatus = "failed"
	RunCancelled   SyncRunStatus = "cancelled"
	RunInterrupted SyncRunStatus = "interrupted"
)

// RunStatuses lists the known run statuses in lifecycle order.
var RunStatuses = []SyncRunStatus{RunPending, RunQueued, RunQuerying, RunProcessing, RunReporting, RunSuccess, RunWarning, RunFailed, RunCancelled, RunInterrupted}

// Normalize folds case, surrounding space and the "canceled" spelling, so
// that harmless variants of a known status are recognised. Anything else is
// returned as it came, lower-cased.
func (s SyncRunStatus) Normalize() SyncRunStatus {
	n := SyncRunStatus(strings.ToLower(strings.TrimSpace(string(s))))
	if n == "canceled" {
		return RunCancelled
	}
	return n
}

// Known reports whether s is one of the ten run statuses above.
func (s SyncRunStatus) Known() bool {
	switch s.Normalize() {
	case RunPending, RunQueued, RunQuerying, RunProcessing, RunReporting, RunSuccess, RunWarning, RunFailed, RunCancelled, RunInterrupted:
		return true
	}
	return false
}

// InProgress reports whether s is a known status of a run still going.
func (s SyncRunStatus) InProgress() bool {
	switch s.Normalize() {
	case RunPending, RunQueued, RunQuerying, RunProcessing, RunReporting:
		return true
	}
	return false
}

// Terminal reports whether s is a known status of a run that has ended.
func (s SyncRunStatus) Terminal() bool {
	switch s.Normalize() {
	case RunSuccess, RunWarning, RunFailed, RunCancelled, RunInterrupted:
		return true
	}
	return false
}

// Succeeded reports whether the run ended well: success or warning (some
// rows were rejected).
func (s SyncRunStatus) Succeeded() bool {
	n := s.Normalize()
	return n == RunSuccess || n == RunWarning
}

// SyncStatus is the overall status of a sync: the status of its latest run,
// or "pending" (never run) or "disabled".
type SyncStatus string

// Sync statuses besides those of runs.
const (
	SyncPending  SyncStatus = "pending"
	SyncDisabled SyncStatus = "disabled"
)

// SequenceStatus is the status of a sync sequence run.
type SequenceStatus string

// Sequence run statuses.
const (
	SequencePending   SequenceStatus = "pending"
	SequenceRunning   SequenceStatus = "running"
	SequenceDone      SequenceStatus = "done"
	SequenceFailed    SequenceStatus = "failed"
	SequenceCancelled SequenceStatus = "cancelled"
)

// Normalize folds case, surrounding space and the "canceled" spelling.
func (s SequenceStatus) Normalize() SequenceStatus {
	n := SequenceStatus(strings.ToLower(strings.TrimSpace(string(s))))
	if n == "canceled" {
		return SequenceCancelled
	}
	return n
}

// Known reports whether s is one of the five sequence statuses.
func (s SequenceStatus) Known() bool {
	switch s.Normalize() {
	case SequencePending, SequenceRunning, SequenceDone, SequenceFailed, SequenceCancelled:
		return true
	}
	return false
}

// Terminal reports whether the sequence run has ended.
func (s SequenceStatus) Terminal() bool {
	switch s.Normalize() {
	case SequenceDone, SequenceFailed, SequenceCancelled:
		return true
	}
	return false
}

// Succeeded reports whether the sequence run ended done.
func (s SequenceStatus) Succeeded() bool { return s.Normalize() == SequenceDone }
