package hightouchtest

import (
	"fmt"
	"net/http"
	"slices"
)

// The API types the 200 answer of create, update and TriggerRunCustom as the
// resource, a ValidateErrorJSON or an InternalServerError.
// Faults.ErrorIn200Rate answers some of those calls with one of the errors,
// or with a resource that lacks its id, still with status 200.

// ErrorIn200Body is the body of a 200 injected by Faults.ErrorIn200Rate.
type ErrorIn200Body string

const (
	// ValidationIn200 is {"message":"Validation failed","details":{...}},
	// answered before the call does anything. It is the default.
	ValidationIn200 ErrorIn200Body = "validation"
	// ValidationTextIn200 is the same with details as a string.
	ValidationTextIn200 ErrorIn200Body = "validation-text"
	// InternalErrorIn200 is "Internal Server Error", answered after the call
	// did its work (the run exists, the change is saved): ambiguous, like
	// TriggerThen500Rate.
	InternalErrorIn200 ErrorIn200Body = "internal"
	// NoIDIn200 is {}, answered after the call did its work: an answer
	// without the id of what it made or changed.
	NoIDIn200 ErrorIn200Body = "no-id"
)

// ErrorIn200Bodies lists the bodies ErrorIn200 accepts.
var ErrorIn200Bodies = []ErrorIn200Body{ValidationIn200, ValidationTextIn200, InternalErrorIn200, NoIDIn200}

func (f Faults) validateErrorIn200() error {
	if f.ErrorIn200Rate < 0 || f.ErrorIn200Rate > 1 {
		return fmt.Errorf("errorIn200Rate must be between 0 and 1, got %v", f.ErrorIn200Rate)
	}
	if f.ErrorIn200 != "" && !slices.Contains(ErrorIn200Bodies, f.ErrorIn200) {
		return fmt.Errorf("errorIn200 must be one of %q, got %q", ErrorIn200Bodies, f.ErrorIn200)
	}
	return nil
}

// withErrorIn200 wraps the handler of an operation whose 200 may carry an
// error. The draw happens only while the knob is on, so that turning it on
// does not shift the other knobs' sequences before then.
func withErrorIn200(h handlerFunc) handlerFunc {
	return func(e *Emulator, rq *request) response {
		rate := e.faults.ErrorIn200Rate
		if rate <= 0 || e.faultRNG.Float64() >= rate {
			return h(e, rq)
		}
		kind := e.faults.ErrorIn200
		if kind == "" || kind == ValidationIn200 || kind == ValidationTextIn200 {
			e.stats.InjectedErrors++
			return errorIn200(kind, rq.op)
		}
		resp := h(e, rq)
		if resp.status != http.StatusOK {
			return resp // refused on its own: nothing was done to hide
		}
		e.stats.InjectedErrors++
		return errorIn200(kind, rq.op)
	}
}

func errorIn200(kind ErrorIn200Body, op string) response {
	why := op + " failed (a 200 with an error body, injected by the emulator)"
	switch kind {
	case InternalErrorIn200:
		return response{status: http.StatusOK, body: []byte(`"Internal Server Error"`)}
	case NoIDIn200:
		return ok(struct{}{})
	case ValidationTextIn200:
		return jsonResponse(http.StatusOK, errorBody{Message: "Validation failed", Details: why})
	}
	d := details{}
	d.add("body", why)
	return jsonResponse(http.StatusOK, errorBody{Message: "Validation failed", Details: d})
}
