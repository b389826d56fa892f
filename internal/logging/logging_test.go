package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
)

func TestTemporalWritesThroughZap(t *testing.T) {
	var b bytes.Buffer
	zl, err := New(&b, "info", "json")
	require.NoError(t, err)
	sdk := log.With(Temporal(zl), "Namespace", "default")
	sdk.Debug("not shown")
	sdk.Info("Started Worker", "TaskQueue", "hightouch", "Attempt", 2, "Took", 1500*time.Millisecond)
	sdk.Error("Activity error", "Error", errors.New("boom"))

	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 2, b.String())
	var info map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &info))
	require.Equal(t, "info", info["level"])
	require.Equal(t, "Started Worker", info["msg"])
	require.Equal(t, "default", info["Namespace"])
	require.Equal(t, "hightouch", info["TaskQueue"])
	require.Equal(t, 2.0, info["Attempt"])
	require.Equal(t, 1.5, info["Took"])
	require.Contains(t, info["caller"], "logging/logging_test.go:", "the caller is the SDK's caller, not the adapter")
	_, err = time.Parse(TimeLayout, info["ts"].(string))
	require.NoError(t, err)

	var failed map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &failed))
	require.Equal(t, "error", failed["level"])
	require.Equal(t, "boom", failed["Error"])
	require.NotContains(t, failed, "stacktrace")
}

func TestQuietAndDiscard(t *testing.T) {
	var b bytes.Buffer
	q := Quiet(&b)
	q.Info("Started Worker")
	q.Warn("Failed to poll", "Error", errors.New("unavailable"))
	require.NotContains(t, b.String(), "Started Worker")
	require.Contains(t, b.String(), "WARN")
	require.Contains(t, b.String(), `Failed to poll	{"Error": "unavailable"}`)
	require.Equal(t, 1, strings.Count(b.String(), "\n"))

	Discard().Error("dropped") // nothing to see, nothing to break
}

func TestNewRejectsBadOptions(t *testing.T) {
	_, err := New(&bytes.Buffer{}, "loud", "json")
	require.EqualError(t, err, `log level "loud": expected debug, info, warn or error`)
	_, err = New(&bytes.Buffer{}, "info", "xml")
	require.EqualError(t, err, `log format "xml": expected json or console`)
}
