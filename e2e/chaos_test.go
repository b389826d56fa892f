package e2e

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/chaos"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/proc"
)

// TestChaosShort is the CI form of the chaos run (go run ./cmd/chaos
// for the long one): several workflows at once on each sync, two worker
// replicas, faults at the API, a replica killed mid-trigger, SIGKILLs and a
// Temporal restart; still every outcome as dictated, each workflow its own
// run, no run lost, none doubled.
func TestChaosShort(t *testing.T) {
	t.Parallel()
	requireCLI(t, "chaos runs")
	root, err := proc.ModuleDir()
	require.NoError(t, err)
	rep, err := chaos.Run(context.Background(), root, chaos.Short())
	t.Log("\n" + rep.Format())
	require.NoError(t, err)
	require.Empty(t, rep.Mismatches)
	require.Empty(t, rep.LostRuns)
	require.Empty(t, rep.DoubleTriggers)
	require.Empty(t, rep.SharedRuns)
	require.Empty(t, rep.EarlyRuns)
	require.Empty(t, rep.ForeignOptions)
	require.Equal(t, rep.RunsExpected, rep.RunsCreated)
	require.Equal(t, chaos.Short().Sequences, rep.SequenceRuns)
	require.Equal(t, chaos.Short().WorkerKills, rep.WorkerKills)
	require.Equal(t, 1, rep.KillsMidSend, "a replica was killed while its trigger was out")
	require.Equal(t, 1, rep.TemporalRestarts)
	require.Positive(t, rep.Faults.InjectedErrors)
	require.Positive(t, rep.Faults.InjectedRateLimits)
}
