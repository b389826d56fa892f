package codec_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
)

// FuzzDecode feeds the decoder payloads as an attacker or a damaged store
// could shape them. It never panics; a payload that is not encrypted comes
// back as it went in; anything else is either the payload the seed
// encrypted (testdata/fuzz/FuzzDecode holds real ciphertext under the fixed
// test keys) or an error that says which key it wanted.
func FuzzDecode(f *testing.F) {
	keys := ring(f, "a", "a", "b")
	c := codec.NewPayloadCodec(keys)
	plain, err := converter.GetDefaultDataConverter().ToPayload(sourceConfig{Host: "db", Password: secret})
	require.NoError(f, err)
	enc, err := c.Encode([]*commonpb.Payload{plain})
	require.NoError(f, err)
	f.Add(codec.EncodingEncrypted, "a", enc[0].Data)
	f.Add("json/plain", "", plain.Data)
	f.Add(codec.EncodingEncrypted, "", []byte{})

	f.Fuzz(func(t *testing.T, encoding, keyID string, data []byte) {
		md := map[string][]byte{converter.MetadataEncoding: []byte(encoding)}
		if keyID != "" {
			md[codec.MetadataKeyID] = []byte(keyID)
		}
		in := &commonpb.Payload{Metadata: md, Data: data}
		out, err := c.Decode([]*commonpb.Payload{in})
		if encoding != codec.EncodingEncrypted {
			require.NoError(t, err)
			require.Same(t, in, out[0])
			return
		}
		if err != nil {
			require.Nil(t, out)
			require.True(t, errors.Is(err, codec.ErrUnknownKey) || errors.Is(err, codec.ErrUndecryptable), "unexpected error: %v", err)
			return
		}
		// Authentic ciphertext: only what a key in the ring sealed.
		require.True(t, proto.Equal(plain, out[0]), "decoded to %v", out[0])
	})
}

// FuzzParseKeys: the key list parser never panics, and an error never
// quotes a key (any value that is 32 bytes of base64).
func FuzzParseKeys(f *testing.F) {
	f.Add("a="+b64('a'), "")
	f.Add("old="+b64('a')+"\nnew="+b64('b'), "new")
	f.Add("# c\n"+b64('c')+"=x", "x")
	f.Add("a=,b==", "b")
	f.Fuzz(func(t *testing.T, list, current string) {
		k, err := codec.ParseKeys(list, current)
		if err == nil {
			require.NotEmpty(t, k.Current())
			require.Contains(t, k.IDs(), k.Current())
			return
		}
		ids := map[string]bool{}
		var secrets []string
		for _, line := range strings.Split(list, "\n") {
			for _, entry := range strings.Split(line, ",") {
				id, value, ok := strings.Cut(strings.TrimSpace(entry), "=")
				ids[strings.TrimSpace(id)] = true
				if !ok {
					value = entry
				}
				if value = strings.TrimSpace(value); isKey(value) {
					secrets = append(secrets, value)
				}
			}
		}
		for _, s := range secrets {
			if !ids[s] && s != strings.TrimSpace(current) {
				require.NotContains(t, err.Error(), s)
			}
		}
	})
}

func isKey(s string) bool {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == codec.KeySize {
			return true
		}
	}
	return false
}
