package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

func TestParseWaitSync(t *testing.T) {
	a, _, _ := testApp(t)
	parse := func(args ...string) (workflows.WaitForSyncRunInput, runOptions, error) {
		var o waitSyncOptions
		return o.parse(a, parsed(t, o.bind, args...))
	}
	in, r, err := parse("--sync-slug", "users", "--timeout", "3h")
	require.NoError(t, err)
	require.Equal(t, workflows.WaitForSyncRunInput{SyncSlug: "users", WaitOptions: workflows.WaitOptions{Timeout: "3h"}}, in)
	require.Equal(t, "hightouch-wait-sync-users", r.workflowID)

	in, r, err = parse("--sync-id", "42", "--run-id", "1234", "--fail-on-warning", "--follow-resumed-run", "--max-failed-rows", "0")
	require.NoError(t, err)
	zero := int64(0)
	require.Equal(t, workflows.WaitForSyncRunInput{SyncID: 42, RunID: "1234", FailOnWarning: true, FollowResumedRun: true,
		RowLimits: workflows.RowLimits{MaxFailedRows: &zero}}, in)
	require.Equal(t, "hightouch-wait-sync-42-1234", r.workflowID)

	in, _, err = parse("--sync-id", "42", "--created-after", "2026-11-30T02:00:00Z", "--max-failed-rows-percent", "2.5")
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC), in.CreatedAfter.UTC())
	require.Equal(t, 2.5, *in.MaxFailedRowsPercent)
	require.Nil(t, in.MaxFailedRows)

	for args, want := range map[string][]string{
		"give --run-id or --created-after, not both":         {"--sync-id", "1", "--run-id", "2", "--created-after", "2026-11-30T02:00:00Z"},
		`--created-after: expected an RFC 3339 time`:         {"--sync-id", "1", "--created-after", "yesterday"},
		`--run-id: expected the id of a sync run, got "a/b"`: {"--sync-id", "1", "--run-id", "a/b"},
		"give --sync-id or --sync-slug":                      {"--run-id", "2"},
		"--max-failed-rows: expected a number of rows":       {"--sync-id", "1", "--max-failed-rows", "-1"},
		"--max-failed-rows-percent: expected a percentage":   {"--sync-id", "1", "--max-failed-rows-percent", "101"},
	} {
		_, _, err := parse(want...)
		require.ErrorContains(t, err, args)
	}
}

func TestParseWaitSequence(t *testing.T) {
	a, _, _ := testApp(t)
	var o waitSequenceOptions
	in, r, err := o.parse(a, parsed(t, o.bind, "--sequence-run-id", "run-9", "--sequence-id", "seq-1", "--max-failed-rows", "3"))
	require.NoError(t, err)
	three := int64(3)
	require.Equal(t, workflows.WaitForSequenceRunInput{SequenceRunID: "run-9", SequenceID: "seq-1", RowLimits: workflows.RowLimits{MaxFailedRows: &three}}, in)
	require.Equal(t, "hightouch-wait-sequence-run-9", r.workflowID)

	var o2 waitSequenceOptions
	_, _, err = o2.parse(a, parsed(t, o2.bind, "--sequence-id", "seq-1"))
	require.ErrorContains(t, err, "give --sequence-run-id")
}

func TestParseSyncRowLimitsAndResume(t *testing.T) {
	a, _, _ := testApp(t)
	cmd, err := parseSync(t, a, "--sync-id", "42", "--max-failed-rows-percent", "1", "--follow-resumed-run")
	require.NoError(t, err)
	require.True(t, cmd.input.FollowResumedRun)
	require.Equal(t, 1.0, *cmd.input.MaxFailedRowsPercent)
	require.Equal(t, "Hightouch sync 42 (row limits, follow resumed run)", syncSummary(cmd.input))
}

func TestWaitResultsShowLinkAndResume(t *testing.T) {
	var b bytes.Buffer
	res := workflows.SyncResult{
		SyncRunSnapshot: contract.SyncRunSnapshot{SyncID: 42, RunID: "7", Status: client.RunSuccess},
		ResumedFrom:     []client.RunID{"5", "6"}, RunURL: "https://app.hightouch.com/acme/syncs/42/runs/7",
	}
	writeSync(&b, res)
	require.Contains(t, b.String(), "  Resumes:     5, 6 (interrupted)\n")
	require.Contains(t, b.String(), "  Run URL:     https://app.hightouch.com/acme/syncs/42/runs/7\n")

	b.Reset()
	writeSync(&b, workflows.SyncResult{SyncRunSnapshot: contract.SyncRunSnapshot{SyncID: 42, RunID: "7"}})
	require.NotContains(t, b.String(), "Run URL")

	require.Equal(t, kindSync, kindOf(workflows.WaitForSyncRunWorkflow))
	require.Equal(t, kindSequence, kindOf(workflows.WaitForSequenceRunWorkflow))
}
