package activities

import (
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/internal/jsoninput"
)

// Each input type embeds jsoninput.Strict (the inputs users write) or
// jsoninput.Tolerant (those only the workflows send), and its UnmarshalJSON,
// in decode_gen.go, keeps the decoding error instead of returning it:
// Temporal would retry a payload that fails to decode forever, while a kept
// error fails the activity once, clearly.

//go:generate go run ../cmd/gen-decoders

// CreateDestinationInput is the input of CreateDestination: the
// DestinationCreate body.
type CreateDestinationInput struct {
	client.DestinationCreate
	jsoninput.Strict
}

// CreateModelInput is the input of CreateModel: the ModelCreate body and the
// skipColumnQuery query parameter.
type CreateModelInput struct {
	SkipColumnQuery bool `json:"skipColumnQuery,omitempty"`
	client.ModelCreate
	jsoninput.Strict
}

// CreateSourceInput is the input of CreateSource: the SourceCreate body.
type CreateSourceInput struct {
	client.SourceCreate
	jsoninput.Strict
}

// CreateSyncInput is the input of CreateSync: the SyncCreate body.
type CreateSyncInput struct {
	client.SyncCreate
	jsoninput.Strict
}

// GetDestinationInput is the input of GetDestination.
type GetDestinationInput struct {
	DestinationID client.ID `json:"destinationId"`
	jsoninput.Strict
}

// GetModelInput is the input of GetModel.
type GetModelInput struct {
	ModelID client.ID `json:"modelId"`
	jsoninput.Strict
}

// GetSourceInput is the input of GetSource.
type GetSourceInput struct {
	SourceID client.ID `json:"sourceId"`
	jsoninput.Strict
}

// GetSyncInput is the input of GetSync.
type GetSyncInput struct {
	SyncID client.ID `json:"syncId"`
	jsoninput.Strict
}

// GetSyncSequenceRunInput is the input of GetSyncSequenceRun.
type GetSyncSequenceRunInput struct {
	SyncSequenceRunID string `json:"syncSequenceRunId"`
	jsoninput.Strict
}

// ListDestinationInput is the input of ListDestination: filters and paging.
type ListDestinationInput struct {
	client.ListDestinationParams
	jsoninput.Strict
}

// ListModelInput is the input of ListModel: filters and paging.
type ListModelInput struct {
	client.ListModelParams
	jsoninput.Strict
}

// ListSourceInput is the input of ListSource: filters and paging.
type ListSourceInput struct {
	client.ListSourceParams
	jsoninput.Strict
}

// ListSyncInput is the input of ListSync: filters and paging.
type ListSyncInput struct {
	client.ListSyncParams
	jsoninput.Strict
}

// ListSyncRunsInput is the input of ListSyncRuns: syncId, filters and paging.
type ListSyncRunsInput struct {
	client.ListSyncRunsParams
	jsoninput.Strict
}

// TriggerRunInput is the input of TriggerRun: syncId and the optional
// fullResync, resetCDC and clearAndFill flags.
type TriggerRunInput struct {
	SyncID client.ID `json:"syncId"`
	client.TriggerRunBody
	jsoninput.Strict
}

// TriggerRunCustomInput is the input of TriggerRunCustom: syncId or
// syncSlug, and the optional flags.
type TriggerRunCustomInput struct {
	client.TriggerRunCustomBody
	jsoninput.Strict
}

// TriggerRunIDGraphInput is the input of TriggerRunIDGraph: graphId and the
// optional fullRerun flag.
type TriggerRunIDGraphInput struct {
	GraphID string `json:"graphId"`
	client.TriggerRunIDGraphBody
	jsoninput.Strict
}

// TriggerSequenceRunInput is the input of TriggerSequenceRun.
type TriggerSequenceRunInput struct {
	SyncSequenceID string `json:"syncSequenceId"`
	jsoninput.Strict
}

// UpdateDestinationInput is the input of UpdateDestination: destinationId
// and the fields to change.
type UpdateDestinationInput struct {
	DestinationID client.ID `json:"destinationId"`
	client.DestinationUpdate
	jsoninput.Strict
}

// UpdateModelInput is the input of UpdateModel: modelId and the fields to
// change.
type UpdateModelInput struct {
	ModelID client.ID `json:"modelId"`
	client.ModelUpdate
	jsoninput.Strict
}

// UpdateSourceInput is the input of UpdateSource: sourceId and the fields to
// change.
type UpdateSourceInput struct {
	SourceID client.ID `json:"sourceId"`
	client.SourceUpdate
	jsoninput.Strict
}

// UpdateSyncInput is the input of UpdateSync: syncId and the fields to
// change (a null schedule makes the sync manual).
type UpdateSyncInput struct {
	SyncID client.ID `json:"syncId"`
	client.SyncUpdate
	jsoninput.Strict
}
