package contract_test

import (
	"encoding/json"
	"go/build"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
)

// The snapshots are in recorded histories and in callers' code: their JSON
// must not change (the replay tests check it too, over whole histories).
func TestSnapshotJSON(t *testing.T) {
	at := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	sync := contract.SyncRunSnapshot{SyncID: 42, RunID: "7", Status: client.RunSuccess, StartedAt: &at, ObservedAt: at,
		RunNumbers: contract.RunNumbers{CompletionRatio: 1, QuerySize: 3, PlannedRows: client.RowCounts{AddedCount: 3}, Error: "e"}}
	b, err := json.Marshal(sync)
	require.NoError(t, err)
	require.JSONEq(t, `{"syncId":42,"runId":"7","status":"success","startedAt":"2026-11-30T02:00:00Z","finishedAt":null,
		"completionRatio":1,"querySize":3,"plannedRows":{"addedCount":3,"changedCount":0,"removedCount":0},
		"successfulRows":{"addedCount":0,"changedCount":0,"removedCount":0},"failedRows":{"addedCount":0,"changedCount":0,"removedCount":0},
		"error":"e","observedAt":"2026-11-30T02:00:00Z"}`, string(b))

	seq := contract.SequenceRunSnapshot{SequenceRunID: "sr", Status: client.SequenceRunning, ObservedAt: at,
		SyncRuns: []contract.SequenceMemberRun{{SyncID: 1, RunID: 11, Status: client.RunQuerying}}}
	b, err = json.Marshal(seq)
	require.NoError(t, err)
	require.JSONEq(t, `{"sequenceRunId":"sr","status":"running","observedAt":"2026-11-30T02:00:00Z","syncRuns":[
		{"syncId":1,"runId":11,"status":"querying","finishedAt":null,"completionRatio":0,"querySize":0,
		"plannedRows":{"addedCount":0,"changedCount":0,"removedCount":0},"successfulRows":{"addedCount":0,"changedCount":0,"removedCount":0},
		"failedRows":{"addedCount":0,"changedCount":0,"removedCount":0},"error":""}]}`, string(b))
}

func TestSnapshotState(t *testing.T) {
	at := time.Now()
	require.False(t, contract.SyncRunSnapshot{}.Listed())
	require.False(t, contract.SyncRunSnapshot{Status: client.RunProcessing}.Ended())
	require.True(t, contract.SyncRunSnapshot{Status: client.RunWarning}.Ended())
	require.True(t, contract.SyncRunSnapshot{Status: "newstatus", FinishedAt: &at}.Ended(), "an unknown status with finishedAt has ended")

	seq := contract.SequenceRunSnapshot{Status: "newstatus", SyncRuns: []contract.SequenceMemberRun{{Status: client.RunSuccess}, {FinishedAt: &at}}}
	require.True(t, seq.Ended(), "an unknown status whose members all finished has ended")
	require.Equal(t, "newstatus/2/2", seq.Fingerprint())
	require.False(t, contract.SequenceRunSnapshot{Status: client.SequenceRunning}.Ended())
}

func TestDuration(t *testing.T) {
	var in struct {
		D contract.Duration `json:"d"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"d":"90s"}`), &in))
	require.Equal(t, 90*time.Second, in.D.Std())
	require.NoError(t, json.Unmarshal([]byte(`{"d":null}`), &in))
	require.Equal(t, 90*time.Second, in.D.Std(), "null leaves the value")
	require.NoError(t, json.Unmarshal([]byte(`{"d":"2d"}`), &in))
	require.Equal(t, 48*time.Hour, in.D.Std())
	b, err := json.Marshal(in)
	require.NoError(t, err)
	require.JSONEq(t, `{"d":"48h0m0s"}`, string(b))

	require.EqualError(t, json.Unmarshal([]byte(`{"d":5}`), &in), `expected a duration string such as "90s" or "6h", got 5`)
	require.EqualError(t, json.Unmarshal([]byte(`{"d":"soon"}`), &in), `expected a duration string such as "90s", "15m" or "6h", got "soon"`)

	for s, want := range map[string]time.Duration{"1.5d": 36 * time.Hour, "-2m": -2 * time.Minute, "250ms": 250 * time.Millisecond} {
		d, err := contract.ParseDuration(s)
		require.NoError(t, err, s)
		require.Equal(t, want, d, s)
	}
	for _, s := range []string{"", "d", "1e9d", "NaNd", "5 s"} {
		_, err := contract.ParseDuration(s)
		require.Error(t, err, s)
	}
}

// The package is a leaf that the emulator and the starter import: nothing
// of Temporal, activities or workflows may come with it.
func TestLeaf(t *testing.T) {
	const module = "github.com/hightouch-temporal/hightouch-temporal/"
	seen := map[string]bool{}
	var walk func(path, from string)
	walk = func(path, from string) {
		if seen[path] {
			return
		}
		seen[path] = true
		require.False(t, strings.HasPrefix(path, "go.temporal.io/") || strings.HasPrefix(path, "github.com/nexus-rpc/"), "%s imports %s", from, path)
		require.NotContains(t, []string{module + "activities", module + "workflows"}, path, "%s imports %s", from, path)
		if !strings.HasPrefix(path, module) {
			return
		}
		pkg, err := build.Default.Import(path, ".", 0)
		require.NoError(t, err)
		for _, imp := range pkg.Imports {
			walk(imp, path)
		}
	}
	walk(module+"contract", "")
	require.True(t, seen[module+"client"])
}
