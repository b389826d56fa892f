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
	"errors"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
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
// package example). With nil keys it is the default converter, unencrypted.
func NewDataConverter(keys *Keys) converter.DataConverter {
	if keys == nil {
		return converter.GetDefaultDataConverter()
	}
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), NewPayloadCodec(keys))
}

var errNoKeys = fmt.Errorf("%w: the codec has no keys", ErrUnknownKey)

type payloadCodec struct {
	keys *Keys
}

// Encode encrypts each payload, metadata included, with the current key.
// The key id is authenticated with the ciphertext, so relabelling a payload
// with another key's id makes it undecryptable rather than misread.
func (c *payloadCodec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	if c.keys == nil {
		return nil, errNoKeys
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
	if c.keys == nil {
		return nil, errNoKeys
	}
	md := p.GetMetadata()
	idBytes, ok := md[MetadataKeyID]
	if !ok {
		return nil, fmt.Errorf("%w: the encrypted payload names no key (metadata %q is missing)", ErrUndecryptable, MetadataKeyID)
	}
	id := string(idBytes)
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

// printable quotes at most 64 bytes of untrusted metadata for an error.
func printable(b []byte) string {
	const limit = 64
	if len(b) > limit {
		return string(b[:limit]) + "..."
	}
	return string(b)
}
