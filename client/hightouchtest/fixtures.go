package hightouchtest

import (
	"fmt"
	"maps"
)

// Test fixtures: set up and inspect the workspace without going through the
// API (and without touching Stats). Misuse, such as an unknown id or a
// duplicate slug, panics: it is a bug in the test, not an API answer.

const (
	fixtureSourceSlug      = "fixture-warehouse"
	fixtureModelSlug       = "fixture-model"
	fixtureDestinationSlug = "fixture-destination"
)

type fixtureIDs struct {
	sourceID, modelID, destinationID int64
}

// NewSync creates a sync scripted by sc and returns its id. The source,
// model and destination it needs are created on first use and shared.
func (e *Emulator) NewSync(slug string, sc Scenario) int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	id, err := e.newFixtureSync(slug, sc)
	if err != nil {
		panic("hightouchtest.NewSync: " + err.Error())
	}
	return id
}

func (e *Emulator) newFixtureSync(slug string, sc Scenario) (int64, error) {
	if slug == "" {
		return 0, fmt.Errorf("empty slug")
	}
	now := e.now()
	if e.fixture.sourceID == 0 {
		src := newConnection("Fixture warehouse", fixtureSourceSlug, "snowflake", map[string]any{"account": "fixture", "database": "FIXTURE"})
		if err := e.sources.add(src, now); err != nil {
			return 0, err
		}
		m := &model{
			record: record{name: "Fixture model", slug: fixtureModelSlug}, queryType: "raw_sql", primaryKey: "id",
			sourceID: src.id, tags: map[string]string{}, raw: map[string]any{"sql": "select * from fixture"},
		}
		if err := e.models.add(m, now); err != nil {
			return 0, err
		}
		dst := newConnection("Fixture destination", fixtureDestinationSlug, "webhook", map[string]any{"url": "https://example.invalid/hook"})
		if err := e.destinations.add(dst, now); err != nil {
			return 0, err
		}
		e.fixture = fixtureIDs{sourceID: src.id, modelID: m.id, destinationID: dst.id}
	}
	s := &syncRecord{
		record: record{slug: slug}, destinationID: e.fixture.destinationID, modelID: e.fixture.modelID,
		configuration: map[string]any{}, scenario: sc,
	}
	if err := e.syncs.add(s, now); err != nil {
		return 0, err
	}
	return s.id, nil
}

// SetScenario changes the scenario of runs created from now on; runs that
// already exist keep theirs.
func (e *Emulator) SetScenario(syncID int64, sc Scenario) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.setScenario(syncID, sc); err != nil {
		panic("hightouchtest.SetScenario: " + err.Error())
	}
}

func (e *Emulator) setScenario(syncID int64, sc Scenario) error {
	s := e.syncs[syncID]
	if s == nil {
		return fmt.Errorf("sync %d not found", syncID)
	}
	s.scenario = sc
	return nil
}

// NewSequence registers a sync sequence running syncIDs in order and
// returns its id; id "" generates a UUID.
func (e *Emulator) NewSequence(id string, syncIDs ...int64) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	id, err := e.addSequence(id, syncIDs)
	if err != nil {
		panic("hightouchtest.NewSequence: " + err.Error())
	}
	return id
}

// NewIDGraph registers an identity graph that TriggerRunIDGraph accepts.
func (e *Emulator) NewIDGraph(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.idGraphs[id] != nil {
		panic(fmt.Sprintf("hightouchtest.NewIDGraph: graph %q already exists", id))
	}
	e.idGraphs[id] = &idGraph{id: id}
}

// IDGraphTriggers counts successful TriggerRunIDGraph calls for a graph.
func (e *Emulator) IDGraphTriggers(id string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if g := e.idGraphs[id]; g != nil {
		return len(g.runs)
	}
	return 0
}

// SetModelTags sets a model's tags (ModelCreate has no tags field, but
// ListModel filters on them).
func (e *Emulator) SetModelTags(modelID int64, tags map[string]string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.models[modelID]
	if m == nil {
		panic(fmt.Sprintf("hightouchtest.SetModelTags: model %d not found", modelID))
	}
	m.tags = maps.Clone(tags)
}

// Stats returns a copy of the counters.
func (e *Emulator) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats.clone()
}

// Requests counts the API requests that concern a sync: GetSync,
// UpdateSync, ListSyncRuns, TriggerRun and TriggerRunCustom naming it,
// whatever they were answered (faults and 429s included; 401s excluded).
func (e *Emulator) Requests(syncID int64) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c := e.perSync[syncID]; c != nil {
		return c.requests
	}
	return 0
}

// Triggers counts the trigger calls that created (or queued) a run of the
// sync, including those answered by the trigger-then-500 fault.
func (e *Emulator) Triggers(syncID int64) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c := e.perSync[syncID]; c != nil {
		return c.triggers
	}
	return 0
}

// Runs returns every run of the sync as of now, oldest first.
func (e *Emulator) Runs(syncID int64) []RunInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.advance(now)
	out := []RunInfo{}
	for _, rn := range e.syncRuns[syncID] {
		out = append(out, rn.info(now))
	}
	return out
}

// SequenceRuns returns every run of the sequence as of now, oldest first
// (nil for an unknown sequence).
func (e *Emulator) SequenceRuns(sequenceID string) []SequenceRunInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.advance(now)
	out, _ := e.sequenceRunInfos(sequenceID, now)
	return out
}
