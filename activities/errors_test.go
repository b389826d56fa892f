package activities_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
)

// A 200 can carry an error (the API types create, update and
// TriggerRunCustom answers as the resource or an error): each is classified
// like the status it stands for. (A trigger answered so is unclear; see
// TestTriggerAnsweredByAnErrorIn200IsUnclear.)
func TestErrorsIn200AreClassified(t *testing.T) {
	for _, tc := range []struct {
		name, activity, input string
		body                  hightouchtest.ErrorIn200Body
		wantType              string
		retryable             bool
		wantDetails           any
	}{
		{"validation", "UpdateSync", `{"syncId":1,"disabled":true}`, hightouchtest.ValidationIn200,
			errortypes.HightouchValidation, false, map[string]any{"body": map[string]any{"message": "UpdateSync failed (a 200 with an error body, injected by the emulator)"}}},
		{"validation with text details", "CreateSource", `{"name":"S","slug":"s","type":"x","configuration":{}}`, hightouchtest.ValidationTextIn200,
			errortypes.HightouchValidation, false, "CreateSource failed (a 200 with an error body, injected by the emulator)"},
		{"internal error on an update", "UpdateSource", `{"sourceId":1,"name":"n"}`, hightouchtest.InternalErrorIn200,
			errortypes.HightouchServerError, true, nil},
		{"resource without its id", "CreateDestination", `{"name":"D","slug":"d","type":"x","configuration":{}}`, hightouchtest.NoIDIn200,
			errortypes.HightouchServerError, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.emu.SetFaults(hightouchtest.Faults{ErrorIn200Rate: 1, ErrorIn200: tc.body})
			err := f.exec(t, tc.activity, tc.input, nil)
			appErr := errType(t, err)
			require.Equal(t, tc.wantType, appErr.Type(), "%v", err)
			require.Equal(t, !tc.retryable, appErr.NonRetryable())
			if tc.body == hightouchtest.NoIDIn200 {
				return // a decode error carries no API details
			}
			var details activities.APIErrorDetails
			require.NoError(t, appErr.Details(&details))
			require.Equal(t, 200, details.StatusCode, "the 200 stays visible")
			require.Equal(t, tc.activity, details.Operation)
			require.Equal(t, tc.wantDetails, details.Details)
		})
	}
}
