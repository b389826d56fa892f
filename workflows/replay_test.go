package workflows_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// TestReplayRecordedHistories replays the histories every release recorded
// from real executions on a Temporal dev server (testdata/histories/v<release>,
// go run ./cmd/record-histories) against this version of the
// workflows. A change that would break executions in flight, of any earlier
// release, fails here.
func TestReplayRecordedHistories(t *testing.T) {
	releases, err := filepath.Glob("testdata/histories/v*")
	require.NoError(t, err)
	require.Contains(t, releases, filepath.Join("testdata", "histories", "v0.1.0"), "the first release's histories are kept")
	var files []string
	for _, dir := range releases {
		got, err := filepath.Glob(filepath.Join(dir, "*.json"))
		require.NoError(t, err)
		names := map[string]bool{}
		for _, f := range got {
			names[strings.TrimSuffix(filepath.Base(f), ".json")] = true
		}
		for _, want := range []string{"sync-success", "sync-failed", "sync-warning", "sync-warning-fails", "sync-cancelled", "sync-timeout", "sequence-done"} {
			require.True(t, names[want], "missing recorded history %s/%s.json", dir, want)
		}
		files = append(files, got...)
	}
	for _, f := range files {
		t.Run(strings.TrimPrefix(f, "testdata/histories/"), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			workflows.Register(replayer)
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(quietLogger, f))
		})
	}
}

// TestReplayDetectsIncompatibleChange guards the replay test itself: a
// history cut to a different command sequence must not replay.
func TestReplayDetectsIncompatibleChange(t *testing.T) {
	b, err := os.ReadFile("testdata/histories/v0.1.0/sync-success.json")
	require.NoError(t, err)
	// Rename the trigger activity in the recorded history: the workflow code
	// schedules TriggerRun, so replay must fail with a non-determinism error.
	mutated := regexp.MustCompile(`"name":\s*"TriggerRun"`).ReplaceAllString(string(b), `"name": "TriggerRunCustom"`)
	require.NotEqual(t, string(b), mutated)
	path := filepath.Join(t.TempDir(), "mutated.json")
	require.NoError(t, os.WriteFile(path, []byte(mutated), 0o644))
	replayer := worker.NewWorkflowReplayer()
	workflows.Register(replayer)
	err = replayer.ReplayWorkflowHistoryFromJSONFile(quietLogger, path)
	require.Error(t, err)
	require.Contains(t, err.Error(), "nondeterministic")
}
