package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
)

// Review 12: internal/daemon (9955108) checks for stray arguments inside
// Parse, before the worker looks at --version. Before it (f295f44:worker/
// config.go), --version was honoured first: `hightouch-worker --version x`
// printed the version and exited 0; now it exits 2 with "unexpected
// argument" and prints no version.
func TestReview12VersionBeforeStrayArgument(t *testing.T) {
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"--version", "extra"}, envOf(nil), &bytes.Buffer{}, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	require.Equal(t, "hightouch-worker "+client.Version+"\n", stderr.String())
}
