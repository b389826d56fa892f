package jsoninput_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/internal/jsoninput"
)

type body struct {
	Disabled *bool  `json:"disabled,omitempty"`
	Name     string `json:"name,omitempty"`
}

type input struct {
	SyncID client.ID `json:"syncId"`
	Limit  int       `json:"limit,omitempty"`
	body
}

func TestDecode(t *testing.T) {
	tests := []struct {
		in, field, problem string
	}{
		{in: `{"syncId":"12","disabled":true}`},
		{in: `null`},
		{in: ``},
		{in: `{"syncId":"abc"}`, field: "syncId", problem: `expected a number or a string of digits, got "abc"`},
		{in: `{"syncId":1,"limit":"ten"}`, field: "limit", problem: `expected a whole number, got "ten"`},
		{in: `{"syncId":1,"disabled":3}`, field: "disabled", problem: `expected true or false, got 3`},
		{in: `{"syncId":1,"disabld":true}`, field: "disabld", problem: "unknown field; accepted fields are syncId, limit, disabled, name"},
		{in: `[1,2]`, problem: "input must be a JSON object, got an array"},
		{in: `"x"`, problem: `input must be a JSON object, got "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var v input
			err := jsoninput.Decode([]byte(tt.in), &v)
			if tt.problem == "" {
				require.NoError(t, err)
				return
			}
			var e *jsoninput.Error
			require.True(t, errors.As(err, &e), "%v", err)
			require.Equal(t, tt.field, e.Field)
			require.Equal(t, tt.problem, e.Problem)
		})
	}
}

func TestDecodeFillsValues(t *testing.T) {
	var v input
	require.NoError(t, jsoninput.Decode([]byte(`{"syncId":"12","disabled":true,"limit":5}`), &v))
	require.Equal(t, client.ID(12), v.SyncID)
	require.Equal(t, 5, v.Limit)
	require.True(t, *v.Disabled)
	_, err := json.Marshal(v)
	require.NoError(t, err)
}

func TestDecodeKnownIgnoresUnknownFields(t *testing.T) {
	var v input
	require.NoError(t, jsoninput.DecodeKnown([]byte(`{"syncId":3,"addedInANewerVersion":true}`), &v))
	require.Equal(t, client.ID(3), v.SyncID)
	var e *jsoninput.Error
	require.ErrorAs(t, jsoninput.DecodeKnown([]byte(`{"syncId":"x","other":1}`), &v), &e)
	require.Equal(t, "syncId", e.Field, "wrong types still fail")
}

func TestStrictAndTolerantKeepTheError(t *testing.T) {
	var v input
	s := jsoninput.DecodeStrict([]byte(`{"syncId":3,"other":1}`), &v)
	var e *jsoninput.Error
	require.ErrorAs(t, s.DecodeError(), &e)
	require.Equal(t, "other", e.Field)
	require.NoError(t, jsoninput.DecodeTolerant([]byte(`{"syncId":3,"other":1}`), &v).DecodeError())
	require.Error(t, jsoninput.DecodeTolerant([]byte(`[]`), &v).DecodeError())
	require.NoError(t, jsoninput.Strict{}.DecodeError(), "an input built in Go has no error")
	require.Equal(t, []string{"syncId"}, jsoninput.FieldNames(reflect.TypeFor[struct {
		SyncID client.ID `json:"syncId"`
		jsoninput.Strict
	}]()), "the embedded state adds no JSON field")
}
