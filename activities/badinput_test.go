package activities_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/jsoninput"
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
		for _, field := range jsoninput.Fields(in) {
			wrong := wrongValue(field.Type)
			if wrong == "" {
				continue // a free-form field (any) takes every JSON value
			}
			t.Run(name+"/"+field.Name, func(t *testing.T) {
				f := newFixture(t)
				err := f.exec(t, name, fmt.Sprintf(`{%q:%s}`, field.Name, wrong), nil)
				appErr := errType(t, err)
				require.Equal(t, errortypes.InvalidInput, appErr.Type(), "%v", err)
				require.True(t, appErr.NonRetryable())
				require.Contains(t, err.Error(), fmt.Sprintf("field %q", field.Name))
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
	// Hightouch, like the emulator, refuses a body over its size limit: the
	// activity fails at once, without a retry, saying why.
	appErr := errType(t, err)
	require.Equal(t, errortypes.HightouchBadRequest, appErr.Type(), "%v", err)
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "HTTP 413")
	require.Contains(t, appErr.Error(), "exceeds")
}
