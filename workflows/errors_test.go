package workflows_test

import (
	"errors"

	"go.temporal.io/sdk/temporal"
)

func isCanceled(err error) bool { return temporal.IsCanceledError(err) }

// canceledDetails decodes the details a cancellation carries.
func canceledDetails(err error, v any) error {
	var ce *temporal.CanceledError
	if !errors.As(err, &ce) {
		return err
	}
	return ce.Details(v)
}
