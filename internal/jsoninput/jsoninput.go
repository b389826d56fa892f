// Package jsoninput decodes workflow and activity inputs strictly and
// explains what is wrong with them in terms of the JSON field a user typed.
//
// Temporal treats a payload that fails to decode as a retryable error, so a
// mistyped input would be retried forever. Input types therefore decode with
// Decode inside their UnmarshalJSON, keep the error, and report it as a
// non-retryable failure when the workflow or activity starts.
package jsoninput

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Error describes one problem with an input, naming the field when there is
// one.
type Error struct {
	Field   string // JSON field name; "" for the input as a whole
	Problem string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return fmt.Sprintf("field %q: %s", e.Field, e.Problem)
}

// Decode decodes a JSON object into v, a pointer to a struct type that has
// no UnmarshalJSON of its own (use a local alias type). Unknown fields are an
// error, as are values of the wrong type. JSON null counts as an empty
// object.
func Decode(data []byte, v any) error { return decode(data, v, true) }

// DecodeKnown is Decode without the unknown-field check, for inputs that
// one version of this module sends to another: a field added in a newer
// version must not fail an older worker during a rolling deploy.
func DecodeKnown(data []byte, v any) error { return decode(data, v, false) }

func decode(data []byte, v any, disallowUnknown bool) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return &Error{Problem: "input must be a JSON object, got " + kind(data)}
	}
	err := strict(data, v, disallowUnknown)
	if err == nil {
		return nil
	}
	// Decode field by field to find the one at fault: encoding/json loses
	// the field name for errors raised by custom unmarshalers.
	t := reflect.TypeOf(v).Elem()
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		one, _ := json.Marshal(map[string]json.RawMessage{k: fields[k]})
		if ferr := strict(one, reflect.New(t).Interface(), disallowUnknown); ferr != nil {
			return fieldError(k, fields[k], ferr, t)
		}
	}
	return &Error{Problem: err.Error()}
}

func strict(data []byte, v any, disallowUnknown bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if disallowUnknown {
		dec.DisallowUnknownFields()
	}
	return dec.Decode(v)
}

func fieldError(field string, raw json.RawMessage, err error, t reflect.Type) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return &Error{Field: field, Problem: "unknown field; accepted fields are " + strings.Join(FieldNames(t), ", ")}
	case errors.As(err, &typeErr):
		return &Error{Field: field, Problem: fmt.Sprintf("expected %s, got %s", describe(typeErr.Type), kind(raw))}
	default:
		return &Error{Field: field, Problem: strings.TrimPrefix(err.Error(), "json: ")}
	}
}

// Field is one JSON field of an input type.
type Field struct {
	Name string
	Type reflect.Type
}

// Fields lists the JSON fields of a struct type, including those of
// embedded structs, in declaration order.
func Fields(t reflect.Type) []Field {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []Field
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			out = append(out, Fields(f.Type)...)
		case !f.IsExported():
		case name != "":
			out = append(out, Field{Name: name, Type: f.Type})
		default:
			out = append(out, Field{Name: f.Name, Type: f.Type})
		}
	}
	return out
}

// FieldNames lists the JSON names of a struct type's fields.
func FieldNames(t reflect.Type) []string {
	var names []string
	for _, f := range Fields(t) {
		names = append(names, f.Name)
	}
	return names
}

// describe names a Go type the way a JSON user thinks of it.
func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return describe(t.Elem())
	}
	return t.String()
}

// kind describes a JSON value briefly, quoting short scalars.
func kind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 'n':
		return "null"
	}
	if len(raw) > 40 {
		return string(raw[:40]) + "..."
	}
	return string(raw)
}
