package client

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// SyncRun is one run of a sync, as ListSyncRuns returns it.
type SyncRun struct {
	ID              ID            `json:"id"`
	CreatedAt       time.Time     `json:"createdAt"`
	StartedAt       *time.Time    `json:"startedAt"`  // nil while queued
	FinishedAt      *time.Time    `json:"finishedAt"` // nil while running
	QuerySize       int64         `json:"querySize"`
	Status          SyncRunStatus `json:"status"`
	CompletionRatio float64       `json:"completionRatio"` // 0..1
	PlannedRows     RowCounts     `json:"plannedRows"`
	SuccessfulRows  RowCounts     `json:"successfulRows"`
	FailedRows      RowCounts     `json:"failedRows"`
	Error           string        `json:"error,omitempty"` // null and "" both mean none
}

// UnmarshalJSON reads the timestamps leniently: "" counts as null, as it
// does for sequence members, so that an odd value never blocks a wait.
func (r *SyncRun) UnmarshalJSON(b []byte) error {
	type plain SyncRun
	var w struct {
		plain
		CreatedAt  json.RawMessage `json:"createdAt"`
		StartedAt  json.RawMessage `json:"startedAt"`
		FinishedAt json.RawMessage `json:"finishedAt"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = SyncRun(w.plain)
	var err error
	var created *time.Time
	if created, err = parseLooseTime(w.CreatedAt); err != nil {
		return err
	}
	if created != nil {
		r.CreatedAt = *created
	}
	if r.StartedAt, err = parseLooseTime(w.StartedAt); err != nil {
		return err
	}
	r.FinishedAt, err = parseLooseTime(w.FinishedAt)
	return err
}

// RowCounts counts rows added, changed and removed in the destination.
type RowCounts struct {
	AddedCount   int64 `json:"addedCount"`
	ChangedCount int64 `json:"changedCount"`
	RemovedCount int64 `json:"removedCount"`
}

// Total is the sum of the three counts.
func (r RowCounts) Total() int64 { return r.AddedCount + r.ChangedCount + r.RemovedCount }

// ListSyncRunsParams selects runs of one sync.
type ListSyncRunsParams struct {
	SyncID ID    `json:"syncId"`
	RunID  RunID `json:"runId,omitempty"` // only this run (0 or 1 results)
	// After and Before filter on startedAt, which a queued run lacks.
	After  *time.Time `json:"after,omitempty"`
	Before *time.Time `json:"before,omitempty"`
	Within int64      `json:"within,omitempty"` // started within the last N minutes
	ListOptions
}

// Run orderings for ListSyncRunsParams.OrderBy.
const (
	OrderByID         = "id"
	OrderByCreatedAt  = "createdAt"
	OrderByStartedAt  = "startedAt"
	OrderByFinishedAt = "finishedAt"
)

// ListSyncRuns lists one page of a sync's runs. A run id that is not (yet)
// listed gives an empty page, not an error.
func (c *Client) ListSyncRuns(ctx context.Context, params ListSyncRunsParams) (*Page[SyncRun], error) {
	q := params.ListOptions.values()
	setString(q, "runId", string(params.RunID))
	setTime(q, "after", params.After)
	setTime(q, "before", params.Before)
	if params.Within > 0 {
		setInt(q, "within", params.Within)
	}
	return call[Page[SyncRun]](ctx, c, request{operation: "ListSyncRuns", method: http.MethodGet, path: pathf("/syncs/%s/runs", params.SyncID), query: q})
}

// GetSyncRun returns one run of a sync, or nil when it is not listed yet.
func (c *Client) GetSyncRun(ctx context.Context, syncID ID, runID RunID) (*SyncRun, error) {
	page, err := c.ListSyncRuns(ctx, ListSyncRunsParams{SyncID: syncID, RunID: runID})
	if err != nil {
		return nil, err
	}
	for i := range page.Data {
		if string(runID) == page.Data[i].ID.String() {
			return &page.Data[i], nil
		}
	}
	return nil, nil
}

// TriggerRunBody is the optional body of TriggerRun.
type TriggerRunBody struct {
	// FullResync resyncs every row, ignoring what was synced before.
	FullResync bool `json:"fullResync,omitempty"`
	// ResetCDC treats every row as synced without writing to the destination.
	ResetCDC bool `json:"resetCDC,omitempty"`
	// ClearAndFill clears the destination audience, then sends the full query.
	ClearAndFill bool `json:"clearAndFill,omitempty"`
}

// TriggerRunOutput holds the id of the run a trigger created or queued.
type TriggerRunOutput struct {
	ID RunID `json:"id"`
}

// TriggerRun starts a run of a sync, or queues one behind a run in progress.
// It is not idempotent: every successful call creates a run.
func (c *Client) TriggerRun(ctx context.Context, syncID ID, body TriggerRunBody) (*TriggerRunOutput, error) {
	return call[TriggerRunOutput](ctx, c, request{operation: "TriggerRun", method: http.MethodPost, path: pathf("/syncs/%s/trigger", syncID), body: body})
}

// TriggerRunCustomBody is the body of TriggerRunCustom: SyncID or SyncSlug.
type TriggerRunCustomBody struct {
	SyncID   ID     `json:"syncId,omitempty"`
	SyncSlug string `json:"syncSlug,omitempty"`
	TriggerRunBody
}

// MarshalJSON sends syncId as the digit string the API declares.
func (in TriggerRunCustomBody) MarshalJSON() ([]byte, error) {
	type wire struct {
		SyncID   string `json:"syncId,omitempty"`
		SyncSlug string `json:"syncSlug,omitempty"`
		TriggerRunBody
	}
	w := wire{SyncSlug: in.SyncSlug, TriggerRunBody: in.TriggerRunBody}
	if in.SyncID != 0 {
		w.SyncID = in.SyncID.String()
	}
	return json.Marshal(w)
}

// TriggerRunCustom starts a run of the sync named by id or slug. Like
// TriggerRun it is not idempotent.
func (c *Client) TriggerRunCustom(ctx context.Context, body TriggerRunCustomBody) (*TriggerRunOutput, error) {
	return call[TriggerRunOutput](ctx, c, request{operation: "TriggerRunCustom", method: http.MethodPost, path: "/syncs/trigger", body: body})
}
