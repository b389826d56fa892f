package workflows

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
)

// TestNexusInputCheckCatchesDecodeErrors covers what the test environment
// cannot: it re-encodes an operation's input before the handler sees it,
// while a worker hands the handler the input as decoded from the caller's
// payload. A field that failed to decode must stop the operation there, or
// the workflow would get the input without it (a misspelt "fullResync"
// would run a sync without a full resync).
func TestNexusInputCheckCatchesDecodeErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		in   nexusInput
		json string
		msg  string
	}{
		"sync":              {&SyncInput{}, `{"syncId":1,"fullResynk":true}`, `fullResynk`},
		"sync id":           {&SyncInput{}, `{"syncId":"abc"}`, `field "syncId": expected a number or a string of digits, got "abc"`},
		"sequence":          {&SequenceInput{}, `{"sequenceId":"s","failOnWarnings":true}`, `failOnWarnings`},
		"wait for sync":     {&WaitForSyncRunInput{}, `{"syncId":1,"run":"2"}`, `"run"`},
		"wait for sequence": {&WaitForSequenceRunInput{}, `{"sequenceRunId":"r","timeout":3}`, `"timeout"`},
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, json.Unmarshal([]byte(tc.json), tc.in))
			err := tc.in.check()
			require.Equal(t, errortypes.InvalidInput, errortypes.Of(err))
			require.ErrorContains(t, err, tc.msg)
		})
	}
	for name, in := range map[string]nexusInput{
		"sync": &SyncInput{SyncID: 1}, "sequence": &SequenceInput{SequenceID: "s"},
		"wait for sync": &WaitForSyncRunInput{SyncID: 1}, "wait for sequence": &WaitForSequenceRunInput{SequenceRunID: "r"},
	} {
		require.NoError(t, in.check(), name)
	}
}
