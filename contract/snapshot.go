package contract

import (
	"fmt"
	"strings"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/client"
)

// SyncRunSnapshot is what a wait knows of a sync run at one moment. It is
// the HightouchSync result, its progress, and the details of its failures.
type SyncRunSnapshot struct {
	SyncID client.ID    `json:"syncId"`
	RunID  client.RunID `json:"runId"`
	// Status is the run's status as Hightouch reports it; "" until the run
	// is listed.
	Status     client.SyncRunStatus `json:"status"`
	CreatedAt  *time.Time           `json:"createdAt,omitempty"`
	StartedAt  *time.Time           `json:"startedAt"`
	FinishedAt *time.Time           `json:"finishedAt"`
	RunNumbers
	// ObservedAt is when this was read from Hightouch.
	ObservedAt time.Time `json:"observedAt"`
}

// RunNumbers are a run's progress, row counts and error text.
type RunNumbers struct {
	CompletionRatio float64          `json:"completionRatio"`
	QuerySize       int64            `json:"querySize"`
	PlannedRows     client.RowCounts `json:"plannedRows"`
	SuccessfulRows  client.RowCounts `json:"successfulRows"`
	FailedRows      client.RowCounts `json:"failedRows"`
	Error           string           `json:"error"`
}

// Listed reports whether Hightouch listed the run when it was observed.
func (s SyncRunSnapshot) Listed() bool { return s.Status != "" }

// Ended reports whether the run is over: a terminal status, or a status we
// do not know together with a finishedAt.
func (s SyncRunSnapshot) Ended() bool {
	return s.Status.Terminal() || (s.Listed() && !s.Status.Known() && s.FinishedAt != nil)
}

// Describe is a one-line account of the run for logs and the UI.
func (s SyncRunSnapshot) Describe() string {
	if !s.Listed() {
		return fmt.Sprintf("run %s of sync %s: not listed yet", s.RunID, s.SyncID)
	}
	msg := fmt.Sprintf("run %s of sync %s: %s, %.0f%% complete, %d rows planned, %d synced, %d failed",
		s.RunID, s.SyncID, s.Status, 100*s.CompletionRatio, s.PlannedRows.Total(), s.SuccessfulRows.Total(), s.FailedRows.Total())
	if s.Error != "" {
		msg += ": " + s.Error
	}
	return msg
}

// SequenceRunSnapshot is what a wait knows of a sequence run at one moment.
type SequenceRunSnapshot struct {
	SequenceRunID string                `json:"sequenceRunId"`
	Status        client.SequenceStatus `json:"status"` // "" until Hightouch knows the run
	SyncRuns      []SequenceMemberRun   `json:"syncRuns"`
	ObservedAt    time.Time             `json:"observedAt"`
}

// SequenceMemberRun is one member sync's run. Row counts are filled in once
// the sequence run has ended.
type SequenceMemberRun struct {
	SyncID     client.ID            `json:"syncId"`
	RunID      client.ID            `json:"runId"`
	Status     client.SyncRunStatus `json:"status"`
	FinishedAt *time.Time           `json:"finishedAt"`
	RunNumbers
}

// Ended reports whether the sequence run is over: a terminal status, or a
// status we do not know while every listed member has finished.
func (s SequenceRunSnapshot) Ended() bool {
	if s.Status.Terminal() {
		return true
	}
	if s.Status == "" || s.Status.Known() || len(s.SyncRuns) == 0 {
		return false
	}
	for _, m := range s.SyncRuns {
		if m.FinishedAt == nil && !m.Status.Terminal() {
			return false
		}
	}
	return true
}

// Fingerprint changes when the sequence makes visible progress: its status,
// how many members have started and how many have finished. Member phase
// changes alone do not count, so that long sequences stay cheap in history.
func (s SequenceRunSnapshot) Fingerprint() string {
	finished := 0
	for _, m := range s.SyncRuns {
		if m.FinishedAt != nil || m.Status.Terminal() {
			finished++
		}
	}
	return fmt.Sprintf("%s/%d/%d", s.Status, len(s.SyncRuns), finished)
}

// Describe is a one-line account of the sequence run for logs and the UI.
func (s SequenceRunSnapshot) Describe() string {
	if s.Status == "" {
		return fmt.Sprintf("sequence run %s: not found yet", s.SequenceRunID)
	}
	parts := make([]string, 0, len(s.SyncRuns))
	for _, m := range s.SyncRuns {
		parts = append(parts, fmt.Sprintf("sync %s run %s %s", m.SyncID, m.RunID, m.Status))
	}
	msg := fmt.Sprintf("sequence run %s: %s", s.SequenceRunID, s.Status)
	if len(parts) > 0 {
		msg += " (" + strings.Join(parts, ", ") + ")"
	}
	return msg
}
