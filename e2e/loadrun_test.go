package e2e

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/loadrun"
)

// TestLoadRunShort is the CI form of the load run (cmd/loadrun):
// 100 concurrent HightouchSync workflows on one worker process against an
// emulator that enforces 200 requests per 10 s. It starts its own dev
// server, emulator and worker, and is not parallel, so that the shared
// environment's tests do not share its CPU.
func TestLoadRunShort(t *testing.T) {
	requireCLI(t, "load runs")
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("load run skipped in -short mode (about 3 minutes)")
	}
	cfg := loadrun.Short()
	cfg.Progress = &testLogWriter{t: t}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	rep, err := loadrun.Run(ctx, cfg)
	require.NoError(t, err)
	var table bytes.Buffer
	require.NoError(t, rep.WriteTable(&table))
	t.Log("\n" + table.String())

	l := rep.Load
	require.Equal(t, cfg.Workflows, l.Started, "every workflow started")
	require.Equal(t, cfg.Workflows, l.Succeeded, "every workflow succeeded: %v", l.Failures)
	require.Zero(t, l.Hightouch.Enforced429, "the emulator enforced 429s: the worker went over the workspace limit")
	require.Zero(t, l.Notice.NeverNoticed, "runs finished but never noticed: %v", l.Notice.NeverNoticedRuns)
	require.Equal(t, cfg.Workflows, l.Notice.Latency.Count, "a notice latency for every run")
	require.Equal(t, cfg.Workflows, l.Hightouch.RunsCreated, "one run per workflow")
	require.Zero(t, l.Hightouch.SyncsWithoutRun)
	require.Zero(t, l.Hightouch.SyncsWithSeveralRuns)
	require.Positive(t, l.Hightouch.Requests)
	require.Positive(t, l.Worker.CPUSeconds)
	require.Positive(t, l.Worker.PeakRSSBytes)
	require.NotNil(t, rep.Baseline)
	require.Equal(t, cfg.BaselineRuns, rep.Baseline.Temporal.Completed)
	require.Equal(t, cfg.BaselineRuns, rep.Baseline.Plain.Completed)
	require.Positive(t, rep.Baseline.Ratio)
	require.Empty(t, rep.Problems)
}

// testLogWriter sends progress lines to the test log.
type testLogWriter struct {
	mu sync.Mutex
	t  *testing.T
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
