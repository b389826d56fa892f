package activities_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
)

// TestEveryFieldOfEveryActivityRejectsWrongTypes sends each field of each
// activity's input a value of the wrong type and checks that the activity
// fails once, non-retryably, naming that field.
func TestEveryFieldOfEveryActivityRejectsWrongTypes(t *testing.T) {
	typ := reflect.TypeOf(&activities.Activities{})
	names := append([]string{"PollSyncRun", "PollSequenceRun", "ResolveSyncSlug"}, activities.Names...)
	checked := 0
	for _, name := range names {
		m, ok := typ.MethodByName(name)
		require.True(t, ok, name)
		in := m.Type.In(2) // receiver, context, input
		for _, field := range fieldsOf(in) {
			wrong := wrongValue(field.typ)
			if wrong == "" {
				continue // a free-form field (any) takes every JSON value
			}
			t.Run(name+"/"+field.name, func(t *testing.T) {
				f := newFixture(t)
				err := f.exec(t, name, fmt.Sprintf(`{%q:%s}`, field.name, wrong), nil)
				appErr := errType(t, err)
				require.Equal(t, errortypes.InvalidInput, appErr.Type(), "%v", err)
				require.True(t, appErr.NonRetryable())
				require.Contains(t, err.Error(), fmt.Sprintf("field %q", field.name))
				require.Zero(t, f.emu.Stats().Requests)
			})
			checked++
		}
		t.Run(name+"/malformed", func(t *testing.T) {
			f := newFixture(t)
			err := f.exec(t, name, `"not an object"`, nil)
			require.Equal(t, errortypes.InvalidInput, errType(t, err).Type())
		})
	}
	require.Greater(t, checked, 100, "the matrix covers the inputs' fields")
}

type inputField struct {
	name string
	typ  reflect.Type
}

// fieldsOf lists the JSON fields of an input type, embedded structs included.
func fieldsOf(t reflect.Type) []inputField {
	var out []inputField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			out = append(out, fieldsOf(f.Type)...)
		case !f.IsExported():
		default:
			out = append(out, inputField{name: name, typ: f.Type})
		}
	}
	return out
}

// wrongValue is a JSON value that the Go type cannot take, or "" when the
// type takes anything.
func wrongValue(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Interface:
		return ""
	case t.Kind() == reflect.Map, t.Kind() == reflect.Struct:
		return `[[["not", "an", "object"]]]`
	}
	return `{"nested":{"deeper":true}}`
}

func TestOversizedInputIsHandled(t *testing.T) {
	f := newFixture(t)
	big := strings.Repeat("x", 10<<20)
	err := f.exec(t, "CreateDestination", `{"name":"big","slug":"big","type":"webhook","configuration":{"blob":"`+big+`"}}`, nil)
	// The emulator accepts it like any JSON body; what matters is that the
	// activity neither panics nor hangs, and answers within one attempt.
	if err != nil {
		require.NotEmpty(t, errType(t, err).Type())
	}
}
