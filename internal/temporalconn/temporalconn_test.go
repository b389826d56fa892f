package temporalconn

import (
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
)

func isolate(t *testing.T) {
	t.Setenv("TEMPORAL_CONFIG_FILE", filepath.Join(t.TempDir(), "none.toml"))
	for _, k := range []string{codec.EnvKeys, codec.EnvKeysFile, codec.EnvKeyID} {
		t.Setenv(k, "")
	}
}

func TestOptionsWithoutKeysLeavePayloadsPlain(t *testing.T) {
	isolate(t)
	opts, keys, err := Load()
	require.NoError(t, err)
	require.Nil(t, keys)
	p, err := opts.DataConverter.ToPayload("plain")
	require.NoError(t, err)
	require.Equal(t, converter.MetadataEncodingJSON, string(p.Metadata[converter.MetadataEncoding]), "written plain")
	// An encrypted payload met without keys names the key it needs.
	key := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", codec.KeySize)))
	keys, err = codec.ParseKeys("k1="+key, "")
	require.NoError(t, err)
	enc, err := codec.NewDataConverter(keys).ToPayload("secret")
	require.NoError(t, err)
	var back string
	err = opts.DataConverter.FromPayload(enc, &back)
	require.ErrorIs(t, err, codec.ErrUnknownKey)
	require.ErrorContains(t, err, `payload encrypted with key "k1", and this process has no keys; set HIGHTOUCH_CODEC_KEYS`)
}

func TestOptionsWithKeysEncryptPayloadsAndFailures(t *testing.T) {
	isolate(t)
	key := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", codec.KeySize)))
	t.Setenv(codec.EnvKeys, "k1="+key)
	opts, err := Options()
	require.NoError(t, err)

	p, err := opts.DataConverter.ToPayload("hunter2")
	require.NoError(t, err)
	require.Equal(t, codec.EncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))

	f := opts.FailureConverter.ErrorToFailure(temporal.NewApplicationError("password hunter2 rejected", "HightouchValidation", "hunter2"))
	require.NotContains(t, f.String(), "hunter2", "message and details encrypted")
	require.Equal(t, "HightouchValidation", f.GetApplicationFailureInfo().GetType(), "the type stays readable")
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(opts.FailureConverter.FailureToError(f), &appErr))
	require.Contains(t, appErr.Error(), "password hunter2 rejected")
}

func TestOptionsRejectBadKeysWithoutQuotingThem(t *testing.T) {
	isolate(t)
	t.Setenv(codec.EnvKeys, "k1=c2VjcmV0LWJ1dC10b28tc2hvcnQ=")
	_, err := Options()
	require.ErrorContains(t, err, "payload encryption: codec: key entry 1: the key is 20 bytes")
	require.NotContains(t, err.Error(), "c2VjcmV0")
}
