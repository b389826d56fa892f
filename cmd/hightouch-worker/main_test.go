package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestParseConfigDefaultsAndPrecedence(t *testing.T) {
	var stderr bytes.Buffer
	cfg, err := parseConfig(nil, envOf(map[string]string{"HIGHTOUCH_API_KEY": " k ", "HIGHTOUCH_TASK_QUEUE": "q1"}), &stderr)
	require.NoError(t, err)
	require.Equal(t, "k", cfg.apiKey)
	require.Equal(t, "q1", cfg.taskQueue)
	require.Equal(t, "https://api.hightouch.com/api/v1", cfg.baseURL)
	require.Equal(t, 18.0, cfg.rateLimit)
	require.Equal(t, 10, cfg.rateBurst)
	require.Equal(t, 30*time.Second, cfg.stopTimeout)
	require.Equal(t, ":9090", cfg.httpAddr)

	cfg, err = parseConfig([]string{"--task-queue", "q2", "--rate-limit", "5", "--stop-timeout", "1m"},
		envOf(map[string]string{"HIGHTOUCH_API_KEY": "k", "HIGHTOUCH_TASK_QUEUE": "q1", "HIGHTOUCH_RATE_LIMIT": "9"}), &stderr)
	require.NoError(t, err)
	require.Equal(t, "q2", cfg.taskQueue, "flags override the environment")
	require.Equal(t, 5.0, cfg.rateLimit)
	require.Equal(t, 5, cfg.rateBurst)
	require.Equal(t, time.Minute, cfg.stopTimeout)
}

func TestParseConfigKeyFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	require.NoError(t, os.WriteFile(file, []byte("from-file\n"), 0o600))
	var stderr bytes.Buffer
	cfg, err := parseConfig(nil, envOf(map[string]string{"HIGHTOUCH_API_KEY_FILE": file}), &stderr)
	require.NoError(t, err)
	require.Equal(t, "from-file", cfg.apiKey)

	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, []byte("  \n"), 0o600))
	_, err = parseConfig([]string{"--api-key-file", empty}, envOf(nil), &stderr)
	require.ErrorContains(t, err, "is empty")
	_, err = parseConfig([]string{"--api-key-file", filepath.Join(dir, "missing")}, envOf(nil), &stderr)
	require.ErrorContains(t, err, "no such file")
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "no Hightouch API key: set HIGHTOUCH_API_KEY or HIGHTOUCH_API_KEY_FILE"},
		{[]string{"--rate-limit", "fast"}, map[string]string{"HIGHTOUCH_API_KEY": "k"}, `--rate-limit / HIGHTOUCH_RATE_LIMIT: expected requests per second`},
		{[]string{"--stop-timeout", "-1s"}, map[string]string{"HIGHTOUCH_API_KEY": "k"}, `--stop-timeout`},
		{nil, map[string]string{"HIGHTOUCH_API_KEY": "k", "HIGHTOUCH_RATE_LIMIT": "NaN"}, `expected requests per second`},
		{[]string{"--rate-limit", "+Inf"}, map[string]string{"HIGHTOUCH_API_KEY": "k"}, `expected requests per second`},
		{nil, map[string]string{"HIGHTOUCH_API_KEY": "k", "HIGHTOUCH_BASE_URL": "api.hightouch.com"}, `--hightouch-base-url / HIGHTOUCH_BASE_URL: expected an http(s) URL`},
		{[]string{"--task-queue", " "}, map[string]string{"HIGHTOUCH_API_KEY": "k"}, "must not be empty"},
		{[]string{"--no-such-flag"}, map[string]string{"HIGHTOUCH_API_KEY": "k"}, "flag provided but not defined"},
		{[]string{"extra"}, map[string]string{"HIGHTOUCH_API_KEY": "k"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		code := run(context.Background(), tt.args, envOf(tt.env), &bytes.Buffer{}, &stderr)
		require.Equal(t, 2, code, "%v %v", tt.args, tt.env)
		require.Contains(t, stderr.String(), tt.want)
		require.NotContains(t, stderr.String(), "goroutine", "no stack traces")
	}
}

func TestHelpAndVersion(t *testing.T) {
	var stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"--help"}, envOf(nil), &bytes.Buffer{}, &stderr))
	require.Contains(t, stderr.String(), "HIGHTOUCH_API_KEY_FILE")
	stderr.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"--version"}, envOf(nil), &bytes.Buffer{}, &stderr))
	require.Contains(t, stderr.String(), "hightouch-worker")
}

func TestUnreachableTemporalIsOneLine(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
	t.Setenv("TEMPORAL_CONFIG_FILE", filepath.Join(t.TempDir(), "none.toml"))
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run(context.Background(), []string{"--http-addr", "127.0.0.1:0"}, envOf(map[string]string{"HIGHTOUCH_API_KEY": "secret-key"}), &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Less(t, time.Since(start), 15*time.Second)
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	require.Len(t, lines, 1, stderr.String())
	require.Contains(t, lines[0], "cannot connect to Temporal at 127.0.0.1:1")
	require.NotContains(t, stdout.String()+stderr.String(), "secret-key")
}

func TestHealthEndpoints(t *testing.T) {
	h := newHealth(nil)
	srv := httptest.NewServer(h.mux(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("m")) })))
	defer srv.Close()
	get := func(path string) int {
		res, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	require.Equal(t, 200, get("/healthz"))
	require.Equal(t, 503, get("/readyz"), "not ready before the worker polls")
	require.Equal(t, 200, get("/metrics"))
	require.Equal(t, 404, get("/other"))
}
