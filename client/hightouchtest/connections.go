package hightouchtest

import "time"

// Sources and destinations: both are a
// connection of some type with a free-form configuration, created with a
// name and slug and patched in name and configuration only.

type connection struct {
	record
	typ           string
	configuration map[string]any
}

var connectionCreateSchema = &schema{closed: true, props: []prop{
	{name: "name", kind: kindString, required: true},
	{name: "slug", kind: kindString, required: true},
	{name: "type", kind: kindString, required: true},
	{name: "configuration", kind: kindObject, required: true},
}}

var connectionUpdateSchema = &schema{closed: true, props: []prop{
	{name: "name", kind: kindString},
	{name: "configuration", kind: kindObject},
}}

func newConnection(name, slug, typ string, configuration map[string]any) *connection {
	return &connection{record: record{name: name, slug: slug}, typ: typ, configuration: configuration}
}

func buildConnection(_ *Emulator, body map[string]any, _ details) *connection {
	return newConnection(body["name"].(string), body["slug"].(string), body["type"].(string), body["configuration"].(map[string]any))
}

func patchConnection(c *connection, body map[string]any) {
	if v, ok := body["name"].(string); ok {
		c.name = v
	}
	if v, ok := body["configuration"].(map[string]any); ok {
		c.configuration = v
	}
}

var (
	sourceAPI      = connectionAPI("source", func(e *Emulator) store[*connection] { return e.sources }, (*Emulator).sourceJSON)
	destinationAPI = connectionAPI("destination", func(e *Emulator) store[*connection] { return e.destinations }, (*Emulator).destinationJSON)
)

func connectionAPI(kind string, st func(*Emulator) store[*connection], show func(*Emulator, *connection, time.Time) connectionJSON) *crud[*connection, connectionJSON] {
	return &crud[*connection, connectionJSON]{
		kind: kind, store: st,
		createSchema: connectionCreateSchema, updateSchema: connectionUpdateSchema,
		build: buildConnection, patch: patchConnection, filter: byNameAndSlug[*connection],
		show: show,
	}
}

// connectionJSON is the Source and the Destination schema; only a
// destination lists the syncs that write to it.
type connectionJSON struct {
	ID            int64          `json:"id"`
	Name          string         `json:"name"`
	Slug          string         `json:"slug"`
	WorkspaceID   int64          `json:"workspaceId"`
	CreatedAt     jsTime         `json:"createdAt"`
	UpdatedAt     jsTime         `json:"updatedAt"`
	Type          string         `json:"type"`
	Configuration map[string]any `json:"configuration"`
	Syncs         *[]int64       `json:"syncs,omitempty"` // destinations only
}

func (e *Emulator) sourceJSON(c *connection, _ time.Time) connectionJSON {
	return connectionJSON{
		ID: c.id, Name: c.name, Slug: c.slug, WorkspaceID: workspaceID,
		CreatedAt: jsTime(c.createdAt), UpdatedAt: jsTime(c.updatedAt),
		Type: c.typ, Configuration: nonNilMap(c.configuration),
	}
}

func (e *Emulator) destinationJSON(c *connection, now time.Time) connectionJSON {
	syncs := []int64{}
	for _, id := range sortedIDs(e.syncs) {
		if e.syncs[id].destinationID == c.id {
			syncs = append(syncs, id)
		}
	}
	out := e.sourceJSON(c, now)
	out.Syncs = &syncs
	return out
}
