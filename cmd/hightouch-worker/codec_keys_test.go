package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A bad HIGHTOUCH_CODEC_KEYS is a configuration error (exit 2), as in the
// codec server and the starter, so a deployment can tell it from an outage
// (exit 1).
func TestBadCodecKeysAreAConfigurationError(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
	t.Setenv("TEMPORAL_CONFIG_FILE", filepath.Join(t.TempDir(), "none.toml"))
	for name, list := range map[string]string{
		"short key":  "k1=" + strings.Repeat("QUJD", 5),
		"not base64": "k1=***",
		"no id":      "QUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUI=",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("HIGHTOUCH_CODEC_KEYS", list)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"--http-addr", "127.0.0.1:0"},
				envOf(map[string]string{"HIGHTOUCH_API_KEY": "k", "HIGHTOUCH_CODEC_KEYS": list}), &stdout, &stderr)
			require.Contains(t, stderr.String(), "payload encryption")
			require.Equal(t, 2, code, "a bad key list is a configuration error: %s", stderr.String())
		})
	}
}
