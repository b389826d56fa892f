package workflows

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
)

// FuzzInputs feeds arbitrary JSON to the workflow inputs: decoding must never
// fail (a decoding error would be retried forever) and validation must end
// in a valid wait or an InvalidInput failure that names a field.
func FuzzInputs(f *testing.F) {
	f.Add([]byte(`{"syncId":42,"timeout":"6h"}`))
	f.Add([]byte(`{"syncSlug":"users","minPollInterval":"5s","maxPollInterval":"1m","failOnWarning":true}`))
	f.Add([]byte(`{"syncId":"abc"}`))
	f.Add([]byte(`{"sequenceId":"demo-sequence","timeout":"2d"}`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte(`{"syncId":1,"timeout":-5}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in SyncInput
		if err := json.Unmarshal(data, &in); err != nil && json.Valid(data) {
			t.Fatalf("SyncInput.UnmarshalJSON returned %v; it must keep errors for the workflow", err)
		}
		checkValidation(t, func() (wait, error) { return in.validate() })
		var seq SequenceInput
		if err := json.Unmarshal(data, &seq); err != nil && json.Valid(data) {
			t.Fatalf("SequenceInput.UnmarshalJSON returned %v", err)
		}
		checkValidation(t, func() (wait, error) { return seq.validate() })
	})
}

func checkValidation(t *testing.T, validate func() (wait, error)) {
	w, err := validate()
	if err != nil {
		if errortypes.Of(err) != errortypes.InvalidInput || !strings.Contains(err.Error(), "invalid input") {
			t.Fatalf("want an InvalidInput failure, got %v", err)
		}
		return
	}
	if w.timeout <= 0 || w.policy.MinInterval <= 0 || w.policy.MaxInterval < w.policy.MinInterval {
		t.Fatalf("validation passed an unusable wait: %+v", w)
	}
}
