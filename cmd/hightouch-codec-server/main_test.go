package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/proc"
)

func TestConfigRejects(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"no keys", nil, []string{codec.EnvKeys, ""}, "no keys: set HIGHTOUCH_CODEC_KEYS or HIGHTOUCH_CODEC_KEYS_FILE"},
		{"bad keys", nil, []string{codec.EnvKeys, "a=" + strings.Repeat("QUJD", 5)}, "key entry 1: the key is 15 bytes"},
		{"no token", nil, []string{"HIGHTOUCH_CODEC_SERVER_TOKEN", ""}, "no token"},
		{"short token", nil, []string{"HIGHTOUCH_CODEC_SERVER_TOKEN", "letmein"}, "shorter than 16"},
		{"missing token file", []string{"--token-file", "/nonexistent/token"}, []string{"HIGHTOUCH_CODEC_SERVER_TOKEN", ""}, "reading the token file /nonexistent/token"},
		{"no auth on the network", []string{"--auth", "none", "--addr", ":8081"}, nil, "--auth none is only allowed on a loopback address"},
		{"no auth on a LAN address", []string{"--auth", "none", "--addr", "10.0.0.5:8081"}, nil, "loopback"},
		{"unknown auth", []string{"--auth", "basic"}, nil, "expected token, header or none"},
		{"header mode, nobody allowed", []string{"--auth", "header"}, nil, "--allow"},
		{"header mode on Authorization", []string{"--auth", "header", "--auth-header", "authorization", "--allow", "*"}, nil, "--auth-header"},
		{"origin with a path", []string{"--ui-origin", "http://localhost:8233/namespaces"}, nil, "--ui-origin"},
		{"origin without scheme", []string{"--ui-origin", "localhost:8233"}, nil, "--ui-origin"},
		{"bad addr", []string{"--addr", "8081"}, nil, "--addr"},
		{"argument", []string{"serve"}, nil, "flags only"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), c.args, testEnv(c.env...), &stdout, &stderr)
			require.Equal(t, 2, code)
			require.Contains(t, stderr.String(), c.want)
			require.NotContains(t, stderr.String(), token)
			require.NotContains(t, stderr.String(), "QUJD")
		})
	}
}

func TestConfigAccepts(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(token+"\n"), 0o600))
	cfg, err := parseConfig([]string{"--token-file", tokenFile, "--ui-origin", "http://localhost:8233/, http://127.0.0.1:8233"},
		testEnv("HIGHTOUCH_CODEC_SERVER_TOKEN", "", codec.EnvKeys, keyList("a", "b"), codec.EnvKeyID, "b"), &bytes.Buffer{})
	require.NoError(t, err)
	require.Equal(t, defaultAddr, cfg.addr)
	require.Equal(t, token, cfg.token)
	require.Equal(t, []string{"http://localhost:8233", "http://127.0.0.1:8233"}, cfg.origins)
	require.Equal(t, "b", cfg.keys.Current())

	cfg, err = parseConfig([]string{"--auth", "none", "--addr", "[::1]:0"}, testEnv(), &bytes.Buffer{})
	require.NoError(t, err)
	require.Equal(t, authNone, cfg.auth)
}

// run serves until its context ends, logs how it is set up (never the
// keys or the token), and stops cleanly.
func TestRunServesUntilStopped(t *testing.T) {
	port, err := proc.FreePort()
	require.NoError(t, err)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--addr", addr}, testEnv(), &stdout, &stderr) }()

	waitCtx, stopWaiting := context.WithTimeout(context.Background(), 10*time.Second)
	defer stopWaiting()
	require.NoError(t, proc.WaitHTTP(waitCtx, "http://"+addr+healthPath, nil))
	res, err := http.Post("http://"+addr+"/decode", "application/json", strings.NewReader(`{"payloads":[]}`))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)

	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop")
	}
	require.Contains(t, stdout.String(), "Codec server listening")
	require.Contains(t, stdout.String(), `current key \"a\"`)
	require.NotContains(t, stdout.String(), token)
	require.NotContains(t, stdout.String(), keyList("a")[2:])
}
