package hightouchtest

import (
	"encoding/json"
	"net/http"
)

// response is what a handler produces; ServeHTTP writes it after the lock is
// released. body is marshalled to JSON while the lock is still held so that
// no shared map is read concurrently with a later update.
type response struct {
	status int
	body   []byte
	header http.Header
}

func jsonResponse(status int, v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		return response{status: http.StatusInternalServerError, body: []byte(`"Internal Server Error"`)}
	}
	return response{status: status, body: b}
}

func ok(v any) response { return jsonResponse(http.StatusOK, v) }

// errorBody is the {message, details} envelope the API uses for 401, 404 and
// (as ValidateErrorJSON) for 409/422.
type errorBody struct {
	Message string `json:"message"`
	Details any    `json:"details"`
}

// detail is one entry of ValidateErrorJSON.details, tsoa style. Value is
// emitted only when the request carried one (a missing field has none).
type detail map[string]any

// details maps "body.field", "path.param" or "query.param" to a detail.
type details map[string]detail

func (d details) add(key, message string) {
	d[key] = detail{"message": message}
}

func (d details) addValue(key, message string, value any) {
	d[key] = detail{"message": message, "value": value}
}

func validationFailed(status int, d details) response {
	return jsonResponse(status, errorBody{Message: "Validation failed", Details: d})
}

func unprocessable(d details) response { return validationFailed(http.StatusUnprocessableEntity, d) }

func notFound(what string) response {
	return jsonResponse(http.StatusNotFound, errorBody{Message: "Not found", Details: what})
}

func badRequest(why string) response {
	return jsonResponse(http.StatusBadRequest, errorBody{Message: "Bad request", Details: why})
}

func unauthorized(why string) response {
	return jsonResponse(http.StatusUnauthorized, errorBody{Message: "Authentication error", Details: why})
}

// internalServerError is the InternalServerError schema: a JSON string.
func internalServerError() response {
	return response{status: http.StatusInternalServerError, body: []byte(`"Internal Server Error"`)}
}

func (resp response) write(w http.ResponseWriter) {
	for k, vs := range resp.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}
