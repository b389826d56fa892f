// Package hightouchtest is an in-process emulator of the Hightouch REST API
// (base path /api/v1) for tests and local development. It follows the API
// as Hightouch documents it (its OpenAPI specification: paths, bodies,
// status enums, error shapes), not any client's idea of it, and is runnable
// as a standalone server (cmd/hightouch-emulator).
//
// # Usage
//
//	clock := ...                                  // any func() time.Time
//	emu := hightouchtest.New(hightouchtest.WithClock(clock.Now))
//	srv := httptest.NewServer(emu)
//	defer srv.Close()
//	syncID := emu.NewSync("my-sync", hightouchtest.Scenario{Status: "warning"})
//	// point the client at srv.URL+"/api/v1" with token hightouchtest.DefaultToken,
//	// trigger the sync, advance the clock, poll ...
//	runs := emu.Runs(syncID)                      // what happened, for assertions
//
// Runs are scripted by a Scenario: in-progress phases with durations, then a
// terminal status, error and row counts. Nothing runs in the background:
// each request derives the state of every run from the clock, so a fake
// clock (WithClock) drives a run to its end without sleeping. Sequences
// advance the same way (member runs are created at the instant their
// predecessor ended). Faults (SetFaults) and the workspace rate limit
// (WithWorkspaceRateLimit) exercise a client's retries; Stats, Requests,
// Triggers and RunInfo.FirstSeenTerminalAt measure its cost and latency.
//
// The same handler serves an unauthenticated admin API under /_emulator/
// (stats, faults, fixtures; see admin.go). Scenario and Faults marshal to
// JSON with Go duration strings ("2s").
//
// # Choices where the reference is silent
//
//   - Request pipeline: unknown route 404, wrong method 405 (with Allow),
//     then auth 401, then the enforced rate limit, then injected latency and
//     faults, then the operation. Error bodies are {"message","details"}.
//   - Resource lists are sorted ascending by orderBy (default id), ties by
//     id. Sync run lists are sorted DESCENDING (newest first) by orderBy
//     (default id); a null startedAt/finishedAt sorts as newest.
//     ListSync's orderBy=name sorts by slug (syncs have no name).
//   - name/slug filters match exactly. ListSync after/before filter on
//     lastRunAt; ListSyncRuns after/before/within on startedAt. "after" is
//     inclusive, "before" exclusive; rows without the timestamp are
//     excluded when such a filter is given.
//   - Validation is tsoa-like: 422 ValidateErrorJSON with details keyed
//     "body.<field>", "path.<param>", "query.<param>". Numeric strings are
//     accepted for number fields and "true"/"false" for booleans (tsoa's
//     body coercion; also what form-encoded trigger bodies need). Malformed
//     JSON is 400. Create/update bodies and schedules reject unknown keys;
//     trigger bodies tolerate them. CreateModel also requires the query
//     definition matching queryType (raw_sql→raw, table→table, ...) and an
//     existing source; CreateSync an existing model and destination (422).
//   - TriggerRunCustom with neither or both of syncId/syncSlug, and
//     triggering a disabled sync, are 422. Unknown syncs are 404 on every
//     sync operation including ListSyncRuns and triggers.
//   - Runs of one sync are FIFO: a run waits "queued" until the previous one
//     ends, then walks its scenario. startedAt is when it first shows a
//     status other than "queued" or "pending" (a scenario may script a
//     "pending" phase, which Hightouch's own Airflow provider counts as in
//     progress); querySize appears after the last querying phase,
//     plannedRows when processing starts, completionRatio and row counts
//     grow linearly through processing and reach the scenario's values when
//     the run ends. A negative Phase.Duration never ends. Run ids start at
//     1001 so they are never confused with sync ids.
//   - Sync status: disabled, else pending without runs, else the status of
//     its newest run. lastRunAt is the startedAt of its latest started run.
//     Model lastRunSize is the querySize of the latest successful run of
//     any of its syncs.
//   - Sequence runs are pending until the first member run has started,
//     list only members that have started, end done when every member ends
//     success or warning, cancelled on a cancelled member, and failed on
//     any other terminal status (failed, interrupted, unknown ones).
//   - The enforced rate limit is a sliding window over admitted requests:
//     authenticated requests to known routes; those it rejects do not
//     count. Its 429 always has Retry-After (seconds until a slot frees).
//   - Injected faults: a burst (RateLimitBurst) is used up first, then 500
//     and 429 are drawn from the seeded RNG. TriggerThen500Rate is drawn
//     only when a trigger created (or queued) a run; a sequence trigger
//     that returns the in-progress run is answered normally. ErrorIn200Rate
//     is drawn only on create, update and TriggerRunCustom, the calls whose
//     200 the API types as the resource or an error: a validation body is
//     answered before the call acts, an internal error or a body without
//     an id after it did (unless the call was refused on its own).
//   - Per-sync Requests counts authenticated requests about the sync even
//     when answered by a fault or a 429.
//   - Identity graphs cannot be created through the API: only seeded ones
//     (WithDemoData, NewIDGraph) can be triggered; others are 404.
package hightouchtest
