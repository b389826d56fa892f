package client

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// SyncSequenceRun is the state of one run of a sync sequence.
type SyncSequenceRun struct {
	ID       string            `json:"id"`
	Status   SequenceStatus    `json:"status"`
	SyncRuns []SequenceSyncRun `json:"syncRuns"`
}

// SequenceSyncRun is one member sync's run within a sequence run.
type SequenceSyncRun struct {
	SyncID     ID            `json:"syncId"`
	SyncRunID  ID            `json:"syncRunId"`
	Status     SyncRunStatus `json:"status"`
	FinishedAt *time.Time    `json:"finishedAt"`
}

// UnmarshalJSON reads finishedAt leniently: the API types it as a plain
// string, uses a "+00:00" offset, and may leave it empty or null.
func (r *SequenceSyncRun) UnmarshalJSON(b []byte) error {
	type plain SequenceSyncRun
	var w struct {
		plain
		FinishedAt json.RawMessage `json:"finishedAt"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	t, err := parseLooseTime(w.FinishedAt)
	if err != nil {
		return err
	}
	*r = SequenceSyncRun(w.plain)
	r.FinishedAt = t
	return nil
}

// TriggerSequenceRunOutput holds the id of the sequence run a trigger started.
type TriggerSequenceRunOutput struct {
	ID string `json:"id"`
}

// TriggerSequenceRun starts a run of a sync sequence. A sequence never runs
// concurrently with itself: while a run is in progress the API returns that
// run's id, or queues exactly one follow-up run where the workspace queues
// runs.
func (c *Client) TriggerSequenceRun(ctx context.Context, syncSequenceID string) (*TriggerSequenceRunOutput, error) {
	return call[TriggerSequenceRunOutput](ctx, c, request{operation: "TriggerSequenceRun", method: http.MethodPost, path: pathf("/sync-sequences/%s/trigger", syncSequenceID)})
}

// GetSyncSequenceRun fetches the state of a sequence run.
func (c *Client) GetSyncSequenceRun(ctx context.Context, syncSequenceRunID string) (*SyncSequenceRun, error) {
	return call[SyncSequenceRun](ctx, c, request{operation: "GetSyncSequenceRun", method: http.MethodGet, path: pathf("/sync-sequences/runs/%s", syncSequenceRunID)})
}

// TriggerRunIDGraphBody is the optional body of TriggerRunIDGraph.
type TriggerRunIDGraphBody struct {
	// FullRerun reruns the whole identity graph instead of an incremental run.
	FullRerun bool `json:"fullRerun,omitempty"`
}

// TriggerRunIDGraphOutput holds the id of the identity graph run started.
type TriggerRunIDGraphOutput struct {
	ID RunID `json:"id"`
}

// TriggerRunIDGraph starts a run of an identity graph. (The API marks this
// path deprecated in favour of /idr/{graphId}/trigger, with the same shapes.)
func (c *Client) TriggerRunIDGraph(ctx context.Context, graphID string, body TriggerRunIDGraphBody) (*TriggerRunIDGraphOutput, error) {
	return call[TriggerRunIDGraphOutput](ctx, c, request{operation: "TriggerRunIDGraph", method: http.MethodPost, path: pathf("/id_graphs/%s/trigger", graphID), body: body})
}
