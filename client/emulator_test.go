package client_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

// workspace is an emulator with a source, model, destination and sync made
// through the client itself, driven by a clock the test moves.
type workspace struct {
	emu   *hightouchtest.Emulator
	c     *client.Client
	url   string
	now   time.Time
	src   *client.Source
	dest  *client.Destination
	model *client.Model
	sync  *client.Sync
}

func newWorkspace(t *testing.T) *workspace {
	t.Helper()
	w := &workspace{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	w.emu = hightouchtest.New(hightouchtest.WithClock(func() time.Time { return w.now }))
	srv := httptest.NewServer(w.emu)
	t.Cleanup(srv.Close)
	w.url = srv.URL + "/api/v1"
	w.c = client.New(client.WithSecurity(hightouchtest.DefaultToken), client.WithServerURL(w.url))
	ctx := context.Background()
	var err error
	w.src, err = w.c.CreateSource(ctx, client.SourceCreate{Name: "Warehouse", Slug: "warehouse", Type: "postgres", Configuration: map[string]any{"host": "db"}})
	require.NoError(t, err)
	w.dest, err = w.c.CreateDestination(ctx, client.DestinationCreate{Name: "CRM", Slug: "crm", Type: "salesforce", Configuration: map[string]any{"instance": "x"}})
	require.NoError(t, err)
	w.model, err = w.c.CreateModel(ctx, client.NewRawSQLModel("Users", "users", w.src.ID, "id", "select * from users"))
	require.NoError(t, err)
	w.sync, err = w.c.CreateSync(ctx, client.SyncCreate{Slug: "users-to-crm", DestinationID: w.dest.ID, ModelID: w.model.ID,
		Configuration: map[string]any{"mode": "upsert"}, Schedule: client.IntervalSchedule(client.IntervalHour, 1)})
	require.NoError(t, err)
	return w
}

func TestEveryOperationAgainstEmulator(t *testing.T) {
	w := newWorkspace(t)
	ctx := context.Background()
	c := w.c

	// Sources.
	src, err := c.GetSource(ctx, w.src.ID)
	require.NoError(t, err)
	require.Equal(t, "warehouse", src.Slug)
	src, err = c.UpdateSource(ctx, w.src.ID, client.SourceUpdate{Name: client.Ptr("Warehouse 2")})
	require.NoError(t, err)
	require.Equal(t, "Warehouse 2", src.Name)
	require.Equal(t, "db", src.Configuration["host"], "a PATCH leaves unmentioned fields alone")
	sources, err := c.ListSource(ctx, client.ListSourceParams{Slug: "warehouse"})
	require.NoError(t, err)
	require.Len(t, sources.Data, 1)

	// Destinations.
	dest, err := c.GetDestination(ctx, w.dest.ID)
	require.NoError(t, err)
	require.Equal(t, "salesforce", dest.Type)
	dest, err = c.UpdateDestination(ctx, w.dest.ID, client.DestinationUpdate{Configuration: map[string]any{"instance": "y"}})
	require.NoError(t, err)
	require.Equal(t, "y", dest.Configuration["instance"])
	require.Equal(t, "CRM", dest.Name)
	dests, err := c.ListDestination(ctx, client.ListDestinationParams{Name: "CRM"})
	require.NoError(t, err)
	require.Len(t, dests.Data, 1)
	require.Contains(t, dests.Data[0].Syncs, w.sync.ID)

	// Models, every create variant.
	variants := []client.ModelCreate{
		client.NewTableModel("T", "t", w.src.ID, "id", "public.users"),
		client.NewDBTModel("D", "d", w.src.ID, "id", 5),
		client.NewDBTCloudModel("DC", "dc", w.src.ID, "id", 6),
		client.NewVisualModel("V", "v", w.src.ID, "id", client.VisualQuery{ParentID: w.model.ID, Filter: map[string]any{"conditions": []any{}}}),
		client.NewCustomModel("C", "c", w.src.ID, "id", map[string]any{"base": "app1"}),
	}
	for _, v := range variants {
		m, err := c.CreateModel(ctx, v, client.CreateModelParams{SkipColumnQuery: true})
		require.NoError(t, err, v.QueryType)
		require.Equal(t, v.QueryType, m.QueryType)
	}
	m, err := c.GetModel(ctx, w.model.ID)
	require.NoError(t, err)
	require.Equal(t, "select * from users", m.Raw.SQL)
	require.Nil(t, m.LastRunSize)
	m, err = c.UpdateModel(ctx, w.model.ID, client.ModelUpdate{PrimaryKey: client.Ptr("email")})
	require.NoError(t, err)
	require.Equal(t, "email", m.PrimaryKey)
	models, err := c.ListModel(ctx, client.ListModelParams{ListOptions: client.ListOptions{Limit: 2, OrderBy: "slug"}})
	require.NoError(t, err)
	require.Len(t, models.Data, 2)
	require.NotNil(t, models.HasMore)
	require.True(t, *models.HasMore)

	// Syncs and runs.
	s, err := c.GetSync(ctx, w.sync.ID)
	require.NoError(t, err)
	require.Equal(t, client.SyncPending, s.Status)
	require.Nil(t, s.LastRunAt)
	require.Equal(t, client.IntervalHour, s.Schedule.Schedule.Interval.Unit)
	s, err = c.UpdateSync(ctx, w.sync.ID, client.SyncUpdate{Schedule: client.Null[client.Schedule]()})
	require.NoError(t, err)
	require.Nil(t, s.Schedule, "a null schedule makes the sync manual")
	syncs, err := c.ListSync(ctx, client.ListSyncParams{ModelID: w.model.ID})
	require.NoError(t, err)
	require.Len(t, syncs.Data, 1)

	trig, err := c.TriggerRun(ctx, w.sync.ID, client.TriggerRunBody{FullResync: true})
	require.NoError(t, err)
	run, err := c.GetSyncRun(ctx, w.sync.ID, trig.ID)
	require.NoError(t, err)
	require.NotNil(t, run)
	require.Equal(t, client.RunQueued, run.Status)
	require.Nil(t, run.FinishedAt)
	w.now = w.now.Add(time.Hour)
	run, err = c.GetSyncRun(ctx, w.sync.ID, trig.ID)
	require.NoError(t, err)
	require.Equal(t, client.RunSuccess, run.Status)
	require.NotNil(t, run.FinishedAt)
	require.Equal(t, 1.0, run.CompletionRatio)

	trig2, err := c.TriggerRunCustom(ctx, client.TriggerRunCustomBody{SyncSlug: "users-to-crm"})
	require.NoError(t, err)
	require.NotEqual(t, trig.ID, trig2.ID)
	runs, err := c.ListSyncRuns(ctx, client.ListSyncRunsParams{SyncID: w.sync.ID})
	require.NoError(t, err)
	require.Len(t, runs.Data, 2)
	var all []client.SyncRun
	for r, err := range c.AllSyncRuns(ctx, client.ListSyncRunsParams{SyncID: w.sync.ID, ListOptions: client.ListOptions{Limit: 1}}) {
		require.NoError(t, err)
		all = append(all, r)
	}
	require.Len(t, all, 2)

	// Sequences and identity graphs.
	seq := w.emu.NewSequence("seq-1", int64(w.sync.ID))
	seqRun, err := c.TriggerSequenceRun(ctx, seq)
	require.NoError(t, err)
	status, err := c.GetSyncSequenceRun(ctx, seqRun.ID)
	require.NoError(t, err)
	require.Equal(t, seqRun.ID, status.ID)
	require.False(t, status.Status.Terminal())
	w.now = w.now.Add(time.Hour)
	status, err = c.GetSyncSequenceRun(ctx, seqRun.ID)
	require.NoError(t, err)
	require.Equal(t, client.SequenceDone, status.Status)
	require.Len(t, status.SyncRuns, 1)
	require.NotNil(t, status.SyncRuns[0].FinishedAt)

	w.emu.NewIDGraph("graph-1")
	g, err := c.TriggerRunIDGraph(ctx, "graph-1", client.TriggerRunIDGraphBody{FullRerun: true})
	require.NoError(t, err)
	require.NotEmpty(t, g.ID)
}

func TestErrorClassesAgainstEmulator(t *testing.T) {
	w := newWorkspace(t)
	ctx := context.Background()

	// 401: wrong token and no token.
	for _, token := range []string{"wrong", ""} {
		bad := client.New(client.WithSecurity(token), client.WithServerURL(w.url))
		_, err := bad.GetSync(ctx, w.sync.ID)
		var s *client.SDKError
		require.ErrorAs(t, err, &s)
		require.Equal(t, 401, s.StatusCode)
		if token != "" {
			require.NotContains(t, err.Error(), token)
		}
	}

	// 404 on each resource kind.
	notFound := []func() error{
		func() error { _, err := w.c.GetSource(ctx, 999); return err },
		func() error { _, err := w.c.GetDestination(ctx, 999); return err },
		func() error { _, err := w.c.GetModel(ctx, 999); return err },
		func() error { _, err := w.c.GetSync(ctx, 999); return err },
		func() error {
			_, err := w.c.UpdateSync(ctx, 999, client.SyncUpdate{Disabled: client.Ptr(true)})
			return err
		},
		func() error { _, err := w.c.TriggerRun(ctx, 999, client.TriggerRunBody{}); return err },
		func() error { _, err := w.c.GetSyncSequenceRun(ctx, "nope"); return err },
	}
	for i, call := range notFound {
		require.Equal(t, 404, client.StatusCode(call()), "call %d", i)
	}

	// 409: duplicate slug.
	_, err := w.c.CreateSource(ctx, client.SourceCreate{Name: "again", Slug: "warehouse", Type: "postgres", Configuration: map[string]any{}})
	var v *client.ValidateErrorJSON
	require.ErrorAs(t, err, &v)
	require.Equal(t, 409, v.StatusCode)
	require.Equal(t, "Validation failed", v.Message)
	require.Contains(t, v.Details, "body.slug")

	// 422: both of syncId and syncSlug, and triggering a disabled sync.
	_, err = w.c.TriggerRunCustom(ctx, client.TriggerRunCustomBody{SyncID: w.sync.ID, SyncSlug: "users-to-crm"})
	require.ErrorAs(t, err, &v)
	require.Equal(t, 422, v.StatusCode)
	_, err = w.c.UpdateSync(ctx, w.sync.ID, client.SyncUpdate{Disabled: client.Ptr(true)})
	require.NoError(t, err)
	out, err := w.c.TriggerRun(ctx, w.sync.ID, client.TriggerRunBody{})
	require.Nil(t, out)
	require.ErrorAs(t, err, &v)
	require.Equal(t, 422, v.StatusCode)
	require.Contains(t, err.Error(), "disabled")

	// 500 with the bare-string body, and 429 with Retry-After.
	w.emu.SetFaults(hightouchtest.Faults{ServerErrorRate: 1})
	_, err = w.c.ListSync(ctx, client.ListSyncParams{})
	var s *client.SDKError
	require.ErrorAs(t, err, &s)
	require.Equal(t, 500, s.StatusCode)
	require.Equal(t, "Internal Server Error", s.Message)
	require.False(t, errors.As(err, &v))

	w.emu.SetFaults(hightouchtest.Faults{RateLimitBurst: 1, RetryAfter: 3 * time.Second})
	_, err = w.c.ListSync(ctx, client.ListSyncParams{})
	require.ErrorAs(t, err, &s)
	require.Equal(t, 429, s.StatusCode)
	require.Equal(t, 3*time.Second, s.RetryAfter)
	_, err = w.c.ListSync(ctx, client.ListSyncParams{})
	require.NoError(t, err, "the burst is over")
}

// A run Hightouch reports as "pending" is still going, as the Airflow and
// Dagster integrations treat it: not an unknown status.
func TestPendingRunIsInProgress(t *testing.T) {
	w := newWorkspace(t)
	ctx := context.Background()
	w.emu.SetScenario(int64(w.sync.ID), hightouchtest.Scenario{Phases: []hightouchtest.Phase{
		{Status: "pending", Duration: time.Minute}, {Status: "processing", Duration: time.Minute},
	}})
	trig, err := w.c.TriggerRun(ctx, w.sync.ID, client.TriggerRunBody{})
	require.NoError(t, err)
	run, err := w.c.GetSyncRun(ctx, w.sync.ID, trig.ID)
	require.NoError(t, err)
	require.Equal(t, client.RunPending, run.Status)
	require.True(t, run.Status.Known())
	require.True(t, run.Status.InProgress())
	require.False(t, run.Status.Terminal())
	require.Nil(t, run.StartedAt)
	require.Contains(t, client.RunStatuses, client.RunPending)
	require.Equal(t, client.RunPending, client.SyncRunStatus(" Pending ").Normalize())
}

// The API types the 200 of create, update and TriggerRunCustom as the
// resource or an error; the client must never hand out an error body (or a
// resource without its id) as the resource.
func TestErrorsIn200AgainstEmulator(t *testing.T) {
	ctx := context.Background()

	t.Run("validation", func(t *testing.T) {
		w := newWorkspace(t)
		w.emu.SetFaults(hightouchtest.Faults{ErrorIn200Rate: 1, ErrorIn200: hightouchtest.ValidationIn200})
		src, err := w.c.CreateSource(ctx, client.SourceCreate{Name: "Other", Slug: "other", Type: "postgres", Configuration: map[string]any{}})
		require.Nil(t, src)
		var v *client.ValidateErrorJSON
		require.ErrorAs(t, err, &v)
		require.Equal(t, 200, v.StatusCode)
		require.Equal(t, 200, client.StatusCode(err))
		require.Equal(t, "Validation failed", v.Message)
		require.Contains(t, v.Details, "body")
		require.Contains(t, err.Error(), "HTTP 200")
		require.False(t, client.MayHaveBeenActedOn(err), "a validation error is a refusal")

		w.emu.SetFaults(hightouchtest.Faults{})
		sources, err := w.c.ListSource(ctx, client.ListSourceParams{Slug: "other"})
		require.NoError(t, err)
		require.Empty(t, sources.Data, "the refused create did nothing")
	})

	t.Run("validation with text details", func(t *testing.T) {
		w := newWorkspace(t)
		w.emu.SetFaults(hightouchtest.Faults{ErrorIn200Rate: 1, ErrorIn200: hightouchtest.ValidationTextIn200})
		s, err := w.c.UpdateSync(ctx, w.sync.ID, client.SyncUpdate{Disabled: client.Ptr(true)})
		require.Nil(t, s)
		var v *client.ValidateErrorJSON
		require.ErrorAs(t, err, &v)
		require.Equal(t, 200, v.StatusCode)
		details, ok := v.Details.(string)
		require.True(t, ok, "details kept as the string it was: %#v", v.Details)
		require.Contains(t, details, "UpdateSync failed")
		require.Contains(t, err.Error(), details)
	})

	t.Run("internal error on a trigger", func(t *testing.T) {
		w := newWorkspace(t)
		w.emu.SetFaults(hightouchtest.Faults{ErrorIn200Rate: 1, ErrorIn200: hightouchtest.InternalErrorIn200})
		out, err := w.c.TriggerRunCustom(ctx, client.TriggerRunCustomBody{SyncSlug: w.sync.Slug})
		require.Nil(t, out)
		var s *client.SDKError
		require.ErrorAs(t, err, &s)
		require.Equal(t, 200, s.StatusCode)
		require.Equal(t, 200, client.StatusCode(err))
		require.Equal(t, "Internal Server Error", s.Message)
		require.Contains(t, err.Error(), "HTTP 200 OK with an error body")
		require.Len(t, w.emu.Runs(int64(w.sync.ID)), 1, "the emulator created the run before failing")
		require.True(t, client.MayHaveBeenActedOn(err), "an internal error in a 200 is ambiguous, like a 5xx")
	})

	t.Run("resource without its id", func(t *testing.T) {
		w := newWorkspace(t)
		w.emu.SetFaults(hightouchtest.Faults{ErrorIn200Rate: 1, ErrorIn200: hightouchtest.NoIDIn200})
		dest, err := w.c.CreateDestination(ctx, client.DestinationCreate{Name: "Hook", Slug: "hook", Type: "webhook", Configuration: map[string]any{}})
		require.Nil(t, dest)
		var de *client.DecodeError
		require.ErrorAs(t, err, &de)
		require.Equal(t, 200, de.StatusCode)
		require.True(t, client.MayHaveBeenActedOn(err))
		trig, err := w.c.TriggerRunCustom(ctx, client.TriggerRunCustomBody{SyncID: w.sync.ID})
		require.Nil(t, trig)
		require.ErrorAs(t, err, &de)
	})
}
