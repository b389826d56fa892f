// Package codec encrypts Temporal payloads with AES-256-GCM, so that
// workflow and activity inputs, results, heartbeat details, failure details,
// memos and query answers reach the Temporal server only as ciphertext.
//
// Each encrypted payload names its key in its metadata, so keys rotate: new
// payloads use the ring's current key, and older payloads stay readable for
// as long as their key is in the ring. Payloads that are not encrypted (a
// workflow started by the temporal CLI or another SDK with plain JSON) pass
// through decoding untouched.
//
// Workers and clients use NewDataConverter; codec servers use
// NewPayloadCodec with the SDK's converter.NewPayloadCodecHTTPHandler.
package codec

import (
	"context"
	"errors"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload: the encoding Temporal's samples and
// tools use for encrypted payloads, and the key's id. Data is the 12-byte
// nonce, the AES-256-GCM ciphertext of the whole original payload (its
// metadata included) and the tag; the key id is authenticated with it. A
// different scheme would get a different encoding name.
const (
	EncodingEncrypted = "binary/encrypted"
	MetadataKeyID     = "encryption-key-id"
)

// Decoding errors, for errors.Is.
var (
	// ErrUnknownKey: the payload names a key the ring does not hold.
	ErrUnknownKey = errors.New("codec: unknown key")
	// ErrUndecryptable: the payload is not valid ciphertext for its key
	// (a different key under the same id, or damaged data).
	ErrUndecryptable = errors.New("codec: cannot decrypt")
)

// NewPayloadCodec returns the codec that encrypts payloads with the ring's
// current key and decrypts them with the key each names. Decode passes
// payloads that are not encrypted through unchanged.
func NewPayloadCodec(keys *Keys) converter.PayloadCodec {
	return &payloadCodec{keys: keys}
}

// NewDataConverter returns the SDK's default data converter with payload
// encryption added: the converter for client.Options.DataConverter of every
// worker and client that must read or write these payloads. Give it to the
// failure converter as well, or failure details stay in plain text (see the
// package example).
//
// With nil keys it writes plain payloads and, met with an encrypted one,
// says which key it needs rather than that the encoding is unknown.
//
// Within workflow code, a payload it cannot decrypt fails the workflow task
// (retried until a worker has the key) wherever it is decoded. The SDK does
// that by itself only for some payloads: it drops a signal it cannot decode,
// and hands other decoding errors to the workflow, which may end on them.
func NewDataConverter(keys *Keys) converter.DataConverter {
	dc := converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), NewPayloadCodec(keys))
	return contextConverter{dc.(*converter.CodecDataConverter)}
}

// NewWorkerDataConverter is NewDataConverter for a worker process: a payload
// it cannot decrypt panics wherever it is decoded, and the SDK turns the
// panic into a failed workflow task or a failed activity attempt, both
// retried until a worker has the key. Workflow code is not the only reader
// in a worker: the SDK decodes markers (GetVersion, SideEffect) and the
// heartbeat details of a timed-out activity with the worker's converter
// directly, and ignores or passes on the error, so a missing key would be
// read as "no version" or "no heartbeat". Use it only in workers, whose
// decoding the SDK runs under recover; clients get errors from
// NewDataConverter.
func NewWorkerDataConverter(keys *Keys) converter.DataConverter {
	return taskFailingConverter(NewDataConverter(keys).(contextConverter))
}

// contextConverter is the converter clients use; inside a workflow it
// becomes a taskFailingConverter.
type contextConverter struct{ *converter.CodecDataConverter }

func (c contextConverter) WithWorkflowContext(workflow.Context) converter.DataConverter {
	return taskFailingConverter(c)
}

func (c contextConverter) WithContext(context.Context) converter.DataConverter { return c }

// WithSerializationContext keeps the wrapper (the SDK applies a
// serialization context before the workflow context).
func (c contextConverter) WithSerializationContext(sc converter.SerializationContext) converter.DataConverter {
	if inner, ok := c.CodecDataConverter.WithSerializationContext(sc).(*converter.CodecDataConverter); ok {
		return contextConverter{inner}
	}
	return c
}

// taskFailingConverter panics with the codec's error, which the SDK turns
// into a failed workflow task (or activity attempt), when a payload cannot
// be decrypted.
type taskFailingConverter struct{ *converter.CodecDataConverter }

func (c taskFailingConverter) FromPayload(p *commonpb.Payload, valuePtr any) error {
	return failTask(c.CodecDataConverter.FromPayload(p, valuePtr))
}

func (c taskFailingConverter) FromPayloads(p *commonpb.Payloads, valuePtrs ...any) error {
	if len(valuePtrs) == 0 {
		// Nothing is read (a query or signal handler without arguments):
		// arguments sent with another key must not fail the task.
		return nil
	}
	return failTask(c.CodecDataConverter.FromPayloads(p, valuePtrs...))
}

func (c taskFailingConverter) WithWorkflowContext(workflow.Context) converter.DataConverter { return c }

func (c taskFailingConverter) WithContext(context.Context) converter.DataConverter { return c }

func (c taskFailingConverter) WithSerializationContext(sc converter.SerializationContext) converter.DataConverter {
	return taskFailingConverter(contextConverter(c).WithSerializationContext(sc).(contextConverter))
}

func failTask(err error) error {
	if errors.Is(err, ErrUnknownKey) || errors.Is(err, ErrUndecryptable) {
		panic(err)
	}
	return err
}

type payloadCodec struct {
	keys *Keys
}

// Encode encrypts each payload, metadata included, with the current key
// (with no keys, it leaves them plain). The key id is authenticated with
// the ciphertext, so relabelling a payload with another key's id makes it
// undecryptable rather than misread.
func (c *payloadCodec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	if c.keys == nil {
		return payloads, nil
	}
	id := c.keys.current
	aead := c.keys.aeads[id]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if p == nil {
			continue
		}
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("codec: encoding payload %d: %w", i, err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(id),
			},
			Data: aead.Seal(nil, nil, plain, []byte(id)),
		}
	}
	return out, nil
}

// Decode decrypts encrypted payloads and returns the others as they are.
// Errors say which key was wanted, never what the payload held. In a
// workflow task they fail the task rather than the workflow: a missing key
// is a deployment mistake, and the workflow carries on once the worker has
// it.
func (c *payloadCodec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		d, err := c.decrypt(p)
		if err != nil {
			return nil, converter.NewWorkflowTaskFailureError(err)
		}
		out[i] = d
	}
	return out, nil
}

func (c *payloadCodec) decrypt(p *commonpb.Payload) (*commonpb.Payload, error) {
	md := p.GetMetadata()
	idBytes, ok := md[MetadataKeyID]
	if !ok {
		return nil, fmt.Errorf("%w: the encrypted payload names no key (metadata %q is missing)", ErrUndecryptable, MetadataKeyID)
	}
	id := string(idBytes)
	if c.keys == nil {
		return nil, fmt.Errorf("%w: payload encrypted with key %q, and this process has no keys; set %s or %s",
			ErrUnknownKey, printable(idBytes), EnvKeys, EnvKeysFile)
	}
	aead, ok := c.keys.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w: payload encrypted with key %q, which this process does not have (it has %s); add that key to its key list",
			ErrUnknownKey, printable(idBytes), strings.Join(c.keys.IDs(), ", "))
	}
	plain, err := aead.Open(nil, nil, p.GetData(), idBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: payload with key %q: the key under that id is not the one it was encrypted with, or the data is damaged", ErrUndecryptable, id)
	}
	var d commonpb.Payload
	if err := proto.Unmarshal(plain, &d); err != nil {
		return nil, fmt.Errorf("%w: payload with key %q decrypted to something that is not a payload", ErrUndecryptable, id)
	}
	return &d, nil
}

// KeyID is the id of the key an encrypted payload names (at most 64 bytes
// of it, for messages); false when the payload is not encrypted.
func KeyID(p *commonpb.Payload) (string, bool) {
	if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
		return "", false
	}
	return printable(p.GetMetadata()[MetadataKeyID]), true
}

// printable quotes at most 64 bytes of untrusted metadata for an error.
func printable(b []byte) string {
	const limit = 64
	if len(b) > limit {
		return string(b[:limit]) + "..."
	}
	return string(b)
}
