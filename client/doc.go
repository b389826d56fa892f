// Package client is a typed Go client for the Hightouch REST API
// (https://api.hightouch.com/api/v1): all 22 operations of the public
// reference, with typed models, typed errors and pagination helpers.
//
// It keeps the constructor of the generated Hightouch Go SDK so that its users
// can switch without surprises:
//
//	c := client.New(client.WithSecurity(os.Getenv("HIGHTOUCH_API_KEY")))
//	dest, err := c.CreateDestination(ctx, client.DestinationCreate{...})
//
// Every call returns a result or an error, never both. Errors from the API are
// *ValidateErrorJSON (HTTP 409 and 422) or *SDKError (any other 4xx or 5xx);
// use errors.As to tell them apart. The API's types let the 200 of create,
// update and TriggerRunCustom carry a validation or internal error instead of
// the resource: those come back as the same two types with StatusCode 200,
// and a 200 without the id of what it answers is a *DecodeError.
// MayHaveBeenActedOn tells whether a failed call may still have been carried
// out. A 429 answer is an *SDKError whose RetryAfter reports the server's
// Retry-After delay when it sent one.
//
// Decoding is tolerant: unknown fields are ignored, ids may arrive as numbers
// or digit strings, timestamps may be null, and completionRatio is a float.
// Requests carry only the fields that were set, so PATCH bodies never reset
// what the caller did not mention.
//
// The package has no Temporal dependency; the activities package wraps it.
package client
