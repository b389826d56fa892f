package hightouchtest

import (
	"fmt"
	"maps"
	"strings"
	"time"
)

// Models.

type model struct {
	record
	description, queryType, primaryKey string
	sourceID                           int64
	isSchema                           bool
	tags                               map[string]string
	folderID                           *string
	// Query definitions in their response shapes; only the set ones are shown.
	raw, table, dbt, dbtCloud, visual, custom map[string]any
}

var modelAPI = &crud[*model, modelJSON]{
	kind:         "model",
	store:        func(e *Emulator) store[*model] { return e.models },
	createSchema: modelCreateSchema, updateSchema: modelUpdateSchema,
	build: buildModel, patch: patchModel, filter: modelFilter,
	show: (*Emulator).modelJSON,
}

type modelJSON struct {
	ID          int64             `json:"id"`
	Name        string            `json:"name"`
	Slug        string            `json:"slug"`
	Description string            `json:"description"`
	WorkspaceID int64             `json:"workspaceId"`
	PrimaryKey  string            `json:"primaryKey"`
	CreatedAt   jsTime            `json:"createdAt"`
	UpdatedAt   jsTime            `json:"updatedAt"`
	SourceID    int64             `json:"sourceId"`
	QueryType   string            `json:"queryType"`
	Tags        map[string]string `json:"tags"`
	IsSchema    bool              `json:"isSchema"`
	Syncs       []int64           `json:"syncs"`
	LastRunSize *int64            `json:"lastRunSize"`
	FolderID    *string           `json:"folderId,omitempty"`
	Raw         map[string]any    `json:"raw,omitempty"`
	Table       map[string]any    `json:"table,omitempty"`
	Custom      map[string]any    `json:"custom,omitempty"`
	Visual      map[string]any    `json:"visual,omitempty"`
	DBT         map[string]any    `json:"dbt,omitempty"`
	DBTCloud    map[string]any    `json:"dbt_cloud,omitempty"`
}

var (
	rawDefinition    = &schema{closed: true, props: []prop{{name: "sql", kind: kindString, required: true}}}
	tableDefinition  = &schema{closed: true, props: []prop{{name: "name", kind: kindString, required: true}}}
	dbtDefinition    = &schema{closed: true, props: []prop{{name: "modelId", kind: kindNumber, required: true}}}
	customDefinition = &schema{closed: true, props: []prop{{name: "query", kind: kindAny, required: true}}}
	visualDefinition = &schema{closed: true, props: []prop{
		{name: "filter", kind: kindAny, required: true},
		{name: "parentId", kind: kindNumber, required: true},
		{name: "primaryLabel", kind: kindString},
		{name: "secondaryLabel", kind: kindString},
	}}
)

var modelCreateSchema = &schema{closed: true, props: []prop{
	{name: "name", kind: kindString, required: true},
	{name: "slug", kind: kindString, required: true},
	{name: "queryType", kind: kindString, required: true},
	{name: "sourceId", kind: kindNumber, required: true},
	{name: "isSchema", kind: kindBool, required: true},
	{name: "primaryKey", kind: kindString, required: true},
	{name: "raw", kind: kindStruct, schema: rawDefinition},
	{name: "table", kind: kindStruct, schema: tableDefinition},
	{name: "dbt", kind: kindStruct, schema: dbtDefinition},
	{name: "dbt_cloud", kind: kindStruct, schema: dbtDefinition},
	{name: "visual", kind: kindStruct, schema: visualDefinition},
	{name: "custom", kind: kindStruct, schema: customDefinition},
	{name: "folderId", kind: kindString},
}}

var modelUpdateSchema = &schema{closed: true, props: []prop{
	{name: "name", kind: kindString},
	{name: "isSchema", kind: kindBool},
	{name: "primaryKey", kind: kindString},
	{name: "raw", kind: kindStruct, schema: rawDefinition},
	{name: "table", kind: kindStruct, schema: tableDefinition},
	{name: "dbt", kind: kindStruct, schema: dbtDefinition},
	{name: "visual", kind: kindStruct, schema: visualDefinition},
	{name: "custom", kind: kindStruct, schema: customDefinition},
	{name: "folderId", kind: kindString},
}}

// queryDefinitionKey maps queryType to the body object that defines the
// query. The schema does not tie them together; the server has to, since a
// model without a query cannot run. "tabel" is the spec's own typo.
var queryDefinitionKey = map[string]string{
	"raw_sql": "raw", "table": "table", "tabel": "table", "dbt": "dbt",
	"dbt_cloud": "dbt_cloud", "visual": "visual", "custom": "custom",
}

var queryTypes = []string{"raw_sql", "table", "dbt", "dbt_cloud", "visual", "custom"}

func (e *Emulator) modelJSON(m *model, now time.Time) modelJSON {
	syncs := []int64{}
	for _, id := range sortedIDs(e.syncs) {
		if e.syncs[id].modelID == m.id {
			syncs = append(syncs, id)
		}
	}
	tags := m.tags
	if tags == nil {
		tags = map[string]string{}
	}
	return modelJSON{
		ID: m.id, Name: m.name, Slug: m.slug, Description: m.description, WorkspaceID: workspaceID,
		PrimaryKey: m.primaryKey, CreatedAt: jsTime(m.createdAt), UpdatedAt: jsTime(m.updatedAt),
		SourceID: m.sourceID, QueryType: m.queryType, Tags: tags, IsSchema: m.isSchema, Syncs: syncs,
		LastRunSize: e.lastRunSize(m.id, now), FolderID: m.folderID,
		Raw: m.raw, Table: m.table, Custom: m.custom, Visual: m.visual, DBT: m.dbt, DBTCloud: m.dbtCloud,
	}
}

// lastRunSize is the query size of the latest successful run of any sync of
// the model; null if there is none.
func (e *Emulator) lastRunSize(modelID int64, now time.Time) *int64 {
	var best *run
	for _, s := range e.syncs {
		if s.modelID != modelID {
			continue
		}
		for _, rn := range e.syncRuns[s.id] {
			if rn.view(now).status == "success" && (best == nil || rn.endAt.After(best.endAt)) {
				best = rn
			}
		}
	}
	if best == nil {
		return nil
	}
	size := best.sc.QuerySize
	return &size
}

// applyDefinitions copies the query definitions present in body onto m.
func (m *model) applyDefinitions(body map[string]any) {
	if v, ok := body["raw"].(map[string]any); ok {
		m.raw = map[string]any{"sql": v["sql"]}
	}
	if v, ok := body["table"].(map[string]any); ok {
		m.table = map[string]any{"name": v["name"]}
	}
	if v, ok := body["custom"].(map[string]any); ok {
		m.custom = map[string]any{"query": v["query"]}
	}
	if v, ok := body["visual"].(map[string]any); ok {
		m.visual = maps.Clone(v)
		if id, ok := asID(v["parentId"]); ok {
			m.visual["parentId"] = id
		}
	}
	// dbt references a model Hightouch knows; the response describes it.
	if v, ok := body["dbt"].(map[string]any); ok {
		id, _ := asID(v["modelId"])
		m.dbt = map[string]any{
			"dbtUniqueId": fmt.Sprintf("model.emulator.dbt_model_%d", id),
			"compiledSql": fmt.Sprintf("select * from analytics.public.dbt_model_%d", id),
			"rawSql":      fmt.Sprintf("select * from {{ ref('dbt_model_%d') }}", id),
			"database":    "analytics", "schema": "public",
			"name": fmt.Sprintf("dbt_model_%d", id), "modelId": id,
		}
	}
	if v, ok := body["dbt_cloud"].(map[string]any); ok {
		id, _ := asID(v["modelId"])
		m.dbtCloud = map[string]any{
			"dbtUniqueId": fmt.Sprintf("model.emulator.dbt_cloud_model_%d", id),
			"compiledSql": fmt.Sprintf("select * from analytics.public.dbt_cloud_model_%d", id),
			"rawSql":      fmt.Sprintf("select * from {{ ref('dbt_cloud_model_%d') }}", id),
			"name":        fmt.Sprintf("dbt_cloud_model_%d", id), "modelId": id,
		}
	}
	if v, ok := body["folderId"].(string); ok {
		m.folderID = &v
	}
}

// modelFilter filters by name, slug and tags ("key:value", all must match).
func modelFilter(e *Emulator, rq *request, d details) func(*model) bool {
	wantTags := map[string]string{}
	for _, tag := range rq.query["tags"] {
		k, v, found := strings.Cut(tag, ":")
		if !found || k == "" {
			d.addValue("query.tags", "tags must be key:value", tag)
			continue
		}
		wantTags[k] = v
	}
	byName := byNameAndSlug[*model](e, rq, d)
	return func(m *model) bool { return byName(m) && hasTags(m.tags, wantTags) }
}

func hasTags(have, want map[string]string) bool {
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			return false
		}
	}
	return true
}

// createModel checks CreateModel's query before its body.
func (e *Emulator) createModel(rq *request) response {
	d := details{}
	if _, ok := queryBool(rq.query, "skipColumnQuery", d); !ok && len(d) > 0 {
		return unprocessable(d)
	}
	return modelAPI.create(e, rq)
}

func buildModel(e *Emulator, body map[string]any, d details) *model {
	queryType := body["queryType"].(string)
	defKey, known := queryDefinitionKey[queryType]
	switch {
	case !known:
		d.addValue("body.queryType", enumMessage(queryTypes), queryType)
	case body[defKey] == nil:
		d.add("body."+defKey, requiredMessage(defKey))
	}
	sourceID, _ := asID(body["sourceId"])
	if e.sources[sourceID] == nil {
		d.addValue("body.sourceId", fmt.Sprintf("source %v not found", body["sourceId"]), body["sourceId"])
	}
	m := &model{
		record: record{name: body["name"].(string), slug: body["slug"].(string)}, queryType: queryType,
		primaryKey: body["primaryKey"].(string), sourceID: sourceID, isSchema: body["isSchema"].(bool),
		tags: map[string]string{},
	}
	m.applyDefinitions(body)
	return m
}

func patchModel(m *model, body map[string]any) {
	if v, ok := body["name"].(string); ok {
		m.name = v
	}
	if v, ok := body["isSchema"].(bool); ok {
		m.isSchema = v
	}
	if v, ok := body["primaryKey"].(string); ok {
		m.primaryKey = v
	}
	m.applyDefinitions(body)
}
