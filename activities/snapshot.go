package activities

import (
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
)

func numbersOf(r *client.SyncRun) contract.RunNumbers {
	return contract.RunNumbers{
		CompletionRatio: r.CompletionRatio, QuerySize: r.QuerySize, Error: r.Error,
		PlannedRows: r.PlannedRows, SuccessfulRows: r.SuccessfulRows, FailedRows: r.FailedRows,
	}
}

func snapshotOf(syncID client.ID, runID client.RunID, r *client.SyncRun, now time.Time) contract.SyncRunSnapshot {
	s := contract.SyncRunSnapshot{SyncID: syncID, RunID: runID, ObservedAt: now}
	if r == nil {
		return s
	}
	created := r.CreatedAt
	s.Status = r.Status
	if !created.IsZero() {
		s.CreatedAt = &created
	}
	s.StartedAt, s.FinishedAt = r.StartedAt, r.FinishedAt
	s.RunNumbers = numbersOf(r)
	return s
}
