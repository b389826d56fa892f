package hightouchtest_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

func TestAdminClient(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	emu := hightouchtest.New(hightouchtest.WithClock(func() time.Time { return now }))
	srv := httptest.NewServer(emu)
	defer srv.Close()
	ctx := context.Background()
	admin := hightouchtest.NewAdminClient(srv.URL + "/api/v1/")

	id, err := admin.NewSync(ctx, "admin-made", hightouchtest.Scenario{Status: "warning"})
	require.NoError(t, err)
	seq, err := admin.NewSequence(ctx, "seq-a", id)
	require.NoError(t, err)
	require.Equal(t, "seq-a", seq)
	require.NoError(t, admin.SetFaults(ctx, hightouchtest.Faults{RateLimitBurst: 2}))
	require.Equal(t, 2, emu.CurrentFaults().RateLimitBurst)

	stats, err := admin.Stats(ctx)
	require.NoError(t, err)
	require.Zero(t, stats.RunsCreated)
	runs, err := admin.Runs(ctx, id)
	require.NoError(t, err)
	require.Empty(t, runs)
	seqRuns, err := admin.SequenceRuns(ctx, seq)
	require.NoError(t, err)
	require.Empty(t, seqRuns)

	_, err = admin.Runs(ctx, 999)
	require.ErrorContains(t, err, "HTTP 404")
}
