package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
)

// The API types the 200 answer of create, update and TriggerRunCustom as the
// resource, a ValidateErrorJSON or an InternalServerError (the JSON string
// "Internal Server Error"). A 200 is therefore read as the resource only
// when it is not one of those errors and carries the resource's id.

// errorIn200 returns the error a 200 body holds instead of a resource, or
// nil: a JSON string is an internal error (*SDKError); an object without
// "id" or "data" is a validation error (*ValidateErrorJSON) when it has a
// message and details, and an *SDKError when it has only a message or an
// "error". StatusCode stays 200 in both, so callers can tell.
func errorIn200(operation string, res *http.Response, raw []byte) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	internal := func(msg string) error {
		return &SDKError{Operation: operation, StatusCode: res.StatusCode, Body: truncate(raw), Headers: res.Header.Clone(), Message: msg}
	}
	switch raw[0] {
	case '"':
		var msg string
		if json.Unmarshal(raw, &msg) != nil {
			return nil
		}
		return internal(msg)
	case '{':
		var probe struct {
			ID      json.RawMessage `json:"id"`
			Data    json.RawMessage `json:"data"`
			Message *string         `json:"message"`
			Error   *string         `json:"error"`
			Details json.RawMessage `json:"details"`
		}
		if json.Unmarshal(raw, &probe) != nil || probe.ID != nil || probe.Data != nil {
			return nil
		}
		switch {
		case probe.Message != nil && probe.Details != nil:
			v := &ValidateErrorJSON{Operation: operation, StatusCode: res.StatusCode}
			if json.Unmarshal(raw, v) == nil {
				return v
			}
		case probe.Message != nil || probe.Error != nil:
			return internal(bodyMessage(raw))
		}
	}
	return nil
}

// identified is an answer that names what it is about. One that decodes
// without its id is not that answer, whatever else it holds.
type identified interface{ hasID() bool }

// errNoID is the decode error of a 200 that carries no id.
var errNoID = errors.New("the answer has no id")

func (s *Source) hasID() bool                   { return s.ID != 0 }
func (d *Destination) hasID() bool              { return d.ID != 0 }
func (m *Model) hasID() bool                    { return m.ID != 0 }
func (s *Sync) hasID() bool                     { return s.ID != 0 }
func (o *TriggerRunOutput) hasID() bool         { return o.ID.set() }
func (o *TriggerSequenceRunOutput) hasID() bool { return o.ID != "" }
func (o *TriggerRunIDGraphOutput) hasID() bool  { return o.ID.set() }
func (r *SyncSequenceRun) hasID() bool          { return r.ID != "" }

// set reports whether r names a run: run ids count from 1, so "0" (a
// numeric id of 0) names none.
func (r RunID) set() bool { return r != "" && r != "0" }
