package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ID is a Hightouch resource id. The API sends ids as JSON numbers, older
// versions and some fixtures as digit strings; ID accepts both and always
// sends a number.
type ID int64

// String formats the id in decimal.
func (id ID) String() string { return strconv.FormatInt(int64(id), 10) }

// UnmarshalJSON accepts 123, 123.0 and "123".
func (id *ID) UnmarshalJSON(b []byte) error {
	v, err := parseID(b)
	if err != nil {
		return err
	}
	if v != nil {
		*id = *v
	}
	return nil
}

// ParseID parses a digit string such as "123" into an ID.
func ParseID(s string) (ID, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("expected a number or a string of digits, got %q", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("expected a number or a string of digits, got %q (out of range)", s)
	}
	return ID(n), nil
}

// parseID decodes a JSON id; a JSON null yields nil.
func parseID(b []byte) (*ID, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil, nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
		id, err := ParseID(s)
		return &id, err
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("expected a number or a string of digits, got %s", truncateText(string(b), 40))
	}
	if f < 0 || f != math.Trunc(f) || f > math.MaxInt64 {
		return nil, fmt.Errorf("expected a non-negative whole number, got %s", b)
	}
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		id := ID(n)
		return &id, nil
	}
	id := ID(f)
	return &id, nil
}

// RunID is a sync run id. Triggers return it as a string and ListSyncRuns as
// a number; RunID accepts both and sends a string.
type RunID string

// UnmarshalJSON accepts "123" and 123.
func (r *RunID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*r = RunID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("expected a run id string or number, got %s", truncateText(string(b), 40))
	}
	*r = RunID(n.String())
	return nil
}

// Nullable is a field that can be left out, set to a value or set to null,
// as PATCH bodies need (e.g. a sync schedule set to null means manual).
// The zero value is "left out"; fields of this type need the omitzero tag.
type Nullable[T any] struct {
	value *T
	set   bool
}

// Value returns a Nullable set to v.
func Value[T any](v T) Nullable[T] { return Nullable[T]{value: &v, set: true} }

// Null returns a Nullable set to null.
func Null[T any]() Nullable[T] { return Nullable[T]{set: true} }

// IsZero reports whether the field was left out (for omitzero).
func (n Nullable[T]) IsZero() bool { return !n.set }

// IsNull reports whether the field was set to null.
func (n Nullable[T]) IsNull() bool { return n.set && n.value == nil }

// Get returns the value and whether there is one.
func (n Nullable[T]) Get() (T, bool) {
	if n.value == nil {
		var zero T
		return zero, false
	}
	return *n.value, true
}

// MarshalJSON writes null or the value.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if n.value == nil {
		return []byte("null"), nil
	}
	return json.Marshal(*n.value)
}

// UnmarshalJSON records that the field was present, null or not.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.set = true
	n.value = nil
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.value = &v
	return nil
}

// Ptr returns a pointer to v, for optional request fields.
func Ptr[T any](v T) *T { return &v }

// parseLooseTime reads the API's timestamps, which are RFC 3339 with or
// without fractional seconds and with "Z" or an offset; "" and null give nil.
func parseLooseTime(b []byte) (*time.Time, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("expected a timestamp string, got %s", truncateText(string(b), 40))
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("expected an RFC 3339 timestamp, got %q", s)
	}
	return &t, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
