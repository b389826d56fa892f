package codec_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
)

const secret = "correct-horse-battery-staple"

// testKey is a fixed key, so that the committed fuzz corpus holds real
// ciphertext; it protects nothing.
func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, codec.KeySize) }

func ring(t testing.TB, current string, ids ...string) *codec.Keys {
	t.Helper()
	raw := map[string][]byte{}
	for _, id := range ids {
		raw[id] = testKey(id[0])
	}
	k, err := codec.NewKeys(current, raw)
	require.NoError(t, err)
	return k
}

type sourceConfig struct {
	Host     string `json:"host"`
	Password string `json:"password"`
}

func TestRoundTripHidesThePlaintext(t *testing.T) {
	dc := codec.NewDataConverter(ring(t, "a", "a"))
	p, err := dc.ToPayload(sourceConfig{Host: "db", Password: secret})
	require.NoError(t, err)
	require.Equal(t, codec.EncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))
	require.Equal(t, "a", string(p.Metadata[codec.MetadataKeyID]))
	require.NotContains(t, string(p.Data), secret)
	require.NotContains(t, p.String(), "json/plain", "the original metadata is encrypted too")

	var back sourceConfig
	require.NoError(t, dc.FromPayload(p, &back))
	require.Equal(t, secret, back.Password)
}

func TestEncryptionIsRandomized(t *testing.T) {
	dc := codec.NewDataConverter(ring(t, "a", "a"))
	p1, err := dc.ToPayload(secret)
	require.NoError(t, err)
	p2, err := dc.ToPayload(secret)
	require.NoError(t, err)
	require.NotEqual(t, p1.Data, p2.Data, "a fresh nonce per payload")
}

// A workflow started by the temporal CLI or another SDK carries plain JSON:
// it decodes as it is.
func TestPlainPayloadsPassThrough(t *testing.T) {
	plain, err := converter.GetDefaultDataConverter().ToPayload(sourceConfig{Password: secret})
	require.NoError(t, err)
	var back sourceConfig
	require.NoError(t, codec.NewDataConverter(ring(t, "a", "a")).FromPayload(plain, &back))
	require.Equal(t, secret, back.Password)

	c := codec.NewPayloadCodec(ring(t, "a", "a"))
	out, err := c.Decode([]*commonpb.Payload{plain, nil})
	require.NoError(t, err)
	require.Same(t, plain, out[0])
	require.Nil(t, out[1])
}

func TestRotation(t *testing.T) {
	old := codec.NewDataConverter(ring(t, "a", "a"))
	written, err := old.ToPayload(sourceConfig{Password: secret})
	require.NoError(t, err)

	// B becomes current; A stays in the ring.
	rotated := codec.NewDataConverter(ring(t, "b", "a", "b"))
	var back sourceConfig
	require.NoError(t, rotated.FromPayload(written, &back), "payloads written with A stay readable")
	require.Equal(t, secret, back.Password)
	fresh, err := rotated.ToPayload("new")
	require.NoError(t, err)
	require.Equal(t, "b", string(fresh.Metadata[codec.MetadataKeyID]), "new payloads use B")

	// A retired: its payloads fail clearly.
	retired := codec.NewDataConverter(ring(t, "b", "b"))
	err = retired.FromPayload(written, &back)
	require.ErrorIs(t, err, codec.ErrUnknownKey)
	require.Contains(t, err.Error(), `key "a"`)
	require.Contains(t, err.Error(), "it has b")
	require.NotContains(t, err.Error(), secret)
}

func TestDecodeFailuresAreClearErrors(t *testing.T) {
	keys := ring(t, "a", "a", "b")
	c := codec.NewPayloadCodec(keys)
	enc := func() *commonpb.Payload {
		p, err := converter.GetDefaultDataConverter().ToPayload(sourceConfig{Password: secret})
		require.NoError(t, err)
		out, err := c.Encode([]*commonpb.Payload{p})
		require.NoError(t, err)
		return out[0]
	}
	otherA, err := codec.NewKeys("a", map[string][]byte{"a": testKey('z')})
	require.NoError(t, err)

	cases := []struct {
		name   string
		codec  converter.PayloadCodec
		break_ func(p *commonpb.Payload)
		is     error
		says   string
	}{
		{"unknown key id", c, func(p *commonpb.Payload) { p.Metadata[codec.MetadataKeyID] = []byte("c") }, codec.ErrUnknownKey, `key "c"`},
		{"relabelled with another key's id", c, func(p *commonpb.Payload) { p.Metadata[codec.MetadataKeyID] = []byte("b") }, codec.ErrUndecryptable, `key "b"`},
		{"different key under the same id", codec.NewPayloadCodec(otherA), func(*commonpb.Payload) {}, codec.ErrUndecryptable, `key "a"`},
		{"no key id", c, func(p *commonpb.Payload) { delete(p.Metadata, codec.MetadataKeyID) }, codec.ErrUndecryptable, codec.MetadataKeyID},
		{"flipped bit", c, func(p *commonpb.Payload) { p.Data[len(p.Data)/2] ^= 1 }, codec.ErrUndecryptable, "damaged"},
		{"truncated", c, func(p *commonpb.Payload) { p.Data = p.Data[:10] }, codec.ErrUndecryptable, "damaged"},
		{"empty", c, func(p *commonpb.Payload) { p.Data = nil }, codec.ErrUndecryptable, "damaged"},
		{"no keys at all", codec.NewPayloadCodec(nil), func(*commonpb.Payload) {}, codec.ErrUnknownKey, "no keys"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := enc()
			tc.break_(p)
			var out []*commonpb.Payload
			var err error
			require.NotPanics(t, func() { out, err = tc.codec.Decode([]*commonpb.Payload{p}) })
			require.Error(t, err)
			require.Nil(t, out, "nothing half-decoded comes back")
			require.ErrorIs(t, err, tc.is)
			var taskFailure *converter.WorkflowTaskFailureError
			require.ErrorAs(t, err, &taskFailure, "in a workflow task it fails the task, not the workflow")
			require.Contains(t, err.Error(), tc.says)
			require.NotContains(t, err.Error(), secret)
		})
	}
}

// With the failure converter the worker and starter use, an activity
// failure's message and details are encrypted while its type stays readable.
func TestFailuresAreEncrypted(t *testing.T) {
	dc := codec.NewDataConverter(ring(t, "a", "a"))
	fc := temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true})
	appErr := temporal.NewNonRetryableApplicationError("Hightouch rejected password "+secret, "HightouchValidation", nil, sourceConfig{Password: secret})

	f := fc.ErrorToFailure(appErr)
	require.NotContains(t, f.String(), secret)
	require.Equal(t, "HightouchValidation", f.GetApplicationFailureInfo().GetType())
	require.Equal(t, codec.EncodingEncrypted, string(f.GetEncodedAttributes().GetMetadata()[converter.MetadataEncoding]))

	// FailureToError decodes in place; each reader gets its own copy, as
	// each gets its own from the server.
	var back *temporal.ApplicationError
	require.True(t, errors.As(fc.FailureToError(proto.Clone(f).(*failurepb.Failure)), &back))
	require.Contains(t, back.Error(), secret)
	var details sourceConfig
	require.NoError(t, back.Details(&details))
	require.Equal(t, secret, details.Password)

	// Without the key: the type, a placeholder message, no panic, no plaintext.
	other := codec.NewDataConverter(ring(t, "b", "b"))
	blind := temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: other, EncodeCommonAttributes: true})
	var blindErr *temporal.ApplicationError
	require.NotPanics(t, func() { require.True(t, errors.As(blind.FailureToError(f), &blindErr)) })
	require.Equal(t, "HightouchValidation", blindErr.Type())
	require.NotContains(t, blindErr.Error(), secret)
	require.Contains(t, blindErr.Error(), "Encoded failure", "the SDK's placeholder message")
	err := blindErr.Details(&details)
	require.ErrorIs(t, err, codec.ErrUnknownKey)
}

func TestKeysNeverPrint(t *testing.T) {
	raw := testKey('k')
	k, err := codec.ParseKeys("k="+base64.StdEncoding.EncodeToString(raw), "")
	require.NoError(t, err)
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k)} {
		require.NotContains(t, s, base64.StdEncoding.EncodeToString(raw))
		require.False(t, strings.Contains(s, string(raw)), "raw key bytes printed")
	}
}

// Inside workflow code, a payload encrypted with a key the worker lacks
// panics with the codec's error, which fails the workflow task: the SDK
// would otherwise drop such a signal, or hand the error to the workflow.
// Outside (clients, activities) it is an ordinary error. A converter without
// keys writes plain payloads and names the key an encrypted one needs.
func TestMissingKeyFailsTheWorkflowTask(t *testing.T) {
	p, err := codec.NewDataConverter(ring(t, "b", "b")).ToPayload(secret)
	require.NoError(t, err)
	id, ok := codec.KeyID(p)
	require.True(t, ok)
	require.Equal(t, "b", id)
	for name, keys := range map[string]*codec.Keys{"other key": ring(t, "a", "a"), "no keys": nil} {
		t.Run(name, func(t *testing.T) {
			dc := codec.NewDataConverter(keys)
			var s string
			require.ErrorIs(t, dc.FromPayload(p, &s), codec.ErrUnknownKey)
			require.ErrorIs(t, dc.(converter.ContextAware).WithContext(t.Context()).FromPayload(p, &s), codec.ErrUnknownKey, "activities: an error")
			inWorkflow := dc.(converter.ContextAware).WithWorkflowContext(nil)
			func() {
				defer func() {
					err, _ := recover().(error)
					require.ErrorIs(t, err, codec.ErrUnknownKey, "the workflow task fails")
					require.ErrorContains(t, err, `payload encrypted with key "b"`)
				}()
				_ = inWorkflow.FromPayloads(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}}, &s)
			}()
			plain, err := converter.GetDefaultDataConverter().ToPayload("plain")
			require.NoError(t, err)
			require.NoError(t, inWorkflow.FromPayload(plain, &s), "plain payloads read as ever")
			require.Equal(t, "plain", s)
		})
	}
	plain, err := codec.NewDataConverter(nil).ToPayload(secret)
	require.NoError(t, err)
	_, ok = codec.KeyID(plain)
	require.False(t, ok, "no keys: written plain")
}

// A worker's converter fails wherever it decodes, not only in workflow code:
// the SDK reads markers and timed-out heartbeats with it directly.
func TestWorkerConverterFailsEverywhere(t *testing.T) {
	p, err := codec.NewDataConverter(ring(t, "b", "b")).ToPayload(secret)
	require.NoError(t, err)
	dc := codec.NewWorkerDataConverter(ring(t, "a", "a"))
	for name, c := range map[string]converter.DataConverter{
		"as given": dc, "activity": dc.(converter.ContextAware).WithContext(t.Context()),
		"serialization context": converter.WithDataConverterSerializationContext(dc, converter.WorkflowSerializationContext{Namespace: "n", WorkflowID: "w"}),
	} {
		t.Run(name, func(t *testing.T) {
			var s string
			require.PanicsWithError(t, `codec: unknown key: payload encrypted with key "b", which this process does not have (it has a); add that key to its key list`,
				func() { _ = c.FromPayload(p, &s) })
		})
	}
	require.NotPanics(t, func() {
		require.NoError(t, dc.FromPayloads(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}}))
	}, "nothing read (a query handler without arguments): no failure")
	enc, err := dc.ToPayload("x")
	require.NoError(t, err)
	var s string
	require.NoError(t, dc.FromPayload(enc, &s), "its own payloads read")
	require.Equal(t, "x", s)
}
