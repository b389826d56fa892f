package hightouchtest

import (
	"fmt"
	"time"
)

// Syncs.

type syncRecord struct {
	record
	destinationID, modelID int64
	configuration          map[string]any
	schedule               any // nil = manual (JSON null)
	disabled               bool
	tags                   map[string]string
	scenario               Scenario // scripts runs created from now on
}

// Syncs have no name: ListSync's orderBy=name sorts by slug.
var syncAPI = &crud[*syncRecord, syncJSON]{
	kind: "sync", nameless: true,
	store:        func(e *Emulator) store[*syncRecord] { return e.syncs },
	createSchema: syncCreateSchema, updateSchema: syncUpdateSchema,
	build: buildSync, patch: patchSync, filter: syncFilter,
	show: (*Emulator).syncJSON,
}

type syncJSON struct {
	ID                int64             `json:"id"`
	Slug              string            `json:"slug"`
	WorkspaceID       int64             `json:"workspaceId"`
	CreatedAt         jsTime            `json:"createdAt"`
	UpdatedAt         jsTime            `json:"updatedAt"`
	DestinationID     int64             `json:"destinationId"`
	ModelID           int64             `json:"modelId"`
	Configuration     map[string]any    `json:"configuration"`
	Schedule          any               `json:"schedule"`
	Status            string            `json:"status"`
	Disabled          bool              `json:"disabled"`
	LastRunAt         *jsTime           `json:"lastRunAt"`
	ReferencedColumns []string          `json:"referencedColumns"`
	PrimaryKey        string            `json:"primaryKey"`
	ExternalSegment   map[string]string `json:"externalSegment"`
	Tags              map[string]string `json:"tags"`
}

var syncCreateSchema = &schema{closed: true, props: []prop{
	{name: "slug", kind: kindString, required: true},
	{name: "configuration", kind: kindObject, required: true},
	{name: "destinationId", kind: kindNumber, required: true},
	{name: "modelId", kind: kindNumber, required: true},
	{name: "schedule", kind: kindSchedule, required: true, nullable: true},
	{name: "disabled", kind: kindBool, required: true},
}}

var syncUpdateSchema = &schema{closed: true, props: []prop{
	{name: "configuration", kind: kindObject},
	{name: "schedule", kind: kindSchedule, nullable: true},
	{name: "disabled", kind: kindBool},
}}

func (e *Emulator) syncJSON(s *syncRecord, now time.Time) syncJSON {
	primaryKey := ""
	if m := e.models[s.modelID]; m != nil {
		primaryKey = m.primaryKey
	}
	tags := s.tags
	if tags == nil {
		tags = map[string]string{}
	}
	return syncJSON{
		ID: s.id, Slug: s.slug, WorkspaceID: workspaceID,
		CreatedAt: jsTime(s.createdAt), UpdatedAt: jsTime(s.updatedAt),
		DestinationID: s.destinationID, ModelID: s.modelID,
		Configuration: nonNilMap(s.configuration), Schedule: s.schedule,
		Status: e.syncStatus(s, now), Disabled: s.disabled, LastRunAt: jsTimePtr(e.lastRunAt(s.id, now)),
		ReferencedColumns: referencedColumns(primaryKey, s.configuration), PrimaryKey: primaryKey,
		ExternalSegment: map[string]string{}, Tags: tags,
	}
}

// syncStatus: disabled wins, pending before any run, else the status of the
// newest run (which may be queued behind an active one).
func (e *Emulator) syncStatus(s *syncRecord, now time.Time) string {
	if s.disabled {
		return "disabled"
	}
	runs := e.syncRuns[s.id]
	if len(runs) == 0 {
		return "pending"
	}
	return runs[len(runs)-1].view(now).status
}

// lastRunAt is when the sync last started running: the startedAt of its
// most recently started run, null until a run has left the queue.
func (e *Emulator) lastRunAt(syncID int64, now time.Time) *time.Time {
	runs := e.syncRuns[syncID]
	for i := len(runs) - 1; i >= 0; i-- {
		if started := runs[i].view(now).startedAt; started != nil {
			return started
		}
	}
	return nil
}

// referencedColumns are the model columns the sync reads: the primary key
// and the "from" side of any mappings in the configuration.
func referencedColumns(primaryKey string, configuration map[string]any) []string {
	cols := []string{}
	add := func(c string) {
		if c != "" && !contains(cols, c) {
			cols = append(cols, c)
		}
	}
	add(primaryKey)
	mappings, _ := configuration["mappings"].([]any)
	for _, m := range mappings {
		if mm, ok := m.(map[string]any); ok {
			if from, ok := mm["from"].(string); ok {
				add(from)
			}
		}
	}
	return cols
}

func (e *Emulator) syncBySlug(slug string) *syncRecord {
	s, _ := e.syncs.bySlug(slug)
	return s
}

// syncFilter filters by slug, model and when the sync last ran.
func syncFilter(e *Emulator, rq *request, d details) func(*syncRecord) bool {
	modelID, hasModelID := queryNumber(rq.query, "modelId", d)
	after, hasAfter := queryTime(rq.query, "after", d)
	before, hasBefore := queryTime(rq.query, "before", d)
	slug, hasSlug := rq.query.Get("slug"), rq.query.Has("slug")
	return func(s *syncRecord) bool {
		if hasSlug && s.slug != slug || hasModelID && float64(s.modelID) != modelID {
			return false
		}
		if hasAfter || hasBefore {
			last := e.lastRunAt(s.id, rq.now)
			if last == nil || hasAfter && last.Before(after) || hasBefore && !last.Before(before) {
				return false
			}
		}
		return true
	}
}

func buildSync(e *Emulator, body map[string]any, d details) *syncRecord {
	destinationID, _ := asID(body["destinationId"])
	if e.destinations[destinationID] == nil {
		d.addValue("body.destinationId", fmt.Sprintf("destination %v not found", body["destinationId"]), body["destinationId"])
	}
	modelID, _ := asID(body["modelId"])
	if e.models[modelID] == nil {
		d.addValue("body.modelId", fmt.Sprintf("model %v not found", body["modelId"]), body["modelId"])
	}
	return &syncRecord{
		record: record{slug: body["slug"].(string)}, destinationID: destinationID, modelID: modelID,
		configuration: body["configuration"].(map[string]any), schedule: body["schedule"],
		disabled: body["disabled"].(bool),
	}
}

func patchSync(s *syncRecord, body map[string]any) {
	if v, ok := body["configuration"].(map[string]any); ok {
		s.configuration = v
	}
	if v, present := body["schedule"]; present {
		s.schedule = v // null switches to manual
	}
	if v, ok := body["disabled"].(bool); ok {
		s.disabled = v
	}
}

func (e *Emulator) pathSync(rq *request) (*syncRecord, *response) { return syncAPI.fromPath(e, rq) }

func (e *Emulator) syncOr404(id int64) (*syncRecord, *response) { return syncAPI.find(e, id) }
