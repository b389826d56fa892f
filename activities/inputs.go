package activities

import (
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/internal/jsoninput"
)

// Each input type decodes itself with jsoninput.Decode and keeps the error
// instead of returning it: Temporal would retry a payload that fails to
// decode forever, while a kept error fails the activity once, clearly.

// decodeState carries an input's decoding error to the activity.
type decodeState struct{ err error }

func (d decodeState) decodeError() error { return d.err }

// CreateDestinationInput is the input of CreateDestination: the
// DestinationCreate body.
type CreateDestinationInput struct {
	client.DestinationCreate
	decodeState
}

func (in *CreateDestinationInput) UnmarshalJSON(b []byte) error {
	type plain CreateDestinationInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// CreateModelInput is the input of CreateModel: the ModelCreate body and the
// skipColumnQuery query parameter.
type CreateModelInput struct {
	SkipColumnQuery bool `json:"skipColumnQuery,omitempty"`
	client.ModelCreate
	decodeState
}

func (in *CreateModelInput) UnmarshalJSON(b []byte) error {
	type plain CreateModelInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// CreateSourceInput is the input of CreateSource: the SourceCreate body.
type CreateSourceInput struct {
	client.SourceCreate
	decodeState
}

func (in *CreateSourceInput) UnmarshalJSON(b []byte) error {
	type plain CreateSourceInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// CreateSyncInput is the input of CreateSync: the SyncCreate body.
type CreateSyncInput struct {
	client.SyncCreate
	decodeState
}

func (in *CreateSyncInput) UnmarshalJSON(b []byte) error {
	type plain CreateSyncInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// GetDestinationInput is the input of GetDestination.
type GetDestinationInput struct {
	DestinationID client.ID `json:"destinationId"`
	decodeState
}

func (in *GetDestinationInput) UnmarshalJSON(b []byte) error {
	type plain GetDestinationInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// GetModelInput is the input of GetModel.
type GetModelInput struct {
	ModelID client.ID `json:"modelId"`
	decodeState
}

func (in *GetModelInput) UnmarshalJSON(b []byte) error {
	type plain GetModelInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// GetSourceInput is the input of GetSource.
type GetSourceInput struct {
	SourceID client.ID `json:"sourceId"`
	decodeState
}

func (in *GetSourceInput) UnmarshalJSON(b []byte) error {
	type plain GetSourceInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// GetSyncInput is the input of GetSync.
type GetSyncInput struct {
	SyncID client.ID `json:"syncId"`
	decodeState
}

func (in *GetSyncInput) UnmarshalJSON(b []byte) error {
	type plain GetSyncInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// GetSyncSequenceRunInput is the input of GetSyncSequenceRun.
type GetSyncSequenceRunInput struct {
	SyncSequenceRunID string `json:"syncSequenceRunId"`
	decodeState
}

func (in *GetSyncSequenceRunInput) UnmarshalJSON(b []byte) error {
	type plain GetSyncSequenceRunInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// ListDestinationInput is the input of ListDestination: filters and paging.
type ListDestinationInput struct {
	client.ListDestinationParams
	decodeState
}

func (in *ListDestinationInput) UnmarshalJSON(b []byte) error {
	type plain ListDestinationInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// ListModelInput is the input of ListModel: filters and paging.
type ListModelInput struct {
	client.ListModelParams
	decodeState
}

func (in *ListModelInput) UnmarshalJSON(b []byte) error {
	type plain ListModelInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// ListSourceInput is the input of ListSource: filters and paging.
type ListSourceInput struct {
	client.ListSourceParams
	decodeState
}

func (in *ListSourceInput) UnmarshalJSON(b []byte) error {
	type plain ListSourceInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// ListSyncInput is the input of ListSync: filters and paging.
type ListSyncInput struct {
	client.ListSyncParams
	decodeState
}

func (in *ListSyncInput) UnmarshalJSON(b []byte) error {
	type plain ListSyncInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// ListSyncRunsInput is the input of ListSyncRuns: syncId, filters and paging.
type ListSyncRunsInput struct {
	client.ListSyncRunsParams
	decodeState
}

func (in *ListSyncRunsInput) UnmarshalJSON(b []byte) error {
	type plain ListSyncRunsInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// TriggerRunInput is the input of TriggerRun: syncId and the optional
// fullResync, resetCDC and clearAndFill flags.
type TriggerRunInput struct {
	SyncID client.ID `json:"syncId"`
	client.TriggerRunInput
	decodeState
}

func (in *TriggerRunInput) UnmarshalJSON(b []byte) error {
	type plain TriggerRunInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// TriggerRunCustomInput is the input of TriggerRunCustom: syncId or
// syncSlug, and the optional flags.
type TriggerRunCustomInput struct {
	client.TriggerRunCustomInput
	decodeState
}

func (in *TriggerRunCustomInput) UnmarshalJSON(b []byte) error {
	type plain TriggerRunCustomInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// TriggerRunIDGraphInput is the input of TriggerRunIDGraph: graphId and the
// optional fullRerun flag.
type TriggerRunIDGraphInput struct {
	GraphID string `json:"graphId"`
	client.TriggerRunIDGraphInput
	decodeState
}

func (in *TriggerRunIDGraphInput) UnmarshalJSON(b []byte) error {
	type plain TriggerRunIDGraphInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// TriggerSequenceRunInput is the input of TriggerSequenceRun.
type TriggerSequenceRunInput struct {
	SyncSequenceID string `json:"syncSequenceId"`
	decodeState
}

func (in *TriggerSequenceRunInput) UnmarshalJSON(b []byte) error {
	type plain TriggerSequenceRunInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// UpdateDestinationInput is the input of UpdateDestination: destinationId
// and the fields to change.
type UpdateDestinationInput struct {
	DestinationID client.ID `json:"destinationId"`
	client.DestinationUpdate
	decodeState
}

func (in *UpdateDestinationInput) UnmarshalJSON(b []byte) error {
	type plain UpdateDestinationInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// UpdateModelInput is the input of UpdateModel: modelId and the fields to
// change.
type UpdateModelInput struct {
	ModelID client.ID `json:"modelId"`
	client.ModelUpdate
	decodeState
}

func (in *UpdateModelInput) UnmarshalJSON(b []byte) error {
	type plain UpdateModelInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// UpdateSourceInput is the input of UpdateSource: sourceId and the fields to
// change.
type UpdateSourceInput struct {
	SourceID client.ID `json:"sourceId"`
	client.SourceUpdate
	decodeState
}

func (in *UpdateSourceInput) UnmarshalJSON(b []byte) error {
	type plain UpdateSourceInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}

// UpdateSyncInput is the input of UpdateSync: syncId and the fields to
// change (a null schedule makes the sync manual).
type UpdateSyncInput struct {
	SyncID client.ID `json:"syncId"`
	client.SyncUpdate
	decodeState
}

func (in *UpdateSyncInput) UnmarshalJSON(b []byte) error {
	type plain UpdateSyncInput
	in.err = jsoninput.Decode(b, (*plain)(in))
	return nil
}
