package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary act as the command, to check exit codes and
// signal handling in a real process.
func TestMain(m *testing.M) {
	if os.Getenv("HIGHTOUCH_EMULATOR_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var urlPattern = regexp.MustCompile(`http://\S+/api/v1`)

// start runs the server in-process and returns its API base URL and a
// channel of the lines it prints after the first (closed when it stops).
func start(t *testing.T, args ...string) (baseURL string, lines <-chan string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw)
		_ = pw.Close()
		done <- err
	}()
	scanner := bufio.NewScanner(pr)
	require.True(t, scanner.Scan(), "no output")
	baseURL = urlPattern.FindString(scanner.Text())
	require.NotEmpty(t, baseURL, "first line: %q", scanner.Text())
	out := make(chan string, 1000)
	go func() { // drain, so that logging never blocks the server
		defer close(out)
		for scanner.Scan() {
			out <- scanner.Text()
		}
	}()
	var result error
	var once sync.Once
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(5 * time.Second):
				result = errors.New("run did not return after cancel")
			}
		})
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return baseURL, out, stop
}

func nextLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		require.True(t, ok, "output closed")
		return l
	case <-time.After(5 * time.Second):
		t.Fatal("no output line")
	}
	return ""
}

// request is what a request log line says.
type request struct {
	Method string `json:"method"`
	URI    string `json:"uri"`
	Status int    `json:"status"`
}

func requestOf(t *testing.T, line string) request {
	t.Helper()
	var r request
	require.NoError(t, json.Unmarshal([]byte(line), &r), line)
	return r
}

func getJSON(t *testing.T, url, token string, out any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if out != nil {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
	return resp.StatusCode
}

func TestRunServesAPIAndAdmin(t *testing.T) {
	baseURL, lines, stop := start(t, "-addr", "127.0.0.1:0", "-token", "secret", "-demo", "-v", "-rate-limit", "100/10s", "-seed", "3")
	require.True(t, strings.HasPrefix(baseURL, "http://127.0.0.1:"))
	root := strings.TrimSuffix(baseURL, "/api/v1")

	var syncs struct {
		Data    []map[string]any `json:"data"`
		HasMore bool             `json:"hasMore"`
	}
	require.Equal(t, http.StatusOK, getJSON(t, baseURL+"/syncs?slug=users-to-salesforce", "secret", &syncs))
	require.Len(t, syncs.Data, 1)
	line := nextLine(t, lines)
	require.Equal(t, request{"GET", "/api/v1/syncs?slug=users-to-salesforce", 200}, requestOf(t, line))
	require.NotContains(t, line, "secret")

	require.Equal(t, http.StatusUnauthorized, getJSON(t, baseURL+"/syncs", "test-token", nil))
	require.Equal(t, request{"GET", "/api/v1/syncs", 401}, requestOf(t, nextLine(t, lines)))

	var health map[string]string
	require.Equal(t, http.StatusOK, getJSON(t, root+"/_emulator/healthz", "", &health))
	require.Equal(t, "ok", health["status"])
	var stats map[string]any
	require.Equal(t, http.StatusOK, getJSON(t, root+"/_emulator/stats", "", &stats))
	require.Equal(t, float64(2), stats["requests"])
	require.Contains(t, stats, "syncs")

	require.NoError(t, stop())
	_, err := http.Get(root + "/_emulator/healthz")
	require.Error(t, err, "the server must be closed")
}

func TestRunQuietWithoutVerbose(t *testing.T) {
	baseURL, lines, stop := start(t, "-addr", "127.0.0.1:0", "-fault-429", "1", "-retry-after", "3s")
	req, _ := http.NewRequest(http.MethodGet, baseURL+"/sources", nil)
	req.Header.Set("Authorization", "Bearer test-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Equal(t, "3", resp.Header.Get("Retry-After"))
	require.NoError(t, stop())
	for l := range lines {
		t.Fatalf("no request log expected without -v, got %q", l)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-bogus"},
		{"-rate-limit", "lots"},
		{"-rate-limit", "10/never"},
		{"-fault-5xx", "2"},
		{"-fault-200-error", "-0.1"},
		{"-fault-200-error-body", "teapot"},
		{"-latency", "-1s"},
		{"-seed", "x"},
		{"extra"},
	} {
		err := run(context.Background(), args, io.Discard)
		var usage usageError
		require.ErrorAs(t, err, &usage, "%v", args)
		require.NotContains(t, err.Error(), "\n")
	}
	require.Error(t, run(context.Background(), []string{"-addr", "256.0.0.1:0"}, io.Discard))
}

func TestErrorIn200Flags(t *testing.T) {
	baseURL, _, stop := start(t, "-addr", "127.0.0.1:0", "-fault-200-error", "1", "-fault-200-error-body", "internal")
	req, _ := http.NewRequest(http.MethodPost, baseURL+"/sources", strings.NewReader(`{"name":"S","slug":"s","type":"x","configuration":{}}`))
	req.Header.Set("Authorization", "Bearer test-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, `"Internal Server Error"`, string(body))
	require.NoError(t, stop())
}

func TestHelp(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), []string{"-h"}, &out))
	require.Contains(t, out.String(), "-rate-limit")
}

func TestParseRateLimit(t *testing.T) {
	n, per, err := parseRateLimit("200/10s")
	require.NoError(t, err)
	require.Equal(t, 200, n)
	require.Equal(t, 10*time.Second, per)
}

func TestProcessExitCodesAndSignals(t *testing.T) {
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("starts subprocesses")
	}
	// bad flag: one line on stderr, exit 2
	cmd := exec.Command(os.Args[0], "-bogus")
	cmd.Env = append(os.Environ(), "HIGHTOUCH_EMULATOR_RUN_MAIN=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	require.Equal(t, 2, exitErr.ExitCode())
	require.Equal(t, 1, strings.Count(stderr.String(), "\n"), "stderr: %q", stderr.String())

	// SIGTERM: clean shutdown, exit 0
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd = exec.Command(os.Args[0], "-addr", "127.0.0.1:0")
		cmd.Env = append(os.Environ(), "HIGHTOUCH_EMULATOR_RUN_MAIN=1")
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		line, err := bufio.NewReader(stdout).ReadString('\n')
		require.NoError(t, err)
		baseURL := urlPattern.FindString(line)
		require.NotEmpty(t, baseURL)
		require.Equal(t, http.StatusOK, getJSON(t, baseURL+"/sources", "test-token", nil))
		require.NoError(t, cmd.Process.Signal(sig))
		require.NoError(t, cmd.Wait(), "exit after %s", sig)
	}
}
