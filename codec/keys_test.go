package codec_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
)

func b64(b byte) string { return base64.StdEncoding.EncodeToString(testKey(b)) }

func TestParseKeys(t *testing.T) {
	urlSafe := base64.RawURLEncoding.EncodeToString(testKey(0xfb))
	cases := []struct {
		name, list, current string
		wantCurrent         string
		wantIDs             []string
	}{
		{"one key is current", "2025-09=" + b64('a'), "", "2025-09", []string{"2025-09"}},
		{"current named", "old=" + b64('a') + ", new=" + b64('b'), "new", "new", []string{"new", "old"}},
		{"file form", "# rotated 2025-09\nold=" + b64('a') + "\n\n  new = " + b64('b') + "  \n", "old", "old", []string{"new", "old"}},
		{"URL-safe, unpadded", "k=" + urlSafe, "", "k", []string{"k"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := codec.ParseKeys(c.list, c.current)
			require.NoError(t, err)
			require.Equal(t, c.wantCurrent, k.Current())
			require.Equal(t, c.wantIDs, k.IDs())
		})
	}
}

func TestParseKeysRejects(t *testing.T) {
	key := b64('a')
	cases := []struct {
		name, list, current, want string
	}{
		{"empty", " \n# nothing\n", "", "empty"},
		{"key without id", key, "", "entry 1: the key is 0 bytes"},
		{"unpadded key without id", strings.TrimRight(key, "="), "", "entry 1 has no id"},
		{"wrong way round", "x=" + b64('x') + ",2" + key[1:] + "=a", "", "entry 2"},
		{"bad id", "a b=" + key, "", "entry 1: the id"},
		{"not base64", "a=***", "", "entry 1: the key is not base64"},
		{"short key", "a=" + base64.StdEncoding.EncodeToString([]byte("too short")), "", "9 bytes; AES-256 needs 32"},
		{"empty key", "a=", "", "0 bytes"},
		{"duplicate id", "a=" + key + ",a=" + b64('b'), "", "entries 1 and 2 have the same id"},
		{"several, none current", "a=" + key + ",b=" + b64('b'), "", "none named current; set HIGHTOUCH_CODEC_KEY_ID"},
		{"current missing", "a=" + key, "b", `current key "b" is not among the keys (a)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := codec.ParseKeys(c.list, c.current)
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
			require.NotContains(t, err.Error(), key[:20], "the error quotes no key")
		})
	}
}

func TestLoadKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys")
	require.NoError(t, os.WriteFile(file, []byte("a="+b64('a')+"\nb="+b64('b')+"\n"), 0o600))
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}

	k, err := codec.LoadKeys(env())
	require.NoError(t, err)
	require.Nil(t, k, "nothing set: encryption off")
	require.Equal(t, "off", k.String())

	k, err = codec.LoadKeys(env(codec.EnvKeys, "a="+b64('a')))
	require.NoError(t, err)
	require.Equal(t, "a", k.Current())

	k, err = codec.LoadKeys(env(codec.EnvKeysFile, file, codec.EnvKeyID, "b"))
	require.NoError(t, err)
	require.Equal(t, "b", k.Current())
	require.Equal(t, []string{"a", "b"}, k.IDs())
	require.Equal(t, `AES-256-GCM, current key "b", readable keys a, b`, k.String())

	for _, bad := range []struct {
		getenv func(string) string
		want   string
	}{
		{env(codec.EnvKeys, "a="+b64('a'), codec.EnvKeysFile, file), "not both"},
		{env(codec.EnvKeyID, "a"), "no keys"},
		{env(codec.EnvKeysFile, file+".missing"), "reading the key file"},
		{env(codec.EnvKeysFile, file), "(in " + file + ")"},
		{env(codec.EnvKeys, "a=x"), "(in HIGHTOUCH_CODEC_KEYS)"},
	} {
		_, err := codec.LoadKeys(bad.getenv)
		require.Error(t, err)
		require.Contains(t, err.Error(), bad.want)
		require.False(t, strings.Contains(err.Error(), b64('a')[:20]))
	}
}
