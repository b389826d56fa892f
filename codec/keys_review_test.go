package codec_test

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
)

// TestKeyInTheWrongVariableIsNotEchoed puts a key where a name or a
// path belongs, the mistakes ParseKeys already guards against for entries
// written the wrong way round ("an entry written the wrong way round must
// not put its key in a log"). The worker, the starter and the codec server
// print LoadKeys' error on stderr (and the worker in its log) when they
// refuse to start.
func TestKeyInTheWrongVariableIsNotEchoed(t *testing.T) {
	key := b64('a')
	list := "k1=" + key
	for name, vars := range map[string]map[string]string{
		// "HIGHTOUCH_CODEC_KEY_ID" read as "the key": the base64 key in it.
		"key id holds the key": {codec.EnvKeys: list, codec.EnvKeyID: key},
		// The entry pasted into the id variable.
		"key id holds the entry": {codec.EnvKeys: list, codec.EnvKeyID: list},
		// The list given to the _FILE variable (as one would with a
		// Kubernetes env var instead of a mounted file).
		"key file holds the list": {codec.EnvKeysFile: list},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := codec.LoadKeys(func(k string) string { return vars[k] })
			require.Error(t, err)
			require.NotContains(t, err.Error(), key[:20], "the error quotes the key")
		})
	}
}

// TestUnpaddedKeyInTheFileVariableIsNotEchoed: ParseKeys accepts keys in
// unpadded (raw) base64, standard or URL-safe, and such a key has no '=',
// ',' or newline. Put where the file's path belongs, LoadKeys' guard
// (strings.ContainsAny(file, "=,\n")) misses it, and the os.ReadFile error
// it wraps quotes the path: the key itself.
func TestUnpaddedKeyInTheFileVariableIsNotEchoed(t *testing.T) {
	for name, key := range map[string]string{
		"raw URL-safe": base64.RawURLEncoding.EncodeToString(testKey(0xfb)),
		"raw standard": base64.RawStdEncoding.EncodeToString(testKey(0xfb)),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := codec.LoadKeys(func(k string) string {
				if k == codec.EnvKeysFile {
					return key
				}
				return ""
			})
			require.Error(t, err)
			require.NotContains(t, err.Error(), key[:20], "the error quotes the key")
		})
	}
}
