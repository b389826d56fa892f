package hightouchtest

import (
	"fmt"
	"time"
)

// Syncs (reference §2.5, §3.4).

type syncRecord struct {
	id                     int64
	slug                   string
	destinationID, modelID int64
	configuration          map[string]any
	schedule               any // nil = manual (JSON null)
	disabled               bool
	tags                   map[string]string
	createdAt, updatedAt   time.Time
	scenario               Scenario // scripts runs created from now on
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
	for _, s := range e.syncs {
		if s.slug == slug {
			return s
		}
	}
	return nil
}

func (e *Emulator) addSync(s *syncRecord, now time.Time) (*syncRecord, error) {
	if e.syncBySlug(s.slug) != nil {
		return nil, fmt.Errorf("slug %q already exists", s.slug)
	}
	s.id = e.nextSyncID
	e.nextSyncID++
	s.createdAt, s.updatedAt = msTime(now), msTime(now)
	if s.tags == nil {
		s.tags = map[string]string{}
	}
	e.syncs[s.id] = s
	return s, nil
}

func (e *Emulator) listSyncs(rq *request) response {
	d := details{}
	lq := parseListQuery(rq.query, resourceOrderBy, d)
	modelID, hasModelID := queryNumber(rq.query, "modelId", d)
	after, hasAfter := queryTime(rq.query, "after", d)
	before, hasBefore := queryTime(rq.query, "before", d)
	if len(d) > 0 {
		return unprocessable(d)
	}
	slug, hasSlug := rq.query.Get("slug"), rq.query.Has("slug")
	var items []*syncRecord
	for _, s := range e.syncs {
		if hasSlug && s.slug != slug || hasModelID && float64(s.modelID) != modelID {
			continue
		}
		if hasAfter || hasBefore {
			last := e.lastRunAt(s.id, rq.now)
			if last == nil || hasAfter && last.Before(after) || hasBefore && !last.Before(before) {
				continue
			}
		}
		items = append(items, s)
	}
	// Syncs have no name; orderBy=name sorts by slug.
	sortResources(items, lq.orderBy, func(s *syncRecord) resourceKey {
		return resourceKey{id: s.id, name: s.slug, slug: s.slug, createdAt: s.createdAt, updatedAt: s.updatedAt}
	})
	return ok(page(mapSlice(items, func(s *syncRecord) syncJSON { return e.syncJSON(s, rq.now) }), lq))
}

func (e *Emulator) getSync(rq *request) response {
	s, errResp := e.pathSync(rq)
	if errResp != nil {
		return *errResp
	}
	return ok(e.syncJSON(s, rq.now))
}

func (e *Emulator) createSync(rq *request) response {
	body, errResp := rq.requireBody(syncCreateSchema)
	if errResp != nil {
		return *errResp
	}
	d := details{}
	destinationID, _ := asID(body["destinationId"])
	if e.destinations[destinationID] == nil {
		d.addValue("body.destinationId", fmt.Sprintf("destination %v not found", body["destinationId"]), body["destinationId"])
	}
	modelID, _ := asID(body["modelId"])
	if e.models[modelID] == nil {
		d.addValue("body.modelId", fmt.Sprintf("model %v not found", body["modelId"]), body["modelId"])
	}
	if len(d) > 0 {
		return unprocessable(d)
	}
	s := &syncRecord{
		slug: body["slug"].(string), destinationID: destinationID, modelID: modelID,
		configuration: body["configuration"].(map[string]any), schedule: body["schedule"],
		disabled: body["disabled"].(bool),
	}
	if _, err := e.addSync(s, rq.now); err != nil {
		return duplicateSlug(s.slug)
	}
	return ok(e.syncJSON(s, rq.now))
}

func (e *Emulator) updateSync(rq *request) response {
	s, errResp := e.pathSync(rq)
	if errResp != nil {
		return *errResp
	}
	body, errResp := rq.requireBody(syncUpdateSchema)
	if errResp != nil {
		return *errResp
	}
	if v, ok := body["configuration"].(map[string]any); ok {
		s.configuration = v
	}
	if v, present := body["schedule"]; present {
		s.schedule = v // null switches to manual
	}
	if v, ok := body["disabled"].(bool); ok {
		s.disabled = v
	}
	s.updatedAt = msTime(rq.now)
	return ok(e.syncJSON(s, rq.now))
}

func (e *Emulator) pathSync(rq *request) (*syncRecord, *response) {
	id, errResp := rq.numericPathID("syncId")
	if errResp != nil {
		return nil, errResp
	}
	return e.syncOr404(id)
}

func (e *Emulator) syncOr404(id int64) (*syncRecord, *response) {
	s := e.syncs[id]
	if s == nil {
		resp := notFound(fmt.Sprintf("sync %d not found", id))
		return nil, &resp
	}
	return s, nil
}
